// Single-change variations of a valid contract: what is legal stays legal, each mistake gives one
// issue at its hand-counted position.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue, loadContractText } from '../../src/contract/index.js';

const BASE = readFileSync(join(import.meta.dirname, '../fixtures/contracts/valid/minimal-provider.yaml'), 'utf8');
const LINES = BASE.split('\n');

/** Replace 1-based line `n` by `text` (which may hold several lines). */
function withLine(n: number, text: string): string {
  const copy = [...LINES];
  copy.splice(n - 1, 1, text);
  return copy.join('\n');
}

const load = (text: string) => loadContractText('c.yaml', text);

describe('legal variations load without issues', () => {
  it.each([
    ['atOrBelow equal to the objective (GitHub)', withLine(20, '    period: month\n    credits: { tiers: [{ atOrBelow: 99.5, percent: 10 }] }')],
    ['below equal to the objective', withLine(20, '    period: month\n    credits: { tiers: [{ below: 99.5, percent: 10 }, { below: 99.0, atOrAbove: 0.5, percent: 20 }] }')],
    ['timeslices with all its options', withLine(24, '    measurement: { method: timeslices, slice: 1m, sliceGoodRatio: 0.99, minConsecutiveBadSlices: 5, noData: bad }')],
    ['averaged with a 15m slice', withLine(24, '    measurement: { method: averaged, slice: 15m }')],
    ['routing key from a file', `${BASE}notify: { pagerduty: { routingKey: { file: /run/secrets/pd } } }\n`],
    ['a severity map with PagerDuty severities', `${BASE}notify: { pagerduty: { routingKey: { env: PD }, severityMap: { page: error, ticket: info } } }\n`],
    ['money as a string with cents', withLine(16, '  monthly: "1234.56"')],
    ['quarter period, end date equal to start', withLine(12, '  start: 2026-01-01\n  end: 2026-01-01').replace('period: month', 'period: quarter')],
    ['a recurring window in the contract zone', withLine(13, '  timezone: Asia/Kolkata\nmaintenance: [{ schedule: "30 1 * * 1-5", durationMinutes: 15 }]')],
  ])('%s', (_name, text) => {
    const r = load(text);
    expect(r.issues.map(formatIssue)).toEqual([]);
    expect(r.contract).toBeDefined();
  });
});

describe('one mistake, one issue, right place', () => {
  it.each([
    ['unknown currency', withLine(15, '  currency: XYZ'), '15:13 fees.currency error', 'ISO 4217'],
    ['tier above the objective', withLine(20, '    period: month\n    credits: { tiers: [{ atOrBelow: 99.51, percent: 10 }] }'), '21:37 slas[0].credits.tiers[0].atOrBelow error', 'while the SLA is met'],
    ['EST', withLine(13, '  timezone: EST'), '13:13 term.timezone error', 'America/New_York'],
    ['latency histogram without _bucket', withLine(22, '      latency: { histogram: \'http_seconds{job="api"}\', thresholdSeconds: 0.3 }').replace(/\n {6}total:.*\n/, '\n'), '22:29 slas[0].sli.latency.histogram warning', '_bucket'],
    ['service without services section', withLine(19, '    objective: 99.5\n    service: api'), '20:14 slas[0].service error', 'services'],
    ['sli with a single query', withLine(23, ''), '21:5 slas[0].sli.total error', 'missing required field'],
    ['tiers as a mapping', withLine(20, '    period: month\n    credits: { tiers: { below: 99 } }'), '21:23 slas[0].credits.tiers error', 'expected list, received mapping'],
    // severityMap is string → string in the spec: what the compilers cannot use is a warning, not an error.
    ['severity map value that PagerDuty does not know', `${BASE}notify: { pagerduty: { routingKey: { env: PD }, severityMap: { ticket: bogus } } }\n`, '25:72 notify.pagerduty.severityMap.ticket warning', 'c.yaml:25:72: warning: notify.pagerduty.severityMap.ticket: not a PagerDuty severity, ignored: ticket alerts are sent as warning (expected one of critical, error, warning, info)'],
    ['severity map value with a typo', `${BASE}notify: { pagerduty: { routingKey: { env: PD }, severityMap: { page: Critcal } } }\n`, '25:70 notify.pagerduty.severityMap.page warning', '(did you mean "critical"?): page alerts are sent as critical'],
    ['severity map key that is no alert severity', `${BASE}notify: { pagerduty: { routingKey: { env: PD }, severityMap: { pager: error } } }\n`, '25:64 notify.pagerduty.severityMap.pager warning', 'not an alert severity, ignored (did you mean "page"?): obligo sends page and ticket'],
    // An unknown method is one error: the fields that depend on the method are not checked against it.
    ['method with a typo, with slice options', withLine(24, '    measurement: { method: timeslice, slice: 1m, sliceGoodRatio: 0.5, minConsecutiveBadSlices: 3 }'), '24:28 slas[0].measurement.method error', 'invalid value "timeslice" (did you mean "timeslices"?) (expected one of "events" | "timeslices" | "averaged")'],
    ['unknown method, with slice options', withLine(24, '    measurement: { method: hourly, slice: 1m, sliceGoodRatio: 0.5 }'), '24:28 slas[0].measurement.method error', 'invalid value "hourly" (expected one of'],
  ])('%s', (_name, text, where, part) => {
    const r = load(text);
    expect(r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.severity}`)).toEqual([where]);
    expect(formatIssue(r.issues[0]!)).toContain(part);
    expect(r.contract === undefined).toBe(where.endsWith('error'));
  });
});

describe('labels', () => {
  const long = 'v'.repeat(70);
  it('contract labels: bad key at the key, long value at the value', () => {
    const r = load(withLine(6, `  title: M\n  labels: { "bad-key": x, ok: "${long}" }`));
    expect(r.issues.map((i) => `${i.line}:${i.column} ${i.path}`)).toEqual(['7:13 metadata.labels.bad-key', '7:31 metadata.labels.ok']);
  });
  it('SLA labels that Prometheus cannot take are warned about (compilers drop them)', () => {
    const r = load(withLine(20, `    period: month\n    labels: { "bad-key": x, __x: y, ok: "${long}" }`));
    expect(r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.severity}`)).toEqual([
      '21:15 slas[0].labels.bad-key warning',
      '21:29 slas[0].labels.__x warning',
      '21:41 slas[0].labels.ok warning',
    ]);
    expect(r.contract).toBeDefined();
  });
});
