// Tokenizer for Rego v1 source text. Newlines are not tokens: each token records whether a newline
// (or any whitespace) came before it, which the parser uses to split body expressions and to tell
// `a[0]` (a ref) from `a [0]`.
import { RegoError } from '../errors.js';
import type { Term } from './types.js';

export type TokKind = 'ident' | 'number' | 'string' | 'template' | 'punct' | 'eof' | 'ground';

export type TemplatePart = { str: string } | { expr: string; row: number; col: number };

export interface Token {
  kind: TokKind;
  text: string; // ident name, punctuation, number text; for strings the decoded value
  row: number;
  col: number;
  pos: number; // offset in source
  end: number; // offset just after the token
  nl: boolean; // a newline precedes this token
  ws: boolean; // whitespace (or a comment) precedes this token
  raw?: boolean; // string came from a `raw` literal
  parts?: TemplatePart[]; // template strings
  /** kind 'ground': a literal of constants the parser read straight from the source (see Parser) */
  term: Term | undefined;
  /** kind 'ground': the literal has commas (between its members or deeper) */
  commas: boolean | undefined;
}

const PUNCT1 = new Set(['{', '}', '[', ']', '(', ')', ',', ';', '.', ':', '=', '<', '>', '+', '-', '*', '/', '%', '&', '|']);

export interface Comment {
  row: number;
  col: number;
  text: string; // without the leading '#'
}

/** Every token of src (the parser reads them lazily through Lexer). */
export function tokenize(file: string, src: string, rowOffset = 0, colOffset = 0, comments?: Comment[]): Token[] {
  const lx = new Lexer(file, src, rowOffset, colOffset, comments);
  const toks: Token[] = [];
  for (;;) {
    const t = lx.next();
    toks.push(t);
    if (t.kind === 'eof') return toks;
  }
}

/** Tokens one at a time; the parser may take over a stretch of source itself and resume it after (skipTo). */
export class Lexer {
  /** offset of the next character */
  i = 0;
  /** line of i (1-based, before rowOffset) and the offset where that line starts */
  row = 1;
  lineStart = 0;
  private nl = false;
  private ws = false;
  private readonly n: number;

  constructor(
    readonly file: string,
    readonly src: string,
    readonly rowOffset = 0,
    readonly colOffset = 0,
    readonly comments?: Comment[],
  ) {
    this.n = src.length;
  }

  /** Continues at offset i (line row, starting at lineStart), after a stretch the caller read. */
  skipTo(i: number, row: number, lineStart: number): void {
    this.i = i;
    this.row = row;
    this.lineStart = lineStart;
    this.nl = false;
    this.ws = false;
  }

  private err(msg: string, at = this.i): never {
    const src = this.src;
    let r = 1;
    let ls = 0;
    for (let j = 0; j < at && j < this.n; j++) if (src.charCodeAt(j) === 10) {
      r++;
      ls = j + 1;
    }
    throw new RegoError('rego_parse_error', msg, { file: this.file, row: r + this.rowOffset, col: at - ls + 1 + (r === 1 ? this.colOffset : 0) });
  }

  private tok(kind: TokKind, text: string, start: number, col: number, row: number, raw?: boolean, parts?: TemplatePart[]): Token {
    const t: Token = { kind, text, row: row + this.rowOffset, col, pos: start, end: this.i, nl: this.nl, ws: this.ws, raw, parts, term: undefined, commas: undefined };
    this.nl = false;
    this.ws = false;
    return t;
  }

  /** A token ending at i (the lexer moves on to i). (A method, not a closure per token: cheaper.) */
  private tokAt(i: number, start: number, col: number, row: number, kind: TokKind, text: string, raw?: boolean, parts?: TemplatePart[]): Token {
    this.i = i;
    return this.tok(kind, text, start, col, row, raw, parts);
  }

