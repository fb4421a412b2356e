// A real, throwaway Prometheus for tests and `obligo demo`: backfill history with promtool, then start
// `prometheus` on 127.0.0.1 with a generated config (rule files; scrape targets and Alertmanagers when given).
//
// Things worth knowing (Prometheus 2.42):
// - Prometheus only loads blocks from disk at startup (and after compactions), so backfill BEFORE start,
//   or call `restart()` after adding blocks.
// - Blocks older than the retention are deleted at startup; the default retention here is 3650d.
// - Recording rules are evaluated from "now" onwards only, never over backfilled history: an evaluator
//   measuring the past must query raw expressions (or backfill the rules with `backfillRecordingRules`).
// - promtool re-reads its whole input once per block it writes, and writes 2-hour blocks by default.
//   Debian's promtool 2.42 accepts --max-block-duration (a hidden flag: not in --help), so we feed it
//   7-day OpenMetrics documents written as 7-day blocks: a month × 6 services backfills in 3.4 s, against
//   26.1 s with 12-hour documents and 2-hour blocks (bench/backfill.ts, 2 shared cores).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile, rm, mkdir, readdir, rename } from 'node:fs/promises';
import { rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, delimiter } from 'node:path';
import { promisify } from 'node:util';
import { generateTraffic, openMetricsChunks, type GeneratedTraffic, type TrafficSpec } from './synthetic.js';

const execFileAsync = promisify(execFile);

export interface StartPrometheusOptions {
  /** TSDB directory. If omitted a temp dir is created and removed on stop; a given dir is kept. */
  dataDir?: string;
  /** OpenMetrics file(s) to backfill as they are (fine for a few days; for months pass `traffic`). */
  openmetricsFile?: string | string[];
  /** Synthetic traffic to backfill (generated in 2-hour chunks). */
  traffic?: GeneratedTraffic | TrafficSpec;
  /** Rule files loaded by Prometheus (absolute or relative to the cwd). */
  ruleFiles?: string[];
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default '3650d' so that backfilled history is not deleted. */
  retention?: string;
  /** Rule evaluation interval. Default '30s'. */
  evaluationInterval?: string;
  /** Scrape interval (global). Default '30s'. */
  scrapeInterval?: string;
  /** Targets to scrape: one job each (`targets` are host:port, `path` defaults to /metrics). */
  scrapeConfigs?: Array<{ job: string; targets: string[]; path?: string; interval?: string }>;
  /** Alertmanagers to send alerts to (host:port). */
  alertmanagers?: string[];
  /** Extra command-line flags for prometheus. */
  extraArgs?: string[];
  /** Default 60 s. */
  readyTimeoutMs?: number;
  prometheusBin?: string;
  promtoolBin?: string;
  /** Parallel promtool processes while backfilling. Default 2. */
  backfillConcurrency?: number;
}

export interface RunningPrometheus {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  port: number;
  dataDir: string;
  /** Milliseconds spent generating+backfilling and waiting for readiness. */
  timings: { backfillMs: number; startupMs: number };
  /** Stops Prometheus (SIGTERM, then SIGKILL after 5 s) and removes temp dirs. Idempotent. */
  stop(): Promise<void>;
  /** Restarts Prometheus on the same port and data dir (to load blocks added after start). */
  restart(): Promise<void>;
  /** Last lines Prometheus logged (for test failure messages). */
  logTail(): string;
}

export interface ToolCheck {
  ok: boolean;
  prometheus?: string;
  promtool?: string;
  /** Why not ok, e.g. "promtool not found on PATH". */
  reason?: string;
}

function findOnPath(bin: string): string | undefined {
  if (bin.includes('/')) return existsSync(bin) ? bin : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, bin))) return join(dir, bin);
  }
  return undefined;
}

/** Whether `prometheus` and `promtool` are installed (checked on PATH, without running them). */
export function checkPrometheusTools(prometheusBin = 'prometheus', promtoolBin = 'promtool'): ToolCheck {
  const prometheus = findOnPath(prometheusBin);
  const promtool = findOnPath(promtoolBin);
  const missing = [!prometheus && prometheusBin, !promtool && promtoolBin].filter(Boolean);
  return missing.length
    ? { ok: false, prometheus, promtool, reason: `${missing.join(' and ')} not found on PATH` }
    : { ok: true, prometheus, promtool };
}

