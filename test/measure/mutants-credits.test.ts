// Credits for a period label from measurements (src/measure/credits.ts, credit-rows.ts), found by mutation
// testing (issue 13). Ground truth: per-minute counts chosen here, achieved and money worked out by hand in
// the comments (a known number of bad minutes out of the minutes measured); Prometheus is the table-driven
// stand-in of table-source.ts.
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { loadContractText } from '../../src/contract/load.js';
import type { Contract } from '../../src/contract/model.js';
import { labelRange, measureCredits, PeriodLabelError, periodKindOfLabel, subPeriodLabels } from '../../src/measure/credits.js';
import { TableSource, type ValueFn } from './table-source.js';

const M = 60_000;
const DAY = 86_400_000;
const JAN15 = Date.UTC(2026, 0, 15);
const FEB1 = Date.UTC(2026, 1, 1);
const MAR1 = Date.UTC(2026, 2, 1);
const APR1 = Date.UTC(2026, 3, 1);

function contract(): Contract {
  const text = `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: acme, title: Acme, revision: amendment-2 }
role: provider
escalation: [ { level: 1, name: NOC, email: noc@example.com, respondWithinMinutes: 5 } ]
parties: { vendor: { name: Acme CDN }, customer: { name: C } }
term: { start: 2026-01-15, timezone: UTC }
fees: { currency: USD, monthly: 1000 }
creditPolicy: { capPercent: 15, claimWindowDays: 30 }
slas:
  - id: ev
    objective: 99.9
    period: month
    sli:
      good: sum(rate(req_total{service="p",code="200"}[{{.window}}]))
      total: sum(rate(req_total{service="p"}[{{.window}}]))
    measurement: { method: events }
    credits: { tiers: [ { below: 99.9, percent: 10 }, { below: 99, percent: 25 } ] }
  - id: qt
    objective: 99
    period: quarter
    sli:
      good: sum(rate(req_total{service="p",code="200"}[{{.window}}]))
      total: sum(rate(req_total{service="p"}[{{.window}}]))
    measurement: { method: events }
    credits: { tiers: [ { below: 99, percent: 5 } ] }
  - id: nd
    objective: 99
    period: month
    sli:
      good: sum(rate(req_total{service="silent",code="200"}[{{.window}}]))
      total: sum(rate(req_total{service="silent"}[{{.window}}]))
    measurement: { method: events }
    credits: { tiers: [ { below: 99, percent: 5 } ] }
`;
  const r = loadContractText('acme.yaml', text);
  if (!r.contract) throw new Error(r.issues.map((i) => i.message).join('; '));
  return r.contract;
}

/** 100 requests a minute; none good in the first 1,000 minutes from Jan 15 and the first 100 of March. */
function bad(minuteStart: number): boolean {
  return (minuteStart >= JAN15 && minuteStart < JAN15 + 1000 * M) || (minuteStart >= MAR1 && minuteStart < MAR1 + 100 * M);
}
function source(): TableSource {
  return new TableSource(sourceTable());
}
function sourceTable(): Map<string, ValueFn> {
  const table = new Map<string, ValueFn>();
  // a 1m slice [end − 1 min, end): rate = count / 60
  table.set('sum(rate(req_total{service="p",code="200"}[1m]))', (end) => (bad(end - M) ? 0 : 100 / 60));
  table.set('sum(rate(req_total{service="p"}[1m]))', () => 100 / 60);
  return table;
}
const slas = (c: Contract) => c.slas.map((sla) => ({ contract: c, sla }));
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
/** Achieved percent of `badMinutes` bad out of `minutes`, exactly. */
const achieved = (badMinutes: number, minutes: number) => new Decimal(minutes - badMinutes).div(minutes).times(100);

