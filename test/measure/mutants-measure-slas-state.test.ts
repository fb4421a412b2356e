// Serve's period-to-date state (PeriodState, measureWithState) and the helpers it rests on, at their edges
// (found by mutation testing, issue 13, src/measure/measure-slas.ts lines 141–443): which hours are final
// (old enough, complete, no partial answer, the series seen), what serve persists, which hours it reads
// again, the order of stored and fresh hours, "the series has been seen" carried across ticks, the recent
// slices kept for window coverage, a term starting inside the period, and evaluations outside the term.
// Ground truth: counts, times and statuses chosen here; the measurement of a fresh evaluation (no state,
// every slice read from Prometheus) is the reference serve must match. Prometheus is table-source.ts; the
// store is a real in-memory SQLite RollupStore.
import { describe, expect, it } from 'vitest';
import type { Contract } from '../../src/contract/model.js';
import { hourBlocks, measureTargets, PeriodState, type MeasureOptions, type SlaMeasurement } from '../../src/measure/measure-slas.js';
import { computeRollups } from '../../src/measure/rollup.js';
import { parsePeriodLabel } from '../../src/slo/periods.js';
import { RollupStore } from '../../src/store/sqlite.js';
import { minuteCounts, oneEventsSla } from './one-sla.js';
import { TableSource, type ValueFn } from './table-source.js';

const M = 60_000;
const H = 3_600_000;
const PERIOD = parsePeriodLabel('2026-04', 'UTC');
const START = PERIOD.start;
const URL = 'http://table.invalid';

function contract(opts: { termStart?: string; maintenance?: string } = {}): Contract {
  return oneEventsSla({ id: 'st', slaId: 'ev', ...opts });
}

/** Per-minute counts by minute start (undefined: no sample), as rates at the end of each 1-minute slice. */
const table = minuteCounts;
const targets = (c: Contract, period = PERIOD) => [{ contract: c, sla: c.slas[0]!, period }];
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const hoursOf = (m: SlaMeasurement) => m.freshRollups.map((r) => (r.hourStart - START) / H);

/** serve's tick and a fresh evaluation (no state, no store) of the same instant. */
async function tick(c: Contract, t: Map<string, ValueFn>, state: PeriodState, opts: Partial<MeasureOptions> & { asOf: number }) {
  const src = new TableSource(t);
  const [serve] = await measureTargets(targets(c), { persistLagMs: 0, ingestDelayMs: 0, now: () => 7, ...opts, source: src, state });
  const [fresh] = await measureTargets(targets(c), { persistLagMs: 0, ingestDelayMs: 0, ...opts, source: new TableSource(t), state: undefined, store: undefined, persist: false });
  return { serve: serve!, fresh: fresh!, src };
}

describe('hourBlocks on empty and reversed ranges inside one hour', () => {
  it('returns no block when `to` is not after `from`, also when both lie inside the same hour', () => {
    expect(hourBlocks(PERIOD, START + 90 * M, START + 90 * M)).toEqual([]);
    expect(hourBlocks(PERIOD, START + 90 * M, START + 70 * M)).toEqual([]);
    expect(hourBlocks(PERIOD, START + 90 * M, START + 91 * M)).toEqual([{ start: START + H, end: START + 2 * H }]);
  });
});

describe('trailing slices with a good sample and no total sample', () => {
  it('are not measured yet within the ingest delay: only a total sample ends the cut', async () => {
    // total stops at 2 h, the good series goes on: the slices after 2 h have a good sample only
    const stop = START + 2 * H;
    const t = table(() => 9, (m) => (m >= stop ? undefined : 10));
    const [m] = await measureTargets(targets(contract()), { asOf: stop + 2 * M, source: new TableSource(t) });
    expect(m!.measuredThrough).toBe(stop);
    expect(m!.measurement.measuredMinutes).toBe(120);
    expect(m!.measurement.coverage.gapMinutes).toBe(0);
  });
});

