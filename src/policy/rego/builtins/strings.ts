// String builtins. Go works on UTF-8 and OPA indexes by rune (code point), so positions and
// lengths here are in code points, never UTF-16 units.
import { RObject, RSet, type Value } from '../value.js';
import { builtinError, elementErr, intArg, numArg, str, typeErr } from './args.js';
import { BuiltinError, def } from './registry.js';

const runes = (s: string): string[] => [...s];

/** The strings of an array or set operand, with OPA's element type error. */
function stringsOf(name: string, v: Value, i: number, want = 'one of {set, array}'): string[] {
  let xs: Value[];
  if (Array.isArray(v)) xs = v;
  else if (v instanceof RSet) xs = v.values();
  else throw typeErr(name, i, want, v);
  for (const x of xs) if (typeof x !== 'string') throw elementErr(name, i, v, x, 'string');
  return xs as string[];
}

def('concat', 2, (args) => {
  const delim = str('concat', args, 0);
  return stringsOf('concat', args[1]!, 2).join(delim);
});

def('contains', 2, (args) => str('contains', args, 0).includes(str('contains', args, 1)));
def('startswith', 2, (args) => str('startswith', args, 0).startsWith(str('startswith', args, 1)));
def('endswith', 2, (args) => str('endswith', args, 0).endsWith(str('endswith', args, 1)));
def('lower', 1, (args) => str('lower', args, 0).toLowerCase());
def('upper', 1, (args) => str('upper', args, 0).toUpperCase());

def('split', 2, (args) => {
  const s = str('split', args, 0);
  const d = str('split', args, 1);
  if (d === '') return runes(s);
  return s.split(d);
});

def('replace', 3, (args) => {
  const s = str('replace', args, 0);
  const old = str('replace', args, 1);
  const nw = str('replace', args, 2);
  if (old === '') {
    // Go's ReplaceAll with an empty pattern inserts at every rune boundary.
    const r = runes(s);
    return nw + r.map((c) => c + nw).join('');
  }
  return s.split(old).join(nw);
});

def('strings.replace_n', 2, (args) => {
  const patterns = args[0]!;
  if (!(patterns instanceof RObject)) throw typeErr('strings.replace_n', 1, 'object', patterns);
  const s = str('strings.replace_n', args, 1);
  const pairs: [string, string][] = [];
  for (const [k, v] of patterns.entries()) {
    if (typeof k !== 'string') throw new BuiltinError('eval_type_error', 'strings.replace_n: operand 1 non-string key found in pattern object');
    if (typeof v !== 'string') throw new BuiltinError('eval_type_error', 'strings.replace_n: operand 1 non-string value found in pattern object');
    pairs.push([k, v]);
  }
  // Go strings.NewReplacer: leftmost match, ties broken by argument (sorted key) order, no overlaps.
  let out = '';
  let i = 0;
  outer: while (i < s.length) {
    for (const [k, v] of pairs) {
      if (k !== '' && s.startsWith(k, i)) {
        out += v;
        i += k.length;
        continue outer;
      }
    }
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    out += ch;
    i += ch.length;
  }
  return out;
});


// Go's unicode.IsSpace (JS \s also matches U+FEFF, Go's does not).
const GO_SPACE = '\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

function trimLeftSet(s: string, cut: Set<string>): string {
  const r = runes(s);
  let i = 0;
  while (i < r.length && cut.has(r[i]!)) i++;
  return r.slice(i).join('');
}
function trimRightSet(s: string, cut: Set<string>): string {
  const r = runes(s);
  let j = r.length;
  while (j > 0 && cut.has(r[j - 1]!)) j--;
  return r.slice(0, j).join('');
}