describe('measureCredits', () => {
  it('a quarter of monthly SLAs: one row per month, each month capped on its own, a quarterly SLA in its quarter', async () => {
    const c = contract();
    const src = source();
    await src.instant('up', 0); // a request before this report: not counted in it
    const r = await measureCredits(slas(c), { period: '2026-Q1', at: APR1 + DAY, source: src });
    expect(r).toMatchObject({ period: '2026-Q1', at: iso(APR1 + DAY), skipped: [], outsideTerm: [], notStarted: [], warnings: [] });
    expect(r.requests).toBe(src.requests - 1);
    expect(r.requests).toBeGreaterThan(0);
    expect(r.measurements).toBeUndefined();
    // periods by start (January and the quarter both start on Jan 1: file order), SLAs in file order
    expect(r.credits.map((x) => `${x.sla} ${x.period}`)).toEqual(['ev 2026-01', 'nd 2026-01', 'qt 2026-Q1', 'ev 2026-02', 'nd 2026-02', 'ev 2026-03', 'nd 2026-03']);
    const row = (sla: string, period: string) => r.credits.find((x) => x.sla === sla && x.period === period)!;
    // January from the term start (Jan 15): 17 days = 24,480 minutes, 1,000 bad: 95.92 % → 25 % of 1,000 = 250, capped at 15 % = 150
    const jan = row('ev', '2026-01');
    expect(new Decimal(jan.achievedDecimal!).minus(achieved(1000, 24_480)).abs().lt('1e-12')).toBe(true);
    expect(jan).toMatchObject({ creditPercent: 25, amount: '150.00', cap: '150.00', capped: true, currency: 'USD', provisional: false, periodStart: '2026-01-01T00:00:00Z', periodEnd: '2026-02-01T00:00:00Z' });
    expect(jan.flags).toEqual(['capped', 'partial-period']);
    expect(jan.evidence).toMatchObject({ tierIndex: 1, tier: { below: 99, percent: 25 }, comparedAchieved: jan.achievedDecimal, uncappedAmount: '250', contractRevision: 'amendment-2', contractFile: 'acme.yaml', contractHash: c.hash, source: 'prometheus' });
    // February: all good, no credit
    expect(row('ev', '2026-02')).toMatchObject({ achieved: 100, creditPercent: 0, amount: '0.00', capped: false, flags: [] });
    expect(row('ev', '2026-02').evidence).toMatchObject({ tier: null, tierIndex: null });
    // March: 44,640 minutes, 100 bad: 99.776 % → 10 % = 100 (under the cap of 150)
    expect(row('ev', '2026-03')).toMatchObject({ creditPercent: 10, amount: '100.00', capped: false, flags: [] });
    expect(row('ev', '2026-03').achieved).toBeCloseTo(achieved(100, 44_640).toNumber(), 9);
    // the quarter from Jan 15: 109,440 minutes, 1,100 bad: 98.995 % → 5 % of 3 × 1,000 = 150 (cap 450)
    const q = row('qt', '2026-Q1');
    expect(q.achieved).toBeCloseTo(achieved(1100, 109_440).toNumber(), 9);
    expect(q).toMatchObject({ creditPercent: 5, amount: '150.00', cap: '450.00', capped: false, periodStart: '2026-01-01T00:00:00Z', periodEnd: '2026-04-01T00:00:00Z' });
    // no series at all: no achieved, no credit, flagged for review
    const nd = row('nd', '2026-02');
    expect(nd.achieved).toBeNull();
    expect(nd.flags).toContain('review');
    expect(nd.flags).toContain('no-data');
    expect(nd.amount).toBe('0.00');
    // the claim window: 30 days after the period; its end is the midnight (UTC) after the deadline day
    for (const x of r.credits) {
      expect(x.claimDeadline).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(x.claimDeadlineEndsAt).toBe(iso(Date.parse(`${x.claimDeadline}T00:00:00Z`) + DAY));
      expect(x.rounding).toBe('none');
      expect(x.role).toBe('provider');
      expect(x.vendor).toBe('Acme CDN');
    }
    expect(r.totals).toEqual([
      {
        contract: 'acme',
        vendor: 'Acme CDN',
        currency: 'USD',
        amount: '400.00',
        cap: '900.00',
        capped: true,
        periods: [
          { period: '2026-01', amount: '150.00', cap: '150.00', capped: true },
          { period: '2026-Q1', amount: '150.00', cap: '450.00', capped: false },
          { period: '2026-02', amount: '0.00', cap: '150.00', capped: false },
          { period: '2026-03', amount: '100.00', cap: '150.00', capped: false },
        ],
      },
    ]);
  });

  it('a month leaves a quarterly SLA out, a month before the term is outside it, months after `at` have not started', async () => {
    const c = contract();
    const r = await measureCredits(slas(c), { period: '2026-03', at: APR1 + DAY, source: source() });
    expect(r.skipped).toEqual(['acme/qt']);
    expect(r.credits.map((x) => x.sla)).toEqual(['ev', 'nd']);
    const before = await measureCredits(slas(c), { period: '2025-12', at: APR1, source: source() });
    expect(before).toMatchObject({ credits: [], totals: [], skipped: ['acme/qt'], outsideTerm: ['acme/ev 2025-12', 'acme/nd 2025-12'], notStarted: [] });
    expect(before.requests).toBe(0);
    const early = await measureCredits(slas(c), { period: '2026-Q1', at: FEB1 + 10 * M, source: source() });
    expect(early.notStarted).toEqual(['acme/ev 2026-03', 'acme/nd 2026-03']);
    expect(early.credits.map((x) => `${x.sla} ${x.period} ${x.provisional}`)).toEqual(['ev 2026-01 false', 'nd 2026-01 false', 'qt 2026-Q1 true', 'ev 2026-02 true', 'nd 2026-02 true']);
    expect(early.credits.find((x) => x.period === '2026-02' && x.sla === 'ev')!.flags).toContain('provisional');
    expect(early.credits.find((x) => x.period === '2026-01' && x.sla === 'ev')!.flags).not.toContain('provisional');
    // provisional up to the period's end exclusive: at the end itself the month is final
    const atEnd = await measureCredits(slas(c).slice(0, 1), { period: '2026-02', at: MAR1, source: source() });
    expect(atEnd.credits[0]!.provisional).toBe(false);
    const justBefore = await measureCredits(slas(c).slice(0, 1), { period: '2026-02', at: MAR1 - 1, source: source() });
    expect(justBefore.credits[0]!.provisional).toBe(true);
  });

  it('refuses a label that is not a month, quarter or year before measuring anything', async () => {
    const src = source();
    await expect(measureCredits(slas(contract()), { period: '2026-3', at: APR1, source: src })).rejects.toThrow(new PeriodLabelError('--period expects YYYY-MM, YYYY-Qn or YYYY (got "2026-3")'));
    expect(src.requests).toBe(0);
    await expect(measureCredits([], { period: '2026-13', at: APR1 })).rejects.toThrow(PeriodLabelError);
  });

  it('detail keeps every measurement (all slices, the observations read); warnings of a partial answer are reported once', async () => {
    const c = contract();
    const src = source();
    src.warnings = ['partial: store-2 down', 'partial: store-2 down'];
    const r = await measureCredits(slas(c).slice(0, 1), { period: '2026-02', at: MAR1, source: src, detail: true });
    expect(r.warnings).toEqual(['partial: store-2 down']);
    expect(r.measurements).toHaveLength(1);
    const m = r.measurements![0]!;
    expect(m.recent.statuses).toHaveLength(28 * 24 * 60);
    expect(m.observations).toHaveLength(28 * 24 * 60);
    expect(r.credits[0]!.flags).toContain('partial-response');
    expect(r.credits[0]!.evidence.warnings).toEqual(['partial: store-2 down']);
  });

  it('a contract without a revision has none in the evidence; without a claim window, no deadline', async () => {
    const loaded = contract();
    const c = { ...loaded, revision: undefined, creditPolicy: { ...loaded.creditPolicy, claimWindowDays: undefined } };
    const r = await measureCredits(slas(c).slice(0, 1), { period: '2026-02', at: MAR1, source: source() });
    expect('contractRevision' in r.credits[0]!.evidence).toBe(false);
    expect(r.credits[0]).toMatchObject({ claimDeadline: null, claimDeadlineEndsAt: null });
  });
});

