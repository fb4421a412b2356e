// Ported from vektah/gqlparser v2.5.64, Copyright (c) 2018 Adam Scarr, MIT licence (THIRD_PARTY_NOTICES.md).
// A port of vektah/gqlparser v2.5.64's lexer and parser (the GraphQL parser OPA 1.22.4 uses), so
// that graphql.parse_schema, parse_query, parse and parse_and_verify hand policies the very values
// OPA does: gqlparser's SchemaDocument and QueryDocument with their Go field names, comments
// attached where gqlparser attaches them, and gqlparser's error messages and positions. The port
// keeps gqlparser's structure (byte offsets, rune columns, its peek/next comment bookkeeping) so a
// difference can be traced to a line of the Go source; validation stays with the graphql package.
//
// Nodes are plain objects holding every field the Go structures marshal to (nil pointers and nil
// slices as null), which OPA then prunes (`pruneGql`): no positions, nulls, empty lists or objects.

/** gqlparser's lexer token kinds (lexer/token.go), in its order. */
const enum T {
  Invalid, EOF, Bang, Dollar, Amp, ParenL, ParenR, Spread, Colon, Equals, At, BracketL, BracketR, BraceL, BraceR, Pipe, Name, Int, Float, String, BlockString, Comment,
}

const KIND_TEXT = ['<Invalid>', '<EOF>', '!', '$', '&', '(', ')', '...', ':', '=', '@', '[', ']', '{', '}', '|', 'Name', 'Int', 'Float', 'String', 'BlockString', 'Comment'];

interface Pos { line: number; column: number }
interface Token { kind: T; value: string; pos: Pos }

/** A parse error at a line and column (gqlerror's first location). */
export class GqlSyntaxError extends Error {
  constructor(message: string, readonly line: number, readonly column: number) {
    super(message);
  }
}

/** Go's strconv.Quote for the strings gqlparser quotes in messages. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c === 0xfffd && ch !== '\ufffd') out += '\\ufffd';
    else if ((c >= 0x80 && c < 0xa0) || c === 0xad || (c >= 0xd800 && c < 0xe000)) out += c > 0xffff ? '\\U' + c.toString(16).padStart(8, '0') : '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

function tokenText(t: Token): string {
  return t.value !== '' ? `${KIND_TEXT[t.kind]} ${goQuote(t.value)}` : KIND_TEXT[t.kind]!;
}

const utf8 = new TextDecoder('utf-8');
const enc = new TextEncoder();

/** The length in bytes of the UTF-8 sequence starting with byte b (1 for a stray byte, as Go's decoder). */
function runeWidth(src: Uint8Array, i: number): number {
  const b = src[i]!;
  const need = b >= 0xf0 && b < 0xf8 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 1;
  if (need === 1 || b >= 0xf8) return 1;
  for (let k = 1; k < need; k++) if (i + k >= src.length || (src[i + k]! & 0xc0) !== 0x80) return 1;
  return need;
}

function pushRune(buf: number[], r: number): void {
  if ((r >= 0xd800 && r < 0xe000) || r > 0x10ffff || r < 0) r = 0xfffd;
  buf.push(...enc.encode(String.fromCodePoint(r)));
}

class Lexer {
  private start = 0;
  private startRunes = 0;
  private end = 0;
  private endRunes = 0;
  private line = 1;
  private lineStartRunes = 0;
  constructor(private readonly src: Uint8Array) {}

  private text(a: number, b: number): string {
    return utf8.decode(this.src.subarray(a, b));
  }

  private make(kind: T, value: string): Token {
    return { kind, value, pos: { line: this.line, column: this.startRunes - this.lineStartRunes + 1 } };
  }

  private error(message: string): [Token, GqlSyntaxError] {
    const column = this.endRunes - this.lineStartRunes + 1;
    return [{ kind: T.Invalid, value: '', pos: { line: this.line, column } }, new GqlSyntaxError(message, this.line, column)];
  }

  read(): [Token, GqlSyntaxError | undefined] {
    this.ws();
    this.start = this.end;
    this.startRunes = this.endRunes;
    const s = this.src;
    if (this.end >= s.length) return [this.make(T.EOF, this.text(this.start, this.end)), undefined];
    const r = s[this.start]!;
    this.end++;
    this.endRunes++;
    const ch = String.fromCharCode(r);
    const punct: Record<string, T> = { '!': T.Bang, $: T.Dollar, '&': T.Amp, '(': T.ParenL, ')': T.ParenR, ':': T.Colon, '=': T.Equals, '@': T.At, '[': T.BracketL, ']': T.BracketR, '{': T.BraceL, '}': T.BraceR, '|': T.Pipe };
    if (punct[ch] !== undefined) return [this.make(punct[ch], ''), undefined];
    if (ch === '.' && s.length > this.start + 2 && s[this.start + 1] === 0x2e && s[this.start + 2] === 0x2e) {
      this.end += 2;
      this.endRunes += 2;
      return [this.make(T.Spread, ''), undefined];
    }
    if (ch === '#') return this.readComment();
    if (/[_A-Za-z]/.test(ch)) return this.readName();
    if (/[-0-9]/.test(ch)) return this.readNumber();
    if (ch === '"') {
      if (s.length > this.start + 2 && s[this.start + 1] === 0x22 && s[this.start + 2] === 0x22) return this.readBlockString();
      return this.readString();
    }
    this.end--;
    this.endRunes--;
    if (r < 0x20 && r !== 9 && r !== 10 && r !== 13) return this.error(`Cannot contain the invalid character "\\u${r.toString(16).padStart(4, '0')}"`);
    if (ch === "'") return this.error(`Unexpected single quote character ('), did you mean to use a double quote (")?`);
    // Go's string(r) of a byte: the rune with that number
    return this.error(`Cannot parse the unexpected character "${String.fromCodePoint(r)}".`);
  }

