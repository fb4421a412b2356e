// Tests written against the surviving mutants of src/alerting/engine-health.ts, observe.ts and
// renewal.ts (StrykerJS, issue 13): exact summaries, defaults, contacts without absent fields, the
// contract document link added once, and the renewal schedule of contracts without reminders. Expected
// values are written out by hand from the contracts in contracts/*.yaml.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertSummary, contractObservation, engineHealthObservation, renewalObservations, renewalSchedule, type ContractAlertInput } from '../../src/alerting/index.js';
import { loadContractText } from '../../src/contract/load.js';
import type { Contract } from '../../src/contract/model.js';
import { projectRoot } from '../helpers/tools.js';
import { contractFixture } from './helpers.js';

const DOC = { href: 'https://clm.example.com/contracts/octo-enterprise', text: 'Contract document' };
const GRAFANA = { href: 'https://grafana.example.com/d/octo', text: 'Grafana' };

describe('engineHealthObservation', () => {
  it('a healthy engine says so, with the redacted URL', () => {
    const o = engineHealthObservation({ slasTotal: 7, slasFailed: 0, slasSilent: 0, problems: [], prometheusUrl: 'http://u:p@prom:9090/' });
    expect(o.active).toBe(false);
    expect(o.summary).toBe('Obligo engine healthy: 7 SLAs evaluated against Prometheus at http://prom:9090');
    expect(o).toMatchObject({ links: [], routing: {}, source: 'obligo', severity: 'error' });
    expect('prometheus' in engineHealthObservation({ slasTotal: 1, slasFailed: 0, slasSilent: 0, problems: [] }).evidence).toBe(false);
  });
  it('failures without a problem list: "failed", no parenthesis', () => {
    const o = engineHealthObservation({ slasTotal: 4, slasFailed: 2, slasSilent: 0, problems: [] });
    expect(o.summary).toBe('Obligo cannot evaluate 2 of 4 SLAs: Prometheus failed. Not a vendor breach: SLA alerts hold until measurement resumes.');
    expect(o.evidence).toEqual({ slasTotal: 4, slasFailed: 2, slasSilent: 0, problemKinds: [], problems: [], problemCount: 0 });
  });
  it('kinds are distinct and sorted; the first message is cut at 200 characters', () => {
    const first = `timeout after 30s ${'x'.repeat(300)}`;
    const o = engineHealthObservation({
      slasTotal: 3,
      slasFailed: 3,
      slasSilent: 0,
      problems: [
        { kind: 'timeout', message: first, sla: 'a/x' },
        { kind: 'auth', message: '401' },
        { kind: 'timeout', message: 't' },
      ],
    });
    expect(o.summary).toBe(`Obligo cannot evaluate 3 of 3 SLAs: Prometheus auth/timeout (${first.slice(0, 200)}). Not a vendor breach: SLA alerts hold until measurement resumes.`);
    expect(o.evidence.problemKinds).toEqual(['auth', 'timeout']);
  });
  it('samples: at most 5, sla only when given, messages over 300 characters cut with "…"', () => {
    const m300 = 'm'.repeat(300);
    const m301 = 'n'.repeat(301);
    const problems = [
      { kind: 'execution', message: m300, sla: 'c/s' },
      { kind: 'execution', message: m301 },
      { kind: 'bad_query', message: 'parse error', sla: '' },
      ...Array.from({ length: 4 }, (_, i) => ({ kind: 'incomplete', message: `p${i}` })),
    ];
    const o = engineHealthObservation({ slasTotal: 9, slasFailed: 7, slasSilent: 0, problems });
    expect(o.evidence.problems).toStrictEqual([
      { kind: 'execution', sla: 'c/s', message: m300 },
      { kind: 'execution', message: `${'n'.repeat(300)}…` },
      { kind: 'bad_query', message: 'parse error' },
      { kind: 'incomplete', message: 'p0' },
      { kind: 'incomplete', message: 'p1' },
    ]);
    expect(o.evidence.problemCount).toBe(7);
  });
  it('routing and links are passed through', () => {
    const routing = { routingKey: { env: 'PD_OBLIGO' } };
    const o = engineHealthObservation({ slasTotal: 1, slasFailed: 1, slasSilent: 0, problems: [], routing, links: [GRAFANA] });
    expect(o.routing).toEqual(routing);
    expect(o.links).toEqual([GRAFANA]);
  });
});

function input(c: Contract, over: Partial<ContractAlertInput> = {}): ContractAlertInput {
  return { contract: c, sla: c.slas[0]!, alert: 'burn-page', active: true, severity: 'critical', what: 'burning', class: 'error-budget-burn', ...over };
}

