// Go's regular expressions (RE2 syntax and semantics) for the regex.* builtins, through re2js, a
// port of RE2: matching takes time linear in the input whatever the pattern, so a policy cannot hang
// the process with a pattern like (a+)+$ (JavaScript's backtracking RegExp would). Constructs RE2
// rejects (lookaround, backreferences) are syntax errors, as in OPA.
import { RE2JS } from 're2js';

export class RE2SyntaxError extends Error {}

/** A compiled RE2 pattern. */
export interface RE2 {
  /** whether the pattern matches somewhere in s */
  test(s: string): boolean;
  readonly pattern: RE2JS;
}

/** One match: offsets in UTF-16 units, groups[0] the whole match (undefined: group did not take part). */
export interface RE2Match {
  index: number;
  end: number;
  groups: (string | undefined)[];
  named: Record<string, string | undefined>;
}

/** Compiles an RE2 pattern (cached per query); throws RE2SyntaxError if it is not valid RE2. */
export function compileRE2(pattern: string, cache?: Map<string, unknown>): RE2 {
  const k = 're2\u0000' + pattern;
  const hit = cache?.get(k) as RE2 | undefined;
  if (hit) return hit;
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (e) {
    throw new RE2SyntaxError((e as Error).message);
  }
  const re: RE2 = { pattern: compiled, test: (s) => compiled.matcher(s).find() };
  cache?.set(k, re);
  return re;
}

/** Go's FindAllStringSubmatchIndex semantics: empty matches abutting a previous match are skipped. */
export function findAll(re: RE2, s: string, limit = -1): RE2Match[] {
  const out: RE2Match[] = [];
  const m = re.pattern.matcher(s);
  const n = re.pattern.groupCount();
  const names = Object.keys(re.pattern.namedGroups() ?? {});
  let pos = 0;
  let prevEnd = -1;
  while (pos <= s.length && (limit < 0 || out.length < limit)) {
    if (!m.find(pos)) break;
    const start = m.start();
    const end = m.end();
    const take = (): void => {
      const groups: (string | undefined)[] = [];
      for (let i = 0; i <= n; i++) groups.push(m.group(i) ?? undefined);
      const named: Record<string, string | undefined> = {};
      for (const name of names) named[name] = m.group(name) ?? undefined;
      out.push({ index: start, end, groups, named });
      prevEnd = end;
    };
    if (start === end) {
      if (start !== prevEnd) take();
      if (start >= s.length) break;
      pos = start + (s.codePointAt(start)! > 0xffff ? 2 : 1);
    } else {
      take();
      pos = end;
    }
  }
  return out;
}
