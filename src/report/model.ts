// The contract performance report's content, per vendor (contract) for a period label: achieved
// against objective per SLA period, the error budget consumed day by day, incidents (the runs of bad
// slices the measurement counts), maintenance taken, credits with what to do about them
// (credits.rego) and deadlines, and the escalation obligations. Measured by measureCredits (the same
// numbers as `obligo credits`), with every slice kept; formatting is html.ts / markdown.ts.
import { DateTime } from 'luxon';
import type { Contract, EscalationDoc } from '../contract/index.js';
import type { ObligoPolicies } from '../evaluate/policies.js';
import type { CreditAction, SelectedSla } from '../evaluate/types.js';
import type { CreditRow, ContractTotal } from '../measure/credit-rows.js';
import { measureCredits } from '../measure/credits.js';
import type { FetchSlicesOptions } from '../measure/fetch-slices.js';
import type { SlaMeasurement } from '../measure/measure-slas.js';
import type { RollupRepository } from '../measure/rollup-store.js';
import type { PromSource } from '../measure/source.js';
import { budgetRemainingDecimal } from '../slo/budget.js';
import { maintenanceIntervals } from '../slo/maintenance.js';
import { badRuns } from '../slo/methods.js';
import { measuredRange } from '../slo/periods.js';

export interface BurnPoint {
  /** End of the day (or of the measured range), epoch ms. */
  t: number;
  /** Budget consumed so far as a fraction of the period's budget (1 = all of it). */
  consumed: number;
}

export interface SlaPeriodResult {
  sla: string;
  title: string;
  objective: number;
  method: string;
  period: string;
  periodStart: number;
  periodEnd: number;
  /** Exact decimal, null without data. */
  achieved: string | null;
  met: boolean | null;
  /** Budget remaining at the end of what was measured (fraction, negative once breached), 6 decimals. */
  budgetRemaining: string | null;
  measuredMinutes: number;
  badMinutes: number;
  excludedMinutes: number;
  coverage: number | null;
  complete: boolean;
  flags: string[];
  burn: BurnPoint[];
}

export interface Incident {
  sla: string;
  period: string;
  start: number;
  end: number;
  minutes: number;
}

export interface MaintenanceTaken {
  period: string;
  start: number;
  end: number;
  minutes: number;
}

export interface ReportCredit {
  row: CreditRow;
  action: CreditAction;
}

export interface VendorReport {
  contract: Pick<Contract, 'id' | 'title' | 'vendor' | 'customer' | 'role' | 'revision' | 'documentUrl' | 'timezone' | 'termStart' | 'termEnd' | 'currency'>;
  results: SlaPeriodResult[];
  incidents: Incident[];
  maintenance: MaintenanceTaken[];
  credits: ReportCredit[];
  total: ContractTotal;
  escalation: EscalationDoc[];
}

export interface PerformanceReport {
  period: string;
  at: number;
  vendors: VendorReport[];
  /** "contract/sla period" left out (outside the term, not started), SLAs of a longer period. */
  outsideTerm: string[];
  notStarted: string[];
  skipped: string[];
  warnings: string[];
}

export interface BuildReportRequest {
  period: string;
  at: number;
  slas: readonly SelectedSla[];
  source?: PromSource;
  store?: RollupRepository;
  policies: ObligoPolicies;
  ignoreRollups?: boolean;
  fetch?: FetchSlicesOptions;
}

/** Budget consumed day by day (local days of the contract zone): counted bad minutes ÷ (1 − objective) × measured minutes. */
export function burnSeries(m: SlaMeasurement): BurnPoint[] {
  const budgetMinutes = (1 - m.sla.objective / 100) * m.measurement.measuredMinutes;
  // measuredThrough is --at for a period that ended before it: the chart stops at the period's end.
  const end = Math.min(m.measuredThrough, m.period.end);
  const runs = badRuns(m.recent, m.recent.grid, m.sla.measurement);
  const out: BurnPoint[] = [{ t: m.period.start, consumed: 0 }];
  let day = DateTime.fromMillis(m.period.start, { zone: m.period.zone }).startOf('day');
  for (;;) {
    day = day.plus({ days: 1 }).startOf('day');
    const t = Math.min(day.toMillis(), end);
    let bad = 0;
    for (const r of runs) bad += Math.max(0, Math.min(r.end, t) - r.start) / 60_000;
    out.push({ t, consumed: budgetMinutes > 0 ? bad / budgetMinutes : bad > 0 ? Number.POSITIVE_INFINITY : 0 });
    if (t >= end) break;
  }
  return out;
}

