// measureTargets and its helpers at their edges (found by mutation testing, issue 13): what a fetch says
// about each slice (gap, silence, not yet), hour blocks, stored-rollup fields, the evidence of where hours
// came from, persisting only old enough complete hours, the error naming SLAs without a source, and the
// period-to-date state. Ground truth: counts and times chosen here; Prometheus is table-source.ts.
import { describe, expect, it } from 'vitest';
import { loadContractText } from '../../src/contract/load.js';
import type { Contract } from '../../src/contract/model.js';
import type { SliceFetch } from '../../src/measure/fetch-slices.js';
import {
  bucketByBlock,
  hourBlocks,
  isCompleteRollup,
  measureTargets,
  MissingDataSourceError,
  observationsFromFetch,
  PeriodState,
  slicePasses,
  toStoredRollup,
  usesRollups,
} from '../../src/measure/measure-slas.js';
import { definitionHash } from '../../src/measure/definition-hash.js';
import { parsePeriodLabel } from '../../src/slo/periods.js';
import { RollupStore } from '../../src/store/sqlite.js';
import { oneEventsSla } from './one-sla.js';
import { TableSource, type ValueFn } from './table-source.js';

const M = 60_000;
const H = 3_600_000;
const PERIOD = parsePeriodLabel('2026-04', 'UTC');
const START = PERIOD.start;

function contract(id = 'm', slas = 1): Contract {
  const sla = (k: number) => `
  - id: s${k}
    objective: 99
    period: month
    sli: { good: 'sum(rate(g[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))' }
    measurement: { method: events }
    credits: { tiers: [ { below: 99, percent: 10 } ] }`;
  const r = loadContractText(
    `${id}.yaml`,
    `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: ${id}, title: M }
role: provider
parties: { vendor: { name: Us }, customer: { name: Them } }
term: { start: 2026-01-01, timezone: UTC }
fees: { currency: USD, monthly: 100 }
slas:${Array.from({ length: slas }, (_, k) => sla(k)).join('')}
`,
  );
  if (!r.contract) throw new Error(r.issues.map((i) => i.message).join('; '));
  return r.contract;
}

/** 10 requests a minute, 9 good; no sample at all from `until` on. */
function table(until = Infinity): Map<string, ValueFn> {
  return new Map<string, ValueFn>([
    ['sum(rate(g[1m]))', (end) => (end - M >= until ? undefined : 9 / 60)],
    ['sum(rate(t[1m]))', (end) => (end - M >= until ? undefined : 10 / 60)],
  ]);
}
const targets = (c: Contract) => c.slas.map((sla) => ({ contract: c, sla, period: PERIOD }));
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

describe('observationsFromFetch', () => {
  const fetch = (over: Partial<SliceFetch>): SliceFetch => ({ observations: [], totalSeen: true, goodSeen: true, warnings: [], requeried: [], ...over });
  const q = { from: 0, to: 10 };
  const gap = (start: number) => ({ start, good: null, total: null, gap: true });

  it('a slice without total is a gap when the series exists; without good, a gap when the good series exists elsewhere', () => {
    const f = fetch({ observations: [{ start: 0, good: 1, total: 1 }, { start: 2, good: null, total: 3 }, { start: 3, good: 2, total: null }] });
    const r = observationsFromFetch(f, q, 1, false, 100);
    expect(r.measuredTo).toBe(10);
    expect(r.observations).toEqual([{ start: 0, good: 1, total: 1 }, gap(1), gap(2), gap(3), gap(4), gap(5), gap(6), gap(7), gap(8), gap(9)]);
    // no good series anywhere: a slice with total and no good is 0 good (kept as it is)
    const noGood = observationsFromFetch({ ...f, goodSeen: false }, q, 1, false, 100);
    expect(noGood.observations[2]).toEqual({ start: 2, good: null, total: 3 });
  });

  it('no total series in the fetch nor elsewhere: silence (no observation), whatever the good series says', () => {
    const f = fetch({ observations: [{ start: 1, good: 5, total: null }], totalSeen: false });
    expect(observationsFromFetch(f, q, 1, false, -100)).toEqual({ observations: [], measuredTo: 10 });
    // the series seen elsewhere in the period (stored hours): gaps
    const elsewhere = observationsFromFetch(f, q, 1, true, 100);
    expect(elsewhere.observations).toHaveLength(10);
    expect(elsewhere.observations.every((o) => o.gap === true)).toBe(true);
  });

  it('trailing slices without data that end after `notYetAfter` are not measured yet; the cut stops at the first slice with a total', () => {
    const f = fetch({ observations: [{ start: 0, good: 1, total: 1 }, { start: 3, good: 1, total: 1 }] });
    expect(observationsFromFetch(f, q, 1, false, 5).measuredTo).toBe(5);
    expect(observationsFromFetch(f, q, 1, false, 5).observations.map((o) => o.start)).toEqual([0, 1, 2, 3, 4]);
    expect(observationsFromFetch(f, q, 1, false, 0).measuredTo).toBe(4);
    // nothing at all and everything too recent: down to the start of the range, not below
    expect(observationsFromFetch(fetch({ totalSeen: false }), q, 1, true, -5)).toEqual({ observations: [], measuredTo: 0 });
    expect(observationsFromFetch(fetch({ totalSeen: false }), { from: 4, to: 10 }, 2, true, 7)).toEqual({ observations: [gap(4)], measuredTo: 6 });
  });
});

