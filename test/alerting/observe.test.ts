import { describe, expect, it } from 'vitest';
import { contractObservation, toPagerDutyEvent, step } from '../../src/alerting/index.js';
import { contractFixture } from './helpers.js';

describe('contractObservation', () => {
  it('names vendor, SLA and what is happening, and carries contacts, routing, revision and document', () => {
    const c = contractFixture('acme-compute');
    const sla = c.slas.find((s) => s.id === 'availability')!;
    const o = contractObservation({
      contract: c,
      sla,
      alert: 'burn-page',
      active: true,
      severity: 'critical',
      what: 'error budget burning 20.1x over 1h and 25x over 5m (threshold 14.4x)',
      class: 'error-budget-burn',
      evidence: { achieved: 99.91, burnRates: { '1h': 20.1, '5m': 25 }, budgetRemaining: 0.42, coverage: 0.998 },
      links: [{ href: 'https://grafana.example.com/d/obligo-acme-compute', text: 'Grafana dashboard' }],
    });
    expect(o.summary).toBe(
      'Acme Cloud Services, Inc. · Region-Level Monthly Uptime Percentage (acme-compute/availability): error budget burning 20.1x over 1h and 25x over 5m (threshold 14.4x)',
    );
    expect(o.suppressed).toBeUndefined();
    const body = toPagerDutyEvent(step(undefined, o, Date.UTC(2026, 2, 1), { forMs: 0, resolveAfterMs: 0 }).events[0]!);
    expect(body.dedup_key).toBe('obligo/acme-compute/availability/burn-page');
    expect(body.payload).toMatchObject({ component: 'Acme Cloud Services, Inc.', group: 'acme-compute', class: 'error-budget-burn', severity: 'critical' });
    expect(body.payload!.custom_details).toMatchObject({
      objective: sla.objective,
      achieved: 99.91,
      budgetRemaining: 0.42,
      coverage: 0.998,
      revision: '2022-05-05-region-level',
      documentUrl: 'https://clm.example.com/contracts/acme-compute-2026',
      escalation: [
        { level: 1, name: 'Acme Support (Enterprise)', email: 'support@acme-cloud.example', phone: '+1 206 555 0101', respondWithinMinutes: 15 },
        { level: 2, name: 'Acme Technical Account Manager', email: 'tam@acme-cloud.example', phone: '+1 206 555 0102', respondWithinMinutes: 60 },
        { level: 3, name: 'Acme Support Escalations Manager', email: 'escalations@acme-cloud.example', respondWithinMinutes: 240 },
      ],
    });
    expect(body.links).toEqual([
      { href: 'https://grafana.example.com/d/obligo-acme-compute', text: 'Grafana dashboard' },
      { href: 'https://clm.example.com/contracts/acme-compute-2026', text: 'Contract document' },
    ]);
    expect(o.routing).toEqual({ routingKey: { env: 'PD_ACME_COMPUTE_ROUTING_KEY' } });
  });

  it('is suppressed while the contract is in maintenance', () => {
    const c = contractFixture('globex-storage');
    const o = contractObservation({ contract: c, sla: c.slas[0]!, alert: 'breach', active: true, severity: 'critical', what: 'x', class: 'sla-breach', maintenance: { active: true, reason: 'weekly window' } });
    expect(o.suppressed).toEqual({ reason: 'maintenance: weekly window' });
    const r = step(undefined, o, Date.UTC(2026, 2, 1), { forMs: 0, resolveAfterMs: 0 });
    expect(r.events).toEqual([]);
  });
});
