// PagerDuty Events API v2 mapping (pure): an outgoing event → the JSON body of POST /v2/enqueue, without
// the routing key (the sender adds it at send time: secrets are never stored in the outbox).
//
// Limits from PagerDuty's documentation (developer.pagerduty.com, Events API v2, "Send an Alert Event"
// and "Overview"): dedup_key ≤ 255 characters, payload.summary ≤ 1024 characters, summary/source/severity
// required for a trigger, severity ∈ critical|error|warning|info, whole request ≤ 512 KB; resolve needs
// only routing_key, dedup_key and event_action.
import { MAX_DEDUP_KEY_LENGTH } from './dedup.js';
import type { AlertSeverity, EscalationContact, OutgoingEvent } from './types.js';

export const PD_MAX_SUMMARY_LENGTH = 1024;
export const PD_MAX_BODY_BYTES = 512 * 1024;
/** Room left for routing_key and JSON punctuation when we size the body before the key is added. */
const BODY_BUDGET_BYTES = PD_MAX_BODY_BYTES - 1024;
/** Free-text fields without a documented limit are cut here (PagerDuty shows them in one line). */
const MAX_FIELD_LENGTH = 1024;

export interface PagerDutyLink {
  href: string;
  text?: string;
}

export interface PagerDutyPayload {
  summary: string;
  timestamp: string;
  severity: AlertSeverity;
  source: string;
  component?: string;
  group?: string;
  class?: string;
  custom_details?: Record<string, unknown>;
}

/** The body of POST /v2/enqueue. `routing_key` is absent in the outbox and set by the sender. */
export interface PagerDutyEventBody {
  routing_key?: string;
  event_action: 'trigger' | 'resolve' | 'acknowledge';
  dedup_key: string;
  payload?: PagerDutyPayload;
  links?: PagerDutyLink[];
  client?: string;
  client_url?: string;
}

export interface MappingOptions {
  /** PagerDuty `client` (shown as the monitoring tool). Default "Obligo". */
  client?: string;
  /** PagerDuty `client_url`, e.g. the Obligo server's UI or API. */
  clientUrl?: string;
}

/** Cut to at most `max` UTF-16 units without splitting a surrogate pair, marking the cut with "…". */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = '';
  for (const ch of s) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}

function field(s: string | undefined, fallback?: string): string | undefined {
  const t = s?.trim();
  if (!t) return fallback;
  return truncate(t, MAX_FIELD_LENGTH);
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** JSON-safe copy: bigint → decimal string, non-finite numbers → their name, functions/symbols dropped. */
export function jsonSafe(v: unknown): unknown {
  return JSON.parse(
    JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x === 'bigint') return x.toString();
      if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
      return x;
    }) ?? 'null',
  ) as unknown;
}

function contact(c: EscalationContact): Record<string, unknown> {
  const o: Record<string, unknown> = { level: c.level, name: c.name };
  if (c.phone) o.phone = c.phone;
  if (c.email) o.email = c.email;
  if (c.url) o.url = c.url;
  if (c.respondWithinMinutes !== undefined) o.respondWithinMinutes = c.respondWithinMinutes;
  return o;
}

function byteLength(v: unknown): number {
  return Buffer.byteLength(JSON.stringify(v), 'utf8');
}

/** The Events v2 body for one outgoing event (without routing_key). */
export function toPagerDutyEvent(ev: OutgoingEvent, opts: MappingOptions = {}): PagerDutyEventBody {
  if (ev.dedupKey.length > MAX_DEDUP_KEY_LENGTH) throw new Error(`dedup key longer than ${MAX_DEDUP_KEY_LENGTH} characters: ${ev.dedupKey.slice(0, 40)}…`);
  if (ev.action === 'resolve') return { event_action: 'resolve', dedup_key: ev.dedupKey };

  const escalation = [...ev.escalation].sort((a, b) => a.level - b.level).map(contact);
  const details: Record<string, unknown> = {
    contract: ev.key.contract,
    ...(ev.key.sla !== null ? { sla: ev.key.sla } : {}),
    alert: ev.key.alert,
    ...(jsonSafe(ev.evidence) as Record<string, unknown>),
    escalation,
  };
  const body: PagerDutyEventBody = {
    event_action: 'trigger',
    dedup_key: ev.dedupKey,
    payload: {
      summary: truncate(ev.summary.trim() || `${ev.vendor}: ${ev.key.alert}`, PD_MAX_SUMMARY_LENGTH),
      timestamp: new Date(ev.at).toISOString(),
      severity: ev.severity,
      source: field(ev.source, 'obligo')!,
      component: field(ev.vendor),
      group: field(ev.group),
      class: field(ev.class),
      custom_details: details,
    },
    client: field(opts.client, 'Obligo'),
  };
  if (opts.clientUrl && isHttpUrl(opts.clientUrl)) body.client_url = opts.clientUrl;
  const links = ev.links.filter((l) => isHttpUrl(l.href)).map((l) => (l.text ? { href: l.href, text: truncate(l.text, MAX_FIELD_LENGTH) } : { href: l.href }));
  if (links.length > 0) body.links = links;
  for (const k of ['component', 'group', 'class'] as const) if (body.payload![k] === undefined) delete body.payload![k];

  // Too large for PagerDuty (512 KB): keep the contacts and the identity, drop the bulky evidence.
  if (byteLength(body) > BODY_BUDGET_BYTES) {
    const keep: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(details)) {
      if (k === 'escalation' || byteLength(v) <= 1024) keep[k] = v;
    }
    keep.evidenceTruncated = `evidence larger than PagerDuty's 512 KB limit; the full evidence is in the transition log (dedup key ${ev.dedupKey})`;
    body.payload!.custom_details = keep;
    if (byteLength(body) > BODY_BUDGET_BYTES) {
      body.payload!.custom_details = { contract: ev.key.contract, alert: ev.key.alert, escalation, evidenceTruncated: keep.evidenceTruncated };
    }
  }
  return body;
}

/** The body as sent: the stored body with the resolved routing key. */
export function withRoutingKey(body: PagerDutyEventBody, routingKey: string): PagerDutyEventBody {
  return { routing_key: routingKey, ...body };
}
