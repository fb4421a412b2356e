// One `obligo serve` replica as its own process, for test/server/replicas-failover.test.ts and
// bench/replicas.ts: the real startServe with the stores and leadership of openReplication (the wiring
// serve's command is asked to do for store.postgres), the scheduler running at the configured interval.
// On becoming leader it ticks at once. The HTTP shell is started when this build has it.
//
// stdout, one JSON document per line:
//   {"type":"ready","instance":…,"url":…|null}
//   {"type":"leader","leader":true|false,"t":ms}
//   {"type":"tick","tick":n,"at":ms,"finishedAt":ms,"leader":bool,"ok":bool,"events":n,"durationMs":n,
//    "roundTrips":n,"delivered":{trigger,resolve},"attempts":n}
// Environment: OBLIGO_REPLICA_CONFIG (path), OBLIGO_REPLICA_ID, OBLIGO_REPLICA_HTTP=1 (start the API when available).
import { existsSync } from 'node:fs';
import { loadServeConfig } from '../../src/server/config.js';
import { openReplication } from '../../src/server/leadership.js';
import { startServe, type ServeDeps } from '../../src/server/serve.js';

const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
const env = process.env;
const instanceId = env.OBLIGO_REPLICA_ID ?? `replica-${process.pid}`;
const config = loadServeConfig(env.OBLIGO_REPLICA_CONFIG, env);
const repl = await openReplication(config, { env, instanceId });

let http: ServeDeps['http'];
const httpFile = new URL('../../src/server/http.ts', import.meta.url);
if (env.OBLIGO_REPLICA_HTTP === '1' && existsSync(httpFile)) {
  try {
    const h = (await import(httpFile.href)) as { serveHttp?: (o: object) => ServeDeps['http'] };
    const c = (await import(new URL('../../src/cli/commands/credits.ts', import.meta.url).href)) as { creditsJson?: unknown; creditsCsv?: unknown };
    if (h.serveHttp) http = h.serveHttp({ credits: { json: c.creditsJson, csv: c.creditsCsv }, env });
  } catch (e) {
    process.stderr.write(`replica ${instanceId}: no HTTP shell (${(e as Error).message})\n`);
  }
}

const handle = await startServe(config, { env, instanceId, stores: async () => repl.stores, leadership: repl.leadership, http });
handle.runtime.onTick((r) => {
  const s = handle.runtime.senderStats();
  out({
    type: 'tick',
    tick: r.tick,
    at: r.at,
    finishedAt: r.finishedAt,
    leader: r.leader,
    ok: r.ok,
    error: r.error,
    events: r.alerts.events,
    durationMs: r.durationMs,
    roundTrips: repl.postgres?.roundTrips ?? 0,
    delivered: s.delivered,
    attempts: s.attempts,
  });
});
repl.leadership.onChange((leader) => {
  out({ type: 'leader', leader, t: Date.now() });
  // A new leader evaluates at once instead of waiting for its next scheduled tick.
  if (leader) void handle.tickNow().catch(() => undefined);
});
out({ type: 'ready', instance: instanceId, url: handle.url ?? null, leader: repl.leadership.isLeader() });

const stop = () => {
  void handle.stop(2000).finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