describe('hour blocks and stored rollups', () => {
  it('hourBlocks: the blocks overlapping [from, to), from the hour containing `from`; nothing for an empty range', () => {
    expect(hourBlocks(PERIOD, START + 90 * M, START + 3 * H)).toEqual([
      { start: START + H, end: START + 2 * H },
      { start: START + 2 * H, end: START + 3 * H },
    ]);
    expect(hourBlocks(PERIOD, START, START)).toEqual([]);
    expect(hourBlocks(PERIOD, START + H, START)).toEqual([]);
    expect(hourBlocks(PERIOD, START, START + 1)).toEqual([{ start: START, end: START + H }]);
    expect(hourBlocks(PERIOD, PERIOD.end - 1, PERIOD.end + 5 * H)).toEqual([{ start: PERIOD.end - H, end: PERIOD.end }]);
  });

  it('bucketByBlock groups observations by the hour block they start in', () => {
    const b = bucketByBlock([{ start: START }, { start: START + H - 1 }, { start: START + H }, { start: START + 5 * H + 1 }], START);
    expect([...b.entries()]).toEqual([
      [START, [{ start: START }, { start: START + H - 1 }]],
      [START + H, [{ start: START + H }]],
      [START + 5 * H, [{ start: START + 5 * H + 1 }]],
    ]);
  });

  it('toStoredRollup counts slices per status and excluded minutes by the slice length; a gap makes a rollup incomplete', () => {
    const c = contract();
    const r = { start: START, sliceSeconds: 300, statuses: 'ggbnxx?.', goodSum: '12.5', totalSum: '20', errorRatioSum: '0', clampedSlices: 0 };
    expect(toStoredRollup({ contract: c, sla: c.slas[0]!, period: PERIOD }, 'h', r, START, 'http://p', 7)).toEqual({
      contract: 'm',
      sla: 's0',
      definitionHash: 'h',
      hourStart: START,
      goodEvents: 12.5,
      totalEvents: 20,
      goodSlices: 2,
      badSlices: 1,
      noDataSlices: 1,
      excludedMinutes: 10,
      summary: r,
      source: 'http://p',
      computedAt: 7,
    });
    expect(isCompleteRollup(r)).toBe(false);
    expect(isCompleteRollup({ ...r, statuses: 'ggbnxx.' })).toBe(true);
  });
});

