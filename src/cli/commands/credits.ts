// `obligo credits --period YYYY-MM|YYYY-Qn`: service credits per SLA and totals per contract, from
// stored rollups where they exist and Prometheus for the rest (the evidence column says which).
import { creditDocument } from '../../evaluate/documents.js';
import { evaluate } from '../../evaluate/evaluate.js';
import { ObligoPolicies } from '../../evaluate/policies.js';
import type { CreditAction } from '../../evaluate/types.js';
import { formatAmount, MoneyDecimal } from '../../credits/money.js';
import { periodKindOfLabel, PeriodLabelError, type CreditReport } from '../../measure/credits.js';
import type { CreditRow, ContractTotal } from '../../measure/credit-rows.js';
import { RollupStore } from '../../store/sqlite.js';
import {
  COMMON_HELP,
  fmtPercent,
  LABEL_HELP,
  LABEL_OPTION,
  loadSelection,
  parseCommon,
  printJson,
  prometheusSource,
  renderCsv,
  reportWarnings,
  renderTable,
  runCommand,
  UsageError,
} from '../common.js';
import type { CommandIO } from '../io.js';

const HELP = `usage: obligo credits --period YYYY-MM|YYYY-Qn|YYYY [options]

Service credits for a period, each row with what to do about it (credits.rego): claim, pay,
provisional, review (incomplete data: never paid or claimed), not-owed, expired. A period that has not
ended at --at is computed up to --at and flagged provisional. Hours with stored rollups (obligo rollup)
are not read from Prometheus.

${COMMON_HELP}
${LABEL_HELP}
  --period LABEL           YYYY-MM, YYYY-Qn or YYYY: each SLA is credited per its own period (a month or a
                           quarter); a longer label lists every period in it, summed per contract;
                           periods outside the contract term are not listed
  --format table|json|csv  output format (default table; csv is RFC 4180 with a header row, every
                           column documented in docs/credits-csv.md)
  --no-rollups             ignore stored rollups; read everything from Prometheus
  --require-complete       exit 2 when any row's data is incomplete (flag incomplete-data)
  --policies DIR           hand-written policies (default: the policies/ shipped with obligo)
`;

/** A credit report with credits.rego's action per row (same order as the rows). */
type ActedReport = CreditReport & { actions: CreditAction[] };

/** The CSV's columns, in order: a public interface for finance scripts (docs/credits-csv.md). */
export const CSV_COLUMNS = [
  'contract', 'vendor', 'role', 'sla', 'period', 'periodStart', 'periodEnd', 'action', 'objective', 'achieved', 'rounding',
  'achievedRounded', 'tier', 'creditPercent', 'base', 'amount', 'cap', 'currency', 'capped', 'claimDeadline', 'coverage',
  'measuredMinutes', 'excludedMinutes', 'badMinutes', 'gapMinutes', 'flags', 'source', 'rollupHours', 'prometheusHours',
  'goodQuery', 'totalQuery', 'definitionHash', 'contractFile', 'contractRevision', 'contractSha256',
] as const;

/** Digits of `achieved` and `coverage` in the CSV. */
export const CSV_RATIO_DIGITS = 6;

function fixed(x: string | number | null, digits: number): string {
  if (x === null) return '';
  return new MoneyDecimal(typeof x === 'number' ? String(x) : x).toFixed(digits, MoneyDecimal.ROUND_HALF_UP);
}

/** The value compared with the tiers, with the digits of the contract's rounding ("99.70"); '' for rounding none. */
export function roundedText(r: Pick<CreditRow, 'rounding' | 'evidence'>): string {
  const v = r.evidence.comparedAchieved;
  if (r.rounding === 'none' || v === null) return '';
  return fixed(v, r.rounding === 'nearest-0.1' ? 1 : 2);
}

