// fetchSliceObservations at its edges (found by mutation testing, issue 13): slice ranges off their grid,
// empty ranges, a series missing from a batched answer asked again alone (and what is believed then),
// warnings only for the queries whose answers carried them, points outside the asked range, and the
// number of branches per request; same-shape SLIs read with one selector (points per answer, warnings,
// an SLI asking for k=""), maxChars, chunks of a long range, time order, queries with no series, the
// warnings of queries past the tenth, and queries over the same slices sharing requests whatever their
// grid origins (a property test). Prometheus is table-source.ts, damaged on purpose where said.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadContractText } from '../../src/contract/load.js';
import type { Sla } from '../../src/contract/model.js';
import { fetchSliceObservations, readSlices, sliceExprs, type SliceQuery } from '../../src/measure/fetch-slices.js';
import type { RangeAnswer } from '../../src/measure/source.js';
import { parseBranches, TableSource, type ValueFn } from './table-source.js';

const M = 60_000;
const START = Date.UTC(2026, 3, 1);

/** The SLAs of one contract, one per value of `k` (SLA ids `${prefix}${n}`; `suffix` appended to each SLI). */
function contractSlas(file: string, id: string, prefix: string, values: readonly string[], slice: string, suffix: string): Sla[] {
  const one = (v: string, n: number) => `
  - id: ${prefix}${n}
    objective: 99
    period: month
    sli: { good: 'sum(rate(g{k="${v}"}[{{.window}}]))${suffix}', total: 'sum(rate(t{k="${v}"}[{{.window}}]))${suffix}' }
    measurement: { method: timeslices, slice: ${slice}, sliceGoodRatio: 0.5 }
    credits: { tiers: [ { below: 99, percent: 10 } ] }`;
  const r = loadContractText(
    file,
    `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: ${id}, title: ${id.toUpperCase()} }
role: provider
parties: { vendor: { name: Us }, customer: { name: Them } }
term: { start: 2026-01-01, timezone: UTC }
fees: { currency: USD, monthly: 100 }
slas:${values.map((v, n) => one(v, n)).join('')}
`,
  );
  if (!r.contract) throw new Error(r.issues.map((i) => i.message).join('; '));
  return r.contract.slas;
}

/** n SLAs whose SLIs are not of one shape (`+ 0`: read in `or` unions, batch.ts). */
function slas(n: number, slice = '1m'): Sla[] {
  return contractSlas('f.yaml', 'f', 's', Array.from({ length: n }, (_, k) => String(k)), slice, ' + 0');
}

/** good = k + 1, total = 10 per minute for SLA k (rates are counts / 60). */
function table(list: Sla[], window = '1m', seconds = 60): Map<string, ValueFn> {
  const t = new Map<string, ValueFn>();
  list.forEach((s, k) => {
    const e = sliceExprs({ ...s, measurement: { ...s.measurement, slice: window } });
    t.set(e.good, () => (k + 1) / seconds);
    t.set(e.total, () => 10 / seconds);
  });
  return t;
}
const query = (s: Sla, from = START, to = START + 5 * M, id = s.id): SliceQuery => ({ id, sla: s, origin: START, from, to });

describe('sliceExprs (kept per SLI and measurement object)', () => {
  it('the same SLI object with another measurement renders that measurement\'s window', () => {
    const [s] = slas(1);
    expect(sliceExprs(s!)).toEqual({ good: 'sum(rate(g{k="0"}[1m])) + 0', total: 'sum(rate(t{k="0"}[1m])) + 0' });
    expect(sliceExprs({ ...s!, measurement: { ...s!.measurement, slice: '5m' } })).toEqual({ good: 'sum(rate(g{k="0"}[5m])) + 0', total: 'sum(rate(t{k="0"}[5m])) + 0' });
    const r = sliceExprs(s!);
    expect(r.good).toBe('sum(rate(g{k="0"}[1m])) + 0');
    r.good = 'changed by the caller';
    expect(sliceExprs(s!).good).toBe('sum(rate(g{k="0"}[1m])) + 0');
  });
});

