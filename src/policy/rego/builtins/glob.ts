// glob.match / glob.quote_meta with gobwas/glob semantics (as OPA uses): * stops at delimiters,
// ** does not, ? is one non-delimiter character, [abc] [!a-z] classes, {a,b} alternatives.
// A glob becomes an RE2 pattern matched by re2js, in time linear in the input (a backtracking
// matcher takes exponential time on patterns like *a*a*a*a*b).
import type { Value } from '../value.js';
import { builtinError, str, typeErr } from './args.js';
import { compileRE2, type RE2 } from './re2.js';
import { def, type BuiltinContext } from './registry.js';

const reEscape = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/** The RE2 source of a glob (anchored at both ends). */
export function globToRE2(pattern: string, delimiters: string[]): string {
  const notDelim = delimiters.length ? '[^' + delimiters.map(reEscape).join('') + ']' : '[\\s\\S]';
  let i = 0;
  const parse = (inAlt: boolean): string => {
    let out = '';
    while (i < pattern.length) {
      const c = pattern[i]!;
      if (inAlt && (c === ',' || c === '}')) return out;
      i++;
      switch (c) {
        case '\\': {
          const nx = pattern[i];
          if (nx === undefined) throw new Error('unexpected end of pattern after escape');
          out += reEscape(nx);
          i++;
          break;
        }
        case '*':
          if (pattern[i] === '*') {
            i++;
            out += '[\\s\\S]*';
          } else out += notDelim + '*';
          break;
        case '?':
          out += notDelim;
          break;
        case '[': {
          const end = pattern.indexOf(']', i);
          if (end < 0) throw new Error('unexpected end of pattern in character class');
          let body = pattern.slice(i, end);
          i = end + 1;
          let neg = false;
          if (body.startsWith('!')) {
            neg = true;
            body = body.slice(1);
          }
          const cls = [...body].map((ch) => (ch === '-' ? '-' : reEscape(ch))).join('');
          out += (neg ? '[^' : '[') + cls + ']';
          break;
        }
        case '{': {
          const alts: string[] = [];
          for (;;) {
            alts.push(parse(true));
            if (i >= pattern.length) throw new Error('unexpected end of pattern in alternatives');
            const sep = pattern[i++];
            if (sep === '}') break;
          }
          out += '(?:' + alts.join('|') + ')';
          break;
        }
        default:
          out += reEscape(c);
      }
    }
    if (inAlt) throw new Error('unexpected end of pattern in alternatives');
    return out;
  };
  return '^' + parse(false) + '$';
}

/** null: no delimiters; []: the default "."; else the characters of the given strings. */
function delimitersOf(v: Value): string[] {
  if (v === null) return [];
  if (!Array.isArray(v)) throw typeErr('glob.match', 2, 'array', v);
  const ds: string[] = [];
  for (const d of v) {
    if (typeof d !== 'string') throw typeErr('glob.match', 2, 'array of strings', v);
    ds.push(...d);
  }
  return ds.length ? ds : ['.'];
}

def('glob.match', 3, (args, ctx: BuiltinContext) => {
  const pattern = str('glob.match', args, 0);
  const delims = delimitersOf(args[1]!);
  const s = str('glob.match', args, 2);
  const k = 'glob\u0000' + delims.join('') + '\u0000' + pattern;
  let re = ctx.cache.get(k) as RE2 | undefined;
  if (!re) {
    try {
      re = compileRE2(globToRE2(pattern, delims));
    } catch (e) {
      throw builtinError('glob.match', (e as Error).message);
    }
    ctx.cache.set(k, re);
  }
  return re.test(s);
});

def('glob.quote_meta', 1, (args) => str('glob.quote_meta', args, 0).replace(/[*?\\[\]{}]/g, '\\$&'));
