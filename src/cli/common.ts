// Flags, parsing and output helpers shared by the measuring commands (status, credits, gate, rollup).
// Every command takes the same base flags; each adds its own on top.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CommandIO } from './io.js';

/** A bad command line: the command prints the message and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type OutputFormat = 'table' | 'json' | 'csv';

export interface CommonOptions {
  contractsDir: string;
  prometheusUrl?: string;
  /** Evaluation instant (ms since epoch, UTC). */
  at: number;
  contracts: string[];
  slas: string[];
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
  help: { type: 'boolean', short: 'h' },
};

export const COMMON_HELP = [
  '  --contracts DIR      contract files (default contracts/)',
  '  --prometheus URL     Prometheus base URL (default $OBLIGO_PROMETHEUS_URL)',
  '  --at TIME            evaluate as of this RFC 3339 instant (default now)',
  '  --contract ID        only this contract (repeatable)',
  '  --sla ID             only this SLA (repeatable; CONTRACT/SLA or SLA)',
  '  --db PATH            rollup database (default $OBLIGO_DB or .obligo/obligo.db)',
].join('\n');

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
    throw new UsageError(err instanceof Error ? err.message : String(err));
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
    at,
    contracts: (values.contract as string[] | undefined) ?? [],
    slas: (values.sla as string[] | undefined) ?? [],
    format: format as OutputFormat,
    dbPath: (values.db as string | undefined) ?? (io.env.OBLIGO_DB || DEFAULT_DB_PATH),
    help: Boolean(values.help),
  };
  const extra: Record<string, string | boolean | string[] | boolean[] | undefined> = {};
  for (const k of Object.keys(extraOptions)) extra[k] = values[k] as string | boolean | string[] | undefined;
  return { common, extra, positionals };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/;

/** RFC 3339 instant with an explicit offset (a date-time without one would depend on the machine's zone). */
export function parseInstant(s: string, flag: string): number {
  if (!RFC3339.test(s)) {
    throw new UsageError(`${flag} expects an RFC 3339 time with offset such as 2026-03-31T23:59:00Z (got "${s}")`);
  }
  const ms = Date.parse(s.replace(' ', 'T'));
  if (!Number.isFinite(ms)) throw new UsageError(`${flag}: not a valid time: "${s}"`);
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

export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Does an SLA pass the --contract/--sla filters? `--sla` takes CONTRACT/SLA or a bare SLA id. */
export function matchesFilters(contractId: string, slaId: string, contracts: readonly string[], slas: readonly string[]): boolean {
  if (contracts.length > 0 && !contracts.includes(contractId)) return false;
  if (slas.length > 0 && !slas.some((s) => (s.includes('/') ? s === `${contractId}/${slaId}` : s === slaId))) return false;
  return true;
}

// ---------- output ----------

export interface Column<R> {
  header: string;
  value: (row: R) => string;
  align?: 'left' | 'right';
}

/** A plain aligned text table (two spaces between columns, no trailing spaces). */
export function renderTable<R>(rows: readonly R[], columns: readonly Column<R>[]): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n';
}

/** One RFC 4180 field: quoted when it holds a comma, a quote, CR or LF; quotes doubled. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
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
