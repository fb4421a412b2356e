import { describe, expect, it } from 'vitest';
import { errorRatioExpr } from '../../src/compile/promql.js';
import { loadContractText } from '../../src/contract/load.js';
import type { Sla } from '../../src/contract/model.js';
import { fetchWindowRatios, rulesQuery } from '../../src/measure/windows.js';
import type { InstantAnswer, InstantSample, PromSource, RangeAnswer } from '../../src/measure/source.js';
import { parseBranches } from './table-source.js';

function slas(): Sla[] {
  const text = (id: string, extra = '') => `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: ${id}, title: T }
role: customer
escalation: [ { level: 1, name: NOC, email: noc@example.com, respondWithinMinutes: 5 } ]
parties: { vendor: { name: V }, customer: { name: C } }
term: { start: 2026-01-01, timezone: UTC }
fees: { currency: USD, monthly: 100 }
slas:
  - id: a
    objective: 99.9
    period: month
    sli: { good: 'sum(rate(g{s="${id}"}[{{.window}}]))', total: 'sum(rate(t{s="${id}"}[{{.window}}]))' }
    measurement: { method: events }
    credits: { tiers: [ { below: 99.9, percent: 10 } ] }${extra}
`;
  const custom = `
    alerting: { burnRates: [ { severity: page, long: 4h, short: 15m, factor: 10 } ] }`;
  return [loadContractText('x.yaml', text('x')).contract!, loadContractText('y.yaml', text('y', custom)).contract!].flatMap((c) => c.slas);
}

/** Answers the rules query for contract x only; raw branches from a fixed table of error ratios. */
class RulesForX implements PromSource {
  readonly url = 'http://rules.invalid';
  queries: string[] = [];
  get requests() {
    return this.queries.length;
  }
  constructor(
    private readonly raw: Map<string, number>,
    /** Damage: drop this branch expression from answers holding two series or more (a batched answer). */
    private readonly dropFromBatches?: string,
  ) {}
  async instant(expr: string): Promise<InstantAnswer> {
    const samples = this.samples(expr);
    const batched = samples.length >= 2;
    const ids = new Map(parseBranches(expr).map((b) => [b.id, b.expr]));
    return { samples: samples.filter((x) => !(batched && this.dropFromBatches && ids.get(x.labels.obligo_q ?? '') === this.dropFromBatches)), warnings: [] };
  }
  private samples(expr: string): InstantSample[] {
    this.queries.push(expr);
    if (expr.startsWith('{__name__=~')) {
      return [
        { labels: { __name__: 'obligo:sli_error_ratio:rate5m', contract: 'x', sla: 'a' }, value: 0.002 },
        { labels: { __name__: 'obligo:sli_error_ratio:rate1h', contract: 'x', sla: 'a', region: 'eu' }, value: 0.001 },
        { labels: { __name__: 'obligo:sli_error_ratio:rate1h', contract: 'x', sla: 'a', region: 'us' }, value: 0.003 },
        { labels: { __name__: 'obligo:sli_error_ratio:rate1h', contract: 'zz', sla: 'a' }, value: 0.5 },
      ];
    }
    return parseBranches(expr).flatMap((b) => (this.raw.has(b.expr) ? [{ labels: { obligo_q: b.id }, value: this.raw.get(b.expr)! }] : []));
  }
  async range(): Promise<RangeAnswer> {
    throw new Error('no range queries expected');
  }
}