  private ws(): void {
    const s = this.src;
    while (this.end < s.length) {
      const b = s[this.end]!;
      if (b === 9 || b === 32 || b === 44) {
        this.end++;
        this.endRunes++;
      } else if (b === 10) {
        this.end++;
        this.endRunes++;
        this.line++;
        this.lineStartRunes = this.endRunes;
      } else if (b === 13) {
        this.end++;
        this.endRunes++;
        this.line++;
        this.lineStartRunes = this.endRunes;
        if (this.end < s.length && s[this.end] === 10) {
          this.end++;
          this.endRunes++;
        }
      } else if (b === 0xef && this.end + 2 < s.length && s[this.end + 1] === 0xbb && s[this.end + 2] === 0xbf) {
        this.end += 3;
        this.endRunes++;
      } else return;
    }
  }

  private decodeRune(i: number): [number, number] {
    const w = runeWidth(this.src, i);
    if (w === 1) {
      const b = this.src[i]!;
      return [b < 0x80 ? b : 0xfffd, 1];
    }
    return [utf8.decode(this.src.subarray(i, i + w)).codePointAt(0)!, w];
  }

  private readComment(): [Token, undefined] {
    while (this.end < this.src.length) {
      const [r, w] = this.decodeRune(this.end);
      if (r > 0x1f || r === 9) {
        this.end += w;
        this.endRunes++;
      } else break;
    }
    return [this.make(T.Comment, this.text(this.start, this.end)), undefined];
  }

  private acceptByte(...bs: number[]): boolean {
    if (this.end >= this.src.length) return false;
    if (bs.includes(this.src[this.end]!)) {
      this.end++;
      this.endRunes++;
      return true;
    }
    return false;
  }

  private acceptDigits(): number {
    let n = 0;
    while (this.end < this.src.length && this.src[this.end]! >= 0x30 && this.src[this.end]! <= 0x39) {
      this.end++;
      this.endRunes++;
      n++;
    }
    return n;
  }

  private describeNext(): string {
    return this.end < this.src.length ? `"${String.fromCodePoint(this.src[this.end]!)}"` : '<EOF>';
  }

  private readNumber(): [Token, GqlSyntaxError | undefined] {
    let float = false;
    this.end--;
    this.endRunes--;
    this.acceptByte(0x2d);
    if (this.acceptByte(0x30)) {
      const n = this.acceptDigits();
      if (n !== 0) {
        this.end -= n;
        this.endRunes -= n;
        return this.error(`Invalid number, unexpected digit after 0: ${this.describeNext()}.`);
      }
    } else if (this.acceptDigits() === 0) return this.error(`Invalid number, expected digit but got: ${this.describeNext()}.`);
    if (this.acceptByte(0x2e)) {
      float = true;
      if (this.acceptDigits() === 0) return this.error(`Invalid number, expected digit but got: ${this.describeNext()}.`);
    }
    if (this.acceptByte(0x65, 0x45)) {
      float = true;
      this.acceptByte(0x2d, 0x2b);
      if (this.acceptDigits() === 0) return this.error(`Invalid number, expected digit but got: ${this.describeNext()}.`);
    }
    return [this.make(float ? T.Float : T.Int, this.text(this.start, this.end)), undefined];
  }

  private readString(): [Token, GqlSyntaxError | undefined] {
    const s = this.src;
    const len = s.length;
    let buf: number[] | undefined;
    this.start++;
    this.startRunes++;
    while (this.end < len) {
      const r = s[this.end]!;
      if (r === 10 || r === 13) break;
      if (r < 0x20 && r !== 9) return this.error(`Invalid character within String: "\\u${r.toString(16).padStart(4, '0')}".`);
      if (r === 0x22) {
        const t = this.make(T.String, buf ? utf8.decode(new Uint8Array(buf)) : this.text(this.start, this.end));
        this.end++;
        this.endRunes++;
        return [t, undefined];
      }
      if (r === 0x5c) {
        if (this.end + 1 >= len) {
          this.end++;
          this.endRunes++;
          return this.error('Invalid character escape sequence.');
        }
        buf ??= [...s.subarray(this.start, this.end)];
        const esc = s[this.end + 1]!;
        if (esc === 0x75) {
          if (this.end + 2 < len && s[this.end + 2] === 0x7b) {
            const [v, n, ok] = unhexBraced(s, this.end + 3);
            if (!ok) {
              this.end++;
              this.endRunes++;
              return this.error(`Invalid character escape sequence: \\${this.text(this.end, Math.min(len, this.end + 2 + n))}.`);
            }
            this.end += 3 + n;
            this.endRunes += 3 + n;
            pushRune(buf, v);
            continue;
          }
          if (this.end + 6 >= len) {
            this.end++;
            this.endRunes++;
            return this.error(`Invalid character escape sequence: \\${this.text(this.end, len)}.`);
          }
          let v = unhex(s, this.end + 2, this.end + 6);
          if (v === undefined) {
            this.end++;
            this.endRunes++;
            return this.error(`Invalid character escape sequence: \\${this.text(this.end, this.end + 5)}.`);
          }
          this.end += 6;
          this.endRunes += 6;
          if (v >= 0xd800 && v < 0xdc00 && this.end + 6 < len) {
            const r2 = unhex(s, this.end + 2, this.end + 6);
            if (s[this.end] === 0x5c && s[this.end + 1] === 0x75 && r2 !== undefined && r2 >= 0xdc00 && r2 <= 0xdfff) {
              v = (v - 0xd800) * 0x400 + (r2 - 0xdc00) + 0x10000;
              this.end += 6;
              this.endRunes += 6;
            }
          }
          pushRune(buf, v);
        } else {
          const simple: Record<number, number> = { 0x22: 0x22, 0x2f: 0x2f, 0x5c: 0x5c, 0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9 };
          if (simple[esc] === undefined) {
            this.end++;
            this.endRunes++;
            return this.error(`Invalid character escape sequence: \\${String.fromCodePoint(esc)}.`);
          }
          buf.push(simple[esc]);
          this.end += 2;
          this.endRunes += 2;
        }
        continue;
      }
      const w = r >= 127 ? runeWidth(s, this.end) : 1;
      if (buf) {
        if (r >= 127) pushRune(buf, this.decodeRune(this.end)[0]);
        else buf.push(r);
      }
      this.end += w;
      this.endRunes++;
    }
    return this.error('Unterminated string.');
  }

