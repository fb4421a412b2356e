// The REST API, /metrics, health and logs of a REAL `obligo serve` (startServe with the HTTP factory),
// against a real Prometheus with backfilled synthetic traffic and the fake PagerDuty on a real socket;
// every request is a real HTTP request (fetch) to the listening port. Expected numbers come from the
// generator's per-minute counts (TrafficTruth) and the contract texts, never from obligo's own code.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditsCommand, creditsCsv, creditsJson } from '../../src/cli/commands/credits.js';
import { gateCommand } from '../../src/cli/commands/gate.js';
import { memoryIO } from '../../src/cli/io.js';
import { SERVE_METRICS, SLA_STATES } from '../../src/conventions.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/demo/fake-pagerduty.js';
import { createHttpApp, SECURITY_HEADERS, serveHttp } from '../../src/server/http.js';
import { ENGINE_METRICS, METRIC_LABELS } from '../../src/server/metrics.js';
import { startServe, type ServeHandle } from '../../src/server/serve.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { describeWithPrometheus, prometheusTools } from '../helpers/prometheus.js';
import {
  AT,
  AT_MS,
  CONTRACTS,
  DAY,
  DAY_MS,
  familyOf,
  M,
  parseExposition,
  RENEWAL_DEADLINE_MS,
  serveConfig,
  SPEC,
  TOKEN_ENV,
  TOKENS,
  writeContracts,
  type Exposition,
} from './api-fixtures.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROUTING_KEY = 'routing-key-value-that-must-never-leak-0123';
/** The CLI's writers, as the `obligo serve` command passes them. */
const credits = { json: creditsJson, csv: creditsCsv };

