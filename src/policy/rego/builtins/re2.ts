// Go RE2 syntax -> JavaScript RegExp (with the `u` flag), for the common subset: flag groups,
// (?P<name>), \A \z, POSIX classes, \pL, \Q...\E, \x{...}, ASCII-only \s, literal braces.
// Constructs RE2 rejects (lookaround, backreferences) are rejected here too.

export class RE2SyntaxError extends Error {}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const GENERAL_CATEGORIES = new Set([
  'L', 'Lu', 'Ll', 'Lt', 'Lm', 'Lo', 'M', 'Mn', 'Mc', 'Me', 'N', 'Nd', 'Nl', 'No', 'P', 'Pc', 'Pd', 'Ps', 'Pe',
  'Pi', 'Pf', 'Po', 'S', 'Sm', 'Sc', 'Sk', 'So', 'Z', 'Zs', 'Zl', 'Zp', 'C', 'Cc', 'Cf', 'Cs', 'Co', 'Cn',
]);

const SYNTAX = new Set([...'^$\\.*+?()[]{}|/']);

function escapeLiteral(ch: string, inClass: boolean): string {
  if (SYNTAX.has(ch) || (inClass && ch === '-')) return '\\' + ch;
  return ch;
}

function unicodeClass(name: string, negated: boolean): string {
  const prop = GENERAL_CATEGORIES.has(name) ? name : name === 'Any' ? 'Any' : 'Script=' + name;
  return (negated ? '\\P{' : '\\p{') + prop + '}';
}

export interface Translated {
  source: string;
  flags: string;
}

export function translateRE2(pattern: string): Translated {
  const flags = new Set<string>(['u']);
  let out = '';
  let i = 0;
  let inClass = false;
  let classStart = false;
  const n = pattern.length;
  const fail = (msg: string): never => {
    throw new RE2SyntaxError(`error parsing regexp: ${msg}: \`${pattern}\``);
  };
  while (i < n) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const nx = pattern[i + 1];
      if (nx === undefined) fail('trailing backslash at end of expression');
      if (nx === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const lit = end < 0 ? pattern.slice(i + 2) : pattern.slice(i + 2, end);
        for (const c of lit) out += escapeLiteral(c, inClass);
        i = end < 0 ? n : end + 2;
        classStart = false;
        continue;
      }
      i += 2;
      classStart = false;
      switch (nx) {
        case 'A':
          if (inClass) fail('invalid escape sequence');
          out += '(?<![\\s\\S])';
          continue;
        case 'z':
          if (inClass) fail('invalid escape sequence');
          out += '(?![\\s\\S])';
          continue;
        case 's':
          out += inClass ? '\\t\\n\\f\\r ' : '[\\t\\n\\f\\r ]';
          continue;
        case 'S':
          if (inClass) out += '\\x00-\\x08\\x0B\\x0E-\\x1F\\x21-\\u{10FFFF}';
          else out += '[^\\t\\n\\f\\r ]';
          continue;
        case 'd':
        case 'D':
        case 'w':
        case 'W':
        case 'b':
        case 'B':
        case 'n':
        case 't':
        case 'r':
        case 'f':
        case 'v':
          out += '\\' + nx;
          continue;
        case 'a':
          out += '\\x07';
          continue;
        case 'x': {
          const braced = /^\{([0-9A-Fa-f]+)\}/.exec(pattern.slice(i));
          if (braced) {
            out += '\\u{' + braced[1] + '}';
            i += braced[0].length;
            continue;
          }
          const two = /^[0-9A-Fa-f]{2}/.exec(pattern.slice(i));
          if (!two) fail('invalid escape sequence');
          out += '\\x' + two![0];
          i += 2;
          continue;
        }
        case 'p':
        case 'P': {
          const braced = /^\{(\^?)([A-Za-z_]+)\}/.exec(pattern.slice(i));
          if (braced) {
            out += unicodeClass(braced[2]!, (nx === 'P') !== (braced[1] === '^'));
            i += braced[0].length;
            continue;
          }
          const one = pattern[i];
          if (!one || !/[A-Za-z]/.test(one)) fail('invalid character class range');
          out += unicodeClass(one!, nx === 'P');
          i += 1;
          continue;
        }
        default:
          if (/[0-7]/.test(nx!)) {
            if (nx === '0' || inClass) {
              const oct = /^[0-7]{0,2}/.exec(pattern.slice(i))![0];
              out += '\\u{' + parseInt(nx + oct, 8).toString(16) + '}';
              i += oct.length;
              continue;
            }
            fail('invalid escape sequence'); // backreferences are not RE2
          }
          if (/[A-Za-z0-9]/.test(nx!)) fail(`invalid escape sequence: \`\\${nx}\``);
          out += escapeLiteral(nx!, inClass);
          continue;
      }
    }
    if (inClass) {
      if (ch === '[' && pattern[i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(pattern.slice(i));
        if (m && POSIX[m[2]!] !== undefined) {
          if (m[1]) fail('negated POSIX classes are not supported');
          out += POSIX[m[2]!];
          i += m[0].length;
          classStart = false;
          continue;
        }
      }
      if (ch === ']' && !classStart) {
        inClass = false;
        out += ']';
        i++;
        continue;
      }
      classStart = false;
      if (ch === ']' || ch === '[' || ch === '/' || ch === '{' || ch === '}' || ch === '(' || ch === ')' || ch === '|') {
        out += '\\' + ch;
        i++;
        continue;
      }
      out += ch;
      i++;
      continue;
    }
    switch (ch) {
      case '[':
        inClass = true;
        classStart = true;
        out += '[';
        i++;
        if (pattern[i] === '^') {
          out += '^';
          i++;
        }
        continue;
      case '(':
        if (pattern[i + 1] === '?') {
          const rest = pattern.slice(i + 2);
          const named = /^P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
          if (named) {
            out += '(?<' + named[1] + '>';
            i += 2 + named[0].length;
            continue;
          }
          if (rest.startsWith(':')) {
            out += '(?:';
            i += 3;
            continue;
          }
          const fl = /^([imsU]*)(?:-([imsU]*))?([:)])/.exec(rest);
          if (!fl) fail(`invalid or unsupported Perl syntax: \`(?${rest.slice(0, 1)}\``);
          // Flags apply to the whole expression (JS has no scoped flags in Node 20).
          for (const f of fl![1]!) if (f !== 'U') flags.add(f);
          i += 2 + fl![0].length;
          if (fl![3] === ':') out += '(?:';
          continue;
        }
        out += '(';
        i++;
        continue;
      case '{': {
        const q = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
        if (q) {
          if (Number(q[1]) > 1000 || (q[3] && Number(q[3]) > 1000)) fail('invalid repeat count');
          out += q[0];
          i += q[0].length;
        } else {
          out += '\\{';
          i++;
        }
        continue;
      }
      case '}':
        out += '\\}';
        i++;
        continue;
      case '/':
        out += '\\/';
        i++;
        continue;
      case '.':
        // RE2's . excludes only \n (JS's also excludes \r, U+2028, U+2029) unless (?s).
        out += flags.has('s') ? '.' : '[^\\n]';
        i++;
        continue;
      default:
        out += ch;
        i++;
    }
  }
  if (inClass) fail('missing closing ]');
  return { source: out, flags: [...flags].join('') };
}