/** Drops the series of `expr` from every answer that holds more than one series (a batched answer). */
class DropFromBatches extends TableSource {
  constructor(t: Map<string, ValueFn>, private readonly drop: Set<string>, private readonly alsoAlone = false) {
    super(t);
  }
  override async range(expr: string, s: number, e: number, step: number): Promise<RangeAnswer> {
    const a = await super.range(expr, s, e, step);
    const ids = new Map(parseBranches(expr).map((b) => [b.id, b.expr]));
    const batched = a.series.length > 1;
    return { ...a, series: a.series.filter((x) => !((batched || this.alsoAlone) && this.drop.has(ids.get(x.labels.obligo_q ?? '') ?? ''))) };
  }
}

/** Answers carry a warning when they hold the given expression. */
class WarnOn extends TableSource {
  constructor(t: Map<string, ValueFn>, private readonly on: string, private readonly text: string[]) {
    super(t);
  }
  override async range(expr: string, s: number, e: number, step: number): Promise<RangeAnswer> {
    const a = await super.range(expr, s, e, step);
    return { ...a, warnings: parseBranches(expr).some((b) => b.expr === this.on) ? [...this.text] : [] };
  }
}

/** Answers with one more point before and after the asked range (a misbehaving proxy). */
class Overreach extends TableSource {
  override async range(expr: string, s: number, e: number, step: number): Promise<RangeAnswer> {
    return super.range(expr, s - step * 1000, e + step * 1000, step);
  }
}

