// Fixtures of the serve shell tests (REST API, /metrics): contracts written to a temporary folder (a test
// deletes one), synthetic traffic for a real Prometheus, a serve config, and a tiny text-format parser
// for /metrics written from the exposition format's rules (not from prom-client).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrafficSpec } from '../../src/demo/synthetic.js';
import { ServeConfigSchema, type ServeConfig } from '../../src/server/config.js';

export const M = 60_000;
export const DAY_MS = 86_400_000;
export const t = (s: string): number => Date.parse(s);
export const AT = '2026-04-10T20:00:00Z';
export const AT_MS = t(AT);
export const DAY = t('2026-04-10T00:00:00Z');

export const SPEC: TrafficSpec = {
  start: DAY,
  end: t('2026-04-10T21:00:00Z'),
  services: [
    { service: 'api-ok', requestsPerMinute: 1000 },
    // 58 minutes at 5 % errors in the last hour before AT: breached, burning fast, paging.
    { service: 'api-burn', requestsPerMinute: 1000, outages: [{ start: t('2026-04-10T19:00:00Z'), end: t('2026-04-10T19:58:00Z'), errorRatio: 0.05 }] },
    { service: 'api-half', requestsPerMinute: 1000, outages: [{ start: t('2026-04-10T08:00:00Z'), end: t('2026-04-10T08:06:00Z'), errorRatio: 0.1 }] },
  ],
};

const sli = (service: string) => `
    sli:
      good: sum(rate(obligo_demo_requests_total{service="${service}",code!~"5.."}[{{.window}}]))
      total: sum(rate(obligo_demo_requests_total{service="${service}"}[{{.window}}]))`;

export const RENEWAL_DEADLINE_MS = Date.UTC(2026, 10, 2); // term ends 2026-12-31 (UTC), 60 days' notice: 2026-11-02T00:00Z

export const CONTRACTS: Record<string, string> = {
  'a-main.yaml': `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: api-main, title: API main contract, revision: r7, labels: { team: payments } }
role: customer
escalation: [ { level: 1, name: Vendor NOC, email: noc@vendor.example, respondWithinMinutes: 15 } ]
parties: { vendor: { name: API Vendor }, customer: { name: Example Corp } }
term: { start: 2026-04-10, end: 2026-12-31, timezone: UTC, renewal: { mode: auto, noticeDays: 60, remindDays: [300, 30] } }
fees: { currency: USD, monthly: 1000 }
slas:
  - id: healthy
    objective: 99.9
    period: month
    labels: { tier: gold }${sli('api-ok')}
    measurement: { method: events }
    credits: { tiers: [ { below: 99.9, percent: 10 } ] }
  - id: burning
    objective: 99.9
    period: month${sli('api-burn')}
    measurement: { method: events }
    credits: { tiers: [ { below: 99.9, percent: 10 }, { below: 99.0, percent: 25 } ] }
`,
  'b-maint.yaml': `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: api-maint, title: API maintenance contract }
role: customer
escalation: [ { level: 1, name: Maint NOC, email: noc@maint.example, respondWithinMinutes: 15 } ]
parties: { vendor: { name: Maint Vendor }, customer: { name: Example Corp } }
term: { start: 2026-04-10, timezone: UTC }
fees: { currency: EUR, monthly: 500 }
maintenance:
  - { start: 2026-04-10T19:30:00Z, end: 2026-04-10T21:00:00Z, reason: planned upgrade }
slas:
  - id: availability
    objective: 99.5
    period: month${sli('api-ok')}
    measurement: { method: events }
`,
  'c-gone.yaml': `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: api-gone, title: A contract that is deleted during the test }
role: provider
escalation: [ { level: 1, name: Gone NOC, email: noc@gone.example, respondWithinMinutes: 15 } ]
parties: { vendor: { name: Gone Vendor }, customer: { name: Example Corp } }
term: { start: 2026-04-10, timezone: UTC }
fees: { currency: GBP, monthly: 2000 }
slas:
  - id: half
    objective: 99.9
    period: month${sli('api-half')}
    measurement: { method: events }
    credits: { tiers: [ { below: 99.9, percent: 10 } ] }
`,
};

export function writeContracts(dir: string, files: Record<string, string> = CONTRACTS): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

export const TOKENS = {
  viewer: 'viewer-token-0123456789abcdef',
  oncall: 'oncall-token-0123456789abcdef',
  finance: 'finance-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef-longer-than-the-others',
} as const;

export const TOKEN_ENV: Record<string, string> = {
  OBLIGO_T_VIEWER: TOKENS.viewer,
  OBLIGO_T_ONCALL: TOKENS.oncall,
  OBLIGO_T_FINANCE: TOKENS.finance,
  OBLIGO_T_ADMIN: TOKENS.admin,
};

