// The report's sections as rows of plain text cells, shared by the Markdown and the HTML rendering so
// that both say the same thing.
import { formatAmount, MoneyDecimal } from '../credits/money.js';
import { duration, localTime, percent4, type PerformanceReport, type VendorReport } from './model.js';
import { isoUtc as iso } from '../iso.js';

export interface Table {
  headers: string[];
  /** Right-aligned columns (numbers). */
  right?: number[];
  rows: string[][];
  empty: string;
}


export function reportTitle(r: PerformanceReport): string {
  return `Contract performance report, ${r.period}`;
}

export function reportSubtitle(r: PerformanceReport): string {
  const provisional = r.vendors.some((v) => v.credits.some((c) => c.row.provisional));
  return `As of ${iso(r.at)}.${provisional ? ' Periods not yet ended are provisional: their figures may still change.' : ''} Times are in each contract's time zone.`;
}

export function vendorHeading(v: VendorReport): string {
  return `${v.contract.vendor}: ${v.contract.title} (${v.contract.id})`;
}

export function vendorFacts(v: VendorReport): Array<[string, string]> {
  const c = v.contract;
  return [
    ['Role', c.role === 'customer' ? `we are the customer (${c.customer}): credits are ours to claim` : `we are the provider: credits are owed to ${c.customer}`],
    ['Term', `${c.termStart} to ${c.termEnd ?? 'open-ended'}, ${c.timezone}`],
    ['Revision', c.revision ?? 'not stated'],
    ...(c.documentUrl ? ([['Contract document', c.documentUrl]] as Array<[string, string]>) : []),
  ];
}

export function slaTable(v: VendorReport): Table {
  return {
    headers: ['SLA', 'Period', 'Objective', 'Achieved', 'Met', 'Budget left', 'Bad', 'Maintenance', 'Coverage'],
    right: [2, 3, 5, 6, 7, 8],
    rows: v.results.map((r) => [
      r.title === r.sla ? r.sla : `${r.title} (${r.sla})`,
      r.period,
      `${r.objective}%`,
      percent4(r.achieved),
      r.met === null ? 'no data' : r.met ? 'yes' : 'NO',
      r.budgetRemaining === null ? '–' : `${(Number(r.budgetRemaining) * 100).toFixed(1)}%`,
      duration(r.badMinutes),
      duration(r.excludedMinutes),
      r.coverage === null ? '–' : `${(r.coverage * 100).toFixed(2)}%${r.complete ? '' : ' (incomplete)'}`,
    ]),
    empty: 'No SLA measured in this period.',
  };
}

export function incidentTable(v: VendorReport): Table {
  const z = v.contract.timezone;
  return {
    headers: ['SLA', 'Start', 'End', 'Duration'],
    right: [3],
    rows: v.incidents.map((i) => [i.sla, localTime(i.start, z), localTime(i.end, z), duration(i.minutes)]),
    empty: 'No incidents: no run of bad slices long enough to count.',
  };
}

export function maintenanceTable(v: VendorReport): Table {
  const z = v.contract.timezone;
  return {
    headers: ['Period', 'Start', 'End', 'Duration'],
    right: [3],
    rows: v.maintenance.map((m) => [m.period, localTime(m.start, z), localTime(m.end, z), duration(m.minutes)]),
    empty: 'No maintenance taken.',
  };
}

export function creditTable(v: VendorReport): Table {
  return {
    headers: ['SLA', 'Period', 'Credit', 'Amount', 'Action', 'Claim by', 'Why'],
    right: [2, 3],
    rows: v.credits.map(({ row, action }) => [
      row.sla,
      row.period,
      `${row.creditPercent}%`,
      `${row.amount} ${row.currency}${row.capped ? ' (capped)' : ''}`,
      action.action,
      row.claimDeadline ?? '–',
      action.reasons.join('; '),
    ]),
    empty: 'No credit rows.',
  };
}

export function creditTotal(v: VendorReport): string {
  const t = v.total;
  // What the amounts mean now, by credits.rego's action: to claim (or pay), expired, still provisional.
  const by = new Map<string, InstanceType<typeof MoneyDecimal>>();
  for (const { row, action } of v.credits) by.set(action.action, (by.get(action.action) ?? new MoneyDecimal(0)).plus(row.amount));
  const parts = (['claim', 'pay', 'provisional', 'review', 'expired'] as const)
    .filter((a) => by.has(a) && !by.get(a)!.isZero())
    .map((a) => `${ACTION_WORDS[a]} ${formatAmount(by.get(a)!, t.currency)} ${t.currency}`);
  return `Total for ${t.periods.map((p) => p.period).join(', ')}: ${t.amount} ${t.currency} (cap ${t.cap} ${t.currency}${t.capped ? ', applied' : ''})${parts.length > 0 ? `; ${parts.join(', ')}` : ''}.`;
}

const ACTION_WORDS = { claim: 'to claim', pay: 'to pay', provisional: 'provisional', review: 'under review (incomplete data)', expired: 'expired' } as const;

export function escalationTable(v: VendorReport): Table {
  return {
    headers: ['Level', 'Contact', 'Phone', 'Email', 'Respond within'],
    right: [0, 4],
    rows: v.escalation.map((e) => [String(e.level), e.name, e.phone ?? '–', e.email ?? '–', e.respondWithinMinutes === undefined ? '–' : duration(e.respondWithinMinutes)]),
    empty: 'The contract names no escalation contacts.',
  };
}

export function reportNotes(r: PerformanceReport): string[] {
  const out: string[] = [];
  if (r.outsideTerm.length > 0) out.push(`Outside the contract term, not reported: ${r.outsideTerm.join(', ')}.`);
  if (r.notStarted.length > 0) out.push(`Not started yet: ${r.notStarted.join(', ')}.`);
  if (r.skipped.length > 0) out.push(`Measured per quarter, not reported in a month: ${r.skipped.join(', ')}.`);
  if (r.warnings.length > 0) out.push(`Prometheus gave partial responses; the rows built from them are marked incomplete.`);
  return out;
}
