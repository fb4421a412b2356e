// Replicas of `obligo serve` as separate processes (test/server/replicas-child.ts: the real startServe
// with openReplication's PostgreSQL store and leadership) on one throwaway PostgreSQL, against a real
// Prometheus scraping a simulated vendor and the fake PagerDuty on loopback:
//  - three replicas, the leader killed with SIGKILL during an outage whose page it had enqueued but
//    could not deliver (PagerDuty answering 500): another replica leads within two of its ticks and the
//    page reaches PagerDuty exactly once; the survivors read the same alert state;
//  - two replicas, the leader's database sessions terminated by the server: it stops leading and sending
//    at once, the other leads and sends; it leads (and sends) again only once it holds the lock again.
// Ticks run on serve's own scheduler (10 s, the minimum); "within two ticks" is counted, not timed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/demo/fake-pagerduty.js';
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-server.js';
import { generateTraffic } from '../../src/demo/synthetic.js';
import { startVendorSim, type VendorSim } from '../../src/demo/vendor-sim.js';
import { PrometheusClient } from '../../src/prometheus/client.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { requirePostgres, startPostgres, type RunningPostgres } from '../helpers/postgres.js';
import { prometheusAvailable, prometheusSkipReason, withTools } from '../helpers/prometheus.js';
import { projectRoot } from '../helpers/tools.js';

const pgTools = requirePostgres();
const available = prometheusAvailable && pgTools.ok;
const skipNote = available ? '' : ` (skipped: ${[prometheusSkipReason, pgTools.reason].filter(Boolean).join('; ')})`;

function contract(id: string, service: string, day: string): string {
  return `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: ${id}, title: Replicated ${id}, revision: r1 }
role: customer
parties: { vendor: { name: "Vendor ${id}, Inc." }, customer: { name: Example Corp } }
term: { start: ${day}, timezone: UTC }
fees: { currency: USD, monthly: 1000 }
escalation:
  - { level: 1, name: ${id} NOC, email: noc@${id}.example, phone: "+1 555 0100", respondWithinMinutes: 15 }
slas:
  - id: api
    title: API availability
    objective: 99
    period: month
    sli:
      good: sum(rate(obligo_demo_requests_total{service="${service}",code!~"5.."}[{{.window}}]))
      total: sum(rate(obligo_demo_requests_total{service="${service}"}[{{.window}}]))
    measurement: { method: events }
    alerting:
      ticket: false
      burnRates: [ { severity: page, long: 2m, short: 30s, factor: 5 } ]
`;
}

interface Line {
  type: string;
  [k: string]: unknown;
}
interface TickLine extends Line {
  tick: number;
  at: number;
  finishedAt: number;
  leader: boolean;
  ok: boolean;
  events: number;
  delivered: { trigger: number; resolve: number };
}