describe('which hours serve makes final and persists', () => {
  it('hours ending exactly at asOf − persistLagMs are final; every hour final at once; the tally is whole', async () => {
    const c = contract();
    const t = table(() => 9, () => 10);
    const store = RollupStore.open(':memory:');
    const state = new PeriodState();
    // asOf at an hour end with no lag: both hours are final (the loop over final hours reaches the end)
    const a = await tick(c, t, state, { asOf: START + 2 * H, store, persist: true });
    expect(hoursOf(a.serve)).toEqual([0, 1]);
    expect(a.serve.freshRollups.map((r) => [r.source, r.computedAt, r.goodEvents, r.totalEvents, r.goodSlices, r.badSlices])).toEqual([
      [URL, 7, 540, 600, 0, 60],
      [URL, 7, 540, 600, 0, 60],
    ]);
    expect(store.count()).toBe(2);
    expect(a.serve.measurement).toEqual(a.fresh.measurement);
    expect(a.serve.measurement.achievedDecimal).toBe('90');
    // the next tick reads only the hour after them
    const b = await tick(c, t, state, { asOf: START + 2 * H + 20 * M, store, persist: true });
    expect(b.serve.freshRollups).toEqual([]);
    expect(b.src.log.every((r) => r.start > START + 2 * H)).toBe(true);
    expect(b.serve.evidence.hours).toEqual([{ from: iso(START), to: iso(START + 3 * H), hours: 3, source: 'prometheus' }]);
    expect(b.serve.measurement).toEqual(b.fresh.measurement);
    store.close();
  });

  it('with a persist lag, an hour is final only once it ended persistLagMs before asOf (then exactly at that instant)', async () => {
    const c = contract();
    const t = table(() => 9, () => 10);
    const state = new PeriodState();
    const early = await tick(c, t, state, { asOf: START + H + 2 * M, persistLagMs: 5 * M });
    expect(early.serve.freshRollups).toEqual([]);
    const exact = await tick(c, t, state, { asOf: START + H + 5 * M, persistLagMs: 5 * M });
    expect(hoursOf(exact.serve)).toEqual([0]);
    const next = await tick(c, t, state, { asOf: START + H + 30 * M, persistLagMs: 5 * M });
    expect(next.serve.freshRollups).toEqual([]);
    expect(next.src.log.every((r) => r.start > START + H)).toBe(true);
    for (const x of [early, exact, next]) expect(x.serve.measurement).toEqual(x.fresh.measurement);
  });

  it('a partial answer makes no hour final: nothing is persisted and the hours are read again', async () => {
    const c = contract();
    const t = table(() => 9, () => 10);
    const store = RollupStore.open(':memory:');
    const state = new PeriodState();
    const src = new TableSource(t);
    src.warnings = ['partial'];
    const [m] = await measureTargets(targets(c), { asOf: START + 2 * H + 10 * M, source: src, store, persist: true, state, persistLagMs: 0 });
    expect(m!.freshRollups).toEqual([]);
    expect(m!.measurement.flags).toContain('partial-response');
    expect(store.count()).toBe(0);
    // the next (whole) answer: the hours are read again from the period start, and persisted then
    const again = await tick(c, t, state, { asOf: START + 2 * H + 20 * M, store, persist: true });
    expect(Math.min(...again.src.log.map((r) => r.start))).toBe(START + M);
    expect(hoursOf(again.serve)).toEqual([0, 1]);
    expect(again.serve.measurement).toEqual(again.fresh.measurement);
    store.close();
  });
});

