// strings.render_template: a subset of Go text/template, enough for OPA policies: {{.a.b}},
// {{$v}}, {{if}}/{{else if}}/{{else}}, {{range [$i,] $x := ...}}, {{with}}, {{$x := ...}},
// trim markers {{- -}}, comments, and the functions eq ne lt le gt ge and or not len index print printf.
// Values print as Go's %v prints OPA's JSON-decoded values; a missing key prints "<undefined>".
import { compare, equal, formatNumber, RObject, RSet, type Value } from '../value.js';
import { builtinError, obj, str } from './args.js';
import { def } from './registry.js';
import { goSprintf, toGoArg } from './sprintf.js';

const UNDEFINED = Symbol('undefined');
type TV = Value | typeof UNDEFINED;

type Node =
  | { k: 'text'; s: string }
  | { k: 'action'; pipe: string; decl?: string[] }
  | { k: 'if'; branches: { cond: string; body: Node[] }[]; else?: Node[] }
  | { k: 'range'; pipe: string; vars: string[]; body: Node[]; else?: Node[] }
  | { k: 'with'; pipe: string; body: Node[]; else?: Node[] };

class TemplateError extends Error {}

/** Splits into text and action tokens, applying trim markers. */
function lex(src: string): { text?: string; action?: string }[] {
  const out: { text?: string; action?: string }[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src.startsWith('- ', start) || src.startsWith('-\t', start) || src.startsWith('-\n', start)) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    if (text) out.push({ text });
    const close = src.indexOf('}}', start);
    if (close < 0) throw new TemplateError('unclosed action');
    let end = close;
    let trimRight = false;
    if (src[close - 1] === '-' && /\s/.test(src[close - 2] ?? '')) {
      end = close - 1;
      trimRight = true;
    }
    const action = src.slice(start, end).trim();
    if (!action.startsWith('/*')) out.push({ action });
    i = close + 2;
    if (trimRight) while (i < src.length && /\s/.test(src[i]!)) i++;
  }
  return out;
}

function parse(tokens: { text?: string; action?: string }[]): Node[] {
  let pos = 0;
  const block = (terminators: string[]): { body: Node[]; end: string } => {
    const body: Node[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos++]!;
      if (t.text !== undefined) {
        body.push({ k: 'text', s: t.text });
        continue;
      }
      const a = t.action!;
      const word = a.split(/\s+/)[0]!;
      if (terminators.includes(word)) return { body, end: a };
      if (word === 'if' || word === 'with') {
        const branches: { cond: string; body: Node[] }[] = [];
        let cond = a.slice(word.length).trim();
        let elseBody: Node[] | undefined;
        for (;;) {
          const r = block(['else', 'end']);
          branches.push({ cond, body: r.body });
          if (r.end === 'end') break;
          const rest = r.end.slice(4).trim();
          if (word === 'if' && rest.startsWith('if ')) {
            cond = rest.slice(3).trim();
            continue;
          }
          elseBody = block(['end']).body;
          break;
        }
        if (word === 'with') body.push({ k: 'with', pipe: branches[0]!.cond, body: branches[0]!.body, else: elseBody });
        else body.push({ k: 'if', branches, else: elseBody });
        continue;
      }
      if (word === 'range') {
        let spec = a.slice(5).trim();
        let vars: string[] = [];
        const m = /^(\$\w*)(?:\s*,\s*(\$\w*))?\s*:=\s*(.*)$/s.exec(spec);
        if (m) {
          vars = m[2] ? [m[1]!, m[2]] : [m[1]!];
          spec = m[3]!;
        }
        const r = block(['else', 'end']);
        const elseBody = r.end === 'end' ? undefined : block(['end']).body;
        body.push({ k: 'range', pipe: spec, vars, body: r.body, else: elseBody });
        continue;
      }
      const decl = /^(\$\w*)\s*:?=\s*(.*)$/s.exec(a);
      if (decl) body.push({ k: 'action', pipe: decl[2]!, decl: [decl[1]!] });
      else body.push({ k: 'action', pipe: a });
    }
    if (terminators.length) throw new TemplateError('unexpected EOF');
    return { body, end: '' };
  };
  return block([]).body;
}