describe('period labels', () => {
  it('months, quarters and years, written exactly', () => {
    expect(['2026-01', '2026-09', '2026-10', '2026-12'].map(periodKindOfLabel)).toEqual(['month', 'month', 'month', 'month']);
    expect(['2026-Q1', '2026-Q4'].map(periodKindOfLabel)).toEqual(['quarter', 'quarter']);
    expect(periodKindOfLabel('1999')).toBe('year');
    for (const bad of ['2026-00', '2026-13', '2026-1', 'x2026-01', '2026-01x', '2026-Q0', '2026-Q5', 'x2026-Q1', '2026-Q1x', '202', '20261', 'abcd', 'x2026', '2026x', '2026-q1']) {
      expect(() => periodKindOfLabel(bad), bad).toThrow(PeriodLabelError);
    }
  });

  it('the periods of a kind inside a label', () => {
    expect(subPeriodLabels('2026-Q4', 'month')).toEqual(['2026-10', '2026-11', '2026-12']);
    expect(subPeriodLabels('2026-Q2', 'month')).toEqual(['2026-04', '2026-05', '2026-06']);
    expect(subPeriodLabels('2026', 'quarter')).toEqual(['2026-Q1', '2026-Q2', '2026-Q3', '2026-Q4']);
    expect(subPeriodLabels('2026', 'month')).toEqual(['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12']);
    expect(subPeriodLabels('2026-05', 'month')).toEqual(['2026-05']);
    expect(subPeriodLabels('2026-05', 'quarter')).toEqual([]);
    expect(subPeriodLabels('2026-Q3', 'quarter')).toEqual(['2026-Q3']);
  });

  it('the instants a label spans in a zone', () => {
    expect(labelRange('2026', 'UTC')).toEqual({ start: Date.UTC(2026, 0, 1), end: Date.UTC(2027, 0, 1) });
    expect(labelRange('2026-Q2', 'UTC')).toEqual({ start: Date.UTC(2026, 3, 1), end: Date.UTC(2026, 6, 1) });
    expect(labelRange('2026-02', 'Asia/Tokyo')).toEqual({ start: Date.UTC(2026, 0, 31, 15), end: Date.UTC(2026, 1, 28, 15) });
  });
});

describe('measureCredits, more edges', () => {
  it('a label error is a PeriodLabelError by name; without a source nothing is counted; warnings of all rows sorted', async () => {
    const e = await measureCredits([], { period: 'bad', at: APR1 }).catch((x: unknown) => x);
    expect((e as Error).name).toBe('PeriodLabelError');
    const c = contract();
    const none = await measureCredits(slas(c), { period: '2025-12', at: APR1 });
    expect(none.requests).toBe(0);
    class Warn extends TableSource {
      override async range(expr: string, a: number, b: number, step: number) {
        return { ...(await super.range(expr, a, b, step)), warnings: [expr.includes('silent') ? 'a-silent' : 'z-p'] };
      }
    }
    const t = new Warn(sourceTable());
    // one request per SLA (no combined selector, two branches a request): each answer warns for its own SLA
    const r = await measureCredits(slas(c), { period: '2026-02', at: MAR1, source: t, fetch: { combine: false, maxBranches: 2 } });
    expect(r.warnings).toEqual(['a-silent', 'z-p']);
  });
});