/** Compiles an RE2 pattern (cached per query); throws RE2SyntaxError if it is not valid RE2. */
export function compileRE2(pattern: string, cache?: Map<string, unknown>, extraFlags = ''): RegExp {
  const k = 're2\u0000' + extraFlags + '\u0000' + pattern;
  const hit = cache?.get(k);
  if (hit instanceof RegExp) {
    hit.lastIndex = 0;
    return hit;
  }
  const t = translateRE2(pattern);
  let re: RegExp;
  try {
    re = new RegExp(t.source, t.flags + extraFlags);
  } catch (e) {
    throw new RE2SyntaxError(`error parsing regexp: ${(e as Error).message}`);
  }
  cache?.set(k, re);
  return re;
}

/** Go's FindAllStringSubmatchIndex semantics: empty matches abutting a previous match are skipped. */
export function findAll(re: RegExp, s: string, limit = -1): RegExpExecArray[] {
  const g = re.global ? re : new RegExp(re.source, re.flags + 'g');
  const out: RegExpExecArray[] = [];
  let pos = 0;
  let prevEnd = -1;
  while (pos <= s.length && (limit < 0 || out.length < limit)) {
    g.lastIndex = pos;
    const m = g.exec(s);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    if (start === end) {
      if (start !== prevEnd) {
        out.push(m);
        prevEnd = end;
      }
      if (start >= s.length) break;
      pos = start + (s.codePointAt(start)! > 0xffff ? 2 : 1);
    } else {
      out.push(m);
      prevEnd = end;
      pos = end;
    }
  }
  return out;
}
