// Flags, parsing and output helpers shared by the measuring commands (status, credits, gate, rollup).
// Every command takes the same base flags; each adds its own on top.
import { readFileSync, statSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Contract, Sla } from '../contract/model.js';
import { formatIssue, loadContracts } from '../contract/load.js';
import type { PromSource } from '../measure/source.js';
import { PrometheusClient, promSource } from '../prometheus/index.js';
import type { PrometheusClientOptions } from '../prometheus/client.js';
import { MissingDataSourceError } from '../measure/measure-slas.js';
import { PolicyError } from '../evaluate/policies.js';
import { labelFilter, selectSlas, SelectionError, type Selection } from '../evaluate/selection.js';
import type { SelectedSla } from '../evaluate/types.js';
import { MAX_TIMER_MS } from '../prometheus/client.js';
import { argsErrorMessage, usageText } from '../policy/cli/args.js';
import type { CommandIO } from './io.js';

/**
 * A bad command line: the command prints the message and exits 2. `showUsage`: a flag the command does
 * not know (or one missing its value), so the usage lines follow the message.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly showUsage = false,
  ) {
    super(message);
  }
}

/**
 * What a command prints on stderr for a UsageError: `obligo <command>: <message>`, then the usage lines of
 * its help (from `usage:` to the first blank line) when the flag itself was not understood.
 */
export function usageErrorText(err: UsageError, command: string, help: string): string {
  return err.showUsage ? usageText(command, terminalSafe(err.message), help) : `obligo ${command}: ${terminalSafe(err.message)}\n`;
}

export type OutputFormat = 'table' | 'json' | 'csv';

export interface CommonOptions {
  contractsDir: string;
  prometheusUrl?: string;
  /** How to reach Prometheus beyond its URL: auth, tenant headers, timeout (never printed). */
  prometheusConnection: Omit<PrometheusClientOptions, 'url'>;
  /** Evaluation instant (ms since epoch, UTC). */
  at: number;
  contracts: string[];
  slas: string[];
  /** --label KEY=VALUE pairs (all must match), for the commands that offer LABEL_OPTION. */
  labels: Array<[string, string]>;
  format: OutputFormat;
  dbPath: string;
  help: boolean;
}

type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export const COMMON_OPTIONS: OptionSpec = {
  contracts: { type: 'string' },
  prometheus: { type: 'string' },
  at: { type: 'string' },
  contract: { type: 'string', multiple: true },
  sla: { type: 'string', multiple: true },
  format: { type: 'string' },
  db: { type: 'string' },
  'prometheus-header': { type: 'string', multiple: true },
  'prometheus-timeout': { type: 'string' },
  'prometheus-max-bytes': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export const COMMON_HELP = [
  '  --contracts DIR      contract files (default contracts/)',
  '  --prometheus URL     Prometheus base URL (default $OBLIGO_PROMETHEUS_URL)',
  '  --at TIME            evaluate as of this RFC 3339 instant (default now)',
  '  --contract ID        only this contract (repeatable)',
  '  --sla ID             only this SLA (repeatable; CONTRACT/SLA or SLA)',
  '  --db PATH            rollup database (default $OBLIGO_DB or .obligo/obligo.db)',
  '  --prometheus-header K=V  extra header on every request, e.g. X-Scope-OrgID=team-a (repeatable;',
  '                       also $OBLIGO_PROMETHEUS_HEADERS as a JSON object)',
  '  --prometheus-timeout S   seconds per request, retries included (default 60)',
  '  --prometheus-max-bytes N largest answer accepted, in bytes (default 67108864 = 64 MiB)',
  '  Auth from the environment only: $OBLIGO_PROMETHEUS_BEARER_TOKEN(_FILE), or',
  '  $OBLIGO_PROMETHEUS_USERNAME with $OBLIGO_PROMETHEUS_PASSWORD(_FILE).',
].join('\n');

/** --label, for the commands whose selection takes labels (status, credits, gate, report, rollup). */
export const LABEL_OPTION: OptionSpec = { label: { type: 'string', multiple: true } };
export const LABEL_HELP = '  --label KEY=VALUE    only SLAs with this label (repeatable; all must match)';

/**
 * --label values as [key, value] pairs: KEY=VALUE, split at the first `=` (the value may hold more), the
 * same as the API's label=KEY=VALUE. Matching is selectSlas' (src/evaluate/selection.ts).
 */
export function parseLabels(values: readonly string[]): Array<[string, string]> {
  return values.map((v) => {
    const pair = labelFilter(v);
    if (!pair) throw new UsageError(`--label expects KEY=VALUE (got "${v}")`);
    return pair;
  });
}

/** --policies DIR must name a folder: a typo would otherwise load no policy and fail far from its cause. */
export function checkPolicyDir(dir: string): string {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new UsageError(`--policies ${dir}: no such directory`);
  }
  if (!isDir) throw new UsageError(`--policies ${dir}: not a directory`);
  return dir;
}

