// regex.globs_match(a, b): do two "glob-like" regular expressions (literals, ., [classes], escapes,
// each optionally followed by *, + or ?) match at least one common string? Decided by a search over
// the product of the two patterns' automata.
import { builtinError, str } from './args.js';
import { def } from './registry.js';

interface CharSet {
  any: boolean;
  negated: boolean;
  ranges: [number, number][];
}
interface Token {
  set: CharSet;
  rep: '' | '*' | '+' | '?';
}

function invalid(pattern: string, pos: number, why: string): Error {
  return new Error(`input:${pattern}, pos:${pos}, ${why}: the input provided is invalid`);
}

function parseGlobRegex(p: string): Token[] {
  const cps = [...p];
  const out: Token[] = [];
  for (let i = 0; i < cps.length; ) {
    const c = cps[i]!;
    let set: CharSet;
    if (c === '*' || c === '+' || c === '?') throw invalid(p, i + 1, `repetition '${c}' with nothing to repeat`);
    if (c === ']') throw invalid(p, i + 1, "set-close ']' with no preceding '['");
    if (c === '.') {
      set = { any: true, negated: false, ranges: [] };
      i++;
    } else if (c === '\\') {
      const nx = cps[i + 1];
      if (nx === undefined) throw invalid(p, i + 1, 'escape at end of input');
      const cp = nx.codePointAt(0)!;
      set = { any: false, negated: false, ranges: [[cp, cp]] };
      i += 2;
    } else if (c === '[') {
      let j = i + 1;
      const s: CharSet = { any: false, negated: false, ranges: [] };
      if (cps[j] === '^') {
        s.negated = true;
        j++;
      }
      let closed = false;
      while (j < cps.length) {
        let ch = cps[j]!;
        if (ch === ']') {
          closed = true;
          j++;
          break;
        }
        if (ch === '\\' && j + 1 < cps.length) ch = cps[++j]!;
        const lo = ch.codePointAt(0)!;
        let hi = lo;
        if (cps[j + 1] === '-' && cps[j + 2] !== undefined && cps[j + 2] !== ']') {
          let h = cps[j + 2]!;
          if (h === '\\' && j + 3 < cps.length) {
            h = cps[j + 3]!;
            j++;
          }
          hi = h.codePointAt(0)!;
          if (hi < lo) throw invalid(p, j + 3, 'invalid range');
          j += 2;
        }
        s.ranges.push([lo, hi]);
        j++;
      }
      if (!closed) throw invalid(p, i + 1, "set-open '[' with no closing ']'");
      set = s;
      i = j;
    } else {
      const cp = c.codePointAt(0)!;
      set = { any: false, negated: false, ranges: [[cp, cp]] };
      i++;
    }
    let rep: Token['rep'] = '';
    const r = cps[i];
    if (r === '*' || r === '+' || r === '?') {
      rep = r;
      i++;
    }
    out.push({ set, rep });
  }
  return out;
}

function covered(lo: number, hi: number, ranges: [number, number][]): boolean {
  // Is every code point in [lo, hi] inside some range?
  let cur = lo;
  for (const [a, b] of [...ranges].sort((x, y) => x[0] - y[0])) {
    if (a > cur) break;
    if (b >= cur) cur = b + 1;
    if (cur > hi) return true;
  }
  return cur > hi;
}

function intersects(a: CharSet, b: CharSet): boolean {
  if (a.any || b.any) return true;
  if (a.negated && b.negated) return true;
  if (a.negated || b.negated) {
    const [pos, neg] = a.negated ? [b, a] : [a, b];
    return pos.ranges.some(([lo, hi]) => !covered(lo, hi, neg.ranges));
  }
  return a.ranges.some(([l1, h1]) => b.ranges.some(([l2, h2]) => l1 <= h2 && l2 <= h1));
}

// Automaton states: a token index (its next token to match), or -(i+1) for "within token i's +".
function closure(ts: Token[], i: number): number[] {
  // States reachable by skipping optional tokens (* and ?), starting at i.
  const out = [i];
  while (i < ts.length && (ts[i]!.rep === '*' || ts[i]!.rep === '?')) out.push(++i);
  return out;
}

function step(ts: Token[], i: number): number[] {
  // States after consuming one character with token i.
  const t = ts[i]!;
  if (t.rep === '*' || t.rep === '+') return [...closure(ts, i + 1), ...(t.rep === '*' ? [i] : []), ...(t.rep === '+' ? [-(i + 1)] : [])];
  return closure(ts, i + 1);
}

/** -(i+1) means "in token i's star part after its first (mandatory) + match". */
function tokenAt(s: number): number {
  return s < 0 ? -s - 1 : s;
}

export function globsIntersect(p1: string, p2: string): boolean {
  const a = parseGlobRegex(p1);
  const b = parseGlobRegex(p2);
  const seen = new Set<string>();
  const stack: [number, number][] = [];
  for (const x of closure(a, 0)) for (const y of closure(b, 0)) stack.push([x, y]);
  while (stack.length > 0) {
    const [x, y] = stack.pop()!;
    const k = x + ',' + y;
    if (seen.has(k)) continue;
    seen.add(k);
    if (x === a.length && y === b.length) return true;
    // A negative state is "inside token i's +, after its first match": it may consume again or leave.
    const movesA = x < 0 ? [tokenAt(x)] : x < a.length ? [x] : [];
    const movesB = y < 0 ? [tokenAt(y)] : y < b.length ? [y] : [];
    if (x < 0) for (const nx of closure(a, tokenAt(x) + 1)) stack.push([nx, y]);
    if (y < 0) for (const ny of closure(b, tokenAt(y) + 1)) stack.push([x, ny]);
    for (const i of movesA)
      for (const j of movesB) {
        if (!intersects(a[i]!.set, b[j]!.set)) continue;
        const ax = x < 0 ? [x, ...closure(a, i + 1)] : step(a, i);
        const by = y < 0 ? [y, ...closure(b, j + 1)] : step(b, j);
        for (const nx of ax) for (const ny of by) stack.push([nx, ny]);
      }
  }
  return false;
}

def('regex.globs_match', 2, (args) => {
  const a = str('regex.globs_match', args, 0);
  const b = str('regex.globs_match', args, 1);
  try {
    return globsIntersect(a, b);
  } catch (e) {
    throw builtinError('regex.globs_match', (e as Error).message);
  }
});
