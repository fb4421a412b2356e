// Recursive-descent parser for Rego v1 modules and queries.
//
// Operator precedence, loosest first (as OPA): `=`/`:=` (expression level), `in`, comparisons
// (== != < <= > >=), `|`, `&`, `+ -`, `* / %`. Newlines separate body expressions unless we are
// inside (), [] or a literal's {}.
import type { Annotations, Expr, ExprBody, Import, Module, Rule, Term, With, ElseClause } from './types.js';
import { RegoError, type Location } from '../errors.js';
import { parse as parseYAML } from 'yaml';
import { tokenize, type Comment, type Token } from './lexer.js';
import { num, type Value } from '../value.js';

const KEYWORDS = new Set([
  'package', 'import', 'as', 'default', 'else', 'if', 'contains', 'some', 'in', 'every', 'not', 'with',
  'true', 'false', 'null',
]);

const REL_OPS: Record<string, string> = { '==': 'equal', '!=': 'neq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };
const ARITH_OPS: Record<string, string> = { '+': 'plus', '-': 'minus' };
const FACTOR_OPS: Record<string, string> = { '*': 'mul', '/': 'div', '%': 'rem' };

export class Parser {
  private toks: Token[];
  private p = 0;
  /** numbers the wildcards `_` of this parse (no global counter) */
  private wildcards = 0;
  private nest = 0; // > 0: newlines are not significant
  private comments: Comment[] = [];
  private commentsByRow?: Map<number, Comment>;
  constructor(
    private file: string,
    private src: string,
    rowOffset = 0,
    colOffset = 0,
  ) {
    this.toks = tokenize(file, src, rowOffset, colOffset, this.comments);
  }

  /** The METADATA block that ends on the line just before `row` (comments only in between). */
  private annotationsBefore(row: number, defaultScope: string): Annotations | undefined {
    // walk back over contiguous comment lines
    if (!this.commentsByRow) this.commentsByRow = new Map(this.comments.map((c) => [c.row, c]));
    const byRow = this.commentsByRow;
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
    return this.toks[this.p]!;
  }
  private peek(k = 1): Token {
    return this.toks[Math.min(this.p + k, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.toks[this.p]!;
    if (this.p < this.toks.length - 1) this.p++;
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
    const nx = this.toks[i + 1];
    if (!nx || nx.kind !== 'punct' || nx.ws) return false;
    if (nx.text === '.' || nx.text === '[') return true;
    // `contains("abc", "b")`: the builtin named like the keyword
    return nx.text === '(' && this.toks[i]!.text === 'contains';
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
    e.text = this.src.slice(start.pos, this.toks[this.p - 1]!.end);
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

  /** A term including binary operators. */
  parseTerm(): Term {
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
      if (!this.toks.slice(m.p, this.p + 1).some((t) => t.kind === 'punct' && t.text === ',')) throw e;
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
    const next = this.toks[c.end]!;
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
      return { t: 'array', items: [], loc };
    }
    const start = this.mark();
    let single = this.trySingleTerm(['|', ']', ',']);
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
      return { t: 'object', items: [], loc };
    }
    const start = this.mark();
    let first = this.trySingleTerm(['|', '}', ',', ':']) ?? this.parseTerm();
    if (this.is(':')) {
      this.next();
      const vStart = this.mark();
      let v = this.trySingleTerm(['|', '}', ',']) ?? this.parseTerm();
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
