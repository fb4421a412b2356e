// measureStatus field by field (found by mutation testing, issue 13): SLI and burn rate per window (the
// standard seven plus a burn-rate table's own), which burn pairs make a status at risk, window coverage,
// warnings of window answers making a status incomplete, outside the term, rules or raw, request counts.
// Ground truth: error ratios per window chosen here, burn rate = ratio / (1 − objective) by hand.
import { describe, expect, it } from 'vitest';
import { errorRatioExpr } from '../../src/compile/promql.js';
import { loadContractText } from '../../src/contract/load.js';
import type { Contract } from '../../src/contract/model.js';
import type { InstantAnswer, RangeAnswer } from '../../src/measure/source.js';
import { isoInZone, isoUtc, measureStatus } from '../../src/measure/status.js';
import { TableSource, type ValueFn } from './table-source.js';

const M = 60_000;
const H = 3_600_000;
const START = Date.UTC(2026, 3, 1);
const AT = START + 3 * H + 2 * M;

function contract(alerting: string, zone = 'UTC'): Contract {
  const r = loadContractText(
    'p.yaml',
    `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: p, title: P }
role: provider
parties: { vendor: { name: Us }, customer: { name: Them } }
term: { start: 2026-01-01, timezone: ${zone} }
fees: { currency: USD, monthly: 100 }
slas:
  - id: a
    objective: 99
    period: month
    labels: { team: edge }
    sli: { good: 'sum(rate(g[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))' }
    measurement: { method: timeslices, slice: 1m, sliceGoodRatio: 0.5, noData: ignore }
    credits: { tiers: [ { below: 99, percent: 10 } ] }${alerting}
`,
  );
  if (!r.contract) throw new Error(r.issues.map((i) => i.message).join('; '));
  return r.contract;
}

/** Every slice good; error ratios per window as given (a window left out had no traffic). */
function table(c: Contract, ratios: Record<string, number>): Map<string, ValueFn> {
  const t = new Map<string, ValueFn>([
    ['sum(rate(g[1m]))', () => 1],
    ['sum(rate(t[1m]))', () => 1],
  ]);
  for (const [w, r] of Object.entries(ratios)) t.set(errorRatioExpr(c.slas[0]!, w), () => r);
  return t;
}

/** The table source whose instant (window) answers carry warnings and whose range answers do not. */
class WindowWarnings extends TableSource {
  override async range(expr: string, s: number, e: number, step: number): Promise<RangeAnswer> {
    return { ...(await super.range(expr, s, e, step)), warnings: [] };
  }
}

/** Answers the recording-rule query with one series per window given. */
class Rules extends TableSource {
  constructor(t: Map<string, ValueFn>, private readonly recorded: Record<string, number>) {
    super(t);
  }
  override async instant(expr: string, at: number): Promise<InstantAnswer> {
    if (!expr.startsWith('{__name__=~')) return super.instant(expr, at);
    this.log.push({ kind: 'instant', branches: 0, start: at, end: at, step: 0 });
    return { samples: Object.entries(this.recorded).map(([w, v]) => ({ labels: { __name__: `obligo:sli_error_ratio:rate${w}`, contract: 'p', sla: 'a' }, value: v })), warnings: [] };
  }
}

const STANDARD = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];

