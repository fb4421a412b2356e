// kill -9 during a send: the sender runs in a child process; PagerDuty (the fake) holds its answer, the
// process is killed while the request is in flight, a new process takes over. PagerDuty sees the
// trigger again but keeps one incident, and the resolve arrives later exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTick } from '../../src/alerting/index.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/demo/fake-pagerduty.js';
import { SqliteAlertStore } from '../../src/store/index.js';
import { obs } from '../alerting/helpers.js';
import { projectRoot } from '../helpers/tools.js';

const KEY = 'Rabcdefghijklmnopqrstuvwxyz01234';
const CHILD = join(projectRoot, 'test', 'alerting', 'fixtures', 'sender-child.ts');

let pd: FakePagerDuty;
let dir: string;
const children: ChildProcess[] = [];
beforeAll(async () => {
  pd = await startFakePagerDuty();
  dir = mkdtempSync(join(tmpdir(), 'obligo-kill9-'));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await pd.close();
  rmSync(dir, { recursive: true, force: true });
});

function startChild(db: string, instance = 'kill9-instance', extra: string[] = []): { child: ChildProcess; ready: Promise<void>; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, db, pd.enqueueUrl, instance, ...extra], {
    cwd: projectRoot,
    env: { ...process.env, PD_ACME_KEY: KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', () => reject(new Error(`sender child exited early:\n${out}`)));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, ready, exited, output: () => out };
}

describe('kill -9 during a send', () => {
  it('re-sends after restart without a second incident; the resolve is delivered exactly once', async () => {
    const db = join(dir, 'obligo.db');
    const store = SqliteAlertStore.open(db);
    await applyTick(store, { at: Date.now(), observations: [obs()], policy: { forMs: 0, resolveAfterMs: 0 } });

    // 1. PagerDuty receives the trigger but does not answer; the sender is killed mid-request.
    pd.delayNext(1, 'hold');
    const a = startChild(db);
    await pd.waitFor((ev) => ev.length === 1);
    a.child.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    const [row] = await store.list();
    expect(row).toMatchObject({ action: 'trigger', status: 'pending', attempts: 0, leaseOwner: 'kill9-instance' });
    expect(pd.incidents()).toHaveLength(1);

    // 2. Restart (same instance id: its stale lease is released at once): the trigger goes again.
    const b = startChild(db);
    await b.ready;
    await pd.waitFor((ev) => ev.length === 2);
    await expect.poll(async () => (await store.list({ status: 'sent' })).length).toBe(1);

    // 3. The condition clears: the resolve goes out once.
    await applyTick(store, { at: Date.now(), observations: [obs({ active: false })], policy: { forMs: 0, resolveAfterMs: 0 } });
    await pd.waitFor((ev) => ev.some((e) => e.outcome === 'resolved'));
    await expect.poll(async () => (await store.depth(Date.now())).pending).toBe(0);

    // 4. SIGTERM: the sender flushes and exits cleanly.
    b.child.kill('SIGTERM');
    expect(await b.exited).toEqual({ code: 0, signal: null });
    expect(b.output()).toContain('flushed {"delivered":0,"remaining":0,"timedOut":false}');

    expect(pd.events.map((e) => `${e.action}:${e.outcome}`)).toEqual(['trigger:created', 'trigger:deduplicated', 'resolve:resolved']);
    expect(pd.incidents()).toHaveLength(1);
    expect(pd.incidents()[0]).toMatchObject({ status: 'resolved', triggers: 2, dedupKey: 'obligo/acme/availability/burn-page' });
    expect((await store.list()).map((r) => [r.action, r.status, r.attempts])).toEqual([['resolve', 'sent', 1], ['trigger', 'sent', 1]]);
    store.close();
  });

  it("a replacement with another identity takes over once the dead sender's lease expires", async () => {
    const db = join(dir, 'other.db');
    const store = SqliteAlertStore.open(db);
    const key = { contract: 'acme', sla: 'availability', alert: 'burn-ticket' };
    await applyTick(store, { at: Date.now(), observations: [obs({ key })], policy: { forMs: 0, resolveAfterMs: 0 } });
    const before = pd.events.length;
    pd.delayNext(1, 'hold');
    const a = startChild(db, 'pod-a', ['2000', '3000']);
    await pd.waitFor((ev) => ev.length === before + 1);
    a.child.kill('SIGKILL');
    await a.exited;
    const [row] = await store.list();
    expect(row!.leaseOwner).toBe('pod-a');

    const b = startChild(db, 'pod-b', ['2000', '3000']);
    await b.ready;
    await pd.waitFor((ev) => ev.length === before + 2);
    // pod-b did not touch the row while pod-a's lease was valid
    expect(pd.events.at(-1)!.receivedAt).toBeGreaterThanOrEqual(row!.leaseUntil!);
    expect(pd.events.slice(before).map((e) => e.outcome)).toEqual(['created', 'deduplicated']);
    await expect.poll(async () => (await store.list({ status: 'sent' })).length).toBe(1);
    b.child.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
    store.close();
  });
});
