// Checks beyond types: references, uniqueness, tier sanity, PromQL, dates, zones, cron, secrets.
// Runs on the raw parsed document (not only on a zod-valid one) so that one run reports every error;
// each check guards its own inputs and stays silent when the schema check already complains.
import { CronExpressionParser } from 'cron-parser';
import { DateTime } from 'luxon';
import { isKnownCurrency, currencyMinorUnits } from './currency.js';
import type { PathSegment } from './issues.js';
import { WINDOW_PLACEHOLDER, durationSeconds } from './model.js';
import { checkPromqlTemplate, firstError } from './promql.js';
import { ALERT_SEVERITIES, DEFAULT_PAGERDUTY_SEVERITY, DURATION_RE, MEASUREMENT_METHODS, PAGERDUTY_SEVERITIES } from './schema.js';
import { checkTimeZone } from './timezone.js';
import { closest } from './zod-issues.js';

export interface SemanticIssue {
  path: PathSegment[];
  message: string;
  expected?: string;
  severity: 'error' | 'warning';
  target?: 'key' | 'value';
  /** Character index inside the string value at `path` (PromQL errors). */
  charIndex?: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** Slices must tile an hour so that they align with period starts (periods start at midnight). */
const SLICE_SECONDS_OK = (s: number) => s >= 60 && s % 60 === 0 && 3600 % s === 0;

export function semanticChecks(doc: unknown): SemanticIssue[] {
  const out: SemanticIssue[] = [];
  const error = (path: PathSegment[], message: string, expected?: string, extra?: Partial<SemanticIssue>) =>
    out.push({ path, message, expected, severity: 'error', ...extra });
  const warn = (path: PathSegment[], message: string, expected?: string) => out.push({ path, message, expected, severity: 'warning' });
  if (!isObj(doc)) return out;

  const role = doc.role;
  const term = isObj(doc.term) ? doc.term : undefined;
  const zone = term && isStr(term.timezone) ? term.timezone : undefined;
  let zoneOk = false;

  // --- term ---
  if (term) {
    if (zone !== undefined) {
      const tz = checkTimeZone(zone);
      if (tz.ok) zoneOk = true;
      else error(['term', 'timezone'], tz.message, tz.expected);
    }
    const start = realDate(term.start, ['term', 'start'], error);
    const end = realDate(term.end, ['term', 'end'], error);
    if (start && end && end < start) error(['term', 'end'], 'term ends before it starts', `a date on or after term.start (${start})`);
  }

  // --- fees / currency ---
  const fees = isObj(doc.fees) ? doc.fees : undefined;
  let minor: number | undefined;
  if (fees && isStr(fees.currency) && /^[A-Z]{3}$/.test(fees.currency)) {
    if (!isKnownCurrency(fees.currency)) error(['fees', 'currency'], 'unknown or unsupported currency code', 'an ISO 4217 code such as USD, EUR, GBP or JPY');
    else minor = currencyMinorUnits(fees.currency);
  }
  const checkAmount = (v: unknown, path: PathSegment[]) => {
    if (minor === undefined) return;
    const s = isNum(v) ? String(v) : isStr(v) ? v : undefined;
    const m = s !== undefined ? /^\d+(?:\.(\d+))?$/.exec(s) : null;
    if (m && (m[1]?.length ?? 0) > minor)
      error(path, `more decimal places than ${String(fees!.currency)} has`, `at most ${minor} decimal place${minor === 1 ? '' : 's'}`);
  };
  if (fees) checkAmount(fees.monthly, ['fees', 'monthly']);

  // --- services ---
  const serviceIds = new Map<string, number>();
  list(doc.services).forEach((s, i) => {
    if (!isObj(s)) return;
    checkAmount(s.monthlyFee, ['services', i, 'monthlyFee']);
    if (!isStr(s.id)) return;
    const first = serviceIds.get(s.id);
    if (first !== undefined) error(['services', i, 'id'], `duplicate service id (also services[${first}])`, 'unique service ids');
    else serviceIds.set(s.id, i);
  });

  // --- escalation ---
  const escalation = list(doc.escalation);
  const levels = new Map<number, number>();
  escalation.forEach((e, i) => {
    if (!isObj(e) || !isNum(e.level)) return;
    const first = levels.get(e.level);
    if (first !== undefined) error(['escalation', i, 'level'], `duplicate escalation level (also escalation[${first}])`, 'unique levels');
    else levels.set(e.level, i);
  });
  if (role === 'customer' && escalation.length === 0)
    warn(doc.escalation === undefined ? ['role'] : ['escalation'], 'no vendor escalation contacts for a contract where we are the customer', 'escalation: [{ level, name, email|phone, respondWithinMinutes }]');

  // --- notify ---
  const pd = isObj(doc.notify) && isObj(doc.notify.pagerduty) ? doc.notify.pagerduty : undefined;
  if (pd && (isStr(pd.routingKey) || isNum(pd.routingKey)))
    error(['notify', 'pagerduty', 'routingKey'], 'a literal secret; use { env: NAME } or { file: PATH }');
  // The schema takes any strings (the field is string → string in the spec); an entry the compilers
  // cannot use would be dropped without a word, so say so.
  if (pd && isObj(pd.severityMap))
    for (const [k, v] of Object.entries(pd.severityMap)) {
      const at: PathSegment[] = ['notify', 'pagerduty', 'severityMap', k];
      const guess = (word: string, among: readonly string[]) => {
        const g = closest(word, among);
        return g ? ` (did you mean "${g}"?)` : '';
      };
      if (!(ALERT_SEVERITIES as readonly string[]).includes(k))
        out.push({
          path: at,
          message: `not an alert severity, ignored${guess(k, ALERT_SEVERITIES)}: obligo sends ${ALERT_SEVERITIES.join(' and ')}`,
          expected: `a key ${ALERT_SEVERITIES.join(' or ')}`,
          severity: 'warning',
          target: 'key',
        });
      else if (isStr(v) && !(PAGERDUTY_SEVERITIES as readonly string[]).includes(v))
        warn(
          at,
          `not a PagerDuty severity, ignored${guess(v, PAGERDUTY_SEVERITIES)}: ${k} alerts are sent as ${DEFAULT_PAGERDUTY_SEVERITY[k as keyof typeof DEFAULT_PAGERDUTY_SEVERITY]}`,
          `one of ${PAGERDUTY_SEVERITIES.join(', ')}`,
        );
    }

  // --- maintenance ---
  list(doc.maintenance).forEach((m, i) => {
    if (!isObj(m)) return;
    if ('schedule' in m) {
      if (isStr(m.schedule)) {
        const msg = cronProblem(m.schedule, zoneOk ? zone : undefined);
        if (msg) error(['maintenance', i, 'schedule'], msg, '5-field cron "minute hour day-of-month month day-of-week", e.g. "0 2 * * 0"');
      }
      return;
    }
    const s = realInstant(m.start, ['maintenance', i, 'start'], error);
    const e = realInstant(m.end, ['maintenance', i, 'end'], error);
    if (s && e && e <= s) error(['maintenance', i, 'end'], 'maintenance window ends before (or when) it starts', 'end after start');
  });

  // --- slas ---
  const slaIds = new Map<string, number>();
  list(doc.slas).forEach((sla, i) => {
    if (!isObj(sla)) return;
    const at = (...p: PathSegment[]): PathSegment[] => ['slas', i, ...p];
    if (isStr(sla.id)) {
      const first = slaIds.get(sla.id);
      if (first !== undefined) error(at('id'), `duplicate SLA id (also slas[${first}])`, 'unique SLA ids within a contract');
      else slaIds.set(sla.id, i);
    }
    if (isStr(sla.service) && !serviceIds.has(sla.service)) {
      const known = [...serviceIds.keys()];
      error(at('service'), 'refers to a service that is not defined', known.length ? `one of ${known.join(', ')}` : 'an id listed under services');
    }
    // SLA labels end up as Prometheus labels next to the contract's (whose names the schema checks);
    // the compilers drop names Prometheus cannot take, so say so here rather than silently.
    if (isObj(sla.labels))
      for (const [k, v] of Object.entries(sla.labels)) {
        if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k) || k.startsWith('__'))
          out.push({ path: at('labels', k), message: 'not usable as a Prometheus label name; compiled rules and dashboards leave it out', expected: 'a name matching [a-zA-Z_][a-zA-Z0-9_]*, not starting with __', severity: 'warning', target: 'key' });
        else if (isStr(v) && v.length > 63) warn(at('labels', k), 'long label value (labels are for small, bounded values)', 'at most 63 characters');
      }
    checkSli(sla.sli, at('sli'), error, warn);
    checkMeasurement(sla.measurement, at('measurement'), error);
    checkBurnRates(sla.alerting, at('alerting'), error);
    const objective = isNum(sla.objective) ? sla.objective : undefined;
    const credits = isObj(sla.credits) ? sla.credits : undefined;
    const tiers = credits ? list(credits.tiers) : [];
    if (credits) checkTiers(tiers, objective, at('credits', 'tiers'), error, warn);
    if (role === 'customer' && tiers.length === 0)
      warn(credits ? at('credits', 'tiers') : at(), 'no service credit tiers: a miss of this SLA costs the vendor nothing', 'credits.tiers');
  });

  // --- obligations ---
  const obligationIds = new Map<string, number>();
  list(doc.obligations).forEach((o, i) => {
    if (!isObj(o)) return;
    realDate(o.due, ['obligations', i, 'due'], error);
    if (!isStr(o.id)) return;
    const first = obligationIds.get(o.id);
    if (first !== undefined) error(['obligations', i, 'id'], `duplicate obligation id (also obligations[${first}])`, 'unique obligation ids');
    else obligationIds.set(o.id, i);
  });

  return out;
}

