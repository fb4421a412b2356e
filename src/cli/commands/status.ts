// `obligo status`: per SLA the objective, current period, achieved so far, SLI and burn rate per
// window, budget remaining and state, as of --at.
import { SLI_WINDOWS } from '../../contract/model.js';
import { measureStatus, type SlaStatus, type StatusReport } from '../../measure/status.js';
import { RollupStore } from '../../store/sqlite.js';
import {
  COMMON_HELP,
  fmtNumber,
  fmtPercent,
  loadSelection,
  parseCommon,
  printJson,
  renderTable,
  requirePrometheus,
  runCommand,
  UsageError,
} from '../common.js';
import type { CommandIO } from '../io.js';

const HELP = `usage: obligo status [options]

SLIs, burn rates and error budget per SLA, period to date.

${COMMON_HELP}
  --format table|json  output format (default table)
  --no-rules           ignore recording rules; query raw SLI expressions
  --complete-hours     achieved through the last complete hour only (rollups; no slice queries)
  --save-rollups       store the finished hours read from Prometheus in the rollup database
`;

/** The JSON document of `obligo status --format json` (spec field names first). */
export function statusJson(r: StatusReport): unknown {
  return {
    at: r.at,
    slas: r.slas.map((s) => ({
      contract: s.contract,
      sla: s.sla,
      vendor: s.vendor,
      objective: s.objective,
      period: { start: s.period.start, end: s.period.end, label: s.period.label },
      achieved: s.achieved,
      achievedThrough: s.achievedThrough,
      budgetRemaining: s.budgetRemaining,
      burnRates: s.burnRates,
      state: s.state,
      sli: s.sli,
      method: s.method,
      measuredMinutes: s.measuredMinutes,
      badMinutes: s.badMinutes,
      excludedMinutes: s.excludedMinutes,
      flags: s.flags,
      evidence: s.evidence,
    })),
    requests: r.requests,
    windowRequests: r.windowQueries.length,
  };
}

function signedPercent(f: number | null): string {
  return f === null ? '-' : fmtPercent(f * 100, 2);
}

export function statusTable(r: StatusReport): string {
  const main = renderTable<SlaStatus>(r.slas, [
    { header: 'SLA', value: (s) => s.key },
    { header: 'VENDOR', value: (s) => s.vendor },
    { header: 'OBJECTIVE', value: (s) => `${s.objective}%`, align: 'right' },
    { header: 'PERIOD', value: (s) => s.period.label },
    { header: 'ACHIEVED', value: (s) => fmtPercent(s.achieved), align: 'right' },
    { header: 'BUDGET LEFT', value: (s) => signedPercent(s.budgetRemaining), align: 'right' },
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
      'no-rules': { type: 'boolean' },
      'complete-hours': { type: 'boolean' },
      'save-rollups': { type: 'boolean' },
    });
    if (common.help) {
      io.stdout(HELP);
      return 0;
    }
    const source = requirePrometheus(common);
    const { slas } = await loadSelection(common, io);
    if (slas.length === 0) throw new UsageError(`no SLA matches the selection in ${common.contractsDir}`);
    const persist = Boolean(extra['save-rollups']);
    const store = persist ? RollupStore.open(common.dbPath) : RollupStore.openIfExists(common.dbPath);
    try {
      const report = await measureStatus(slas, {
        at: common.at,
        source,
        store,
        useRules: !extra['no-rules'],
        completeHoursOnly: Boolean(extra['complete-hours']),
        persist,
      });
      if (common.format === 'json') printJson(io, statusJson(report));
      else io.stdout(statusTable(report));
    } finally {
      store?.close();
    }
    return 0;
  });
}