describe('stored hours and hours read now, in time order (first tick with a store)', () => {
  it('an hour read from Prometheus before a stored hour: final, persisted, and the recent slices in time order', async () => {
    // hour 0: 9 of 10 good (bad slices); from hour 1 on: all good. Only hour 1 is stored.
    const c = contract();
    const t = table((m) => (m < START + H ? 9 : 10), () => 10);
    const store = RollupStore.open(':memory:');
    await computeRollups([{ contract: c, sla: c.slas[0]! }], { from: START + H, to: START + 2 * H, at: START + 2 * H, source: new TableSource(t), store });
    expect(store.count()).toBe(1);
    const state = new PeriodState();
    const a = await tick(c, t, state, { asOf: START + 2 * H + 30 * M, store, persist: true });
    // the stored hour is not persisted again; the hour before it, read now and final, is
    expect(hoursOf(a.serve)).toEqual([0]);
    expect(store.count()).toBe(2);
    expect(a.serve.recent).toEqual({ grid: { origin: START, sliceMs: M }, firstIndex: 0, statuses: 'b'.repeat(60) + 'g'.repeat(90) });
    expect(a.serve.recent).toEqual(a.fresh.recent);
    expect(a.serve.evidence).toMatchObject({
      source: 'rollups+prometheus',
      rollupHours: 1,
      prometheusHours: 2,
      hours: [
        { from: iso(START), to: iso(START + H), hours: 1, source: 'prometheus' },
        { from: iso(START + H), to: iso(START + 2 * H), hours: 1, source: 'rollup' },
        { from: iso(START + 2 * H), to: iso(START + 3 * H), hours: 1, source: 'prometheus' },
      ],
    });
    expect(a.serve.measurement).toEqual(a.fresh.measurement);
    // hours 0 and 1 are in the state: the next tick reads only hour 2 on
    const b = await tick(c, t, state, { asOf: START + 3 * H + 10 * M, store, persist: true });
    expect(b.src.log.every((r) => r.start > START + 2 * H)).toBe(true);
    expect(hoursOf(b.serve)).toEqual([2]);
    expect(b.serve.measurement).toEqual(b.fresh.measurement);
    store.close();
  });
});