type Report = (path: PathSegment[], message: string, expected?: string, extra?: Partial<SemanticIssue>) => void;

function realDate(v: unknown, path: PathSegment[], error: Report): string | undefined {
  if (!isStr(v) || !DATE_RE.test(v)) return undefined;
  if (!DateTime.fromISO(v, { zone: 'UTC' }).isValid) {
    error(path, 'not a real calendar date', 'an existing date YYYY-MM-DD');
    return undefined;
  }
  return v;
}

function realInstant(v: unknown, path: PathSegment[], error: Report): number | undefined {
  if (!isStr(v) || !INSTANT_RE.test(v)) return undefined;
  const dt = DateTime.fromISO(v, { setZone: true });
  if (!dt.isValid) {
    error(path, 'not a real date and time', 'an existing RFC 3339 time with offset');
    return undefined;
  }
  return dt.toMillis();
}

// Parsing a schedule costs ~0.1 ms (cron-parser builds luxon dates); contracts repeat a few schedules.
const cronChecked = new Map<string, string | undefined>();

function cronProblem(schedule: string, zone: string | undefined): string | undefined {
  const k = `${zone ?? ''}\u0000${schedule}`;
  if (cronChecked.has(k)) return cronChecked.get(k);
  const r = cronProblemUncached(schedule, zone);
  if (cronChecked.size < 10_000) cronChecked.set(k, r);
  return r;
}

