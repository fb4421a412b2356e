// The example contracts in contracts/ are valid and follow the project notes on metrics (ids, services,
// styles) so the demo and the other rooms can rely on them.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContracts, type Contract } from '../../src/contract/index.js';

const CONTRACTS = join(import.meta.dirname, '../../contracts');
const files = readdirSync(CONTRACTS).filter((f) => f.endsWith('.yaml')).sort();

// From the metrics convention: file → service label value.
const SERVICE_LABEL: Record<string, string> = {
  'acme-compute.yaml': 'compute',
  'globex-storage.yaml': 'gcs',
  'octo-enterprise.yaml': 'github',
  'initech-objects.yaml': 's3',
  'obligo-platform-api.yaml': 'platform-api',
};

describe('example contracts', async () => {
  const result = await loadContracts([CONTRACTS]);
  const byId = new Map<string, Contract>(result.contracts.map((c) => [c.id, c]));
  const get = (id: string) => {
    const c = byId.get(id);
    if (!c) throw new Error(`contract ${id} did not load`);
    return c;
  };

  it('all load with no issues at all (not even warnings)', () => {
    expect(result.issues).toEqual([]);
    expect(result.files.map((f) => f.slice(CONTRACTS.length + 1))).toEqual(files);
    expect(result.contracts).toHaveLength(files.length);
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it('every file named in the metrics convention exists; id = file name', () => {
    for (const f of Object.keys(SERVICE_LABEL)) expect(files).toContain(f);
    for (const c of result.contracts) expect(c.file.endsWith(`/${c.id}.yaml`)).toBe(true);
  });

  it('each starts with a comment naming the real SLA it is modelled on', () => {
    for (const f of files) {
      const first = readFileSync(join(CONTRACTS, f), 'utf8').split('\n')[0]!;
      expect(first, f).toMatch(/^# (Modelled on|Our own SLA)/);
      expect(readFileSync(join(CONTRACTS, f), 'utf8'), f).toMatch(/Quirks? exercised/);
    }
  });

  it('SLI queries select the service label of the metrics convention', () => {
    for (const [file, svc] of Object.entries(SERVICE_LABEL)) {
      const c = get(file.replace(/\.yaml$/, ''));
      for (const s of c.slas) {
        expect(s.sli.total, `${c.id}/${s.id}`).toContain(`service="${svc}"`);
        expect(s.sli.good, `${c.id}/${s.id}`).toContain(`service="${svc}"`);
        expect(s.sli.total).toContain('{{.window}}');
      }
    }
  });

  it('styles: measurement methods, objectives, tiers as in the convention', () => {
    const acme = get('acme-compute').slas[0]!;
    expect([acme.objective, acme.period, acme.measurement.method, acme.measurement.slice]).toEqual([99.99, 'month', 'timeslices', '1m']);
    expect(acme.tiers).toEqual([
      { below: 99.99, percent: 10 },
      { below: 99.0, percent: 30 },
      { below: 95.0, percent: 100 },
    ]);

    const globex = get('globex-storage');
    expect(globex.slas[0]!.measurement).toMatchObject({ method: 'timeslices', slice: '1m', sliceGoodRatio: 0.9, minConsecutiveBadSlices: 10 });
    expect(globex.creditPolicy.capPercent).toBe(50);
    expect(globex.termStart).toBe('2026-03-15');

    const octo = get('octo-enterprise');
    expect(octo.slas[0]).toMatchObject({ objective: 99.9, period: 'quarter' });
    expect(octo.slas[0]!.measurement.sliceGoodRatio).toBe(0.95);
    expect(octo.slas[0]!.tiers[0]).toEqual({ atOrBelow: 99.9, above: 99.0, percent: 10 });
    expect(octo.creditPolicy.claimWindowDays).toBe(30);

    const initech = get('initech-objects').slas[0]!;
    expect(initech.measurement).toMatchObject({ method: 'averaged', slice: '5m', sliceSeconds: 300 });
    expect(initech.tiers.map((t) => t.percent)).toEqual([10, 25, 100]);
  });

  it('obligo-platform-api: provider, events availability 99.95 and histogram latency 99.0 at 0.3 s', () => {
    const c = get('obligo-platform-api');
    expect(c.role).toBe('provider');
    expect(c.slas.map((s) => [s.id, s.objective, s.measurement.method])).toEqual([
      ['availability', 99.95, 'events'],
      ['latency', 99.0, 'events'],
    ]);
    const lat = c.slas[1]!;
    expect(lat.sli.kind).toBe('latency');
    expect(lat.sli.good).toBe('sum(rate(obligo_demo_request_duration_seconds_bucket{service="platform-api",le="0.3"}[{{.window}}]))');
    expect(lat.sli.total).toBe('sum(rate(obligo_demo_request_duration_seconds_bucket{service="platform-api",le="+Inf"}[{{.window}}]))');
  });

  it('varied time zones, currencies; secrets only by reference; escalation with response times', () => {
    const zones = new Set(result.contracts.map((c) => c.timezone));
    expect(zones.size).toBeGreaterThanOrEqual(5);
    expect(new Set(result.contracts.map((c) => c.currency))).toEqual(new Set(['USD', 'EUR', 'JPY']));
    expect(result.contracts.some((c) => !c.termStart.endsWith('-01'))).toBe(true);
    for (const c of result.contracts) {
      const ref = c.pagerduty?.routingKey;
      expect(ref, c.id).toBeDefined();
      expect(ref && 'env' in ref ? ref.env : undefined).toBe(`PD_${c.id.toUpperCase().replace(/-/g, '_')}_ROUTING_KEY`);
      expect(c.escalation.length, c.id).toBeGreaterThanOrEqual(2);
      for (const e of c.escalation) expect(e.respondWithinMinutes, c.id).toBeGreaterThan(0);
      expect(c.creditPolicy.claimWindowDays, c.id).toBeGreaterThan(0);
      expect(c.hash).toMatch(/^[0-9a-f]{64}$/);
    }
    const kinds = result.contracts.flatMap((c) => c.maintenance.map((m) => ('schedule' in m ? 'recurring' : 'one-off')));
    expect(new Set(kinds)).toEqual(new Set(['recurring', 'one-off']));
  });
});
