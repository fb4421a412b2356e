// The Alertmanager output (alertmanager/obligo-routes.yaml): its structure, that its receivers read
// exactly the annotations the compiled alert rules carry, that no routing key is ever written, and that
// the real Alertmanager's amtool accepts it merged into a minimal config and routes each alert to the
// receiver the contract says. The whole path through Prometheus and Alertmanager to a fake PagerDuty
// is alertmanager-e2e.test.ts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  ALERTMANAGER_PATH,
  alertmanagerFile,
  alertmanagerFragment,
  compileAlertmanager,
  DEFAULT_ROUTING_KEY_DIR,
  mergeIntoAlertmanagerConfig,
} from '../../src/compile/alertmanager.js';
import { compilePrometheus, type AlertingRule } from '../../src/compile/prometheus.js';
import type { Contract } from '../../src/contract/model.js';
import { secretKind } from '../../src/contract/secrets.js';
import { contractFromYaml, exampleContracts, fixtureContracts } from '../golden/fixtures/contracts.js';
import { requireTool } from '../helpers/tools.js';

const fixtures = fixtureContracts();
const examples = exampleContracts();
const byId = (id: string) => fixtures.find((c) => c.id === id)!;
const amtool = requireTool('amtool', [], 'Debian package prometheus-alertmanager');

type Json = Record<string, any>;
const fileOf = (contracts: readonly Contract[], routingKeyDir?: string): Json => parse(alertmanagerFile(contracts, { routingKeyDir }));
const receiverOf = (f: Json, name: string): Json => f.receivers.find((r: Json) => r.name === name);

/** Every alerting rule the Prometheus compiler writes for a contract, as Prometheus reads it back. */
function alertsOf(c: Contract): AlertingRule[] {
  const file = parse(compilePrometheus([c], { prometheusFormat: 'prometheus' })[0]!.content);
  return file.groups.flatMap((g: Json) => g.rules.filter((r: Json) => r.alert));
}