function cronProblemUncached(schedule: string, zone: string | undefined): string | undefined {
  const fields = schedule.trim().split(/\s+/);
  if (schedule.trim().startsWith('@')) return 'cron macros (@daily, …) are not supported';
  if (fields.length !== 5) return `a cron schedule has 5 fields, found ${fields.length}`;
  try {
    CronExpressionParser.parse(schedule, zone ? { tz: zone } : {});
    return undefined;
  } catch (e) {
    return `invalid cron schedule: ${(e as Error).message}`;
  }
}

function checkSli(sli: unknown, path: PathSegment[], error: Report, warn: (p: PathSegment[], m: string, e?: string) => void): void {
  if (!isObj(sli)) return;
  for (const key of ['good', 'total', 'errors'] as const) {
    const q = sli[key];
    if (!isStr(q) || q.trim() === '') continue;
    if (!q.includes(WINDOW_PLACEHOLDER)) error([...path, key], `no ${WINDOW_PLACEHOLDER} placeholder for the range`, `a range query such as sum(rate(metric[${WINDOW_PLACEHOLDER}]))`);
    const err = checkPromqlTemplate(q);
    if (err) error([...path, key], err.message, undefined, { charIndex: err.offset });
  }
  const lat = isObj(sli.latency) ? sli.latency : undefined;
  if (lat && isStr(lat.histogram) && lat.histogram.trim() !== '') {
    const h = lat.histogram;
    const err = firstError(h);
    if (err) error([...path, 'latency', 'histogram'], err.message, undefined, { charIndex: err.from });
    else if (!/^\s*[a-zA-Z_:][a-zA-Z0-9_:]*\s*(\{[^}]*\})?\s*$/.test(h) && !/^\s*\{[^}]*\}\s*$/.test(h))
      error([...path, 'latency', 'histogram'], 'not a plain metric selector', 'a bucket selector such as http_request_duration_seconds_bucket{job="api"}');
    else if (/[{,]\s*le\s*(=|!=|=~|!~)/.test(h))
      error([...path, 'latency', 'histogram'], 'must not match on le (the engine adds it)', 'a bucket selector without an le matcher');
    const metric = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(h)?.[1];
    if (metric && !metric.endsWith('_bucket'))
      warn([...path, 'latency', 'histogram'], 'does not select a _bucket series', 'the histogram bucket metric, e.g. http_request_duration_seconds_bucket{…}');
    if (/\{\{/.test(h)) error([...path, 'latency', 'histogram'], 'a histogram selector takes no placeholders', 'a bucket selector without {{…}}');
  }
}

function checkMeasurement(m: unknown, path: PathSegment[], error: Report): void {
  // An unknown method has its own error (schema); what the other fields allow depends on it, so
  // checking them against it would only add misleading errors.
  if (!isObj(m) || !isStr(m.method) || !(MEASUREMENT_METHODS as readonly string[]).includes(m.method)) return;
  const method = m.method;
  const sliced = method === 'timeslices' || method === 'averaged';
  if (m.slice !== undefined && !sliced) error([...path, 'slice'], `slice is only used by timeslices and averaged, not ${method}`, 'no slice for events');
  if (isStr(m.slice) && DURATION_RE.test(m.slice) && sliced && !SLICE_SECONDS_OK(durationSeconds(m.slice)))
    error([...path, 'slice'], 'slice does not divide an hour evenly (slices must align with the period start)', 'one of 1m, 2m, 3m, 4m, 5m, 6m, 10m, 12m, 15m, 20m, 30m, 1h');
  if (method === 'timeslices' && m.sliceGoodRatio === undefined)
    error(path, 'timeslices needs sliceGoodRatio (when is a slice good?)', 'sliceGoodRatio: a number in (0, 1], e.g. 0.95');
  if (method !== 'timeslices' && m.sliceGoodRatio !== undefined)
    error([...path, 'sliceGoodRatio'], `sliceGoodRatio is only used by timeslices, not ${method}`, 'no sliceGoodRatio');
  if (method !== 'timeslices' && m.minConsecutiveBadSlices !== undefined)
    error([...path, 'minConsecutiveBadSlices'], `minConsecutiveBadSlices is only used by timeslices, not ${method}`, 'no minConsecutiveBadSlices');
}

function checkBurnRates(alerting: unknown, path: PathSegment[], error: Report): void {
  if (!isObj(alerting)) return;
  list(alerting.burnRates).forEach((b, i) => {
    if (!isObj(b) || !isStr(b.long) || !isStr(b.short) || !DURATION_RE.test(b.long) || !DURATION_RE.test(b.short)) return;
    if (durationSeconds(b.short) >= durationSeconds(b.long))
      error([...path, 'burnRates', i, 'short'], 'the short window must be shorter than the long window', `a duration below ${b.long}`);
  });
}

interface Bound {
  value: number;
  inclusive: boolean;
}
interface Interval {
  lower?: Bound;
  upper?: Bound;
}

function tierInterval(t: Obj): Interval | undefined {
  const upper = isNum(t.below) ? { value: t.below, inclusive: false } : isNum(t.atOrBelow) ? { value: t.atOrBelow, inclusive: true } : undefined;
  if (!upper) return undefined;
  const lower = isNum(t.above) ? { value: t.above, inclusive: false } : isNum(t.atOrAbove) ? { value: t.atOrAbove, inclusive: true } : undefined;
  return { lower, upper };
}

/** Tier lists longer than this skip the pairwise "never applies" check (quadratic). */
export const MAX_TIERS_PAIRWISE = 256;

/** Equal intervals ⇔ equal keys (a missing lower bound is its own value). */
function intervalKey(i: Interval): string {
  const b = (x: Bound | undefined) => (x ? `${x.inclusive ? '[' : '('}${x.value}` : '-');
  return `${b(i.lower)} ${b(i.upper)}`;
}

/** a ⊆ b for intervals of achieved percent. */
function within(a: Interval, b: Interval): boolean {
  const lowerOk =
    !b.lower || (a.lower !== undefined && (a.lower.value > b.lower.value || (a.lower.value === b.lower.value && (b.lower.inclusive || !a.lower.inclusive))));
  const upperOk =
    !!a.upper && !!b.upper && (a.upper.value < b.upper.value || (a.upper.value === b.upper.value && (b.upper.inclusive || !a.upper.inclusive)));
  return lowerOk && upperOk;
}

function checkTiers(tiers: unknown[], objective: number | undefined, path: PathSegment[], error: Report, warn: (p: PathSegment[], m: string, e?: string) => void): void {
  const intervals: (Interval | undefined)[] = [];
  const valid: boolean[] = [];
  tiers.forEach((t, j) => {
    intervals.push(undefined);
    valid.push(false);
    if (!isObj(t)) return;
    let ok = true;
    for (const k of ['below', 'atOrBelow', 'above', 'atOrAbove'] as const) {
      const v = t[k];
      if (isNum(v) && !(v > 0 && v <= 100)) {
        error([...path, j, k], 'tier bound outside (0, 100]', 'a percentage greater than 0 and at most 100');
        ok = false;
      }
    }
    const iv = tierInterval(t);
    intervals[j] = iv;
    if (!iv || !iv.upper) return;
    const upperKey = isNum(t.below) ? 'below' : 'atOrBelow';
    if (objective !== undefined && iv.upper.value > objective)
      error([...path, j, upperKey], `tier starts above the objective ${objective}: credit would be due while the SLA is met`, `${upperKey} <= ${objective}`);
    if (iv.lower && iv.lower.value >= iv.upper.value) {
      const lowerKey = isNum(t.above) ? 'above' : 'atOrAbove';
      error([...path, j, lowerKey], 'lower bound is not below the upper bound', `a value below ${iv.upper.value}`);
      ok = false;
    }
    valid[j] = ok;
  });
  // Identical bounds twice is a transcription error (found by a key per interval: linear); a tier
  // inside another one with a higher or equal percent never decides anything (highest percent wins)
  // and is probably one too. That second check compares pairs, so it runs on lists of at most
  // MAX_TIERS_PAIRWISE tiers: real tables have a handful, and a generated list of 40,000 must not
  // cost 10^9 comparisons.
  const firstWithBounds = new Map<string, number>();
  for (let j = 0; j < tiers.length; j++) {
    const a = intervals[j];
    if (!a || !valid[j]) continue;
    const key = intervalKey(a);
    const k = firstWithBounds.get(key);
    if (k !== undefined) error([...path, j], `same bounds as tiers[${k}]`, 'each tier once');
    else firstWithBounds.set(key, j);
  }
  if (tiers.length > MAX_TIERS_PAIRWISE) return;
  for (let j = 0; j < tiers.length; j++) {
    const a = intervals[j];
    const pj = isObj(tiers[j]) ? (tiers[j] as Obj).percent : undefined;
    if (!a || !valid[j] || !isNum(pj)) continue;
    for (let k = 0; k < tiers.length; k++) {
      const b = intervals[k];
      const pk = isObj(tiers[k]) ? (tiers[k] as Obj).percent : undefined;
      if (k === j || !b || !valid[k] || !isNum(pk)) continue;
      if (within(a, b) && !within(b, a) && pk >= pj) {
        warn([...path, j], `never applies: every value it covers is also in tiers[${k}] with a credit of ${pk}% (the highest percent wins)`);
        break;
      }
    }
  }
}
