// computeRollups and mergeRollupSummaries at their edges (found by mutation testing, issue 13): which hours
// are complete and inside [from, to), SLAs whose slice does not divide an hour, partial answers, hours kept
// because the store has data for them, hours cut by the term off the hour grid (Australia/Lord_Howe),
// what stored hours (silent, no traffic, older rows without `seen`) say about the series, the warnings
// and requests of a run, and the merge of several runs. Ground truth: counts chosen here.
import { describe, expect, it } from 'vitest';
import { loadContractText } from '../../src/contract/load.js';
import type { Contract } from '../../src/contract/model.js';
import { definitionHash } from '../../src/measure/definition-hash.js';
import { computeRollups, mergeRollupSummaries, type RollupSummary } from '../../src/measure/rollup.js';
import { RollupStore } from '../../src/store/sqlite.js';
import { minuteCounts, oneEventsSla } from './one-sla.js';
import { TableSource, type ValueFn } from './table-source.js';

const M = 60_000;
const H = 3_600_000;
const START = Date.UTC(2026, 3, 1);

function contract(termStart = '2026-01-01'): Contract {
  const r = loadContractText(
    'r.yaml',
    `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: r, title: R }
role: provider
parties: { vendor: { name: Us }, customer: { name: Them } }
term: { start: ${termStart}, timezone: UTC }
fees: { currency: USD, monthly: 100 }
slas:
  - id: a
    objective: 99
    period: month
    sli: { good: 'sum(rate(g[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))' }
    measurement: { method: events }
    credits: { tiers: [ { below: 99, percent: 10 } ] }
  - id: odd
    objective: 99
    period: month
    sli: { good: 'sum(rate(g[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))' }
    measurement: { method: timeslices, slice: 5m, sliceGoodRatio: 0.5 }
    credits: { tiers: [ { below: 99, percent: 10 } ] }
`,
  );
  if (!r.contract) throw new Error(r.issues.map((i) => i.message).join('; '));
  // A 7-minute slice does not divide an hour: the contract loader refuses it, computeRollups skips it.
  const odd = r.contract.slas[1]!;
  r.contract.slas[1] = { ...odd, measurement: { ...odd.measurement, slice: '7m', sliceSeconds: 420 } };
  return r.contract;
}

/** 1 request a minute, all good, except where `hole` says there is no sample. */
function table(hole: (minuteStart: number) => boolean = () => false): Map<string, ValueFn> {
  const v = (end: number) => (hole(end - M) ? undefined : 1 / 60);
  return new Map<string, ValueFn>([
    ['sum(rate(g[1m]))', v],
    ['sum(rate(t[1m]))', v],
  ]);
}
const slas = (c: Contract) => c.slas.map((sla) => ({ contract: c, sla }));

describe('computeRollups', () => {
  it('stores the complete hours inside [from, min(to, at)), skips SLAs whose slice does not divide an hour', async () => {
    const c = contract();
    const store = RollupStore.open(':memory:');
    const src = new TableSource(table());
    // from 01:30: the hour 01:00–02:00 is not wholly inside; at 05:59: 05:00–06:00 has not ended
    const r = await computeRollups(slas(c), { from: START + H + 30 * M, to: START + 10 * H, at: START + 6 * H - M, source: src, store, now: () => 42 });
    expect(r).toEqual({ written: 3, kept: 0, skipped: ['r/odd'], perSla: { 'r/a': 3 }, incomplete: [], warnings: [], requests: src.requests });
    expect(src.requests).toBeGreaterThan(0);
    const rows = store.range({ contract: 'r', sla: 'a', definitionHash: definitionHash(c, c.slas[0]!) }, START, START + 10 * H);
    expect(rows.map((x) => x.hourStart)).toEqual([START + 2 * H, START + 3 * H, START + 4 * H]);
    expect(rows.every((x) => x.computedAt === 42 && x.source === src.url && x.totalEvents === 60 && x.goodEvents === 60)).toBe(true);
    // to before at: `to` bounds it; an hour ending exactly at `to` is in
    const r2 = await computeRollups(slas(c), { from: START, to: START + 2 * H, at: START + 9 * H, source: new TableSource(table()), store });
    expect(r2.perSla).toEqual({ 'r/a': 2 });
    store.close();
  });

  it('nothing before the term start, and no request when no hour is due', async () => {
    const c = contract('2026-04-01');
    const store = RollupStore.open(':memory:');
    const src = new TableSource(table());
    const r = await computeRollups(slas(c), { from: START - 5 * H, to: START + 2 * H, at: START + 2 * H, source: src, store });
    expect(r.perSla).toEqual({ 'r/a': 2 });
    const none = new TableSource(table());
    const r2 = await computeRollups(slas(c), { from: START, to: START + H - 1, at: START + 5 * H, source: none, store });
    expect(r2).toEqual({ written: 0, kept: 0, skipped: ['r/odd'], perSla: {}, incomplete: [], warnings: [], requests: 0 });
    expect(none.requests).toBe(0);
    store.close();
  });

  it('a partial answer stores nothing and says why; an hour with a gap is named as a gap', async () => {
    const c = contract();
    const store = RollupStore.open(':memory:');
    const src = new TableSource(table());
    src.warnings = ['partial: z', 'partial: a'];
    const r = await computeRollups(slas(c).slice(0, 1), { from: START, to: START + 2 * H, at: START + 3 * H, source: src, store });
    expect(r).toMatchObject({ written: 0, perSla: { 'r/a': 0 }, warnings: ['partial: a', 'partial: z'], incomplete: [{ sla: 'r/a', hours: [START, START + H], reason: 'partial-response' }] });
    // a gap of 5 minutes in the second hour: the first is stored, the second is not
    const gap = new TableSource(table((m) => m >= START + H + 10 * M && m < START + H + 15 * M));
    const r2 = await computeRollups(slas(c).slice(0, 1), { from: START, to: START + 2 * H, at: START + 3 * H, source: gap, store });
    expect(r2).toMatchObject({ written: 1, perSla: { 'r/a': 1 }, warnings: [], incomplete: [{ sla: 'r/a', hours: [START + H], reason: 'gaps' }] });
    store.close();
  });

  it('silence (no series anywhere in the period, nothing stored that saw one) is stored as such, not as a gap', async () => {
    const c = contract();
    const store = RollupStore.open(':memory:');
    const silent = await computeRollups(slas(c).slice(0, 1), { from: START, to: START + H, at: START + 3 * H, source: new TableSource(new Map()), store });
    expect(silent).toMatchObject({ written: 1, kept: 0, incomplete: [] });
    store.close();
  });
});