  private readBlockString(): [Token, GqlSyntaxError | undefined] {
    const s = this.src;
    const len = s.length;
    const buf: number[] = [];
    this.start += 3;
    this.startRunes += 3;
    this.end += 2;
    this.endRunes += 2;
    while (this.end < len) {
      const r = s[this.end]!;
      if (r === 0x22) {
        let q = 1;
        let i = this.end + 1;
        while (i < len && s[i] === 0x22) {
          q++;
          i++;
        }
        if (q >= 3) {
          for (let k = 0; k < q - 3; k++) buf.push(0x22);
          const t = this.make(T.BlockString, blockStringValue(utf8.decode(new Uint8Array(buf))));
          this.end += q;
          this.endRunes += q;
          return [t, undefined];
        }
      }
      if (r < 0x20 && r !== 9 && r !== 10 && r !== 13) return this.error(`Invalid character within String: "\\u${r.toString(16).padStart(4, '0')}".`);
      if (r === 0x5c && this.end + 4 <= len && s[this.end + 1] === 0x22 && s[this.end + 2] === 0x22 && s[this.end + 3] === 0x22) {
        buf.push(0x22, 0x22, 0x22);
        this.end += 4;
        this.endRunes += 4;
      } else if (r === 13) {
        if (this.end + 1 < len && s[this.end + 1] === 10) {
          this.end++;
          this.endRunes++;
        }
        buf.push(10);
        this.end++;
        this.endRunes++;
        this.line++;
        this.lineStartRunes = this.endRunes;
      } else {
        if (r >= 127) {
          const [c, w] = this.decodeRune(this.end);
          pushRune(buf, c);
          this.end += w;
        } else {
          buf.push(r);
          this.end++;
        }
        this.endRunes++;
        if (r === 10) {
          this.line++;
          this.lineStartRunes = this.endRunes;
        }
      }
    }
    return this.error('Unterminated string.');
  }

  private readName(): [Token, undefined] {
    while (this.end < this.src.length) {
      const b = this.src[this.end]!;
      if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f) {
        this.end++;
        this.endRunes++;
      } else break;
    }
    return [this.make(T.Name, this.text(this.start, this.end)), undefined];
  }
}

function hexDigit(c: number): number | undefined {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return undefined;
}

function unhex(s: Uint8Array, a: number, b: number): number | undefined {
  let v = 0;
  for (let i = a; i < b; i++) {
    const d = hexDigit(s[i]!);
    if (d === undefined) return undefined;
    v = v * 16 + d;
  }
  return v;
}

/** gqlparser's unhexBraced: [rune, bytes read, ok]; Go's int32 rune arithmetic wraps. */
function unhexBraced(s: Uint8Array, at: number): [number, number, boolean] {
  let v = 0;
  let n = 0;
  while (at + n < s.length && n <= 8) {
    if (s[at + n] === 0x7d) {
      n++;
      const valid = v >= 0 && v <= 0x10ffff && !(v >= 0xd800 && v < 0xe000);
      if (n === 1 || !valid) return [0, n, false];
      return [v, n, true];
    }
    const d = hexDigit(s[at + n]!);
    if (d === undefined) return [0, n, false];
    v = ((v << 4) | d) | 0;
    n++;
  }
  return [0, n, false];
}

function leadingWhitespace(str: string): number {
  // byte index of the first non-blank, as Go's range over a string
  const b = enc.encode(str);
  for (let i = 0; i < b.length; i++) if (b[i] !== 32 && b[i] !== 9) return i;
  return Number.MAX_SAFE_INTEGER;
}

function blockStringValue(raw: string): string {
  const lines = raw.split('\n');
  let common = Number.MAX_SAFE_INTEGER;
  for (const line of lines) {
    const indent = leadingWhitespace(line);
    if (indent < enc.encode(line).length && indent < common) {
      common = indent;
      if (common === 0) break;
    }
  }
  if (common !== Number.MAX_SAFE_INTEGER && lines.length > 0) {
    for (let i = 1; i < lines.length; i++) {
      const b = enc.encode(lines[i]!);
      lines[i] = b.length < common ? '' : utf8.decode(b.subarray(common));
    }
  }
  let start = 0;
  let end = lines.length;
  while (start < end && leadingWhitespace(lines[start]!) === Number.MAX_SAFE_INTEGER) start++;
  while (start < end && leadingWhitespace(lines[end - 1]!) === Number.MAX_SAFE_INTEGER) end--;
  return lines.slice(start, end).join('\n');
}

// ---- the parser (parser/parser.go, schema.go, query.go)

type Obj = Record<string, unknown>;

/** Where gqlparser's nodes start (their Position, which OPA drops): for the schema validator's messages. */
export const POSITIONS = new WeakMap<object, Pos>();
/** A union's member positions (Definition.TypePositions). */
export const TYPE_POSITIONS = new WeakMap<object, (Pos | undefined)[]>();
type CommentGroup = { List: { Value: string }[] | null } | null;
interface Desc { text: string; comment: CommentGroup; present: boolean }

const MAX_NESTING_DEPTH = 1000;