describeWithPrometheus('serve shells: REST API, /metrics, health (real serve, real Prometheus, fake PagerDuty)', SPEC, (prom) => {
  let tmp = '';
  let contractsDir = '';
  let db = '';
  let pd: FakePagerDuty;
  let serve: ServeHandle;
  let base = '';
  const logLines: string[] = [];
  const env: NodeJS.ProcessEnv = { ...TOKEN_ENV, OBLIGO_API_TEST_ROUTING_KEY: ROUTING_KEY };
  const t0 = Date.now();
  /** serve's clock: starts at AT and runs at wall-clock speed (the data is from April 2026). */
  const clock = () => AT_MS + (Date.now() - t0);

  const get = async (path: string, token?: string, init: RequestInit = {}) => {
    const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${base}${path}`, { ...init, headers });
    const text = await res.text();
    let json: Json | undefined;
    if ((res.headers.get('content-type') ?? '').includes('json')) json = JSON.parse(text) as Json;
    return { status: res.status, headers: res.headers, text, json: json as Json };
  };
  const metricsNow = async (): Promise<Exposition> => {
    const r = await get('/metrics');
    expect(r.status).toBe(200);
    return parseExposition(r.text);
  };
  const value = (e: Exposition, name: string, labels: Record<string, string> = {}): number | undefined => {
    const hits = e.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    if (hits.length > 1) throw new Error(`${hits.length} series of ${name} match ${JSON.stringify(labels)}`);
    return hits[0]?.value;
  };

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'obligo-api-'));
    contractsDir = join(tmp, 'contracts');
    db = join(tmp, 'serve.db');
    writeContracts(contractsDir);
    pd = await startFakePagerDuty();
    const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void logLines.push(s) } });
    const config = serveConfig({ contracts: contractsDir, db, prometheus: prom.url, pagerduty: pd.enqueueUrl });
    serve = await startServe(config, { http: serveHttp({ credits, logger, env, now: clock }), logger, env, now: clock, manualTicks: true, instanceId: 'api-test' });
    base = serve.url!;
  });

  afterAll(async () => {
    await serve?.stop(2000);
    await pd?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  describe('before the first tick', () => {
    it('/healthz is live; /readyz is 503 with its reasons; /api/v1/status is 503', async () => {
      const h = await get('/healthz');
      expect(h.status).toBe(200);
      expect(h.json).toMatchObject({ status: 'ok', live: true });
      const r = await get('/readyz');
      expect(r.status).toBe(503);
      expect(r.json.ready).toBe(false);
      expect(r.json.reasons).toEqual(expect.arrayContaining(['no tick has completed yet']));
      const s = await get('/api/v1/status', TOKENS.viewer);
      expect(s.status).toBe(503);
      expect(s.json).toEqual({ error: 'no tick has completed yet' });
      expect(s.headers.get('retry-after')).toBe('5');
    });

    it('/metrics has the engine metrics but no contract series yet', async () => {
      const e = await metricsNow();
      expect(e.types.get(ENGINE_METRICS.ticks.name)).toBe('counter');
      expect(value(e, ENGINE_METRICS.ticks.name)).toBe(0);
      expect(e.samples.filter((s) => s.name === SERVE_METRICS.slaAchievedPercent.name)).toEqual([]);
    });
  });

  describe('after a tick at the fixed instant', () => {
    let tick: Awaited<ReturnType<ServeHandle['tickNow']>>;
    beforeAll(async () => {
      tick = await serve.tickNow(AT_MS);
      expect(tick.ok, tick.error).toBe(true);
      // The page of the burning SLA reaches the fake PagerDuty through the outbox.
      await pd.waitFor((events) => events.some((e) => (e.body as Json)?.dedup_key === 'obligo/api-main/burning/burn-page'));
    });

    it('/readyz is 200 once contracts are loaded and a tick completed', async () => {
      const r = await get('/readyz');
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ status: 'ready', ready: true, reasons: [] });
    });

    it('authentication: no token or a wrong one is 401 with a Bearer challenge; any role reads status', async () => {
      const none = await get('/api/v1/status');
      expect(none.status).toBe(401);
      expect(none.json.error).toMatch(/Authorization: Bearer/);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm="obligo"/);
      const wrong = await get('/api/v1/status', `${TOKENS.viewer}x`);
      expect(wrong.status).toBe(401);
      expect(wrong.json).toEqual({ error: 'invalid token' });
      expect(wrong.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      const prefix = await get('/api/v1/status', TOKENS.viewer.slice(0, 10));
      expect(prefix.status).toBe(401);
      const basic = await get('/api/v1/status', undefined, { headers: { authorization: `Basic ${Buffer.from(`x:${TOKENS.admin}`).toString('base64')}` } });
      expect(basic.status).toBe(401);
      expect(basic.json.error).toMatch(/Bearer <token>/);
      for (const token of Object.values(TOKENS)) expect((await get('/api/v1/status', token)).status).toBe(200);
    });

    it('roles: credits need finance or admin (viewer and oncall 403); the outbox needs oncall or admin', async () => {
      const q = '/api/v1/credits?period=2026-04';
      const viewer = await get(q, TOKENS.viewer);
      expect(viewer.status).toBe(403);
      expect(viewer.json.error).toBe('credits need the finance or admin role (token "vera" has viewer)');
      expect((await get(q, TOKENS.oncall)).status).toBe(403);
      expect((await get(q, TOKENS.finance)).status).toBe(200);
      expect((await get(q, TOKENS.admin)).status).toBe(200);
      const o = '/api/v1/outbox';
      expect((await get(o, TOKENS.viewer)).status).toBe(403);
      expect((await get(o, TOKENS.finance)).status).toBe(403);
      expect((await get(o, TOKENS.oncall)).status).toBe(200);
      expect((await get(o, TOKENS.admin)).status).toBe(200);
      // 403 before any parameter is looked at: a viewer learns nothing about the period's validity.
      expect((await get('/api/v1/credits?period=nonsense', TOKENS.viewer)).status).toBe(403);
    });

    it('GET /api/v1/contracts: ids, parties, revision, file, hash of the file bytes, SLAs', async () => {
      const r = await get('/api/v1/contracts', TOKENS.viewer);
      expect(r.status).toBe(200);
      expect(r.json.contracts.map((c: Json) => c.id)).toEqual(['api-main', 'api-maint', 'api-gone']);
      const main = r.json.contracts[0];
      expect(main).toMatchObject({ title: 'API main contract', vendor: 'API Vendor', customer: 'Example Corp', role: 'customer', revision: 'r7', stale: false, currency: 'USD', timezone: 'UTC' });
      expect(main.file).toBe(join(contractsDir, 'a-main.yaml'));
      expect(main.hash).toBe(createHash('sha256').update(readFileSync(join(contractsDir, 'a-main.yaml'))).digest('hex'));
      expect(main.slas.map((s: Json) => s.key)).toEqual(['api-main/healthy', 'api-main/burning']);
      expect(main.slas[0]).toMatchObject({ id: 'healthy', objective: 99.9, period: 'month', method: 'events' });
      expect(main.slas[0].labels).toMatchObject({ tier: 'gold', team: 'payments' });
      expect(r.json.contracts[2].role).toBe('provider');
      expect(r.json.problems).toEqual([]);
      expect(r.json.stale).toEqual([]);
    });

    it('GET /api/v1/status: statusDocument + decision per SLA, tick metadata; numbers as the generator counts them', async () => {
      const r = await get('/api/v1/status', TOKENS.viewer);
      expect(r.status).toBe(200);
      const j = r.json;
      expect(j.at).toBe(AT);
      expect(j.stale).toBe(false);
      expect(j.tick).toMatchObject({ number: tick.tick, at: AT, ok: true, error: null, leader: true, incomplete: [] });
      expect(j.slas.map((s: Json) => s.key)).toEqual(['api-main/healthy', 'api-main/burning', 'api-maint/availability', 'api-gone/half']);
      const by = (k: string) => j.slas.find((s: Json) => s.key === k);
      const truth = prom.truth;
      const burnAll = truth.totals('api-burn', { start: DAY, end: AT_MS });
      const burning = by('api-main/burning');
      expect(burning.achieved).toBeCloseTo((100 * burnAll.good) / burnAll.total, 10);
      expect(burning.state).toBe('breached');
      expect(burning.coverage).toMatchObject({ complete: true, ratio: 1 });
      expect(burning.decision.action).toBe('page');
      expect(burning.decision.alerts.find((a: Json) => a.name === 'burn-page').active).toBe(true);
      expect(burning.decision.vendor).toBe('API Vendor');
      const healthy = by('api-main/healthy');
      expect(healthy).toMatchObject({ achieved: 100, budgetRemaining: 1, state: 'ok' });
      expect(healthy.decision.action).toBe('none');
      // The maintenance window in force at AT suppresses the contract's pages.
      expect(by('api-maint/availability').decision.suppressed.reason).toMatch(/planned upgrade/);
      const halfTruth = truth.totals('api-half', { start: DAY, end: AT_MS });
      expect(by('api-gone/half').achieved).toBeCloseTo((100 * halfTruth.good) / halfTruth.total, 10);
      // The same document as `obligo status --format json` (statusDocument) for every field it has.
      for (const f of ['contract', 'sla', 'vendor', 'objective', 'period', 'achieved', 'budgetRemaining', 'burnRates', 'windowCoverage', 'state', 'coverage', 'sli', 'method', 'measuredMinutes', 'flags', 'evidence']) {
        expect(burning).toHaveProperty(f);
      }
    });

    it('GET /api/v1/status filters: contract, sla, label; strict (404 for a selection matching nothing, 400 for bad parameters)', async () => {
      const keys = async (q: string) => (await get(`/api/v1/status?${q}`, TOKENS.viewer)).json.slas.map((s: Json) => s.key);
      expect(await keys('contract=api-maint')).toEqual(['api-maint/availability']);
      expect(await keys('sla=api-main/burning')).toEqual(['api-main/burning']);
      expect(await keys('label=tier=gold')).toEqual(['api-main/healthy']);
      expect(await keys('contract=api-main&contract=api-gone')).toEqual(['api-main/healthy', 'api-main/burning', 'api-gone/half']);
      const missing = await get('/api/v1/status?contract=nope', TOKENS.viewer);
      expect(missing.status).toBe(404);
      expect(missing.json.error).toMatch(/no contract "nope"/);
      const badLabel = await get('/api/v1/status?label=tier', TOKENS.viewer);
      expect(badLabel.status).toBe(400);
      expect(badLabel.json).toEqual({ error: 'label expects KEY=VALUE (got "tier")' });
      const typo = await get('/api/v1/status?contarct=api-main', TOKENS.viewer);
      expect(typo.status).toBe(400);
      expect(typo.json.error).toBe('unknown query parameter "contarct" (this endpoint takes: contract, sla, label)');
    });

    it('GET /api/v1/credits: the same JSON and CSV as `obligo credits` for the period', async () => {
      const cli = async (format: string) => {
        const io = memoryIO({});
        const code = await creditsCommand(['--contracts', contractsDir, '--prometheus', prom.url, '--at', AT, '--db', db, '--period', '2026-04', '--format', format], io);
        expect(code, io.err).toBe(0);
        return io.out;
      };
      const json = await get(`/api/v1/credits?period=2026-04&at=${AT}`, TOKENS.finance);
      expect(json.status).toBe(200);
      const doc = json.json;
      expect(doc).toEqual(JSON.parse(await cli('json')));
      const csv = await get(`/api/v1/credits?period=2026-04&at=${AT}&format=csv`, TOKENS.finance);
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(csv.headers.get('content-disposition')).toBe('attachment; filename="obligo-credits-2026-04.csv"');
      expect(csv.text).toBe(await cli('csv'));
      // The burning SLA is below 99.9 %: 10 % of the 1,000 USD monthly fee (contract text), provisional in April.
      const row = doc.credits.find((c: Json) => c.sla === 'burning');
      expect(row).toMatchObject({ creditPercent: 10, amount: '100.00', currency: 'USD', provisional: true, action: 'provisional' });
    });

    it('GET /api/v1/credits: parameters are checked', async () => {
      const bad = async (q: string) => {
        const r = await get(`/api/v1/credits${q}`, TOKENS.admin);
        expect(r.status).toBe(400);
        return r.json.error as string;
      };
      expect(await bad('')).toBe('credits need period=YYYY-MM (monthly SLAs), period=YYYY-Qn (quarterly SLAs) or period=YYYY (a whole year)');
      expect(await bad('?period=2026-13')).toBe('period expects YYYY-MM, YYYY-Qn or YYYY (got "2026-13")');
      expect(await bad('?period=2026-04&format=xml')).toBe('format expects json or csv (got "xml")');
      expect(await bad('?period=2026-04&at=yesterday')).toMatch(/at expects an RFC 3339 time/);
      expect(await bad('?period=2026-04&at=2026-02-30T00:00:00Z')).toMatch(/at expects an RFC 3339 time/);
      expect(await bad('?period=2026-04&period=2026-05')).toBe('query parameter "period" given more than once');
      const none = await get('/api/v1/credits?period=2026-04&sla=api-main/nope', TOKENS.admin);
      expect(none.status).toBe(404);
    });

    it('GET /api/v1/gate: allow / deny with the exit code of `obligo gate`, and the same decision', async () => {
      const cli = async (args: string[]) => {
        const io = memoryIO({});
        const code = await gateCommand(['--contracts', contractsDir, '--prometheus', prom.url, '--at', AT, '--format', 'json', ...args], io);
        return { code, json: JSON.parse(io.out) as Json };
      };
      const allow = await get(`/api/v1/gate?sla=api-main/healthy&min_budget=0.1&at=${AT}`, TOKENS.viewer);
      expect(allow.status).toBe(200);
      expect(allow.json).toMatchObject({ decision: 'allow', allow: true, exitCode: 0 });
      const c1 = await cli(['--sla', 'api-main/healthy', '--min-budget', '0.1']);
      expect(c1.code).toBe(0);
      const { failOpen, ...c1doc } = c1.json;
      expect(failOpen).toBe(false);
      expect(allow.json).toEqual(c1doc);
      const deny = await get(`/api/v1/gate?sla=api-main/burning&at=${AT}`, TOKENS.viewer);
      expect(deny.json).toMatchObject({ decision: 'deny', allow: false, exitCode: 1 });
      const c2 = await cli(['--sla', 'api-main/burning']);
      expect(c2.code).toBe(1);
      expect(deny.json.reasons).toEqual(c2.json.reasons);
      const byLabel = await get(`/api/v1/gate?label=team=payments&at=${AT}`, TOKENS.viewer);
      expect(byLabel.json.slas.map((s: Json) => s.key)).toEqual(['api-main/healthy', 'api-main/burning']);
      expect(byLabel.json.exitCode).toBe(1);
      expect((await get('/api/v1/gate', TOKENS.viewer)).json.error).toMatch(/the gate needs a selection/);
      const mb = await get('/api/v1/gate?sla=api-main/healthy&min_budget=2', TOKENS.viewer);
      expect(mb.status).toBe(400);
      expect(mb.json.error).toMatch(/min_budget expects a fraction between 0 and 1/);
      expect((await get('/api/v1/gate?sla=api-main/nope', TOKENS.viewer)).status).toBe(404);
      expect((await get('/api/v1/gate?sla=api-main/healthy&rollback=maybe', TOKENS.viewer)).status).toBe(400);
    });

    it('GET /api/v1/alerts: states and transitions (since, phase, limit checked)', async () => {
      const r = await get('/api/v1/alerts', TOKENS.viewer);
      expect(r.status).toBe(200);
      const page = r.json.states.find((s: Json) => s.dedupKey === 'obligo/api-main/burning/burn-page');
      expect(page).toMatchObject({ contract: 'api-main', sla: 'burning', alert: 'burn-page', phase: 'firing', incident: 1, active: true, triggeredAt: AT });
      const tr = r.json.transitions.find((x: Json) => x.dedupKey === 'obligo/api-main/burning/burn-page');
      expect(tr).toMatchObject({ to: 'firing', at: AT });
      expect(tr.eventIds.length).toBe(1);
      const later = await get(`/api/v1/alerts?since=${new Date(AT_MS + M).toISOString()}`, TOKENS.viewer);
      expect(later.json.transitions).toEqual([]);
      const firing = await get('/api/v1/alerts?phase=firing&contract=api-main', TOKENS.viewer);
      expect(firing.json.states.length).toBeGreaterThan(0);
      expect(firing.json.states.every((s: Json) => s.phase === 'firing' && s.contract === 'api-main')).toBe(true);
      expect((await get('/api/v1/alerts?phase=burning', TOKENS.viewer)).json.error).toMatch(/phase expects one of inactive, pending, firing/);
      expect((await get('/api/v1/alerts?since=1h', TOKENS.viewer)).status).toBe(400);
      expect((await get('/api/v1/alerts?limit=0', TOKENS.viewer)).json.error).toBe('limit expects a whole number from 1 to 1000 (got "0")');
      expect((await get('/api/v1/alerts?limit=1', TOKENS.viewer)).json.transitions.length).toBe(1);
    });

    it('GET /api/v1/outbox: the delivered page, the depth; the routing key appears nowhere', async () => {
      const r = await get('/api/v1/outbox', TOKENS.oncall);
      expect(r.status).toBe(200);
      const ev = r.json.events.find((e: Json) => e.dedupKey === 'obligo/api-main/burning/burn-page');
      expect(ev).toMatchObject({ action: 'trigger', status: 'sent', attempts: 1, routing: 'default', lastStatus: 202 });
      expect(ev.body.payload.summary).toMatch(/API Vendor/);
      expect(r.json.depth).toMatchObject({ pending: 0, failed: 0 });
      expect(r.json.depth.sent).toBe(r.json.events.filter((e: Json) => e.status === 'sent').length);
      expect(r.text).not.toContain(ROUTING_KEY);
      expect(r.text).not.toContain('routing_key');
      expect((await get('/api/v1/outbox?status=lost', TOKENS.oncall)).status).toBe(400);
      expect((await get('/api/v1/outbox?status=sent&limit=1', TOKENS.oncall)).json.events.length).toBe(1);
    });

    it('errors: JSON 404 for unknown paths, 405 for other methods, 413 for a body over the limit, 400 for a bad JSON body', async () => {
      const nf = await get('/api/v1/nothing', TOKENS.viewer);
      expect(nf.status).toBe(404);
      expect(nf.json).toEqual({ error: 'not found: GET /api/v1/nothing' });
      const nf2 = await get('/nothing');
      expect(nf2.status).toBe(404);
      const post = await get('/api/v1/status', TOKENS.viewer, { method: 'POST' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
      const big = await get('/api/v1/status', TOKENS.viewer, { method: 'POST', body: JSON.stringify({ x: 'a'.repeat(1 << 20) }), headers: { 'content-type': 'application/json' } });
      expect(big.status).toBe(413);
      expect(big.json).toEqual({ error: `request body larger than ${16 * 1024} bytes` });
      const junk = await get('/api/v1/status', TOKENS.viewer, { method: 'POST', body: '{"x": ', headers: { 'content-type': 'application/json' } });
      expect(junk.status).toBe(400);
      expect(junk.json).toEqual({ error: 'the request body is not valid JSON' });
      // Not even an unauthenticated client gets a large body read.
      const anon = await get('/api/v1/status', undefined, { method: 'POST', body: 'a'.repeat(1 << 20), headers: { 'content-type': 'text/plain' } });
      expect(anon.status).toBe(413);
      for (const r of [nf, post, big, junk, anon]) expect(r.text).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack trace
    });

    it('security headers on every answer (200, 401, 403, 404, 413, /metrics, /healthz), no X-Powered-By', async () => {
      const answers = [
        await get('/api/v1/status', TOKENS.viewer),
        await get('/api/v1/status'),
        await get('/api/v1/credits?period=2026-04', TOKENS.viewer),
        await get('/api/v1/nothing', TOKENS.viewer),
        await get('/api/v1/status', TOKENS.viewer, { method: 'POST', body: 'a'.repeat(100_000), headers: { 'content-type': 'application/json' } }),
        await get('/metrics'),
        await get('/healthz'),
      ];
      expect(answers.map((a) => a.status)).toEqual([200, 401, 403, 404, 413, 200, 200]);
      for (const a of answers) {
        for (const [k, v] of Object.entries(SECURITY_HEADERS)) expect(a.headers.get(k), k).toBe(v);
        expect(a.headers.get('x-frame-options')).toBe('DENY');
        expect(a.headers.get('x-powered-by')).toBeNull();
      }
    });

    it('/metrics: valid text format (promtool check metrics), only bounded labels, the declared labels of every contract metric', async () => {
      const r = await get('/metrics');
      expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const check = spawnSync(prometheusTools.promtool!, ['check', 'metrics'], { input: r.text, encoding: 'utf8' });
      // promtool parses with Prometheus's own text parser (exit 1 and "error while linting" on a parse
      // error), then lints (exit 3 with one line per note). Of our metrics, the one note allowed is about a
      // name fixed by src/conventions.ts: obligo_contract_renewal_notice_days is not in seconds (prom-client's
      // default nodejs_active_*_total gauges get notes of their own).
      const said = (check.stdout + check.stderr).split('\n').filter((l) => l.trim());
      expect(said.filter((l) => !/^(nodejs|process)_/.test(l) && !l.startsWith(`${SERVE_METRICS.contractRenewalNoticeDays.name} use base unit`))).toEqual([]);
      expect([0, 3]).toContain(check.status);
      const e = parseExposition(r.text);
      const allowed = new Set([...METRIC_LABELS, 'le']);
      expect([...allowed].sort()).toEqual(['contract', 'currency', 'le', 'sla', 'state', 'vendor', 'window']);
      const obligo = e.samples.filter((s) => s.name.startsWith('obligo_'));
      expect(obligo.length).toBeGreaterThan(30);
      for (const s of obligo) for (const l of Object.keys(s.labels)) expect(allowed.has(l), `${s.name} has label ${l}`).toBe(true);
      for (const m of Object.values(SERVE_METRICS)) {
        expect(e.types.get(m.name), m.name).toBe('gauge');
        expect(e.help.get(m.name)).toBe(m.help);
        for (const s of e.samples.filter((x) => x.name === m.name)) expect(Object.keys(s.labels).sort()).toEqual([...m.labels].sort());
      }
      for (const m of Object.values(ENGINE_METRICS)) {
        expect(e.types.get(m.name), m.name).toBe(m.type);
        for (const s of e.samples.filter((x) => familyOf(e, x.name) === m.name)) expect(Object.keys(s.labels).filter((l) => l !== 'le').sort()).toEqual([...m.labels].sort());
      }
      // Default process metrics live in the same (own) registry.
      expect(e.types.has('process_cpu_seconds_total')).toBe(true);
    });

    it('/metrics: contract values as the generator and the contract texts have them', async () => {
      const e = await metricsNow();
      const S = SERVE_METRICS;
      const truth = prom.truth;
      const sla = (c: string, s: string) => ({ contract: c, sla: s });
      const burnAll = truth.totals('api-burn', { start: DAY, end: AT_MS });
      const achieved = (100 * burnAll.good) / burnAll.total;
      expect(value(e, S.slaAchievedPercent.name, sla('api-main', 'burning'))).toBeCloseTo(achieved, 9);
      expect(value(e, S.slaAchievedPercent.name, sla('api-main', 'healthy'))).toBe(100);
      expect(value(e, S.errorBudgetRemainingRatio.name, sla('api-main', 'burning'))).toBeCloseTo(1 - (1 - achieved / 100) / 0.001, 6);
      expect(value(e, S.errorBudgetRemainingRatio.name, sla('api-main', 'healthy'))).toBe(1);
      // 5m burn rate: errors in the 5 minutes before AT over the budget (3 of them at 5 %).
      const w5 = truth.totals('api-burn', { start: AT_MS - 5 * M, end: AT_MS });
      expect(value(e, S.burnRate.name, { ...sla('api-main', 'burning'), window: '5m' })).toBeCloseTo((w5.total - w5.good) / w5.total / 0.001, 6);
      const w1h = truth.totals('api-burn', { start: AT_MS - 60 * M, end: AT_MS });
      expect(value(e, S.burnRate.name, { ...sla('api-main', 'burning'), window: '1h' })).toBeCloseTo((w1h.total - w1h.good) / w1h.total / 0.001, 6);
      for (const st of SLA_STATES) {
        expect(value(e, S.slaState.name, { ...sla('api-main', 'burning'), state: st })).toBe(st === 'breached' ? 1 : 0);
        expect(value(e, S.slaState.name, { ...sla('api-main', 'healthy'), state: st })).toBe(st === 'ok' ? 1 : 0);
      }
      expect(value(e, S.dataCoverageRatio.name, sla('api-main', 'burning'))).toBe(1);
      // Current-period credits: 10 % of 1,000 USD for the burning SLA, 0 for the healthy one.
      expect(value(e, S.serviceCreditAmount.name, { ...sla('api-main', 'burning'), currency: 'USD' })).toBe(100);
      expect(value(e, S.serviceCreditAmount.name, { ...sla('api-main', 'healthy'), currency: 'USD' })).toBe(0);
      // Maintenance 19:30–21:00 on April 10 covers AT for api-maint only.
      expect(value(e, S.maintenanceActive.name, { contract: 'api-maint' })).toBe(1);
      expect(value(e, S.maintenanceActive.name, { contract: 'api-main' })).toBe(0);
      // Renewal: term ends 2026-12-31, 60 days' notice → deadline 2026-11-02T00:00Z; no renewal on the others.
      expect(value(e, S.contractRenewalNoticeDays.name, { contract: 'api-main' })).toBeCloseTo((RENEWAL_DEADLINE_MS - AT_MS) / DAY_MS, 9);
      expect(value(e, S.contractRenewalNoticeDays.name, { contract: 'api-maint' })).toBeUndefined();
      expect(value(e, ENGINE_METRICS.contractInfo.name, { contract: 'api-main', vendor: 'API Vendor' })).toBe(1);
    });

    it('/metrics: engine health (ticks, duration, last success, Prometheus requests, outbox, PagerDuty results)', async () => {
      const E = ENGINE_METRICS;
      const e = await metricsNow();
      const ticks = value(e, E.ticks.name)!;
      expect(ticks).toBeGreaterThanOrEqual(1);
      expect(value(e, `${E.tickDuration.name}_count`)).toBe(ticks);
      expect(value(e, `${E.tickDuration.name}_bucket`, { le: '+Inf' })).toBe(ticks);
      expect(value(e, E.tickFailures.name)).toBe(0);
      expect(value(e, E.lastSuccessfulTick.name)).toBe(AT_MS / 1000);
      expect(value(e, E.prometheusRequests.name)).toBeGreaterThanOrEqual(tick.prometheus.requests);
      expect(tick.prometheus.requests).toBeGreaterThan(0);
      expect(value(e, E.prometheusRequestFailures.name)).toBe(0);
      expect(value(e, E.contractsLoaded.name)).toBe(3);
      expect(value(e, E.leader.name)).toBe(1);
      expect(value(e, E.outboxPending.name)).toBe(0);
      expect(value(e, E.outboxFailed.name)).toBe(0);
      // Every event the fake PagerDuty accepted was counted as delivered.
      const accepted = pd.events.filter((x) => x.status === 202).length;
      expect(accepted).toBeGreaterThan(0);
      expect(value(e, E.pagerdutyDelivered.name)).toBe(accepted);
      expect(value(e, E.pagerdutyRequests.name)).toBe(pd.events.length);
      expect(value(e, E.pagerdutyRejected.name)).toBe(0);
    });

    it('logs: one JSON line per API request with token name and role; no token, routing key or Authorization value', async () => {
      await get('/api/v1/contracts', TOKENS.finance);
      const lines = logLines.map((l) => JSON.parse(l) as Json);
      const req = lines.filter((l) => l.msg === 'request' && l.req?.url === '/api/v1/contracts' && l.principal === 'fiona');
      expect(req.length).toBeGreaterThan(0);
      expect(req.at(-1)).toMatchObject({ level: 'info', role: 'finance', res: { status: 200 }, req: { method: 'GET' } });
      const all = logLines.join('');
      for (const secret of [...Object.values(TOKENS), ROUTING_KEY]) expect(all).not.toContain(secret);
      expect(all).not.toMatch(/Bearer /);
    });
  });

  describe('contract files change', () => {
    it('an invalid file: its last good version stays (stale), the problem is listed with file and line', async () => {
      const file = join(contractsDir, 'b-maint.yaml');
      const good = readFileSync(file, 'utf8');
      writeFileSync(file, good.replace('objective: 99.5', 'objective: 199.5'));
      try {
        expect((await serve.tickNow(AT_MS)).ok).toBe(true);
        const r = await get('/api/v1/contracts', TOKENS.viewer);
        expect(r.json.contracts.find((c: Json) => c.id === 'api-maint').stale).toBe(true);
        expect(r.json.stale).toEqual([file]);
        const p = r.json.problems.find((x: Json) => x.file === file);
        expect(p).toMatchObject({ severity: 'error', path: 'slas[0].objective' });
        expect(p.line).toBeGreaterThan(1);
        const e = await metricsNow();
        expect(value(e, ENGINE_METRICS.contractFilesInvalid.name)).toBe(1);
        expect(value(e, ENGINE_METRICS.contractFilesStale.name)).toBe(1);
        expect(value(e, SERVE_METRICS.maintenanceActive.name, { contract: 'api-maint' })).toBe(1);
      } finally {
        writeFileSync(file, good);
      }
    });

    it('a deleted contract file: its series leave /metrics at the next tick, and the API forgets it', async () => {
      const before = await metricsNow();
      expect(before.samples.filter((s) => s.labels.contract === 'api-gone').length).toBeGreaterThan(5);
      unlinkSync(join(contractsDir, 'c-gone.yaml'));
      const r = await serve.tickNow(AT_MS);
      expect(r.ok).toBe(true);
      const after = await metricsNow();
      expect(after.samples.filter((s) => s.labels.contract === 'api-gone')).toEqual([]);
      expect(after.samples.filter((s) => s.labels.contract === 'api-main').length).toBeGreaterThan(5);
      expect(value(after, ENGINE_METRICS.contractsLoaded.name)).toBe(2);
      const c = await get('/api/v1/contracts', TOKENS.viewer);
      expect(c.json.contracts.map((x: Json) => x.id)).toEqual(['api-main', 'api-maint']);
      const s = await get('/api/v1/status', TOKENS.viewer);
      expect(s.json.slas.map((x: Json) => x.contract)).not.toContain('api-gone');
      expect((await get('/api/v1/status?contract=api-gone', TOKENS.viewer)).status).toBe(404);
    });
  });

  describe('a tick that fails (Prometheus answers 503 through a fault proxy)', () => {
    it('status answers the last good numbers marked stale; metrics keep them; the gate cannot decide (502)', async () => {
      const proxy = await startFaultProxy({ target: prom.url });
      const dir = join(tmp, 'contracts-2');
      writeContracts(dir, { 'a-main.yaml': CONTRACTS['a-main.yaml']! });
      const cfg = serveConfig({ contracts: dir, db: join(tmp, 'serve-2.db'), prometheus: proxy.url, pagerduty: pd.enqueueUrl });
      const s2 = await startServe(cfg, { http: serveHttp({ credits, env, now: clock }), env, now: clock, manualTicks: true, instanceId: 'api-test-2' });
      const call = async (p: string) => {
        const r = await fetch(`${s2.url}${p}`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
        return { status: r.status, json: (await r.json()) as Json };
      };
      try {
        proxy.setFaults([{ kind: 'status', status: 503 }]);
        const first = await s2.tickNow(AT_MS);
        expect(first.ok).toBe(false);
        const none = await call('/api/v1/status');
        expect(none.status).toBe(503);
        expect(none.json.error).toMatch(/^no tick has succeeded yet; the last one failed: /);
        let m = parseExposition(await (await fetch(`${s2.url}/metrics`)).text());
        expect(value(m, ENGINE_METRICS.lastSuccessfulTick.name)).toBe(0); // never: 0, as "very long ago"
        // No evaluation yet: no SLA series, but the calendar facts of the contracts are there.
        expect(m.samples.filter((s) => s.name === SERVE_METRICS.slaAchievedPercent.name)).toEqual([]);
        expect(value(m, SERVE_METRICS.maintenanceActive.name, { contract: 'api-main' })).toBe(0);

        proxy.setFaults([]);
        const good = await s2.tickNow(AT_MS);
        expect(good.ok).toBe(true);
        proxy.setFaults([{ kind: 'status', status: 503 }]);
        const bad = await s2.tickNow(AT_MS + M);
        expect(bad.ok).toBe(false);

        const st = await call('/api/v1/status');
        expect(st.status).toBe(200);
        expect(st.json).toMatchObject({ at: AT, stale: true, evaluatedTick: good.tick, tick: { number: bad.tick, ok: false } });
        expect(st.json.tick.error).toMatch(/503/);
        expect(st.json.slas.map((x: Json) => x.key)).toEqual(['api-main/healthy', 'api-main/burning']);
        m = parseExposition(await (await fetch(`${s2.url}/metrics`)).text());
        expect(value(m, ENGINE_METRICS.tickFailures.name)).toBe(2);
        expect(value(m, ENGINE_METRICS.prometheusErrors.name)).toBe(2);
        expect(value(m, ENGINE_METRICS.prometheusRequestFailures.name)).toBeGreaterThanOrEqual(2);
        expect(value(m, ENGINE_METRICS.lastSuccessfulTick.name)).toBe(AT_MS / 1000);
        expect(value(m, SERVE_METRICS.slaAchievedPercent.name, { contract: 'api-main', sla: 'healthy' })).toBe(100);
        const gate = await call('/api/v1/gate?sla=api-main/healthy');
        expect(gate.status).toBe(502);
        expect(gate.json).toMatchObject({ decision: 'unknown', allow: false, exitCode: 2 });
        expect(gate.json.error).toBe(gate.json.reasons[0]);
      } finally {
        await s2.stop(500);
        await proxy.close();
      }
    });
  });
});

describeWithPrometheus('serve shells: rate limit and the no-token modes', { start: DAY, end: DAY + 30 * M, services: [{ service: 'api-ok', requestsPerMinute: 10 }] }, (prom) => {
  let tmp = '';
  let pd: FakePagerDuty;
  const env: NodeJS.ProcessEnv = { ...TOKEN_ENV };
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'obligo-api-rl-'));
    writeContracts(join(tmp, 'contracts'), { 'a-main.yaml': CONTRACTS['a-main.yaml']! });
    pd = await startFakePagerDuty();
  });
  afterAll(async () => {
    await pd?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });
  const config = (o: { db: string; rateLimitPerMinute?: number; tokens?: boolean }) =>
    serveConfig({ contracts: join(tmp, 'contracts'), db: join(tmp, o.db), prometheus: prom.url, pagerduty: pd.enqueueUrl, rateLimitPerMinute: o.rateLimitPerMinute, tokens: o.tokens });

  it('per-client token bucket: the 4th request of 3/min is 429 with Retry-After 20 (fixed clock); health and metrics are not limited', async () => {
    const fixed = () => AT_MS;
    const s = await startServe(config({ db: 'rl.db', rateLimitPerMinute: 3 }), { http: serveHttp({ credits, env, now: fixed }), env, manualTicks: true, instanceId: 'rl' });
    try {
      const call = (p: string, token?: string) => fetch(`${s.url}${p}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      // Unauthenticated requests use up the bucket too (token guessing is limited).
      expect((await call('/api/v1/contracts')).status).toBe(401);
      expect((await call('/api/v1/contracts', TOKENS.viewer)).status).toBe(200);
      expect((await call('/api/v1/contracts', TOKENS.admin)).status).toBe(200);
      const limited = await call('/api/v1/contracts', TOKENS.admin);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('20'); // one token per 60/3 s, none refilled on a fixed clock
      expect(((await limited.json()) as Json).error).toBe('rate limit: at most 3 requests per minute per client');
      for (let i = 0; i < 5; i++) {
        expect((await call('/healthz')).status).toBe(200);
        expect((await call('/metrics')).status).toBe(200);
      }
    } finally {
      await s.stop(500);
    }
  });

  it('no tokens on a loopback address: the API is open (anonymous admin)', async () => {
    const s = await startServe(config({ db: 'open.db', tokens: false }), { http: serveHttp({ credits, env }), env, manualTicks: true, instanceId: 'open' });
    try {
      const r = await fetch(`${s.url}/api/v1/outbox`);
      expect(r.status).toBe(200);
    } finally {
      await s.stop(500);
    }
  });

  it('no tokens on a non-loopback address: every API request is 401, health and metrics still answer', async () => {
    const s = await startServe(config({ db: 'locked.db', tokens: false }), { env, manualTicks: true, instanceId: 'locked' });
    // The same runtime, as if it listened on 0.0.0.0 (served here on loopback only).
    const runtime = { ...s.runtime, config: { ...s.runtime.config, server: { ...s.runtime.config.server, listen: '0.0.0.0:8080' } } };
    const { app, close } = createHttpApp(runtime, { credits, env });
    const server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const r = await fetch(`${url}/api/v1/status`, { headers: { authorization: 'Bearer anything-at-all-0123456789' } });
      expect(r.status).toBe(401);
      expect(((await r.json()) as Json).error).toMatch(/the API is disabled: no tokens are configured/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/metrics`)).status).toBe(200);
    } finally {
      close();
      await new Promise<void>((r) => server.close(() => r()));
      await s.stop(500);
    }
  });

  it('metricsRequireToken: /metrics asks for a token (any role)', async () => {
    const s = await startServe(config({ db: 'mt.db' }), { http: serveHttp({ credits, env, metricsRequireToken: true }), env, manualTicks: true, instanceId: 'mt' });
    try {
      expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } })).status).toBe(200);
    } finally {
      await s.stop(500);
    }
  });

  it('a GET with a huge Content-Length is refused with 413 before its body is read', async () => {
    const s = await startServe(config({ db: 'body.db' }), { http: serveHttp({ credits, env }), env, manualTicks: true, instanceId: 'body' });
    try {
      const u = new URL(`${s.url}/api/v1/status`);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname, method: 'GET', headers: { 'content-type': 'application/json', 'content-length': String(1 << 30), authorization: `Bearer ${TOKENS.viewer}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.write('{"a":'); // a few bytes of the announced gigabyte
      });
      expect(status).toBe(413);
    } finally {
      await s.stop(500);
    }
  });
});
