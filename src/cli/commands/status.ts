// `obligo status`: per SLA the objective, current period, achieved so far, coverage, SLI and burn rate
// per window, budget remaining and state, as of --at. Formats evaluate()'s status; computes nothing.
import { SLI_WINDOWS } from '../../contract/model.js';
import { statusDocument } from '../../evaluate/documents.js';
import { evaluate } from '../../evaluate/evaluate.js';
import type { SlaStatus, StatusReport } from '../../measure/status.js';
import { RollupStore } from '../../store/sqlite.js';
import {
  COMMON_HELP,
  fmtNumber,
  fmtPercent,
  LABEL_HELP,
  LABEL_OPTION,
  loadSelection,
  parseCommon,
  printJson,
  renderTable,
  reportWarnings,
  requirePrometheus,
  runCommand,
} from '../common.js';
import type { CommandIO } from '../io.js';

const HELP = `usage: obligo status [options]

SLIs, burn rates, coverage and error budget per SLA, period to date.

${COMMON_HELP}
${LABEL_HELP}
  --format table|json  output format (default table)
  --no-rules           ignore recording rules; query raw SLI expressions
  --complete-hours     achieved through the last complete hour only (rollups; no slice queries)
  --save-rollups       store the finished, complete hours read from Prometheus in the rollup database
  --require-complete   exit 2 when any SLA's data is incomplete (coverage below its minimum, or a
                       partial response from Prometheus)
`;

/** The JSON document of `obligo status --format json`. */
export function statusJson(r: StatusReport): unknown {
  return { at: r.at, slas: r.slas.map(statusDocument), warnings: r.warnings, requests: r.requests, windowRequests: r.windowQueries.length };
}

function signedPercent(f: number | null): string {
  return f === null ? '-' : fmtPercent(f * 100, 2);
}

function coverageCell(s: SlaStatus): string {
  const c = s.coverage;
  const pct = c.ratio === null ? '-' : fmtPercent(c.ratio * 100, 2);
  return c.complete ? pct : `${pct} INCOMPLETE${c.partialResponse ? ' (partial)' : ''}`;
}

export function statusTable(r: StatusReport): string {
  const main = renderTable<SlaStatus>(r.slas, [
    { header: 'SLA', value: (s) => s.key },
    { header: 'VENDOR', value: (s) => s.vendor },
    { header: 'OBJECTIVE', value: (s) => `${s.objective}%`, align: 'right' },
    { header: 'PERIOD', value: (s) => s.period.label },
    { header: 'ACHIEVED', value: (s) => fmtPercent(s.achieved), align: 'right' },
    { header: 'BUDGET LEFT', value: (s) => signedPercent(s.budgetRemaining), align: 'right' },
    { header: 'COVERAGE', value: coverageCell, align: 'right' },
    { header: 'STATE', value: (s) => s.state },
  ]);
  const windows = renderTable<SlaStatus>(r.slas, [
    { header: 'SLA', value: (s) => s.key },
    ...SLI_WINDOWS.map((w) => ({
      header: w,
      align: 'right' as const,
      value: (s: SlaStatus) => (s.sli[w] === null ? '-' : `${fmtPercent(s.sli[w]! * 100, 3)} ×${fmtNumber(s.burnRates[w], 2)}`),
    })),
  ]);
  return `status as of ${r.at}\n\n${main}\nSLI and burn rate (×) per window\n${windows}`;
}

export async function statusCommand(argv: string[], io: CommandIO): Promise<number> {
  return runCommand(io, async () => {
    const { common, extra } = parseCommon(argv, io, {
      ...LABEL_OPTION,
      'no-rules': { type: 'boolean' },
      'complete-hours': { type: 'boolean' },
      'save-rollups': { type: 'boolean' },
      'require-complete': { type: 'boolean' },
    });
    if (common.help) {
      io.stdout(HELP);
      return 0;
    }
    const source = requirePrometheus(common);
    const { slas } = await loadSelection(common, io);
    const persist = Boolean(extra['save-rollups']);
    const store = persist ? RollupStore.open(common.dbPath) : RollupStore.openIfExists(common.dbPath);
    try {
      const ev = await evaluate(
        {
          at: common.at,
          slas,
          status: { useRules: !extra['no-rules'], completeHoursOnly: Boolean(extra['complete-hours']), persist },
        },
        { source, store },
      );
      const report = ev.status!;
      reportWarnings(io, ev.warnings);
      if (common.format === 'json') printJson(io, statusJson(report));
      else io.stdout(statusTable(report));
      const incomplete = report.slas.filter((s) => !s.coverage.complete);
      if (incomplete.length > 0) {
        io.stderr(`obligo: ${incomplete.length} SLA${incomplete.length === 1 ? ' has' : 's have'} incomplete data: ${incomplete.map((s) => s.key).join(', ')}\n`);
        if (extra['require-complete']) return 2;
      }
    } finally {
      store?.close();
    }
    return 0;
  }, { command: 'status', help: HELP });
}
