// SLI error ratios over the alerting windows (5m … 3d) for many SLAs at one instant, in as few
// requests as possible: one instant query reads every window of every selected SLA from the
// recording rules `obligo:sli_error_ratio:rate<w>` (compiled by compile/prometheus.ts). SLAs for
// which no recorded series exists (rules not deployed, or not yet evaluated at that time) are then
// queried with the raw expressions the rules would have recorded, batched with `or`.
import type { Sla } from '../contract/model.js';
import { errorRatioExpr, errorRatioRecord, slaWindows } from '../compile/promql.js';
import { renderWindow } from '../contract/model.js';
import { BRANCH_LABEL, splitBranches, unionQuery, type Branch, type BatchLimits, INSTANT_BATCH_LIMITS } from './batch.js';
import { parseSimpleSum, planBranches } from './combine.js';
import type { PromSource } from './source.js';

const RECORD_PREFIX = errorRatioRecord('');

export interface WindowRatios {
  /** Per SLA key, per window: error ratio in [0, 1]; a missing window means no traffic / no data. */
  ratios: Map<string, Map<string, number>>;
  /** SLA keys whose ratios came from the recording rules. */
  fromRules: Set<string>;
  /** Queries sent (the rules query first). */
  queries: string[];
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The windows a set of SLAs needs: the standard seven plus any its burn-rate tables name. */
export function windowsFor(slas: readonly Pick<Sla, 'alerting'>[]): string[] {
  const set = new Set<string>();
  for (const s of slas) for (const w of slaWindows(s)) set.add(w);
  return [...set];
}

export function rulesQuery(slas: readonly Pick<Sla, 'contractId'>[], windows: readonly string[]): string {
  const contracts = [...new Set(slas.map((s) => s.contractId))].sort();
  const names = windows.map(escapeRegex).join('|');
  return `{__name__=~"${escapeRegex(RECORD_PREFIX)}(?:${names})",contract=~"${contracts.map(escapeRegex).join('|')}"}`;
}

function put(ratios: Map<string, Map<string, number>>, key: string, window: string, v: number): void {
  if (!Number.isFinite(v)) return;
  let m = ratios.get(key);
  if (!m) ratios.set(key, (m = new Map()));
  // Several series per SLA (an SLI that keeps a label): report the worst.
  const prev = m.get(window);
  m.set(window, prev === undefined ? v : Math.max(prev, v));
}

export async function fetchWindowRatios(
  source: PromSource,
  slas: readonly Sla[],
  atMs: number,
  opts: { useRules?: boolean; limits?: Partial<BatchLimits>; combine?: boolean } = {},
): Promise<WindowRatios> {
  const ratios = new Map<string, Map<string, number>>();
  const fromRules = new Set<string>();
  const queries: string[] = [];
  if (slas.length === 0) return { ratios, fromRules, queries };
  const byKey = new Map(slas.map((s) => [s.key, s]));
  if (opts.useRules !== false) {
    const q = rulesQuery(slas, windowsFor(slas));
    queries.push(q);
    for (const s of await source.instant(q, atMs)) {
      const key = `${s.labels.contract}/${s.labels.sla}`;
      const name = s.labels.__name__ ?? '';
      if (!byKey.has(key) || !name.startsWith(RECORD_PREFIX)) continue;
      fromRules.add(key);
      put(ratios, key, name.slice(RECORD_PREFIX.length), s.value);
    }
  }
  const rest = slas.filter((s) => !fromRules.has(s.key));
  // SLIs that are plain selector sums: read good and total per window, grouped into one selector per
  // shape (combine.ts), and divide here exactly as the rule does (no traffic → no ratio; traffic but no
  // good series → ratio 1). Others: the rule's own error-ratio expression, in `or` unions.
  const simple = (s: Sla) => opts.combine !== false && s.sli.kind !== 'errors' && parseSimpleSum(renderWindow(s.sli.good, '5m')) !== undefined && parseSimpleSum(renderWindow(s.sli.total, '5m')) !== undefined;
  const counts: Branch[] = [];
  const ratioBranches: Branch[] = [];
  rest.forEach((s, i) => {
    for (const w of slaWindows(s)) {
      if (simple(s)) {
        counts.push({ id: `${i}|${w}|g`, expr: renderWindow(s.sli.good, w) });
        counts.push({ id: `${i}|${w}|t`, expr: renderWindow(s.sli.total, w) });
      } else ratioBranches.push({ id: `${i}|${w}`, expr: errorRatioExpr(s, w), agg: 'max' });
    }
  });
  const sums = new Map<string, { good?: number; total?: number }>();
  const absorb = (id: string, v: number) => {
    const cut = id.lastIndexOf('|');
    const k = id.slice(0, cut);
    const e = sums.get(k) ?? {};
    if (id.endsWith('|g')) e.good = v;
    else e.total = v;
    sums.set(k, e);
  };
  const limits = { ...INSTANT_BATCH_LIMITS, ...opts.limits };
  const plan = planBranches(counts, true, limits.maxBranches);
  for (const c of plan.combined) {
    const values = [...c.members.keys()];
    for (let v = 0; v < values.length; v += 5000) {
      const q = c.query(values.slice(v, v + 5000));
      queries.push(q);
      for (const s of await source.instant(q, atMs)) for (const id of c.members.get(s.labels[c.label] ?? '') ?? []) absorb(id, s.value);
    }
  }
  for (const batch of splitBranches(plan.union, limits)) {
    const q = unionQuery(batch);
    queries.push(q);
    for (const s of await source.instant(q, atMs)) for (const id of plan.idsOf.get(s.labels[BRANCH_LABEL] ?? '') ?? []) absorb(id, s.value);
  }
  for (const [k, e] of sums) {
    if (e.total === undefined || !(e.total > 0)) continue;
    const sep = k.indexOf('|');
    put(ratios, rest[Number(k.slice(0, sep))]!.key, k.slice(sep + 1), 1 - (e.good ?? 0) / e.total);
  }
  for (const batch of splitBranches(ratioBranches, limits)) {
    const q = unionQuery(batch);
    queries.push(q);
    for (const s of await source.instant(q, atMs)) {
      const tag = s.labels[BRANCH_LABEL];
      if (!tag) continue;
      const sep = tag.indexOf('|');
      const sla = rest[Number(tag.slice(0, sep))];
      if (sla) put(ratios, sla.key, tag.slice(sep + 1), s.value);
    }
  }
  return { ratios, fromRules, queries };
}