describe('fetchSliceObservations, edges', () => {
  it('refuses a range off its slice grid, naming the query; an empty range gets an empty entry and no request', async () => {
    const [s] = slas(1, '5m');
    const src = new TableSource(table([s!], '5m', 300));
    await expect(fetchSliceObservations(src, [query(s!, START + M, START + 10 * M, 'q1')])).rejects.toThrow(new RangeError('slice range of q1 is not on its slice grid'));
    await expect(fetchSliceObservations(src, [query(s!, START, START + 7 * M, 'q2')])).rejects.toThrow('slice range of q2 is not on its slice grid');
    const r = await fetchSliceObservations(src, [query(s!, START + 10 * M, START + 10 * M, 'e'), query(s!, START + 10 * M, START + 5 * M, 'n')]);
    expect(r.get('e')).toEqual({ observations: [], totalSeen: false, goodSeen: false, warnings: [], requeried: [] });
    expect(r.get('n')).toEqual(r.get('e'));
    expect(src.requests).toBe(0);
  });

  it('a series a batched answer lacks is asked again alone and believed there; still absent, it stays unseen', async () => {
    const list = slas(3);
    const t = table(list);
    const damaged = sliceExprs(list[1]!).good;
    const src = new DropFromBatches(t, new Set([damaged]));
    const r = await fetchSliceObservations(src, list.map((s) => query(s)), { combine: false });
    expect(r.get('s1')).toMatchObject({ requeried: ['good'], goodSeen: true, totalSeen: true });
    expect(r.get('s1')!.observations).toEqual([0, 1, 2, 3, 4].map((i) => ({ start: START + i * M, good: 2, total: 10 })));
    expect(r.get('s0')!.requeried).toEqual([]);
    expect(r.get('s2')!.requeried).toEqual([]);
    // the lone request holds one branch
    expect(src.log.at(-1)).toMatchObject({ branches: 1 });
    const lost = new DropFromBatches(t, new Set([damaged, sliceExprs(list[2]!).total]), true);
    const r2 = await fetchSliceObservations(lost, list.map((s) => query(s)), { combine: false });
    expect(r2.get('s1')).toMatchObject({ requeried: ['good'], goodSeen: false, totalSeen: true });
    expect(r2.get('s1')!.observations.every((o) => o.good === null && o.total === 10)).toBe(true);
    expect(r2.get('s2')).toMatchObject({ requeried: ['total'], goodSeen: true, totalSeen: false });
    expect(r2.get('s2')!.observations.every((o) => o.total === null && o.good === 3)).toBe(true);
  });

  it('a query lacking both expressions asks each again; identical lacking expressions are asked once', async () => {
    const [a] = slas(1);
    const t = table([a!]);
    const src = new DropFromBatches(t, new Set([sliceExprs(a!).good, sliceExprs(a!).total]), true);
    const r = await fetchSliceObservations(src, [query(a!, START, START + 5 * M, 'x'), query(a!, START, START + 5 * M, 'y')], { combine: false });
    expect(r.get('x')!.requeried).toEqual(['total', 'good']);
    expect(r.get('y')!.requeried).toEqual(['total', 'good']);
    // one batch (2 distinct expressions), then each expression alone once
    expect(src.log.map((l) => l.branches)).toEqual([2, 1, 1]);
  });

  it('warnings go to the queries whose answers carried them, each once, sorted', async () => {
    const list = slas(3);
    const src = new WarnOn(table(list), sliceExprs(list[0]!).total, ['w-b', 'w-a', 'w-b']);
    const r = await fetchSliceObservations(src, list.map((s) => query(s)), { combine: false, maxBranches: 2 });
    expect(r.get('s0')!.warnings).toEqual(['w-a', 'w-b']);
    expect(r.get('s1')!.warnings).toEqual([]);
    expect(r.get('s2')!.warnings).toEqual([]);
  });

  it('points outside the asked slices are ignored', async () => {
    const [a] = slas(1);
    const r = await fetchSliceObservations(new Overreach(table([a!])), [query(a!, START + 2 * M, START + 4 * M)]);
    expect(r.get(a!.id)!.observations.map((o) => o.start)).toEqual([START + 2 * M, START + 3 * M]);
  });

  it('a series with points only outside the asked slices (just before, or at the first step after) is not seen', async () => {
    const [a] = slas(1);
    const e = sliceExprs(a!);
    const from = START + 2 * M;
    const to = START + 4 * M;
    // points at slice ENDS: from (the slice before the range) and to + M (the slice starting at `to`)
    for (const end of [from, to + M]) {
      const t = new Map<string, ValueFn>([
        [e.total, (x) => (x === end ? 1 : undefined)],
        [e.good, (x) => (x === end ? 1 : undefined)],
      ]);
      const r = await fetchSliceObservations(new Overreach(t), [query(a!, from, to)]);
      expect(r.get(a!.id), String(end - START)).toEqual({ observations: [], totalSeen: false, goodSeen: false, warnings: [], requeried: ['total', 'good'] });
    }
  });

  it('the warnings of an answer to an expression asked again alone are that query\'s', async () => {
    const list = slas(3);
    const lost = sliceExprs(list[1]!).total;
    class DropThenWarn extends DropFromBatches {
      override async range(expr: string, s: number, e: number, step: number): Promise<RangeAnswer> {
        const x = await super.range(expr, s, e, step);
        const alone = parseBranches(expr).length === 1 && parseBranches(expr)[0]!.expr === lost;
        return alone ? { ...x, warnings: ['partial: alone'] } : x;
      }
    }
    const r = await fetchSliceObservations(new DropThenWarn(table(list), new Set([lost])), list.map((s) => query(s)), { combine: false });
    expect(r.get('s1')).toMatchObject({ requeried: ['total'], warnings: ['partial: alone'], totalSeen: true });
    expect(r.get('s1')!.observations).toHaveLength(5);
    expect(r.get('s0')!.warnings).toEqual([]);
    expect(r.get('s2')!.warnings).toEqual([]);
  });

  it('readSlices: an id that was not asked has no answer; one asked over no slices has an empty one', async () => {
    const [a] = slas(1);
    const answers = await readSlices(new TableSource(table([a!])), [query(a!, START, START, 'none'), query(a!)]);
    expect(answers.get('never asked')).toBeUndefined();
    expect(answers.get('none')).toEqual({ observations: [], totalSeen: false, goodSeen: false, warnings: [], requeried: [] });
    expect(answers.get(a!.id)!.observations).toHaveLength(5);
    // built again on each call, from the same answers
    expect(answers.get(a!.id)).toEqual(answers.get(a!.id));
    expect(answers.get(a!.id)).not.toBe(answers.get(a!.id));
  });

  it('maxBranches bounds the branches per request, at least 2; maxPointsPerRequest bounds branches × steps', async () => {
    const list = slas(5);
    const src = new TableSource(table(list));
    await fetchSliceObservations(src, list.map((s) => query(s)), { combine: false, maxBranches: 4 });
    expect(src.log.map((l) => l.branches)).toEqual([4, 4, 2]);
    const one = new TableSource(table(list));
    await fetchSliceObservations(one, list.map((s) => query(s)), { combine: false, maxBranches: 1 });
    expect(one.log.map((l) => l.branches)).toEqual([2, 2, 2, 2, 2]);
    // 5 steps per request: at most 15 points → 3 branches
    const pts = new TableSource(table(list));
    await fetchSliceObservations(pts, list.map((s) => query(s)), { combine: false, maxPointsPerRequest: 15 });
    expect(pts.log.map((l) => l.branches)).toEqual([3, 3, 3, 1]);
  });

  it('runs at most `concurrency` requests at once', async () => {
    const list = slas(6);
    let inFlight = 0;
    let most = 0;
    class Slow extends TableSource {
      override async range(expr: string, s: number, e: number, step: number): Promise<RangeAnswer> {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
        return super.range(expr, s, e, step);
      }
    }
    await fetchSliceObservations(new Slow(table(list)), list.map((s) => query(s)), { combine: false, maxBranches: 2 });
    expect(most).toBe(3);
    most = 0;
    await fetchSliceObservations(new Slow(table(list)), list.map((s) => query(s)), { combine: false, maxBranches: 2, concurrency: 1 });
    expect(most).toBe(1);
  });
});

