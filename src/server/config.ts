// `obligo serve` configuration: one YAML file (every key optional, sensible defaults), validated with zod,
// every problem reported as file:line:column: field.path: message (expected …); then environment
// overrides. Secrets are references ({ env: NAME } | { file: PATH }) resolved when used, never stored.
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { formatIssue, type ContractIssue } from '../contract/issues.js';
import { PositionMap } from '../contract/positions.js';
import { convertZodIssues } from '../contract/zod-issues.js';
import { MAX_TIMER_MS } from '../prometheus/client.js';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** "1m" → 60000. */
export function parseDurationMs(s: string): number {
  const m = DURATION.exec(s.trim());
  if (!m) throw new RangeError(`not a duration: ${s}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * unit);
}

const Duration = z.string().regex(DURATION, 'a duration such as 30s, 1m or 2h').refine((s) => parseDurationMs(s) <= MAX_TIMER_MS, 'at most 24 days');

export const SecretRefSchema = z.union([z.strictObject({ env: z.string().min(1) }), z.strictObject({ file: z.string().min(1) })]);
export type SecretRef = z.infer<typeof SecretRefSchema>;

const HttpUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}, 'an http(s) URL');

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

const Listen = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):\d{1,5}$/, 'HOST:PORT such as 127.0.0.1:8080 or 0.0.0.0:8080');

export const ROLES = ['viewer', 'oncall', 'finance', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ServeConfigSchema = z.strictObject({
  /** Contract files (a directory or a file). */
  contracts: z.string().min(1).default('./contracts'),
  /** Hand-written policies; default: the policies/ shipped with obligo. */
  policies: z.string().min(1).optional(),
  prometheus: z
    .strictObject({
      url: HttpUrl.default('http://127.0.0.1:9090'),
      headers: z.record(z.string(), z.string()).default({}),
      timeout: Duration.default('30s'),
      maxBytes: z.number().int().positive().optional(),
      bearerToken: SecretRefSchema.optional(),
      basicAuth: z.strictObject({ username: z.string().min(1), password: SecretRefSchema }).optional(),
      /** Read the compiled recording rules for the burn-rate windows (fall back to raw expressions). */
      useRules: z.boolean().default(true),
    })
    .default({ url: 'http://127.0.0.1:9090', headers: {}, timeout: '30s', useRules: true }),
  store: z
    .union([
      z.strictObject({ sqlite: z.string().min(1) }),
      z.strictObject({ postgres: z.strictObject({ url: SecretRefSchema, schema: z.string().regex(/^[a-z_][a-z0-9_]*$/).optional() }) }),
    ])
    .default({ sqlite: './obligo.db' }),
  evaluation: z
    .strictObject({
      /** Time between ticks (at least 10s). */
      interval: Duration.refine((s) => parseDurationMs(s) >= 10_000, 'at least 10s').default('1m'),
      /** How long a page condition must hold before it pages (the burn-rate windows already smooth). */
      pageFor: Duration.default('0s'),
      /** How long a ticket condition must hold before it is raised. */
      ticketFor: Duration.default('5m'),
      /** Flap suppression: inactive this long before an alert resolves. */
      resolveAfter: Duration.default('5m'),
    })
    .default({ interval: '1m', pageFor: '0s', ticketFor: '5m', resolveAfter: '5m' }),
  pagerduty: z
    .strictObject({
      eventsUrl: HttpUrl.refine((s) => {
        const u = new URL(s);
        return u.protocol === 'https:' || isLoopbackHost(u.hostname);
      }, 'https (http only on loopback)').default('https://events.pagerduty.com/v2/enqueue'),
      /** Used when a contract names no routing key of its own. */
      routingKey: SecretRefSchema.optional(),
      timeout: Duration.default('10s'),
    })
    .default({ eventsUrl: 'https://events.pagerduty.com/v2/enqueue', timeout: '10s' }),
  server: z
    .strictObject({
      listen: Listen.default('127.0.0.1:8080'),
      tokens: z.array(z.strictObject({ name: z.string().min(1), role: z.enum(ROLES), token: SecretRefSchema })).default([]),
      /** Requests per minute per client address on /api (health and metrics are not limited). */
      rateLimitPerMinute: z.number().int().positive().default(600),
      /** Ask for a token (any role) on /metrics too (default: Prometheus scrapes without one). */
      metricsRequireToken: z.boolean().default(false),
    })
    .default({ listen: '127.0.0.1:8080', tokens: [], rateLimitPerMinute: 600, metricsRequireToken: false }),
  /**
   * Several replicas on one PostgreSQL store: `leader` (one evaluates and sends, the others serve the API
   * and take over within two ticks) or `sharded` (contracts spread over the live replicas by a stable hash).
   */
  replicas: z
    .strictObject({ mode: z.enum(['leader', 'sharded']).default('leader'), heartbeat: Duration.default('5s') })
    .default({ mode: 'leader', heartbeat: '5s' }),
  links: z.strictObject({ grafana: HttpUrl.optional(), runbooks: HttpUrl.optional() }).default({}),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).default({ level: 'info' }),
});

export type ServeConfig = z.infer<typeof ServeConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly issues: ContractIssue[]) {
    super(issues.map(formatIssue).join('\n'));
  }
}

const MAX_CONFIG_BYTES = 256 * 1024;

/** Parse and validate a config text; `file` names it in errors. Throws ConfigError. */
export function parseServeConfig(file: string, text: string): ServeConfig {
  const fileIssue = (message: string, expected?: string): ContractIssue => ({ file, line: 1, column: 1, path: '', message, expected, severity: 'error' });
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) throw new ConfigError([fileIssue(`file is larger than ${MAX_CONFIG_BYTES} bytes`)]);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const positions = new PositionMap(doc, lines);
  const issues: ContractIssue[] = doc.errors.map((e) => ({ file, ...positions.at(e.pos[0]), path: '', message: `YAML: ${e.message.split('\n')[0]}`, severity: 'error' as const }));
  if (issues.length > 0) throw new ConfigError(issues);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 }) ?? {};
  } catch (e) {
    throw new ConfigError([fileIssue(`YAML: ${(e as Error).message}`)]);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ConfigError([fileIssue('expected a mapping at the top level (contracts, prometheus, store, …)')]);
  const r = ServeConfigSchema.safeParse(data);
  if (r.success) {
    const sites = new Map<string, SecretSite>();
    for (const { path, ref } of secretReferences(r.data)) {
      const at = positions.locate([...path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)), 'env' in ref ? 'env' : 'file'], 'value');
      sites.set(path, { file, line: at.line, column: at.column });
    }
    secretSites.set(r.data, sites);
    return r.data;
  }
  const raw = convertZodIssues(r.error.issues, data, ServeConfigSchema);
  throw new ConfigError(
    raw.map((i) => {
      const at = positions.locate(i.path, i.target);
      return { file, line: at.line, column: at.column, path: i.path.join('.'), message: i.message, expected: i.expected, severity: 'error' as const };
    }),
  );
}

/** Read a config file (a missing --config means defaults). Throws ConfigError naming the file. */
export function loadServeConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): ServeConfig {
  let cfg: ServeConfig;
  if (path === undefined) cfg = ServeConfigSchema.parse({});
  else {
    let text: string;
    try {
      const st = statSync(path);
      if (!st.isFile()) throw new Error('not a regular file');
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ConfigError([{ file: path, line: 1, column: 1, path: '', message: `cannot read the config file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, severity: 'error' }]);
    }
    cfg = parseServeConfig(path, text);
  }
  return applyEnvOverrides(cfg, env);
}