describe('measureTargets', () => {
  it('names at most three SLAs without a source, and how many more', async () => {
    const c = contract('big', 5);
    const err = await measureTargets(targets(c), { asOf: START + 2 * H }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingDataSourceError);
    expect((err as Error).name).toBe('MissingDataSourceError');
    expect((err as Error).message).toBe('no Prometheus URL given and the rollup store does not cover big/s0, big/s1, big/s2 and 2 more (use --prometheus URL or run `obligo rollup`)');
    const three = await measureTargets(targets(contract('t', 3)), { asOf: START + 2 * H }).catch((e: unknown) => e);
    expect((three as Error).message).toBe('no Prometheus URL given and the rollup store does not cover t/s0, t/s1, t/s2 (use --prometheus URL or run `obligo rollup`)');
  });

  it('evidence: which hours came from the store and which from Prometheus, as runs; the queries; the hash', async () => {
    const c = contract();
    const store = RollupStore.open(':memory:');
    const first = await measureTargets(targets(c), { asOf: START + 2 * H + 30 * M, source: new TableSource(table()), store, persist: true, now: () => 5 });
    // hours 0 and 1 ended more than 5 minutes before asOf: stored; hour 2 is still running
    expect(first[0]!.freshRollups.map((r) => [r.hourStart, r.computedAt, r.source])).toEqual([
      [START, 5, 'http://table.invalid'],
      [START + H, 5, 'http://table.invalid'],
    ]);
    expect(store.count()).toBe(2);
    const src = new TableSource(table());
    const [m] = await measureTargets(targets(c), { asOf: START + 4 * H + 30 * M, source: src, store });
    expect(m!.evidence).toEqual({
      source: 'rollups+prometheus',
      prometheusUrl: 'http://table.invalid',
      queries: ['sum(rate(g[1m]))', 'sum(rate(t[1m]))'],
      rollupHours: 2,
      prometheusHours: 3,
      hours: [
        { from: iso(START), to: iso(START + 2 * H), hours: 2, source: 'rollup' },
        { from: iso(START + 2 * H), to: iso(START + 5 * H), hours: 3, source: 'prometheus' },
      ],
      requeried: [],
      warnings: [],
      definitionHash: definitionHash(c, c.slas[0]!),
    });
    expect(m!.measurement.achievedDecimal).toBe('90');
    expect(m!.measuredThrough).toBe(START + 4 * H + 30 * M);
    expect(m!.observations).toBeUndefined();
    // everything stored: no Prometheus, no URL in the evidence
    const [onlyStore] = await measureTargets(targets(c), { asOf: START + 2 * H, store });
    expect(onlyStore!.evidence).toMatchObject({ source: 'rollups', rollupHours: 2, prometheusHours: 0, hours: [{ from: iso(START), to: iso(START + 2 * H), hours: 2, source: 'rollup' }] });
    expect(onlyStore!.evidence.prometheusUrl).toBeUndefined();
    store.close();
  });

  it('persists only hours that ended persistLagMs before asOf, only with persist and a store', async () => {
    const c = contract();
    const store = RollupStore.open(':memory:');
    const asOf = START + 2 * H + 10 * M;
    const r = await measureTargets(targets(c), { asOf, source: new TableSource(table()), store, persist: true, persistLagMs: 70 * M });
    expect(r[0]!.freshRollups.map((x) => x.hourStart)).toEqual([START]);
    expect(store.count()).toBe(1);
    const exact = await measureTargets(targets(c), { asOf, source: new TableSource(table()), store, persist: true, persistLagMs: 10 * M, ignoreRollups: true });
    expect(exact[0]!.freshRollups.map((x) => x.hourStart)).toEqual([START, START + H]);
    expect(store.count()).toBe(2);
    const other = RollupStore.open(':memory:');
    await measureTargets(targets(c), { asOf, source: new TableSource(table()), store: other, persistLagMs: 0 });
    expect(other.count()).toBe(0);
    other.close();
    store.close();
  });

  it('a partial answer is flagged and nothing from it is persisted', async () => {
    const c = contract();
    const store = RollupStore.open(':memory:');
    const src = new TableSource(table());
    src.warnings = ['partial'];
    const [m] = await measureTargets(targets(c), { asOf: START + 3 * H, source: src, store, persist: true });
    expect(m!.freshRollups).toEqual([]);
    expect(m!.measurement.flags).toContain('partial-response');
    expect(m!.evidence.warnings).toEqual(['partial']);
    expect(store.count()).toBe(0);
    store.close();
  });

  it('data that stopped arriving: not measured yet within the ingest delay, a gap beyond it', async () => {
    const c = contract();
    const stop = START + 2 * H;
    const [recent] = await measureTargets(targets(c), { asOf: stop + 2 * M, source: new TableSource(table(stop)) });
    expect(recent!.measuredThrough).toBe(stop);
    expect(recent!.measurement.flags).not.toContain('gaps');
    const [late] = await measureTargets(targets(c), { asOf: stop + 4 * M, source: new TableSource(table(stop)) });
    // the slice [stop, stop + 1 min) ended more than 3 minutes before asOf: a gap; the later ones are not yet due
    expect(late!.measuredThrough).toBe(stop + M);
    expect(late!.measurement.flags).toContain('gaps');
    const [custom] = await measureTargets(targets(c), { asOf: stop + 4 * M, source: new TableSource(table(stop)), ingestDelayMs: 5 * M });
    expect(custom!.measuredThrough).toBe(stop);
  });

  it('completeHoursOnly stops at the start of the hour of asOf; after the period end it measures the whole period', async () => {
    const c = contract();
    const [m] = await measureTargets(targets(c), { asOf: START + 2 * H + 30 * M, source: new TableSource(table()), completeHoursOnly: true });
    expect(m!.measuredThrough).toBe(START + 2 * H);
    expect(m!.measurement.measuredMinutes).toBe(120);
    expect(m!.evidence.hours).toEqual([{ from: iso(START), to: iso(START + 2 * H), hours: 2, source: 'prometheus' }]);
    const [atStart] = await measureTargets(targets(c), { asOf: START + 10 * M, source: new TableSource(table()), completeHoursOnly: true });
    expect(atStart!.measuredThrough).toBe(START);
    expect(atStart!.evidence.source).toBe('none');
  });

  it('keepObservations returns the slices read; recentMs bounds the recent slices kept', async () => {
    const c = contract();
    const [m] = await measureTargets(targets(c), { asOf: START + 2 * H, source: new TableSource(table()), keepObservations: true, recentMs: 30 * M });
    expect(m!.observations).toHaveLength(120);
    expect(m!.observations![0]).toEqual({ start: START, good: 9, total: 10 });
    expect(m!.recent).toEqual({ grid: { origin: START, sliceMs: M }, firstIndex: 90, statuses: 'b'.repeat(30) });
    const [d] = await measureTargets(targets(c), { asOf: START + 2 * H, source: new TableSource(table()) });
    expect(d!.recent.statuses).toHaveLength(120);
  });

  it('an SLA whose slice does not divide an hour is measured from raw slices, without hour blocks', async () => {
    const c = contract();
    const s = c.slas[0]!;
    const odd = { ...s, measurement: { ...s.measurement, slice: '7m', sliceSeconds: 420 } };
    expect(usesRollups(odd)).toBe(false);
    const t = new Map<string, ValueFn>([
      ['sum(rate(g[7m]))', () => 9 / 60],
      ['sum(rate(t[7m]))', () => 10 / 60],
    ]);
    const store = RollupStore.open(':memory:');
    const [m] = await measureTargets([{ contract: c, sla: odd, period: PERIOD }], { asOf: START + H + 5 * M, source: new TableSource(t), store, persist: true, state: new PeriodState() });
    // 65 minutes: 9 whole 7-minute slices (63 minutes) from the period start
    expect(m!.measurement.measuredMinutes).toBe(63);
    expect(m!.measurement.achievedDecimal).toBe('90');
    expect(m!.evidence).toMatchObject({ source: 'prometheus', rollupHours: 0, prometheusHours: 0, hours: [] });
    expect(m!.freshRollups).toEqual([]);
    expect(store.count()).toBe(0);
    store.close();
  });

  it('before the term: nothing to measure, no request', async () => {
    const c = contract();
    const early = parsePeriodLabel('2025-11', 'UTC');
    const src = new TableSource(table());
    const [m] = await measureTargets([{ contract: c, sla: c.slas[0]!, period: early }], { asOf: early.end, source: src });
    expect(m!.evidence.source).toBe('none');
    expect(src.requests).toBe(0);
    expect(m!.measurement.flags).toContain('outside-term');
  });
});

