// `obligo serve --check`, `--once` and `--help` through the real entry point in a child process (src via
// tsx), with the fake PagerDuty on a real socket and, where a tick must succeed, a real Prometheus:
// --check never pages and never creates the store (Prometheus down or up), its exit status says what went
// wrong; --once prints exactly one JSON document on stdout (logs go to stderr); a secret reference that
// does not resolve is reported at its line and column in the configuration, never with a value.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/demo/fake-pagerduty.js';
import { freePort } from '../../src/demo/prometheus-server.js';
import { describeWithPrometheus } from '../helpers/prometheus.js';

const ROOT = resolve(import.meta.dirname, '../..');
const M = 60_000;
const PD_KEY = 'P'.repeat(32);

/** The environment of the child: ours without any OBLIGO_* override or secret of the example config. */
function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OBLIGO_') && !['PROM_TOKEN', 'PD_ROUTING_KEY', 'PD_KEY_CLI'].includes(k)) env[k] = v;
  return { ...env, ...extra };
}

/** Runs `obligo ARGS` asynchronously (the fake PagerDuty in this process keeps answering meanwhile). */
function obligo(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: opts.cwd, env: opts.env, timeout: 120_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

function contract(day: string): string {
  const sla = (id: string, service: string) => `  - id: ${id}
    objective: 99.9
    period: month
    sli:
      good: sum(rate(obligo_demo_requests_total{service="${service}",code!~"5.."}[{{.window}}]))
      total: sum(rate(obligo_demo_requests_total{service="${service}"}[{{.window}}]))
    measurement: { method: events }
`;
  return `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: cli-vendor, title: Serve CLI test contract }
role: customer
escalation: [ { level: 1, name: Vendor NOC, email: noc@vendor.example, respondWithinMinutes: 15 } ]
parties: { vendor: { name: CLI Vendor }, customer: { name: Example Corp } }
term: { start: ${day}, timezone: UTC }
fees: { currency: USD, monthly: 1000 }
notify: { pagerduty: { routingKey: { env: PD_KEY_CLI } } }
slas:
${sla('healthy', 'cli-ok')}${sla('burning', 'cli-burn')}`;
}

/** A working directory with contracts/ and obligo.yaml pointing at `prometheusUrl` and the fake PagerDuty. */
function workdir(prometheusUrl: string, pd: FakePagerDuty, contractText = contract(new Date(Date.now() - 86_400_000).toISOString().slice(0, 10))): string {
  const dir = mkdtempSync(join(tmpdir(), 'obligo-serve-cli-'));
  mkdirSync(join(dir, 'contracts'));
  writeFileSync(join(dir, 'contracts', 'cli.yaml'), contractText);
  writeFileSync(
    join(dir, 'obligo.yaml'),
    [
      'contracts: ./contracts',
      `prometheus: { url: "${prometheusUrl}", timeout: 3s }`,
      'store: { sqlite: ./obligo.db }',
      `pagerduty: { eventsUrl: "${pd.enqueueUrl}", routingKey: { env: PD_ROUTING_KEY } }`,
      'log: { level: info }',
    ].join('\n') + '\n',
  );
  return dir;
}

/** Line and column (1-based) of the first occurrence of `needle` in `text`, found by plain search. */
function where(text: string, needle: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`${needle} not in the text`);
  return `${i + 1}:${lines[i]!.indexOf(needle) + 1}`;
}

describe('obligo serve --help', () => {
  it('the usage line names --check', async () => {
    const r = await obligo(['serve', '--help'], { cwd: ROOT, env: baseEnv() });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('usage: obligo serve [--config obligo.yaml] [--once | --check]');
    expect(r.stdout).toMatch(/--check +validate/);
  });
});