/** Environment variables that override the file (for containers): each validated as the file is. */
export const ENV_OVERRIDES: Record<string, string> = {
  OBLIGO_CONTRACTS: 'contracts',
  OBLIGO_POLICIES: 'policies',
  OBLIGO_PROMETHEUS_URL: 'prometheus.url',
  OBLIGO_DB: 'store.sqlite',
  OBLIGO_INTERVAL: 'evaluation.interval',
  OBLIGO_LISTEN: 'server.listen',
  OBLIGO_PAGERDUTY_EVENTS_URL: 'pagerduty.eventsUrl',
  OBLIGO_LOG_LEVEL: 'log.level',
};

export function applyEnvOverrides(cfg: ServeConfig, env: NodeJS.ProcessEnv): ServeConfig {
  const doc = JSON.parse(JSON.stringify(cfg)) as Record<string, unknown>;
  let changed = false;
  for (const [name, path] of Object.entries(ENV_OVERRIDES)) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    const keys = path.split('.');
    if (path === 'store.sqlite') doc.store = { sqlite: v };
    else {
      let o = doc;
      for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
      o[keys.at(-1)!] = v;
    }
    changed = true;
  }
  if (env.OBLIGO_PROMETHEUS_HEADERS) {
    try {
      const h = JSON.parse(env.OBLIGO_PROMETHEUS_HEADERS) as unknown;
      if (typeof h !== 'object' || h === null || Array.isArray(h)) throw new Error('not an object');
      (doc.prometheus as Record<string, unknown>).headers = { ...((doc.prometheus as { headers?: object }).headers ?? {}), ...(h as object) };
      changed = true;
    } catch {
      throw new ConfigError([{ file: '$OBLIGO_PROMETHEUS_HEADERS', line: 1, column: 1, path: '', message: 'must be a JSON object such as {"X-Scope-OrgID": "team-a"}', severity: 'error' }]);
    }
  }
  if (!changed) return cfg;
  const r = ServeConfigSchema.safeParse(doc);
  if (r.success) {
    // The secret references are the file's (no override touches them): they keep their places.
    const sites = secretSites.get(cfg);
    if (sites) secretSites.set(r.data, sites);
    return r.data;
  }
  throw new ConfigError(
    r.error.issues.map((i) => {
      const path = i.path.join('.');
      const name = Object.entries(ENV_OVERRIDES).find(([, p]) => path.startsWith(p))?.[0] ?? 'environment';
      return { file: `$${name}`, line: 1, column: 1, path, message: i.message, severity: 'error' as const };
    }),
  );
}

