import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyTick, RENEWAL_POLICY, renewalObservations, renewalSchedule } from '../../src/alerting/index.js';
import { loadContractText } from '../../src/contract/load.js';
import { SqliteAlertStore } from '../../src/store/index.js';
import { projectRoot } from '../helpers/tools.js';
import { contractFixture } from './helpers.js';

const DAY = 86_400_000;
const iso = (s: string) => Date.parse(s);

function withRenewal(id: string, renewalLine: string | null, endLine?: string) {
  const file = join(projectRoot, 'contracts', `${id}.yaml`);
  let text = readFileSync(file, 'utf8').replace(/^ {2}renewal: .*$/m, renewalLine ?? '');
  if (endLine !== undefined) text = text.replace(/^ {2}end: .*$/m, endLine);
  const r = loadContractText(file, text);
  if (!r.contract) throw new Error(JSON.stringify(r.issues));
  return r.contract;
}

describe('renewal reminders', () => {
  it('computes the notice deadline and reminder dates in the contract zone (hand-computed)', () => {
    // acme-compute: UTC, ends 2027-12-31, 60 days' notice, reminders 90/60/30 days before the deadline.
    expect(renewalSchedule(contractFixture('acme-compute'))).toEqual({
      mode: 'auto',
      termEndsAt: iso('2028-01-01T00:00:00Z'),
      deadline: iso('2027-11-02T00:00:00Z'),
      lastNoticeDay: '2027-11-01',
      noticeDays: 60,
      reminders: [
        { days: 90, dueAt: iso('2027-08-04T00:00:00Z') },
        { days: 60, dueAt: iso('2027-09-03T00:00:00Z') },
        { days: 30, dueAt: iso('2027-10-03T00:00:00Z') },
      ],
    });
    // globex-storage: America/Los_Angeles, ends 2028-03-14 (after the DST change of 2028-03-12), manual,
    // 30 days' notice: the deadline is midnight Pacific *standard* time, reminders at local midnight.
    expect(renewalSchedule(contractFixture('globex-storage'))).toEqual({
      mode: 'manual',
      termEndsAt: iso('2028-03-15T00:00:00-07:00'),
      deadline: iso('2028-02-14T00:00:00-08:00'),
      lastNoticeDay: '2028-02-13',
      noticeDays: 30,
      reminders: [
        { days: 60, dueAt: iso('2027-12-16T00:00:00-08:00') },
        { days: 30, dueAt: iso('2028-01-15T00:00:00-08:00') },
      ],
    });
  });

  it('asks for nothing without an end, without reminders or with mode none', () => {
    expect(renewalObservations(withRenewal('acme-compute', '  renewal: { mode: none, noticeDays: 60, remindDays: [30] }'), Date.now())).toEqual([]);
    expect(renewalObservations(withRenewal('initech-objects', null), Date.now())).toEqual([]);
    // initech-objects has renewal but no remindDays
    expect(renewalObservations(contractFixture('initech-objects'), Date.now())).toEqual([]);
    expect(renewalObservations(withRenewal('acme-compute', '  renewal: { mode: auto, noticeDays: 60, remindDays: [30] }', ''), Date.now())).toEqual([]);
  });

  it('one reminder open at a time: from its due time until the next one is due, the last until the deadline', () => {
    const c = contractFixture('acme-compute');
    const s = renewalSchedule(c)!;
    fc.assert(
      fc.property(fc.integer({ min: iso('2027-06-01T00:00:00Z'), max: iso('2028-02-01T00:00:00Z') }), (at) => {
        const o = renewalObservations(c, at);
        expect(o.map((x) => x.key.alert)).toEqual(['renewal-90d', 'renewal-60d', 'renewal-30d']);
        const active = o.filter((x) => x.active).map((x) => x.key.alert);
        // independent expectation from the hand-computed dates
        const exp =
          at < iso('2027-08-04T00:00:00Z') || at >= iso('2027-11-02T00:00:00Z')
            ? []
            : at < iso('2027-09-03T00:00:00Z')
              ? ['renewal-90d']
              : at < iso('2027-10-03T00:00:00Z')
                ? ['renewal-60d']
                : ['renewal-30d'];
        expect(active).toEqual(exp);
        expect(o[0]!.evidence.daysLeft).toBe(Math.max(0, Math.ceil((s.deadline - at) / DAY)));
      }),
      { numRuns: 500 },
    );
  });

  it('the reminder observation is low urgency, names the deadline and routes like the contract', () => {
    const c = contractFixture('acme-compute');
    const [o] = renewalObservations(c, iso('2027-08-10T09:00:00Z'));
    expect(o).toMatchObject({
      key: { contract: 'acme-compute', sla: null, alert: 'renewal-90d' },
      active: true,
      severity: 'info',
      class: 'contract-renewal',
      group: 'acme-compute',
      vendor: 'Acme Cloud Services, Inc.',
      routing: { routingKey: { env: 'PD_ACME_COMPUTE_ROUTING_KEY' } },
      evidence: { renewalMode: 'auto', lastNoticeDay: '2027-11-01', noticeDays: 60, daysLeft: 84, owner: { name: 'Priya Raman', email: 'priya.raman@example.com' } },
      links: [{ href: 'https://clm.example.com/contracts/acme-compute-2026', text: 'Contract document' }],
    });
    expect(o!.summary).toBe(
      "Acme Cloud Services, Inc.: contract acme-compute (Acme Cloud Compute Service Level Agreement (Region-Level)) renews automatically after 2027-12-31 unless notice is given by 2027-11-01 (60 days' notice, UTC): 84 days left",
    );
  });

  it('hourly ticks over half a year, with a restart: each reminder triggered once, resolved once, in order', async () => {
    const c = contractFixture('acme-compute');
    const store = SqliteAlertStore.open(':memory:');
    const events: Array<{ id: string; at: string }> = [];
    const from = iso('2027-07-01T00:00:00Z');
    const to = iso('2027-12-01T00:00:00Z');
    const run = async (a: number, b: number) => {
      for (let at = a; at < b; at += 3_600_000) {
        const r = await applyTick(store, { at, observations: renewalObservations(c, at), policy: RENEWAL_POLICY, now: at });
        events.push(...r.events.map((e) => ({ id: e.id, at: new Date(e.at).toISOString() })));
      }
    };
    await run(from, iso('2027-09-10T00:00:00Z'));
    // a restart replays some ticks: nothing new
    await run(iso('2027-09-01T00:00:00Z'), iso('2027-09-10T00:00:00Z'));
    await run(iso('2027-09-10T00:00:00Z'), to);
    expect(events).toEqual([
      { id: 'obligo/acme-compute/-/renewal-90d#1:trigger', at: '2027-08-04T00:00:00.000Z' },
      { id: 'obligo/acme-compute/-/renewal-90d#1:resolve', at: '2027-09-03T00:00:00.000Z' },
      { id: 'obligo/acme-compute/-/renewal-60d#1:trigger', at: '2027-09-03T00:00:00.000Z' },
      { id: 'obligo/acme-compute/-/renewal-60d#1:resolve', at: '2027-10-03T00:00:00.000Z' },
      { id: 'obligo/acme-compute/-/renewal-30d#1:trigger', at: '2027-10-03T00:00:00.000Z' },
      { id: 'obligo/acme-compute/-/renewal-30d#1:resolve', at: '2027-11-02T00:00:00.000Z' },
    ]);
    const rows = await store.list({ limit: 100 });
    expect(rows).toHaveLength(6);
    expect(rows.find((r) => r.action === 'trigger')!.body.payload!.severity).toBe('info');
    store.close();
  });
});
