// Many SLI expressions of the same shape in ONE selector. Contracts usually differ only in one label
// value: sum(rate(m{service="a",code!~"5.."}[1m])), sum(rate(m{service="b",code!~"5.."}[1m])), …
// Those become sum by (service) (rate(m{service=~"a|b",code!~"5.."}[1m])), whose series (one per
// service value) are exactly the original sums. Prometheus evaluates that as one selector, which is
// far cheaper than an `or` of many branches (see batch.ts), and it needs one request per group.
import { promqlString } from '../compile/promql.js';
import type { Branch } from './batch.js';

export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  /** The value between the quotes (only values without quotes or backslashes are accepted). */
  value: string;
}

export interface SimpleSum {
  /** rate | increase */
  fn: string;
  metric: string;
  matchers: Matcher[];
  window: string;
}

const SIMPLE = /^\s*sum\s*\(\s*(rate|increase)\s*\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^{}]*)\}\s*\[\s*([0-9]+[smhdwy])\s*\]\s*\)\s*\)\s*$/;
const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"\\]*)"\s*$/;

/** Parse `sum(rate(metric{l="v",…}[w]))`; anything else (or any escaped value) is undefined. */
export function parseSimpleSum(expr: string): SimpleSum | undefined {
  const m = SIMPLE.exec(expr);
  if (!m) return undefined;
  const body = m[3]!.trim();
  const matchers: Matcher[] = [];
  if (body !== '') {
    // Values hold no quotes (MATCHER refuses them), so splitting on commas outside quotes is safe.
    const parts: string[] = [];
    let cur = '';
    let inQuote = false;
    for (const ch of body) {
      if (ch === '"') inQuote = !inQuote;
      if (ch === ',' && !inQuote) {
        parts.push(cur);
        cur = '';
      } else cur += ch;
    }
    if (inQuote) return undefined;
    if (cur.trim() !== '') parts.push(cur);
    for (const p of parts) {
      const x = MATCHER.exec(p);
      if (!x) return undefined;
      matchers.push({ label: x[1]!, op: x[2] as Matcher['op'], value: x[3]! });
    }
  }
  return { fn: m[1]!, metric: m[2]!, matchers, window: m[4]! };
}

/** RE2 metacharacters escaped, so that `value` matches only itself. */
export function escapeRegexValue(v: string): string {
  return v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface CombinedQuery {
  /** The label whose values tell the members apart. */
  label: string;
  /** Branch ids per label value ('' = series without the label). */
  members: Map<string, string[]>;
  /** Builds the query for a subset of the values. */
  query(values: readonly string[]): string;
}

function matcherText(m: Matcher): string {
  return `${m.label}${m.op}"${m.value}"`;
}

export interface BranchPlan {
  combined: CombinedQuery[];
  /** One branch per distinct remaining expression, ids u0, u1, …; idsOf maps them back. */
  union: Branch[];
  idsOf: Map<string, string[]>;
}

/**
 * Plan the queries for a set of branches: identical expressions are asked once; expressions of the
 * same shape that differ only in one `label="value"` matcher, with at least two distinct values,
 * become one combined selector; everything else goes into `or` unions. When unions alone need fewer
 * requests (few SLAs: a single union of `unionBatch` branches), no selector is combined.
 */
export function planBranches(branches: readonly Branch[], combine = true, unionBatch = Infinity): BranchPlan {
  // Distinct expressions (with their aggregation) → the branch ids asking for them.
  const distinct = new Map<string, { b: Branch; ids: string[] }>();
  for (const b of branches) {
    const k = `${b.agg ?? 'sum'} ${b.expr}`;
    const d = distinct.get(k);
    if (d) d.ids.push(b.id);
    else distinct.set(k, { b, ids: [b.id] });
  }
  const entries = [...distinct.values()].map((d) => ({ ...d, s: combine && (d.b.agg ?? 'sum') === 'sum' ? parseSimpleSum(d.b.expr) : undefined }));
  const eqLabels = (s: SimpleSum) =>
    s.matchers.filter((m) => m.op === '=' && s.matchers.filter((x) => x.label === m.label).length === 1).map((m) => m.label);
  const keyOf = (s: SimpleSum, label: string) =>
    JSON.stringify([s.fn, s.metric, s.window, label, s.matchers.filter((m) => m.label !== label).map(matcherText).sort()]);
  // How many distinct expressions each candidate group would hold.
  const counts = new Map<string, number>();
  for (const { s } of entries) if (s) for (const l of eqLabels(s)) counts.set(keyOf(s, l), (counts.get(keyOf(s, l)) ?? 0) + 1);

  const groups = new Map<string, { label: string; shape: SimpleSum; members: Map<string, string[]> }>();
  const union: Branch[] = [];
  const idsOf = new Map<string, string[]>();
  for (const e of entries) {
    let best: { key: string; label: string; n: number } | undefined;
    if (e.s) {
      for (const l of eqLabels(e.s)) {
        const key = keyOf(e.s, l);
        const n = counts.get(key) ?? 0;
        if (!best || n > best.n) best = { key, label: l, n };
      }
    }
    if (!e.s || !best || best.n < 2) {
      const id = `u${union.length}`;
      union.push({ ...e.b, id });
      idsOf.set(id, e.ids);
      continue;
    }
    let g = groups.get(best.key);
    if (!g) groups.set(best.key, (g = { label: best.label, shape: e.s, members: new Map() }));
    const value = e.s.matchers.find((m) => m.label === best!.label)!.value;
    g.members.set(value, [...(g.members.get(value) ?? []), ...e.ids]);
  }
  const combined: CombinedQuery[] = [];
  for (const g of groups.values()) {
    const others = g.shape.matchers.filter((m) => m.label !== g.label).map(matcherText);
    const { fn, metric, window } = g.shape;
    combined.push({
      label: g.label,
      members: g.members,
      query: (values) => {
        const re = promqlString(values.map(escapeRegexValue).join('|'));
        return `sum by (${g.label}) (${fn}(${metric}{${[`${g.label}=~${re}`, ...others].join(',')}}[${window}]))`;
      },
    });
  }
  const requests = (unionBranches: number) => Math.ceil(unionBranches / unionBatch);
  if (combined.length > 0 && requests(entries.length) < combined.length + requests(union.length)) {
    return planBranches(branches, false, unionBatch);
  }
  return { combined, union, idsOf };
}