describe('measureStatus, field by field', () => {
  it('SLI and burn rate per window, null without traffic; a fast page pair burning makes it at risk', async () => {
    const c = contract('');
    const ratios = { '5m': 0.2, '30m': 0.001, '1h': 0.2, '2h': 0.001, '6h': 0.001, '1d': 0.001 };
    const src = new TableSource(table(c, ratios));
    const r = await measureStatus([{ contract: c, sla: c.slas[0]! }], { at: AT, source: src });
    const s = r.slas[0]!;
    expect(Object.keys(s.sli)).toEqual(STANDARD);
    expect(s.sli).toEqual({ '5m': 0.8, '30m': 0.999, '1h': 0.8, '2h': 0.999, '6h': 0.999, '1d': 0.999, '3d': null });
    // burn rate = (1 − SLI) / (1 − 0.99)
    expect(s.burnRates['5m']).toBeCloseTo(20, 9);
    expect(s.burnRates['1h']).toBeCloseTo(20, 9);
    expect(s.burnRates['6h']).toBeCloseTo(0.1, 9);
    expect(s.burnRates['3d']).toBeNull();
    expect(s).toMatchObject({
      contract: 'p',
      sla: 'a',
      key: 'p/a',
      vendor: 'Us',
      role: 'provider',
      labels: { team: 'edge' },
      objective: 99,
      method: 'timeslices',
      period: { label: '2026-04', start: '2026-04-01T00:00:00Z', end: '2026-05-01T00:00:00Z' },
      achieved: 100,
      achievedDecimal: '100',
      achievedThrough: isoUtc(AT),
      budgetRemaining: 1,
      warnings: [],
      flags: ['partial-period'],
      measuredMinutes: 3 * 60 + 2,
      badMinutes: 0,
      excludedMinutes: 0,
      state: 'at-risk',
    });
    expect(s.evidence).toMatchObject({ windows: 'raw', source: 'prometheus' });
    expect(s.windowCoverage['5m']).toBe(1);
    expect(s.windowCoverage['1h']).toBe(1);
    expect(Object.keys(s.windowCoverage)).toEqual(STANDARD);
    expect(r).toMatchObject({ at: isoUtc(AT), warnings: [], requests: src.requests });
    expect(r.windowQueries.length).toBeGreaterThan(1);
    expect(r.windowQueries[0]).toMatch(/^\{__name__=~/);
    expect(r.measurements).toHaveLength(1);
  });

  it('pages off: the same burn does not put the status at risk; a ticket pair never does', async () => {
    const c = contract(`
    alerting: { page: false }`);
    const src = new TableSource(table(c, { '5m': 0.2, '1h': 0.2, '30m': 0.2, '6h': 0.2, '3d': 0.2 }));
    const s = (await measureStatus([{ contract: c, sla: c.slas[0]! }], { at: AT, source: src })).slas[0]!;
    expect(s.state).toBe('ok');
  });

  it('a burn-rate table adds its own windows after the standard seven; its page pair decides', async () => {
    const c = contract(`
    alerting: { burnRates: [ { severity: page, long: 4h, short: 15m, factor: 10 } ] }`);
    const src = new TableSource(table(c, { '4h': 0.15, '15m': 0.15 }));
    const s = (await measureStatus([{ contract: c, sla: c.slas[0]! }], { at: AT, source: src })).slas[0]!;
    expect(Object.keys(s.sli)).toEqual([...STANDARD, '15m', '4h']);
    expect(s.sli['4h']).toBeCloseTo(0.85, 12);
    expect(s.burnRates['15m']).toBeCloseTo(15, 9);
    expect(s.sli['5m']).toBeNull();
    expect(s.state).toBe('at-risk');
    const calm = new TableSource(table(c, { '4h': 0.15, '15m': 0.05 }));
    expect((await measureStatus([{ contract: c, sla: c.slas[0]! }], { at: AT, source: calm })).slas[0]!.state).toBe('ok');
  });

  it('warnings of the window answers alone make the status incomplete, flagged once', async () => {
    const c = contract('');
    const src = new WindowWarnings(table(c, { '5m': 0.001 }));
    src.warnings = ['partial: b', 'partial: a'];
    const r = await measureStatus([{ contract: c, sla: c.slas[0]! }], { at: AT, source: src });
    const s = r.slas[0]!;
    expect(s.evidence.warnings).toEqual([]);
    expect(s.warnings).toEqual(['partial: a', 'partial: b']);
    expect(s.flags).toEqual(['incomplete-data', 'partial-period', 'partial-response']);
    expect(s.coverage).toMatchObject({ partialResponse: true, complete: false });
    expect(r.warnings).toEqual(['partial: a', 'partial: b']);
  });

  it('warnings of the slices too: flagged by the measurement, not twice', async () => {
    const c = contract('');
    const src = new TableSource(table(c, { '5m': 0.001 }));
    src.warnings = ['partial'];
    const s = (await measureStatus([{ contract: c, sla: c.slas[0]! }], { at: AT, source: src })).slas[0]!;
    expect(s.warnings).toEqual(['partial']);
    expect(s.flags).toEqual(['incomplete-data', 'partial-period', 'partial-response']);
    expect(s.coverage.partialResponse).toBe(true);
  });

  it('before the term: outside-term, whatever the budget says', async () => {
    const c = contract('');
    const at = Date.UTC(2025, 11, 15);
    const s = (await measureStatus([{ contract: c, sla: c.slas[0]! }], { at, source: new TableSource(table(c, { '5m': 0.5, '1h': 0.5 })) })).slas[0]!;
    expect(s.state).toBe('outside-term');
    expect(s.achieved).toBeNull();
  });

  it('windows from the recording rules are marked so; requests count only this evaluation', async () => {
    const c = contract('');
    const src = new Rules(table(c, {}), { '5m': 0.004, '30m': 0.004, '1h': 0.004, '2h': 0.004, '6h': 0.004, '1d': 0.004, '3d': 0.004 });
    await src.instant('up', AT);
    const r = await measureStatus([{ contract: c, sla: c.slas[0]! }], { at: AT, source: src, atRiskBelow: 0.5 });
    expect(r.requests).toBe(src.requests - 1);
    expect(r.windowQueries).toHaveLength(1);
    expect(r.slas[0]!.evidence.windows).toBe('rules');
    expect(r.slas[0]!.burnRates['3d']).toBeCloseTo(0.4, 9);
    expect(r.slas[0]!.state).toBe('ok');
  });

  it('completeHoursOnly measures to the last full hour', async () => {
    const c = contract('');
    const s = (await measureStatus([{ contract: c, sla: c.slas[0]! }], { at: AT, source: new TableSource(table(c, {})), completeHoursOnly: true })).slas[0]!;
    expect(s.achievedThrough).toBe(isoUtc(START + 3 * H));
    expect(s.measuredMinutes).toBe(180);
  });

  it('periods are printed in the contract zone, instants in UTC without milliseconds unless there are some', async () => {
    const c = contract('', 'Europe/Berlin');
    const s = (await measureStatus([{ contract: c, sla: c.slas[0]! }], { at: AT, source: new TableSource(table(c, {})) })).slas[0]!;
    expect(s.period).toEqual({ label: '2026-04', start: '2026-04-01T00:00:00+02:00', end: '2026-05-01T00:00:00+02:00' });
    expect(isoInZone(Date.UTC(2026, 0, 1, 12, 30, 0, 250), 'Europe/Berlin')).toBe('2026-01-01T13:30:00.250+01:00');
    expect(isoUtc(Date.UTC(2026, 0, 1))).toBe('2026-01-01T00:00:00Z');
    expect(isoUtc(Date.UTC(2026, 0, 1, 0, 0, 0, 5))).toBe('2026-01-01T00:00:00.005Z');
  });
});

describe('measureStatus, several SLAs', () => {
  it('each SLA in the period of its own kind and zone; useRules: false sends no rules query; warnings sorted per SLA and in all', async () => {
    const month = contract('');
    const text = (id: string, kind: string, zone: string) => {
      const r = loadContractText(
        `${id}.yaml`,
        `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: ${id}, title: P }
role: provider
parties: { vendor: { name: Us }, customer: { name: Them } }
term: { start: 2026-01-01, timezone: ${zone} }
fees: { currency: USD, monthly: 100 }
slas:
  - id: a
    objective: 99
    period: ${kind}
    sli: { good: 'sum(rate(g${id}[{{.window}}]))', total: 'sum(rate(t${id}[{{.window}}]))' }
    measurement: { method: timeslices, slice: 1m, sliceGoodRatio: 0.5, noData: ignore }
    credits: { tiers: [ { below: 99, percent: 10 } ] }
`,
      );
      return r.contract!;
    };
    const q = text('q', 'quarter', 'UTC');
    const t = text('t', 'month', 'Asia/Tokyo');
    const table = new Map<string, ValueFn>();
    for (const id of ['q', 't']) {
      table.set(`sum(rate(g${id}[1m]))`, () => 1);
      table.set(`sum(rate(t${id}[1m]))`, () => 1);
    }
    class Warn extends TableSource {
      override async range(expr: string, a: number, b: number, step: number): Promise<RangeAnswer> {
        return { ...(await super.range(expr, a, b, step)), warnings: [expr.includes('gq') ? 'z-q-slices' : 'y-t-slices'] };
      }
      override async instant(expr: string, at: number): Promise<InstantAnswer> {
        return { ...(await super.instant(expr, at)), warnings: [expr.includes('gq') ? 'b-q-windows' : 'a-t-windows'] };
      }
    }
    const src = new Warn(table);
    const r = await measureStatus(
      [{ contract: q, sla: q.slas[0]! }, { contract: t, sla: t.slas[0]! }, { contract: month, sla: month.slas[0]! }].slice(0, 2),
      { at: AT, source: src, useRules: false },
    );
    expect(r.slas.map((s) => s.period.label)).toEqual(['2026-Q2', '2026-04']);
    expect(r.slas[1]!.period.start).toBe('2026-04-01T00:00:00+09:00');
    expect(r.windowQueries.some((x) => x.startsWith('{__name__'))).toBe(false);
    expect(r.slas[0]!.warnings).toEqual(['b-q-windows', 'z-q-slices']);
    expect(r.warnings).toEqual([...new Set([...r.slas[0]!.warnings, ...r.slas[1]!.warnings])].sort());
    expect(r.warnings[0]).toBe('a-t-windows');
  });
});