const DIRECTIVE_LOCATIONS = new Set([
  'QUERY', 'MUTATION', 'SUBSCRIPTION', 'FIELD', 'FRAGMENT_DEFINITION', 'FRAGMENT_SPREAD', 'INLINE_FRAGMENT', 'VARIABLE_DEFINITION', 'SCHEMA', 'SCALAR', 'OBJECT',
  'FIELD_DEFINITION', 'ARGUMENT_DEFINITION', 'INTERFACE', 'UNION', 'ENUM', 'ENUM_VALUE', 'INPUT_OBJECT', 'INPUT_FIELD_DEFINITION', 'DIRECTIVE_DEFINITION',
]);

class Parser {
  private readonly lexer: Lexer;
  err: GqlSyntaxError | undefined;
  private peeked = false;
  private peekToken!: Token;
  private peekError: GqlSyntaxError | undefined;
  private prev: Token = { kind: T.Invalid, value: '', pos: { line: 0, column: 0 } };
  private comment: CommentGroup = null;
  private commentConsuming = false;
  private depth = 0;

  constructor(src: string) {
    this.lexer = new Lexer(enc.encode(src));
  }

  private peekPos(): Pos | undefined {
    return this.err ? undefined : this.peek().pos;
  }

  private at<O extends Obj>(o: O, pos: Pos | undefined): O {
    if (pos) POSITIONS.set(o, pos);
    return o;
  }

  private enterNested(): boolean {
    if (this.depth >= MAX_NESTING_DEPTH) {
      this.error(this.peek(), `exceeded maximum nesting depth of ${MAX_NESTING_DEPTH}`);
      return false;
    }
    this.depth++;
    return true;
  }

  private consumeCommentGroup(): void {
    if (this.err || this.commentConsuming) return;
    this.commentConsuming = true;
    const list: { Value: string }[] = [];
    for (;;) {
      if (this.err) break;
      const tok = this.peek();
      if (tok.kind !== T.Comment) break;
      this.next();
      list.push({ Value: tok.value });
    }
    this.comment = { List: list.length ? list : null };
    this.commentConsuming = false;
  }

  peek(): Token {
    if (this.err) return this.prev;
    if (!this.peeked) {
      [this.peekToken, this.peekError] = this.lexer.read();
      this.peeked = true;
      if (this.peekToken.kind === T.Comment) this.consumeCommentGroup();
    }
    return this.peekToken;
  }

  private error(tok: Token, message: string): void {
    if (this.err) return;
    this.err = new GqlSyntaxError(message, tok.pos.line, tok.pos.column);
  }

  next(): Token {
    if (this.err) return this.prev;
    if (this.peeked) {
      this.peeked = false;
      this.comment = null;
      this.prev = this.peekToken;
      this.err = this.peekError;
    } else {
      [this.prev, this.err] = this.lexer.read();
      if (this.prev.kind === T.Comment) this.consumeCommentGroup();
    }
    return this.prev;
  }

  private expectKeyword(value: string): [Token, CommentGroup] {
    const tok = this.peek();
    const comment = this.comment;
    if (tok.kind === T.Name && tok.value === value) return [this.next(), comment];
    this.error(tok, `Expected ${goQuote(value)}, found ${tokenText(tok)}`);
    return [tok, comment];
  }

  private expect(kind: T): [Token, CommentGroup] {
    const tok = this.peek();
    const comment = this.comment;
    if (tok.kind === kind) return [this.next(), comment];
    this.error(tok, `Expected ${KIND_TEXT[kind]}, found ${KIND_TEXT[tok.kind]}`);
    return [tok, comment];
  }

  private skip(kind: T): boolean {
    if (this.err) return false;
    if (this.peek().kind !== kind) return false;
    this.next();
    return true;
  }

  private unexpectedError(): void {
    this.unexpectedToken(this.peek());
  }

  private unexpectedToken(tok: Token): void {
    this.error(tok, `Unexpected ${tokenText(tok)}`);
  }

  private many(start: T, end: T, cb: () => void): void {
    if (!this.skip(start)) return;
    while (this.peek().kind !== end && !this.err) cb();
    this.next();
  }

  private some(start: T, end: T, cb: () => void): CommentGroup {
    if (!this.skip(start)) return null;
    let called = false;
    while (this.peek().kind !== end && !this.err) {
      called = true;
      cb();
    }
    if (!called) {
      this.error(this.peek(), `expected at least one definition, found ${KIND_TEXT[this.peek().kind]}`);
      return null;
    }
    const comment = this.comment;
    this.next();
    return comment;
  }

  // ---- schema.go

  parseSchemaDocument(): Obj | null {
    const doc: Obj = { Schema: null, SchemaExtension: null, Directives: null, DirectiveExtensions: null, Definitions: null, Extensions: null, Comment: null };
    const push = (k: string, v: unknown): void => void ((doc[k] ??= []) as unknown[]).push(v);
    while (this.peek().kind !== T.EOF) {
      if (this.err) return null;
      let description: Desc = { text: '', comment: null, present: false };
      if (this.peek().kind === T.BlockString || this.peek().kind === T.String) description = this.parseDescription();
      if (this.peek().kind !== T.Name) {
        this.unexpectedError();
        break;
      }
      switch (this.peek().value) {
        case 'scalar':
        case 'type':
        case 'interface':
        case 'union':
        case 'enum':
        case 'input':
          push('Definitions', this.parseTypeSystemDefinition(description));
          break;
        case 'schema':
          push('Schema', this.parseSchemaDefinition(description));
          break;
        case 'directive':
          push('Directives', this.parseDirectiveDefinition(description));
          break;
        case 'extend':
          if (description.text !== '') this.unexpectedToken(this.prev);
          this.parseTypeSystemExtension(push);
          break;
        default:
          this.unexpectedError();
          return null;
      }
    }
    doc.Comment = this.comment;
    return doc;
  }

