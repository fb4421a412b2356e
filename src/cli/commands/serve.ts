// `obligo serve [--config obligo.yaml] [--once | --check]`: the always-on evaluator (src/server/serve.ts) as a
// process. Config problems (an unresolvable secret reference included) are printed as
// file:line:column: field: message and exit 2; SIGTERM/SIGINT finish the tick in progress and flush the
// outbox before exiting. The daemon logs JSON lines on stdout (what container log collectors read);
// --once and --check log on stderr, so that their stdout is their one result.
import { parseArgs } from 'node:util';
import { formatIssue } from '../../contract/issues.js';
import { ConfigError, loadServeConfig, unresolvedSecrets, type ServeConfig } from '../../server/config.js';
import { serveHttp } from '../../server/http.js';
import { createLogger } from '../../telemetry/logger.js';
import { creditsCsv, creditsJson } from './credits.js';
import { checkServe, startServe, type CheckReport, type ServeDeps } from '../../server/serve.js';
import type { CommandIO } from '../io.js';

/** Exit statuses of `serve --once` and `serve --check` (docs/serve.md, "Exit codes"). */
export const SERVE_EXIT = {
  /** --check: valid, and the one evaluation succeeded; --once: the tick succeeded. */
  ok: 0,
  /** Usage, an invalid configuration (a secret reference that does not resolve included), contract or policy. */
  invalid: 2,
  /** Everything valid, but the evaluation failed (Prometheus unreachable, timing out, refusing credentials…). */
  tickFailed: 3,
} as const;

const HELP = `usage: obligo serve [--config obligo.yaml] [--once | --check]

Evaluates every SLA of the contracts on a schedule, pages PagerDuty (Events API v2, through a durable
outbox) with the vendor's escalation contacts, and serves /api/v1, /metrics, /healthz and /readyz.
Logs are JSON lines on stdout (on stderr with --once and --check).

  --config FILE   configuration (every key optional; see docs/serve.md). Environment overrides:
                  OBLIGO_CONTRACTS, OBLIGO_POLICIES, OBLIGO_PROMETHEUS_URL, OBLIGO_DB, OBLIGO_INTERVAL,
                  OBLIGO_LISTEN, OBLIGO_PAGERDUTY_EVENTS_URL, OBLIGO_LOG_LEVEL, OBLIGO_PROMETHEUS_HEADERS
  --once          run one tick (it writes the store and pages like any tick), flush the outbox, print the
                  tick as JSON on stdout and exit: 0 the tick succeeded, 2 invalid configuration or
                  contracts, 3 the tick failed (Prometheus unreachable…)
  --check         validate the configuration (every secret reference must resolve), the contracts and the
                  policies, then evaluate once, read-only (no store opened, nothing paged), and exit:
                  0 valid and evaluated, 2 invalid (each problem named), 3 valid but the evaluation
                  failed (Prometheus unreachable…)
`;

/** The shells: pino logger, REST API and /metrics (the CLI's credit writers, so the API's CSV is the CLI's). */
function shells(config: ServeConfig, env: NodeJS.ProcessEnv, logTo: 'stdout' | 'stderr'): Pick<ServeDeps, 'http' | 'logger'> {
  const logger = createLogger({ level: config.log.level, to: logTo });
  return { logger, http: serveHttp({ credits: { json: creditsJson, csv: creditsCsv }, logger, env, metricsRequireToken: config.server.metricsRequireToken }) };
}

const KIND_WORDS: Record<string, string> = {
  unreachable: 'Prometheus is unreachable',
  timeout: 'Prometheus did not answer in time',
  auth: 'Prometheus refused the credentials',
  rate_limited: 'Prometheus is rate limiting',
  not_prometheus: 'the server does not answer like Prometheus',
  too_large: 'an answer was too large',
  redirect: 'Prometheus redirected',
  bad_query: 'Prometheus rejected a query',
  execution: 'Prometheus failed to evaluate a query',
};