export const DEFAULT_DB_PATH = '.obligo/obligo.db';

export interface Parsed<E> {
  common: CommonOptions;
  extra: E;
  positionals: string[];
}

/**
 * Parse the common flags plus `extraOptions`. `formats` lists the formats the command accepts (the first is
 * the default). Throws UsageError with a one-line message on anything malformed.
 */
export function parseCommon(
  argv: string[],
  io: CommandIO,
  extraOptions: OptionSpec = {},
  formats: readonly OutputFormat[] = ['table', 'json'],
  now: () => number = Date.now,
): Parsed<Record<string, string | boolean | string[] | boolean[] | undefined>> {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { ...COMMON_OPTIONS, ...extraOptions },
      allowPositionals: true,
      strict: true,
    }) as { values: typeof values; positionals: string[] });
  } catch (err) {
    throw new UsageError(argsErrorMessage(err), true);
  }
  const format = (values.format as string | undefined) ?? formats[0]!;
  if (!formats.includes(format as OutputFormat)) {
    throw new UsageError(`--format must be one of ${formats.join(', ')} (got "${format}")`);
  }
  const atRaw = values.at as string | undefined;
  const at = atRaw === undefined ? now() : parseInstant(atRaw, '--at');
  const prom = (values.prometheus as string | undefined) ?? io.env.OBLIGO_PROMETHEUS_URL;
  const common: CommonOptions = {
    contractsDir: (values.contracts as string | undefined) ?? 'contracts/',
    prometheusUrl: prom && prom.trim() !== '' ? prom.trim() : undefined,
    prometheusConnection: connectionOptions(
      (values['prometheus-header'] as string[] | undefined) ?? [],
      values['prometheus-timeout'] as string | undefined,
      io.env,
      values['prometheus-max-bytes'] as string | undefined,
    ),
    at,
    contracts: (values.contract as string[] | undefined) ?? [],
    slas: (values.sla as string[] | undefined) ?? [],
    labels: 'label' in extraOptions ? parseLabels((values.label as string[] | undefined) ?? []) : [],
    format: format as OutputFormat,
    dbPath: (values.db as string | undefined) ?? (io.env.OBLIGO_DB || DEFAULT_DB_PATH),
    help: Boolean(values.help),
  };
  const extra: Record<string, string | boolean | string[] | boolean[] | undefined> = {};
  for (const k of Object.keys(extraOptions)) extra[k] = values[k] as string | boolean | string[] | undefined;
  // Every command taking --policies: a folder that does not exist is a usage error, not an empty policy set.
  if ('policies' in extraOptions && typeof values.policies === 'string' && !common.help) checkPolicyDir(values.policies);
  return { common, extra, positionals };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/;

