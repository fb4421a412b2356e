import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { step, toPagerDutyEvent, withRoutingKey, type OutgoingEvent, type PagerDutyEventBody } from '../../src/alerting/index.js';
import { validateEvent } from '../../src/demo/fake-pagerduty.js';
import { obs } from './helpers.js';

const schema = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'pagerduty-events-v2.schema.json'), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;
const KEY = 'R0123456789abcdef0123456789abcde';

function assertValid(body: PagerDutyEventBody): void {
  const sent = withRoutingKey(body, KEY);
  const ok = validate(sent);
  expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
  expect(ok).toBe(true);
  expect(validateEvent(sent, { strictRoutingKey: true })).toEqual([]);
  if (sent.payload?.timestamp) expect(sent.payload.timestamp).toMatch(ISO_8601);
  for (const l of sent.links ?? []) expect(() => new URL(l.href)).not.toThrow();
  expect(Buffer.byteLength(JSON.stringify(sent))).toBeLessThanOrEqual(512 * 1024);
}

const AT = Date.UTC(2026, 2, 10, 12, 34, 56, 789);
function trigger(over = {}): OutgoingEvent {
  return step(undefined, obs(over), AT, { forMs: 0, resolveAfterMs: 0 }).events[0]!;
}

describe('PagerDuty Events v2 mapping', () => {
  it('maps a trigger with every field the page needs', () => {
    const body = toPagerDutyEvent(trigger(), { clientUrl: 'https://obligo.example.com' });
    assertValid(body);
    expect(body).toEqual({
      event_action: 'trigger',
      dedup_key: 'obligo/acme/availability/burn-page',
      payload: {
        summary: 'Acme CDN availability: error budget burning 20x over 1h',
        timestamp: '2026-03-10T12:34:56.789Z',
        severity: 'critical',
        source: 'obligo',
        component: 'Acme CDN, Inc.',
        group: 'acme',
        class: 'error-budget-burn',
        custom_details: {
          contract: 'acme',
          sla: 'availability',
          alert: 'burn-page',
          objective: 99.95,
          achieved: 99.9,
          burnRates: { '1h': 20, '5m': 25 },
          budgetRemaining: 0.4,
          coverage: 1,
          revision: 'r2',
          documentUrl: 'https://clm.example.com/4711',
          // ordered by level, whatever the input order
          escalation: [
            { level: 1, name: 'Acme NOC', phone: '+1 555 0100', email: 'noc@acme.example', respondWithinMinutes: 15 },
            { level: 2, name: 'Acme duty manager', phone: '+1 555 0199', email: 'duty@acme.example', respondWithinMinutes: 60 },
          ],
        },
      },
      links: [
        { href: 'https://grafana.example.com/d/obligo-acme', text: 'Grafana dashboard' },
        { href: 'https://runbooks.example.com/obligo/burn', text: 'Runbook' },
      ],
      client: 'Obligo',
      client_url: 'https://obligo.example.com',
    });
  });

  it('maps a resolve to the three fields PagerDuty needs', () => {
    const [fired] = [step(undefined, obs(), AT, { forMs: 0, resolveAfterMs: 0 })];
    const res = step(fired!.next, obs({ active: false }), AT + 1, { forMs: 0, resolveAfterMs: 0 }).events[0]!;
    const body = toPagerDutyEvent(res);
    assertValid(body);
    expect(body).toEqual({ event_action: 'resolve', dedup_key: 'obligo/acme/availability/burn-page' });
  });

  it('keeps within PagerDuty limits whatever the input (summary, links, evidence size, odd values)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 3000, unit: 'grapheme' }),
        fc.array(fc.record({ href: fc.oneof(fc.webUrl(), fc.string({ maxLength: 30 })), text: fc.string({ maxLength: 40 }) }), { maxLength: 5 }),
        fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 700_000 })),
        fc.string({ maxLength: 20 }),
        (summary, links, pad, source) => {
          const ev = trigger({ summary, links, source, evidence: { pad: 'x'.repeat(pad), big: 10n ** 30n, nan: Number.NaN, inf: -Infinity } });
          const body = toPagerDutyEvent(ev);
          assertValid(body);
          expect(body.payload!.summary.length).toBeLessThanOrEqual(1024);
          // the contacts always survive trimming
          expect((body.payload!.custom_details!.escalation as unknown[]).length).toBe(2);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('writes evidence values JSON cannot hold as strings, and marks trimmed evidence', () => {
    const body = toPagerDutyEvent(trigger({ evidence: { big: 10n ** 30n, nan: Number.NaN, pad: 'x'.repeat(600_000) } }));
    const d = body.payload!.custom_details!;
    expect(d.big).toBe('1000000000000000000000000000000');
    expect(d.nan).toBe('NaN');
    expect(d.pad).toBeUndefined();
    expect(d.evidenceTruncated).toMatch(/512 KB/);
  });

  it('cuts a long summary at 1024 characters without splitting a character', () => {
    const body = toPagerDutyEvent(trigger({ summary: '😀'.repeat(600) }));
    const s = body.payload!.summary;
    expect(s.length).toBeLessThanOrEqual(1024);
    expect(s.endsWith('…')).toBe(true);
    expect(s.slice(0, -1)).toBe('😀'.repeat((s.length - 1) / 2));
  });
});
