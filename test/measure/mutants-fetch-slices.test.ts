// fetchSliceObservations at its edges (found by mutation testing, issue 13): slice ranges off their grid,
// empty ranges, a series missing from a batched answer asked again alone (and what is believed then),
// warnings only for the queries whose answers carried them, points outside the asked range, and the
// number of branches per request. Prometheus is table-source.ts, damaged on purpose where said.
import { describe, expect, it } from 'vitest';
import { loadContractText } from '../../src/contract/load.js';
import type { Sla } from '../../src/contract/model.js';
import { fetchSliceObservations, sliceExprs, type SliceQuery } from '../../src/measure/fetch-slices.js';
import type { RangeAnswer } from '../../src/measure/source.js';
import { parseBranches, TableSource, type ValueFn } from './table-source.js';

const M = 60_000;
const START = Date.UTC(2026, 3, 1);

function slas(n: number, slice = '1m'): Sla[] {
  const one = (k: number) => `
  - id: s${k}
    objective: 99
    period: month
    sli: { good: 'sum(rate(g{k="${k}"}[{{.window}}])) + 0', total: 'sum(rate(t{k="${k}"}[{{.window}}])) + 0' }
    measurement: { method: timeslices, slice: ${slice}, sliceGoodRatio: 0.5 }
    credits: { tiers: [ { below: 99, percent: 10 } ] }`;
  const r = loadContractText(
    'f.yaml',
    `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: f, title: F }
role: provider
parties: { vendor: { name: Us }, customer: { name: Them } }
term: { start: 2026-01-01, timezone: UTC }
fees: { currency: USD, monthly: 100 }
slas:${Array.from({ length: n }, (_, k) => one(k)).join('')}
`,
  );
  if (!r.contract) throw new Error(r.issues.map((i) => i.message).join('; '));
  return r.contract.slas;
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