describe('mergeRollupSummaries', () => {
  it('adds counts and requests, joins lists, sums hours per SLA, keeps each warning once, sorted', () => {
    const a: RollupSummary = { written: 3, kept: 1, skipped: ['x/odd'], perSla: { 'x/a': 2, 'x/b': 1 }, incomplete: [{ sla: 'x/a', hours: [1], reason: 'gaps' }], warnings: ['w2', 'w1'], requests: 4 };
    const b: RollupSummary = { written: 5, kept: 2, skipped: ['y/odd'], perSla: { 'x/a': 4, 'y/c': 1 }, incomplete: [{ sla: 'y/c', hours: [2], reason: 'partial-response' }], warnings: ['w1', 'w0'], requests: 6 };
    expect(mergeRollupSummaries([a, b])).toEqual({
      written: 8,
      kept: 3,
      skipped: ['x/odd', 'y/odd'],
      perSla: { 'x/a': 6, 'x/b': 1, 'y/c': 1 },
      incomplete: [...a.incomplete, ...b.incomplete],
      warnings: ['w0', 'w1', 'w2'],
      requests: 10,
    });
    expect(mergeRollupSummaries([])).toEqual({ written: 0, kept: 0, skipped: [], perSla: {}, incomplete: [], warnings: [], requests: 0 });
  });
});

/** One events SLA `a` over g/t in `timezone`, with an optional inclusive last day. */
const zoned = (timezone: string, termStart: string, termEnd?: string): Contract => oneEventsSla({ id: 'z', slaId: 'a', zone: timezone, termStart, termEnd });

/** Per-minute counts of good and total (undefined: no sample), as a table of rates. */
const counts = minuteCounts;

describe('computeRollups, hours cut by the term in a zone with a 30-minute DST shift', () => {
  // Australia/Lord_Howe moves its clocks by 30 minutes (back on 2026-04-05, forward on 2026-10-04), so a
  // term day that starts or ends after a shift is half an hour off the period's hour grid: the hour
  // that straddles it is not wholly inside the term and is not stored.
  it('the hour in which the term starts is not stored', async () => {
    const c = zoned('Australia/Lord_Howe', '2026-04-15');
    const termStart = Date.parse('2026-04-14T13:30:00Z'); // 2026-04-15 00:00 +10:30
    const gridHour = Date.parse('2026-04-14T13:00:00Z'); // April starts 2026-03-31T13:00Z (+11:00)
    const store = RollupStore.open(':memory:');
    const r = await computeRollups(slas(c), { from: termStart - 2 * H, to: gridHour + 3 * H, at: gridHour + 10 * H, source: new TableSource(table()), store });
    expect(r).toMatchObject({ written: 2, perSla: { 'z/a': 2 }, incomplete: [] });
    const rows = store.range({ contract: 'z', sla: 'a', definitionHash: definitionHash(c, c.slas[0]!) }, gridHour - H, gridHour + 10 * H);
    expect(rows.map((x) => [x.hourStart, x.totalEvents])).toEqual([
      [gridHour + H, 60],
      [gridHour + 2 * H, 60],
    ]);
    store.close();
  });

  it('the hour in which the term ends is not stored', async () => {
    const c = zoned('Australia/Lord_Howe', '2026-01-01', '2026-10-14');
    const termEnd = Date.parse('2026-10-14T13:00:00Z'); // 2026-10-15 00:00 +11:00
    const gridHour = Date.parse('2026-10-14T12:30:00Z'); // October starts 2026-09-30T13:30Z (+10:30)
    const store = RollupStore.open(':memory:');
    const r = await computeRollups(slas(c), { from: gridHour - 2 * H, to: termEnd + 3 * H, at: termEnd + 10 * H, source: new TableSource(table()), store });
    expect(r).toMatchObject({ written: 2, perSla: { 'z/a': 2 }, incomplete: [] });
    const rows = store.range({ contract: 'z', sla: 'a', definitionHash: definitionHash(c, c.slas[0]!) }, gridHour - 5 * H, termEnd + 10 * H);
    expect(rows.map((x) => x.hourStart)).toEqual([gridHour - 2 * H, gridHour - H]);
    store.close();
  });
});