/** RFC 3339 instant with an explicit offset (a date-time without one would depend on the machine's zone). */
export function parseInstant(s: string, flag: string): number {
  if (!RFC3339.test(s)) {
    throw new UsageError(`${flag} expects an RFC 3339 time with offset such as 2026-03-31T23:59:00Z (got "${s}")`);
  }
  const ms = Date.parse(s.replace(' ', 'T'));
  // Date.parse rolls 2026-02-30 over to March 2: check that the calendar fields exist as written.
  const [y, mo, d, h, mi] = [s.slice(0, 4), s.slice(5, 7), s.slice(8, 10), s.slice(11, 13), s.slice(14, 16)].map(Number) as [number, number, number, number, number];
  const day = new Date(Date.UTC(y, mo - 1, d));
  const fieldsOk = day.getUTCMonth() === mo - 1 && day.getUTCDate() === d && h <= 23 && mi <= 59;
  if (!Number.isFinite(ms) || !fieldsOk) throw new UsageError(`${flag}: not a valid time: "${s}"`);
  return ms;
}

/** A date YYYY-MM-DD (midnight UTC) or an RFC 3339 instant. */
export function parseDateOrInstant(s: string, flag: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const ms = Date.parse(`${s}T00:00:00Z`);
    if (Number.isFinite(ms) && new Date(ms).toISOString().startsWith(s)) return ms;
    throw new UsageError(`${flag}: not a valid date: "${s}"`);
  }
  return parseInstant(s, flag);
}

export { isoUtc } from '../measure/status.js';


// ---------- output ----------

export interface Column<R> {
  header: string;
  value: (row: R) => string;
  align?: 'left' | 'right';
}

/**
 * Text safe for a terminal: control characters (C0 but tab, DEL, C1) and bidirectional overrides are
 * written as \u escapes, so contract text can never move the cursor, recolour or reorder a table.
 */