describe('obligo serve: secret references that do not resolve', () => {
  let dir = '';
  let yaml = '';
  beforeAll(() => {
    // The configuration example of docs/serve.md, as a new user copies it.
    const doc = readFileSync(join(ROOT, 'docs/serve.md'), 'utf8');
    const m = /## Configuration[\s\S]*?```yaml\n([\s\S]*?)```/.exec(doc);
    if (!m) throw new Error('no yaml example under "## Configuration" in docs/serve.md');
    yaml = m[1]!;
    dir = mkdtempSync(join(tmpdir(), 'obligo-serve-secrets-'));
    writeFileSync(join(dir, 'obligo.yaml'), yaml);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('--check: each one as obligo.yaml:LINE:COL: field: what is missing, exit 2, no store, no value printed', async () => {
    const r = await obligo(['serve', '--config', 'obligo.yaml', '--check'], { cwd: dir, env: baseEnv({ OBLIGO_CI_TOKEN: 'the-ci-token-value-0123456789' }) });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      `obligo.yaml:${where(yaml, 'PROM_TOKEN')}: prometheus.bearerToken: environment variable PROM_TOKEN is not set`,
      `obligo.yaml:${where(yaml, 'PD_ROUTING_KEY')}: pagerduty.routingKey: environment variable PD_ROUTING_KEY is not set`,
      'obligo serve --check: configuration invalid: 2 secret references not resolved, nothing evaluated',
    ]);
    expect(r.stderr).not.toContain('the-ci-token-value');
    expect(existsSync(join(dir, 'obligo.db'))).toBe(false);
  });

  it('the daemon: the same located message and exit 2 before anything starts (the routing key only warns)', async () => {
    const port = await freePort();
    const r = await obligo(['serve', '--config', 'obligo.yaml'], { cwd: dir, env: baseEnv({ OBLIGO_LISTEN: `127.0.0.1:${port}`, OBLIGO_CI_TOKEN: 'the-ci-token-value-0123456789' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`obligo.yaml:${where(yaml, 'PROM_TOKEN')}: prometheus.bearerToken: environment variable PROM_TOKEN is not set\n`);
    expect(existsSync(join(dir, 'obligo.db'))).toBe(false);
    // A token that is not set is named at its place too; the token that is set is never printed.
    const t = await obligo(['serve', '--config', 'obligo.yaml'], { cwd: dir, env: baseEnv({ OBLIGO_LISTEN: `127.0.0.1:${port}`, PROM_TOKEN: 'prom-token-value-0123456789' }) });
    expect(t.code).toBe(2);
    expect(t.stderr).toBe(`obligo.yaml:${where(yaml, 'OBLIGO_CI_TOKEN')}: server.tokens.0.token: environment variable OBLIGO_CI_TOKEN is not set\n`);
    expect(t.stderr + t.stdout).not.toContain('prom-token-value');
  });
});

describe('obligo serve --check with Prometheus down', () => {
  let pd: FakePagerDuty;
  let dir = '';
  let url = '';
  beforeAll(async () => {
    pd = await startFakePagerDuty();
    url = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    dir = workdir(url, pd);
  });
  afterAll(async () => {
    await pd?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exit 3 with the reason, twice; never creates the store, never pages', async () => {
    const env = baseEnv({ PD_ROUTING_KEY: PD_KEY, PD_KEY_CLI: PD_KEY });
    for (let i = 0; i < 2; i++) {
      const r = await obligo(['serve', '--config', 'obligo.yaml', '--check'], { cwd: dir, env });
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        new RegExp(`^obligo serve --check: configuration valid; 1 contract, 0 problems; the tick failed: Prometheus is unreachable: cannot reach Prometheus at ${url.replace(/[.]/g, '\\.')}: ECONNREFUSED.*\\n$`),
      );
      expect(existsSync(join(dir, 'obligo.db'))).toBe(false);
    }
    expect(pd.events).toHaveLength(0);
  });

  it('an invalid contract: exit 2 naming file, line and field; nothing evaluated', async () => {
    const text = contract('2026-12-01').replace('objective: 99.9', 'objectiv: 99.9');
    const bad = workdir(url, pd, text);
    try {
      const r = await obligo(['serve', '--config', 'obligo.yaml', '--check'], { cwd: bad, env: baseEnv({ PD_ROUTING_KEY: PD_KEY }) });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`contracts/cli.yaml:${where(text, 'objectiv:')}: slas[0].objectiv: unknown field`);
      expect(r.stderr).toContain('obligo serve --check: configuration valid; 0 contracts, 2 problems');
      expect(r.stderr).toContain('invalid contracts (above), nothing evaluated');
      expect(r.stderr).not.toContain('Prometheus');
      expect(existsSync(join(bad, 'obligo.db'))).toBe(false);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});

describeWithPrometheus(
  'obligo serve --check and --once with Prometheus up',
  () => {
    const end = Math.floor(Date.now() / M) * M;
    return { start: end - 3 * 60 * M, end, services: [{ service: 'cli-ok', requestsPerMinute: 100 }, { service: 'cli-burn', requestsPerMinute: 100, baseErrorRatio: 0.5 }] };
  },
  (prom) => {
    let pd: FakePagerDuty;
    let dir = '';
    const env = () => baseEnv({ PD_ROUTING_KEY: PD_KEY, PD_KEY_CLI: PD_KEY });
    beforeAll(async () => {
      pd = await startFakePagerDuty();
      dir = workdir(prom.url, pd);
    });
    afterAll(async () => {
      await pd?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('--check: exit 0, one line on stdout; the burning SLA would page, but nothing is stored or sent', async () => {
      const r = await obligo(['serve', '--config', 'obligo.yaml', '--check'], { cwd: dir, env: env() });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        /^configuration valid; 1 contract, 0 problems; one tick: 2 SLAs evaluated in \d+ ms \(\d+ Prometheus requests\); .*alert conditions holding: [^;]*cli-vendor\/burning\/burn-page[^;]*; nothing stored or sent\n$/,
      );
      expect(existsSync(join(dir, 'obligo.db'))).toBe(false);
      expect(pd.events).toHaveLength(0);
    });

    it('--once: stdout is one JSON document (the logs are on stderr); the tick pages as any tick does', async () => {
      const r = await obligo(['serve', '--config', 'obligo.yaml', '--once'], { cwd: dir, env: env() });
      expect(r.code).toBe(0);
      const tick = JSON.parse(r.stdout) as { ok: boolean; slas: Array<{ key: string }>; alerts: { events: number } };
      expect(tick.ok).toBe(true);
      expect(tick.slas.map((s) => s.key)).toEqual(['cli-vendor/healthy', 'cli-vendor/burning']);
      expect(tick.alerts.events).toBeGreaterThan(0);
      const logs = r.stderr
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { msg: string });
      expect(logs.map((l) => l.msg)).toContain('contracts loaded');
      expect(logs.map((l) => l.msg)).toContain('alert transition');
      expect(existsSync(join(dir, 'obligo.db'))).toBe(true);
      expect(pd.events.map((e) => e.dedupKey)).toContain('obligo/cli-vendor/burning/burn-page');
    });
  },
);
