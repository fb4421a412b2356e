import { describe, expect, it } from 'vitest';
import { engineHealthObservation, engineUnhealthy, redactUrl } from '../../src/alerting/index.js';

describe('engine-health observation', () => {
  it('is one alert keyed obligo/-/-/engine-health whatever the number of SLAs affected', () => {
    const problems = Array.from({ length: 40 }, (_, i) => ({ kind: 'unreachable', message: `connect ECONNREFUSED (${i})`, sla: `c${i}/availability` }));
    const o = engineHealthObservation({ slasTotal: 40, slasFailed: 40, slasSilent: 0, problems, prometheusUrl: 'https://bob:hunter2@prom.example.com:9090/?token=abc' });
    expect(o.key).toEqual({ contract: '-', sla: null, alert: 'engine-health' });
    expect(o).toMatchObject({ active: true, severity: 'error', class: 'engine-health', vendor: 'Obligo', group: 'obligo-engine', routing: {}, escalation: [] });
    expect(o.summary).toBe(
      'Obligo cannot evaluate 40 of 40 SLAs: Prometheus at https://prom.example.com:9090 unreachable (connect ECONNREFUSED (0)). Not a vendor breach: SLA alerts hold until measurement resumes.',
    );
    expect(o.evidence).toMatchObject({ prometheus: 'https://prom.example.com:9090', slasFailed: 40, problemCount: 40, problemKinds: ['unreachable'] });
    expect((o.evidence.problems as unknown[]).length).toBe(5);
    expect(JSON.stringify(o)).not.toMatch(/hunter2|token=abc/);
  });

  it('is active when any SLA could not be evaluated, or when every SLA is silent', () => {
    expect(engineUnhealthy({ slasTotal: 10, slasFailed: 1, slasSilent: 0 })).toBe(true);
    expect(engineUnhealthy({ slasTotal: 10, slasFailed: 0, slasSilent: 10 })).toBe(true);
    expect(engineUnhealthy({ slasTotal: 10, slasFailed: 0, slasSilent: 9 })).toBe(false);
    expect(engineUnhealthy({ slasTotal: 0, slasFailed: 0, slasSilent: 0 })).toBe(false);
    const silent = engineHealthObservation({ slasTotal: 3, slasFailed: 0, slasSilent: 3, problems: [] });
    expect(silent.summary).toBe('Obligo engine: Prometheus returned no data for all 3 SLAs. Check the URL, tenant and scrape targets; not a vendor breach.');
    const ok = engineHealthObservation({ slasTotal: 3, slasFailed: 0, slasSilent: 1, problems: [], severity: 'critical', source: 'obligo-eu' });
    expect(ok).toMatchObject({ active: false, severity: 'critical', source: 'obligo-eu' });
  });

  it('redacts URLs it cannot parse entirely', () => {
    expect(redactUrl('not a url with a password')).toBe('(unparseable URL)');
    expect(redactUrl('http://prom:9090/prometheus/#x')).toBe('http://prom:9090/prometheus');
  });
});