export function terminalSafe(s: string): string {
  return s.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A plain aligned text table (two spaces between columns, no trailing spaces); cells made terminal-safe. */
export function renderTable<R>(rows: readonly R[], columns: readonly Column<R>[]): string {
  const cells = rows.map((r) => columns.map((c) => terminalSafe(c.value(r))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n';
}

const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * One RFC 4180 field: quoted when it holds a comma, a quote, CR or LF; quotes doubled. A cell that a
 * spreadsheet would run as a formula (starting with =, +, -, @, tab or CR; OWASP "CSV injection") gets a
 * leading apostrophe, unless it is a plain number such as -0.5.
 */
export function csvField(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) && !PLAIN_NUMBER.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** RFC 4180: CRLF line breaks, header row first. */
export function renderCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Percent for humans: up to 4 decimals, no trailing zeros; "-" for unknown. */
export function fmtPercent(p: number | null | undefined, digits = 4): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '-';
  return `${trimZeros(p.toFixed(digits))}%`;
}

export function fmtNumber(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  return trimZeros(x.toFixed(digits));
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Write a JSON document (2-space indent) and a newline. */
export function printJson(io: CommandIO, doc: unknown): void {
  io.stdout(JSON.stringify(doc, null, 2) + '\n');
}

// ---------- contracts, data sources, errors ----------

export type { SelectedSla };

/**
 * Load the contracts directory, print the errors of invalid files to stderr (those contracts are
 * skipped; warnings are left to `obligo validate`), and select SLAs by --contract/--sla and `labels`
 * (default: the command's --label).
 * A filter that matches nothing is a SelectionError (exit 2), never an empty selection.
 *
 * `onlySelected` (the gate): when the selection names its contracts (--contract C, or only --sla C/S),
 * only the files that may hold those ids are parsed and validated (loadContracts' onlyIds), and only
 * their errors are printed; the SLAs selected are the same as from the whole folder. Should that
 * selection fail, the whole folder is loaded and selected again, so an unknown contract or SLA fails
 * with exactly the message (and the other files' errors) of a full load.
 */
export async function loadSelection(
  common: CommonOptions,
  io: CommandIO,
  labels: Selection['labels'] = common.labels,
  opts: { onlySelected?: boolean } = {},
): Promise<{ contracts: Contract[]; slas: SelectedSla[] }> {
  const selection: Selection = { contracts: common.contracts, slas: common.slas, labels };
  const ids = opts.onlySelected ? selectedContractIds(selection) : undefined;
  if (ids) {
    const { contracts, issues } = await loadContracts([common.contractsDir], { onlyIds: ids });
    let slas: SelectedSla[] | undefined;
    try {
      slas = selectSlas(contracts, selection, common.contractsDir);
    } catch (e) {
      if (!(e instanceof SelectionError)) throw e;
    }
    if (slas) {
      for (const i of issues) if (i.severity === 'error') io.stderr(`obligo: ${formatIssue(i)}\n`);
      return { contracts, slas };
    }
  }
  const { contracts, issues } = await loadContracts([common.contractsDir]);
  for (const i of issues) if (i.severity === 'error') io.stderr(`obligo: ${formatIssue(i)}\n`);
  const slas = selectSlas(contracts, selection, common.contractsDir);
  return { contracts, slas };
}

/**
 * The contract ids a selection can reach, or undefined when it may reach any contract (a bare SLA id
 * or labels without --contract). With --contract, only those contracts' SLAs are ever selected; with
 * only CONTRACT/SLA patterns, only those contracts'. selectSlas over the contracts with these ids
 * then succeeds exactly when it succeeds over all of them, with the same SLAs (its checks of a
 * --contract or a CONTRACT/SLA look only at contracts with that id; a bare --sla found among fewer
 * contracts is found among all).
 */
export function selectedContractIds(sel: Selection): string[] | undefined {
  const cIds = sel.contracts ?? [];
  const sIds = sel.slas ?? [];
  if (cIds.length === 0 && (sIds.length === 0 || !sIds.every((p) => p.includes('/')))) return undefined;
  const ids = new Set(cIds);
  for (const p of sIds) if (p.includes('/')) ids.add(p.slice(0, p.indexOf('/')));
  return [...ids];
}

/** One line on stderr when Prometheus answered with warnings (a partial response). */
export function reportWarnings(io: CommandIO, warnings: readonly string[]): void {
  if (warnings.length === 0) return;
  const more = warnings.length > 1 ? ` (+${warnings.length - 1} more)` : '';
  io.stderr(`obligo: warning: partial response from Prometheus: ${terminalSafe(warnings[0]!)}${more}; results built from it are flagged partial-response\n`);
}

/**
 * Auth, tenant headers and timeout. Secrets come only from the environment (or files it names), so they
 * never appear in a command line, a contract or a log.
 */
export function connectionOptions(
  headerFlags: readonly string[],
  timeout: string | undefined,
  env: NodeJS.ProcessEnv,
  maxBytes?: string,
): Omit<PrometheusClientOptions, 'url'> {
  const headers: Record<string, string> = {};
  if (env.OBLIGO_PROMETHEUS_HEADERS) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.OBLIGO_PROMETHEUS_HEADERS);
    } catch {
      throw new UsageError('OBLIGO_PROMETHEUS_HEADERS must be a JSON object such as {"X-Scope-OrgID": "team-a"}');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError('OBLIGO_PROMETHEUS_HEADERS must be a JSON object such as {"X-Scope-OrgID": "team-a"}');
    }
    for (const [k, v] of Object.entries(parsed)) headers[k] = String(v);
  }
  for (const h of headerFlags) {
    const eq = h.indexOf('=');
    if (eq <= 0) throw new UsageError(`--prometheus-header expects NAME=VALUE (got "${h.split('=')[0]}…")`);
    headers[h.slice(0, eq).trim()] = h.slice(eq + 1);
  }
  const secret = (name: string): string | undefined => {
    if (env[name]) return env[name];
    const file = env[`${name}_FILE`];
    if (!file) return undefined;
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new UsageError(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  const bearer = secret('OBLIGO_PROMETHEUS_BEARER_TOKEN');
  const username = env.OBLIGO_PROMETHEUS_USERNAME;
  const password = secret('OBLIGO_PROMETHEUS_PASSWORD');
  // Half of a basic-auth pair would send no auth at all: say so rather than get a 401 far from the cause.
  if (!bearer && username && password === undefined) {
    throw new UsageError('OBLIGO_PROMETHEUS_USERNAME is set but no password: set OBLIGO_PROMETHEUS_PASSWORD or OBLIGO_PROMETHEUS_PASSWORD_FILE');
  }
  if (!bearer && !username && password !== undefined) {
    throw new UsageError('a Prometheus password is set (OBLIGO_PROMETHEUS_PASSWORD or _FILE) but no OBLIGO_PROMETHEUS_USERNAME');
  }
  let timeoutMs: number | undefined;
  if (timeout !== undefined) {
    const n = Number(timeout);
    if (timeout.trim() === '' || !Number.isFinite(n) || n <= 0 || n * 1000 > MAX_TIMER_MS) {
      throw new UsageError(`--prometheus-timeout expects seconds greater than 0 and at most ${Math.floor(MAX_TIMER_MS / 1000)}, such as 30 (got "${timeout}")`);
    }
    timeoutMs = n * 1000;
  }
  let maxResponseBytes: number | undefined;
  if (maxBytes !== undefined) {
    const n = Number(maxBytes);
    if (!/^\d+$/.test(maxBytes.trim()) || !Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--prometheus-max-bytes expects a whole number of bytes such as 67108864 (got "${maxBytes}")`);
    maxResponseBytes = n;
  }
  return {
    headers,
    auth: bearer ? { bearer } : username ? { basic: { username, password: password ?? '' } } : undefined,
    timeoutMs,
    maxResponseBytes,
  };
}

/** The Prometheus of --prometheus / $OBLIGO_PROMETHEUS_URL as a counted source, or undefined. */
export function prometheusSource(url: string | undefined, connection: Omit<PrometheusClientOptions, 'url'> = {}): PromSource | undefined {
  return url ? promSource(new PrometheusClient({ ...connection, url })) : undefined;
}

export function requirePrometheus(common: CommonOptions): PromSource {
  if (!common.prometheusUrl) throw new UsageError('no Prometheus URL: use --prometheus URL or set OBLIGO_PROMETHEUS_URL');
  try {
    const u = new URL(common.prometheusUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new UsageError(`--prometheus must be an http(s) URL (got "${common.prometheusUrl}")`);
  }
  return prometheusSource(common.prometheusUrl, common.prometheusConnection)!;
}

/** A known failure as the one line the CLI prints (exit 2), or undefined for a bug. */
export function describeFailure(err: unknown): string | undefined {
  if (err instanceof UsageError) return err.message;
  // StoreError by name: importing store/ would load SQLite (a native module) into every command.
  if (err instanceof Error && err.name === 'StoreError') return err.message;
  if (err instanceof MissingDataSourceError) return err.message;
  if (err instanceof SelectionError) return err.message;
  if (err instanceof PolicyError) return err.message;
  const e = err as { name?: string; kind?: string; message?: string };
  if (e && e.name === 'PrometheusError' && typeof e.message === 'string') return e.message;
  return undefined;
}

/**
 * Run a command body: known failures become one line on stderr and exit 2 (never a stack trace;
 * OBLIGO_DEBUG=1 shows it). With `usage`, a flag the command does not understand is
 * `obligo <command>: unknown option --x` and the usage lines.
 */
export async function runCommand(io: CommandIO, body: () => Promise<number>, usage?: { command: string; help: string }): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (usage && err instanceof UsageError && err.showUsage) {
      io.stderr(usageErrorText(err, usage.command, usage.help));
      return 2;
    }
    const known = describeFailure(err);
    io.stderr(`obligo: ${known ?? (err instanceof Error ? err.message : String(err))}\n`);
    if (io.env.OBLIGO_DEBUG && err instanceof Error && err.stack) io.stderr(err.stack + '\n');
    return 2;
  }
}
