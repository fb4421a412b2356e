// The contract model every other room reads: a validated contract document with the defaults of the
// spec applied and SLI queries normalised, so that compile/measure/decide never re-derive them.
import type {
  BurnRateWindowDoc,
  ContractDoc,
  EscalationDoc,
  MaintenanceDoc,
  SecretRef,
  SliDoc,
  TierDoc,
} from './schema.js';
import { DURATION_RE } from './schema.js';

export type Method = 'events' | 'timeslices' | 'averaged';
export type NoData = 'good' | 'bad' | 'ignore';
export type PeriodKind = 'month' | 'quarter';
export type Severity = 'page' | 'ticket';

/** Placeholder for the range of an SLI query, as in Sloth. */
export const WINDOW_PLACEHOLDER = '{{.window}}';

/** The Google SRE Workbook multi-window multi-burn-rate table for a 30-day budget. */
export const DEFAULT_BURN_RATES: readonly BurnRateWindowDoc[] = Object.freeze([
  { severity: 'page', long: '1h', short: '5m', factor: 14.4 },
  { severity: 'page', long: '6h', short: '30m', factor: 6 },
  { severity: 'ticket', long: '3d', short: '6h', factor: 1 },
]);

/** Windows for which SLI error ratios are recorded and burn rates reported. */
export const SLI_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
export type SliWindow = (typeof SLI_WINDOWS)[number];

export interface SliQueries {
  kind: 'ratio' | 'errors' | 'latency';
  /** PromQL templates with {{.window}}; always present after normalisation. */
  good: string;
  total: string;
  /** Present for kind 'errors' (the error count as written). */
  errors?: string;
}

export interface MeasurementSpec {
  method: Method;
  /** Slice length for timeslices/averaged (Prometheus duration) and in seconds; events: 60s resolution. */
  slice: string;
  sliceSeconds: number;
  /** timeslices: a slice is good when good/total >= this. */
  sliceGoodRatio: number;
  minConsecutiveBadSlices: number;
  noData: NoData;
  /** Coverage (measured ÷ expected minutes) below which a result is incomplete. Default 0.99. */
  minCoverage: number;
}

export interface Sla {
  id: string;
  contractId: string;
  /** "contract/sla": the stable key used in CLI filters, labels and dedup keys. */
  key: string;
  title: string;
  description?: string;
  service?: string;
  objective: number;
  /** Error budget fraction b = 1 - objective/100 (as a float; for alerting math only). */
  budget: number;
  period: PeriodKind;
  sli: SliQueries;
  measurement: MeasurementSpec;
  tiers: TierDoc[];
  alerting: { page: boolean; ticket: boolean; burnRates: BurnRateWindowDoc[] };
  /** Contract labels merged with the SLA's own (SLA wins). */
  labels: Record<string, string>;
  /** Monthly credit base as a decimal string: the service's monthlyFee, else the contract's fees.monthly. */
  monthlyBase: string;
}

export interface Contract {
  id: string;
  title: string;
  /** Path of the source file, as given to the loader. */
  file: string;
  /** sha256 of the file bytes: evidence and cache key. */
  hash: string;
  role: 'customer' | 'provider';
  vendor: string;
  customer: string;
  revision?: string;
  documentUrl?: string;
  timezone: string;
  termStart: string;
  termEnd?: string;
  currency: string;
  monthlyFee: string;
  labels: Record<string, string>;
  escalation: EscalationDoc[];
  maintenance: MaintenanceDoc[];
  pagerduty?: { routingKey: SecretRef };
  creditPolicy: {
    capPercent: number;
    claimWindowDays?: number;
    rounding: 'none' | 'nearest-0.1' | 'nearest-0.01';
    prorate: boolean;
  };
  slas: Sla[];
  /** The validated document as written (after zod transforms), for outputs that echo it. */
  doc: ContractDoc;
}

export function durationSeconds(d: string): number {
  const m = DURATION_RE.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  const n = Number(m[1]);
  const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return n * unit;
}

/** Fill {{.window}} in an SLI template. */
export function renderWindow(template: string, window: string): string {
  return template.split(WINDOW_PLACEHOLDER).join(window);
}