describe('fetchWindowRatios', () => {
  it('one rules query for every window of every SLA, including windows a custom burn-rate table names', () => {
    const q = rulesQuery(slas(), ['5m', '1h', '4h']);
    expect(q).toBe('{__name__=~"obligo:sli_error_ratio:rate(?:5m|1h|4h)",contract=~"x|y"}');
  });

  it('reads the rules where they exist (the worst series per window) and falls back to raw expressions for the rest', async () => {
    const [x, y] = slas();
    const raw = new Map([
      [errorRatioExpr(y!, '5m'), 0.01],
      [errorRatioExpr(y!, '4h'), 0.02],
    ]);
    const src = new RulesForX(raw);
    const r = await fetchWindowRatios(src, [x!, y!], Date.UTC(2026, 3, 10), { combine: false });
    expect([...r.fromRules]).toEqual(['x/a']);
    expect(Object.fromEntries(r.ratios.get('x/a')!)).toEqual({ '5m': 0.002, '1h': 0.003 });
    expect(Object.fromEntries(r.ratios.get('y/a')!)).toEqual({ '5m': 0.01, '4h': 0.02 });
    // rules; one raw batch holding the 5 windows the rules answer lacks for x and y's 9 windows (the 7
    // standard ones plus 15m and 4h from its burn-rate table); then, for each SLA, the longest window the
    // batch lacked, asked alone: absent, so neither had traffic in any window the batch lacked.
    const branches = parseBranches(src.queries[1]!);
    expect(branches.filter((b) => b.id.startsWith('0|')).map((b) => b.id.split('|')[1])).toEqual(['30m', '2h', '6h', '1d', '3d']);
    expect(branches.filter((b) => b.id.startsWith('1|')).map((b) => b.id.split('|')[1])).toEqual(['5m', '15m', '30m', '1h', '2h', '4h', '6h', '1d', '3d']);
    expect(src.queries[1]!.startsWith('(')).toBe(true);
    expect(src.queries[1]).toContain('label_replace(max(');
    expect(src.queries.slice(2).map((q) => parseBranches(q).length)).toEqual([1, 1]);
    expect(src.queries.slice(2).every((q) => q.includes('[3d]'))).toBe(true);
    expect(src.requests).toBe(4);
    expect(r.requeried).toBe(2);
  });

  it('plain selector SLIs: good and total per window, divided as the rule does', async () => {
    const [, y] = slas();
    const raw = new Map([
      ['sum(rate(g{s="y"}[5m]))', 98],
      ['sum(rate(t{s="y"}[5m]))', 100],
      ['sum(rate(g{s="y"}[4h]))', 0],
      ['sum(rate(t{s="y"}[4h]))', 0], // no traffic: no ratio
      ['sum(rate(t{s="y"}[1h]))', 10], // traffic, no good series: all bad
    ]);
    const src = new RulesForX(raw);
    const r = await fetchWindowRatios(src, [y!], 0, { useRules: false });
    const got = Object.fromEntries(r.ratios.get('y/a')!);
    expect(Object.keys(got).sort()).toEqual(['1h', '5m']);
    expect(got['5m']).toBeCloseTo(0.02, 15);
    expect(got['1h']).toBe(1);
    // one batch; of the 6 totals it lacked, the longest (3d) alone: absent, so no traffic in the others;
    // the good of 1h (a total without good), alone
    expect(src.requests).toBe(3);
    expect(src.queries.slice(1).map((q) => parseBranches(q).length)).toEqual([1, 1]);
    expect(src.queries[1]).toContain('sum(rate(t{s="y"}[3d]))');
    expect(src.queries.at(-1)).toContain('sum(rate(g{s="y"}[1h]))');
  });

  it('a good series missing from a batched answer is asked again alone: never read as "all bad"', async () => {
    const [, y] = slas();
    const raw = new Map([
      ['sum(rate(g{s="y"}[5m]))', 99.9],
      ['sum(rate(t{s="y"}[5m]))', 100],
      ['sum(rate(g{s="y"}[1h]))', 99],
      ['sum(rate(t{s="y"}[1h]))', 100],
    ]);
    const damaged = new RulesForX(raw, 'sum(rate(g{s="y"}[1h]))');
    const r = await fetchWindowRatios(damaged, [y!], 0, { useRules: false });
    const got = Object.fromEntries(r.ratios.get('y/a')!);
    expect(got['1h']).toBeCloseTo(0.01, 12);
    expect(got['5m']).toBeCloseTo(0.001, 12);
    const healthy = await fetchWindowRatios(new RulesForX(raw), [y!], 0, { useRules: false });
    expect(Object.fromEntries(healthy.ratios.get('y/a')!)).toEqual(got);
  });

  it('useRules: false goes straight to the raw expressions', async () => {
    const [x] = slas();
    const src = new RulesForX(new Map());
    const r = await fetchWindowRatios(src, [x!], 0, { useRules: false });
    expect(src.queries.some((q) => q.startsWith('{__name__'))).toBe(false);
    expect(r.ratios.size).toBe(0);
    // one batch, then the longest window's total alone: no answer holds it, so there is no traffic
    expect(src.requests).toBe(2);
  });
});