describe('the series seen before: later hours without samples are gaps, not silence', () => {
  it('seen in a stored hour: an earlier stored hour of silence is read as gaps (status and serve)', async () => {
    // No sample in hour 0, samples from hour 1 on. Hour 0 was stored at 1 h (silence then), hour 1 at 2 h.
    const c = contract();
    const t = table((m) => (m < START + H ? undefined : 10), (m) => (m < START + H ? undefined : 10));
    const store = RollupStore.open(':memory:');
    for (const h of [0, 1]) {
      await computeRollups([{ contract: c, sla: c.slas[0]! }], { from: START + h * H, to: START + (h + 1) * H, at: START + (h + 1) * H, source: new TableSource(t), store });
    }
    expect(store.count()).toBe(2);
    const asOf = START + 2 * H;
    const [fresh] = await measureTargets(targets(c), { asOf, source: new TableSource(t), ignoreRollups: true, ingestDelayMs: 0 });
    expect(fresh!.measurement.coverage.gapMinutes).toBe(60);
    // every hour stored: no Prometheus needed
    const [status] = await measureTargets(targets(c), { asOf, store });
    expect(status!.measurement).toEqual(fresh!.measurement);
    const [serve] = await measureTargets(targets(c), { asOf, store, state: new PeriodState() });
    expect(serve!.measurement).toEqual(fresh!.measurement);
    store.close();
  });

  for (const [name, good, total] of [
    ['traffic (good and bad slices)', 9, 10],
    ['samples of no traffic (total 0)', 0, 0],
  ] as const) {
    it(`seen in an hour of serve's state (${name}): the hours after it without any sample are gaps`, async () => {
      // samples in hour 0 only
      const c = contract();
      const t = table((m) => (m < START + H ? good : undefined), (m) => (m < START + H ? total : undefined));
      const state = new PeriodState();
      const a = await tick(c, t, state, { asOf: START + H + 5 * M });
      expect(hoursOf(a.serve)).toEqual([0]);
      const b = await tick(c, t, state, { asOf: START + 2 * H + 30 * M });
      // the tick reads only hour 1 on, which has no sample: the state must remember the series
      expect(b.src.log.every((r) => r.start > START + H)).toBe(true);
      expect(b.fresh.measurement.coverage.gapMinutes).toBe(90);
      expect(b.serve.measurement).toEqual(b.fresh.measurement);
    });
  }

  it('seen in an hour of serve\'s state: a later hour of maintenance without samples is final and persisted', async () => {
    // samples in hour 0; hour 1 is all maintenance, without samples (the service is down), and so on
    const c = contract({ maintenance: '{ start: 2026-04-01T01:00:00Z, end: 2026-04-01T02:00:00Z }' });
    const t = table((m) => (m < START + H ? 9 : undefined), (m) => (m < START + H ? 10 : undefined));
    const store = RollupStore.open(':memory:');
    const state = new PeriodState();
    const a = await tick(c, t, state, { asOf: START + H + 5 * M, store, persist: true });
    expect(hoursOf(a.serve)).toEqual([0]);
    const b = await tick(c, t, state, { asOf: START + 2 * H + 30 * M, store, persist: true });
    expect(hoursOf(b.serve)).toEqual([1]);
    expect(b.serve.freshRollups[0]!.summary).toMatchObject({ statuses: 'x'.repeat(60) });
    expect(store.count()).toBe(2);
    expect(b.serve.measurement).toEqual(b.fresh.measurement);
    expect(b.fresh.measurement.coverage.gapMinutes).toBe(30);
    const next = await tick(c, t, state, { asOf: START + 2 * H + 40 * M, store, persist: true });
    expect(next.src.log.every((r) => r.start > START + 2 * H)).toBe(true);
    expect(next.serve.measurement).toEqual(next.fresh.measurement);
    store.close();
  });

  it('seen in a stored hour written before rollups recorded `seen` (good slices only): the state remembers it', async () => {
    // Hour 0 exists only in the store (Prometheus has no sample any more), as a record of an older
    // version: its summary has no `seen` field. From hour 1 on, no sample: gaps.
    const c = contract();
    const old = RollupStore.open(':memory:');
    await computeRollups([{ contract: c, sla: c.slas[0]! }], { from: START, to: START + H, at: START + H, source: new TableSource(table(() => 10, () => 10)), store: old });
    const [row] = old.range({ contract: 'st', sla: 'ev', definitionHash: (await measureTargets(targets(c), { asOf: START + H, store: old }))[0]!.evidence.definitionHash }, START, START + H);
    old.close();
    const { seen: _seen, ...summary } = row!.summary as Record<string, unknown>;
    expect(summary.statuses).toBe('g'.repeat(60));
    const store = RollupStore.open(':memory:');
    store.upsert([{ ...row!, summary }]);
    const empty = table(() => undefined, () => undefined);
    const state = new PeriodState();
    for (const asOf of [START + H + 30 * M, START + 2 * H + 30 * M]) {
      const [status] = await measureTargets(targets(c), { asOf, store, source: new TableSource(empty), ingestDelayMs: 0 });
      const [serve] = await measureTargets(targets(c), { asOf, store, source: new TableSource(empty), ingestDelayMs: 0, persistLagMs: 0, state });
      expect(status!.measurement.coverage.gapMinutes).toBe((asOf - START - H) / M);
      expect(serve!.measurement).toEqual(status!.measurement);
    }
    store.close();
  });
});