function normaliseSli(sli: SliDoc): SliQueries {
  if ('latency' in sli) {
    const { histogram, thresholdSeconds } = sli.latency;
    // `histogram` is a bucket selector such as http_request_duration_seconds_bucket{job="api"}.
    const withLe = (le: string) => addMatcher(histogram, `le="${le}"`);
    return {
      kind: 'latency',
      good: `sum(rate(${withLe(formatLe(thresholdSeconds))}[${WINDOW_PLACEHOLDER}]))`,
      total: `sum(rate(${withLe('+Inf')}[${WINDOW_PLACEHOLDER}]))`,
    };
  }
  if ('errors' in sli) {
    // good = total - errors; `or vector(0)` because an error counter with no errors yet has no series.
    return {
      kind: 'errors',
      errors: sli.errors,
      total: sli.total,
      good: `(${sli.total}) - ((${sli.errors}) or vector(0))`,
    };
  }
  return { kind: 'ratio', good: sli.good, total: sli.total };
}

/** Prometheus writes bucket bounds in Go's %g-like form: 0.3, 1, 2.5 ("1" not "1.0"). */
export function formatLe(x: number): string {
  return String(x);
}

/** Add a label matcher to a metric selector: m -> m{x}, m{a="b"} -> m{a="b",x}. */
export function addMatcher(selector: string, matcher: string): string {
  const s = selector.trim();
  if (s.endsWith('}')) {
    const inner = s.slice(s.indexOf('{') + 1, -1).trim();
    return `${s.slice(0, s.indexOf('{'))}{${inner ? inner + ',' : ''}${matcher}}`;
  }
  return `${s}{${matcher}}`;
}

/** Build the model from a validated document. Cross-field checks live in the validator, not here. */
export function toModel(doc: ContractDoc, file: string, hash: string): Contract {
  const labels = { ...(doc.metadata.labels ?? {}) };
  const services = new Map((doc.services ?? []).map((s) => [s.id, s]));
  const monthlyFee = doc.fees.monthly;
  const slas: Sla[] = doc.slas.map((s) => {
    const method = s.measurement.method;
    const slice = s.measurement.slice ?? (method === 'averaged' ? '5m' : '1m');
    return {
      id: s.id,
      contractId: doc.metadata.id,
      key: `${doc.metadata.id}/${s.id}`,
      title: s.title ?? s.id,
      description: s.description,
      service: s.service,
      objective: s.objective,
      budget: 1 - s.objective / 100,
      period: s.period,
      sli: normaliseSli(s.sli),
      measurement: {
        method,
        slice,
        sliceSeconds: durationSeconds(slice),
        // toPrecision: 99.9 / 100 is 0.9990000000000001 in binary floating point.
        sliceGoodRatio: s.measurement.sliceGoodRatio ?? Number((s.objective / 100).toPrecision(12)),
        minConsecutiveBadSlices: s.measurement.minConsecutiveBadSlices ?? 1,
        noData: s.measurement.noData ?? 'good',
        minCoverage: s.measurement.minCoverage ?? 0.99,
      },
      tiers: s.credits?.tiers ?? [],
      alerting: {
        page: s.alerting?.page ?? true,
        ticket: s.alerting?.ticket ?? true,
        burnRates: (s.alerting?.burnRates ?? DEFAULT_BURN_RATES).map((b) => ({ ...b })),
      },
      labels: { ...labels, ...(s.labels ?? {}) },
      monthlyBase: (s.service ? services.get(s.service)?.monthlyFee : undefined) ?? monthlyFee,
    };
  });
  return {
    id: doc.metadata.id,
    title: doc.metadata.title,
    file,
    hash,
    role: doc.role,
    vendor: doc.parties.vendor.name,
    customer: doc.parties.customer.name,
    revision: doc.metadata.revision,
    documentUrl: doc.metadata.documentUrl,
    timezone: doc.term.timezone,
    termStart: doc.term.start,
    termEnd: doc.term.end,
    currency: doc.fees.currency,
    monthlyFee,
    labels,
    escalation: [...(doc.escalation ?? [])].sort((a, b) => a.level - b.level),
    maintenance: doc.maintenance ?? [],
    pagerduty: doc.notify?.pagerduty ? { routingKey: doc.notify.pagerduty.routingKey } : undefined,
    creditPolicy: {
      capPercent: doc.creditPolicy?.capPercent ?? 100,
      claimWindowDays: doc.creditPolicy?.claimWindowDays,
      rounding: doc.creditPolicy?.rounding ?? 'none',
      prorate: doc.creditPolicy?.prorate ?? false,
    },
    slas,
    doc,
  };
}
