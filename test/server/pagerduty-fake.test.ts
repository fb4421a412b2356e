// The fake PagerDuty behaves as PagerDuty documents it (it stands in for PagerDuty in other tests).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeEvent, startFakePagerDuty, type FakePagerDuty } from '../../src/demo/fake-pagerduty.js';

const K1 = 'Rabcdefghijklmnopqrstuvwxyz01234';
const K2 = 'R0123456789abcdefghijklmnopqrstu';
let pd: FakePagerDuty;
beforeEach(async () => {
  pd = await startFakePagerDuty();
});
afterEach(async () => {
  await pd.close();
});

async function post(body: unknown, raw?: string): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const r = await fetch(pd.enqueueUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown>, headers: r.headers };
}
const trig = (dk: string | undefined, rk = K1, summary = 'Acme down') => ({
  routing_key: rk,
  event_action: 'trigger',
  ...(dk ? { dedup_key: dk } : {}),
  payload: { summary, severity: 'critical', source: 'obligo' },
});
const resolve = (dk: string, rk = K1) => ({ routing_key: rk, event_action: 'resolve', dedup_key: dk });

describe('fake PagerDuty Events v2', () => {
  it('accepts a trigger with 202 and deduplicates triggers for an open alert', async () => {
    expect(await post(trig('a'))).toMatchObject({ status: 202, json: { status: 'success', message: 'Event processed', dedup_key: 'a' } });
    expect((await post(trig('a', K1, 'again'))).status).toBe(202);
    expect(pd.incidents()).toHaveLength(1);
    expect(pd.openIncident('a')).toMatchObject({ triggers: 2, summary: 'Acme down', status: 'triggered' });
    expect(pd.events.map((e) => e.outcome)).toEqual(['created', 'deduplicated']);
  });

  it('resolves, drops a resolve of nothing, and opens a new alert for a trigger after a resolve', async () => {
    await post(trig('a'));
    await post(resolve('a'));
    expect(pd.openIncident('a')).toBeUndefined();
    expect((await post(resolve('a'))).status).toBe(202);
    await post(trig('a'));
    expect(pd.incidents().map((i) => [i.number, i.status])).toEqual([[1, 'resolved'], [2, 'triggered']]);
    expect(pd.events.map((e) => e.outcome)).toEqual(['created', 'resolved', 'dropped', 'created']);
  });

  it('keeps alerts apart per routing key (a resolve through another key is dropped)', async () => {
    await post(trig('a', K1));
    await post(resolve('a', K2));
    expect(pd.openIncident('a')).toBeDefined();
    expect(pd.events.at(-1)!.outcome).toBe('dropped');
  });

  it('generates a dedup key for a trigger without one', async () => {
    const r = await post(trig(undefined));
    expect(r.json.dedup_key).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 400 with the errors of an invalid event, as PagerDuty does', async () => {
    const r = await post({ routing_key: '', event_action: 'explode', dedup_key: 'x'.repeat(256), payload: { summary: ' ', severity: 'bad', timestamp: 'yesterday' } });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ status: 'invalid event', message: 'Event object is invalid' });
    expect(r.json.errors).toEqual([
      "'routing_key' is missing or blank",
      "'event_action' must be one of trigger, acknowledge, resolve",
      "'dedup_key' is longer than 255 characters",
    ]);
    const t = await post({ routing_key: K1, event_action: 'trigger', payload: { summary: 'x'.repeat(1025), severity: 'bad', timestamp: 'yesterday' }, links: [{}] });
    expect(t.json.errors).toEqual([
      "'payload.summary' is longer than 1024 characters",
      "'payload.source' is missing or blank",
      "'payload.severity' must be one of critical, error, warning, info",
      "'payload.timestamp' is not an ISO 8601 date-time",
      "'links[0].href' is missing",
    ]);
    expect((await post(undefined, '{not json')).json.errors).toEqual(['JSON parse error']);
    expect((await post({ routing_key: K1, event_action: 'resolve' })).json.errors).toEqual(["'dedup_key' is required for resolve events"]);
    expect((await post(trig('a', 'short'))).status).toBe(202);
    expect(pd.incidents()).toHaveLength(1);
  });

  it('refuses bodies over 512 KB', async () => {
    const r = await post(trig('big', K1, 'x'.repeat(600 * 1024)));
    expect(r.status).toBe(413);
    expect(pd.incidents()).toEqual([]);
  });

  it('fails on command: the next N requests, or for a span, with Retry-After; failed events are not processed', async () => {
    pd.failNext(2, { status: 429, retryAfterSeconds: 3 });
    const a = await post(trig('a'));
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('3');
    expect((await post(trig('a'))).status).toBe(429);
    expect((await post(trig('a'))).status).toBe(202);
    pd.failFor(60_000);
    expect((await post(trig('b'))).status).toBe(500);
    pd.heal();
    expect((await post(trig('b'))).status).toBe(202);
    expect(pd.events.map((e) => e.outcome)).toEqual(['failed', 'failed', 'created', 'failed', 'created']);
  });

  it('holds answers until released, processing the event on receipt', async () => {
    pd.delayNext(1, 'hold');
    const pending = post(trig('held'));
    await pd.waitFor((ev) => ev.length === 1);
    expect(pd.openIncident('held')).toBeDefined();
    let answered = false;
    void pending.then(() => (answered = true));
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    pd.release();
    expect((await pending).status).toBe(202);
  });

  it('serves its log and alerts for other processes, and 404/405 elsewhere', async () => {
    await post(trig('a'));
    expect(((await (await fetch(`${pd.url}/v2/_incidents`)).json()) as unknown[]).length).toBe(1);
    expect(((await (await fetch(`${pd.url}/v2/_events`)).json()) as unknown[]).length).toBe(1);
    expect((await fetch(`${pd.url}/v1/x`)).status).toBe(404);
    expect((await fetch(pd.enqueueUrl)).status).toBe(405);
  });

  it('prints a page with its contacts', async () => {
    const lines: string[] = [];
    pd.onEvent((e, inc) => lines.push(describeEvent(e, inc)));
    await post({
      ...trig('obligo/acme/availability/burn-page'),
      payload: {
        summary: 'Acme availability burning',
        severity: 'critical',
        source: 'obligo',
        component: 'Acme CDN, Inc.',
        group: 'acme',
        class: 'error-budget-burn',
        custom_details: { escalation: [{ level: 1, name: 'Acme NOC', phone: '+1 555 0100', email: 'noc@acme.example', respondWithinMinutes: 15 }] },
      },
      links: [{ href: 'https://grafana.example.com/d/x', text: 'Grafana' }],
    });
    await post(resolve('obligo/acme/availability/burn-page'));
    expect(lines).toEqual([
      [
        'PAGE #1 [critical] Acme availability burning',
        '  dedup obligo/acme/availability/burn-page · vendor Acme CDN, Inc. · contract acme · error-budget-burn',
        '  call: L1 Acme NOC · +1 555 0100 · noc@acme.example · respond within 15 min',
        '  link: Grafana https://grafana.example.com/d/x',
      ].join('\n'),
      'RESOLVED obligo/acme/availability/burn-page',
    ]);
  });
});
