// PeriodState.key keeps the key it built per SLA object (serve asks it for every SLA on every tick): asked
// again with another definition hash or period, it must build the other key, and asked back, the first.
// The source runs of a measurement name their hours in RFC 3339 UTC, shared by the SLAs of a tick.
// Ground truth: the key format written out here, and hours counted from the period's start.
import { describe, expect, it } from 'vitest';
import { measureTargets, PeriodState } from '../../src/measure/measure-slas.js';
import { parsePeriodLabel } from '../../src/slo/periods.js';
import { minuteCounts, oneEventsSla } from './one-sla.js';
import { TableSource } from './table-source.js';

const APRIL = parsePeriodLabel('2026-04', 'UTC');
const MAY = parsePeriodLabel('2026-05', 'UTC');
const H = 3_600_000;

describe('PeriodState.key', () => {
  it('is the SLA key, the definition hash and the period start, whatever was asked before', () => {
    const c = oneEventsSla({ id: 'k', slaId: 'ev' });
    const sla = c.slas[0]!;
    const want = (hash: string, start: number) => `k/ev\u0000${hash}\u0000${start}`;
    const asks: Array<[string, typeof APRIL]> = [
      ['h1', APRIL],
      ['h1', APRIL],
      ['h2', APRIL],
      ['h1', APRIL],
      ['h1', MAY],
      ['h2', MAY],
      ['h2', APRIL],
      ['h1', MAY],
    ];
    for (const [hash, period] of asks) expect(PeriodState.key({ contract: c, sla, period }, hash)).toBe(want(hash, period.start));
  });

  it('differs between SLAs with the same hash and period', () => {
    const a = oneEventsSla({ id: 'a', slaId: 'ev' });
    const b = oneEventsSla({ id: 'b', slaId: 'ev' });
    expect(PeriodState.key({ contract: a, sla: a.slas[0]!, period: APRIL }, 'h')).toBe(`a/ev\u0000h\u0000${APRIL.start}`);
    expect(PeriodState.key({ contract: b, sla: b.slas[0]!, period: APRIL }, 'h')).toBe(`b/ev\u0000h\u0000${APRIL.start}`);
    expect(PeriodState.key({ contract: a, sla: a.slas[0]!, period: APRIL }, 'h')).toBe(`a/ev\u0000h\u0000${APRIL.start}`);
  });
});

describe('source runs of a measurement', () => {
  it('name their hours in RFC 3339 UTC, for every SLA of a tick and on the next tick', async () => {
    const t = minuteCounts(() => 9, () => 10);
    const cs = [oneEventsSla({ id: 'x', slaId: 'ev' }), oneEventsSla({ id: 'y', slaId: 'ev' })];
    const state = new PeriodState();
    for (const hours of [3, 5]) {
      const asOf = APRIL.start + hours * H;
      const ms = await measureTargets(
        cs.map((c) => ({ contract: c, sla: c.slas[0]!, period: APRIL })),
        { asOf, source: new TableSource(t), state, persistLagMs: 0, ingestDelayMs: 0 },
      );
      for (const m of ms) {
        const runs = m.evidence.hours;
        expect(runs[0]!.from).toBe('2026-04-01T00:00:00Z');
        expect(runs[runs.length - 1]!.to).toBe(new Date(asOf).toISOString().replace('.000Z', 'Z'));
        expect(runs.reduce((n, r) => n + r.hours, 0)).toBe(hours);
      }
    }
  });
});