describe('the route subtree', () => {
  const f = fileOf(fixtures);

  it('matches only the burn alert, groups by contract and SLA, and sets Alertmanager\'s default timings', () => {
    expect(f.route).toMatchObject({
      receiver: 'obligo-default-ticket',
      matchers: ['alertname="ObligoErrorBudgetBurn"'],
      group_by: ['contract', 'sla'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
    });
    expect(f.route.continue).toBeUndefined();
  });

  it('one route per contract and severity it can alert with, then the default page route', () => {
    expect(f.route.routes).toEqual([
      { receiver: 'obligo-acme-compute-page', matchers: ['contract="acme-compute"', 'severity="page"'] },
      { receiver: 'obligo-acme-compute-ticket', matchers: ['contract="acme-compute"', 'severity="ticket"'] },
      // globex-storage switches pages off: no page route, no page receiver.
      { receiver: 'obligo-globex-storage-ticket', matchers: ['contract="globex-storage"', 'severity="ticket"'] },
      { receiver: 'obligo-platform-api-page', matchers: ['contract="platform-api"', 'severity="page"'] },
      { receiver: 'obligo-platform-api-ticket', matchers: ['contract="platform-api"', 'severity="ticket"'] },
      { receiver: 'obligo-default-page', matchers: ['severity="page"'] },
    ]);
    expect(receiverOf(f, 'obligo-globex-storage-page')).toBeUndefined();
    const names = f.receivers.map((r: Json) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const r of f.route.routes) expect(names, r.receiver).toContain(r.receiver);
  });

  it('the page of an SLA inhibits its ticket (same contract and SLA only)', () => {
    expect(f.inhibit_rules).toEqual([
      {
        source_matchers: ['alertname="ObligoErrorBudgetBurn"', 'severity="page"'],
        target_matchers: ['alertname="ObligoErrorBudgetBurn"', 'severity="ticket"'],
        equal: ['contract', 'sla'],
      },
    ]);
  });
});

describe('receivers', () => {
  it('read routing keys from files: { env } in the key directory, { file } as written, the default key otherwise', () => {
    const key = (f: Json, name: string) => receiverOf(f, name).pagerduty_configs[0].routing_key_file;
    const f = fileOf(fixtures);
    expect(key(f, 'obligo-acme-compute-page')).toBe(`${DEFAULT_ROUTING_KEY_DIR}/PD_ACME_COMPUTE_KEY`);
    expect(key(f, 'obligo-acme-compute-ticket')).toBe(`${DEFAULT_ROUTING_KEY_DIR}/PD_ACME_COMPUTE_KEY`);
    expect(key(f, 'obligo-platform-api-page')).toBe('/run/secrets/pagerduty/platform-api');
    expect(key(f, 'obligo-globex-storage-ticket')).toBe(`${DEFAULT_ROUTING_KEY_DIR}/OBLIGO_PAGERDUTY_ROUTING_KEY`);
    expect(key(f, 'obligo-default-page')).toBe(`${DEFAULT_ROUTING_KEY_DIR}/OBLIGO_PAGERDUTY_ROUTING_KEY`);
    const moved = fileOf(fixtures, '/var/run/pd/');
    expect(key(moved, 'obligo-acme-compute-page')).toBe('/var/run/pd/PD_ACME_COMPUTE_KEY');
    expect(key(moved, 'obligo-platform-api-page')).toBe('/run/secrets/pagerduty/platform-api');
  });

  it('never hold a key: no routing_key/service_key field, and no string that looks like a secret', () => {
    for (const contracts of [fixtures, examples]) {
      const text = alertmanagerFile(contracts);
      expect(text).not.toMatch(/\b(routing_key|service_key):/);
      const strings: string[] = [];
      const walk = (v: unknown): void => {
        if (typeof v === 'string') strings.push(v);
        else if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object') Object.values(v).forEach(walk);
      };
      walk(parse(text));
      for (const s of strings) expect(secretKind(s), s).toBeUndefined();
    }
  });

  it('PagerDuty severity: page critical (high urgency), ticket warning (low); the contract severityMap overrides', () => {
    const f = fileOf(fixtures);
    const sev = (name: string) => receiverOf(f, name).pagerduty_configs[0].severity;
    expect(sev('obligo-acme-compute-page')).toBe('critical');
    expect(sev('obligo-acme-compute-ticket')).toBe('warning');
    expect(sev('obligo-platform-api-page')).toBe('critical');
    expect(sev('obligo-platform-api-ticket')).toBe('info'); // severityMap: { ticket: info }
    expect(sev('obligo-default-page')).toBe('critical');
    expect(sev('obligo-default-ticket')).toBe('warning');
    // A severityMap value PagerDuty does not know is not written.
    const odd = contractFromYaml(`
apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: odd, title: Odd }
role: customer
parties: { vendor: { name: V }, customer: { name: C } }
term: { start: 2026-01-01, timezone: UTC }
fees: { currency: USD, monthly: 1 }
notify: { pagerduty: { routingKey: { env: K }, severityMap: { page: sev1, ticket: error } } }
slas:
  - id: s
    objective: 99.9
    period: month
    sli: { good: 'sum(rate(x{ok="1"}[{{.window}}]))', total: 'sum(rate(x[{{.window}}]))' }
    measurement: { method: events }
`);
    const o = fileOf([odd]);
    expect(receiverOf(o, 'obligo-odd-page').pagerduty_configs[0].severity).toBe('critical');
    expect(receiverOf(o, 'obligo-odd-ticket').pagerduty_configs[0].severity).toBe('error');
  });

  it("a contract's details name exactly the annotations its alerts carry (and the labels routing uses)", () => {
    for (const c of [...fixtures, ...examples]) {
      const f = fileOf([c]);
      for (const severity of ['page', 'ticket'] as const) {
        const alerts = alertsOf(c).filter((a) => a.labels.severity === severity);
        const r = receiverOf(f, `obligo-${c.id}-${severity}`);
        if (alerts.length === 0) {
          expect(r, `${c.id} ${severity}`).toBeUndefined();
          continue;
        }
        const pd = r.pagerduty_configs[0];
        const templates = [...Object.values(pd.details as Record<string, string>), ...pd.links.map((l: Json) => l.href), pd.description, pd.component, pd.group];
        const annotationRefs = templates.flatMap((t) => [...String(t).matchAll(/\.(?:Common)?Annotations\.([a-z0-9_]+)/g)].map((m) => m[1]!));
        const labelRefs = templates.flatMap((t) => [...String(t).matchAll(/\.CommonLabels\.([a-z0-9_]+)/g)].map((m) => m[1]!));
        // Every annotation read is on every alert of that severity (CommonAnnotations needs all of them) …
        for (const name of annotationRefs) for (const a of alerts) expect(a.annotations, `${c.id} ${severity}: ${name}`).toHaveProperty(name);
        for (const name of labelRefs) for (const a of alerts) expect(a.labels, `${c.id} ${severity}: ${name}`).toHaveProperty(name);
        // … and every annotation of the alerts reaches PagerDuty, but the uid (the dashboard_url has it).
        const carried = new Set(annotationRefs);
        for (const a of alerts) for (const name of Object.keys(a.annotations)) if (name !== 'dashboard_uid') expect(carried.has(name), `${c.id} ${severity}: ${name}`).toBe(true);
        // Each escalation contact has its own detail, in level order.
        const contacts = Object.keys(pd.details).filter((k) => /^escalation_\d+$/.test(k));
        expect(contacts).toEqual(c.escalation.map((_, i) => `escalation_${i + 1}`));
      }
    }
  });

  it('links: the SLA dashboard, the runbook, and the contract document when there is one', () => {
    const f = fileOf(fixtures);
    expect(receiverOf(f, 'obligo-acme-compute-page').pagerduty_configs[0].links).toEqual([
      { href: '{{ .CommonAnnotations.dashboard_url }}', text: 'SLA dashboard' },
      { href: '{{ .CommonAnnotations.runbook_url }}', text: 'Runbook' },
      { href: '{{ .CommonAnnotations.contract_document_url }}', text: 'Contract' },
    ]);
    expect(receiverOf(f, 'obligo-globex-storage-ticket').pagerduty_configs[0].links).toHaveLength(2);
  });
});

describe('the file', () => {
  it('is written as alertmanager/obligo-routes.yaml, only when there are contracts, and is deterministic', () => {
    expect(compileAlertmanager([], { prometheusFormat: 'prometheus' })).toEqual([]);
    const a = compileAlertmanager(fixtures, { prometheusFormat: 'prometheus' });
    const b = compileAlertmanager([...fixtureContracts()].reverse(), { prometheusFormat: 'prometheus-operator' });
    expect(a.map((x) => x.path)).toEqual([ALERTMANAGER_PATH]);
    expect(b[0]!.content === a[0]!.content).toBe(true);
    expect(a[0]!.content.split('\n')[0]).toBe('# generated by obligo — do not edit; from');
    expect(a[0]!.content).toContain(`#   test/golden/fixtures/acme-compute.yaml (sha256 ${byId('acme-compute').hash})`);
    expect(a[0]!.content).not.toMatch(/20\d\d-\d\d-\d\dT/);
  });

  it('merging refuses a receiver name that the config already has', () => {
    const fragment = alertmanagerFragment(fixtures);
    expect(() => mergeIntoAlertmanagerConfig({ route: { receiver: 'x' }, receivers: [{ name: 'obligo-default-page' }] }, fragment)).toThrow(/obligo-default-page/);
  });
});

describe.skipIf(!amtool.ok)(`amtool (Alertmanager's own checker)${amtool.skipNote}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'obligo-amtool-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = { route: { receiver: 'team-default', group_by: ['alertname'], routes: [{ receiver: 'team-db', matchers: ['team="db"'] }] }, receivers: [{ name: 'team-default' }, { name: 'team-db' }] };
  let n = 0;
  const merged = (contracts: readonly Contract[]) => {
    const file = join(dir, `am${n++}.yaml`);
    writeFileSync(file, stringify(mergeIntoAlertmanagerConfig(base, parse(alertmanagerFile(contracts)))));
    return file;
  };
  const run = (args: string[]) => {
    const r = spawnSync(amtool.path!, args, { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const route = (file: string, labels: Record<string, string>) =>
    run(['config', 'routes', 'test', `--config.file=${file}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]).out.replace(/^Warning:.*$/gm, '').trim();

  it('check-config accepts the merged config of the fixtures and of the example contracts', () => {
    for (const contracts of [fixtures, examples]) {
      const r = run(['check-config', merged(contracts)]);
      expect(r.status, r.out).toBe(0);
      expect(r.out).toContain('SUCCESS');
      expect(r.out).toContain('1 inhibit rules');
    }
  });

  it('check-config rejects a broken fragment (the check can fail)', () => {
    const file = join(dir, 'broken.yaml');
    const cfg = mergeIntoAlertmanagerConfig(base, parse(alertmanagerFile(fixtures)));
    (cfg.receivers as Json[])[2]!.pagerduty_configs[0].routing_key_flie = 'x';
    writeFileSync(file, stringify(cfg));
    expect(run(['check-config', file]).status).not.toBe(0);
  });

  it('routes each alert to its contract\'s receiver; unknown contracts to the defaults; other alerts to the team\'s routes', () => {
    const file = merged(fixtures);
    const burn = { alertname: 'ObligoErrorBudgetBurn' };
    expect(route(file, { ...burn, contract: 'acme-compute', sla: 'availability', severity: 'page' })).toBe('obligo-acme-compute-page');
    expect(route(file, { ...burn, contract: 'acme-compute', sla: 'availability', severity: 'ticket' })).toBe('obligo-acme-compute-ticket');
    expect(route(file, { ...burn, contract: 'globex-storage', sla: 'availability', severity: 'ticket' })).toBe('obligo-globex-storage-ticket');
    expect(route(file, { ...burn, contract: 'platform-api', sla: 'latency', severity: 'page', team: 'db' })).toBe('obligo-platform-api-page');
    expect(route(file, { ...burn, contract: 'not-compiled-yet', sla: 's', severity: 'page' })).toBe('obligo-default-page');
    expect(route(file, { ...burn, contract: 'not-compiled-yet', sla: 's', severity: 'ticket' })).toBe('obligo-default-ticket');
    expect(route(file, { alertname: 'DiskFull', severity: 'page', contract: 'acme-compute' })).toBe('team-default');
    expect(route(file, { alertname: 'DiskFull', team: 'db' })).toBe('team-db');
  });
});