export function serveConfig(o: { contracts: string; db: string; prometheus: string; pagerduty: string; rateLimitPerMinute?: number; tokens?: boolean }): ServeConfig {
  return ServeConfigSchema.parse({
    contracts: o.contracts,
    store: { sqlite: o.db },
    prometheus: { url: o.prometheus, useRules: false },
    evaluation: { interval: '1m', pageFor: '0s', ticketFor: '0s', resolveAfter: '5m' },
    pagerduty: { eventsUrl: o.pagerduty, routingKey: { env: 'OBLIGO_API_TEST_ROUTING_KEY' } },
    server: {
      listen: '127.0.0.1:0',
      rateLimitPerMinute: o.rateLimitPerMinute ?? 100_000,
      tokens:
        o.tokens === false
          ? []
          : [
              { name: 'vera', role: 'viewer', token: { env: 'OBLIGO_T_VIEWER' } },
              { name: 'otto', role: 'oncall', token: { env: 'OBLIGO_T_ONCALL' } },
              { name: 'fiona', role: 'finance', token: { env: 'OBLIGO_T_FINANCE' } },
              { name: 'ada', role: 'admin', token: { env: 'OBLIGO_T_ADMIN' } },
            ],
    },
    log: { level: 'debug' },
  });
}

// ---------------------------------------------------------------------------------------------------
// Prometheus text format (version 0.0.4), read by its rules: # HELP / # TYPE lines, then samples
// `name{label="value",…} value [timestamp]` with \\, \" and \n escapes in label values.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  types: Map<string, string>;
  help: Map<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(s: string): number {
  // Prometheus reads values with Go's ParseFloat: Inf, +Inf, -Inf and NaN in any case (prom-client writes "Nan").
  if (/^[+]?inf(inity)?$/i.test(s)) return Infinity;
  if (/^-inf(inity)?$/i.test(s)) return -Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw new Error(`not a sample value: ${s}`);
  return Number(s);
}

export function parseExposition(text: string): Exposition {
  const out: Exposition = { samples: [], types: new Map(), help: new Map() };
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('the exposition must end with a newline');
  for (const [i, line] of lines.slice(0, -1).entries()) {
    const where = `line ${i + 1}: ${line.slice(0, 80)}`;
    if (line.startsWith('# HELP ')) {
      const [name] = line.slice(7).split(' ', 1);
      out.help.set(name!, line.slice(8 + name!.length));
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type!)) throw new Error(`${where}: bad type`);
      if (out.types.has(name!)) throw new Error(`${where}: second TYPE line for ${name}`);
      out.types.set(name!, type!);
      continue;
    }
    if (line.startsWith('#') || line.trim() === '') continue;
    const nm = NAME.exec(line);
    if (!nm) throw new Error(`${where}: no metric name`);
    let rest = line.slice(nm[0].length);
    const labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      rest = rest.slice(1);
      while (!rest.startsWith('}')) {
        const ln = LABEL_NAME.exec(rest);
        if (!ln) throw new Error(`${where}: bad label name`);
        rest = rest.slice(ln[0].length);
        if (!rest.startsWith('="')) throw new Error(`${where}: expected ="`);
        rest = rest.slice(2);
        let v = '';
        for (;;) {
          const c = rest[0];
          if (c === undefined) throw new Error(`${where}: unterminated label value`);
          rest = rest.slice(1);
          if (c === '"') break;
          if (c === '\\') {
            const e = rest[0];
            rest = rest.slice(1);
            if (e === 'n') v += '\n';
            else if (e === '\\' || e === '"') v += e;
            else throw new Error(`${where}: bad escape \\${e}`);
          } else v += c;
        }
        if (Object.hasOwn(labels, ln[0])) throw new Error(`${where}: label ${ln[0]} twice`);
        labels[ln[0]] = v;
        if (rest.startsWith(',')) rest = rest.slice(1);
        else if (!rest.startsWith('}')) throw new Error(`${where}: expected , or }`);
      }
      rest = rest.slice(1);
    }
    const parts = rest.trim().split(/\s+/);
    if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2) throw new Error(`${where}: expected a value`);
    out.samples.push({ name: nm[0], labels, value: parseValue(parts[0]!) });
  }
  return out;
}

/** The family a sample belongs to (histogram _bucket/_sum/_count go to their base name). */
export function familyOf(e: Exposition, sampleName: string): string {
  if (e.types.has(sampleName)) return sampleName;
  const base = sampleName.replace(/_(bucket|sum|count)$/, '');
  return e.types.has(base) ? base : sampleName;
}
