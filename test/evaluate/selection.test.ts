import { describe, expect, it } from 'vitest';
import { loadContractText } from '../../src/contract/load.js';
import { selectSlas, SelectionError } from '../../src/evaluate/selection.js';

const text = (id: string, team: string) => `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: ${id}, title: T, labels: { team: ${team} } }
role: customer
escalation: [ { level: 1, name: NOC, email: noc@example.com, respondWithinMinutes: 5 } ]
parties: { vendor: { name: V }, customer: { name: C } }
term: { start: 2026-01-01, timezone: UTC }
fees: { currency: USD, monthly: 100 }
slas:
  - id: x
    objective: 99.9
    period: month
    sli: { good: 'sum(rate(g[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))' }
    measurement: { method: events }
  - id: y
    objective: 99.9
    period: month
    labels: { tier: gold }
    sli: { good: 'sum(rate(g[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))' }
    measurement: { method: events }
`;
const contracts = [loadContractText('a.yaml', text('a', 'edge')).contract!, loadContractText('b.yaml', text('b', 'core')).contract!];
const keys = (sel: Parameters<typeof selectSlas>[1]) => selectSlas(contracts, sel).map((s) => s.sla.key);

describe('selectSlas', () => {
  it('--sla takes CONTRACT/SLA or a bare SLA id; --contract, --sla and labels combine with AND', () => {
    expect(keys({})).toEqual(['a/x', 'a/y', 'b/x', 'b/y']);
    expect(keys({ contracts: ['b'] })).toEqual(['b/x', 'b/y']);
    expect(keys({ slas: ['a/x'] })).toEqual(['a/x']);
    expect(keys({ slas: ['x'] })).toEqual(['a/x', 'b/x']);
    expect(keys({ contracts: ['a'], slas: ['y', 'b/x'] })).toEqual(['a/y']);
    expect(keys({ labels: [['team', 'core']] })).toEqual(['b/x', 'b/y']);
    expect(keys({ labels: [['team', 'core'], ['tier', 'gold']] })).toEqual(['b/y']);
  });

  it('a filter that matches nothing is an error naming it, never an empty selection', () => {
    expect(() => selectSlas(contracts, { slas: ['a/availabilty'] })).toThrow(new SelectionError('no SLA "a/availabilty" in the contracts (use CONTRACT/SLA or an SLA id)'));
    expect(() => selectSlas(contracts, { contracts: ['acme'] })).toThrow(/no contract "acme"/);
    expect(() => selectSlas(contracts, { labels: [['team', 'nobody']] })).toThrow('no SLA in the contracts matches --label team=nobody');
    // each filter matches something, together nothing
    expect(() => selectSlas(contracts, { contracts: ['a'], slas: ['b/x'] })).toThrow(/matches --contract a --sla b\/x/);
    expect(() => selectSlas([], {})).toThrow('no SLA in the contracts');
  });
});