  private parseDescription(): Desc {
    const token = this.peek();
    const desc: Desc = { text: '', comment: null, present: false };
    if (token.kind !== T.BlockString && token.kind !== T.String) return desc;
    desc.present = true;
    desc.comment = this.comment;
    desc.text = this.next().value;
    return desc;
  }

  private parseTypeSystemDefinition(d: Desc): Obj | null {
    const tok = this.peek();
    if (tok.kind !== T.Name) {
      this.unexpectedError();
      return null;
    }
    switch (tok.value) {
      case 'scalar':
        return this.parseScalarTypeDefinition(d);
      case 'type':
        return this.parseObjectLike(d, 'type', 'OBJECT');
      case 'interface':
        return this.parseObjectLike(d, 'interface', 'INTERFACE');
      case 'union':
        return this.parseUnionTypeDefinition(d);
      case 'enum':
        return this.parseEnumTypeDefinition(d);
      case 'input':
        return this.parseInputObjectTypeDefinition(d);
    }
    this.unexpectedError();
    return null;
  }

  private definition(kind: string, d: Desc | undefined, after: CommentGroup): Obj {
    return this.at({
      Kind: kind, Description: d?.text ?? '', Name: '', Directives: null, Interfaces: null, Fields: null, Types: null, EnumValues: null, BuiltIn: false,
      BeforeDescriptionComment: d?.comment ?? null, AfterDescriptionComment: after, EndOfDefinitionComment: null,
    }, this.peekPos());
  }

  private parseSchemaDefinition(d: Desc): Obj {
    const [, comment] = this.expectKeyword('schema');
    const def: Obj = this.at({ Description: d.text, Directives: null, OperationTypes: null, BeforeDescriptionComment: d.comment, AfterDescriptionComment: comment, EndOfDefinitionComment: null }, this.peekPos());
    def.Directives = this.parseDirectives(true);
    def.EndOfDefinitionComment = this.some(T.BraceL, T.BraceR, () => void ((def.OperationTypes ??= []) as unknown[]).push(this.parseOperationTypeDefinition()));
    return def;
  }

  private parseOperationTypeDefinition(): Obj {
    const op: Obj = this.at({ Operation: '', Type: '', Comment: null }, this.peekPos());
    op.Comment = this.comment;
    op.Operation = this.parseOperationType();
    this.expect(T.Colon);
    op.Type = this.parseName();
    return op;
  }

  private parseScalarTypeDefinition(d: Desc): Obj {
    const [, comment] = this.expectKeyword('scalar');
    const def = this.definition('SCALAR', d, comment);
    def.Name = this.parseName();
    def.Directives = this.parseDirectives(true);
    return def;
  }

  private parseObjectLike(d: Desc, keyword: string, kind: string): Obj {
    const [, comment] = this.expectKeyword(keyword);
    const def = this.definition(kind, d, comment);
    def.Name = this.parseName();
    def.Interfaces = this.parseImplementsInterfaces();
    def.Directives = this.parseDirectives(true);
    [def.Fields, def.EndOfDefinitionComment] = this.parseFieldsDefinition();
    return def;
  }

  private parseImplementsInterfaces(): string[] | null {
    let types: string[] | null = null;
    if (this.peek().value === 'implements') {
      this.next();
      this.skip(T.Amp);
      types = [this.parseName()];
      while (this.skip(T.Amp) && !this.err) types.push(this.parseName());
    }
    return types;
  }

  private parseFieldsDefinition(): [Obj[] | null, CommentGroup] {
    let defs: Obj[] | null = null;
    const comment = this.some(T.BraceL, T.BraceR, () => void (defs ??= []).push(this.parseFieldDefinition()));
    return [defs, comment];
  }

  private describedStart(): Obj {
    const def: Obj = { Description: '', Name: '', BeforeDescriptionComment: null, AfterDescriptionComment: null };
    const desc = this.parseDescription();
    if (desc.text !== '') {
      def.BeforeDescriptionComment = desc.comment;
      def.Description = desc.text;
    }
    this.peek();
    def.AfterDescriptionComment = this.comment;
    return this.at(def, this.peekPos());
  }

  private parseFieldDefinition(): Obj {
    const def = this.describedStart();
    def.Name = this.parseName();
    def.Arguments = this.parseArgumentDefs();
    this.expect(T.Colon);
    def.Type = this.parseTypeReference();
    def.Directives = this.parseDirectives(true);
    return def;
  }

  private parseArgumentDefs(): Obj[] | null {
    let args: Obj[] | null = null;
    this.some(T.ParenL, T.ParenR, () => void (args ??= []).push(this.parseInputValueDef()));
    return args;
  }

  /** parseArgumentDef and parseInputValueDef: the same steps. */
  private parseInputValueDef(): Obj {
    const def = this.describedStart();
    def.Name = this.parseName();
    this.expect(T.Colon);
    def.Type = this.parseTypeReference();
    def.DefaultValue = this.skip(T.Equals) ? this.parseValueLiteral(true) : null;
    def.Directives = this.parseDirectives(true);
    return def;
  }

  private parseUnionTypeDefinition(d: Desc): Obj {
    const [, comment] = this.expectKeyword('union');
    const def = this.definition('UNION', d, comment);
    def.Name = this.parseName();
    def.Directives = this.parseDirectives(true);
    def.Types = this.parseUnionMemberTypes(def);
    return def;
  }

  private parseUnionMemberTypes(def: Obj): string[] | null {
    let types: string[] | null = null;
    const positions: (Pos | undefined)[] = [];
    if (this.skip(T.Equals)) {
      this.skip(T.Pipe);
      positions.push(this.peekPos());
      types = [this.parseName()];
      while (this.skip(T.Pipe) && !this.err) {
        positions.push(this.peekPos());
        types.push(this.parseName());
      }
    }
    TYPE_POSITIONS.set(def, positions);
    return types;
  }

