// SLI error ratios over the alerting windows (5m … 3d) for many SLAs at one instant, in as few
// requests as possible: one instant query reads every window of every selected SLA from the
// recording rules `obligo:sli_error_ratio:rate<w>` (compiled by compile/prometheus.ts). SLAs for
// which no recorded series exists (rules not deployed, or not yet evaluated at that time) are then
// queried with the raw expressions the rules would have recorded, batched with `or`.
//
// A series a batched answer lacks is never read as "no traffic" or as zero: it is asked again on its
// own first (a rule series, or the raw good/total/ratio expression), one series per answer. Warnings
// of the answers (partial responses) are passed on per SLA.
import type { Sla } from '../contract/model.js';
import { errorRatioExpr, errorRatioRecord, slaWindows } from '../compile/promql.js';
import { durationSeconds, renderWindow } from '../contract/model.js';
import { promqlString } from '../compile/promql.js';
import { BRANCH_LABEL, splitBranches, unionQuery, type Branch, type BatchLimits, INSTANT_BATCH_LIMITS } from './batch.js';
import { parseSimpleSum, planBranches } from './combine.js';
import { runLimited } from './run-limited.js';
import type { InstantAnswer, PromSource } from './source.js';

const RECORD_PREFIX = errorRatioRecord('');

export interface WindowRatios {
  /** Per SLA key, per window: error ratio in [0, 1]; a missing window means no traffic / no data. */
  ratios: Map<string, Map<string, number>>;
  /** SLA keys whose ratios came from the recording rules. */
  fromRules: Set<string>;
  /** Per SLA key: warnings of the answers its ratios came from (partial responses). */
  warnings: Map<string, string[]>;
  /** Queries sent (the rules query first; single re-queries last). */
  queries: string[];
  /** Expressions asked again on their own because a batched answer lacked them. */
  requeried: number;
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
  opts: { useRules?: boolean; limits?: Partial<BatchLimits>; combine?: boolean; concurrency?: number } = {},
): Promise<WindowRatios> {
  const ratios = new Map<string, Map<string, number>>();
  const fromRules = new Set<string>();
  const queries: string[] = [];
  const warnings = new Map<string, Set<string>>();
  let requeried = 0;
  const result = (): WindowRatios => ({
    ratios,
    fromRules,
    queries,
    requeried,
    warnings: new Map([...warnings].filter(([, w]) => w.size > 0).map(([k, w]) => [k, [...w].sort()])),
  });
  if (slas.length === 0) return result();
  const warn = (keys: Iterable<string>, answer: InstantAnswer) => {
    if (answer.warnings.length === 0) return;
    for (const k of keys) {
      let w = warnings.get(k);
      if (!w) warnings.set(k, (w = new Set()));
      for (const x of answer.warnings) w.add(x);
    }
  };
  const ask = async (q: string): Promise<InstantAnswer> => {
    queries.push(q);
    return source.instant(q, atMs);
  };
  const byKey = new Map(slas.map((s) => [s.key, s]));
  if (opts.useRules !== false) {
    const answer = await ask(rulesQuery(slas, windowsFor(slas)));
    warn(byKey.keys(), answer);
    for (const s of answer.samples) {
      const key = `${s.labels.contract}/${s.labels.sla}`;
      const name = s.labels.__name__ ?? '';
      if (!byKey.has(key) || !name.startsWith(RECORD_PREFIX)) continue;
      fromRules.add(key);
      put(ratios, key, name.slice(RECORD_PREFIX.length), s.value);
    }
  }
  // What the rules did not answer is read from the raw expressions, batched: every window of an SLA without
  // any recorded series, and the windows a recorded SLA lacks (a rule not evaluated yet, a group that overran
  // its interval, or a series a batched answer dropped). Only what the batched raw answers lack too is then
  // asked alone.
  const rest = slas.filter((s) => !fromRules.has(s.key) || slaWindows(s).some((w) => !ratios.get(s.key)?.has(w)));
  const windowsOf = (s: Sla) => slaWindows(s).filter((w) => !fromRules.has(s.key) || !ratios.get(s.key)?.has(w));
  // SLIs that are plain selector sums: read good and total per window, grouped into one selector per
  // shape (combine.ts), and divide here exactly as the rule does (no traffic → no ratio; traffic but no
  // good series → ratio 1). Others: the rule's own error-ratio expression, in `or` unions.
  const simple = (s: Sla) => opts.combine !== false && s.sli.kind !== 'errors' && parseSimpleSum(renderWindow(s.sli.good, '5m')) !== undefined && parseSimpleSum(renderWindow(s.sli.total, '5m')) !== undefined;
  const counts: Branch[] = [];
  const ratioBranches: Branch[] = [];
  rest.forEach((s, i) => {
    for (const w of windowsOf(s)) {
      if (simple(s)) {
        counts.push({ id: `${i}|${w}|g`, expr: renderWindow(s.sli.good, w) });
        counts.push({ id: `${i}|${w}|t`, expr: renderWindow(s.sli.total, w) });
      } else ratioBranches.push({ id: `${i}|${w}`, expr: errorRatioExpr(s, w), agg: 'max' });
    }
  });
  const keyOfId = (id: string) => rest[Number(id.slice(0, id.indexOf('|')))]!.key;
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
      const asked = values.slice(v, v + 5000);
      const a = await ask(c.query(asked));
      warn(asked.flatMap((x) => c.members.get(x) ?? []).map(keyOfId), a);
      for (const s of a.samples) for (const id of c.members.get(s.labels[c.label] ?? '') ?? []) absorb(id, s.value);
    }
  }
  for (const batch of splitBranches(plan.union, limits)) {
    const a = await ask(unionQuery(batch));
    warn(batch.flatMap((b) => plan.idsOf.get(b.id) ?? []).map(keyOfId), a);
    for (const s of a.samples) for (const id of plan.idsOf.get(s.labels[BRANCH_LABEL] ?? '') ?? []) absorb(id, s.value);
  }
  // Re-ask, alone, every total the batched answers lacked, then every good lacking beside a total.
  const single = async (id: string, expr: string, agg?: 'max') => {
    requeried++;
    const a = await ask(unionQuery([{ id: 's', expr, agg }]));
    warn([keyOfId(id)], a);
    const hit = a.samples.filter((s) => s.labels[BRANCH_LABEL] === 's');
    return hit.length === 1 ? hit[0]!.value : undefined;
  };
  const exprOf = new Map(counts.map((b) => [b.id, b.expr]));
  const pairs = [...new Set(counts.map((b) => b.id.slice(0, b.id.lastIndexOf('|'))))];
  // Totals no batched answer held: before "no traffic" is believed, each SLA's total over its longest missing
  // window is asked alone; absent there, the SLA had no traffic in any shorter window either (one request
  // per quiet SLA, not one per window). Present there, each missing window is asked alone.
  const lackingTotal = new Map<number, string[]>();
  for (const k of pairs) {
    if (sums.get(k)?.total !== undefined) continue;
    const i = Number(k.slice(0, k.indexOf('|')));
    lackingTotal.set(i, [...(lackingTotal.get(i) ?? []), k.slice(k.indexOf('|') + 1)]);
  }
  const seconds = (w: string) => durationSeconds(w);
  await runLimited(
    [...lackingTotal].map(([i, ws]) => async () => {
      const longest = [...ws].sort((a, b) => seconds(b) - seconds(a))[0]!;
      const probe = await single(`${i}|${longest}|t`, exprOf.get(`${i}|${longest}|t`)!);
      if (probe === undefined) return;
      absorb(`${i}|${longest}|t`, probe);
      for (const w of ws) {
        if (w === longest) continue;
        const v = await single(`${i}|${w}|t`, exprOf.get(`${i}|${w}|t`)!);
        if (v !== undefined) absorb(`${i}|${w}|t`, v);
      }
    }),
    opts.concurrency ?? 4,
  );
  await runLimited(
    pairs
      .filter((k) => sums.get(k)?.total !== undefined && sums.get(k)?.good === undefined)
      .map((k) => async () => {
        const v = await single(`${k}|g`, exprOf.get(`${k}|g`)!);
        if (v !== undefined) absorb(`${k}|g`, v);
      }),
    opts.concurrency ?? 4,
  );
  for (const [k, e] of sums) {
    if (e.total === undefined || !(e.total > 0)) continue;
    const sep = k.indexOf('|');
    put(ratios, rest[Number(k.slice(0, sep))]!.key, k.slice(sep + 1), 1 - (e.good ?? 0) / e.total);
  }
  const gotRatio = new Set<string>();
  for (const batch of splitBranches(ratioBranches, limits)) {
    const a = await ask(unionQuery(batch));
    warn(batch.map((b) => keyOfId(b.id)), a);
    for (const s of a.samples) {
      const tag = s.labels[BRANCH_LABEL];
      if (!tag) continue;
      gotRatio.add(tag);
      const sep = tag.indexOf('|');
      const sla = rest[Number(tag.slice(0, sep))];
      if (sla) put(ratios, sla.key, tag.slice(sep + 1), s.value);
    }
  }
  // Ratios no batched answer held: the longest missing window of each SLA alone first (absent: no traffic
  // in any of its windows), then, when it has traffic, each missing window alone.
  const lackingRatio = new Map<number, Branch[]>();
  for (const b of ratioBranches) {
    if (gotRatio.has(b.id)) continue;
    const i = Number(b.id.slice(0, b.id.indexOf('|')));
    lackingRatio.set(i, [...(lackingRatio.get(i) ?? []), b]);
  }
  const windowOf = (b: Branch) => b.id.slice(b.id.indexOf('|') + 1);
  await runLimited(
    [...lackingRatio].map(([, bs]) => async () => {
      const sorted = [...bs].sort((a, b) => durationSeconds(windowOf(b)) - durationSeconds(windowOf(a)));
      const probe = await single(sorted[0]!.id, sorted[0]!.expr, 'max');
      if (probe === undefined) return;
      put(ratios, keyOfId(sorted[0]!.id), windowOf(sorted[0]!), probe);
      for (const b of sorted.slice(1)) {
        const v = await single(b.id, b.expr, 'max');
        if (v !== undefined) put(ratios, keyOfId(b.id), windowOf(b), v);
      }
    }),
    opts.concurrency ?? 4,
  );
  return result();
}
