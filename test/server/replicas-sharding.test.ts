// Sharding contracts across replicas: rendezvous hashing (properties against a brute-force definition)
// and membership held in a real PostgreSQL (join, leave, a silent member timing out, a replica that
// cannot heartbeat owning nothing).
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rendezvousOwner, Sharding } from '../../src/server/sharding.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { requirePostgres, startPostgres, type RunningPostgres } from '../helpers/postgres.js';

/** The definition, independently: sort members by sha256(member NUL id) as a 256-bit number, take the largest. */
function referenceOwner(id: string, members: readonly string[]): string | undefined {
  const scored = [...new Set(members)].map((m) => ({ m, h: createHash('sha256').update(`${m}\u0000${id}`).digest('hex').slice(0, 16) }));
  scored.sort((a, b) => (a.h === b.h ? (a.m < b.m ? -1 : 1) : a.h < b.h ? 1 : -1));
  return scored[0]?.m;
}

const ids = fc.string({ minLength: 1, maxLength: 30 });
const memberSets = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 8 });

describe('rendezvousOwner', () => {
  it('is the member with the highest hash weight, whatever the order of the list', () => {
    fc.assert(
      fc.property(ids, memberSets, (id, ms) => {
        const owner = rendezvousOwner(id, ms);
        expect(owner).toBe(referenceOwner(id, ms));
        expect(rendezvousOwner(id, [...ms].reverse())).toBe(owner);
      }),
      { numRuns: 300 },
    );
    expect(rendezvousOwner('x', [])).toBeUndefined();
  });

  it('moves an id only when its owner leaves, and only to a joining member when one joins', () => {
    fc.assert(
      fc.property(ids, memberSets, fc.string({ minLength: 1, maxLength: 12 }), (id, ms, joiner) => {
        fc.pre(!ms.includes(joiner));
        const owner = rendezvousOwner(id, ms)!;
        const after = rendezvousOwner(id, [...ms, joiner])!;
        expect([owner, joiner]).toContain(after);
        for (const leaving of ms) {
          if (leaving === owner || ms.length === 1) continue;
          expect(rendezvousOwner(id, ms.filter((m) => m !== leaving))).toBe(owner);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('spreads 10,000 contract ids over three replicas evenly, and a leaving replica\'s share over the other two', () => {
    const members = ['obligo-0', 'obligo-1', 'obligo-2'];
    const contracts = Array.from({ length: 10_000 }, (_, i) => `vendor-${i}`);
    const count = new Map<string, number>();
    for (const c of contracts) {
      const o = rendezvousOwner(c, members)!;
      count.set(o, (count.get(o) ?? 0) + 1);
    }
    for (const m of members) {
      expect(count.get(m)!).toBeGreaterThan(3000);
      expect(count.get(m)!).toBeLessThan(3700);
    }
    const moved = contracts.filter((c) => rendezvousOwner(c, members) !== rendezvousOwner(c, ['obligo-0', 'obligo-2']));
    expect(moved.length).toBe(count.get('obligo-1'));
  });
});

const pgTools = requirePostgres();
describe.skipIf(!pgTools.ok)(`membership in PostgreSQL${pgTools.skipNote}`, () => {
  let server: RunningPostgres;
  let url: string;
  let n = 0;
  const stores: PostgresStore[] = [];
  beforeAll(async () => {
    server = await startPostgres({ tools: pgTools });
    url = await server.createDatabase('shards');
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await server?.stop();
  });
  const open = async (schema: string) => {
    const s = await PostgresStore.open({ url, schema, connectTimeoutMs: 2000 });
    stores.push(s);
    return s;
  };
  const sql = async (text: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  };
  const contracts = Array.from({ length: 300 }, (_, i) => `c${i}`);

  it('three replicas agree on the members and each contract has exactly one owner; a leaving replica\'s contracts move, the rest stay', async () => {
    const sc = `s${++n}`;
    const replicas = await Promise.all(['r0', 'r1', 'r2'].map(async (id) => new Sharding({ store: await open(sc), instanceId: id, heartbeatMs: 3_600_000 })));
    for (const r of replicas) await r.start();
    for (const r of replicas) await r.refresh();
    for (const r of replicas) expect(r.members()).toEqual(['r0', 'r1', 'r2']);
    const owners = contracts.map((c) => replicas.filter((r) => r.owns(c)).map((r) => r.instanceId));
    expect(owners.every((o) => o.length === 1)).toBe(true);
    const before = new Map(contracts.map((c, i) => [c, owners[i]![0]!]));
    for (const r of replicas) expect([...before.values()].filter((o) => o === r.instanceId).length).toBeGreaterThan(60);

    const changes: (readonly string[])[] = [];
    replicas[0]!.onChange((m) => changes.push(m));
    await replicas[1]!.stop();
    await replicas[0]!.refresh();
    await replicas[2]!.refresh();
    expect(changes).toEqual([['r0', 'r2']]);
    expect(replicas[1]!.members()).toEqual([]);
    for (const c of contracts) {
      const now = [replicas[0]!, replicas[2]!].filter((r) => r.owns(c)).map((r) => r.instanceId);
      expect(now).toHaveLength(1);
      if (before.get(c) !== 'r1') expect(now[0]).toBe(before.get(c));
      expect(replicas[1]!.owns(c)).toBe(false);
    }
    // it comes back: the same contracts return to it
    await replicas[1]!.start();
    for (const r of replicas) await r.refresh();
    for (const c of contracts) expect(replicas.find((r) => r.owns(c))!.instanceId).toBe(before.get(c));
    for (const r of replicas) await r.stop();
  });

  it('a member that stops heartbeating without leaving drops out after the ttl', async () => {
    const sc = `s${++n}`;
    const a = new Sharding({ store: await open(sc), instanceId: 'a', heartbeatMs: 3_600_000, ttlMs: 3_600_001 });
    const b = new Sharding({ store: await open(sc), instanceId: 'b', heartbeatMs: 3_600_000, ttlMs: 3_600_001 });
    await a.start();
    await b.start();
    expect(await a.refresh()).toEqual(['a', 'b']);
    // a short ttl seen from a's side (the database's clock decides who is silent)
    const s = stores.at(-2)!;
    await sql(`UPDATE ${sc}.replica_members SET heartbeat_at = heartbeat_at - 120000 WHERE instance_id = 'b'`);
    expect((await s.heartbeat('a', 60_000)).members).toEqual(['a']);
    expect(await a.refresh()).toEqual(['a']);
    await a.stop();
    await b.stop();
  });

  it('a replica that cannot heartbeat for the ttl owns nothing (its contracts are the others\' by then)', async () => {
    const sc = `s${++n}`;
    let clock = 1_000_000;
    const a = new Sharding({ store: await open(sc), instanceId: 'a', heartbeatMs: 29_000, ttlMs: 30_000, now: () => clock });
    await a.start();
    expect(contracts.every((c) => a.owns(c))).toBe(true);
    await server.halt();
    try {
      clock += 20_000;
      expect(await a.refresh()).toEqual(['a']);
      expect(a.owns('c1')).toBe(true);
      clock += 15_000;
      expect(await a.refresh()).toEqual([]);
      expect(contracts.some((c) => a.owns(c))).toBe(false);
    } finally {
      await server.restart();
    }
    let back: readonly string[] = [];
    for (let i = 0; i < 20 && back.length === 0; i++) back = await a.refresh();
    expect(back).toEqual(['a']);
    expect(a.owns('c1')).toBe(true);
    await a.stop();
  });
});