describe('a term that starts inside the period', () => {
  it('serve starts its state at the hour the term starts: final hours persisted, recent slices indexed from the period start', async () => {
    const c = contract({ termStart: '2026-04-10' });
    const term = Date.parse('2026-04-10T00:00:00Z');
    const t = table(() => 9, () => 10);
    const store = RollupStore.open(':memory:');
    const state = new PeriodState();
    // before the term: nothing measured, no state kept, no request
    const before = await tick(c, t, state, { asOf: Date.parse('2026-04-05T12:00:00Z'), store, persist: true });
    expect(before.serve.measurement).toEqual(before.fresh.measurement);
    expect(before.serve.evidence.source).toBe('none');
    expect(before.src.requests).toBe(0);
    expect(state.size).toBe(0);
    const a = await tick(c, t, state, { asOf: term + 2 * H + 30 * M, store, persist: true });
    expect(a.serve.freshRollups.map((r) => r.hourStart)).toEqual([term, term + H]);
    expect(a.serve.measurement).toEqual(a.fresh.measurement);
    expect(a.serve.measurement.measuredMinutes).toBe(150);
    const minuteOf = (ms: number) => (ms - START) / M;
    expect(a.serve.recent).toEqual({ grid: { origin: START, sliceMs: M }, firstIndex: minuteOf(term), statuses: 'b'.repeat(150) });
    expect(a.serve.recent).toEqual(a.fresh.recent);
    expect(state.size).toBe(1);
    const b = await tick(c, t, state, { asOf: term + 3 * H + 30 * M, store, persist: true });
    expect(b.src.log.every((r) => r.start > term + 2 * H)).toBe(true);
    expect(b.serve.freshRollups.map((r) => r.hourStart)).toEqual([term + 2 * H]);
    expect(b.serve.recent).toEqual(b.fresh.recent);
    store.close();
  });
});

describe('recent slices kept by serve (window coverage)', () => {
  it('never more than recentMs, ending at the measured end, the same slices as a fresh evaluation', async () => {
    // bad every 7th minute, otherwise good; a hole of samples (gaps) in minutes 50–69
    const c = contract();
    const minute = (m: number) => (m - START) / M;
    const hole = (m: number) => minute(m) >= 50 && minute(m) < 70;
    const t = table((m) => (hole(m) ? undefined : minute(m) % 7 === 0 ? 9 : 10), (m) => (hole(m) ? undefined : 10));
    const state = new PeriodState();
    const recentMs = 90 * M;
    for (const asOf of [START + 45 * M, START + H + 30 * M, START + 2 * H + 30 * M, START + 3 * H, START + 4 * H + 10 * M]) {
      const x = await tick(c, t, state, { asOf, recentMs });
      const r = x.serve.recent;
      const end = minute(asOf);
      expect(r.grid).toEqual({ origin: START, sliceMs: M });
      expect(r.firstIndex + r.statuses.length).toBe(end);
      expect(r.statuses.length).toBeGreaterThan(0);
      expect(r.statuses.length).toBeLessThanOrEqual(90);
      expect(x.fresh.recent.statuses.endsWith(r.statuses)).toBe(true);
      // independently: the status of each minute
      for (let i = 0; i < r.statuses.length; i++) {
        const k = r.firstIndex + i;
        expect(r.statuses[i]).toBe(k >= 50 && k < 70 ? '?' : k % 7 === 0 ? 'b' : 'g');
      }
      expect(x.serve.measurement).toEqual(x.fresh.measurement);
    }
  });
});

describe('an SLA evaluated by serve outside its term', () => {
  it('is measured as outside the term, and keeps no state', async () => {
    const c = contract({ termStart: '2026-05-01' });
    const state = new PeriodState();
    const x = await tick(c, table(() => 9, () => 10), state, { asOf: START + 5 * H });
    expect(x.serve.measurement).toEqual(x.fresh.measurement);
    expect(x.serve.evidence.source).toBe('none');
    expect(state.size).toBe(0);
  });
});