  next(): Token {
    const src = this.src;
    const n = this.n;
    let i = this.i;
    let row = this.row;
    let lineStart = this.lineStart;
    try {
      while (i < n) {
        const c = src[i]!;
        if (c === '\n') {
          this.nl = true;
          this.ws = true;
          i++;
          row++;
          lineStart = i;
          continue;
        }
        if (c === ' ' || c === '\t' || c === '\r') {
          this.ws = true;
          i++;
          continue;
        }
        if (c === '#') {
          const cs = i;
          while (i < n && src[i] !== '\n') i++;
          this.comments?.push({ row: row + this.rowOffset, col: cs - lineStart + 1, text: src.slice(cs + 1, i).replace(/\r$/, '') });
          this.ws = true;
          continue;
        }
        const start = i;
        const col = i - lineStart + 1 + (row === 1 ? this.colOffset : 0);
        const tokRow = row;
        if (isIdentStart(c)) {
          while (i < n && isIdentPart(src[i]!)) i++;
          return this.tokAt(i, start, col, tokRow, 'ident', src.slice(start, i));
        }
        if (isDigit(c) || (c === '.' && isDigit(src[i + 1] ?? ''))) {
          while (i < n && isDigit(src[i]!)) i++;
          if (src[i] === '.' && isDigit(src[i + 1] ?? '')) {
            i++;
            while (i < n && isDigit(src[i]!)) i++;
          }
          if (src[i] === 'e' || src[i] === 'E') {
            let j = i + 1;
            if (src[j] === '+' || src[j] === '-') j++;
            if (isDigit(src[j] ?? '')) {
              i = j;
              while (i < n && isDigit(src[i]!)) i++;
            }
          }
          if (i < n && isIdentStart(src[i]!)) this.err('illegal number format', i);
          return this.tokAt(i, start, col, tokRow, 'number', src.slice(start, i));
        }
        if (c === '"') {
          i++;
          const v = readQuoted(src, i, '"', false, (msg: string, at: number = i): never => this.err(msg, at));
          i = v.end;
          return this.tokAt(i, start, col, tokRow, 'string', v.text);
        }
        if (c === '`') {
          const close = src.indexOf('`', i + 1);
          if (close < 0) this.err('non-terminated raw string', i);
          const text = src.slice(i + 1, close);
          for (const ch of text) if (ch === '\n') row++;
          const lastNl = text.lastIndexOf('\n');
          i = close + 1;
          if (lastNl >= 0) lineStart = start + 1 + lastNl + 1;
          this.row = row;
          this.lineStart = lineStart;
          return this.tokAt(i, start, col, tokRow, 'string', text, true);
        }
        if (c === '$' && (src[i + 1] === '"' || src[i + 1] === '`')) {
          const q = src[i + 1]!;
          i += 2;
          const parts: TemplatePart[] = [];
          let buf = '';
          for (;;) {
            if (i >= n) this.err('non-terminated template string', i);
            const d = src[i]!;
            if (d === q) {
              i++;
              break;
            }
            if (d === '\\' && src[i + 1] === '{') {
              buf += '{';
              i += 2;
              continue;
            }
            if (d === '\\' && q === '"') {
              const v = readEscape(src, i, (msg: string, at: number = i): never => this.err(msg, at));
              buf += v.text;
              i = v.end;
              continue;
            }
            if (d === '\n') {
              if (q === '"') this.err('non-terminated template string', i);
              row++;
              lineStart = i + 1;
            }
            if (d === '{') {
              if (buf) parts.push({ str: buf });
              buf = '';
              // find the matching close brace, skipping strings
              let depth = 1;
              let j = i + 1;
              while (j < n && depth > 0) {
                const e = src[j]!;
                if (e === '"') {
                  j++;
                  while (j < n && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
                } else if (e === '`') {
                  j = src.indexOf('`', j + 1);
                  if (j < 0) this.err('non-terminated raw string', i);
                } else if (e === '{') depth++;
                else if (e === '}') depth--;
                if (depth === 0) break;
                j++;
              }
              if (depth !== 0) this.err('non-terminated template expression', i);
              const exprText = src.slice(i + 1, j);
              parts.push({ expr: exprText, row: row + this.rowOffset, col: i + 1 - lineStart + 1 });
              for (let k = i + 1; k < j; k++) if (src[k] === '\n') {
                row++;
                lineStart = k + 1;
              }
              i = j + 1;
              continue;
            }
            buf += d;
            i++;
          }
          if (buf) parts.push({ str: buf });
          this.row = row;
          this.lineStart = lineStart;
          return this.tokAt(i, start, col, tokRow, 'template', '', undefined, parts);
        }
        const c2 = src.charCodeAt(i + 1);
        if (c2 === 61 /* = */ && (c === ':' || c === '=' || c === '!' || c === '<' || c === '>')) {
          i += 2;
          return this.tokAt(i, start, col, tokRow, 'punct', c + '=');
        }
        if (PUNCT1.has(c)) {
          i++;
          return this.tokAt(i, start, col, tokRow, 'punct', c);
        }
        this.err(`unexpected character ${JSON.stringify(c)}`, i);
      }
      this.i = i;
      return { kind: 'eof', text: '', row: row + this.rowOffset, col: i - lineStart + 1, pos: i, end: i, nl: true, ws: true, raw: undefined, parts: undefined, term: undefined, commas: undefined };
    } finally {
      this.row = row;
      this.lineStart = lineStart;
    }
  }
}

function readEscape(src: string, i: number, err: (m: string, at?: number) => never): { text: string; end: number } {
  const e = src[i + 1];
  switch (e) {
    case '"':
      return { text: '"', end: i + 2 };
    case '\\':
      return { text: '\\', end: i + 2 };
    case '/':
      return { text: '/', end: i + 2 };
    case 'b':
      return { text: '\b', end: i + 2 };
    case 'f':
      return { text: '\f', end: i + 2 };
    case 'n':
      return { text: '\n', end: i + 2 };
    case 'r':
      return { text: '\r', end: i + 2 };
    case 't':
      return { text: '\t', end: i + 2 };
    case 'u': {
      const hex = src.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) err('illegal escape sequence', i);
      let code = parseInt(hex, 16);
      let end = i + 6;
      // surrogate pair
      if (code >= 0xd800 && code <= 0xdbff && src[end] === '\\' && src[end + 1] === 'u') {
        const hex2 = src.slice(end + 2, end + 6);
        if (/^[0-9a-fA-F]{4}$/.test(hex2)) {
          const lo = parseInt(hex2, 16);
          if (lo >= 0xdc00 && lo <= 0xdfff) {
            code = 0x10000 + ((code - 0xd800) << 10) + (lo - 0xdc00);
            end += 6;
          }
        }
      }
      return { text: String.fromCodePoint(code), end };
    }
  }
  return err('illegal escape sequence', i);
}

export function readQuoted(
  src: string,
  i: number,
  q: string,
  _multi: boolean,
  err: (m: string, at?: number) => never,
): { text: string; end: number } {
  // fast path: no escape before the closing quote
  for (let j = i; j < src.length; j++) {
    const c = src.charCodeAt(j);
    if (c === 34 /* " */ && q === '"') return { text: src.slice(i, j), end: j + 1 };
    if (c === 92 /* \ */ || c === 10) break;
  }
  let out = '';
  for (;;) {
    if (i >= src.length) err('non-terminated string');
    const c = src[i]!;
    if (c === q) return { text: out, end: i + 1 };
    if (c === '\n') err('non-terminated string');
    if (c === '\\') {
      const e = readEscape(src, i, err);
      out += e.text;
      i = e.end;
      continue;
    }
    out += c;
    i++;
  }
}

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}
function isIdentPart(c: string): boolean {
  return isIdentStart(c) || isDigit(c);
}
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}
