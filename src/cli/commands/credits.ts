// `obligo credits --period YYYY-MM|YYYY-Qn`: service credits per SLA and totals per contract, from
// stored rollups where they exist and Prometheus for the rest (the evidence column says which).
import { creditDocument } from '../../evaluate/documents.js';
import { evaluate } from '../../evaluate/evaluate.js';
import { ObligoPolicies } from '../../evaluate/policies.js';
import type { CreditAction } from '../../evaluate/types.js';
import { periodKindOfLabel, PeriodLabelError, type CreditReport } from '../../measure/credits.js';
import type { CreditRow, ContractTotal } from '../../measure/credit-rows.js';
import { RollupStore } from '../../store/sqlite.js';
import {
  COMMON_HELP,
  fmtPercent,
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

const HELP = `usage: obligo credits --period YYYY-MM|YYYY-Qn [options]

Service credits for a period, each row with what to do about it (credits.rego): claim, pay,
provisional, review (incomplete data: never paid or claimed), not-owed, expired. A period that has not
ended at --at is computed up to --at and flagged provisional. Hours with stored rollups (obligo rollup)
are not read from Prometheus.

${COMMON_HELP}
  --period LABEL           YYYY-MM (monthly SLAs) or YYYY-Qn (quarterly SLAs)
  --format table|json|csv  output format (default table; csv is RFC 4180 with a header row)
  --no-rollups             ignore stored rollups; read everything from Prometheus
  --require-complete       exit 2 when any row's data is incomplete (flag incomplete-data)
  --policies DIR           hand-written policies (default: the policies/ shipped with obligo)
`;

/** A credit report with credits.rego's action per row (same order as the rows). */
type ActedReport = CreditReport & { actions: CreditAction[] };

export const CSV_COLUMNS = [
  'contract', 'vendor', 'sla', 'period', 'action', 'objective', 'achieved', 'coverage', 'measuredMinutes', 'excludedMinutes', 'badMinutes',
  'creditPercent', 'base', 'amount', 'currency', 'capped', 'claimDeadline', 'flags', 'evidence',
] as const;

function coverageText(r: CreditRow): string {
  return r.coverage.ratio === null ? '' : String(r.coverage.ratio);
}

export function evidenceText(r: CreditRow): string {
  const e = r.evidence;
  const parts = [`source=${e.source}`];
  if (e.prometheusUrl) parts.push(`prometheus=${e.prometheusUrl}`);
  parts.push(`rollupHours=${e.rollupHours}`, `prometheusHours=${e.prometheusHours}`, `definition=${e.definitionHash}`, `contract=${e.contractHash.slice(0, 16)}`);
  return parts.join(' ');
}

export function creditsJson(rep: ActedReport): unknown {
  return {
    period: rep.period,
    at: rep.at,
    credits: rep.credits.map((r, i) => ({ ...creditDocument(r), action: rep.actions[i]!.action, actionReasons: rep.actions[i]!.reasons })),
    warnings: rep.warnings,
    totals: rep.totals.map((t) => ({ contract: t.contract, amount: t.amount, currency: t.currency, capped: t.capped, cap: t.cap })),
    requests: rep.requests,
  };
}

export function creditsCsv(rep: ActedReport): string {
  return renderCsv(
    CSV_COLUMNS,
    rep.credits.map((r, i) => [
      r.contract, r.vendor, r.sla, r.period, rep.actions[i]!.action, String(r.objective), r.achievedDecimal ?? '', coverageText(r), String(r.measuredMinutes),
      String(r.excludedMinutes), String(r.badMinutes), String(r.creditPercent), r.base, r.amount, r.currency,
      String(r.capped), r.claimDeadline ?? '', r.flags.join(' '), evidenceText(r),
    ]),
  );
}

export function creditsTable(rep: ActedReport): string {
  const action = new Map(rep.credits.map((r, i) => [r, rep.actions[i]!.action]));
  const rows = renderTable<CreditRow>(rep.credits, [
    { header: 'CONTRACT', value: (r) => r.contract },
    { header: 'SLA', value: (r) => r.sla },
    { header: 'VENDOR', value: (r) => r.vendor },
    { header: 'ACTION', value: (r) => action.get(r)! },
    { header: 'OBJECTIVE', value: (r) => `${r.objective}%`, align: 'right' },
    { header: 'ACHIEVED', value: (r) => fmtPercent(r.achieved), align: 'right' },
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
      { period: { type: 'string' }, 'no-rollups': { type: 'boolean' }, 'require-complete': { type: 'boolean' }, policies: { type: 'string' } },
      ['table', 'json', 'csv'],
    );
    if (common.help) {
      io.stdout(HELP);
      return 0;
    }
    const period = extra.period as string | undefined;
    if (!period) throw new UsageError('credits needs --period YYYY-MM or YYYY-Qn');
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
        const other = /Q/.test(period) ? 'month (--period YYYY-MM)' : 'quarter (--period YYYY-Qn)';
        io.stderr(`obligo: note: ${rep.skipped.length} SLA${rep.skipped.length === 1 ? '' : 's'} measured per ${other} not included: ${rep.skipped.join(', ')}\n`);
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
  });
}