class Replica {
  readonly lines: Line[] = [];
  readonly proc: ChildProcess;
  private waiters: Array<() => void> = [];
  exited = false;
  constructor(readonly id: string, config: string, env: NodeJS.ProcessEnv) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'test', 'server', 'replicas-child.ts')], {
      cwd: projectRoot,
      env: { ...process.env, ...env, OBLIGO_REPLICA_CONFIG: config, OBLIGO_REPLICA_ID: id, OBLIGO_REPLICA_HTTP: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    this.proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          this.lines.push(JSON.parse(l) as Line);
        } catch {
          // not ours
        }
        for (const w of this.waiters.splice(0)) w();
      }
    });
    this.proc.stderr!.on('data', (d: Buffer) => process.stderr.write(`[${id}] ${d}`));
    this.proc.once('exit', () => {
      this.exited = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }
  ticks(): TickLine[] {
    return this.lines.filter((l): l is TickLine => l.type === 'tick');
  }
  leads(): boolean {
    const last = this.lines.filter((l) => l.type === 'leader' || l.type === 'ready').at(-1);
    return last?.leader === true;
  }
  /** Resolves when pred holds over the lines so far (checked on every new line), bounded. */
  async until(what: string, pred: () => boolean, capMs = 120_000): Promise<void> {
    const deadline = Date.now() + capMs;
    while (!pred()) {
      if (this.exited) throw new Error(`replica ${this.id} exited while waiting for ${what}`);
      if (Date.now() > deadline) throw new Error(`replica ${this.id}: timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 1000);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
  kill(sig: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((r) => {
      this.proc.once('exit', () => r());
      this.proc.kill(sig);
    });
  }
}

async function waitFor(what: string, ok: () => Promise<boolean> | boolean, capMs = 120_000): Promise<void> {
  const deadline = Date.now() + capMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!available)(`replicas of obligo serve on one PostgreSQL${skipNote}`, () => {
  let dir = '';
  let sim: VendorSim;
  let prom: RunningPrometheus;
  let pd: FakePagerDuty;
  let pg: RunningPostgres;
  let url = '';
  let client: PrometheusClient;
  const replicas: Replica[] = [];
  const day = new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'obligo-replicas-'));
    [sim, pg, pd] = await Promise.all([
      startVendorSim({ services: [{ service: 'svc-a', requestsPerSecond: 10 }, { service: 'svc-b', requestsPerSecond: 10 }] }),
      startPostgres({ tools: pgTools }),
      startFakePagerDuty(),
    ]);
    // Today's history up to this minute (a trickle, so that the day is measured, not a gap), then live scrapes.
    const now = Date.now();
    const dayStart = Date.parse(`${day}T00:00:00Z`);
    const minute = Math.floor(now / 60_000) * 60_000;
    const history = minute - dayStart >= 120_000 ? generateTraffic({ start: dayStart, end: minute, services: [{ service: 'svc-a', requestsPerMinute: 1 }, { service: 'svc-b', requestsPerMinute: 1 }] }) : undefined;
    prom = await startPrometheus(withTools({ traffic: history, scrapeInterval: '1s', evaluationInterval: '1s', scrapeConfigs: [{ job: 'vendor', targets: [sim.target] }] }));
    client = new PrometheusClient({ url: prom.url });
    url = await pg.createDatabase('replicas');
    await waitFor('the first scrapes', async () => (await client.vector('count(obligo_demo_requests_total{job="vendor"})')).length > 0);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.kill()));
    await pd?.close();
    await prom?.stop();
    await sim?.close();
    await pg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function setup(name: string, id: string, service: string): { config: string; env: NodeJS.ProcessEnv } {
    const contracts = join(dir, name, 'contracts');
    mkdirSync(contracts, { recursive: true });
    writeFileSync(join(contracts, `${id}.yaml`), contract(id, service, day));
    const config = join(dir, name, 'obligo.yaml');
    writeFileSync(
      config,
      `contracts: ${contracts}
prometheus: { url: "${prom.url}" }
store: { postgres: { url: { env: OBLIGO_TEST_PG_URL }, schema: ${name} } }
evaluation: { interval: 10s, pageFor: 0s, resolveAfter: 10s }
pagerduty: { eventsUrl: "${pd.enqueueUrl}", routingKey: { env: PD_DEFAULT }, timeout: 2s }
server: { listen: "127.0.0.1:0", tokens: [ { name: t, role: admin, token: { env: OBLIGO_TEST_TOKEN } } ] }
log: { level: warn }
`,
    );
    return { config, env: { OBLIGO_TEST_PG_URL: url, PD_DEFAULT: 'd'.repeat(32), OBLIGO_TEST_TOKEN: 'test-token-0123456789' } };
  }
  const start = (id: string, s: { config: string; env: NodeJS.ProcessEnv }) => {
    const r = new Replica(id, s.config, s.env);
    replicas.push(r);
    return r;
  };
  const delivered = (key: string, action: 'trigger' | 'resolve') => pd.events.filter((e) => e.dedupKey === key && e.action === action && e.outcome !== 'failed' && e.outcome !== 'rejected');

  it('SIGKILL of the leader during an outage: another replica leads within two ticks and the page is sent exactly once', async () => {
    const s = setup('killed', 'vendor-a', 'svc-a');
    const KEY = 'obligo/vendor-a/api/burn-page';
    const a = start('a', s);
    await a.until('a ready', () => a.lines.some((l) => l.type === 'ready'));
    expect(a.leads()).toBe(true);
    const b = start('b', s);
    const c = start('c', s);
    for (const r of [a, b, c]) await r.until(`${r.id}: a healthy tick`, () => r.ticks().some((t) => t.ok));
    expect([b.leads(), c.leads()]).toEqual([false, false]);
    expect(pd.events.filter((e) => e.dedupKey === KEY)).toEqual([]);

    // PagerDuty down; the outage starts; the leader enqueues the page and fails to deliver it
    pd.failFor(10 * 60_000, { status: 500 });
    sim.setErrorRatio('svc-a', 1);
    const store = await PostgresStore.open({ url, schema: 'killed' });
    try {
      await waitFor('the page in the outbox, attempted once', async () => (await store.list({ dedupKey: KEY })).some((r) => r.action === 'trigger' && r.attempts >= 1), 120_000);
      const before = new Map([b, c].map((r) => [r.id, r.ticks().length]));
      await a.kill('SIGKILL');
      // survivors: the first tick as leader, counted in their own ticks after the kill
      await waitFor('a new leader tick', () => [b, c].some((r) => r.ticks().slice(before.get(r.id)).some((t) => t.leader)), 90_000);
      const leader = [b, c].find((r) => r.ticks().slice(before.get(r.id)).some((t) => t.leader))!;
      const follower = leader === b ? c : b;
      const after = leader.ticks().slice(before.get(leader.id));
      const firstLeading = after.findIndex((t) => t.leader);
      expect(firstLeading + 1).toBeLessThanOrEqual(2);
      expect(follower.leads()).toBe(false);
      // PagerDuty back: the page goes out once, from the new leader
      pd.heal();
      await waitFor('the page delivered', () => delivered(KEY, 'trigger').length >= 1, 90_000);
      const t0 = leader.ticks().length;
      await leader.until('two more ticks', () => leader.ticks().length >= t0 + 2);
      expect(delivered(KEY, 'trigger')).toHaveLength(1);
      expect(pd.incidents().filter((i) => i.dedupKey === KEY)).toHaveLength(1);
      const rows = await store.list({ dedupKey: KEY });
      expect(rows.filter((r) => r.action === 'trigger')).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 'sent' });
      // the new leader sent it (its counters may include an engine-health page on a loaded machine); the follower sent nothing
      expect(leader.ticks().at(-1)!.delivered.trigger).toBeGreaterThanOrEqual(1);
      expect(follower.ticks().at(-1)!.delivered.trigger + follower.ticks().at(-1)!.delivered.resolve).toBe(0);
      // both survivors answer from the shared store: the same alert state
      const views = await Promise.all(
        [leader, follower].map(async (r) => {
          const u = r.lines.find((l) => l.type === 'ready')!.url as string | null;
          if (!u) return null;
          const res = await fetch(`${u}/api/v1/alerts?dedup_key=${encodeURIComponent(KEY)}`, { headers: { authorization: 'Bearer test-token-0123456789' } });
          expect(res.status).toBe(200);
          return (await res.json()) as { states: Array<{ phase?: string }> };
        }),
      );
      // the API is compared whenever this build has the HTTP shell (src/server/http.ts)
      if (existsSync(join(projectRoot, 'src', 'server', 'http.ts'))) expect(views.every(Boolean), 'both replicas serve the API').toBe(true);
      if (views[0] && views[1]) {
        expect(views[0]).toEqual(views[1]);
        expect(JSON.stringify(views[0].states)).toContain('firing');
      }
    } finally {
      sim.setErrorRatio('svc-a', 0);
      await store.close();
      await Promise.all([b, c].map((r) => r.kill('SIGTERM')));
    }
  }, 400_000);

  it('a replica that loses its database connection stops sending until it holds the lock again', async () => {
    const s = setup('cut', 'vendor-b', 'svc-b');
    const KEY = 'obligo/vendor-b/api/burn-page';
    // each replica logs in as its own role, so that one of them can be shut out of the database
    for (const role of ['a2user', 'b2user']) await pg.query(`CREATE ROLE ${role} LOGIN SUPERUSER`);
    const as = (role: string) => ({ config: s.config, env: { ...s.env, OBLIGO_TEST_PG_URL: url.replace('obligo@', `${role}@`) } });
    const a = start('a2', as('a2user'));
    await a.until('a2 ready', () => a.lines.some((l) => l.type === 'ready'));
    expect(a.leads()).toBe(true);
    const b = start('b2', as('b2user'));
    await b.until('b2: a healthy tick', () => b.ticks().some((t) => t.ok));
    await a.until('a2: a healthy tick', () => a.ticks().some((t) => t.ok));
    expect(b.leads()).toBe(false);
    // a2 loses its connection (every session cut, and no new one accepted)
    await pg.query('ALTER ROLE a2user NOLOGIN');
    const cut = await pg.query<{ n: number }>(`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE usename = 'a2user'`);
    expect(cut.rows[0]!.n).toBeGreaterThanOrEqual(1);
    await a.until('a2 stops leading', () => !a.leads(), 30_000);
    // what a2 had sent while it led (nothing of this test's outage; on a loaded machine maybe an engine-health page)
    const sentBy = (r: Replica) => {
      const d = r.ticks().at(-1)?.delivered;
      return d ? d.trigger + d.resolve : 0;
    };
    const aSent = sentBy(a);
    await b.until('b2 leads', () => b.leads(), 60_000);
    // an outage now: the page goes out from b2; a2 sends nothing
    sim.setErrorRatio('svc-b', 1);
    await waitFor('the page delivered', () => delivered(KEY, 'trigger').length >= 1, 120_000);
    // a2 is let back in: it reconnects, but the lock is b2's: it evaluates as a follower and still sends nothing
    await pg.query('ALTER ROLE a2user LOGIN');
    const n = a.ticks().length;
    await a.until('a2 back, ticking as a follower', () => a.ticks().slice(n).some((t) => t.ok), 60_000);
    expect(a.ticks().slice(n).every((t) => !t.leader)).toBe(true);
    expect(a.leads()).toBe(false);
    // the sender's counters are reported with each tick: b2's next tick shows its delivery, a2's show none
    await b.until('b2 reports the page sent', () => (b.ticks().at(-1)?.delivered.trigger ?? 0) >= 1, 60_000);
    expect(sentBy(a)).toBe(aSent);
    expect(delivered(KEY, 'trigger')).toHaveLength(1);
    // b2 goes away: a2 takes the lock back and is the one that sends the resolve
    await b.kill('SIGTERM');
    await a.until('a2 leads again', () => a.leads(), 60_000);
    sim.setErrorRatio('svc-b', 0);
    await waitFor('the resolve delivered', () => delivered(KEY, 'resolve').length >= 1, 180_000);
    await a.until('a2 reports the resolve sent', () => (a.ticks().at(-1)?.delivered.resolve ?? 0) >= 1, 60_000);
    expect(delivered(KEY, 'trigger')).toHaveLength(1);
    expect(delivered(KEY, 'resolve')).toHaveLength(1);
    await a.kill('SIGTERM');
  }, 400_000);
});
