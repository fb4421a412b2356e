// regex.* builtins over Go RE2 patterns, matched in linear time by re2js (see re2.ts).
import { type Value } from '../value.js';
import { builtinError, intArg, str } from './args.js';
import { compileRE2, findAll, RE2SyntaxError, type RE2, type RE2Match } from './re2.js';
import { def, type BuiltinContext } from './registry.js';

function compile(name: string, pattern: string, ctx: BuiltinContext): RE2 {
  try {
    return compileRE2(pattern, ctx.cache);
  } catch (e) {
    if (e instanceof RE2SyntaxError) throw builtinError(name, e.message);
    throw e;
  }
}

const limitOf = (n: bigint): number => (n < 0n ? -1 : Number(n));

def('regex.match', 2, (args, ctx) => {
  const re = compile('regex.match', str('regex.match', args, 0), ctx);
  const s = str('regex.match', args, 1);
  return re.test(s);
});

def('regex.is_valid', 1, ([p], ctx) => {
  if (typeof p !== 'string') return false;
  try {
    compileRE2(p, ctx.cache);
    return true;
  } catch {
    return false;
  }
});

def('regex.split', 2, (args, ctx) => {
  const pattern = str('regex.split', args, 0);
  const re = compile('regex.split', pattern, ctx);
  const s = str('regex.split', args, 1);
  if (pattern.length > 0 && s.length === 0) return [''];
  const out: Value[] = [];
  let beg = 0;
  let end = 0;
  for (const m of findAll(re, s)) {
    end = m.index;
    const mEnd = m.end;
    if (mEnd !== 0) out.push(s.slice(beg, end));
    beg = mEnd;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
});

def('regex.find_n', 3, (args, ctx) => {
  const re = compile('regex.find_n', str('regex.find_n', args, 0), ctx);
  const s = str('regex.find_n', args, 1);
  const n = intArg('regex.find_n', args, 2);
  return findAll(re, s, limitOf(n)).map((m) => m.groups[0]!);
});

def('regex.find_all_string_submatch_n', 3, (args, ctx) => {
  const name = 'regex.find_all_string_submatch_n';
  const re = compile(name, str(name, args, 0), ctx);
  const s = str(name, args, 1);
  const n = intArg(name, args, 2);
  return findAll(re, s, limitOf(n)).map((m) => m.groups.map((g) => g ?? ''));
});

/** Go Regexp.Expand template syntax: $1, ${1}, $name, ${name}, $$. */
function expand(template: string, m: RE2Match): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '$' || i + 1 >= template.length) {
      out += c;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string | undefined;
    let len = 0;
    const braced = /^\{([A-Za-z0-9_]+)\}/.exec(template.slice(i + 1));
    if (braced) {
      name = braced[1];
      len = braced[0].length;
    } else {
      const bare = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
      if (bare) {
        name = bare[0];
        len = bare[0].length;
      }
    }
    if (name === undefined) {
      out += c; // malformed: Go copies the $ through
      continue;
    }
    if (/^\d+$/.test(name)) out += m.groups[Number(name)] ?? '';
    else out += m.named[name] ?? '';
    i += len;
  }
  return out;
}

def('regex.replace', 3, (args, ctx) => {
  const s = str('regex.replace', args, 0);
  const re = compile('regex.replace', str('regex.replace', args, 1), ctx);
  const repl = str('regex.replace', args, 2);
  let out = '';
  let last = 0;
  for (const m of findAll(re, s)) {
    out += s.slice(last, m.index) + expand(repl, m);
    last = m.end;
  }
  return out + s.slice(last);
});

/** Go regexp.QuoteMeta. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, (c) => '\\' + c);
}

def('regex.template_match', 4, (args, ctx) => {
  const name = 'regex.template_match';
  const template = str(name, args, 0);
  const s = str(name, args, 1);
  const open = str(name, args, 2);
  const close = str(name, args, 3);
  // Literal text is quoted; text between the delimiters is a regular expression (nesting allowed).
  let pattern = '^';
  let i = 0;
  while (i < template.length) {
    const start = template.indexOf(open, i);
    if (start < 0) {
      pattern += quoteMeta(template.slice(i));
      break;
    }
    pattern += quoteMeta(template.slice(i, start));
    let depth = 1;
    let j = start + open.length;
    let inner = '';
    while (j < template.length && depth > 0) {
      if (template.startsWith(open, j) && open !== close) {
        depth++;
        inner += open;
        j += open.length;
      } else if (template.startsWith(close, j)) {
        depth--;
        if (depth > 0) inner += close;
        j += close.length;
      } else inner += template[j++];
    }
    if (depth > 0) throw builtinError(name, `unbalanced braces in ${JSON.stringify(template)}`);
    pattern += '(' + inner + ')';
    i = j;
  }
  pattern += '$';
  const re = compile(name, pattern, ctx);
  return re.test(s);
});
