// Contract lifecycle reminders: before the renewal notice deadline, at each of `term.renewal.remindDays`,
// a low-urgency event through the same state machine and outbox as the pages. A pure function of the
// contract and the time, so replays and restarts give the same observations, and the state machine turns
// them into exactly one trigger per reminder.
//
// Notice deadline: the term ends at the end of `term.end` (inclusive) in the contract's zone, i.e. at
// 00:00 of the next day; notice is due `noticeDays` calendar days before that instant. With
// end 2027-12-31 and noticeDays 60, the deadline is 2027-11-02T00:00 in the zone: 2027-11-01 is the last
// day to give notice. Reminder `d` is due `d` calendar days before the deadline.
//
// One reminder is open at a time: reminder d is active from its due time until the next (closer)
// reminder becomes due, and the last one until the deadline; after the deadline all are resolved.
// Keys: { contract, sla: null, alert: 'renewal-<d>d' } → dedup key obligo/<contract>/-/renewal-<d>d.
import { DateTime } from 'luxon';
import type { Contract } from '../contract/model.js';
import type { AlertLink, AlertObservation, AlertPolicy } from './types.js';

/** Reminders fire at once and resolve at once: they are calendar facts, not noisy signals. */
export const RENEWAL_POLICY: AlertPolicy = Object.freeze({ forMs: 0, resolveAfterMs: 0 });
export const RENEWAL_CLASS = 'contract-renewal';

export interface RenewalSchedule {
  mode: 'auto' | 'manual';
  /** 00:00 after the last day of the term, in the contract's zone (ms). */
  termEndsAt: number;
  /** Notice must be given before this instant (ms). */
  deadline: number;
  /** The last calendar day to give notice (YYYY-MM-DD, contract zone). */
  lastNoticeDay: string;
  noticeDays: number;
  /** Reminders, earliest first: days before the deadline and the instant each becomes due. */
  reminders: Array<{ days: number; dueAt: number }>;
}

/** The schedule, or undefined when the contract asks for no reminders (no end, no renewal, mode none). */
export function renewalSchedule(c: Contract): RenewalSchedule | undefined {
  const r = c.doc.term.renewal;
  if (!r || r.mode === 'none' || !c.termEnd || !r.remindDays?.length) return undefined;
  const end = DateTime.fromISO(c.termEnd, { zone: c.timezone });
  if (!end.isValid) return undefined;
  const endsAt = end.plus({ days: 1 }).startOf('day');
  const noticeDays = r.noticeDays ?? 0;
  const deadline = endsAt.minus({ days: noticeDays });
  const days = [...new Set(r.remindDays)].sort((a, b) => b - a);
  return {
    mode: r.mode,
    termEndsAt: endsAt.toMillis(),
    deadline: deadline.toMillis(),
    lastNoticeDay: deadline.minus({ days: 1 }).toISODate()!,
    noticeDays,
    reminders: days.map((d) => ({ days: d, dueAt: deadline.minus({ days: d }).toMillis() })),
  };
}

export interface RenewalOptions {
  source?: string;
  links?: AlertLink[];
}

const DAY = 86_400_000;

/** One observation per reminder of the contract (active or not), or [] when it has none. */
export function renewalObservations(c: Contract, at: number, opts: RenewalOptions = {}): AlertObservation[] {
  const s = renewalSchedule(c);
  if (!s) return [];
  // The reminder that is open now: the last one due at or before `at`, while the deadline has not passed.
  let open = -1;
  if (at < s.deadline) s.reminders.forEach((r, i) => (r.dueAt <= at ? (open = i) : undefined));
  const daysLeft = Math.max(0, Math.ceil((s.deadline - at) / DAY));
  const endDay = c.termEnd!;
  const what =
    s.mode === 'auto'
      ? `renews automatically after ${endDay} unless notice is given by ${s.lastNoticeDay}`
      : `ends on ${endDay}; a renewal must be agreed by ${s.lastNoticeDay}`;
  const links: AlertLink[] = [...(opts.links ?? [])];
  if (c.documentUrl && !links.some((l) => l.href === c.documentUrl)) links.push({ href: c.documentUrl, text: 'Contract document' });
  const owner = c.doc.metadata.owner;
  return s.reminders.map((r, i) => ({
    key: { contract: c.id, sla: null, alert: `renewal-${r.days}d` },
    active: i === open,
    severity: 'info' as const,
    summary: `${c.vendor}: contract ${c.id} (${c.title}) ${what} (${s.noticeDays} days' notice, ${c.timezone}): ${daysLeft} days left`,
    evidence: {
      renewalMode: s.mode,
      termEnd: endDay,
      noticeDays: s.noticeDays,
      lastNoticeDay: s.lastNoticeDay,
      noticeDeadline: new Date(s.deadline).toISOString(),
      daysLeft,
      reminderDays: r.days,
      timezone: c.timezone,
      ...(owner ? { owner: { name: owner.name, ...(owner.email ? { email: owner.email } : {}) } } : {}),
      ...(c.revision ? { revision: c.revision } : {}),
      ...(c.documentUrl ? { documentUrl: c.documentUrl } : {}),
    },
    escalation: [],
    links,
    routing: c.pagerduty ? { routingKey: c.pagerduty.routingKey } : {},
    vendor: c.vendor,
    group: c.id,
    class: RENEWAL_CLASS,
    source: opts.source ?? 'obligo',
  }));
}