  private parseEnumTypeDefinition(d: Desc): Obj {
    const [, comment] = this.expectKeyword('enum');
    const def = this.definition('ENUM', d, comment);
    def.Name = this.parseName();
    def.Directives = this.parseDirectives(true);
    [def.EnumValues, def.EndOfDefinitionComment] = this.parseEnumValuesDefinition();
    return def;
  }

  private parseEnumValuesDefinition(): [Obj[] | null, CommentGroup] {
    let values: Obj[] | null = null;
    const comment = this.some(T.BraceL, T.BraceR, () => {
      const def = this.describedStart();
      def.Name = this.parseName();
      def.Directives = this.parseDirectives(true);
      (values ??= []).push(def);
    });
    return [values, comment];
  }

  private parseInputObjectTypeDefinition(d: Desc): Obj {
    const [, comment] = this.expectKeyword('input');
    const def = this.definition('INPUT_OBJECT', d, comment);
    def.Name = this.parseName();
    def.Directives = this.parseDirectives(true);
    [def.Fields, def.EndOfDefinitionComment] = this.parseInputFieldsDefinition();
    return def;
  }

  private parseInputFieldsDefinition(): [Obj[] | null, CommentGroup] {
    let values: Obj[] | null = null;
    const comment = this.some(T.BraceL, T.BraceR, () => void (values ??= []).push(this.parseInputValueDef()));
    return [values, comment];
  }

  private parseTypeSystemExtension(push: (k: string, v: unknown) => void): void {
    const [, comment] = this.expectKeyword('extend');
    switch (this.peek().value) {
      case 'schema':
        push('SchemaExtension', this.parseSchemaExtension(comment));
        break;
      case 'scalar': {
        this.expectKeyword('scalar');
        const def = this.definition('SCALAR', undefined, comment);
        def.Name = this.parseName();
        def.Directives = this.parseDirectives(true);
        if (!def.Directives) this.unexpectedError();
        push('Extensions', def);
        break;
      }
      case 'type':
      case 'interface': {
        const kw = this.peek().value;
        this.expectKeyword(kw);
        const def = this.definition(kw === 'type' ? 'OBJECT' : 'INTERFACE', undefined, comment);
        def.Name = this.parseName();
        def.Interfaces = this.parseImplementsInterfaces();
        def.Directives = this.parseDirectives(true);
        [def.Fields, def.EndOfDefinitionComment] = this.parseFieldsDefinition();
        if (!def.Interfaces && !def.Directives && !def.Fields) this.unexpectedError();
        push('Extensions', def);
        break;
      }
      case 'union': {
        this.expectKeyword('union');
        const def = this.definition('UNION', undefined, comment);
        def.Name = this.parseName();
        def.Directives = this.parseDirectives(true);
        def.Types = this.parseUnionMemberTypes(def);
        if (!def.Directives && !def.Types) this.unexpectedError();
        push('Extensions', def);
        break;
      }
      case 'enum': {
        this.expectKeyword('enum');
        const def = this.definition('ENUM', undefined, comment);
        def.Name = this.parseName();
        def.Directives = this.parseDirectives(true);
        [def.EnumValues, def.EndOfDefinitionComment] = this.parseEnumValuesDefinition();
        if (!def.Directives && !def.EnumValues) this.unexpectedError();
        push('Extensions', def);
        break;
      }
      case 'input': {
        this.expectKeyword('input');
        const def = this.definition('INPUT_OBJECT', undefined, comment);
        def.Name = this.parseName();
        def.Directives = this.parseDirectives(false);
        [def.Fields, def.EndOfDefinitionComment] = this.parseInputFieldsDefinition();
        if (!def.Directives && !def.Fields) this.unexpectedError();
        push('Extensions', def);
        break;
      }
      case 'directive': {
        this.expectKeyword('directive');
        this.expect(T.At);
        const def: Obj = this.at({ Description: '', Name: '', Arguments: null, Directives: null, Locations: null, IsRepeatable: false, BeforeDescriptionComment: null, AfterDescriptionComment: comment }, this.peekPos());
        def.Name = this.parseName();
        def.Directives = this.parseDirectives(true);
        if (!def.Directives) this.unexpectedError();
        push('DirectiveExtensions', def);
        break;
      }
      default:
        this.unexpectedError();
    }
  }

  private parseSchemaExtension(comment: CommentGroup): Obj {
    this.expectKeyword('schema');
    const def: Obj = this.at({ Description: '', Directives: null, OperationTypes: null, BeforeDescriptionComment: null, AfterDescriptionComment: comment, EndOfDefinitionComment: null }, this.peekPos());
    def.Directives = this.parseDirectives(true);
    def.EndOfDefinitionComment = this.some(T.BraceL, T.BraceR, () => void ((def.OperationTypes ??= []) as unknown[]).push(this.parseOperationTypeDefinition()));
    if (!def.Directives && !def.OperationTypes) this.unexpectedError();
    return def;
  }

  private parseDirectiveDefinition(d: Desc): Obj {
    const [, comment] = this.expectKeyword('directive');
    this.expect(T.At);
    const def: Obj = this.at({ Description: d.text, Name: '', Arguments: null, Directives: null, Locations: null, IsRepeatable: false, BeforeDescriptionComment: d.comment, AfterDescriptionComment: comment }, this.peekPos());
    def.Name = this.parseName();
    def.Arguments = this.parseArgumentDefs();
    def.Directives = this.parseDirectives(true);
    const peek = this.peek();
    if (peek.kind === T.Name && peek.value === 'repeatable') {
      def.IsRepeatable = true;
      this.skip(T.Name);
    }
    this.expectKeyword('on');
    this.skip(T.Pipe);
    const locations = [this.parseDirectiveLocation()];
    while (this.skip(T.Pipe) && !this.err) locations.push(this.parseDirectiveLocation());
    def.Locations = locations;
    return def;
  }