describe('PeriodState', () => {
  it('keys by SLA, definition and period start; prune forgets what was not used since the last prune', async () => {
    const c = contract('st', 2);
    const state = new PeriodState();
    const asOf = START + 2 * H + 10 * M;
    await measureTargets(targets(c), { asOf, source: new TableSource(table()), state, persistLagMs: 0 });
    expect(state.size).toBe(2);
    state.prune();
    expect(state.size).toBe(2);
    // only the first SLA evaluated: the second is forgotten at the next prune
    const src = new TableSource(table());
    const [m] = await measureTargets(targets(c).slice(0, 1), { asOf: asOf + 5 * M, source: src, state, persistLagMs: 0 });
    expect(m!.measurement.achievedDecimal).toBe('90');
    expect(m!.evidence.hours).toEqual([{ from: iso(START), to: iso(START + 3 * H), hours: 3, source: 'prometheus' }]);
    // the complete hours came from the state: only the current hour was read
    expect(src.log.every((r) => r.start > START + 2 * H)).toBe(true);
    state.prune();
    expect(state.size).toBe(1);
    expect(PeriodState.key(targets(c)[0]!, 'h')).toBe(`st/s0\u0000h\u0000${START}`);
  });
});

// Part 4b (issue 13): planAsOf, the plans (stored hours, queries), passes and the per-SLA result.
describe('measureTargets: plans, passes and results', () => {
  /** A contract of `slas` SLAs like contract(), with its term in `zone` and an optional last day. */
  const zoned = (zone: string, termEnd?: string, id = 'z'): Contract => oneEventsSla({ id, slaId: 's0', zone, termEnd });
  const withSlice = (c: Contract, slice: string, sliceSeconds: number) => {
    const s = c.slas[0]!;
    return { ...s, measurement: { ...s.measurement, slice, sliceSeconds } };
  };

  it('completeHoursOnly at or after the end of a period of 720.5 hours (Lord Howe, April 2026) measures all of it', async () => {
    const c = zoned('Australia/Lord_Howe');
    const period = parsePeriodLabel('2026-04', 'Australia/Lord_Howe');
    expect((period.end - period.start) / H).toBe(720.5);
    const t = [{ contract: c, sla: c.slas[0]!, period }];
    // the period is over: its last half hour is complete, nothing is cut to a whole hour
    for (const asOf of [period.end, period.end + 10 * M]) {
      const [m] = await measureTargets(t, { asOf, source: new TableSource(table()), completeHoursOnly: true });
      expect(m!.measuredThrough).toBe(asOf);
      expect(m!.measurement.measuredMinutes).toBe(720 * 60 + 30);
      expect(m!.evidence.prometheusHours).toBe(721);
    }
    // within the period: cut to the start of asOf's hour block
    const [inside] = await measureTargets(t, { asOf: period.end - 10 * M, source: new TableSource(table()), completeHoursOnly: true });
    expect(inside!.measuredThrough).toBe(period.start + 720 * H);
    expect(inside!.measurement.measuredMinutes).toBe(720 * 60);
  });

  it('a period before the term with a store: no stored hour is read, nothing to measure', async () => {
    const c = contract();
    const early = parsePeriodLabel('2025-11', 'UTC');
    const store = RollupStore.open(':memory:');
    const [m] = await measureTargets([{ contract: c, sla: c.slas[0]!, period: early }], { asOf: early.end, store });
    expect(m!.evidence).toMatchObject({ source: 'none', rollupHours: 0, prometheusHours: 0, hours: [] });
    expect(m!.measurement.flags).toContain('outside-term');
    store.close();
  });

  it('less than one slice into the period: nothing to read, so no Prometheus is needed (raw and rollup SLAs)', async () => {
    const c = contract();
    // 7-minute slices (raw): 5 minutes in, no slice has ended
    const odd = withSlice(c, '7m', 420);
    const src = new TableSource(table());
    const [raw] = await measureTargets([{ contract: c, sla: odd, period: PERIOD }], { asOf: START + 5 * M, source: src });
    expect(raw!.evidence).toMatchObject({ source: 'none', requeried: [], warnings: [] });
    expect(raw!.evidence.prometheusUrl).toBeUndefined();
    expect(src.requests).toBe(0);
    const [rawNoSource] = await measureTargets([{ contract: c, sla: odd, period: PERIOD }], { asOf: START + 5 * M });
    expect(rawNoSource!.evidence.source).toBe('none');
    // 1-minute slices: 30 seconds in
    const src1 = new TableSource(table());
    const [m] = await measureTargets(targets(c), { asOf: START + 30_000, source: src1 });
    expect(m!.evidence).toMatchObject({ source: 'none', requeried: [], warnings: [] });
    expect(src1.requests).toBe(0);
    const [noSource] = await measureTargets(targets(c), { asOf: START + 30_000 });
    expect(noSource!.measurement.measuredMinutes).toBe(0);
  });

  it('a stored hour with a gap (not written by obligo) is not trusted: that hour is read again from Prometheus', async () => {
    const c = contract();
    const sla = c.slas[0]!;
    const store = RollupStore.open(':memory:');
    const gaps = { start: START, sliceSeconds: 60, statuses: '?'.repeat(60), goodSum: '0', totalSum: '0', errorRatioSum: '0', clampedSlices: 0 };
    store.upsert([toStoredRollup({ contract: c, sla, period: PERIOD }, definitionHash(c, sla), gaps, START, 'http://elsewhere', 1)]);
    const [m] = await measureTargets(targets(c), { asOf: START + 2 * H, source: new TableSource(table()), store });
    expect(m!.evidence).toMatchObject({ source: 'prometheus', rollupHours: 0, prometheusHours: 2 });
    expect(m!.measurement.measuredMinutes).toBe(120);
    expect(m!.measurement.flags).not.toContain('gaps');
    expect(m!.measurement.achievedDecimal).toBe('90');
    store.close();
  });

  it('a stored hour that has not ended by asOf (stored by a later run) is read from Prometheus again', async () => {
    const c = contract();
    const store = RollupStore.open(':memory:');
    await measureTargets(targets(c), { asOf: START + 4 * H, source: new TableSource(table()), store, persist: true });
    expect(store.count()).toBe(3); // hours 0, 1, 2
    const src = new TableSource(table());
    const [m] = await measureTargets(targets(c), { asOf: START + 2 * H + 30 * M, source: src, store });
    expect(m!.evidence).toMatchObject({ source: 'rollups+prometheus', rollupHours: 2, prometheusHours: 1 });
    expect(m!.measurement.measuredMinutes).toBe(150);
    expect(m!.measuredThrough).toBe(START + 2 * H + 30 * M);
    expect(src.log.every((r) => r.start > START + 2 * H && r.end <= START + 2 * H + 30 * M)).toBe(true);
    store.close();
  });

  it('without a source, the error names only the SLAs the store does not cover', async () => {
    const c = contract('k', 2);
    const store = RollupStore.open(':memory:');
    await measureTargets(targets(c).slice(0, 1), { asOf: START + 3 * H, source: new TableSource(table()), store, persist: true });
    const err = await measureTargets(targets(c), { asOf: START + 2 * H, store }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingDataSourceError);
    expect((err as Error).message).toBe('no Prometheus URL given and the rollup store does not cover k/s1 (use --prometheus URL or run `obligo rollup`)');
    // the covered one alone needs no source
    const [only] = await measureTargets(targets(c).slice(0, 1), { asOf: START + 2 * H, store, keepObservations: true });
    expect(only!.measurement.achievedDecimal).toBe('90');
    store.close();
  });

  it('measured from the store alone: no slices read, no re-queried expressions, no warnings', async () => {
    const c = contract();
    const store = RollupStore.open(':memory:');
    await measureTargets(targets(c), { asOf: START + 3 * H, source: new TableSource(table()), store, persist: true });
    const [m] = await measureTargets(targets(c), { asOf: START + 2 * H, store, keepObservations: true });
    expect(m!.observations).toEqual([]);
    expect(m!.evidence).toEqual({
      source: 'rollups',
      prometheusUrl: undefined,
      queries: ['sum(rate(g[1m]))', 'sum(rate(t[1m]))'],
      rollupHours: 2,
      prometheusHours: 0,
      hours: [{ from: iso(START), to: iso(START + 2 * H), hours: 2, source: 'rollup' }],
      requeried: [],
      warnings: [],
      definitionHash: definitionHash(c, c.slas[0]!),
    });
    expect(m!.measurement.achievedDecimal).toBe('90');
    store.close();
  });

  it('an expression the batched answer lacked is named in the evidence (requeried)', async () => {
    const c = contract();
    // only the total series exists (a service that has only failed)
    const src = new TableSource(new Map<string, ValueFn>([['sum(rate(t[1m]))', () => 10 / 60]]));
    const [m] = await measureTargets(targets(c), { asOf: START + H, source: src });
    expect(m!.evidence.requeried).toEqual(['good']);
    expect(m!.measurement.achievedDecimal).toBe('0');
  });

  it('stored hours that saw the series make its later absence gaps, not silence', async () => {
    const c = contract();
    const stop = START + 2 * H;
    const store = RollupStore.open(':memory:');
    await measureTargets(targets(c), { asOf: stop + 10 * M, source: new TableSource(table(stop)), store, persist: true });
    expect(store.count()).toBe(2);
    const asOf = START + 4 * H + 30 * M;
    const [m] = await measureTargets(targets(c), { asOf, source: new TableSource(table(stop)), store });
    expect(m!.evidence).toMatchObject({ source: 'rollups+prometheus', rollupHours: 2 });
    // slices from `stop` to 3 minutes (the ingest delay) before asOf are gaps; the last 3 minutes are not due yet
    expect(m!.measuredThrough).toBe(asOf - 3 * M);
    expect(m!.measurement.flags).toContain('gaps');
    expect(m!.measurement.measuredMinutes).toBe(120);
    // as a fresh evaluation of the whole range reads it
    const [fresh] = await measureTargets(targets(c), { asOf, source: new TableSource(table(stop)) });
    expect(fresh!.measuredThrough).toBe(asOf - 3 * M);
    expect(fresh!.measurement).toEqual(m!.measurement);
    store.close();
  });

  it('the period-to-date state that saw the series makes its later absence gaps, not silence', async () => {
    const c = contract();
    const stop = START + 2 * H;
    const state = new PeriodState();
    await measureTargets(targets(c), { asOf: stop + 10 * M, source: new TableSource(table(stop)), state });
    const asOf = START + 4 * H + 30 * M;
    const src = new TableSource(table(stop));
    const [m] = await measureTargets(targets(c), { asOf, source: src, state });
    // only the hours after the state's complete ones were read
    expect(src.log.every((r) => r.start > stop)).toBe(true);
    expect(m!.measuredThrough).toBe(asOf - 3 * M);
    expect(m!.measurement.flags).toContain('gaps');
    const [fresh] = await measureTargets(targets(c), { asOf, source: new TableSource(table(stop)) });
    expect(fresh!.measurement).toEqual(m!.measurement);
  });

  it('measuredThrough is asOf when asOf falls inside a slice, or after the period end', async () => {
    const c = contract();
    const asOf = START + 2 * H + 30 * M + 30_000;
    const [m] = await measureTargets(targets(c), { asOf, source: new TableSource(table()) });
    expect(m!.measuredThrough).toBe(asOf);
    expect(m!.measurement.measuredMinutes).toBe(150);
    const after = PERIOD.end + 2 * H;
    const [closed] = await measureTargets(targets(c), { asOf: after, source: new TableSource(table()), ingestDelayMs: 0 });
    expect(closed!.measuredThrough).toBe(after);
    expect(closed!.measurement.measuredMinutes).toBe((PERIOD.end - START) / M);
  });

  it('without period-to-date state, complete hours of silence (no series at all) are stored', async () => {
    const c = contract();
    const store = RollupStore.open(':memory:');
    const [m] = await measureTargets(targets(c), { asOf: START + 3 * H, source: new TableSource(new Map()), store, persist: true });
    expect(m!.freshRollups.map((r) => [r.hourStart, r.noDataSlices, r.goodSlices + r.badSlices])).toEqual([
      [START, 60, 0],
      [START + H, 60, 0],
    ]);
    expect(store.count()).toBe(2);
    store.close();
  });

  it('a block computed without Prometheus (the last hour, cut by a half-hour term end) is stored without a source URL', async () => {
    // Lord Howe moves its clock back 30 minutes on 5 April: the term's last day ends 216.5 hours into the period.
    const c = zoned('Australia/Lord_Howe', '2026-04-09');
    const period = parsePeriodLabel('2026-04', 'Australia/Lord_Howe');
    const sla = withSlice(c, '1h', 3600);
    const t = [{ contract: c, sla, period }];
    const src = new TableSource(new Map<string, ValueFn>([['sum(rate(g[1h]))', () => 9 / 60], ['sum(rate(t[1h]))', () => 10 / 60]]));
    const store = RollupStore.open(':memory:');
    await measureTargets(t, { asOf: period.start + 216 * H + 10 * M, source: src, store, persist: true });
    expect(store.count()).toBe(216);
    // the rest of the term is half a slice: nothing to read; the hour block is computed from no data
    const [m] = await measureTargets(t, { asOf: period.end, store });
    expect(m!.evidence).toMatchObject({ source: 'rollups', rollupHours: 216, prometheusHours: 1 });
    expect(m!.freshRollups.map((r) => [r.hourStart, r.source, (r.summary as { statuses: string }).statuses])).toEqual([[period.start + 216 * H, '', '.']]);
    // as a fresh evaluation of the whole term from Prometheus measures it
    const [fresh] = await measureTargets(t, { asOf: period.end, source: src, ignoreRollups: true });
    expect(fresh!.measurement).toEqual(m!.measurement);
    expect(m!.measurement.measuredMinutes).toBe(216 * 60);
    store.close();
  });
});