/** SLAs whose SLIs differ only in the value of `k` (read with one selector per metric, combine.ts). */
function sameShape(values: string[], slice = '1m'): Sla[] {
  return contractSlas('c.yaml', 'c', 'c', values, slice, '');
}

/** Records the query text and the points (series × steps) of every answer. */
class Recording extends TableSource {
  readonly answers: Array<{ expr: string; points: number }> = [];
  override async range(expr: string, s: number, e: number, step: number): Promise<RangeAnswer> {
    const a = await super.range(expr, s, e, step);
    this.answers.push({ expr, points: a.series.reduce((n, x) => n + x.points.length, 0) });
    return a;
  }
}

/** Slices [from, from + n·slice) of good/total per slice. */
const slices = (from: number, n: number, good: number, total: number, sliceMs = M) =>
  Array.from({ length: n }, (_, i) => ({ start: from + i * sliceMs, good, total }));

describe('fetchSliceObservations, same-shape SLIs read with one selector', () => {
  it('maxPointsPerRequest bounds the points of every answer; no request asks for no value', async () => {
    const list = sameShape(['0', '1', '2', '3']);
    const src = new Recording(table(list));
    // 5 slices per request, at most 10 points: 2 values of k per request, 2 requests per metric
    const r = await fetchSliceObservations(src, list.map((s) => query(s)), { maxPointsPerRequest: 10 });
    expect(src.answers.map((a) => a.points)).toEqual([10, 10, 10, 10]);
    expect(src.answers.every((a) => a.expr.startsWith('sum by (k) '))).toBe(true);
    list.forEach((s, k) => expect(r.get(s.id)).toEqual({ observations: slices(START, 5, k + 1, 10), totalSeen: true, goodSeen: true, warnings: [], requeried: [] }));
  });

  it('the warnings of an answer go to the SLIs it was asked for', async () => {
    const list = sameShape(['0', '1', '2', '3']);
    class WarnOnValues extends TableSource {
      override async range(expr: string, s: number, e: number, step: number): Promise<RangeAnswer> {
        const a = await super.range(expr, s, e, step);
        return { ...a, warnings: expr.includes('k=~"2|3"') ? ['partial: store b down'] : [] };
      }
    }
    const r = await fetchSliceObservations(new WarnOnValues(table(list)), list.map((s) => query(s)), { maxPointsPerRequest: 10 });
    expect(list.map((s) => r.get(s.id)!.warnings)).toEqual([[], [], ['partial: store b down'], ['partial: store b down']]);
    expect(list.map((s) => r.get(s.id)!.observations.length)).toEqual([5, 5, 5, 5]);
  });

  it('an SLI that asks for k="" gets the series without the label k', async () => {
    // k="" matches the series that have no label k; `sum by (k)` answers them as a series without k.
    const list = sameShape(['', 'a', 'b']);
    const src = new TableSource(table(list));
    const r = await fetchSliceObservations(src, list.map((s) => query(s)), { maxBranches: 2 });
    expect(src.requests).toBe(2); // one selector per metric, nothing asked again
    list.forEach((s, k) => expect(r.get(s.id)).toEqual({ observations: slices(START, 5, k + 1, 10), totalSeen: true, goodSeen: true, warnings: [], requeried: [] }));
  });
});

