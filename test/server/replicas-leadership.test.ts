// Leader election on a real PostgreSQL (advisory lock on a dedicated session) and the fenced outbox:
// two or three contenders in this process, a contender in a child process killed with SIGKILL, a
// contender whose session is terminated by the server, a server restart. Polls are driven by the test
// (poll()), never by waiting for timers.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxInsert } from '../../src/alerting/index.js';
import { ServeConfigSchema } from '../../src/server/config.js';
import { fencedOutbox, openReplication, PgLeadership, singleLeadership } from '../../src/server/leadership.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { requirePostgres, startPostgres, type RunningPostgres } from '../helpers/postgres.js';
import { projectRoot } from '../helpers/tools.js';

const T0 = Date.UTC(2026, 2, 10);
const pgTools = requirePostgres();

function row(dk: string): OutboxInsert {
  return { eventId: `${dk}#1:trigger`, dedupKey: dk, action: 'trigger', routing: {}, body: { event_action: 'trigger', dedup_key: dk } };
}

/** Resolves with the next value a leadership reports through onChange. */
function nextChange(l: PgLeadership): Promise<boolean> {
  return new Promise((resolve) => {
    const off = l.onChange((v) => {
      off();
      resolve(v);
    });
  });
}

describe('single replica (SQLite)', () => {
  it('always leads and fences nothing', async () => {
    const l = singleLeadership();
    await l.start();
    expect(l.isLeader()).toBe(true);
    expect(l.fence()).toBeUndefined();
    await l.stop();
  });
});

