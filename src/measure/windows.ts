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
import { renderWindow } from '../contract/model.js';
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

/** The recorded series of one SLA and window, alone. */
function ruleSeriesQuery(sla: Pick<Sla, 'contractId' | 'id'>, window: string): string {
  return `${errorRatioRecord(window)}{contract=${promqlString(sla.contractId)},sla=${promqlString(sla.id)}}`;
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
    // A window the rules answer lacks for an SLA it has others of: that one series, alone.
    const singles: Array<() => Promise<void>> = [];
    for (const key of fromRules) {
      const sla = byKey.get(key)!;
      for (const w of slaWindows(sla)) {
        if (ratios.get(key)?.has(w)) continue;
        singles.push(async () => {
          requeried++;
          const a = await ask(ruleSeriesQuery(sla, w));
          warn([key], a);
          if (a.samples.length === 1) put(ratios, key, w, a.samples[0]!.value);
        });
      }
    }
    await runLimited(singles, opts.concurrency ?? 4);
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
  await runLimited(
    pairs
      .filter((k) => sums.get(k)?.total === undefined)
      .map((k) => async () => {
        const v = await single(`${k}|t`, exprOf.get(`${k}|t`)!);
        if (v !== undefined) absorb(`${k}|t`, v);
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
  await runLimited(
    ratioBranches
      .filter((b) => !gotRatio.has(b.id))
      .map((b) => async () => {
        const v = await single(b.id, b.expr, 'max');
        if (v !== undefined) put(ratios, keyOfId(b.id), b.id.slice(b.id.indexOf('|') + 1), v);
      }),
    opts.concurrency ?? 4,
  );
  return result();
}