  private parseDirectiveLocation(): string {
    const [name] = this.expect(T.Name);
    if (DIRECTIVE_LOCATIONS.has(name.value)) return name.value;
    this.unexpectedToken(name);
    return '';
  }

  // ---- query.go

  parseQueryDocument(): Obj {
    const doc: Obj = { Operations: null, Fragments: null, Comment: null };
    const push = (k: string, v: unknown): void => void ((doc[k] ??= []) as unknown[]).push(v);
    while (this.peek().kind !== T.EOF) {
      if (this.err) return doc;
      const description = this.parseDescription();
      const tok = this.peek();
      if (tok.kind === T.Name) {
        switch (tok.value) {
          case 'query':
          case 'mutation':
          case 'subscription':
            push('Operations', this.parseOperationDefinition(description));
            break;
          case 'fragment':
            push('Fragments', this.parseFragmentDefinition(description));
            break;
          default:
            this.unexpectedError();
        }
      } else if (tok.kind === T.BraceL) push('Operations', this.parseOperationDefinition(description));
      else this.unexpectedError();
    }
    return doc;
  }

  private parseOperationDefinition(d: Desc): Obj {
    if (this.peek().kind === T.BraceL) {
      if (d.present) this.unexpectedToken(this.prev);
      // Go reads p.comment in the composite literal after its calls ran: after the selection set
      const pos = this.peekPos();
      const selectionSet = this.parseRequiredSelectionSet();
      return this.at({ Description: '', Operation: 'query', Name: '', VariableDefinitions: null, Directives: null, SelectionSet: selectionSet, Comment: this.comment }, pos);
    }
    const od: Obj = this.at({ Description: d.text, Operation: '', Name: '', VariableDefinitions: null, Directives: null, SelectionSet: null, Comment: null }, this.peekPos());
    od.Comment = joinComments(d.comment, this.comment);
    od.Operation = this.parseOperationType();
    if (this.peek().kind === T.Name) od.Name = this.next().value;
    od.VariableDefinitions = this.parseVariableDefinitions();
    od.Directives = this.parseDirectives(false);
    od.SelectionSet = this.parseRequiredSelectionSet();
    return od;
  }

  private parseOperationType(): string {
    const tok = this.next();
    if (tok.value === 'query' || tok.value === 'mutation' || tok.value === 'subscription') return tok.value;
    this.unexpectedToken(tok);
    return '';
  }

  private parseVariableDefinitions(): Obj[] | null {
    let defs: Obj[] | null = null;
    this.some(T.ParenL, T.ParenR, () => {
      const description = this.parseDescription();
      const def: Obj = this.at({ Description: description.text, Variable: '', Type: null, DefaultValue: null, Directives: null, Comment: null, Definition: null, Used: false }, this.peekPos());
      def.Comment = joinComments(description.comment, this.comment);
      def.Variable = this.parseVariable();
      this.expect(T.Colon);
      def.Type = this.parseTypeReference();
      if (this.skip(T.Equals)) def.DefaultValue = this.parseValueLiteral(true);
      def.Directives = this.parseDirectives(false);
      (defs ??= []).push(def);
    });
    return defs;
  }

  private parseVariable(): string {
    this.expect(T.Dollar);
    return this.parseName();
  }

  private parseOptionalSelectionSet(): Obj[] | null {
    if (!this.enterNested()) return null;
    try {
      let selections: Obj[] | null = null;
      this.some(T.BraceL, T.BraceR, () => void (selections ??= []).push(this.parseSelection()));
      return selections;
    } finally {
      this.depth--;
    }
  }

  private parseRequiredSelectionSet(): Obj[] | null {
    if (this.peek().kind !== T.BraceL) {
      this.error(this.peek(), `Expected {, found ${KIND_TEXT[this.peek().kind]}`);
      return null;
    }
    return this.parseOptionalSelectionSet();
  }

  private parseSelection(): Obj {
    if (this.peek().kind === T.Spread) return this.parseFragment();
    const field: Obj = this.at({ Alias: '', Name: '', Arguments: null, Directives: null, SelectionSet: null, Comment: null, Definition: null, ObjectDefinition: null }, this.peekPos());
    field.Comment = this.comment;
    field.Alias = this.parseName();
    field.Name = this.skip(T.Colon) ? this.parseName() : field.Alias;
    field.Arguments = this.parseArguments(false);
    field.Directives = this.parseDirectives(false);
    if (this.peek().kind === T.BraceL) field.SelectionSet = this.parseOptionalSelectionSet();
    return field;
  }

  private parseArguments(isConst: boolean): Obj[] | null {
    let args: Obj[] | null = null;
    this.some(T.ParenL, T.ParenR, () => {
      const arg: Obj = this.at({ Name: '', Value: null, Comment: null }, this.peekPos());
      arg.Comment = this.comment;
      arg.Name = this.parseName();
      this.expect(T.Colon);
      arg.Value = this.parseValueLiteral(isConst);
      (args ??= []).push(arg);
    });
    return args;
  }

  private parseFragment(): Obj {
    const [, comment] = this.expect(T.Spread);
    const peek = this.peek();
    if (peek.kind === T.Name && peek.value !== 'on') {
      const pos = this.peekPos();
      const name = this.parseFragmentName();
      return this.at({ Name: name, Directives: this.parseDirectives(false), ObjectDefinition: null, Definition: null, Comment: comment }, pos);
    }
    const def: Obj = this.at({ TypeCondition: '', Directives: null, SelectionSet: null, ObjectDefinition: null, Comment: comment }, this.peekPos());
    if (this.peek().value === 'on') {
      this.next();
      def.TypeCondition = this.parseName();
    }
    def.Directives = this.parseDirectives(false);
    def.SelectionSet = this.parseRequiredSelectionSet();
    return def;
  }

