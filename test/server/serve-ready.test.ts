// /readyz of a real `obligo serve` (startServe with its HTTP shell, real requests to the listening port):
// 503 once no tick has succeeded for three intervals, counted from the end of the last successful tick,
// or from start-up when none has succeeded (a Prometheus that was never reachable). Ticks are driven by the
// test and serve's clock (ServeDeps.now) is set by hand: nothing here waits for the wall clock.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditsCsv, creditsJson } from '../../src/cli/commands/credits.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/demo/fake-pagerduty.js';
import { freePort } from '../../src/demo/prometheus-server.js';
import { parseServeConfig } from '../../src/server/config.js';
import { serveHttp } from '../../src/server/http.js';
import { startServe, type ServeHandle } from '../../src/server/serve.js';
import { describeWithPrometheus } from '../helpers/prometheus.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CONTRACTS = join(ROOT, 'test/fixtures/measure/status.yaml');
const INTERVAL_MS = 10_000;
const credits = { json: creditsJson, csv: creditsCsv };
const AT = Date.parse('2026-04-10T20:00:00Z');

interface Ready {
  status: number;
  reasons: string[];
}

async function readyz(base: string): Promise<Ready> {
  const res = await fetch(`${base}/readyz`);
  const body = (await res.json()) as { reasons?: string[] };
  return { status: res.status, reasons: body.reasons ?? [] };
}

/** A serve on its own SQLite file, the fake PagerDuty and a clock the test moves. */
async function startWithClock(dir: string, prometheusUrl: string, pd: FakePagerDuty, clock: { t: number }): Promise<ServeHandle> {
  const config = parseServeConfig(
    join(dir, 'obligo.yaml'),
    [
      `contracts: ${CONTRACTS}`,
      `prometheus: { url: "${prometheusUrl}", timeout: 2s }`,
      `store: { sqlite: ${join(dir, 'obligo.db')} }`,
      `evaluation: { interval: ${INTERVAL_MS / 1000}s }`,
      `pagerduty: { eventsUrl: "${pd.enqueueUrl}" }`,
      'server: { listen: "127.0.0.1:0" }',
    ].join('\n'),
  );
  const now = () => clock.t;
  return startServe(config, { http: serveHttp({ credits, env: {}, now }), env: {}, now, manualTicks: true, instanceId: 'ready-test' });
}

/** Per describe block: a temporary folder with an empty obligo.yaml, the fake PagerDuty, and the serve a test starts (stopped after). */
function readyFixture(prefix: string): { dir: string; pd: FakePagerDuty; serve?: ServeHandle } {
  const f = { dir: '', pd: undefined as unknown as FakePagerDuty, serve: undefined as ServeHandle | undefined };
  beforeAll(async () => {
    f.dir = mkdtempSync(join(tmpdir(), prefix));
    writeFileSync(join(f.dir, 'obligo.yaml'), '');
    f.pd = await startFakePagerDuty();
  });
  afterAll(async () => {
    await f.serve?.stop(1000);
    await f.pd?.close();
    if (f.dir) rmSync(f.dir, { recursive: true, force: true });
  });
  return f;
}

describe('/readyz when no tick ever succeeded (Prometheus never reachable)', () => {
  const f = readyFixture('obligo-ready-down-');

  it('ready after the first (failed) tick, 503 from three intervals after start-up on, counted without sleeping', async () => {
    const down = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const T0 = Date.parse('2026-12-01T00:00:00Z');
    const clock = { t: T0 };
    const serve = (f.serve = await startWithClock(f.dir, down, f.pd, clock));
    const base = serve.url!;
    expect(await readyz(base)).toEqual({ status: 503, reasons: ['contracts not loaded yet', 'no tick has completed yet'] });
    const r = await serve.tickNow(AT);
    expect(r.ok).toBe(false);
    expect(r.error).toContain('cannot reach Prometheus');
    expect(await readyz(base)).toEqual({ status: 200, reasons: [] });
    // Ticks keep failing; the limit is three intervals from start-up, exactly.
    clock.t = T0 + 3 * INTERVAL_MS;
    expect((await serve.tickNow(AT)).ok).toBe(false);
    expect(await readyz(base)).toEqual({ status: 200, reasons: [] });
    clock.t = T0 + 3 * INTERVAL_MS + 1;
    expect(await readyz(base)).toEqual({ status: 503, reasons: ['no tick has succeeded since start-up, more than three intervals (30 s) ago'] });
    // The case of the walkthrough: 36 s after start with a 10 s interval.
    clock.t = T0 + 36_000;
    expect((await readyz(base)).status).toBe(503);
    expect(serve.runtime.health().ready).toBe(false);
  });
});

describeWithPrometheus(
  '/readyz after successful ticks (real Prometheus)',
  { start: Date.parse('2026-04-10T00:00:00Z'), end: Date.parse('2026-04-10T21:00:00Z'), services: [{ service: 'st-ok', requestsPerMinute: 100 }] },
  (prom) => {
    const f = readyFixture('obligo-ready-up-');

    it('503 once three intervals passed since the last successful tick ended (no minute of slack); ready again after the next success', async () => {
      const T0 = Date.parse('2026-12-01T00:00:00Z');
      const clock = { t: T0 };
      const serve = (f.serve = await startWithClock(f.dir, prom.url, f.pd, clock));
      const base = serve.url!;
      clock.t = T0 + 50_000; // the first tick succeeds late: its end counts, not start-up
      const r = await serve.tickNow(AT);
      expect(r.ok).toBe(true);
      expect(await readyz(base)).toEqual({ status: 200, reasons: [] });
      clock.t = T0 + 50_000 + 3 * INTERVAL_MS;
      expect(await readyz(base)).toEqual({ status: 200, reasons: [] });
      clock.t = T0 + 50_000 + 3 * INTERVAL_MS + 1;
      expect(await readyz(base)).toEqual({ status: 503, reasons: ['no tick has succeeded for more than three intervals (30 s)'] });
      expect((await serve.tickNow(AT)).ok).toBe(true);
      expect(await readyz(base)).toEqual({ status: 200, reasons: [] });
    });
  },
);