/** `serve --check`: the verdict line and the exit status of a check report. */
export function checkVerdict(r: CheckReport): { code: number; line: string } {
  const counts = `${r.contracts} contract${r.contracts === 1 ? '' : 's'}, ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`;
  if (r.problems.length > 0 || r.policyError) {
    const what = [r.problems.length > 0 ? 'contracts' : '', r.policyError ? 'policies' : ''].filter(Boolean).join(' and ');
    return { code: SERVE_EXIT.invalid, line: `configuration valid; ${counts}; invalid ${what} (above), nothing evaluated` };
  }
  const t = r.tick!;
  if (!t.ok) return { code: SERVE_EXIT.tickFailed, line: `configuration valid; ${counts}; the tick failed: ${t.kind && KIND_WORDS[t.kind] ? `${KIND_WORDS[t.kind]}: ` : ''}${t.error}` };
  const extra = [t.incomplete.length > 0 ? `${t.incomplete.length} on incomplete data` : '', t.activeAlerts.length > 0 ? `alert conditions holding: ${t.activeAlerts.join(', ')}` : ''].filter(Boolean);
  return { code: SERVE_EXIT.ok, line: `configuration valid; ${counts}; one tick: ${r.slas} SLA${r.slas === 1 ? '' : 's'} evaluated in ${t.durationMs} ms (${t.requests} Prometheus requests)${extra.length ? `; ${extra.join('; ')}` : ''}; nothing stored or sent` };
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
  if (values.once && values.check) {
    io.stderr('obligo serve: --once and --check exclude each other\n');
    return SERVE_EXIT.invalid;
  }
  let config;
  try {
    config = loadServeConfig(values.config, io.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      io.stderr(`${e.message}\n`);
      return SERVE_EXIT.invalid;
    }
    throw e;
  }
  if (values.check) {
    // Every reference must resolve where the check runs: a CI check is where a missing secret is found.
    const secrets = unresolvedSecrets(config, io.env);
    for (const i of secrets) io.stderr(`${formatIssue(i)}\n`);
    if (secrets.length > 0) {
      io.stderr(`obligo serve --check: configuration invalid: ${secrets.length} secret reference${secrets.length === 1 ? '' : 's'} not resolved, nothing evaluated\n`);
      return SERVE_EXIT.invalid;
    }
    const r = await checkServe(config, { env: io.env });
    for (const p of r.problems) io.stderr(`${formatIssue(p)}\n`);
    if (r.policyError) io.stderr(`policies: ${r.policyError}\n`);
    const v = checkVerdict(r);
    if (v.code === SERVE_EXIT.ok) io.stdout(`${v.line}\n`);
    else io.stderr(`obligo serve --check: ${v.line}\n`);
    return v.code;
  }
  // The references needed to start: Prometheus's credentials, the PostgreSQL URL, the API tokens (not
  // for --once, which serves no API). The routing key is resolved at each send (a rotated key needs no
  // restart): one that does not resolve now is a warning.
  const daemon = !values.once;
  const needed = unresolvedSecrets(config, io.env, (path) => path !== 'pagerduty.routingKey' && (daemon || !path.startsWith('server.tokens.')));
  for (const i of needed) io.stderr(`${formatIssue(i)}\n`);
  if (needed.length > 0) return SERVE_EXIT.invalid;
  for (const i of unresolvedSecrets(config, io.env, (path) => path === 'pagerduty.routingKey')) io.stderr(`${formatIssue({ ...i, severity: 'warning', message: `${i.message} (resolved again at each send)` })}\n`);
  const extra = shells(config, io.env, daemon ? 'stdout' : 'stderr');
  const handle = await startServe(config, { env: io.env, manualTicks: !daemon, ...extra, ...(daemon ? {} : { http: undefined }) });
  if (values.once) {
    const r = await handle.tickNow();
    const snap = handle.runtime.contracts();
    for (const p of snap.problems) io.stderr(`${formatIssue(p)}\n`);
    await handle.stop();
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
    if (snap.problems.length > 0) return SERVE_EXIT.invalid;
    return r.ok ? SERVE_EXIT.ok : SERVE_EXIT.tickFailed;
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