describe.skipIf(!pgTools.ok)(`leadership on PostgreSQL${pgTools.skipNote}`, () => {
  let server: RunningPostgres;
  let url: string;
  const started: PgLeadership[] = [];
  let n = 0;
  const contender = (schema: string, id: string) => {
    const l = new PgLeadership({ url, schema, instanceId: id, pollMs: 3_600_000, connectTimeoutMs: 3000, queryTimeoutMs: 3000 });
    started.push(l);
    return l;
  };
  beforeAll(async () => {
    server = await startPostgres({ tools: pgTools });
    url = await server.createDatabase('leader');
  });
  afterAll(async () => {
    for (const l of started) await l.stop();
    await server?.stop();
  });

  it('exactly one of three contenders leads; when it steps down, another takes the lock at its next poll', async () => {
    const sc = `l${++n}`;
    const ls = ['a', 'b', 'c'].map((id) => contender(sc, id));
    for (const l of ls) await l.start();
    expect(ls.map((l) => l.isLeader())).toEqual([true, false, false]);
    // polling again changes nothing
    for (const l of ls) await l.poll();
    expect(ls.filter((l) => l.isLeader())).toHaveLength(1);
    await ls[0]!.stop();
    expect(ls[0]!.isLeader()).toBe(false);
    expect(await ls[2]!.poll()).toBe(true);
    expect(await ls[1]!.poll()).toBe(false);
    expect(ls[2]!.stats()).toMatchObject({ leader: true, acquired: 1, lost: 0 });
    expect(ls[0]!.stats()).toMatchObject({ leader: false, acquired: 1, lost: 1 });
  });

  it('deployments in different schemas have different locks', async () => {
    const a = contender(`l${++n}`, 'x');
    const b = contender(`l${++n}`, 'x');
    await a.start();
    await b.start();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, true]);
    expect(a.key).not.toEqual(b.key);
  });

  it('a leader whose session the server terminates stops leading at once and follows after the other takes the lock', async () => {
    const sc = `l${++n}`;
    const a = contender(sc, 'a');
    const b = contender(sc, 'b');
    await a.start();
    await b.start();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    const pid = a.fence()!.pid;
    const lostA = nextChange(a);
    await server.query('SELECT pg_terminate_backend($1)', [pid]);
    expect(await lostA).toBe(false);
    expect(a.isLeader()).toBe(false);
    expect(a.fence()).toBeUndefined();
    expect(await b.poll()).toBe(true);
    // a reconnects but the lock is b's now
    expect(await a.poll()).toBe(false);
    expect(a.stats().errors + a.stats().lost).toBeGreaterThanOrEqual(1);
  });

  it('the fenced outbox: only the leader claims; a replica that lost its session claims nothing until it leads again', async () => {
    const sc = `l${++n}`;
    const store = await PostgresStore.open({ url, schema: sc });
    try {
      await store.commit({ states: [], transitions: [], events: ['a', 'b', 'c'].map(row), now: T0 });
      const a = contender(sc, 'a');
      const b = contender(sc, 'b');
      await a.start();
      await b.start();
      const oa = fencedOutbox(store, a);
      const ob = fencedOutbox(store, b);
      const claim = (o: typeof oa, owner: string) => o.claimDue({ now: T0, limit: 1, leaseMs: 60_000, owner });
      expect(await claim(ob, 'b')).toEqual([]);
      expect((await claim(oa, 'a')).map((r) => r.dedupKey)).toEqual(['a']);
      // other methods are the store's own
      expect(await ob.depth(T0)).toMatchObject({ pending: 3, inFlight: 1 });
      // a's fence is checked by the server: a fence naming a's old session claims nothing once it is gone
      const staleFence = a.fence()!;
      const lostA = nextChange(a);
      await server.query('SELECT pg_terminate_backend($1)', [staleFence.pid]);
      await lostA;
      expect(await store.claimDueFenced({ now: T0, limit: 5, leaseMs: 60_000, owner: 'a' }, staleFence)).toEqual([]);
      expect(await claim(oa, 'a')).toEqual([]);
      expect(await b.poll()).toBe(true);
      expect((await claim(ob, 'b')).map((r) => r.dedupKey)).toEqual(['b']);
      expect(await a.poll()).toBe(false);
      expect(await claim(oa, 'a')).toEqual([]);
      // b steps down, a leads again and claims again
      await b.stop();
      expect(await a.poll()).toBe(true);
      expect((await claim(oa, 'a')).map((r) => r.dedupKey)).toEqual(['c']);
    } finally {
      await store.close();
    }
  });

  it('a contender killed with SIGKILL in another process releases the lock with its session', async () => {
    const sc = `l${++n}`;
    const dir = mkdtempSync(join(tmpdir(), 'obligo-leader-child-'));
    const script = join(dir, 'child.mts'); // .mts: an ES module wherever the temporary folder is (top-level await)
    writeFileSync(
      script,
      `import { PgLeadership } from ${JSON.stringify(join(projectRoot, 'src/server/leadership.ts'))};
       const l = new PgLeadership({ url: process.env.PG_URL, schema: ${JSON.stringify(sc)}, instanceId: 'child', pollMs: 3600000 });
       await l.start();
       process.stdout.write(l.isLeader() ? 'leader\\n' : 'follower\\n');
       setInterval(() => undefined, 1000);\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: projectRoot, env: { ...process.env, PG_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let childErr = '';
    child.stderr.on('data', (d: Buffer) => {
      childErr += d.toString();
    });
    try {
      const first = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
        child.once('exit', (code) => reject(new Error(`child exited ${code} before reporting: ${childErr.slice(-2000)}`)));
      });
      expect(first).toBe('leader');
      const b = contender(sc, 'b');
      await b.start();
      expect(b.isLeader()).toBe(false);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      // PostgreSQL ends the dead process's session when its socket closes; poll until it has (bounded)
      let leads = false;
      for (let i = 0; i < 100 && !leads; i++) {
        leads = await b.poll();
        if (!leads) await new Promise((r) => setTimeout(r, 50));
      }
      expect(leads).toBe(true);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a server restart ends every session: nobody leads until a poll wins the lock again', async () => {
    const sc = `l${++n}`;
    const a = contender(sc, 'a');
    const b = contender(sc, 'b');
    await a.start();
    await b.start();
    expect(a.isLeader()).toBe(true);
    const lostA = nextChange(a);
    await server.halt();
    try {
      expect(await lostA).toBe(false);
      expect(await b.poll()).toBe(false);
    } finally {
      await server.restart();
    }
    expect(await b.poll()).toBe(true);
    expect(await a.poll()).toBe(false);
  });

  it('openReplication: postgres config resolves the URL from the environment, fences the sender, and shares one store', async () => {
    const sc = `l${++n}`;
    const config = ServeConfigSchema.parse({ store: { postgres: { url: { env: 'OBLIGO_TEST_PG_URL' }, schema: sc } }, evaluation: { interval: '30s' } });
    const env = { OBLIGO_TEST_PG_URL: url };
    const r1 = await openReplication(config, { env, instanceId: 'r1' });
    const r2 = await openReplication(config, { env, instanceId: 'r2' });
    try {
      await r1.leadership.start();
      await r2.leadership.start();
      expect([r1.leadership.isLeader(), r2.leadership.isLeader()]).toEqual([true, false]);
      await r2.stores.alerts.commit({ states: [], transitions: [], events: [row('x')], now: T0 });
      expect(await r2.stores.alerts.claimDue({ now: T0, limit: 5, leaseMs: 1000, owner: 'r2' })).toEqual([]);
      expect((await r1.stores.alerts.claimDue({ now: T0, limit: 5, leaseMs: 1000, owner: 'r1' })).map((x) => x.dedupKey)).toEqual(['x']);
      expect(r1.postgres).toBeInstanceOf(PostgresStore);
      await expect(openReplication(config, { env: {} })).rejects.toThrow(/OBLIGO_TEST_PG_URL is not set/);
    } finally {
      for (const r of [r1, r2]) {
        await r.leadership.stop();
        await r.stores.close();
      }
    }
  });

  it('openReplication: sqlite config is one replica that always leads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'obligo-repl-'));
    try {
      const r = await openReplication(ServeConfigSchema.parse({ store: { sqlite: join(dir, 'o.db') } }));
      expect(r.leadership.isLeader()).toBe(true);
      expect(r.postgres).toBeUndefined();
      await r.stores.alerts.commit({ states: [], transitions: [], events: [row('y')], now: T0 });
      expect((await r.stores.alerts.claimDue({ now: T0, limit: 5, leaseMs: 1000, owner: 'me' })).map((x) => x.dedupKey)).toEqual(['y']);
      await r.stores.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