describe('fetchSliceObservations, requests and answers', () => {
  it('maxChars bounds the length of every query', async () => {
    const list = slas(3);
    const src = new Recording(table(list));
    const r = await fetchSliceObservations(src, list.map((s) => query(s)), { combine: false, maxChars: 400 });
    expect(src.answers.length).toBeGreaterThan(1);
    for (const a of src.answers) expect(a.expr.length).toBeLessThanOrEqual(400);
    expect(src.answers.flatMap((a) => parseBranches(a.expr)).length).toBe(6);
    list.forEach((s, k) => expect(r.get(s.id)!.observations).toEqual(slices(START, 5, k + 1, 10)));
  });

  it('a range longer than 11,000 slices is read in chunks that cover exactly its slices', async () => {
    const [a] = slas(1);
    const src = new TableSource(table([a!]));
    const n = 11_001;
    const r = await fetchSliceObservations(src, [query(a!, START, START + n * M)]);
    // each request is evaluated at slice ENDS: the first chunk 11,000 of them, the second the last one
    expect(src.log.map((l) => [l.start, l.end, l.step])).toEqual([
      [START + M, START + 11_000 * M, 60],
      [START + 11_001 * M, START + 11_001 * M, 60],
    ]);
    expect(r.get(a!.id)!.observations).toEqual(slices(START, n, 1, 10));
  });

  it('observations are in time order when the total series appears after the good series', async () => {
    const [a] = slas(1);
    const t = table([a!]);
    const e = sliceExprs(a!);
    t.set(e.total, (end) => (end - M >= START + 2 * M ? 10 / 60 : undefined));
    const r = await fetchSliceObservations(new TableSource(t), [query(a!)]);
    expect(r.get(a!.id)!.observations).toEqual([
      { start: START, good: 1, total: null },
      { start: START + M, good: 1, total: null },
      ...slices(START + 2 * M, 3, 1, 10),
    ]);
  });

  it('a query whose expressions have no series at all gets no observation', async () => {
    const list = slas(2);
    const t = table(list);
    t.delete(sliceExprs(list[1]!).good);
    t.delete(sliceExprs(list[1]!).total);
    const r = await fetchSliceObservations(new TableSource(t), list.map((s) => query(s)));
    expect(r.get('s1')).toEqual({ observations: [], totalSeen: false, goodSeen: false, warnings: [], requeried: ['total', 'good'] });
    expect(r.get('s0')!.observations).toEqual(slices(START, 5, 1, 10));
  });

  it('warnings of the twelfth query of a group go to it, not to the second', async () => {
    const list = slas(12);
    const src = new WarnOn(table(list), sliceExprs(list[11]!).total, ['partial: store k down']);
    const r = await fetchSliceObservations(src, list.map((s) => query(s)), { combine: false, maxBranches: 2 });
    expect(list.map((s) => r.get(s.id)!.warnings)).toEqual([...Array.from({ length: 11 }, () => []), ['partial: store k down']]);
  });

  it('a query whose expressions are in two answers gets the warnings of both', async () => {
    const list = slas(2);
    // each answer warns about the expressions it holds
    class WarnEach extends TableSource {
      override async range(expr: string, s: number, e: number, step: number): Promise<RangeAnswer> {
        const a = await super.range(expr, s, e, step);
        return { ...a, warnings: parseBranches(expr).map((b) => `partial: ${b.expr}`) };
      }
    }
    // 3 branches per request: [s0 total, s0 good, s1 total] and [s1 good]
    const src = new WarnEach(table(list));
    const r = await fetchSliceObservations(src, list.map((s) => query(s)), { combine: false, maxBranches: 3 });
    expect(src.log.map((l) => l.branches)).toEqual([3, 1]);
    const w = (s: Sla) => [`partial: ${sliceExprs(s).good}`, `partial: ${sliceExprs(s).total}`];
    expect(r.get('s0')!.warnings).toEqual([...w(list[0]!), `partial: ${sliceExprs(list[1]!).total}`].sort());
    expect(r.get('s1')!.warnings).toEqual([...w(list[0]!), ...w(list[1]!)].sort());
  });
});