/** Runs `fn` over `items` with at most `limit` in flight; rejects on the first failure. */
async function runLimited<T>(items: AsyncIterable<T> | Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  for await (const item of items as AsyncIterable<T>) {
    if (failure) break;
    const p = fn(item).then(
      () => void inFlight.delete(p),
      (e) => {
        inFlight.delete(p);
        failure ??= e;
      },
    );
    inFlight.add(p);
    if (inFlight.size >= limit) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw failure;
}

async function promtoolBackfill(promtool: string, file: string, dataDir: string, maxBlockMs?: number): Promise<void> {
  // --max-block-duration is a hidden flag of promtool 2.42 (not in --help, accepted): blocks longer than 2 h.
  const blockFlag = maxBlockMs ? [`--max-block-duration=${Math.max(2, Math.ceil(maxBlockMs / 3600_000))}h`] : [];
  try {
    await execFileAsync(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', ...blockFlag, file, dataDir], { maxBuffer: 16 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`promtool backfill of ${file} failed: ${(err.stderr || err.message).trim()}`);
  }
}

/**
 * Writes TSDB blocks for `traffic` into `dataDir` (one promtool run per `chunkMs` window, default 7 days,
 * written as blocks of up to `maxBlockMs`, default the same; `concurrency` runs at a time).
 * Returns the number of blocks written.
 */
export async function backfillTraffic(
  traffic: GeneratedTraffic | TrafficSpec,
  dataDir: string,
  opts: { promtoolBin?: string; concurrency?: number; chunkMs?: number; maxBlockMs?: number } = {},
): Promise<number> {
  const g = 'truth' in traffic ? traffic : generateTraffic(traffic);
  const work = await mkdtemp(join(tmpdir(), 'obligo-om-'));
  await mkdir(dataDir, { recursive: true });
  let blocks = 0;
  try {
    const chunkMs = opts.chunkMs ?? 7 * 24 * 3600_000;
    await runLimited(openMetricsChunks(g, chunkMs), opts.concurrency ?? 2, async (chunk) => {
      const file = join(work, `${chunk.start}.om`);
      await writeFile(file, chunk.text);
      await promtoolBackfill(opts.promtoolBin ?? 'promtool', file, dataDir, opts.maxBlockMs ?? chunkMs);
      await rm(file, { force: true });
      blocks++;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return blocks;
}

/** A free TCP port on 127.0.0.1 (there is a small race until Prometheus binds it; start retries). */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

function configYaml(ruleFiles: string[], evaluationInterval: string, opts: Pick<StartPrometheusOptions, 'scrapeInterval' | 'scrapeConfigs' | 'alertmanagers'> = {}): string {
  // JSON is valid YAML and spares us quoting rules.
  return JSON.stringify(
    {
      global: { scrape_interval: opts.scrapeInterval ?? '30s', evaluation_interval: evaluationInterval },
      rule_files: ruleFiles.map((f) => resolve(f)),
      scrape_configs: (opts.scrapeConfigs ?? []).map((c) => ({
        job_name: c.job,
        metrics_path: c.path ?? '/metrics',
        ...(c.interval ? { scrape_interval: c.interval } : {}),
        static_configs: [{ targets: c.targets }],
      })),
      ...(opts.alertmanagers?.length ? { alerting: { alertmanagers: [{ static_configs: [{ targets: opts.alertmanagers }] }] } } : {}),
    },
    null,
    2,
  );
}

// Children still running when the Node process exits are killed (the 'exit' hook can only do sync work).
const live = new Set<{ child: ChildProcess; tempDirs: string[] }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const l of live) {
      try {
        l.child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
      for (const d of l.tempDirs) rmSync(d, { recursive: true, force: true });
    }
  });
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Backfills (if asked), starts Prometheus and resolves once `/-/ready` answers 200. */
export async function startPrometheus(opts: StartPrometheusOptions = {}): Promise<RunningPrometheus> {
  const tools = checkPrometheusTools(opts.prometheusBin, opts.promtoolBin);
  if (!tools.ok) throw new Error(`cannot start Prometheus: ${tools.reason}`);
  installExitHook();

  const tempDirs: string[] = [];
  const confDir = await mkdtemp(join(tmpdir(), 'obligo-prom-conf-'));
  tempDirs.push(confDir);
  let dataDir = opts.dataDir ? resolve(opts.dataDir) : '';
  if (!dataDir) {
    dataDir = await mkdtemp(join(tmpdir(), 'obligo-prom-data-'));
    tempDirs.push(dataDir);
  }
  const cleanup = async () => {
    for (const d of tempDirs) await rm(d, { recursive: true, force: true });
  };

  const t0 = performance.now();
  try {
    await mkdir(dataDir, { recursive: true });
    const files = opts.openmetricsFile === undefined ? [] : [opts.openmetricsFile].flat();
    for (const f of files) await promtoolBackfill(tools.promtool!, f, dataDir);
    if (opts.traffic) await backfillTraffic(opts.traffic, dataDir, { promtoolBin: tools.promtool, concurrency: opts.backfillConcurrency });
    const configFile = join(confDir, 'prometheus.yml');
    await writeFile(configFile, configYaml(opts.ruleFiles ?? [], opts.evaluationInterval ?? '30s', opts));
  } catch (e) {
    await cleanup();
    throw e;
  }
  const backfillMs = performance.now() - t0;

  let port = opts.port ?? 0;
  const pickPort = port === 0;
  let child: ChildProcess | undefined;
  let entry: { child: ChildProcess; tempDirs: string[] } | undefined;
  const logLines: string[] = [];
  const logTail = () => logLines.slice(-40).join('\n');

  const launch = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      if (pickPort && (attempt > 0 || port === 0)) port = await freePort();
      const args = [
        `--config.file=${join(confDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${dataDir}`,
        `--storage.tsdb.retention.time=${opts.retention ?? '3650d'}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-lifecycle',
        ...(opts.extraArgs ?? []),
      ];
      const c = spawn(tools.prometheus!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      child = c;
      entry = { child: c, tempDirs };
      live.add(entry);
      let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      c.on('exit', (code, signal) => {
        exited = { code, signal };
        if (entry?.child === c) live.delete(entry);
      });
      c.stderr!.setEncoding('utf8');
      c.stderr!.on('data', (s: string) => {
        logLines.push(...s.split('\n').filter(Boolean));
        if (logLines.length > 400) logLines.splice(0, logLines.length - 200);
      });
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
      while (!exited && Date.now() < deadline) {
        try {
          const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) });
          if (r.status === 200) return;
        } catch {
          /* not listening yet */
        }
        await sleep(100);
      }
      if (exited) {
        const inUse = /address already in use/i.test(logTail());
        if (pickPort && inUse && attempt < 3) continue;
        throw new Error(`prometheus exited during startup (code ${exited.code}, signal ${exited.signal}):\n${logTail()}`);
      }
      c.kill('SIGKILL');
      throw new Error(`prometheus not ready after ${opts.readyTimeoutMs ?? 60_000} ms:\n${logTail()}`);
    }
  };

  const stopChild = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  };

  const t1 = performance.now();
  try {
    await launch();
  } catch (e) {
    await stopChild();
    await cleanup();
    throw e;
  }
  const startupMs = performance.now() - t1;

  let stopped = false;
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    dataDir,
    timings: { backfillMs, startupMs },
    logTail,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopChild();
      if (entry) live.delete(entry);
      await cleanup();
    },
    async restart() {
      if (stopped) throw new Error('prometheus was stopped');
      await stopChild();
      await launch();
    },
  };
}

/**
 * Backfills recording rules over history with `promtool tsdb create-blocks-from rules` against the running
 * server, moves the blocks into its data dir and restarts it so they are loaded. `start`/`end` are epoch ms.
 */
export async function backfillRecordingRules(
  server: RunningPrometheus,
  ruleFiles: string[],
  range: { start: number; end: number; evalInterval?: string },
  promtoolBin = 'promtool',
): Promise<void> {
  const out = await mkdtemp(join(tmpdir(), 'obligo-rules-'));
  try {
    await execFileAsync(
      promtoolBin,
      [
        'tsdb', 'create-blocks-from', 'rules', '--quiet',
        `--url=${server.url}`,
        `--start=${Math.floor(range.start / 1000)}`,
        `--end=${Math.floor(range.end / 1000)}`,
        `--eval-interval=${range.evalInterval ?? '60s'}`,
        `--output-dir=${out}`,
        ...ruleFiles.map((f) => resolve(f)),
      ],
      { maxBuffer: 16 << 20 },
    ).catch((e: { stderr?: string; message: string }) => {
      throw new Error(`promtool rules backfill failed: ${(e.stderr || e.message).trim()}`);
    });
    for (const d of await readdir(out)) await rename(join(out, d), join(server.dataDir, d));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
  await server.restart();
}