def('trim', 2, (args) => {
  const cut = new Set(runes(str('trim', args, 1)));
  return trimRightSet(trimLeftSet(str('trim', args, 0), cut), cut);
});
def('trim_left', 2, (args) => trimLeftSet(str('trim_left', args, 0), new Set(runes(str('trim_left', args, 1)))));
def('trim_right', 2, (args) => trimRightSet(str('trim_right', args, 0), new Set(runes(str('trim_right', args, 1)))));
def('trim_prefix', 2, (args) => {
  const s = str('trim_prefix', args, 0);
  const p = str('trim_prefix', args, 1);
  return s.startsWith(p) ? s.slice(p.length) : s;
});
def('trim_suffix', 2, (args) => {
  const s = str('trim_suffix', args, 0);
  const p = str('trim_suffix', args, 1);
  return p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
});
def('trim_space', 1, (args) => {
  const cut = new Set(runes(GO_SPACE));
  return trimRightSet(trimLeftSet(str('trim_space', args, 0), cut), cut);
});

def('format_int', 2, (args) => {
  const n = numArg('format_int', args, 0);
  const base = numArg('format_int', args, 1);
  if (!(base === 2 || base === 8 || base === 10 || base === 16))
    throw new BuiltinError('eval_type_error', 'format_int: operand 2 must be one of {2, 8, 10, 16}');
  // OPA truncates toward zero (big.Float.Int).
  const i = typeof n === 'bigint' ? n : BigInt(Math.trunc(n));
  return i.toString(base);
});

/** Index in code points of the first occurrence at or after code-point offset `from`, or -1. */
function runeIndexOf(hay: string[], needle: string[], from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

def('indexof', 2, (args) => {
  const s = str('indexof', args, 0);
  const sub = str('indexof', args, 1);
  if (sub === '') throw builtinError('indexof', 'empty search character');
  return runeIndexOf(runes(s), runes(sub));
});

def('indexof_n', 2, (args) => {
  const s = runes(str('indexof_n', args, 0));
  const sub = str('indexof_n', args, 1);
  if (sub === '') throw builtinError('indexof_n', 'empty search character');
  const n = runes(sub);
  const out: Value[] = [];
  for (let i = runeIndexOf(s, n); i >= 0; i = runeIndexOf(s, n, i + 1)) out.push(i);
  return out;
});

def('substring', 3, (args) => {
  const s = runes(str('substring', args, 0));
  const start = intArg('substring', args, 1);
  const len = intArg('substring', args, 2);
  if (start < 0n) throw builtinError('substring', 'negative offset');
  if (start >= BigInt(s.length)) return '';
  const st = Number(start);
  if (len < 0n) return s.slice(st).join('');
  const end = BigInt(st) + len > BigInt(s.length) ? s.length : st + Number(len);
  return s.slice(st, end).join('');
});

def('strings.reverse', 1, (args) => {
  const v = args[0]!;
  // OPA reports this builtin as "reverse" in its type errors.
  if (typeof v !== 'string') throw typeErr('reverse', 1, 'string', v);
  return runes(v).reverse().join('');
});

def('strings.count', 2, (args) => {
  const s = str('strings.count', args, 0);
  const sub = str('strings.count', args, 1);
  if (sub === '') return runes(s).length + 1;
  let c = 0;
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length)) c++;
  return c;
});

function prefixOperand(name: string, v: Value, i: number): string[] {
  if (typeof v === 'string') return [v];
  return stringsOf(name, v, i, 'one of {string, set, array}');
}

def('strings.any_prefix_match', 2, (args) => {
  const ss = prefixOperand('strings.any_prefix_match', args[0]!, 1);
  const ps = prefixOperand('strings.any_prefix_match', args[1]!, 2);
  return ss.some((s) => ps.some((p) => s.startsWith(p)));
});

def('strings.any_suffix_match', 2, (args) => {
  const ss = prefixOperand('strings.any_suffix_match', args[0]!, 1);
  const ps = prefixOperand('strings.any_suffix_match', args[1]!, 2);
  return ss.some((s) => ps.some((p) => s.endsWith(p)));
});