describe('slicePasses', () => {
  it('counts the slices of a query from its start, wherever the grid starts', () => {
    let n = 0;
    const sla = (sliceSeconds: number) => ({ sli: { good: `g${n}[{{.window}}]`, total: `t${n++}[{{.window}}]` }, measurement: { sliceSeconds, slice: `${sliceSeconds}s` } });
    const plan = (from: number, slices: number, sliceSeconds = 60) => ({
      target: { sla: sla(sliceSeconds) } as never,
      query: { id: 'x', sla: sla(sliceSeconds) as never, origin: START, from, to: from + slices * sliceSeconds * 1000 },
    });
    expect(slicePasses([plan(START, 60), plan(START + 2 * H, 60), plan(START + 5 * H, 61)], 120)).toEqual([[0, 1], [2]]);
    expect(slicePasses([plan(START + H, 12, 300), plan(START, 12, 300)], 24)).toEqual([[0, 1]]);
  });

  it('SLAs read together under the default budget share one request', async () => {
    const c = contract('p', 3);
    const src = new TableSource(table());
    const r = await measureTargets(targets(c), { asOf: START + 5 * H, source: src });
    expect(r.map((x) => x.measurement.achievedDecimal)).toEqual(['90', '90', '90']);
    expect(src.requests).toBe(1);
  });

  it('SLAs that share their SLI are read once, however many there are and however small the budget', async () => {
    const c = contract('p', 40);
    const src = new TableSource(table());
    // 300 slices each (five hours of minutes): the budget holds one SLA's slices, and the other 39 read nothing new
    const r = await measureTargets(targets(c), { asOf: START + 5 * H, source: src, maxSlicesPerPass: 300 });
    expect(r.map((x) => x.measurement.achievedDecimal)).toEqual(Array(40).fill('90'));
    expect(r.every((x) => x.measurement.measuredMinutes === 300)).toBe(true);
    expect(src.requests).toBe(1);
    const under = new TableSource(table());
    await measureTargets(targets(c), { asOf: START + 5 * H, source: under, maxSlicesPerPass: 299 });
    expect(under.requests).toBe(40);
  });
});
