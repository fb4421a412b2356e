// `obligo backtest --contract C [--sla S] [--objective N] [--tiers …] [--cap-percent N] --from YYYY-MM --to YYYY-MM`:
// month by month, what the proposed terms would have measured and paid on the telemetry we have, next
// to the current terms (src/backtest/).
import { backtest, parseTiers, TermsError, type BacktestResult, type ProposedTerms } from '../../backtest/backtest.js';
import { RollupStore } from '../../store/sqlite.js';
import { COMMON_HELP, loadSelection, parseCommon, printJson, prometheusSource, renderCsv, renderTable, reportWarnings, runCommand, UsageError } from '../common.js';
import type { CommandIO } from '../io.js';

const HELP = `usage: obligo backtest --contract ID --from YYYY-MM --to YYYY-MM [--objective N] [--tiers LIST] [--cap-percent N] [options]

Replay proposed terms for a renewal on the telemetry we have: every month (and every quarter of
quarterly SLAs) from --from to --to inclusive is measured once, then credited under the current terms
and under the proposed ones, side by side. Only the terms differ between the two columns.

${COMMON_HELP}
  --from YYYY-MM       first month
  --to YYYY-MM         last month (inclusive)
  --objective N        proposed objective, percent (e.g. 99.95)
  --tiers LIST         proposed credit tiers: "below 99.95:10, below 99.9:25, below 99:100"
                       (bounds: below, atOrBelow, above, atOrAbove; PERCENT after the colon)
  --cap-percent N      proposed cap, percent of the monthly fee
  --sla ID             apply the proposed objective and tiers to this SLA only (repeatable)
  --format table|json|csv  output format (default table)
  --no-rollups         ignore stored rollups; read everything from Prometheus
`;

export function backtestTable(r: BacktestResult): string {
  const pct = (x: string | null) => (x === null ? '-' : `${Number(x).toFixed(4)}%`);
  const met = (m: boolean | null) => (m === null ? '-' : m ? 'met' : 'MISSED');
  const body = renderTable(r.rows, [
    { header: 'PERIOD', value: (x) => x.period },
    { header: 'SLA', value: (x) => x.sla },
    { header: 'ACHIEVED', value: (x) => pct(x.achieved), align: 'right' },
    { header: 'BAD', value: (x) => `${x.badMinutes}m`, align: 'right' },
    { header: 'NOW', value: (x) => `${x.current.objective}% ${met(x.current.met)}` },
    { header: 'CREDIT', value: (x) => `${x.current.creditPercent}% ${x.current.amount}`, align: 'right' },
    { header: 'PROPOSED', value: (x) => `${x.proposed.objective}% ${met(x.proposed.met)}` },
    { header: 'CREDIT', value: (x) => `${x.proposed.creditPercent}% ${x.proposed.amount}`, align: 'right' },
    { header: 'FLAGS', value: (x) => x.flags.filter((f) => f !== 'maintenance').join(',') || '-' },
  ]);
  const t = r.totals;
  return (
    `backtest of ${r.contract}, ${r.from} to ${r.to} (${t.periods} SLA period${t.periods === 1 ? '' : 's'})\n\n${body}\n` +
    `credits: ${t.current} ${r.currency} under the current terms, ${t.proposed} ${r.currency} under the proposed ones\n` +
    `missed objectives: ${t.breachesCurrent} now, ${t.breachesProposed} proposed\n`
  );
}

export async function backtestCommand(argv: string[], io: CommandIO): Promise<number> {
  return runCommand(io, async () => {
    const { common, extra } = parseCommon(
      argv,
      io,
      { from: { type: 'string' }, to: { type: 'string' }, objective: { type: 'string' }, tiers: { type: 'string' }, 'cap-percent': { type: 'string' }, 'no-rollups': { type: 'boolean' } },
      ['table', 'json', 'csv'],
    );
    if (common.help) {
      io.stdout(HELP);
      return 0;
    }
    if (common.contracts.length !== 1) throw new UsageError('backtest needs exactly one --contract ID');
    if (!extra.from || !extra.to) throw new UsageError('backtest needs --from YYYY-MM and --to YYYY-MM');
    const num = (flag: string, v: unknown) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (String(v).trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} expects a number (got "${String(v)}")`);
      return n;
    };
    const { slas } = await loadSelection(common, io);
    const contract = slas[0]!.contract;
    let result: BacktestResult;
    const store = extra['no-rollups'] ? undefined : RollupStore.openIfExists(common.dbPath);
    try {
      const terms: ProposedTerms = {
        objective: num('objective', extra.objective),
        tiers: extra.tiers === undefined ? undefined : parseTiers(extra.tiers as string),
        capPercent: num('cap-percent', extra['cap-percent']),
        slas: common.slas.length > 0 ? slas.map((s) => s.sla.id) : undefined,
      };
      if (terms.objective === undefined && terms.tiers === undefined && terms.capPercent === undefined) {
        throw new UsageError('backtest needs at least one proposed term: --objective, --tiers or --cap-percent');
      }
      result = await backtest({
        contract,
        terms,
        from: extra.from as string,
        to: extra.to as string,
        at: common.at,
        source: prometheusSource(common.prometheusUrl, common.prometheusConnection),
        store,
      });
    } catch (e) {
      if (e instanceof TermsError) throw new UsageError(e.message);
      throw e;
    } finally {
      store?.close();
    }
    reportWarnings(io, result.warnings);
    if (common.format === 'json') printJson(io, result);
    else if (common.format === 'csv') {
      io.stdout(
        renderCsv(
          ['contract', 'sla', 'period', 'achieved', 'badMinutes', 'measuredMinutes', 'coverage', 'flags', 'currentObjective', 'currentMet', 'currentCreditPercent', 'currentAmount', 'proposedObjective', 'proposedMet', 'proposedCreditPercent', 'proposedAmount', 'currency'],
          result.rows.map((x) => [
            result.contract, x.sla, x.period, x.achieved ?? '', String(x.badMinutes), String(x.measuredMinutes), x.coverage === null ? '' : String(x.coverage), x.flags.join(' '),
            String(x.current.objective), String(x.current.met ?? ''), String(x.current.creditPercent), x.current.amount,
            String(x.proposed.objective), String(x.proposed.met ?? ''), String(x.proposed.creditPercent), x.proposed.amount, result.currency,
          ]),
        ),
      );
    } else io.stdout(backtestTable(result));
    const incomplete = result.rows.filter((x) => !x.complete);
    if (incomplete.length > 0) io.stderr(`obligo: ${incomplete.length} period${incomplete.length === 1 ? ' was' : 's were'} measured on incomplete data: ${incomplete.map((x) => `${x.sla} ${x.period}`).join(', ')}\n`);
    if (result.omitted.length > 0) io.stderr(`obligo: note: not in the backtest (outside the term or not started): ${result.omitted.join(', ')}\n`);
    return 0;
  }, { command: 'backtest', help: HELP });
}
