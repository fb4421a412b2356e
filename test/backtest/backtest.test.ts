// Backtest of proposed renewal terms against a real Prometheus: what each month measured, and what the
// current and the proposed terms pay, checked against the generator's own counts and hand arithmetic.
import { join } from 'node:path';
import { Decimal as DecimalBase } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { parseTiers, withTerms, monthLabels, TermsError } from '../../src/backtest/backtest.js';
import { backtestCommand } from '../../src/cli/commands/backtest.js';
import { memoryIO } from '../../src/cli/io.js';
import type { TrafficSpec } from '../../src/demo/synthetic.js';
import { describeWithPrometheus } from '../helpers/prometheus.js';

const CONTRACTS = join(import.meta.dirname, 'fixtures');
// Ground truth arithmetic with far more digits than the 30 compared.
const Decimal = DecimalBase.clone({ precision: 80 });
const M = 60_000;
const t = (s: string) => Date.parse(s);
const outage = (from: string, to: string, errorRatio: number) => ({ start: t(from), end: t(to), errorRatio });

const SPEC: TrafficSpec = {
  start: t('2025-12-31T00:00:00Z'),
  end: t('2026-03-02T00:00:00Z'),
  services: [
    {
      service: 'bt',
      requestsPerMinute: 100,
      outages: [
        outage('2026-01-12T09:00:00Z', '2026-01-12T09:30:00Z', 1), // 30 bad minutes: 99.9328 % in January
        outage('2026-02-17T22:00:00Z', '2026-02-17T23:40:00Z', 0.2), // 100 bad minutes: 99.752 % in February
        outage('2026-02-20T10:00:00Z', '2026-02-20T10:05:00Z', 0.03), // 3 % errors: still good at 0.95
      ],
    },
  ],
};

interface BacktestJson {
  rows: Array<{
    sla: string;
    period: string;
    achieved: string;
    badMinutes: number;
    current: { objective: number; met: boolean; creditPercent: number; amount: string };
    proposed: { objective: number; met: boolean; creditPercent: number; amount: string };
  }>;
  totals: { current: string; proposed: string; breachesCurrent: number; breachesProposed: number };
}

describe('proposed terms', () => {
  it('tiers parse as the contract format writes them, and bad ones are refused with the reason', () => {
    expect(parseTiers('below 99.95:5, below 99.9:15, atOrBelow 99 above 90:50')).toEqual([
      { below: 99.95, percent: 5 },
      { below: 99.9, percent: 15 },
      { atOrBelow: 99, above: 90, percent: 50 },
    ]);
    expect(() => parseTiers('above 99:10')).toThrow(/needs an upper bound/);
    expect(() => parseTiers('below 99.9')).toThrow(/BOUND VALUE/);
    expect(() => parseTiers('below 99.9:150')).toThrow(/percent must be in/);
    expect(() => parseTiers('under 99:10')).toThrow(/unknown bound "under"/);
    expect(() => parseTiers('below 99 atOrBelow 98:10')).toThrow(/exclude each other/);
  });

  it('months are listed inclusively and a reversed range is refused', () => {
    expect(monthLabels('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(() => monthLabels('2026-03', '2026-01')).toThrow(TermsError);
  });
});

describeWithPrometheus('backtest (real Prometheus, backfilled synthetic traffic)', SPEC, (prom) => {
  function truth(objective: number, tiers: Array<[number, number]>) {
    return [
      { label: '2026-01', start: t('2026-01-01T00:00:00Z'), end: t('2026-02-01T00:00:00Z') },
      { label: '2026-02', start: t('2026-02-01T00:00:00Z'), end: t('2026-03-01T00:00:00Z') },
    ].map((m) => {
      const minutes = (m.end - m.start) / M;
      const bad = prom.truth.badMinutes('bt', 0.95, { range: m });
      const achieved = new Decimal(100).times(minutes - bad).div(minutes);
      const pct = Math.max(0, ...tiers.filter(([below]) => achieved.lt(below)).map(([, p]) => p));
      return { label: m.label, bad, achieved, met: achieved.gte(objective), pct, amount: new Decimal(1000).times(pct).div(100).toFixed(2) };
    });
  }

  it('month by month: current and proposed terms side by side, as the generator counts', async () => {
    const io = memoryIO({});
    const code = await backtestCommand(
      ['--contracts', CONTRACTS, '--prometheus', prom.url, '--contract', 'bt-db', '--from', '2026-01', '--to', '2026-02', '--at', '2026-03-02T00:00:00Z',
        '--objective', '99.95', '--tiers', 'below 99.95:5, below 99.9:15, below 99:50', '--format', 'json'],
      io,
    );
    expect(io.err).toBe('');
    expect(code).toBe(0);
    const j = JSON.parse(io.out) as BacktestJson;
    const now = truth(99.9, [[99.9, 10], [99, 25]]);
    const proposed = truth(99.95, [[99.95, 5], [99.9, 15], [99, 50]]);
    expect(now.map((x) => x.bad)).toEqual([30, 100]);
    expect(j.rows.map((r) => r.period)).toEqual(['2026-01', '2026-02']);
    j.rows.forEach((r, i) => {
      expect(r.badMinutes).toBe(now[i]!.bad);
      expect(new Decimal(r.achieved).toFixed(30)).toBe(now[i]!.achieved.toFixed(30));
      expect(r.current).toMatchObject({ objective: 99.9, met: now[i]!.met, creditPercent: now[i]!.pct, amount: now[i]!.amount });
      expect(r.proposed).toMatchObject({ objective: 99.95, met: proposed[i]!.met, creditPercent: proposed[i]!.pct, amount: proposed[i]!.amount });
    });
    // January met 99.9 but not 99.95; February missed both.
    expect(j.rows.map((r) => [r.current.met, r.proposed.met])).toEqual([[true, false], [false, false]]);
    expect(j.totals).toMatchObject({ current: '100.00', proposed: '200.00', breachesCurrent: 1, breachesProposed: 2 });
  });

  it('the table says both totals; a backtest with no proposed term is a usage error', async () => {
    const io = memoryIO({});
    expect(await backtestCommand(['--contracts', CONTRACTS, '--prometheus', prom.url, '--contract', 'bt-db', '--from', '2026-01', '--to', '2026-02', '--at', '2026-03-02T00:00:00Z', '--cap-percent', '12'], io)).toBe(0);
    // A 12 % cap (120.00 a month) leaves February's 100.00 as it is.
    expect(io.out).toContain('credits: 100.00 USD under the current terms, 100.00 USD under the proposed ones');
    const bad = memoryIO({});
    expect(await backtestCommand(['--contracts', CONTRACTS, '--prometheus', prom.url, '--contract', 'bt-db', '--from', '2026-01', '--to', '2026-02'], bad)).toBe(2);
    expect(bad.err).toMatch(/at least one proposed term/);
  });

  it('withTerms copies: the loaded contract keeps its terms', async () => {
    const { loadContracts } = await import('../../src/contract/load.js');
    const { contracts } = await loadContracts([CONTRACTS]);
    const c = contracts[0]!;
    const p = withTerms(c, { objective: 99.95, capPercent: 50 });
    expect(p.slas[0]!.objective).toBe(99.95);
    expect(p.creditPolicy.capPercent).toBe(50);
    expect(c.slas[0]!.objective).toBe(99.9);
    expect(c.creditPolicy.capPercent).toBe(100);
  });
}, { readyTimeoutMs: 60_000 });
