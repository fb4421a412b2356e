// Recursive-descent parser for Rego v1 modules and queries.
//
// Operator precedence, loosest first (as OPA): `=`/`:=` (expression level), `in`, comparisons
// (== != < <= > >=), `|`, `&`, `+ -`, `* / %`. Newlines separate body expressions unless we are
// inside (), [] or a literal's {}.
import type { Annotations, Expr, ExprBody, Import, Module, Rule, Term, With, ElseClause } from './types.js';
import { RegoError, type Location } from '../errors.js';
import { createRequire } from 'node:module';
import { Lexer, readQuoted, type Comment, type Token } from './lexer.js';
import { num, type Value } from '../value.js';

const KEYWORDS = new Set([
  'package', 'import', 'as', 'default', 'else', 'if', 'contains', 'some', 'in', 'every', 'not', 'with',
  'true', 'false', 'null',
]);

const ARRAY_ENDS = ['|', ']', ','];
const BRACE_ENDS = ['|', '}', ',', ':'];
const VALUE_ENDS = ['|', '}', ','];

// The yaml package (a tenth of a second to load cold) is loaded on the first METADATA block only: most
// modules have none, and a process that compiles one small policy should not pay for it.
let yamlParse: ((text: string) => unknown) | undefined;
function parseYAML(text: string): unknown {
  yamlParse ??= (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse;
  return yamlParse(text);
}

const REL_OPS: Record<string, string> = { '==': 'equal', '!=': 'neq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };
const ARITH_OPS: Record<string, string> = { '+': 'plus', '-': 'minus' };
const FACTOR_OPS: Record<string, string> = { '*': 'mul', '/': 'div', '%': 'rem' };

export class Parser {
  /** tokens read so far (the lexer runs ahead on demand, see at) */
  private toks: Token[] = [];
  private eofTok: Token | undefined;
  private readonly lexer: Lexer;
  /** offsets of `[`/`{` where no literal of constants starts (see groundAt) */
  private notGround = new Set<number>();
  private p = 0;
  /** numbers the wildcards `_` of this parse (no global counter) */
  private wildcards = 0;
  private nest = 0; // > 0: newlines are not significant
  private comments: Comment[] = [];
  private commentsByRow?: Map<number, Comment>;
  private commentsIndexed = 0;
  /** scanLiterals false: read literals of constants through the general grammar too (tests compare both) */
  private readonly scanLiterals: boolean;

  constructor(
    private file: string,
    private src: string,
    rowOffset = 0,
    colOffset = 0,
    opts: { scanLiterals?: boolean } = {},
  ) {
    this.scanLiterals = opts.scanLiterals !== false;
    this.lexer = new Lexer(file, src, rowOffset, colOffset, this.comments);
  }

  /** The token at index i, lexed on demand (the eof token beyond the end). */
  private at(i: number): Token {
    const toks = this.toks;
    while (toks.length <= i) {
      if (this.eofTok) return this.eofTok;
      const t = this.lexer.next();
      toks.push(t);
      if (t.kind === 'eof') this.eofTok = t;
    }
    return toks[i]!;
  }

  /**
   * At `[` or `{`: a literal made only of constants, read straight from the source text into one
   * token of kind 'ground' that replaces it (data-like modules are mostly such literals; the general
   * grammar would read them token by token through every operator level). Anything else leaves
   * the tokens as they are.
   */
  private groundAt(): Token | undefined {
    const t = this.at(this.p);
    if (t.kind === 'ground') return t;
    if (t.kind !== 'punct' || (t.text !== '[' && t.text !== '{')) return undefined;
    if (!this.scanLiterals || this.lexer.rowOffset || this.lexer.colOffset || this.notGround.has(t.pos)) return undefined;
    const g = scanGround(this.src, this.file, t, this.comments);
    if (!g) {
      this.notGround.add(t.pos);
      return undefined;
    }
    const tok: Token = { ...t, kind: 'ground', text: '', end: g.end, term: g.term, commas: g.commas };
    this.toks[this.p] = tok;
    this.toks.length = this.p + 1;
    this.eofTok = undefined;
    this.lexer.skipTo(g.end, g.row, g.lineStart);
    // single terms read over the tokens that are gone (none should be, but they would be stale)
    for (const [k, c] of this.singles) if (k > this.p || c.end > this.p) this.singles.delete(k);
    return tok;
  }

  /** The METADATA block that ends on the line just before `row` (comments only in between). */
  private annotationsBefore(row: number, defaultScope: string): Annotations | undefined {
    // walk back over contiguous comment lines
    // (the lexer runs ahead: index the comments it found since the last time)
    const byRow = (this.commentsByRow ??= new Map());
    for (; this.commentsIndexed < this.comments.length; this.commentsIndexed++) {
      const c = this.comments[this.commentsIndexed]!;
      byRow.set(c.row, c);
    }
    if (!this.comments.length) return undefined;
    let r = row - 1;
    const lines: Comment[] = [];
    while (byRow.has(r)) lines.unshift(byRow.get(r)!), r--;
    const start = lines.findIndex((c) => c.text.trim() === 'METADATA');
    if (start < 0) return undefined;
    const yamlText = lines
      .slice(start + 1)
      .map((c) => (c.text.startsWith(' ') ? c.text.slice(1) : c.text))
      .join('\n');
    let doc: unknown;
    try {
      doc = parseYAML(yamlText) ?? {};
    } catch (e) {
      this.error(`invalid METADATA block: ${(e as Error).message}`, this.tok);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) this.error('invalid METADATA block');
    const out: Record<string, unknown> = { ...(doc as Record<string, unknown>) };
    if (Array.isArray(out.authors)) {
      out.authors = out.authors.map((a) => {
        if (typeof a !== 'string') return a;
        const m = /^(.*?)\s*<([^>]+)>\s*$/.exec(a);
        return m ? (m[1] ? { name: m[1], email: m[2] } : { email: m[2] }) : { name: a };
      });
    }
    if (typeof out.scope !== 'string') out.scope = defaultScope;
    return out as Annotations;
  }

  // ---- token helpers
  private get tok(): Token {
    return this.at(this.p);
  }
  private peek(k = 1): Token {
    return this.at(this.p + k);
  }
  private next(): Token {
    const t = this.at(this.p);
    if (t.kind !== 'eof') this.p++;
    return t;
  }
  private is(text: string, kind: Token['kind'] = 'punct'): boolean {
    return this.tok.kind === kind && this.tok.text === text;
  }
  private isKw(text: string): boolean {
    return this.tok.kind === 'ident' && this.tok.text === text && !this.keywordUsedAsRef(this.p);
  }
  /** `if.x`, `in[0]`: a keyword directly followed by `.` or `[` is a ref (var) rather than a keyword. */
  private keywordUsedAsRef(i: number): boolean {
    const nx = this.at(i + 1);
    if (nx.kind !== 'punct' || nx.ws) return false;
    if (nx.text === '.' || nx.text === '[') return true;
    // `contains("abc", "b")`: the builtin named like the keyword
    return nx.text === '(' && this.at(i).text === 'contains';
  }
  private loc(t: Token = this.tok): Location {
    return { file: this.file, row: t.row, col: t.col };
  }
  error(msg: string, t: Token = this.tok): never {
    throw new RegoError('rego_parse_error', msg, this.loc(t));
  }
  private expect(text: string): Token {
    if (!this.is(text)) this.error(`unexpected ${this.describe(this.tok)} token: expected ${text}`);
    return this.next();
  }
  private describe(t: Token): string {
    if (t.kind === 'eof') return 'eof';
    if (t.kind === 'ident') return KEYWORDS.has(t.text) ? t.text + ' keyword' : 'ident';
    if (t.kind === 'string' || t.kind === 'template') return 'string';
    if (t.kind === 'number') return 'number';
    return t.text;
  }

  // ---- module
  parseModule(): Module {
    if (!this.isKw('package')) this.error('package expected');
    const pkgTok = this.next();
    const pkgAnn = this.annotationsBefore(pkgTok.row, 'package');
    const pkgRef = this.parseRefTerm();
    const pkg = refToPath(pkgRef, this);
    if (pkg[0] === 'data') this.error('package must not start with data', pkgTok);
    const imports: Import[] = [];
    const rules: Rule[] = [];
    while (this.tok.kind !== 'eof') {
      if (this.isKw('import')) {
        const t = this.next();
        const path = this.parseRefTerm();
        let alias: string | undefined;
        if (this.isKw('as')) {
          this.next();
          if (this.tok.kind !== 'ident') this.error('expected alias name');
          alias = this.next().text;
        }
        imports.push({ path, alias, loc: this.loc(t) });
        continue;
      }
      rules.push(...this.parseRule());
    }
    return { file: this.file, pkg, pkgLoc: this.loc(pkgTok), imports, rules, ...(pkgAnn ? { annotations: pkgAnn } : {}) };
  }

  private parseRule(): Rule[] {
    const start = this.tok;
    let isDefault = false;
    if (this.isKw('default')) {
      this.next();
      isDefault = true;
    }
    if (this.tok.kind !== 'ident') this.error(`unexpected ${this.describe(this.tok)} token`);
    const head = this.parseRefTerm();
    const ref: Term[] = head.t === 'ref' ? head.terms : [head];
    const r0 = ref[0]!;
    if (r0.t !== 'var') this.error('rule name expected', start);
    ref[0] = { t: 'scalar', v: r0.name, loc: r0.loc };
    const ann = this.annotationsBefore(start.row, 'rule');
    const rule: Rule = {
      ...(ann ? { annotations: ann } : {}),
      ref,
      contains: false,
      body: [],
      isDefault,
      elses: [],
      loc: this.loc(start),
      assign: false,
    };
    if (this.is('(') && !this.tok.ws) {
      this.next();
      this.nest++;
      const args: Term[] = [];
      while (!this.is(')')) {
        args.push(this.parseTerm());
        if (!this.is(')')) this.expect(',');
      }
      this.nest--;
      this.next();
      // `f() := v` is no function in OPA: a rule f whose value is v (`f()` calls are undefined)
      if (args.length) rule.args = args;
    }
    if (this.isKw('contains')) {
      this.next();
      rule.contains = true;
      rule.key = this.parseTerm();
    } else if (this.is(':=') || this.is('=')) {
      rule.assign = this.next().text === ':=';
      rule.value = this.parseTerm();
    }
    if (this.isKw('with')) this.error('expressions using with keyword cannot be used for rule head', start);
    if (isDefault) {
      if (!rule.value && !rule.args) this.error('default rules must have a value', start);
      if (!rule.value) rule.value = { t: 'scalar', v: true, loc: rule.loc };
      return [rule];
    }
    rule.body = this.parseRuleBody(rule.loc);
    while (this.isKw('else')) {
      const et = this.next();
      const e: ElseClause = { body: [], loc: this.loc(et) };
      if (this.is(':=') || this.is('=')) {
        this.next();
        e.value = this.parseTerm();
      }
      e.body = this.parseRuleBody(e.loc);
      rule.elses.push(e);
    }
    return [rule];
  }

  /** `if { ... }`, `if expr`, `{ ... }` or nothing (body `true`). */
  private parseRuleBody(loc: Location): Expr[] {
    if (this.isKw('if')) {
      this.next();
      if (this.is('{')) {
        // `if {x: 1 | ...}` may be a one-expression body starting with a comprehension
        const saved = this.p;
        try {
          return this.parseBraceBody();
        } catch (e) {
          this.p = saved;
          this.nest = 0;
          try {
            return [this.parseLiteral()];
          } catch {
            throw e;
          }
        }
      }
      return [this.parseLiteral()];
    }
    if (this.is('{') && !this.tok.nl) this.error('`if` keyword is required before rule body');
    return [{ k: 'term', term: { t: 'scalar', v: true, loc }, loc }];
  }

  private parseBraceBody(): Expr[] {
    this.expect('{');
    const body = this.parseBodyUntil('}');
    this.expect('}');
    return body;
  }

  /** Expressions separated by `;` or newlines, until `close` (not consumed). */
  parseBodyUntil(close: string): Expr[] {
    const saved = this.nest;
    this.nest = 0;
    const body: Expr[] = [];
    const atClose = (): boolean => (close === '<eof>' ? this.tok.kind === 'eof' : this.is(close));
    while (!atClose()) {
      if (this.tok.kind === 'eof') this.error(`unexpected eof token: expected ${close}`);
      body.push(this.parseLiteral());
      if (this.is(';')) {
        this.next();
        continue;
      }
      if (atClose()) break;
      if (!this.tok.nl) this.error(`unexpected ${this.describe(this.tok)} token: expected \\n or ; or ${close}`);
    }
    this.nest = saved;
    if (body.length === 0) this.error('found empty body');
    return body;
  }

  /** A query: expressions until eof. */
  parseQuery(): Expr[] {
    const body = this.parseBodyUntil('<eof>');
    return body;
  }

  // ---- expressions
  parseLiteral(): Expr {
    const start = this.tok;
    let e: Expr;
    if (this.isKw('not')) {
      this.next();
      const inner = this.parseLiteralNoWith();
      e = { k: 'not', expr: inner, loc: this.loc(start) };
    } else {
      e = this.parseLiteralNoWith();
    }
    const withs = this.parseWiths();
    if (withs.length) {
      if (e.k === 'not' && !e.expr.withs) {
        // `not p with x as y`: OPA attaches the modifiers to the negated expression
        e.withs = withs;
      } else e.withs = [...(e.withs ?? []), ...withs];
    }
    e.text = this.src.slice(start.pos, this.at(this.p - 1).end);
    return e;
  }

  private parseWiths(): With[] {
    const withs: With[] = [];
    while (this.isKw('with')) {
      this.next();
      const target = this.parseRefTerm();
      if (!this.isKw('as')) this.error(`unexpected ${this.describe(this.tok)} token: expected as`);
      this.next();
      const value = this.parseTerm();
      withs.push({ target, value });
    }
    return withs;
  }

  private parseLiteralNoWith(): Expr {
    const start = this.tok;
    const loc = this.loc(start);
    if (this.isKw('some')) {
      this.next();
      const terms: Term[] = [this.parseTermNoIn()];
      while (this.is(',')) {
        this.next();
        terms.push(this.parseTermNoIn());
      }
      if (this.isKw('in')) {
        this.next();
        let coll = this.parseTermNoIn();
        if (terms.length > 2) this.error('unexpected , token', start);
        // `some x in a in b` is OPA's `some (x in a) in b`
        while (this.isKw('in')) {
          const t = this.next();
          const inner: Term =
            terms.length === 2
              ? { t: 'call', op: 'internal.member_3', args: [terms[0]!, terms[1]!, coll], loc: this.loc(t) }
              : { t: 'call', op: 'internal.member_2', args: [terms[0]!, coll], loc: this.loc(t) };
          terms.splice(0, terms.length, inner);
          coll = this.parseTermNoIn();
        }
        const body: ExprBody =
          terms.length === 2 ? { k: 'somein', key: terms[0], val: terms[1]!, coll } : { k: 'somein', val: terms[0]!, coll };
        return { ...body, loc };
      }
      for (const t of terms) if (t.t !== 'var') this.error('expected var in some declaration', start);
      return { k: 'some', vars: terms, loc };
    }
    if (this.isKw('every')) {
      this.next();
      const first = this.parseTermNoIn();
      let key: Term | undefined;
      let val = first;
      if (this.is(',')) {
        this.next();
        key = first;
        val = this.parseTermNoIn();
      }
      if (!this.isKw('in')) this.error(`unexpected ${this.describe(this.tok)} token: expected in`);
      this.next();
      const coll = this.parseTermNoIn();
      this.expect('{');
      const body = this.parseBodyUntil('}');
      this.expect('}');
      return { k: 'every', key, val, coll, body, loc };
    }
    const a = this.parseTerm();
    if (this.is(',') && this.nest === 0) {
      // `k, v in coll`
      this.next();
      const v = this.parseTermNoIn();
      if (!this.isKw('in')) this.error(`unexpected ${this.describe(this.tok)} token: expected in`);
      this.next();
      const coll = this.parseTermNoIn();
      return { k: 'term', term: { t: 'call', op: 'internal.member_3', args: [a, v, coll], loc }, loc };
    }
    if (this.is('=') || this.is(':=')) {
      const op = this.next();
      if (op.nl && this.nest === 0) this.error('unexpected = token');
      const b = this.parseTerm();
      return { k: 'unify', a, b, decl: op.text === ':=', loc };
    }
    return { k: 'term', term: a, loc };
  }

  // ---- terms with operators
  private noIn = 0;
  private noOr = 0;

  /**
   * A string, number, true, false or null that is a whole term by itself (the next token closes it:
   * `,` `]` `}` `)` `:`), read without the operator levels; else undefined (position unchanged).
   * Data-like modules are mostly such literals.
   */
  private plainScalar(): Term | undefined {
    const t = this.at(this.p);
    let v: Value;
    if (t.kind === 'string') v = t.text;
    else if (t.kind === 'number') v = parseNumber(t.text, this, t);
    else if (t.kind === 'ident' && (t.text === 'true' || t.text === 'false' || t.text === 'null')) v = t.text === 'null' ? null : t.text === 'true';
    else return undefined;
    const nx = this.at(this.p + 1);
    if (nx.kind !== 'punct') return undefined;
    const c = nx.text;
    if (c !== ',' && c !== ']' && c !== '}' && c !== ')' && c !== ':') return undefined;
    this.p++;
    return { t: 'scalar', v, loc: { file: this.file, row: t.row, col: t.col } };
  }

  /** A term including binary operators. */
  parseTerm(): Term {
    const plain = this.plainScalar();
    if (plain) return plain;
    const savedIn = this.noIn;
    const savedOr = this.noOr;
    this.noIn = 0;
    this.noOr = 0;
    try {
      return this.parseIn();
    } finally {
      this.noIn = savedIn;
      this.noOr = savedOr;
    }
  }
  private parseTermNoIn(): Term {
    const saved = this.noIn;
    this.noIn = 1;
    try {
      return this.parseIn();
    } finally {
      this.noIn = saved;
    }
  }
  /** A term for the first element of a literal whose `|` would start a comprehension. */
  private parseTermNoOr(): Term {
    const savedIn = this.noIn;
    const savedOr = this.noOr;
    this.noIn = 0;
    this.noOr = 1;
    try {
      return this.parseIn();
    } finally {
      this.noIn = savedIn;
      this.noOr = savedOr;
    }
  }

  /** An infix operator continues the expression even at the start of the next line (as in OPA: `x := 1\n-2` is `x := 1 - 2`). */
  private opContinues(): boolean {
    return true;
  }

  private parseIn(): Term {
    let lhs = this.parseRel();
    while (!this.noIn && this.isKw('in') && this.opContinues()) {
      const t = this.next();
      const rhs = this.parseRel();
      lhs = { t: 'call', op: 'internal.member_2', args: [lhs, rhs], loc: this.loc(t) };
    }
    return lhs;
  }

  private parseRel(): Term {
    let lhs = this.parseOr();
    while (this.tok.kind === 'punct' && REL_OPS[this.tok.text] && this.opContinues()) {
      const t = this.next();
      const rhs = this.parseOr();
      lhs = { t: 'call', op: REL_OPS[t.text]!, args: [lhs, rhs], loc: lhs.loc };
    }
    return lhs;
  }

  private parseOr(): Term {
    let lhs = this.parseAnd();
    while (!this.noOr && this.is('|') && this.opContinues()) {
      this.next();
      const rhs = this.parseAnd();
      lhs = { t: 'call', op: 'or', args: [lhs, rhs], loc: lhs.loc };
    }
    return lhs;
  }

  private parseAnd(): Term {
    let lhs = this.parseArith();
    while (this.is('&') && this.opContinues()) {
      this.next();
      const rhs = this.parseArith();
      lhs = { t: 'call', op: 'and', args: [lhs, rhs], loc: lhs.loc };
    }
    return lhs;
  }

  private parseArith(): Term {
    let lhs = this.parseFactor();
    while (this.tok.kind === 'punct' && ARITH_OPS[this.tok.text] && this.opContinues()) {
      const t = this.next();
      const rhs = this.parseFactor();
      lhs = { t: 'call', op: ARITH_OPS[t.text]!, args: [lhs, rhs], loc: lhs.loc };
    }
    return lhs;
  }

  private parseFactor(): Term {
    let lhs = this.parseUnary();
    while (this.tok.kind === 'punct' && FACTOR_OPS[this.tok.text] && this.opContinues()) {
      const t = this.next();
      const rhs = this.parseUnary();
      lhs = { t: 'call', op: FACTOR_OPS[t.text]!, args: [lhs, rhs], loc: lhs.loc };
    }
    return lhs;
  }

  private parseUnary(): Term {
    if (this.is('-')) {
      // as OPA: `-` before a number is its sign, before a name (ref or call) `minus(0, …)`, else an error
      const t = this.next();
      if (this.tok.kind === 'number') {
        const n = this.next();
        return this.parsePostfix({ t: 'scalar', v: parseNumber('-' + n.text, this, n), loc: this.loc(t) });
      }
      if (this.tok.kind !== 'ident' || (KEYWORDS.has(this.tok.text) && this.tok.text !== 'contains' && !this.keywordUsedAsRef(this.p))) {
        const d = this.describe(this.tok);
        this.error(`unexpected ${d}${d.endsWith(' keyword') ? '' : ' token'}: expected number`);
      }
      const operand = this.parsePostfix(this.parsePrimary());
      return { t: 'call', op: 'minus', args: [{ t: 'scalar', v: 0, loc: this.loc(t) }, operand], loc: this.loc(t) };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private mark(): { p: number; nest: number; wildcards: number } {
    return { p: this.p, nest: this.nest, wildcards: this.wildcards };
  }
  private reset(m: { p: number; nest: number; wildcards: number }): void {
    this.p = m.p;
    this.nest = m.nest;
    this.wildcards = m.wildcards;
  }

  /**
   * At `|` after a comprehension head: its body up to close, or undefined (position unchanged) when
   * that fails at a `,` — then, as in OPA, the literal is read again as an array, set or object
   * (`{"b": s | {2}, "c": 1}` is an object whose "b" is `s | {2}`).
   */
  private tryComprehensionBody(close: string): Expr[] | undefined {
    const m = this.mark();
    try {
      this.next();
      return this.parseBodyUntil(close);
    } catch (e) {
      // OPA gives up on the comprehension at a `,` (ours may have read on, as in `k, v in xs`)
      let comma = false;
      for (let i = m.p; i <= this.p && !comma; i++) {
        const t = this.at(i);
        comma = (t.kind === 'punct' && t.text === ',') || (t.kind === 'ground' && !!t.commas);
      }
      if (!comma) throw e;
      this.reset(m);
      return undefined;
    }
  }

  /** Single terms already parsed at a token position (comprehension heads are tried first, as OPA). */
  private singles = new Map<number, { term: Term; end: number; wildcards: number }>();

  /**
   * A single term (no infix operator) at the current position, or undefined (position unchanged)
   * when the term goes on with an operator. OPA reads `[t | body]` / `{t | body}` as comprehensions
   * only when t is a single term; `[x + 1 | y]` is an array holding `(x + 1) | y`.
   */
  private trySingleTerm(ends: string[]): Term | undefined {
    const start = this.p;
    let c = this.singles.get(start);
    if (!c) {
      const w = this.wildcards;
      const nest = this.nest;
      try {
        const term = this.parseUnary();
        c = { term, end: this.p, wildcards: this.wildcards };
      } catch {
        c = { term: undefined as unknown as Term, end: -1, wildcards: w };
      }
      this.singles.set(start, c);
      this.p = start;
      this.wildcards = w;
      this.nest = nest;
    }
    if (c.end < 0) return undefined;
    const next = this.at(c.end);
    if (next.kind === 'punct' && ends.includes(next.text)) {
      this.p = c.end;
      this.wildcards = Math.max(this.wildcards, c.wildcards);
      return c.term;
    }
    return undefined;
  }

  /** `.x`, `[t]` (no whitespace before) and calls `(args)` after a term. */
  private parsePostfix(head: Term): Term {
    let term = head;
    if (head.t === 'scalar' && !this.tok.ws && (this.is('[') || (this.is('.') && this.peek().kind === 'ident'))) {
      const v = head.v;
      const kind = v === null ? 'null' : typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'boolean' : 'number';
      throw new RegoError('rego_parse_error', `illegal ref (head cannot be ${kind})`, head.loc);
    }
    for (;;) {
      if (this.is('.') && !this.tok.ws && this.peek().kind === 'ident' && !this.peek().ws) {
        this.next();
        const id = this.next();
        term = appendRef(term, { t: 'scalar', v: id.text, loc: this.loc(id) });
        continue;
      }
      if (this.is('[') && !this.tok.ws) {
        this.next();
        this.nest++;
        const idx = this.parseTerm();
        this.nest--;
        this.expect(']');
        term = appendRef(term, idx);
        continue;
      }
      if (this.is('(') && !this.tok.ws && (term.t === 'var' || term.t === 'ref')) {
        const name = callName(term);
        if (name === undefined) this.error('invalid function name');
        this.next();
        this.nest++;
        const args: Term[] = [];
        while (!this.is(')')) {
          args.push(this.parseTerm());
          if (!this.is(')')) this.expect(',');
        }
        this.nest--;
        this.next();
        if (name === 'set' && args.length === 0) {
          term = { t: 'set', items: [], loc: term.loc };
        } else {
          term = { t: 'call', op: name, args, loc: term.loc };
        }
        continue;
      }
      return term;
    }
  }

  private parsePrimary(): Term {
    const g = this.groundAt();
    if (g) {
      this.next();
      return g.term!;
    }
    const t = this.tok;
    const loc = this.loc(t);
    switch (t.kind) {
      case 'number':
        this.next();
        return { t: 'scalar', v: parseNumber(t.text, this, t), loc };
      case 'string':
        this.next();
        return { t: 'scalar', v: t.text, loc };
      case 'template': {
        this.next();
        const parts: (string | Term)[] = [];
        for (const p of t.parts!) {
          if ('str' in p) parts.push(p.str);
          else {
            const sub = new Parser(this.file, p.expr, p.row - 1, p.col - 1);
            sub.nest = 1;
            let term = sub.parseTerm();
            const withs = sub.parseWiths();
            if (withs.length) {
              // `{x with input as y}`: evaluated as a one-expression comprehension
              const v: Term = { t: 'var', name: `$tw${this.wildcards++}`, loc: term.loc };
              term = {
                t: 'arraycomp',
                term: v,
                body: [{ k: 'unify', a: v, b: term, decl: false, withs, loc: term.loc }],
                loc: term.loc,
                tmplWith: true,
              };
            }
            if (sub.tok.kind !== 'eof') sub.error(`unexpected ${sub.describe(sub.tok)} token in template expression`);
            parts.push(term);
          }
        }
        return { t: 'template', parts, loc };
      }
      case 'ident': {
        if (KEYWORDS.has(t.text) && !this.keywordUsedAsRef(this.p)) {
          if (t.text === 'true' || t.text === 'false') {
            this.next();
            return { t: 'scalar', v: t.text === 'true', loc };
          }
          if (t.text === 'null') {
            this.next();
            return { t: 'scalar', v: null, loc };
          }
          this.error(`unexpected ${t.text} keyword`);
        }
        this.next();
        const name = t.text === '_' ? `$_${this.wildcards++}` : t.text;
        return { t: 'var', name, loc };
      }
      case 'punct':
        if (t.text === '(') {
          this.next();
          this.nest++;
          let inner = this.parseTerm();
          if (this.is(',')) {
            // `(k, v in coll)`
            this.next();
            const v = this.parseTermNoIn();
            if (!this.isKw('in')) this.error(`unexpected ${this.describe(this.tok)} token: expected in`);
            this.next();
            const coll = this.parseTermNoIn();
            inner = { t: 'call', op: 'internal.member_3', args: [inner, v, coll], loc };
          }
          this.nest--;
          this.expect(')');
          return inner;
        }
        if (t.text === '[') return this.parseArray();
        if (t.text === '{') return this.parseBrace();
        break;
    }
    return this.error(`unexpected ${this.describe(t)} token`);
  }

  private parseArray(): Term {
    const loc = this.loc();
    this.expect('[');
    this.nest++;
    if (this.is(']')) {
      this.nest--;
      this.next();
      return { t: 'array', items: [], loc, ground: true };
    }
    const start = this.mark();
    let single = this.plainScalar() ?? this.trySingleTerm(ARRAY_ENDS);
    if (single && this.is('|')) {
      const body = this.tryComprehensionBody(']');
      if (body) {
        this.nest--;
        this.expect(']');
        return { t: 'arraycomp', term: single, body, loc };
      }
      this.reset(start);
      single = undefined;
    }
    const items = [single ?? this.parseTerm()];
    while (this.is(',')) {
      this.next();
      if (this.is(']')) break;
      items.push(this.parseTerm());
    }
    this.nest--;
    this.expect(']');
    return items.every(isGround) ? { t: 'array', items, loc, ground: true } : { t: 'array', items, loc };
  }

  private parseBrace(): Term {
    const loc = this.loc();
    this.expect('{');
    this.nest++;
    if (this.is('}')) {
      this.nest--;
      this.next();
      return { t: 'object', items: [], loc, ground: true };
    }
    const start = this.mark();
    let first = this.plainScalar() ?? this.trySingleTerm(BRACE_ENDS) ?? this.parseTerm();
    if (this.is(':')) {
      this.next();
      const vStart = this.mark();
      let v = this.plainScalar() ?? this.trySingleTerm(VALUE_ENDS) ?? this.parseTerm();
      if (this.is('|')) {
        const body = this.tryComprehensionBody('}');
        if (body) {
          this.nest--;
          this.expect('}');
          return { t: 'objcomp', key: first, value: v, body, loc };
        }
        this.reset(vStart);
        v = this.parseTerm();
      }
      const items: [Term, Term][] = [[first, v]];
      while (this.is(',')) {
        this.next();
        if (this.is('}')) break;
        const k = this.parseTerm();
        this.expect(':');
        items.push([k, this.parseTerm()]);
      }
      this.nest--;
      this.expect('}');
      dropRepeatedKeys(items);
      return items.every(([a, b]) => isGround(a) && isGround(b)) ? { t: 'object', items, loc, ground: true } : { t: 'object', items, loc };
    }
    if (this.is('|')) {
      const body = this.tryComprehensionBody('}');
      if (body) {
        this.nest--;
        this.expect('}');
        return { t: 'setcomp', term: first, body, loc };
      }
      this.reset(start);
      first = this.parseTerm();
    }
    const items = [first];
    while (this.is(',')) {
      this.next();
      if (this.is('}')) break;
      items.push(this.parseTerm());
    }
    this.nest--;
    this.expect('}');
    return items.every(isGround) ? { t: 'set', items, loc, ground: true } : { t: 'set', items, loc };
  }

  /** A plain ref: `a.b["c"][x]` (used for package, import, rule heads, with targets). */
  parseRefTerm(): Term {
    const t = this.tok;
    if (t.kind !== 'ident') this.error(`unexpected ${this.describe(t)} token: expected ref`);
    this.next();
    let term: Term = { t: 'var', name: t.text, loc: this.loc(t) };
    for (;;) {
      if (this.is('.') && !this.tok.ws) {
        if (this.peek().kind !== 'ident') this.error(`unexpected ${this.describe(this.peek())} token: expected ident`, this.peek());
        this.next();
        const id = this.next();
        term = appendRef(term, { t: 'scalar', v: id.text, loc: this.loc(id) });
        continue;
      }
      if (this.is('[') && !this.tok.ws) {
        this.next();
        this.nest++;
        const idx = this.parseTerm();
        this.nest--;
        this.expect(']');
        term = appendRef(term, idx);
        continue;
      }
      return term;
    }
  }

  atEnd(): boolean {
    return this.tok.kind === 'eof';
  }
}

function appendRef(head: Term, operand: Term): Term {
  if (head.t === 'ref') return { t: 'ref', terms: [...head.terms, operand], loc: head.loc };
  return { t: 'ref', terms: [head, operand], loc: head.loc };
}

/** Dotted name of a ref used as a function name (`a.b.c`), or undefined if it has dynamic parts. */
function callName(t: Term): string | undefined {
  if (t.t === 'var') return t.name;
  if (t.t !== 'ref') return undefined;
  const h = t.terms[0]!;
  if (h.t !== 'var') return undefined;
  const parts = [h.name];
  for (const x of t.terms.slice(1)) {
    if (x.t !== 'scalar' || typeof x.v !== 'string') return undefined;
    parts.push(x.v);
  }
  return parts.join('.');
}

export function refToPath(t: Term, p: Parser): string[] {
  if (t.t === 'var') return [t.name];
  if (t.t !== 'ref') return p.error('expected ref');
  const h = t.terms[0]!;
  if (h.t !== 'var') return p.error('expected ref');
  const out = [h.name];
  for (const x of t.terms.slice(1)) {
    if (x.t !== 'scalar' || typeof x.v !== 'string') return p.error('package and import refs must be strings');
    out.push(x.v);
  }
  return out;
}

function parseNumber(text: string, p: Parser, t: Token): Value {
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
    return num(BigInt(text));
  }
  const n = Number(text);
  if (!Number.isFinite(n)) {
    // OPA keeps arbitrary precision; huge exponents are out of our range
    return p.error('number too large', t);
  }
  return num(n);
}

/** `{"a": 1, "a": 2}` is `{"a": 2}` in OPA: of items with the same constant key, the last one stays. */
function dropRepeatedKeys(items: [Term, Term][]): void {
  // string keys in strictly ascending order (as generated modules write them) cannot repeat
  let prev: string | undefined;
  let ordered = true;
  for (let i = 0; i < items.length; i++) {
    const k = items[i]![0];
    if (k.t !== 'scalar' || typeof k.v !== 'string' || (prev !== undefined && !(prev < k.v))) {
      ordered = false;
      break;
    }
    prev = k.v;
  }
  if (ordered) return;
  const seen = new Set<string>();
  for (let i = items.length - 1; i >= 0; i--) {
    const k = items[i]![0];
    if (k.t !== 'scalar') continue;
    const v = k.v;
    const id = typeof v === 'number' || typeof v === 'bigint' ? 'n' + String(v) : typeof v + String(v);
    if (seen.has(id)) items.splice(i, 1);
    else seen.add(id);
  }
}

class NotGround extends Error {}
const NOT_GROUND = new NotGround();
const failGround = (): never => {
  throw NOT_GROUND;
};

function isIdentChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/**
 * Reads a literal of constants (strings, numbers, true, false, null, and arrays, objects and sets of
 * them) starting at token t (`[` or `{`) straight from the source: the terms the general grammar
 * would build, with their locations, and where the source goes on. Null when the literal holds
 * anything else (a variable, an operator, a comprehension, a template...), is followed by `.`, `[`
 * or `(` (a ref or call on it), or is malformed: the general grammar then reads it (and reports).
 */
function scanGround(
  src: string,
  file: string,
  t: Token,
  comments: Comment[],
): { term: Term; end: number; row: number; lineStart: number; commas: boolean } | null {
  const g = new GroundScanner(src, file, t, comments);
  try {
    const term = g.value(false);
    return { term, end: g.i, row: g.row, lineStart: g.lineStart, commas: g.commas };
  } catch (e) {
    if (e instanceof NotGround) return null;
    throw e;
  }
}

/** The state of scanGround (methods, not closures: nothing allocated per literal but the scanner). */
class GroundScanner {
  readonly n: number;
  i: number;
  row: number;
  lineStart: number;
  commas = false;
  constructor(
    readonly src: string,
    readonly file: string,
    t: Token,
    readonly comments: Comment[],
  ) {
    this.n = src.length;
    this.i = t.pos;
    this.row = t.row;
    this.lineStart = t.pos - (t.col - 1);
  }
  loc(at: number): Location {
    return { file: this.file, row: this.row, col: at - this.lineStart + 1 };
  }
  skip(): void {
    const src = this.src;
    for (;;) {
      const c = src.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 13) this.i++;
      else if (c === 10) {
        this.i++;
        this.row++;
        this.lineStart = this.i;
      } else if (c === 35) {
        const cs = this.i;
        while (this.i < this.n && src.charCodeAt(this.i) !== 10) this.i++;
        this.comments.push({ row: this.row, col: cs - this.lineStart + 1, text: src.slice(cs + 1, this.i).replace(/\r$/, '') });
      } else return;
    }
  }
  fail(): never {
    throw NOT_GROUND;
  }
  /** what may follow a constant inside a literal */
  scalarEnd(): void {
    this.skip();
    const c = this.src.charCodeAt(this.i);
    if (c !== 44 && c !== 93 && c !== 125 && c !== 58) this.fail(); // , ] } :
  }
  /** after a collection: inside a literal, what may follow a member; at the top, no `.x`, `[i]` or
   * `(…)` applied to it (a ref or a call) */
  collectionEnd(nested: boolean): void {
    if (nested) this.scalarEnd();
    else {
      const c = this.src.charCodeAt(this.i);
      if (c === 46 || c === 91 || c === 40) this.fail();
    }
  }
  value(nested: boolean): Term {
    const at = this.i;
    const l = this.loc(at);
    const c = this.src.charCodeAt(this.i);
    if (c === 34) {
      let text = '';
      const r = readQuoted(this.src, this.i + 1, '"', false, failGround);
      text = r.text;
      this.i = r.end;
      this.scalarEnd();
      return { t: 'scalar', v: text, loc: l };
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      let j = c === 45 ? this.i + 1 : this.i;
      const d0 = this.src.charCodeAt(j);
      if (!(d0 >= 48 && d0 <= 57)) this.fail();
      while (j < this.n && this.src.charCodeAt(j) >= 48 && this.src.charCodeAt(j) <= 57) j++;
      if (this.src.charCodeAt(j) === 46 && this.src.charCodeAt(j + 1) >= 48 && this.src.charCodeAt(j + 1) <= 57) {
        j++;
        while (j < this.n && this.src.charCodeAt(j) >= 48 && this.src.charCodeAt(j) <= 57) j++;
      }
      const e = this.src.charCodeAt(j);
      if (e === 101 || e === 69) {
        let k = j + 1;
        if (this.src.charCodeAt(k) === 43 || this.src.charCodeAt(k) === 45) k++;
        if (this.src.charCodeAt(k) >= 48 && this.src.charCodeAt(k) <= 57) {
          j = k;
          while (j < this.n && this.src.charCodeAt(j) >= 48 && this.src.charCodeAt(j) <= 57) j++;
        }
      }
      if (j < this.n && isIdentChar(this.src.charCodeAt(j))) this.fail();
      const text = this.src.slice(this.i, j);
      const v = groundNumber(text);
      if (v === undefined) this.fail();
      this.i = j;
      this.scalarEnd();
      return { t: 'scalar', v: v!, loc: l };
    }
    if (c === 116 || c === 102 || c === 110) {
      const word = this.src.startsWith('true', this.i) ? 'true' : this.src.startsWith('false', this.i) ? 'false' : this.src.startsWith('null', this.i) ? 'null' : '';
      if (!word || isIdentChar(this.src.charCodeAt(this.i + word.length))) this.fail();
      this.i += word.length;
      this.scalarEnd();
      return { t: 'scalar', v: word === 'null' ? null : word === 'true', loc: l };
    }
    if (c === 91) {
      // [ a, b, ... ]
      this.i++;
      this.skip();
      const items: Term[] = [];
      if (this.src.charCodeAt(this.i) !== 93) {
        for (;;) {
          items.push(this.value(true));
          this.skip();
          const d = this.src.charCodeAt(this.i);
          if (d === 44) {
            this.commas = true;
            this.i++;
            this.skip();
            if (this.src.charCodeAt(this.i) === 93) break;
            continue;
          }
          if (d === 93) break;
          this.fail();
        }
      }
      this.i++;
      this.collectionEnd(nested);
      return { t: 'array', items, loc: l, ground: true };
    }
    if (c === 123) {
      // { k: v, ... } or { a, b, ... }
      this.i++;
      this.skip();
      if (this.src.charCodeAt(this.i) === 125) {
        this.i++;
        this.collectionEnd(nested);
        return { t: 'object', items: [], loc: l, ground: true };
      }
      const first = this.value(true);
      this.skip();
      if (this.src.charCodeAt(this.i) === 58) {
        this.i++;
        this.skip();
        const items: [Term, Term][] = [[first, this.value(true)]];
        for (;;) {
          this.skip();
          const d = this.src.charCodeAt(this.i);
          if (d === 44) {
            this.commas = true;
            this.i++;
            this.skip();
            if (this.src.charCodeAt(this.i) === 125) break;
            const k = this.value(true);
            this.skip();
            if (this.src.charCodeAt(this.i) !== 58) this.fail();
            this.i++;
            this.skip();
            items.push([k, this.value(true)]);
            continue;
          }
          if (d === 125) break;
          this.fail();
        }
        this.i++;
        this.collectionEnd(nested);
        dropRepeatedKeys(items);
        return { t: 'object', items, loc: l, ground: true };
      }
      const items: Term[] = [first];
      for (;;) {
        this.skip();
        const d = this.src.charCodeAt(this.i);
        if (d === 44) {
          this.commas = true;
          this.i++;
          this.skip();
          if (this.src.charCodeAt(this.i) === 125) break;
          items.push(this.value(true));
          continue;
        }
        if (d === 125) break;
        this.fail();
      }
      this.i++;
      this.collectionEnd(nested);
      return { t: 'set', items, loc: l, ground: true };
    }
    return this.fail();
    }
}

/** A number literal's value as the general grammar reads it (undefined: let it report). */
function groundNumber(text: string): Value | undefined {
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
    return num(BigInt(text));
  }
  const n = Number(text);
  return Number.isFinite(n) ? num(n) : undefined;
}

/** A scalar, or a literal made only of scalars (set on array, object and set terms by the parser). */
function isGround(t: Term): boolean {
  return t.t === 'scalar' || ((t.t === 'array' || t.t === 'object' || t.t === 'set') && t.ground === true);
}

export function parseModule(path: string, text: string): Module {
  return new Parser(path, text).parseModule();
}

export function parseQuery(text: string, file = 'query'): Expr[] {
  const p = new Parser(file, text);
  return p.parseQuery();
}

/** A single term (used for input_term in conformance cases and for `eval(ref)`). */
export function parseTerm(text: string, file = 'term'): Term {
  const p = new Parser(file, text);
  const t = p.parseTerm();
  if (!p.atEnd()) p.error('unexpected trailing text');
  return t;
}