// ---- evaluation ----
type Scope = Map<string, TV>[];

function lookupVar(scope: Scope, name: string): TV {
  for (let i = scope.length - 1; i >= 0; i--) if (scope[i]!.has(name)) return scope[i]!.get(name)!;
  throw new TemplateError(`undefined variable: ${name}`);
}

function field(v: TV, name: string): TV {
  if (v instanceof RObject) {
    const x = v.get(name);
    return x === undefined ? UNDEFINED : x;
  }
  return UNDEFINED;
}

function tokenize(expr: string): string[] {
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\(|\)|[^\s()]+)/gy;
  const out: string[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(expr))) out.push(m[1]!);
  return out;
}

function truthy(v: TV): boolean {
  if (v === UNDEFINED || v === null || v === false) return false;
  if (v === 0 || v === 0n || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof RObject || v instanceof RSet) return v.size > 0;
  return true;
}

const FUNCS: Record<string, (args: TV[]) => TV> = {
  eq: (a) => a.slice(1).some((x) => eqTV(a[0]!, x)),
  ne: (a) => !eqTV(a[0]!, a[1]!),
  lt: (a) => cmpTV(a[0]!, a[1]!) < 0,
  le: (a) => cmpTV(a[0]!, a[1]!) <= 0,
  gt: (a) => cmpTV(a[0]!, a[1]!) > 0,
  ge: (a) => cmpTV(a[0]!, a[1]!) >= 0,
  and: (a) => a.find((x) => !truthy(x)) ?? a[a.length - 1]!,
  or: (a) => a.find((x) => truthy(x)) ?? a[a.length - 1]!,
  not: (a) => !truthy(a[0]!),
  len: (a) => {
    const v = a[0]!;
    if (typeof v === 'string') return Buffer.byteLength(v);
    if (Array.isArray(v)) return v.length;
    if (v instanceof RObject || v instanceof RSet) return v.size;
    throw new TemplateError('len of unsupported type');
  },
  index: (a) => {
    let v = a[0]!;
    for (const k of a.slice(1)) {
      if (Array.isArray(v) && typeof k === 'number') v = v[k] ?? UNDEFINED;
      else v = v instanceof RObject && k !== UNDEFINED ? (v.get(k) ?? UNDEFINED) : UNDEFINED;
    }
    return v;
  },
  print: (a) => a.map(show).join(''),
  printf: (a) => goSprintf(String(a[0]), a.slice(1).map((x) => toGoArg(x === UNDEFINED ? null : x))),
};

const eqTV = (a: TV, b: TV): boolean => (a === UNDEFINED || b === UNDEFINED ? a === b : equal(a, b));
const cmpTV = (a: TV, b: TV): number => compare(a === UNDEFINED ? null : a, b === UNDEFINED ? null : b);

function evalPipe(expr: string, dot: TV, scope: Scope): TV {
  const stages = expr.split(/\s\|\s/);
  let prev: TV | undefined;
  for (const st of stages) prev = evalCmd(tokenize(st), dot, scope, prev);
  return prev!;
}