describe('contractObservation', () => {
  const octo = contractFixture('octo-enterprise');
  it('contacts carry only the fields the contract gives', () => {
    const o = contractObservation(input(octo));
    expect(o.escalation).toStrictEqual([
      { level: 1, name: 'OctoHub Premium Support', email: 'premium@octohub.example', url: 'https://support.octohub.example/', respondWithinMinutes: 30 },
      { level: 2, name: 'OctoHub Customer Success Manager', phone: '+1 415 555 0177', email: 'csm@octohub.example', respondWithinMinutes: 480 },
    ]);
    const bare = contractObservation(input({ ...octo, escalation: [{ level: 1, name: 'Only a name' }] } as Contract));
    expect(bare.escalation).toStrictEqual([{ level: 1, name: 'Only a name' }]);
  });
  it('the contract document is linked once, after the caller\'s links', () => {
    expect(contractObservation(input(octo)).links).toEqual([DOC]);
    expect(contractObservation(input(octo, { links: [GRAFANA] })).links).toEqual([GRAFANA, DOC]);
    expect(contractObservation(input(octo, { links: [GRAFANA, { href: DOC.href, text: 'Agreement' }] })).links).toEqual([GRAFANA, { href: DOC.href, text: 'Agreement' }]);
    expect(contractObservation(input(octo, { links: [{ href: DOC.href, text: 'Agreement' }, GRAFANA] })).links).toEqual([{ href: DOC.href, text: 'Agreement' }, GRAFANA]);
    const noDoc = { ...octo, documentUrl: undefined } as Contract;
    expect(contractObservation(input(noDoc)).links).toEqual([]);
    expect(contractObservation(input(noDoc, { links: [GRAFANA] })).links).toEqual([GRAFANA]);
  });
  it("the caller's links are copied, never extended in place", () => {
    const mine = [GRAFANA];
    expect(contractObservation(input(octo, { links: mine })).links).toEqual([GRAFANA, DOC]);
    expect(mine).toEqual([GRAFANA]);
  });
  it('evidence has no revision or document URL key when the contract has none', () => {
    const bare = { ...octo, revision: undefined, documentUrl: undefined } as Contract;
    const o = contractObservation(input(bare));
    expect('revision' in o.evidence).toBe(false);
    expect('documentUrl' in o.evidence).toBe(false);
    expect(Object.keys(o.evidence).at(-1)).toBe('contractHash');
  });
  it('one escalation list per contract object, shared by its observations and frozen', () => {
    const a = contractObservation(input(octo));
    const b = contractObservation(input(octo, { alert: 'breach' }));
    expect(a.escalation).toBe(b.escalation);
    expect(Object.isFrozen(a.escalation) && Object.isFrozen(a.escalation[0])).toBe(true);
    // Another contract object (a reload) gets its own list.
    const reloaded = { ...octo, escalation: [{ level: 1, name: 'New NOC' }] } as Contract;
    expect(contractObservation(input(reloaded)).escalation).toStrictEqual([{ level: 1, name: 'New NOC' }]);
  });
  it('a contract-level alert: key sla null, summary names the contract', () => {
    const o = contractObservation(input(octo, { sla: null, alert: 'claim-due', what: 'credit claim due' }));
    expect(o.key).toEqual({ contract: 'octo-enterprise', sla: null, alert: 'claim-due' });
    expect(o.summary).toBe('OctoHub, Inc. · contract octo-enterprise: credit claim due');
    expect(alertSummary(octo, null, 'x')).toBe('OctoHub, Inc. · contract octo-enterprise: x');
    expect('objective' in o.evidence).toBe(false);
  });
  it('source defaults to obligo; maintenance without a reason is a scheduled window', () => {
    expect(contractObservation(input(octo)).source).toBe('obligo');
    expect(contractObservation(input(octo, { source: 'obligo-eu' })).source).toBe('obligo-eu');
    expect(contractObservation(input(octo, { maintenance: { active: true } })).suppressed).toEqual({ reason: 'maintenance: scheduled window' });
    expect(contractObservation(input(octo, { maintenance: { active: true, reason: 'db upgrade' } })).suppressed).toEqual({ reason: 'maintenance: db upgrade' });
    expect('suppressed' in contractObservation(input(octo, { maintenance: { active: false, reason: 'x' } }))).toBe(false);
  });
});

