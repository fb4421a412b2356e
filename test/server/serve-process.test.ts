// `obligo serve` as a process (the built CLI): configuration errors name file, line and field; a running
// serve answers /healthz, /readyz and the API with a token; SIGTERM finishes and exits 0.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/demo/fake-pagerduty.js';
import { freePort } from '../../src/demo/prometheus-server.js';
import { describeWithPrometheus } from '../helpers/prometheus.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/cli/main.js');
const CONTRACTS = join(ROOT, 'test/fixtures/measure/status.yaml');

beforeAll(() => {
  if (!existsSync(CLI)) spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
});

describe('obligo serve: configuration errors', () => {
  it('name the file, line, column and field, and exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'obligo-serve-cfg-'));
    try {
      const cfg = join(dir, 'obligo.yaml');
      writeFileSync(cfg, 'contracts: ./contracts\nevaluation:\n  interval: 2s\nserver:\n  listn: 0.0.0.0:80\n');
      const r = spawnSync(process.execPath, [CLI, 'serve', '--config', cfg], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`${cfg}:3:13: evaluation.interval: at least 10s`);
      expect(r.stderr).toContain(`${cfg}:5:3: server.listn: unknown field (did you mean "listen"?)`);
      const missing = spawnSync(process.execPath, [CLI, 'serve', '--config', join(dir, 'nope.yaml')], { encoding: 'utf8', timeout: 30_000 });
      expect(missing.status).toBe(2);
      expect(missing.stderr).toMatch(/nope\.yaml:1:1: cannot read the config file: ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithPrometheus(
  'obligo serve as a process',
  { start: Date.parse('2026-04-10T00:00:00Z'), end: Date.parse('2026-04-10T21:00:00Z'), services: [{ service: 'st-ok', requestsPerMinute: 100 }] },
  (prom) => {
    let dir = '';
    let child: ChildProcess | undefined;
    let pd: FakePagerDuty;
    let url = '';
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'obligo-serve-proc-'));
      pd = await startFakePagerDuty();
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      const cfg = join(dir, 'obligo.yaml');
      writeFileSync(
        cfg,
        [
          `contracts: ${CONTRACTS}`,
          `prometheus: { url: "${prom.url}" }`,
          `store: { sqlite: ${join(dir, 'obligo.db')} }`,
          'evaluation: { interval: 10s }',
          `pagerduty: { eventsUrl: "${pd.enqueueUrl}" }`,
          `server: { listen: "127.0.0.1:${port}", tokens: [ { name: ci, role: viewer, token: { env: OBLIGO_TEST_TOKEN } } ] }`,
          'log: { level: warn }',
        ].join('\n'),
      );
      child = spawn(process.execPath, [CLI, 'serve', '--config', cfg], { env: { ...process.env, OBLIGO_TEST_TOKEN: 'viewer-token-0123456789' }, stdio: ['ignore', 'pipe', 'pipe'] });
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          if ((await fetch(`${url}/healthz`)).status === 200) break;
        } catch {
          /* not listening yet */
        }
        if (Date.now() > deadline) throw new Error('serve did not start');
        await new Promise((r) => setTimeout(r, 200));
      }
    }, 90_000);
    afterAll(async () => {
      child?.kill('SIGKILL');
      await pd?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('answers /healthz, /readyz after a tick, and the API only with a token', async () => {
      const deadline = Date.now() + 60_000;
      while ((await fetch(`${url}/readyz`)).status !== 200) {
        if (Date.now() > deadline) throw new Error('never ready');
        await new Promise((r) => setTimeout(r, 300));
      }
      expect((await fetch(`${url}/api/v1/status`)).status).toBe(401);
      const ok = await fetch(`${url}/api/v1/status`, { headers: { authorization: 'Bearer viewer-token-0123456789' } });
      expect(ok.status).toBe(200);
      const doc = (await ok.json()) as { slas: Array<{ contract: string }> };
      expect(doc.slas.length).toBeGreaterThan(0);
      expect((await fetch(`${url}/api/v1/credits?period=2026-04`, { headers: { authorization: 'Bearer viewer-token-0123456789' } })).status).toBe(403);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('obligo_ticks_total');
    });

    it('SIGTERM: finishes the tick, flushes the outbox and exits 0', async () => {
      const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
      child!.kill('SIGTERM');
      expect(await exited).toBe(0);
      child = undefined;
    });
  },
);
