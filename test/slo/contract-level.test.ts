// The measurement core driven by a real contract model (schema → toModel), as the evaluator will.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ContractSchema } from '../../src/contract/schema.js';
import { toModel } from '../../src/contract/model.js';
import { computeCredits } from '../../src/credits/credit.js';
import { budgetRemaining, budgetState } from '../../src/slo/budget.js';
import { measurePeriod, measurePeriodFromRollups, sliceContextFor } from '../../src/slo/measure.js';
import { parsePeriodLabel } from '../../src/slo/periods.js';
import { type SliceObservation, measuredSlices, summariseHour } from '../../src/slo/slices.js';

const YAML = `
apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: acme-cdn, title: Acme CDN }
role: customer
parties: { vendor: { name: Acme }, customer: { name: Example } }
term: { start: 2026-01-01, timezone: America/New_York }
fees: { currency: USD, monthly: 12000 }
services: [ { id: edge, name: Edge, monthlyFee: 8000 } ]
maintenance:
  - { start: 2026-03-10T01:00:00Z, end: 2026-03-10T03:00:00Z }
  - { schedule: "0 2 * * 0", durationMinutes: 120 }
slas:
  - id: availability
    service: edge
    objective: 99.95
    period: month
    sli: { good: 'sum(rate(g[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))' }
    measurement: { method: timeslices, slice: 1m, sliceGoodRatio: 0.95, minConsecutiveBadSlices: 1, noData: good }
    credits: { tiers: [ { below: 99.95, percent: 10 }, { below: 99.0, percent: 25 }, { below: 95.0, percent: 100 } ] }
  - id: latency
    objective: 99.0
    period: month
    sli: { good: 'sum(rate(g[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))' }
    measurement: { method: events }
    credits: { tiers: [ { below: 99.0, percent: 10 } ] }
creditPolicy: { capPercent: 50, claimWindowDays: 30 }
`;

const contract = toModel(ContractSchema.parse(parse(YAML)), 'inline.yaml', 'hash');
const [availability, latency] = contract.slas as [(typeof contract.slas)[0], (typeof contract.slas)[0]];
const march = parsePeriodLabel('2026-03', contract.timezone);
const M = 60_000;

/** 1000 requests a minute; a 30-minute outage on 20 March 16:00–16:30Z (12:00 EDT) at 50 % errors. */
function observations(): SliceObservation[] {
  const out: SliceObservation[] = [];
  const outage = Date.UTC(2026, 2, 20, 16);
  for (let t = march.start; t < march.end; t += M) {
    const bad = t >= outage && t < outage + 30 * M;
    out.push({ start: t, good: bad ? 500 : 1000, total: 1000 });
  }
  return out;
}

describe('contract-level measurement and credits (March 2026, New York)', () => {
  const obs = observations();

  it('timeslices with maintenance: 44,580 − 720 minutes measured, 30 bad', () => {
    const m = measurePeriod(contract, availability, march, obs);
    // maintenance: Sundays 1, 8, 15, 22, 29 March × 120 min + the one-off 120 min = 720 min
    expect(m.excludedMinutes).toBe(720);
    expect(m.measuredMinutes).toBe(44_580 - 720);
    expect(m.badMinutes).toBe(30);
    expect(m.achievedDecimal).toBe('99.93160054719562243502051983584131326949'); // 100 × 43,830 / 43,860
    expect(m.flags).toEqual(['maintenance']);
    expect(budgetRemaining(m.achievedDecimal, availability.objective)).toBeCloseTo(1 - (30 / 43_860) / 0.0005, 12);
    expect(budgetState({ achieved: m.achievedDecimal, objective: availability.objective })).toBe('breached');
  });

  it('events: Σgood/Σtotal over non-excluded minutes', () => {
    const m = measurePeriod(contract, latency, march, obs);
    // (43,860 × 1000 − 30 × 500) / (43,860 × 1000)
    expect(m.achievedDecimal).toBe('99.96580027359781121751025991792065663475');
    expect(m.totalEventsDecimal).toBe('43860000');
  });

  it('hourly rollups of the whole month reproduce both measurements exactly', () => {
    for (const sla of [availability, latency]) {
      const ctx = sliceContextFor(contract, sla, march);
      expect(measuredSlices(ctx)).toEqual({ firstStart: march.start, count: 44_580, sliceMs: M });
      const rollups = [];
      for (let h = march.start; h < march.end; h += 3_600_000) rollups.push(summariseHour(ctx, h, obs.slice((h - march.start) / M, (h - march.start) / M + 60)));
      expect(measurePeriodFromRollups(contract, sla, march, rollups)).toEqual(measurePeriod(contract, sla, march, obs));
    }
  });

  it('period-to-date (asOf 20 March 16:10Z): 10 bad minutes so far', () => {
    const asOf = Date.UTC(2026, 2, 20, 16, 10);
    const m = measurePeriod(contract, availability, march, obs, asOf);
    expect(m.badMinutes).toBe(10);
    expect(m.flags).toEqual(['maintenance', 'partial-period']);
  });

  it('credits: 10 % of the edge fee; latency at 99.9658 % earns nothing; cap 6000', () => {
    const a = measurePeriod(contract, availability, march, obs);
    const l = measurePeriod(contract, latency, march, []); // no data at all
    const s = computeCredits(contract, march, [
      { sla: availability, achieved: a.achievedDecimal, flags: a.flags },
      { sla: latency, achieved: l.achievedDecimal, flags: l.flags },
    ]);
    expect(s.rows.map((r) => [r.slaId, r.percent, r.amount, r.flags])).toEqual([
      ['availability', 10, '800.00', []],
      ['latency', 0, '0.00', ['no-data']],
    ]);
    expect(s).toMatchObject({ total: '800.00', cap: '6000.00', capped: false, claimDeadline: '2026-04-30' });
  });
});