/** The tier that matched, as the contract writes it: "below 99.9: 10%"; '' when none. */
export function tierText(r: Pick<CreditRow, 'evidence'>): string {
  const t = r.evidence.tier;
  if (!t) return '';
  const bounds = [
    t.above !== undefined ? `above ${t.above}` : '',
    t.atOrAbove !== undefined ? `atOrAbove ${t.atOrAbove}` : '',
    t.below !== undefined ? `below ${t.below}` : '',
    t.atOrBelow !== undefined ? `atOrBelow ${t.atOrBelow}` : '',
  ].filter(Boolean);
  return `${bounds.join(' ')}: ${t.percent}%`;
}

/** One CSV row of a credit row (columns of CSV_COLUMNS). */
export function creditCsvCells(r: CreditRow, action: string): string[] {
  const q = r.evidence.queries;
  return [
    r.contract, r.vendor, r.role, r.sla, r.period, r.periodStart, r.periodEnd, action, String(r.objective),
    fixed(r.achievedDecimal, CSV_RATIO_DIGITS), r.rounding, roundedText(r), tierText(r),
    String(r.creditPercent), formatAmount(r.base, r.currency), r.amount, r.cap, r.currency, String(r.capped), r.claimDeadline ?? '',
    fixed(r.coverage.ratio, CSV_RATIO_DIGITS), String(r.measuredMinutes), String(r.excludedMinutes), String(r.badMinutes),
    String(r.coverage.gapMinutes), r.flags.join(' '), r.evidence.source, String(r.evidence.rollupHours), String(r.evidence.prometheusHours),
    q[0] ?? '', q[1] ?? '', r.evidence.definitionHash, r.evidence.contractFile, r.evidence.contractRevision ?? '', r.evidence.contractHash,
  ];
}

/** The fields the JSON has beyond creditDocument (the same as the CSV's). */
function extraJson(r: CreditRow): Record<string, unknown> {
  return {
    role: r.role,
    periodStart: r.periodStart,
    periodEnd: r.periodEnd,
    cap: r.cap,
    rounding: r.rounding,
    achievedRounded: r.evidence.comparedAchieved,
    tier: tierText(r) || null,
  };
}

export function creditsJson(rep: ActedReport): unknown {
  return {
    period: rep.period,
    at: rep.at,
    credits: rep.credits.map((r, i) => ({ ...creditDocument(r), ...extraJson(r), action: rep.actions[i]!.action, actionReasons: rep.actions[i]!.reasons })),
    warnings: rep.warnings,
    totals: rep.totals.map((t) => ({ contract: t.contract, amount: t.amount, currency: t.currency, capped: t.capped, cap: t.cap, periods: t.periods })),
    skipped: rep.skipped,
    outsideTerm: rep.outsideTerm,
    notStarted: rep.notStarted,
    requests: rep.requests,
  };
}

export function creditsCsv(rep: ActedReport): string {
  return renderCsv(
    CSV_COLUMNS,
    rep.credits.map((r, i) => creditCsvCells(r, rep.actions[i]!.action)),
  );
}