export async function buildReport(req: BuildReportRequest): Promise<PerformanceReport> {
  const rep = await measureCredits(req.slas, {
    period: req.period,
    at: req.at,
    source: req.source,
    store: req.store,
    ignoreRollups: req.ignoreRollups,
    fetch: req.fetch,
    detail: true,
  });
  const actions: CreditAction[] = [];
  for (const r of rep.credits) actions.push(await req.policies.creditAction(r, req.at));
  const vendors = new Map<string, VendorReport>();
  rep.credits.forEach((row, i) => {
    const m = rep.measurements![i]!;
    const c = m.contract;
    let v = vendors.get(c.id);
    if (!v) {
      v = {
        contract: {
          id: c.id,
          title: c.title,
          vendor: c.vendor,
          customer: c.customer,
          role: c.role,
          revision: c.revision,
          documentUrl: c.documentUrl,
          timezone: c.timezone,
          termStart: c.termStart,
          termEnd: c.termEnd,
          currency: c.currency,
        },
        results: [],
        incidents: [],
        maintenance: [],
        credits: [],
        total: rep.totals.find((t) => t.contract === c.id)!,
        escalation: c.escalation,
      };
      vendors.set(c.id, v);
    }
    const remaining = budgetRemainingDecimal(m.measurement.achievedDecimal, m.sla.objective);
    v.results.push({
      sla: m.sla.id,
      title: m.sla.title,
      objective: m.sla.objective,
      method: m.sla.measurement.method,
      period: m.period.label,
      periodStart: m.period.start,
      periodEnd: m.period.end,
      achieved: m.measurement.achievedDecimal,
      met: m.measurement.achieved === null ? null : m.measurement.achieved >= m.sla.objective,
      budgetRemaining: remaining === null ? null : remaining.toFixed(6),
      measuredMinutes: row.measuredMinutes,
      badMinutes: row.badMinutes,
      excludedMinutes: row.excludedMinutes,
      coverage: row.coverage.ratio,
      complete: row.coverage.complete,
      flags: row.flags,
      burn: burnSeries(m),
    });
    for (const r of badRuns(m.recent, m.recent.grid, m.sla.measurement)) {
      v.incidents.push({ sla: m.sla.id, period: m.period.label, start: r.start, end: r.end, minutes: (r.end - r.start) / 60_000 });
    }
    const range = measuredRange(m.period, c, req.at);
    if (range && !v.maintenance.some((x) => x.period === m.period.label)) {
      for (const w of maintenanceIntervals(c.maintenance, c.timezone, range)) v.maintenance.push({ period: m.period.label, start: w.start, end: w.end, minutes: (w.end - w.start) / 60_000 });
    }
    v.credits.push({ row, action: actions[i]! });
  });
  for (const v of vendors.values()) {
    v.incidents.sort((a, b) => a.start - b.start || a.sla.localeCompare(b.sla));
    v.maintenance.sort((a, b) => a.start - b.start);
  }
  return { period: req.period, at: req.at, vendors: [...vendors.values()], outsideTerm: rep.outsideTerm, notStarted: rep.notStarted, skipped: rep.skipped, warnings: rep.warnings };
}

/** A local time of the contract's zone for people: 2026-03-08 03:30 EDT. */
export function localTime(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('yyyy-LL-dd HH:mm ZZZZ');
}

/** Minutes as "2 h 05 min" / "45 min". */
export function duration(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${String(m).padStart(2, '0')} min`;
}

/** A percent for people: the exact decimal at 4 places (half-up), "–" when unknown. */
export function percent4(x: string | null): string {
  if (x === null) return '–';
  const [i, f = ''] = x.split('.');
  const digits = (f + '00000').slice(0, 5);
  // half-up at 4 places on the decimal string (no float)
  let n = BigInt(`${i}${digits.slice(0, 4)}`);
  if (Number(digits[4]) >= 5) n += 1n;
  const s = n.toString().padStart(5, '0');
  return `${s.slice(0, -4)}.${s.slice(-4)}%`;
}
