// measureStatus with persisted rollups: the server's tick writes finished hours, later ticks read them.
import { describe, expect, it } from 'vitest';
import { loadContractText } from '../../src/contract/load.js';
import { measureStatus } from '../../src/measure/status.js';
import { RollupStore } from '../../src/store/sqlite.js';
import { TableSource, type ValueFn } from './table-source.js';

const M = 60_000;
const H = 3_600_000;

const contract = loadContractText(
  'p.yaml',
  `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: p, title: P }
role: provider
parties: { vendor: { name: Us }, customer: { name: Them } }
term: { start: 2026-01-01, timezone: UTC }
fees: { currency: USD, monthly: 100 }
slas:
  - id: a
    objective: 99
    period: month
    sli: { good: 'sum(rate(g[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))' }
    measurement: { method: timeslices, slice: 1m, sliceGoodRatio: 0.5, noData: ignore }
    credits: { tiers: [ { below: 99, percent: 10 } ] }
`,
).contract!;

describe('measureStatus', () => {
  it('persists finished hours (not the last 5 minutes) and reads them back with the same result', async () => {
    const start = Date.UTC(2026, 3, 1);
    const at = start + 3 * H + 2 * M; // the hour 02:00–03:00 ended 2 minutes ago: too fresh to persist
    // 1 bad minute in 10: good = 0 for minutes with index % 10 === 0
    const table = new Map<string, ValueFn>([
      ['sum(rate(g[1m]))', (end: number) => (((end - M - start) / M) % 10 === 0 ? 0 : 1)],
      ['sum(rate(t[1m]))', () => 1],
    ]);
    const store = RollupStore.open(':memory:');
    const slas = [{ contract, sla: contract.slas[0]! }];
    const first = await measureStatus(slas, { at, source: new TableSource(table), store, persist: true });
    expect(store.count()).toBe(2); // 00:00–01:00 and 01:00–02:00
    const s = first.slas[0]!;
    expect(s.measuredMinutes).toBe(3 * 60 + 2);
    expect(s.badMinutes).toBe(19);
    expect(s.evidence.source).toBe('prometheus');
    const second = await measureStatus(slas, { at, source: new TableSource(table), store });
    expect(second.slas[0]!.evidence).toMatchObject({ source: 'rollups+prometheus', rollupHours: 2 });
    expect(second.slas[0]!.achievedDecimal).toBe(s.achievedDecimal);
    expect(s.state).toBe('breached');
    store.close();
  });
});