describe('computeRollups, what stored hours say about the series', () => {
  // An hour without samples is silence while the SLI's total series has had no sample in the period (it
  // is stored as such), and a gap (not stored) once it has, here known from the hours stored earlier.
  const c = zoned('UTC', '2026-01-01');
  const key = { contract: 'z', sla: 'a', definitionHash: definitionHash(c, c.slas[0]!) };
  const nothing = () => undefined;
  const hour1 = (store: RollupStore) => computeRollups(slas(c), { from: START + H, to: START + 2 * H, at: START + 3 * H, source: new TableSource(counts(nothing, nothing)), store });

  it('after a stored hour of silence, an hour without samples is silence too', async () => {
    const store = RollupStore.open(':memory:');
    await computeRollups(slas(c), { from: START, to: START + H, at: START + 3 * H, source: new TableSource(counts(nothing, nothing)), store });
    expect(store.range(key, START, START + H)).toMatchObject([{ goodSlices: 0, badSlices: 0, noDataSlices: 60 }]);
    expect(await hour1(store)).toMatchObject({ written: 1, incomplete: [] });
    expect(store.range(key, START, START + 2 * H).map((x) => x.hourStart)).toEqual([START, START + H]);
    store.close();
  });

  it('after a stored hour whose series had samples but no traffic, an hour without samples is a gap', async () => {
    const store = RollupStore.open(':memory:');
    await computeRollups(slas(c), { from: START, to: START + H, at: START + 3 * H, source: new TableSource(counts(() => 0, () => 0)), store });
    expect(store.range(key, START, START + H)).toMatchObject([{ goodSlices: 0, badSlices: 0, noDataSlices: 60, totalEvents: 0 }]);
    expect(await hour1(store)).toMatchObject({ written: 0, incomplete: [{ sla: 'z/a', hours: [START + H], reason: 'gaps' }] });
    store.close();
  });

  it('after a stored hour with traffic, written before summaries recorded `seen`, an hour without samples is a gap', async () => {
    const store = RollupStore.open(':memory:');
    // every minute 1 request, none good: 60 bad slices
    await computeRollups(slas(c), { from: START, to: START + H, at: START + 3 * H, source: new TableSource(counts(() => 0, () => 1)), store });
    const [row] = store.range(key, START, START + H);
    expect(row).toMatchObject({ goodSlices: 0, badSlices: 60, totalEvents: 60 });
    // the same hour as an older version stored it: no `seen` in the summary
    const { seen, ...older } = row!.summary as { seen?: boolean };
    expect(seen).toBe(true);
    expect(store.upsert([{ ...row!, summary: older }])).toBe(1);
    expect(store.range(key, START, START + H)[0]!.summary).not.toHaveProperty('seen');
    expect(await hour1(store)).toMatchObject({ written: 0, incomplete: [{ sla: 'z/a', hours: [START + H], reason: 'gaps' }] });
    store.close();
  });
});

describe('computeRollups, summary', () => {
  it('warnings of all periods once each, sorted; requests counts only this run', async () => {
    const c = zoned('UTC', '2026-01-01');
    const store = RollupStore.open(':memory:');
    // March's answers warn about store "z", April's about store "a"
    class WarnByMonth extends TableSource {
      override async range(expr: string, s: number, e: number, step: number) {
        const a = await super.range(expr, s, e, step);
        return { ...a, warnings: [s < START ? 'partial: store z down' : 'partial: store a down'] };
      }
    }
    const src = new WarnByMonth(table());
    const first = await computeRollups(slas(c), { from: START - 2 * H, to: START + 2 * H, at: START + 3 * H, source: src, store });
    expect(first.warnings).toEqual(['partial: store a down', 'partial: store z down']);
    expect(first.incomplete).toEqual([
      { sla: 'z/a', hours: [START - 2 * H, START - H], reason: 'partial-response' },
      { sla: 'z/a', hours: [START, START + H], reason: 'partial-response' },
    ]);
    const used = src.requests;
    expect(used).toBeGreaterThan(0);
    const second = await computeRollups(slas(c), { from: START, to: START + 2 * H, at: START + 3 * H, source: src, store });
    expect(second.requests).toBe(src.requests - used);
    expect(second.requests).toBeGreaterThan(0);
    store.close();
  });
});
