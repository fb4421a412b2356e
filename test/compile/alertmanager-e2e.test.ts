// End to end, Prometheus-native paging: contracts → `obligo compile` → the real Prometheus (compiled
// rules, scraping a live exporter in this file every second) → the real Alertmanager (the compiled
// route, receivers and inhibition merged into a minimal config) → the fake PagerDuty Events v2 server
// (src/demo/fake-pagerduty.ts) on loopback.
//
// Three contracts, all live from start-up on (recording rules only see data from then on):
// - e2e-outage: every request fails; `obligo_maintenance_active` 0. Pages, with its vendor (quotes,
//   backslash, newline and "{{" in the name), every escalation contact and the links; its ticket fires
//   too and is inhibited by the page.
// - e2e-slow: 3% errors on a 99% objective (burn 3): a ticket only, at low urgency; no maintenance
//   series at all (serve not deployed must not silence anything).
// - e2e-maint: every request fails, but serve reports maintenance (1): nothing reaches PagerDuty until
//   the exporter reports 0, then it pages. Its burn-rate table uses a 10s short window so that the
//   look-back after maintenance takes seconds.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { mergeIntoAlertmanagerConfig, type AlertmanagerFragment } from '../../src/compile/alertmanager.js';
import { compileCommand } from '../../src/compile/compile-command.js';
import { startFakePagerDuty, type FakePagerDuty, type ReceivedEvent } from '../../src/demo/fake-pagerduty.js';
import { freePort, startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-server.js';
import { requireTool } from '../helpers/tools.js';

const prometheusBin = requireTool('prometheus');
const promtoolBin = requireTool('promtool');
const alertmanagerBin = requireTool('prometheus-alertmanager', ['alertmanager'], 'Debian package prometheus-alertmanager');
const tools = [prometheusBin, promtoolBin, alertmanagerBin];
const skipNote = tools.map((t) => t.skipNote).join('');

const VENDOR = 'Acme "Quoted" \\ Cloud {{ .Ops }}\nInc.';
const GRAFANA = 'https://grafana.example.com';
const RUNBOOKS = 'https://runbooks.example.com/sla/{contract}/{sla}';
const KEYS = { outage: 'routing-key-e2e-outage', slow: 'routing-key-e2e-slow', default: 'routing-key-default' };

/** Fails (with what the servers said) instead of hanging when something never happens. */
const WAIT_MS = 45_000;

function contractsYaml(slowKeyFile: string): Record<string, string> {
  const sli = (service: string) => `
    sli:
      good: sum(rate(e2e_requests_total{service="${service}",code!~"5.."}[{{.window}}]))
      total: sum(rate(e2e_requests_total{service="${service}"}[{{.window}}]))
    measurement: { method: events }`;
  const head = (id: string, vendor: string, extra = '') => `apiVersion: obligo.dev/v1
kind: Contract
metadata:
  id: ${id}
  title: E2E ${id}
${extra}role: customer
parties:
  vendor: { name: ${JSON.stringify(vendor)} }
  customer: { name: Example Corp }
term: { start: 2026-01-01, timezone: UTC }
fees: { currency: USD, monthly: 1000 }
`;
  return {
    'e2e-outage.yaml': `${head(
      'e2e-outage',
      VENDOR,
      `  revision: rev-7
  documentUrl: https://clm.example.com/contracts/e2e-outage
  owner: { name: Risk Owner, email: risk@example.com }
  labels: { team: edge }
`,
    )}escalation:
  - { level: 1, name: Acme NOC, phone: "+1 555 0100", email: noc@acme.example, respondWithinMinutes: 15 }
  - { level: 2, name: "Duty \\"manager\\"", email: duty@acme.example, respondWithinMinutes: 60 }
  - { level: 3, name: Account executive, url: "https://acme.example/escalate", respondWithinMinutes: 240 }
notify: { pagerduty: { routingKey: { env: PD_E2E_OUTAGE } } }
slas:
  - id: availability
    title: Outage availability
    objective: 99.9
    period: month${sli('outage')}
`,
    'e2e-slow.yaml': `${head('e2e-slow', 'Slow Vendor Ltd')}notify: { pagerduty: { routingKey: { file: ${JSON.stringify(slowKeyFile)} } } }
slas:
  - id: latency-ish
    objective: 99
    period: month${sli('slow')}
`,
    'e2e-maint.yaml': `${head('e2e-maint', 'Maint Vendor GmbH')}slas:
  - id: availability
    objective: 99.9
    period: month${sli('maint')}
    alerting: { ticket: false, burnRates: [{ severity: page, long: 1m, short: 10s, factor: 14.4 }] }
`,
  };
}

/** What `obligo serve` and the services would expose: counters from the elapsed time, maintenance gauges. */
function startExporter(state: { start: number; maintenance: Record<string, number> }): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const t = (Date.now() - state.start) / 1000;
    const k = Math.floor(t * 10);
    const lines = [
      '# TYPE e2e_requests_total counter',
      'e2e_requests_total{service="outage",code="200"} 0',
      `e2e_requests_total{service="outage",code="500"} ${100 * k}`,
      'e2e_requests_total{service="maint",code="200"} 0',
      `e2e_requests_total{service="maint",code="500"} ${100 * k}`,
      // 3% errors exactly, whenever it is scraped.
      `e2e_requests_total{service="slow",code="200"} ${97 * k}`,
      `e2e_requests_total{service="slow",code="500"} ${3 * k}`,
      '# TYPE obligo_maintenance_active gauge',
      ...Object.entries(state.maintenance).map(([c, v]) => `obligo_maintenance_active{contract="${c}"} ${v}`),
      '',
    ];
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(req.url === '/metrics' ? lines.join('\n') : '');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

interface RunningAlertmanager {
  url: string;
  log: () => string;
  stop: () => Promise<void>;
}

async function startAlertmanager(bin: string, configFile: string, storage: string): Promise<RunningAlertmanager> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const logLines: string[] = [];
    const child: ChildProcess = spawn(
      bin,
      [`--config.file=${configFile}`, `--storage.path=${storage}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=debug'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      logLines.push(...s.split('\n').filter(Boolean));
      if (logLines.length > 2000) logLines.splice(0, 1000);
    });
    let exited = false;
    child.on('exit', () => (exited = true));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    while (!exited && Date.now() < deadline) {
      try {
        if ((await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok) {
          return {
            url,
            log: () => logLines.slice(-60).join('\n'),
            stop: async () => {
              process.off('exit', kill);
              if (child.exitCode !== null || child.signalCode !== null) return;
              const gone = new Promise((r) => child.once('exit', r));
              child.kill('SIGTERM');
              const t = setTimeout(kill, 5000);
              await gone;
              clearTimeout(t);
            },
          };
        }
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    kill();
    process.off('exit', kill);
    if (attempt < 2 && /address already in use/i.test(logLines.join('\n'))) continue;
    throw new Error(`alertmanager did not start:\n${logLines.slice(-40).join('\n')}`);
  }
}

async function getJson(url: string): Promise<any> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status} ${await r.text()}`);
  return r.json();
}

const detailsOf = (e: ReceivedEvent): Record<string, string> => ((e.body?.payload as any)?.custom_details ?? {}) as Record<string, string>;
const triggers = (events: readonly ReceivedEvent[], contract: string, severity?: string) =>
  events.filter(
    (e) => e.action === 'trigger' && detailsOf(e).contract === contract && (severity === undefined || (e.body?.payload as any)?.severity === severity),
  );

describe.skipIf(tools.some((t) => !t.ok))(`Prometheus → Alertmanager → PagerDuty with the compiled rules and routes${skipNote}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'obligo-am-e2e-'));
  const state = { start: Date.now(), maintenance: { 'e2e-outage': 0, 'e2e-maint': 1 } as Record<string, number> };
  let exporter: { server: Server; port: number } | undefined;
  let fake: FakePagerDuty | undefined;
  let am: RunningAlertmanager | undefined;
  let prom: RunningPrometheus | undefined;
  let compileOutput = '';

  /** Resolves when the fake PagerDuty's log satisfies `p`; fails with the servers' logs after WAIT_MS. */
  async function waitForPd(what: string, p: (events: readonly ReceivedEvent[]) => boolean): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(async () => {
        const alerts = await getJson(`${prom!.url}/api/v1/alerts`).catch((e: unknown) => String(e));
        reject(
          new Error(
            `timed out waiting for ${what}\nPagerDuty got: ${JSON.stringify(fake!.events.map((e) => [e.action, e.status, detailsOf(e).contract, (e.body?.payload as any)?.severity]))}\n` +
              `Prometheus alerts: ${JSON.stringify(alerts).slice(0, 3000)}\nAlertmanager log:\n${am!.log()}\nPrometheus log:\n${prom!.logTail()}`,
          ),
        );
      }, WAIT_MS);
    });
    try {
      await Promise.race([fake!.waitFor(p), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function until<T>(what: string, f: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const v = await f();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nAlertmanager log:\n${am?.log()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  beforeAll(async () => {
    // Contracts and keys: one key file ends with a newline, as `echo KEY > file` writes it (Alertmanager trims it).
    const contracts = join(dir, 'contracts');
    const keys = join(dir, 'keys');
    mkdirSync(contracts);
    mkdirSync(keys);
    writeFileSync(join(keys, 'PD_E2E_OUTAGE'), KEYS.outage);
    writeFileSync(join(keys, 'OBLIGO_PAGERDUTY_ROUTING_KEY'), KEYS.default + '\n');
    writeFileSync(join(dir, 'slow.key'), KEYS.slow);
    for (const [name, text] of Object.entries(contractsYaml(join(dir, 'slow.key')))) writeFileSync(join(contracts, name), text);

    // obligo compile, as a user runs it.
    const out = join(dir, 'out');
    const io = { stdout: (s: string) => void (compileOutput += s), stderr: (s: string) => void (compileOutput += s) };
    const code = await compileCommand([contracts, '--out', out, '--links-grafana', GRAFANA, '--links-runbooks', RUNBOOKS, '--routing-key-dir', keys], io);
    if (code !== 0) throw new Error(`obligo compile exited ${code}:\n${compileOutput}`);

    exporter = await startExporter(state);
    fake = await startFakePagerDuty();

    // The team's minimal Alertmanager config with the obligo fragment merged in; faster timings for the test.
    const fragment = parse(readFileSync(join(out, 'alertmanager/obligo-routes.yaml'), 'utf8')) as AlertmanagerFragment;
    Object.assign(fragment.route, { group_wait: '1s', group_interval: '1s', repeat_interval: '1h' });
    const amConfig = mergeIntoAlertmanagerConfig(
      { global: { pagerduty_url: fake.enqueueUrl }, route: { receiver: 'team-default', group_by: ['alertname'] }, receivers: [{ name: 'team-default' }] },
      fragment,
    );
    writeFileSync(join(dir, 'alertmanager.yml'), stringify(amConfig));
    mkdirSync(join(dir, 'am-data'));
    am = await startAlertmanager(alertmanagerBin.path!, join(dir, 'alertmanager.yml'), join(dir, 'am-data'));

    // Prometheus from the harness with the compiled rules, then its config replaced (scrape + alerting)
    // and reloaded through the lifecycle API, since the harness writes a config without either.
    const ruleFiles = readdirSync(join(out, 'prometheus')).map((f) => join(out, 'prometheus', f));
    prom = await startPrometheus({ ruleFiles, evaluationInterval: '1s' });
    const flags = await getJson(`${prom.url}/api/v1/status/flags`);
    const configFile = flags.data['config.file'] as string;
    const amPort = new URL(am.url).port;
    writeFileSync(
      configFile,
      JSON.stringify({
        global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
        rule_files: ruleFiles,
        scrape_configs: [{ job_name: 'e2e', static_configs: [{ targets: [`127.0.0.1:${exporter.port}`] }] }],
        alerting: { alertmanagers: [{ api_version: 'v2', static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
      }),
    );
    const reload = await fetch(`${prom.url}/-/reload`, { method: 'POST' });
    if (!reload.ok) throw new Error(`prometheus reload: HTTP ${reload.status} ${await reload.text()}\n${prom.logTail()}`);
    state.start = Date.now();
  }, 120_000);

  afterAll(async () => {
    await prom?.stop();
    await am?.stop();
    await fake?.close();
    await new Promise((r) => (exporter ? exporter.server.close(r) : r(undefined)));
    rmSync(dir, { recursive: true, force: true });
  });

  it('the outage pages PagerDuty (critical, its own routing key) with the vendor, every contact in order and the links', async () => {
    await waitForPd('the page of e2e-outage', (events) => triggers(events, 'e2e-outage', 'critical').length > 0);
    const page = triggers(fake!.events, 'e2e-outage', 'critical')[0]!;
    expect(page.status).toBe(202);
    expect(page.routingKey).toBe(KEYS.outage);
    const payload = page.body!.payload as any;
    const oneLineVendor = 'Acme "Quoted" \\ Cloud {{ .Ops }} Inc.';
    expect(payload.summary).toMatch(new RegExp(`^${oneLineVendor.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: Outage availability is burning its error budget more than (14\\.4|6)x too fast`));
    expect(payload.component).toBe(VENDOR);
    expect(payload.group).toBe('e2e-outage');
    expect(payload.class).toBe('error-budget-burn');
    const d = detailsOf(page);
    expect(d).toMatchObject({
      vendor: VENDOR,
      contract: 'e2e-outage',
      sla: 'availability',
      severity: 'page',
      objective: '99.9% per month',
      owner: 'Risk Owner <risk@example.com>',
      escalation_1: 'level 1: Acme NOC, +1 555 0100, noc@acme.example, respond within 15 min',
      escalation_2: 'level 2: Duty "manager", duty@acme.example, respond within 60 min',
      escalation_3: 'level 3: Account executive, https://acme.example/escalate, respond within 240 min',
      runbook_url: 'https://runbooks.example.com/sla/e2e-outage/availability',
      dashboard_url: 'https://grafana.example.com/d/sla-e2e-outage-availability',
      contract_document_url: 'https://clm.example.com/contracts/e2e-outage',
      contract_revision: 'rev-7',
    });
    expect(JSON.parse(d.escalation!)).toEqual([
      { level: 1, name: 'Acme NOC', phone: '+1 555 0100', email: 'noc@acme.example', respondWithinMinutes: 15 },
      { level: 2, name: 'Duty "manager"', email: 'duty@acme.example', respondWithinMinutes: 60 },
      { level: 3, name: 'Account executive', url: 'https://acme.example/escalate', respondWithinMinutes: 240 },
    ]);
    expect(page.body!.links).toEqual([
      { href: 'https://grafana.example.com/d/sla-e2e-outage-availability', text: 'SLA dashboard' },
      { href: 'https://runbooks.example.com/sla/e2e-outage/availability', text: 'Runbook' },
      { href: 'https://clm.example.com/contracts/e2e-outage', text: 'Contract' },
    ]);
  });

  it('the slow burn tickets at low urgency (warning) with its key file; no maintenance series silences nothing', async () => {
    await waitForPd('the ticket of e2e-slow', (events) => triggers(events, 'e2e-slow').length > 0);
    const tickets = triggers(fake!.events, 'e2e-slow');
    expect(tickets.every((e) => (e.body!.payload as any).severity === 'warning')).toBe(true);
    expect(tickets[0]!.routingKey).toBe(KEYS.slow);
    expect(detailsOf(tickets[0]!)).toMatchObject({ vendor: 'Slow Vendor Ltd', severity: 'ticket', sla: 'latency-ish' });
    // Burn 3: above the ticket factor 1, below both page factors.
    const pages = await getJson(`${prom!.url}/api/v1/query?query=${encodeURIComponent('ALERTS{contract="e2e-slow",severity="page"}')}`);
    expect(pages.data.result).toEqual([]);
  });

  it('the ticket of the paging SLA is inhibited by its page: Alertmanager holds it suppressed and never sends it', async () => {
    const filter = ['contract="e2e-outage"', 'severity="ticket"'].map((f) => `filter=${encodeURIComponent(f)}`).join('&');
    const ticket = await until('the e2e-outage ticket in Alertmanager', async () => {
      const alerts = (await getJson(`${am!.url}/api/v2/alerts?${filter}`)) as any[];
      return alerts.find((a) => a.status.state === 'suppressed') ?? undefined;
    });
    expect(ticket.labels).toMatchObject({ alertname: 'ObligoErrorBudgetBurn', contract: 'e2e-outage', sla: 'availability', severity: 'ticket', long_window: '3d' });
    expect(ticket.status.inhibitedBy.length).toBeGreaterThan(0);
    expect(ticket.status.silencedBy).toEqual([]);
    // The page and the slow ticket went through the same timings and arrived; this ticket did not.
    expect(triggers(fake!.events, 'e2e-outage', 'warning')).toEqual([]);
    expect(triggers(fake!.events, 'e2e-outage').every((e) => (e.body!.payload as any).severity === 'critical')).toBe(true);
  });

  it('nothing is sent for the contract in maintenance; once serve reports 0, it pages', async () => {
    // It burns like e2e-outage (which paged), but its alert is not even pending in Prometheus.
    await until('e2e-maint burning above its page factor', async () => {
      const burning = await getJson(`${prom!.url}/api/v1/query?query=${encodeURIComponent('obligo:burn_rate:rate10s{contract="e2e-maint"} > 14.4')}`);
      return burning.data.result.length === 1 ? true : undefined;
    });
    const alerts = await getJson(`${prom!.url}/api/v1/query?query=${encodeURIComponent('ALERTS{contract="e2e-maint"}')}`);
    expect(alerts.data.result).toEqual([]);
    expect(await getJson(`${am!.url}/api/v2/alerts?filter=${encodeURIComponent('contract="e2e-maint"')}`)).toEqual([]);
    expect(fake!.events.filter((e) => detailsOf(e).contract === 'e2e-maint')).toEqual([]);

    const before = fake!.events.length;
    state.maintenance['e2e-maint'] = 0;
    await waitForPd('the page of e2e-maint after maintenance', (events) => triggers(events, 'e2e-maint', 'critical').length > 0);
    const page = triggers(fake!.events, 'e2e-maint', 'critical')[0]!;
    expect(page.seq).toBeGreaterThan(before);
    expect(page.routingKey).toBe(KEYS.default);
    expect(detailsOf(page)).toMatchObject({ vendor: 'Maint Vendor GmbH', contract: 'e2e-maint' });
    expect(fake!.events.every((e) => e.status === 202), JSON.stringify(fake!.events.filter((e) => e.status !== 202))).toBe(true);
  });
});
