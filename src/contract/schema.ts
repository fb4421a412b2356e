// The contract file format, v1, as one zod schema: the TypeScript types are derived from it, so the
// validator and the code that reads contracts cannot drift apart. Field names are a public interface
// (see docs/contract-format.md): add fields, never rename.
import { z } from 'zod';

/** Prometheus-style duration: 30s, 5m, 1h, 1d, 1w (one unit). */
export const DURATION_RE = /^([1-9][0-9]*)(s|m|h|d|w)$/;
const duration = z.string().regex(DURATION_RE, { message: 'expected a duration such as 30s, 5m, 1h or 1d' });

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const date = z.string().regex(DATE_RE, { message: 'expected a date YYYY-MM-DD' });
// RFC 3339 instant with an explicit offset: a maintenance window must not depend on the reader's zone.
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const instant = z.string().regex(INSTANT_RE, { message: 'expected an RFC 3339 time with offset, e.g. 2026-03-10T01:00:00Z' });

/** Lowercase DNS label: ids end up in file names, Prometheus labels and Rego package paths. */
export const ID_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const id = z.string().regex(ID_RE, { message: 'expected a lowercase DNS label (a-z, 0-9, "-"), at most 63 characters' });

/** Decimal amount, written as a YAML number or a string; kept as a decimal string, never a float. */
const MONEY_RE = /^\d+(\.\d+)?$/;
const money = z
  .union([z.number().nonnegative().finite(), z.string().regex(MONEY_RE, { message: 'expected a non-negative decimal amount' })])
  .transform((v) => (typeof v === 'number' ? numberToDecimalString(v) : v));

/** The shortest decimal that round-trips, without exponent: what the YAML author wrote. */
export function numberToDecimalString(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return n.toFixed(20).replace(/\.?0+$/, '');
}

const percent = z.number().gt(0).lt(100);

/** A secret is only ever a reference, resolved at run time. */
export const SecretRef = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'expected an environment variable name' }) }),
  z.strictObject({ file: z.string().min(1) }),
]);
export type SecretRef = z.infer<typeof SecretRef>;

const Person = z.strictObject({ name: z.string().min(1), email: z.string().email().optional() });

const Party = z.strictObject({ name: z.string().min(1), id: z.string().optional() });

export const Escalation = z.strictObject({
  level: z.number().int().positive(),
  name: z.string().min(1),
  email: z.string().email().optional(),
  phone: z.string().optional(),
  url: z.string().url().optional(),
  respondWithinMinutes: z.number().int().positive().optional(),
});

export const OneOffMaintenance = z.strictObject({ start: instant, end: instant, reason: z.string().optional() });
export const RecurringMaintenance = z.strictObject({
  schedule: z.string().min(1),
  durationMinutes: z.number().int().positive().max(7 * 24 * 60),
  reason: z.string().optional(),
});
export const Maintenance = z.union([OneOffMaintenance, RecurringMaintenance]);

const query = z.string().min(1);
export const Sli = z.union([
  z.strictObject({ good: query, total: query }),
  z.strictObject({ errors: query, total: query }),
  z.strictObject({
    latency: z.strictObject({ histogram: z.string().min(1), thresholdSeconds: z.number().positive() }),
  }),
]);

export const MEASUREMENT_METHODS = ['events', 'timeslices', 'averaged'] as const;

export const Measurement = z.strictObject({
  method: z.enum(MEASUREMENT_METHODS),
  slice: duration.optional(),
  sliceGoodRatio: z.number().gt(0).lte(1).optional(),
  minConsecutiveBadSlices: z.number().int().positive().optional(),
  noData: z.enum(['good', 'bad', 'ignore']).optional(),
  /** Below this share of the expected minutes measured, results are incomplete (default 0.99). */
  minCoverage: z.number().gt(0).lte(1).optional(),
});

/**
 * A credit tier: credit `percent` when achieved is below (strict) or atOrBelow a value. The optional
 * lower bounds (`above`, `atOrAbove`) are our addition, for wordings such as GitHub's where a value can
 * fall in no tier ("<= 99.9 but > 99.0" and "< 99.0": exactly 99.0 earns nothing).
 */
