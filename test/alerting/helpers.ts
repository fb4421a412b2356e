// Test scaffolding for the alerting tests: observations shaped like the ones the evaluate layer builds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadContractText } from '../../src/contract/load.js';
import type { Contract } from '../../src/contract/model.js';
import { step, type AlertKey, type AlertObservation, type AlertPolicy, type AlertState, type StepResult } from '../../src/alerting/index.js';
import { projectRoot } from '../helpers/tools.js';

export function contractFixture(id: string): Contract {
  const file = join(projectRoot, 'contracts', `${id}.yaml`);
  const r = loadContractText(file, readFileSync(file, 'utf8'));
  if (!r.contract) throw new Error(`fixture ${id} does not load: ${JSON.stringify(r.issues)}`);
  return r.contract;
}

export function obs(over: Partial<AlertObservation> & { key?: AlertKey } = {}): AlertObservation {
  return {
    key: { contract: 'acme', sla: 'availability', alert: 'burn-page' },
    active: true,
    severity: 'critical',
    summary: 'Acme CDN availability: error budget burning 20x over 1h',
    evidence: { objective: 99.95, achieved: 99.9, burnRates: { '1h': 20, '5m': 25 }, budgetRemaining: 0.4, coverage: 1, revision: 'r2', documentUrl: 'https://clm.example.com/4711' },
    escalation: [
      { level: 2, name: 'Acme duty manager', phone: '+1 555 0199', email: 'duty@acme.example', respondWithinMinutes: 60 },
      { level: 1, name: 'Acme NOC', phone: '+1 555 0100', email: 'noc@acme.example', respondWithinMinutes: 15 },
    ],
    links: [
      { href: 'https://grafana.example.com/d/obligo-acme', text: 'Grafana dashboard' },
      { href: 'https://runbooks.example.com/obligo/burn', text: 'Runbook' },
    ],
    routing: { routingKey: { env: 'PD_ACME_KEY' } },
    vendor: 'Acme CDN, Inc.',
    group: 'acme',
    class: 'error-budget-burn',
    source: 'obligo',
    ...over,
  };
}

/** An observation for one SLA of a real contract, like the evaluate layer would build it. */
export function slaObservation(c: Contract, slaId: string, active: boolean, extra: Partial<AlertObservation> = {}): AlertObservation {
  const sla = c.slas.find((s) => s.id === slaId)!;
  return obs({
    key: { contract: c.id, sla: sla.id, alert: 'burn-page' },
    active,
    summary: `${c.vendor} ${sla.title}: error budget burning`,
    evidence: { objective: sla.objective, revision: c.revision, documentUrl: c.documentUrl },
    escalation: c.escalation.map((e) => ({ ...e })),
    routing: c.pagerduty ? { routingKey: c.pagerduty.routingKey } : {},
    vendor: c.vendor,
    group: c.id,
    ...extra,
  });
}

export const MIN = 60_000;

/** The instant and policy the state-machine tests start from. */
export const T0 = Date.UTC(2026, 2, 10, 12, 0, 0);
export const P: AlertPolicy = { forMs: 5 * MIN, resolveAfterMs: 10 * MIN };

/** Run ticks [minutesFromT0, active, suppressed?] through step() and return every step result. */
export function run(ticks: Array<[number, boolean, string?]>, policy = P, start?: AlertState): StepResult[] {
  let s = start;
  return ticks.map(([m, active, sup]) => {
    const r = step(s, obs({ active, suppressed: sup ? { reason: sup } : undefined }), T0 + m * MIN, policy);
    s = r.next;
    return r;
  });
}
