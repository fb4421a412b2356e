// The PagerDuty client against the fake PagerDuty and scripted servers on real sockets.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/demo/fake-pagerduty.js';
import { PagerDutyClient, parseRetryAfter } from '../../src/server/pagerduty-client.js';
import { sendJson, startFakeServer } from '../helpers/fake-http.js';

const KEY = 'Rabcdefghijklmnopqrstuvwxyz01234';
const trigger = (dk = 'obligo/acme/availability/burn-page') => ({
  routing_key: KEY,
  event_action: 'trigger' as const,
  dedup_key: dk,
  payload: { summary: 'Acme down', severity: 'critical' as const, source: 'obligo', timestamp: '2026-03-10T12:00:00.000Z' },
});

let pd: FakePagerDuty;
beforeAll(async () => {
  pd = await startFakePagerDuty();
});
afterAll(async () => {
  await pd.close();
});

describe('PagerDutyClient', () => {
  it('sends an event and reports acceptance with the dedup key', async () => {
    const c = new PagerDutyClient({ url: pd.enqueueUrl });
    expect(await c.send(trigger('k-accept'))).toEqual({ kind: 'accepted', status: 202, dedupKey: 'k-accept', message: 'Event processed' });
    expect(pd.openIncident('k-accept')).toMatchObject({ summary: 'Acme down', triggers: 1 });
  });

  it('classifies 400 as rejected (permanent) with PagerDuty errors, never echoing the routing key', async () => {
    const c = new PagerDutyClient({ url: pd.enqueueUrl });
    const out = await c.send({ routing_key: KEY, event_action: 'trigger', dedup_key: 'k-bad' });
    expect(out).toMatchObject({ kind: 'rejected', status: 400, errors: ["'payload' is missing or not an object"] });
    expect(JSON.stringify(out)).not.toContain(KEY);
  });

  it('classifies 429 (with Retry-After) and 500 as retry', async () => {
    const c = new PagerDutyClient({ url: pd.enqueueUrl });
    pd.failNext(1, { status: 429, retryAfterSeconds: 7 });
    expect(await c.send(trigger('k-429'))).toMatchObject({ kind: 'retry', reason: 'rate_limited', status: 429, retryAfterMs: 7000 });
    pd.failNext(1, { status: 503 });
    expect(await c.send(trigger('k-503'))).toMatchObject({ kind: 'retry', reason: 'server_error', status: 503 });
    expect(pd.openIncident('k-429')).toBeUndefined();
  });

  it('aborts a request that gets no answer within the timeout (the server sees the connection closed)', async () => {
    const srv = await startFakeServer(() => new Promise(() => undefined)); // never answers
    let closed = false;
    srv.setHandler((_req, res) => {
      res.on('close', () => (closed = true));
      return new Promise(() => undefined);
    });
    const c = new PagerDutyClient({ url: `${srv.url}/v2/enqueue`, timeoutMs: 200 });
    const out = await c.send(trigger());
    expect(out).toEqual({ kind: 'retry', reason: 'timeout', error: 'no answer within 200 ms (request aborted)' });
    await expect.poll(() => closed).toBe(true);
    await srv.close();
  });

  it('aborts a body that never ends', async () => {
    const srv = await startFakeServer((_req, res) => {
      res.writeHead(202, { 'content-type': 'application/json' });
      res.write('{"status":"succ');
    });
    const c = new PagerDutyClient({ url: `${srv.url}/v2/enqueue`, timeoutMs: 200 });
    expect(await c.send(trigger())).toMatchObject({ kind: 'retry', reason: 'timeout' });
    await srv.close();
  });

  it('classifies a refused connection as a network error (retry)', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const c = new PagerDutyClient({ url: `http://127.0.0.1:${port}/v2/enqueue`, timeoutMs: 2000 });
    expect(await c.send(trigger())).toEqual({ kind: 'retry', reason: 'network', error: 'network error: ECONNREFUSED' });
  });

  it('keeps the status of a non-JSON proxy error and does not follow redirects', async () => {
    const srv = await startFakeServer((req, res) => {
      if (req.path === '/moved') {
        res.writeHead(307, { location: 'https://elsewhere.example.com/v2/enqueue' });
        return void res.end();
      }
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body>Bad Gateway</body></html>');
    });
    const c = new PagerDutyClient({ url: `${srv.url}/v2/enqueue` });
    expect(await c.send(trigger())).toMatchObject({ kind: 'retry', reason: 'server_error', status: 502, error: expect.stringContaining('Bad Gateway') });
    const moved = new PagerDutyClient({ url: `${srv.url}/moved` });
    expect(await moved.send(trigger())).toMatchObject({ kind: 'rejected', status: 307, error: expect.stringContaining('not followed') });
    expect(srv.requests.filter((r) => r.path === '/moved')).toHaveLength(1);
    await srv.close();
  });

  it('stops at once when the caller aborts (shutdown), distinct from a timeout', async () => {
    const srv = await startFakeServer(() => new Promise(() => undefined));
    const c = new PagerDutyClient({ url: `${srv.url}/v2/enqueue`, timeoutMs: 60_000 });
    const ctl = new AbortController();
    const p = c.send(trigger(), ctl.signal);
    await expect.poll(() => srv.requests.length).toBe(1);
    ctl.abort();
    expect(await p).toEqual({ kind: 'aborted', error: 'aborted by shutdown' });
    await srv.close();
  });

  it('refuses URLs with credentials or other schemes', () => {
    expect(() => new PagerDutyClient({ url: 'https://u:p@events.pagerduty.com/v2/enqueue' })).toThrow(/credentials/);
    expect(() => new PagerDutyClient({ url: 'ftp://x/v2/enqueue' })).toThrow(/http/);
  });

  it('parses Retry-After as seconds or an HTTP date, capped at an hour', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter(new Date(now + 90_000).toUTCString(), now)).toBe(90_000);
    expect(parseRetryAfter('999999', now)).toBe(3_600_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