export const Tier = z
  .strictObject({
    below: z.number().optional(),
    atOrBelow: z.number().optional(),
    above: z.number().optional(),
    atOrAbove: z.number().optional(),
    percent: z.number().gt(0).lte(100),
  })
  .superRefine((t, ctx) => {
    const upper = (t.below !== undefined ? 1 : 0) + (t.atOrBelow !== undefined ? 1 : 0);
    if (upper !== 1) ctx.addIssue({ code: 'custom', message: 'a tier needs exactly one of below or atOrBelow', path: [] });
    if (t.above !== undefined && t.atOrAbove !== undefined)
      ctx.addIssue({ code: 'custom', message: 'a tier takes at most one of above or atOrAbove', path: ['above'] });
  });

export const ALERT_SEVERITIES = ['page', 'ticket'] as const;

/**
 * PagerDuty Events v2 severities (`notify.pagerduty.severityMap` values), and what a page or ticket is
 * sent as without a map entry (or with one that names none of them). With dynamic urgency,
 * critical/error page (high), warning/info do not (low).
 */
export const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export const DEFAULT_PAGERDUTY_SEVERITY = { page: 'critical', ticket: 'warning' } as const satisfies Record<
  (typeof ALERT_SEVERITIES)[number],
  (typeof PAGERDUTY_SEVERITIES)[number]
>;

export const BurnRateWindow = z.strictObject({
  severity: z.enum(ALERT_SEVERITIES),
  long: duration,
  short: duration,
  factor: z.number().positive(),
});

export const Sla = z.strictObject({
  id,
  title: z.string().optional(),
  description: z.string().optional(),
  service: id.optional(),
  objective: percent,
  period: z.enum(['month', 'quarter']),
  labels: z.record(z.string(), z.string()).optional(),
  sli: Sli,
  measurement: Measurement,
  credits: z.strictObject({ tiers: z.array(Tier) }).optional(),
  alerting: z
    .strictObject({
      page: z.boolean().optional(),
      ticket: z.boolean().optional(),
      burnRates: z.array(BurnRateWindow).min(1).optional(),
    })
    .optional(),
});

export const ContractSchema = z.strictObject({
  apiVersion: z.literal('obligo.dev/v1'),
  kind: z.literal('Contract'),
  metadata: z.strictObject({
    id,
    title: z.string().min(1),
    revision: z.string().optional(),
    documentUrl: z.string().url().optional(),
    owner: Person.optional(),
    labels: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.string().max(63)).optional(),
  }),
  role: z.enum(['customer', 'provider']),
  parties: z.strictObject({ vendor: Party, customer: Party }),
  term: z.strictObject({
    start: date,
    end: date.optional(),
    timezone: z.string().min(1),
    renewal: z
      .strictObject({
        mode: z.enum(['auto', 'manual', 'none']),
        noticeDays: z.number().int().nonnegative().optional(),
        remindDays: z.array(z.number().int().positive()).optional(),
      })
      .optional(),
  }),
  fees: z.strictObject({ currency: z.string().regex(/^[A-Z]{3}$/, { message: 'expected an ISO 4217 code such as USD' }), monthly: money }),
  services: z.array(z.strictObject({ id, name: z.string().min(1), monthlyFee: money.optional() })).optional(),
  escalation: z.array(Escalation).optional(),
  notify: z
    .strictObject({
      pagerduty: z
        .strictObject({ routingKey: SecretRef, severityMap: z.record(z.string(), z.string()).optional() })
        .optional(),
    })
    .optional(),
  maintenance: z.array(Maintenance).optional(),
  slas: z.array(Sla).min(1),
  creditPolicy: z
    .strictObject({
      capPercent: z.number().gt(0).lte(100).optional(),
      claimWindowDays: z.number().int().positive().optional(),
      rounding: z.enum(['none', 'nearest-0.1', 'nearest-0.01']).optional(),
      prorate: z.boolean().optional(),
    })
    .optional(),
  obligations: z
    .array(
      z.strictObject({ id, title: z.string().min(1), owner: Person.optional(), due: date.optional(), recurrence: z.string().optional() }),
    )
    .optional(),
});

export type ContractDoc = z.infer<typeof ContractSchema>;
export type SlaDoc = z.infer<typeof Sla>;
export type TierDoc = z.infer<typeof Tier>;
export type MaintenanceDoc = z.infer<typeof Maintenance>;
export type EscalationDoc = z.infer<typeof Escalation>;
export type BurnRateWindowDoc = z.infer<typeof BurnRateWindow>;
export type SliDoc = z.infer<typeof Sli>;
export type MeasurementDoc = z.infer<typeof Measurement>;