function evalCmd(toks: string[], dot: TV, scope: Scope, piped?: TV): TV {
  let i = 0;
  const operand = (): TV => {
    const t = toks[i++]!;
    if (t === '(') {
      let depth = 1;
      const start = i;
      while (i < toks.length && depth > 0) {
        if (toks[i] === '(') depth++;
        else if (toks[i] === ')') depth--;
        i++;
      }
      return evalCmd(toks.slice(start, i - 1), dot, scope);
    }
    if (t.startsWith('"')) return JSON.parse(t) as string;
    if (t.startsWith('`')) return t.slice(1, -1);
    if (t === 'true' || t === 'false') return t === 'true';
    if (t === 'nil') return null;
    if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
    if (t.startsWith('.') || t.startsWith('$')) {
      const parts = t.split('.');
      let v: TV = t.startsWith('.') ? dot : lookupVar(scope, parts[0]!);
      for (const p of parts.slice(1)) if (p !== '') v = field(v, p);
      return v;
    }
    throw new TemplateError(`function "${t}" not defined`);
  };
  const head = toks[0];
  if (head !== undefined && FUNCS[head]) {
    i = 1;
    const args: TV[] = [];
    while (i < toks.length) args.push(operand());
    if (piped !== undefined) args.push(piped);
    return FUNCS[head](args);
  }
  const v = operand();
  if (i < toks.length) throw new TemplateError(`can't give argument to non-function ${head}`);
  return v;
}

/** Go's %v of the JSON-decoded value. */
function show(v: TV): string {
  if (v === UNDEFINED) return '<undefined>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return formatNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return '[' + v.map(show).join(' ') + ']';
  if (v instanceof RSet) return '[' + v.values().map(show).join(' ') + ']';
  return 'map[' + v.entries().map(([k, x]) => show(k) + ':' + show(x)).join(' ') + ']';
}

function run(nodes: Node[], dot: TV, scope: Scope, out: string[]): void {
  for (const n of nodes) {
    switch (n.k) {
      case 'text':
        out.push(n.s);
        break;
      case 'action': {
        const v = evalPipe(n.pipe, dot, scope);
        if (n.decl) scope[scope.length - 1]!.set(n.decl[0]!, v);
        else out.push(show(v));
        break;
      }
      case 'if': {
        const hit = n.branches.find((b) => truthy(evalPipe(b.cond, dot, scope)));
        const body = hit ? hit.body : n.else;
        if (body) run(body, dot, [...scope, new Map()], out);
        break;
      }
      case 'with': {
        const v = evalPipe(n.pipe, dot, scope);
        if (truthy(v)) run(n.body, v, [...scope, new Map()], out);
        else if (n.else) run(n.else, dot, [...scope, new Map()], out);
        break;
      }
      case 'range': {
        const v = evalPipe(n.pipe, dot, scope);
        let items: [Value, Value][] = [];
        if (Array.isArray(v)) items = v.map((x, i) => [i, x]);
        else if (v instanceof RSet) items = v.values().map((x, i) => [i, x]);
        else if (v instanceof RObject) items = v.entries();
        else if (typeof v === 'number' && Number.isInteger(v)) {
          if (v > 1_000_000) throw new TemplateError(`range over ${v} is too large`);
          items = Array.from({ length: Math.max(v, 0) }, (_, i) => [i, i]);
        }
        if (items.length === 0) {
          if (n.else) run(n.else, dot, [...scope, new Map()], out);
          break;
        }
        for (const [k, x] of items) {
          const s = new Map<string, TV>();
          if (n.vars.length === 1) s.set(n.vars[0]!, x);
          if (n.vars.length === 2) {
            s.set(n.vars[0]!, k);
            s.set(n.vars[1]!, x);
          }
          run(n.body, x, [...scope, s], out);
        }
        break;
      }
    }
  }
}

export function renderTemplate(src: string, vars: RObject): string {
  const out: string[] = [];
  run(parse(lex(src)), vars, [new Map<string, TV>([['$', vars]])], out);
  return out.join('');
}

def('strings.render_template', 2, (args) => {
  const src = str('strings.render_template', args, 0);
  const vars = obj('strings.render_template', args, 1);
  try {
    return renderTemplate(src, vars);
  } catch (e) {
    // Any failure while parsing or running the template (including bad literals) is a builtin error.
    if (e instanceof Error) throw builtinError('strings.render_template', e.message);
    throw e;
  }
});