/** Where a secret reference of a configuration file is written. */
interface SecretSite {
  file: string;
  line: number;
  column: number;
}

/** The places of the secret references of each parsed configuration (by configuration object). */
const secretSites = new WeakMap<ServeConfig, Map<string, SecretSite>>();

/** Every secret reference of a configuration, with its field (`prometheus.bearerToken`, `server.tokens.0.token`…). */
export function secretReferences(cfg: ServeConfig): Array<{ path: string; ref: SecretRef }> {
  const out: Array<{ path: string; ref: SecretRef }> = [];
  if (cfg.prometheus.bearerToken) out.push({ path: 'prometheus.bearerToken', ref: cfg.prometheus.bearerToken });
  if (cfg.prometheus.basicAuth) out.push({ path: 'prometheus.basicAuth.password', ref: cfg.prometheus.basicAuth.password });
  if ('postgres' in cfg.store) out.push({ path: 'store.postgres.url', ref: cfg.store.postgres.url });
  if (cfg.pagerduty.routingKey) out.push({ path: 'pagerduty.routingKey', ref: cfg.pagerduty.routingKey });
  cfg.server.tokens.forEach((t, i) => out.push({ path: `server.tokens.${i}.token`, ref: t.token }));
  return out;
}

/**
 * The secret references of a configuration that do not resolve here (a variable not set or empty, a
 * file that cannot be read or is empty), as issues naming the file, line and column of the reference
 * and its field; `only` limits the check to some fields. A value is never part of an issue.
 */
export function unresolvedSecrets(cfg: ServeConfig, env: NodeJS.ProcessEnv = process.env, only?: (path: string) => boolean): ContractIssue[] {
  const sites = secretSites.get(cfg);
  const issues: ContractIssue[] = [];
  for (const { path, ref } of secretReferences(cfg)) {
    if (only && !only(path)) continue;
    let message: string | undefined;
    try {
      if (resolveSecret(ref, env) === '') message = `secret file ${'file' in ref ? ref.file : ''} is empty`;
    } catch (e) {
      message = (e as Error).message;
    }
    if (message === undefined) continue;
    const at = sites?.get(path) ?? { file: '(configuration)', line: 1, column: 1 };
    issues.push({ file: at.file, line: at.line, column: at.column, path, message, severity: 'error' });
  }
  return issues;
}

/** Resolve a secret reference at the moment it is needed; the error names the reference, never a value. */
export function resolveSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): string {
  if ('env' in ref) {
    const v = env[ref.env];
    if (v === undefined || v === '') throw new Error(`environment variable ${ref.env} is not set`);
    return v;
  }
  try {
    return readFileSync(ref.file, 'utf8').trim();
  } catch (e) {
    throw new Error(`cannot read secret file ${ref.file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** "127.0.0.1:8080" → { host, port }. */
export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(listen.slice(i + 1)) };
}
