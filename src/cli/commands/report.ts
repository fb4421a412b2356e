// `obligo report --period 2026-Q1 [--contract ID] --format html|md [--out FILE]`: the contract performance
// report per vendor (src/report/), from the same measurement as `obligo credits`.
import { writeFileSync } from 'node:fs';
import { ObligoPolicies } from '../../evaluate/policies.js';
import { periodKindOfLabel, PeriodLabelError } from '../../measure/credits.js';
import { buildReport, renderHtml, renderMarkdown } from '../../report/index.js';
import { RollupStore } from '../../store/sqlite.js';
import { COMMON_HELP, LABEL_HELP, LABEL_OPTION, loadSelection, parseCommon, prometheusSource, reportWarnings, runCommand, UsageError } from '../common.js';
import type { CommandIO } from '../io.js';

const HELP = `usage: obligo report --period YYYY-MM|YYYY-Qn|YYYY [--contract ID] [--label KEY=VALUE] [--format html|md] [--out FILE]

A contract performance report per vendor, to forward as it is: achieved against objective per SLA and
period, error budget burn (SVG charts in HTML), incidents (runs of bad slices with start, end and
duration), maintenance taken, credits with what to do about them and their deadlines, and the
escalation obligations. Monthly SLAs are reported month by month inside a quarter or a year.

${COMMON_HELP}
${LABEL_HELP}
  --period LABEL       YYYY-MM, YYYY-Qn or YYYY
  --format html|md     output format (default html)
  --out FILE           write the report to FILE instead of stdout
  --no-rollups         ignore stored rollups; read everything from Prometheus
  --policies DIR       hand-written policies (default: the policies/ shipped with obligo)
`;

export async function reportCommand(argv: string[], io: CommandIO): Promise<number> {
  return runCommand(io, async () => {
    const formatIdx = argv.findIndex((a) => a === '--format' || a.startsWith('--format='));
    // html|md are this command's formats; parseCommon knows table/json/csv, so the flag is read here.
    let format = 'html';
    const rest = [...argv];
    if (formatIdx >= 0) {
      const a = rest[formatIdx]!;
      if (a.includes('=')) {
        format = a.slice(a.indexOf('=') + 1);
        rest.splice(formatIdx, 1);
      } else {
        format = rest[formatIdx + 1] ?? '';
        rest.splice(formatIdx, 2);
      }
    }
    const { common, extra } = parseCommon(rest, io, { ...LABEL_OPTION, period: { type: 'string' }, out: { type: 'string' }, 'no-rollups': { type: 'boolean' }, policies: { type: 'string' } });
    if (common.help) {
      io.stdout(HELP);
      return 0;
    }
    if (format !== 'html' && format !== 'md') throw new UsageError(`--format must be html or md (got "${format}")`);
    const period = extra.period as string | undefined;
    if (!period) throw new UsageError('report needs --period YYYY-MM, YYYY-Qn or YYYY');
    try {
      periodKindOfLabel(period);
    } catch (e) {
      if (e instanceof PeriodLabelError) throw new UsageError(e.message);
      throw e;
    }
    const { contracts, slas } = await loadSelection(common, io);
    const source = prometheusSource(common.prometheusUrl, common.prometheusConnection);
    const store = extra['no-rollups'] ? undefined : RollupStore.openIfExists(common.dbPath);
    try {
      const policies = await ObligoPolicies.load(contracts, { policyDir: extra.policies as string | undefined, env: io.env });
      const report = await buildReport({ period, at: common.at, slas, source, store, policies });
      reportWarnings(io, report.warnings);
      const text = format === 'md' ? renderMarkdown(report) : renderHtml(report);
      const out = extra.out as string | undefined;
      if (out) {
        writeFileSync(out, text);
        io.stdout(`wrote ${out} (${report.vendors.length} contract${report.vendors.length === 1 ? '' : 's'}, ${period})\n`);
      } else io.stdout(text);
    } finally {
      store?.close();
    }
    return 0;
  }, { command: 'report', help: HELP });
}