describe('"the series has been seen" is carried only by hours that saw it', () => {
  it('an hour all in maintenance, final before the series\' only sample, does not mark the series seen: once Prometheus has lost that sample, serve reads silence as a fresh evaluation does', async () => {
    // Hour 0 is all maintenance; the series' only sample (no traffic) is at minute 70. At 1 h 30 the
    // series is seen (hour 1, read now), so hour 0 is final; it saw no sample. Then the sample is gone
    // (a Prometheus restart lost its head block): at 1 h 40 no sample exists anywhere, and the hour's
    // minutes without samples are silence, not gaps.
    const c = contract({ maintenance: '{ start: 2026-04-01T00:00:00Z, end: 2026-04-01T01:00:00Z }' });
    const once = (m: number) => (m === START + 70 * M ? 0 : undefined);
    const state = new PeriodState();
    const first = await tick(c, table(once, once), state, { asOf: START + 90 * M });
    expect(first.serve.measurement).toEqual(first.fresh.measurement);
    expect(first.fresh.measurement.coverage.gapMinutes).toBe(29); // minutes 60–89 but 70
    const lost = await tick(c, table(() => undefined, () => undefined), state, { asOf: START + 100 * M });
    expect(lost.fresh.measurement.coverage.gapMinutes).toBe(0);
    expect(lost.serve.measurement).toEqual(lost.fresh.measurement);
  });
});

describe('bugs found by the mutation work (each failed before its fix)', () => {
  it('serve keeps recentMs of recent slices while the current hour is running, as a fresh evaluation does (its future slices took room)', async () => {
    const c = contract();
    const t = table(() => 10, () => 10);
    const state = new PeriodState();
    for (const asOf of [START + H + 5 * M, START + 2 * H + 30 * M]) {
      const x = await tick(c, t, state, { asOf, recentMs: 90 * M });
      expect(x.fresh.recent.statuses).toHaveLength(Math.min(90, (asOf - START) / M));
      expect(x.serve.recent).toEqual(x.fresh.recent);
    }
  });

  it('total samples only in slices without a good sample (the good series has samples elsewhere): a stored hour of silence becomes gaps', async () => {
    // Hour 0: no sample (stored at 1 h as silence). Hour 1: total samples in minutes 60–69 only, good samples
    // in minutes 70–79 only. The total series exists in the period: hour 0's slices are gaps (fresh evaluation).
    const c = contract();
    const minute = (m: number) => (m - START) / M;
    const t = table((m) => (minute(m) >= 70 && minute(m) < 80 ? 10 : undefined), (m) => (minute(m) >= 60 && minute(m) < 70 ? 10 : undefined));
    const store = RollupStore.open(':memory:');
    await computeRollups([{ contract: c, sla: c.slas[0]! }], { from: START, to: START + H, at: START + H, source: new TableSource(t), store });
    expect(store.count()).toBe(1);
    const asOf = START + 2 * H;
    const [fresh] = await measureTargets(targets(c), { asOf, source: new TableSource(t), ignoreRollups: true, ingestDelayMs: 0 });
    expect(fresh!.measurement.coverage.gapMinutes).toBe(120);
    const [status] = await measureTargets(targets(c), { asOf, source: new TableSource(t), store, ingestDelayMs: 0 });
    // serve's first tick starts from the same stored hour.
    const [serve] = await measureTargets(targets(c), { asOf, source: new TableSource(t), store, state: new PeriodState(), ingestDelayMs: 0 });
    try {
      expect(status!.measurement).toEqual(fresh!.measurement);
      expect(serve!.measurement).toEqual(fresh!.measurement);
    } finally {
      store.close();
    }
  });

  it('total samples that are all NaN show the series exists in serve\'s state too: later hours without samples are gaps', async () => {
    // Hour 0: NaN samples of total (and good); no sample after it. A fresh evaluation reads the series as
    // existing (the fetch saw its samples) and hour 1 on as gaps; serve's state records no series.
    const c = contract();
    const t = table((m) => (m < START + H ? Number.NaN : undefined), (m) => (m < START + H ? Number.NaN : undefined));
    const state = new PeriodState();
    const a = await tick(c, t, state, { asOf: START + H + 5 * M });
    expect(hoursOf(a.serve)).toEqual([0]);
    const b = await tick(c, t, state, { asOf: START + 2 * H + 30 * M });
    expect(b.fresh.measurement.coverage.gapMinutes).toBe(90);
    expect(b.serve.measurement).toEqual(b.fresh.measurement);
  });
});