export function creditsTable(rep: ActedReport): string {
  const action = new Map(rep.credits.map((r, i) => [r, rep.actions[i]!.action]));
  const rows = renderTable<CreditRow>(rep.credits, [
    { header: 'CONTRACT', value: (r) => r.contract },
    { header: 'SLA', value: (r) => r.sla },
    { header: 'PERIOD', value: (r) => r.period },
    { header: 'VENDOR', value: (r) => r.vendor },
    { header: 'ACTION', value: (r) => action.get(r)! },
    { header: 'OBJECTIVE', value: (r) => `${r.objective}%`, align: 'right' },
    { header: 'ACHIEVED', value: (r) => (r.achievedDecimal === null ? '-' : `${fixed(r.achievedDecimal, 4)}%`), align: 'right' },
    { header: 'COVERAGE', value: (r) => (r.coverage.ratio === null ? '-' : fmtPercent(r.coverage.ratio * 100, 2)), align: 'right' },
    { header: 'MEASURED', value: (r) => `${r.measuredMinutes}m`, align: 'right' },
    { header: 'EXCLUDED', value: (r) => `${r.excludedMinutes}m`, align: 'right' },
    { header: 'BAD', value: (r) => `${r.badMinutes}m`, align: 'right' },
    { header: 'CREDIT', value: (r) => `${r.creditPercent}%`, align: 'right' },
    { header: 'AMOUNT', value: (r) => `${r.amount} ${r.currency}${r.capped ? '*' : ''}`, align: 'right' },
    { header: 'CLAIM BY', value: (r) => r.claimDeadline ?? '-' },
    { header: 'FLAGS', value: (r) => r.flags.join(',') || '-' },
    { header: 'SOURCE', value: (r) => r.evidence.source },
  ]);
  const totals = renderTable<ContractTotal>(rep.totals, [
    { header: 'CONTRACT', value: (t) => t.contract },
    { header: 'VENDOR', value: (t) => t.vendor },
    { header: 'PERIODS', value: (t) => t.periods.map((p) => p.period).join(' ') },
    { header: 'TOTAL', value: (t) => `${t.amount} ${t.currency}`, align: 'right' },
    { header: 'CAP', value: (t) => `${t.cap} ${t.currency}${t.capped ? ' (applied)' : ''}`, align: 'right' },
  ]);
  const note = rep.credits.some((r) => r.capped) ? '* scaled down to the contract cap\n' : '';
  return `credits for ${rep.period} as of ${rep.at}\n\n${rows}${note}\nTotals per contract\n${totals}`;
}

export async function creditsCommand(argv: string[], io: CommandIO): Promise<number> {
  return runCommand(io, async () => {
    const { common, extra } = parseCommon(
      argv,
      io,
      { ...LABEL_OPTION, period: { type: 'string' }, 'no-rollups': { type: 'boolean' }, 'require-complete': { type: 'boolean' }, policies: { type: 'string' } },
      ['table', 'json', 'csv'],
    );
    if (common.help) {
      io.stdout(HELP);
      return 0;
    }
    const period = extra.period as string | undefined;
    if (!period) throw new UsageError('credits needs --period YYYY-MM, YYYY-Qn or YYYY');
    try {
      periodKindOfLabel(period);
    } catch (e) {
      if (e instanceof PeriodLabelError) throw new UsageError(e.message);
      throw e;
    }
    const { contracts, slas } = await loadSelection(common, io);
    // Prometheus is optional when the rollups cover every hour; measureCredits says when it is needed.
    const source = prometheusSource(common.prometheusUrl, common.prometheusConnection);
    const store = extra['no-rollups'] ? undefined : RollupStore.openIfExists(common.dbPath);
    try {
      const policies = await ObligoPolicies.load(contracts, { policyDir: extra.policies as string | undefined, env: io.env });
      const ev = await evaluate({ at: common.at, slas, credits: { period } }, { source, store, policies });
      const rep = ev.credits!;
      reportWarnings(io, ev.warnings);
      if (rep.skipped.length > 0) {
        io.stderr(`obligo: note: ${rep.skipped.length} SLA${rep.skipped.length === 1 ? '' : 's'} measured per quarter not included in a month (use --period YYYY-Qn): ${rep.skipped.join(', ')}\n`);
      }
      for (const [what, list] of [['outside the contract term', rep.outsideTerm], ['not started at --at', rep.notStarted]] as const) {
        if (list.length > 0) io.stderr(`obligo: note: ${list.length} period${list.length === 1 ? '' : 's'} ${what}, not listed: ${list.join(', ')}\n`);
      }
      if (common.format === 'json') printJson(io, creditsJson(rep));
      else if (common.format === 'csv') io.stdout(creditsCsv(rep));
      else io.stdout(creditsTable(rep));
      const incomplete = rep.credits.filter((r) => r.flags.includes('incomplete-data'));
      if (incomplete.length > 0) {
        io.stderr(`obligo: ${incomplete.length} credit row${incomplete.length === 1 ? ' was' : 's were'} computed from incomplete data (action review, not claimable): ${incomplete.map((r) => `${r.contract}/${r.sla}`).join(', ')}\n`);
        if (extra['require-complete']) return 2;
      }
    } finally {
      store?.close();
    }
    return 0;
  }, { command: 'credits', help: HELP });
}