describe('fetchSliceObservations, queries over the same slices share their requests', () => {
  const H = 60 * M;
  const bySlice = new Map<string, Sla[]>();
  /** Two SLAs (slices of `seconds`) with grid origins o1 and o2, both reading [from, from + n slices). */
  async function readTogether(slice: string, seconds: number, o1: number, o2: number, from: number, n: number) {
    if (!bySlice.has(slice)) bySlice.set(slice, slas(2, slice));
    const [a, b] = bySlice.get(slice)!;
    const src = new TableSource(table([a!, b!], slice, seconds));
    const to = from + n * seconds * 1000;
    const r = await fetchSliceObservations(src, [
      { id: 'a', sla: a!, origin: o1, from, to },
      { id: 'b', sla: b!, origin: o2, from, to },
    ]);
    expect(r.get('a')!.observations).toEqual(slices(from, n, 1, 10, seconds * 1000));
    expect(r.get('b')!.observations).toEqual(slices(from, n, 2, 10, seconds * 1000));
    return src.requests;
  }

  it('a quarter and a month of hourly slices read together, whatever the period starts', async () => {
    // Asia/Kolkata (+05:30): Q1 1970 starts before the epoch (a negative origin), February 1970 after it.
    const q1 = Date.parse('1970-01-01T00:00:00+05:30');
    const feb = Date.parse('1970-02-01T00:00:00+05:30');
    expect(q1).toBeLessThan(0);
    expect(await readTogether('1h', 3600, q1, feb, feb + 24 * H, 3)).toBe(1);
    // UTC: Q3 2010 and September 2010
    const q3 = Date.UTC(2010, 6, 1);
    const sep = Date.UTC(2010, 8, 1);
    expect(await readTogether('1h', 3600, q3, sep, sep, 3)).toBe(1);
    expect(await readTogether('1m', 60, q3, sep, sep + H, 3)).toBe(1);
  });

  it('any two grid origins of the same slices: one request (property)', async () => {
    const slice = fc.constantFrom(['1m', 60] as const, ['5m', 300] as const, ['1h', 3600] as const);
    await fc.assert(
      fc.asyncProperty(slice, fc.integer({ min: -2_200_000_000_000, max: 4_100_000_000_000 }), fc.integer({ min: -20_000, max: 20_000 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 3 }), async ([name, seconds], o1, k, d, n) => {
          const o2 = o1 + k * seconds * 1000;
          expect(await readTogether(name, seconds, o1, o2, Math.max(o1, o2) + d * seconds * 1000, n)).toBe(1);
        },
      ),
      { numRuns: 200 },
    );
  });
});
