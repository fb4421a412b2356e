// `obligo serve [--config obligo.yaml]`: the always-on evaluator (src/server/serve.ts) as a process.
// Config problems are printed as file:line:column: field: message and exit 2; SIGTERM/SIGINT finish the
// tick in progress and flush the outbox before exiting.
import { parseArgs } from 'node:util';
import { ConfigError, loadServeConfig, type ServeConfig } from '../../server/config.js';
import { serveHttp } from '../../server/http.js';
import { createLogger } from '../../telemetry/logger.js';
import { creditsCsv, creditsJson } from './credits.js';
import { startServe, type ServeDeps } from '../../server/serve.js';
import type { CommandIO } from '../io.js';

const HELP = `usage: obligo serve [--config obligo.yaml] [--once]

Evaluates every SLA of the contracts on a schedule, pages PagerDuty (Events API v2, through a durable
outbox) with the vendor's escalation contacts, and serves /api/v1, /metrics, /healthz and /readyz.

  --config FILE   configuration (every key optional; see docs/serve.md). Environment overrides:
                  OBLIGO_CONTRACTS, OBLIGO_POLICIES, OBLIGO_PROMETHEUS_URL, OBLIGO_DB, OBLIGO_INTERVAL,
                  OBLIGO_LISTEN, OBLIGO_PAGERDUTY_EVENTS_URL, OBLIGO_LOG_LEVEL, OBLIGO_PROMETHEUS_HEADERS
  --once          run one tick, flush the outbox, print the tick as JSON and exit (0 ok, 2 failed)
  --check         validate the configuration and the contracts, then exit
`;

/** The shells: pino logger, REST API and /metrics (the CLI's credit writers, so the API's CSV is the CLI's). */
function shells(config: ServeConfig, env: NodeJS.ProcessEnv): Pick<ServeDeps, 'http' | 'logger'> {
  const logger = createLogger({ level: config.log.level });
  return { logger, http: serveHttp({ credits: { json: creditsJson, csv: creditsCsv }, logger, env, metricsRequireToken: config.server.metricsRequireToken }) };
}

export async function serveCommand(argv: string[], io: CommandIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { config: { type: 'string' }, once: { type: 'boolean' }, check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (e) {
    io.stderr(`obligo serve: ${(e as Error).message}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  let config;
  try {
    config = loadServeConfig(values.config, io.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      io.stderr(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const extra = shells(config, io.env);
  const handle = await startServe(config, { env: io.env, manualTicks: Boolean(values.once || values.check), ...extra, ...(values.once || values.check ? { http: undefined } : {}) });
  if (values.check || values.once) {
    const r = await handle.tickNow();
    const snap = handle.runtime.contracts();
    for (const p of snap.problems) io.stderr(`obligo: ${p.file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}${p.expected ? ` (expected ${p.expected})` : ''}\n`);
    await handle.stop();
    if (values.once) {
      io.stdout(
        JSON.stringify(
          {
            tick: r.tick,
            at: new Date(r.at).toISOString(),
            ok: r.ok,
            error: r.error,
            durationMs: r.durationMs,
            prometheus: r.prometheus,
            alerts: r.alerts,
            incomplete: r.incomplete,
            slas: (r.evaluation?.status?.slas ?? []).map((s) => ({ key: s.key, state: s.state, achieved: s.achieved, coverage: s.coverage.ratio, action: r.evaluation?.decisions?.get(s.key)?.action })),
          },
          null,
          2,
        ) + '\n',
      );
    } else io.stdout(`configuration valid; ${snap.contracts.length} contracts, ${snap.problems.length} problems\n`);
    return r.ok && snap.problems.length === 0 ? 0 : 2;
  }
  io.stderr(`obligo serve: evaluating ${config.contracts} every ${config.evaluation.interval} against ${new URL(config.prometheus.url).origin}${handle.url ? `; listening on ${handle.url}` : ''}\n`);
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      io.stderr(`obligo serve: ${sig}: finishing the tick and flushing the outbox…\n`);
      void handle.stop().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