  private parseFragmentDefinition(d: Desc): Obj {
    const def: Obj = this.at({ Description: d.text, Name: '', VariableDefinition: null, TypeCondition: '', Directives: null, SelectionSet: null, Definition: null, Comment: null }, this.peekPos());
    def.Comment = joinComments(d.comment, this.comment);
    this.expectKeyword('fragment');
    def.Name = this.parseFragmentName();
    def.VariableDefinition = this.parseVariableDefinitions();
    this.expectKeyword('on');
    def.TypeCondition = this.parseName();
    def.Directives = this.parseDirectives(false);
    def.SelectionSet = this.parseRequiredSelectionSet();
    return def;
  }

  private parseFragmentName(): string {
    if (this.peek().value === 'on') {
      this.unexpectedError();
      return '';
    }
    return this.parseName();
  }

  private value(pos: Pos | undefined, raw: string, kind: number, comment: CommentGroup, children: Obj[] | null = null): Obj {
    return this.at({ Raw: raw, Children: children, Kind: kind, Comment: comment, Definition: null, VariableDefinition: null, ExpectedType: null, ExpectedTypeHasDefault: false }, pos);
  }

  private parseValueLiteral(isConst: boolean): Obj | null {
    const token = this.peek();
    let kind: number;
    switch (token.kind) {
      case T.BracketL:
        return this.parseListOrObject(isConst, true);
      case T.BraceL:
        return this.parseListOrObject(isConst, false);
      case T.Dollar:
        if (isConst) {
          this.unexpectedError();
          return null;
        }
        // Go reads p.comment in the composite literal after its calls ran: after parseVariable
        return this.value(token.pos, this.parseVariable(), 0, this.comment);
      case T.Int:
        kind = 1;
        break;
      case T.Float:
        kind = 2;
        break;
      case T.String:
        kind = 3;
        break;
      case T.BlockString:
        kind = 4;
        break;
      case T.Name:
        kind = token.value === 'true' || token.value === 'false' ? 5 : token.value === 'null' ? 6 : 7;
        break;
      default:
        this.unexpectedError();
        return null;
    }
    this.next();
    return this.value(token.pos, token.value, kind, this.comment);
  }

  private parseListOrObject(isConst: boolean, list: boolean): Obj | null {
    if (!this.enterNested()) return null;
    try {
      let children: Obj[] | null = null;
      const pos = this.peekPos();
      const comment = this.comment;
      if (list) {
        this.many(T.BracketL, T.BracketR, () => void (children ??= []).push({ Name: '', Value: this.parseValueLiteral(isConst), Comment: null }));
      } else {
        this.many(T.BraceL, T.BraceR, () => {
          const field: Obj = this.at({ Name: '', Value: null, Comment: null }, this.peekPos());
          field.Comment = this.comment;
          field.Name = this.parseName();
          this.expect(T.Colon);
          field.Value = this.parseValueLiteral(isConst);
          (children ??= []).push(field);
        });
      }
      return this.value(pos, '', list ? 8 : 9, comment, children);
    } finally {
      this.depth--;
    }
  }

  private parseDirectives(isConst: boolean): Obj[] | null {
    let directives: Obj[] | null = null;
    while (this.peek().kind === T.At) {
      if (this.err) break;
      this.expect(T.At);
      const pos = this.peekPos();
      const name = this.parseName();
      (directives ??= []).push(this.at({ Name: name, Arguments: this.parseArguments(isConst), ParentDefinition: null, Definition: null, Location: '' }, pos));
    }
    return directives;
  }

  private parseTypeReference(): Obj | null {
    const typ: Obj = { NamedType: '', Elem: null, NonNull: false };
    if (this.skip(T.BracketL)) {
      if (!this.enterNested()) return null;
      this.at(typ, this.peekPos());
      try {
        typ.Elem = this.parseTypeReference();
        this.expect(T.BracketR);
      } finally {
        this.depth--;
      }
    } else {
      this.at(typ, this.peekPos());
      typ.NamedType = this.parseName();
    }
    if (this.skip(T.Bang)) typ.NonNull = true;
    return typ;
  }

  private parseName(): string {
    return this.expect(T.Name)[0].value;
  }
}

function joinComments(before: CommentGroup, after: CommentGroup): CommentGroup {
  if (before === null) return after;
  if (after === null) return before;
  return { List: [...(before.List ?? []), ...(after.List ?? [])] as { Value: string }[] };
}

/** gqlparser's ParseSchema: the SchemaDocument, or its first error. */
export function gqlParseSchema(src: string): Obj {
  const p = new Parser(src);
  const doc = p.parseSchemaDocument();
  if (p.err) throw p.err;
  return doc!;
}

/** gqlparser's ParseQuery: the QueryDocument, or its first error. */
export function gqlParseQuery(src: string): Obj {
  const p = new Parser(src);
  const doc = p.parseQueryDocument();
  if (p.err) throw p.err;
  return doc;
}

/** OPA's pruneIrrelevantGraphQLASTNodes: drops Position keys, nulls, and lists and objects left empty. */
export function pruneGql(x: unknown): unknown {
  const empty = (v: unknown): boolean => (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && v !== null && Object.keys(v).length === 0);
  if (Array.isArray(x)) {
    const out: unknown[] = [];
    for (const e of x) {
      if (e === null || e === undefined) continue;
      const p = typeof e === 'object' ? pruneGql(e) : e;
      if (!empty(p)) out.push(p);
    }
    return out;
  }
  if (typeof x === 'object' && x !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) {
      if (k === 'Position' || v === null || v === undefined) continue;
      const p = typeof v === 'object' ? pruneGql(v) : v;
      if (!empty(p)) out[k] = p;
    }
    return out;
  }
  return x;
}
