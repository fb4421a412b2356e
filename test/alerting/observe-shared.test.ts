// Observations given the same evidence and links objects (serve: one of each per SLA, for its five alerts)
// share what is built from them; given another contract or SLA with the same objects, they do not.
import { describe, expect, it } from 'vitest';
import { contractObservation, type ContractAlertInput } from '../../src/alerting/index.js';
import { contractFixture } from './helpers.js';

const c = contractFixture('acme-compute');
const other = contractFixture('globex-storage');
const base = (over: Partial<ContractAlertInput>): ContractAlertInput => ({
  contract: c,
  sla: c.slas[0]!,
  alert: 'burn-page',
  active: false,
  severity: 'critical',
  what: 'x',
  class: 'error-budget-burn',
  ...over,
});

/** The evidence and links as built for one observation alone (fresh objects: nothing shared). */
const alone = (i: ContractAlertInput) =>
  contractObservation({ ...i, evidence: i.evidence ? { ...i.evidence } : undefined, links: i.links ? i.links.map((l) => ({ ...l })) : undefined });

describe('contractObservation sharing', () => {
  it('the alerts of one SLA share one evidence and one links object, equal to what each would get alone', () => {
    const evidence = { achieved: 99.5, budgetRemaining: 0.2 };
    // (a contract loaded again is another object: nothing is shared with it)
    expect(contractObservation(base({ contract: contractFixture('acme-compute'), evidence })).evidence).not.toBe(contractObservation(base({ evidence })).evidence);
    const links = [{ href: 'https://grafana.example.com/d/x', text: 'Grafana dashboard' }];
    const a = contractObservation(base({ alert: 'burn-page', evidence, links }));
    const b = contractObservation(base({ alert: 'breach', evidence, links }));
    expect(b.evidence).toBe(a.evidence);
    expect(b.links).toBe(a.links);
    expect(a.evidence).toEqual(alone(base({ evidence, links })).evidence);
    expect(a.links).toEqual(alone(base({ evidence, links })).links);
    expect(Object.keys(a.evidence)).toEqual(['objective', 'period', 'achieved', 'budgetRemaining', 'revision', 'documentUrl', 'contractHash']);
  });

  it('another SLA, contract or links with the same evidence object gets its own', () => {
    const evidence = { achieved: 99.5 };
    const links = [{ href: 'https://runbooks.example.com/a', text: 'Runbook' }];
    const first = contractObservation(base({ evidence, links }));
    const otherSla = c.slas.find((s) => s.objective !== c.slas[0]!.objective) ?? c.slas[1]!;
    const second = contractObservation(base({ sla: otherSla, evidence, links }));
    expect(second.evidence).not.toBe(first.evidence);
    expect(second.evidence).toEqual(alone(base({ sla: otherSla, evidence, links })).evidence);
    const third = contractObservation(base({ contract: other, sla: other.slas[0]!, evidence, links }));
    expect(third.evidence).toEqual(alone(base({ contract: other, sla: other.slas[0]!, evidence, links })).evidence);
    expect(third.links).toEqual(alone(base({ contract: other, sla: other.slas[0]!, evidence, links })).links);
    const otherLinks = [{ href: 'https://runbooks.example.com/b', text: 'Runbook' }];
    const fourth = contractObservation(base({ evidence, links: otherLinks }));
    expect(fourth.links.map((l) => l.href)).toContain('https://runbooks.example.com/b');
    expect(fourth.links.map((l) => l.href)).not.toContain('https://runbooks.example.com/a');
    // links alone (no evidence) are shared the same way
    const l1 = contractObservation(base({ links }));
    const l2 = contractObservation(base({ alert: 'breach', links }));
    expect(l2.links).toBe(l1.links);
    expect(l1.evidence).toEqual(alone(base({ links })).evidence);
  });
});