function withRenewal(id: string, renewalLine: string): Contract {
  const file = join(projectRoot, 'contracts', `${id}.yaml`);
  const r = loadContractText(file, readFileSync(file, 'utf8').replace(/^ {2}renewal: .*$/m, renewalLine));
  if (!r.contract) throw new Error(JSON.stringify(r.issues));
  return r.contract;
}
const iso = (s: string) => Date.parse(s);

describe('renewal reminders', () => {
  it('no reminders without remindDays (kumo-messaging: an end date, no remindDays), or with an end date luxon cannot read', () => {
    expect(contractFixture('kumo-messaging').termEnd).toBe('2027-03-31');
    expect(renewalSchedule(contractFixture('kumo-messaging'))).toBeUndefined();
    expect(renewalObservations(contractFixture('kumo-messaging'), iso('2027-02-01T00:00:00Z'))).toEqual([]);
    expect(renewalSchedule(withRenewal('acme-compute', '  renewal: { mode: auto, noticeDays: 60, remindDays: [] }'))).toBeUndefined();
    expect(renewalSchedule({ ...contractFixture('acme-compute'), termEnd: '2027-02-30' } as Contract)).toBeUndefined();
  });
  it('reminder days are de-duplicated and ordered from the earliest reminder', () => {
    // octo-enterprise: America/New_York, ends 2026-12-31, 30 days' notice → deadline 2026-12-02T00:00 EST
    const c = withRenewal('octo-enterprise', '  renewal: { mode: auto, noticeDays: 30, remindDays: [30, 90, 7, 30, 60] }');
    const s = renewalSchedule(c)!;
    expect(s.deadline).toBe(iso('2026-12-02T05:00:00Z'));
    expect(s.reminders).toEqual([
      { days: 90, dueAt: iso('2026-09-03T04:00:00Z') },
      { days: 60, dueAt: iso('2026-10-03T04:00:00Z') },
      { days: 30, dueAt: iso('2026-11-02T05:00:00Z') },
      { days: 7, dueAt: iso('2026-11-25T05:00:00Z') },
    ]);
  });
  it('a manual renewal: summary, evidence, links, source (globex-storage, hand-computed)', () => {
    const c = contractFixture('globex-storage');
    const at = iso('2028-01-15T08:00:00Z'); // reminder 30 is due: 2028-01-15T00:00 PST
    const os = renewalObservations(c, at, { links: [GRAFANA], source: 'obligo-us' });
    expect(os.map((o) => [o.key.alert, o.active])).toEqual([['renewal-60d', false], ['renewal-30d', true]]);
    const o = os[1]!;
    expect(o.summary).toBe(
      "Globex Cloud LLC: contract globex-storage (Globex Cloud Object Storage Agreement, Multi-Region Standard) ends on 2028-03-14; a renewal must be agreed by 2028-02-13 (30 days' notice, America/Los_Angeles): 30 days left",
    );
    expect(o.evidence).toStrictEqual({
      renewalMode: 'manual',
      termEnd: '2028-03-14',
      noticeDays: 30,
      lastNoticeDay: '2028-02-13',
      noticeDeadline: '2028-02-14T08:00:00.000Z',
      daysLeft: 30,
      reminderDays: 30,
      timezone: 'America/Los_Angeles',
      owner: { name: 'Tomás Álvarez', email: 'tomas.alvarez@example.com' },
      revision: 'order-form-2026-03',
      documentUrl: 'https://clm.example.com/contracts/globex-storage',
    });
    expect(o.escalation).toEqual([]);
    expect(o.links).toEqual([GRAFANA, { href: 'https://clm.example.com/contracts/globex-storage', text: 'Contract document' }]);
    expect(o.source).toBe('obligo-us');
    expect(renewalObservations(c, at)[1]!.source).toBe('obligo');
    expect(renewalObservations(c, at)[1]!.links).toEqual([{ href: 'https://clm.example.com/contracts/globex-storage', text: 'Contract document' }]);
  });
  it('the document link is not repeated, and absent without a document URL', () => {
    const c = contractFixture('globex-storage');
    const at = iso('2028-01-15T08:00:00Z');
    const doc = { href: 'https://clm.example.com/contracts/globex-storage', text: 'Order form' };
    expect(renewalObservations(c, at, { links: [doc, GRAFANA] })[0]!.links).toEqual([doc, GRAFANA]);
    expect(renewalObservations(c, at, { links: [GRAFANA, doc] })[0]!.links).toEqual([GRAFANA, doc]);
    const noDoc = { ...c, documentUrl: undefined } as Contract;
    expect(renewalObservations(noDoc, at)[0]!.links).toEqual([]);
    expect('documentUrl' in renewalObservations(noDoc, at)[0]!.evidence).toBe(false);
  });
});
