// `obligo rollup --from DATE --to DATE`: persist hourly rollups of every selected SLA, so that credits
// can be computed after Prometheus has dropped the raw samples. Only hours that ended by --at are
// written; re-running is idempotent (rows are replaced).
import { computeRollups } from '../../measure/rollup.js';
import { RollupStore } from '../../store/sqlite.js';
import {
  COMMON_HELP,
  isoUtc,
  loadSelection,
  parseCommon,
  parseDateOrInstant,
  printJson,
  renderTable,
  reportWarnings,
  requirePrometheus,
  runCommand,
  UsageError,
} from '../common.js';
import type { CommandIO } from '../io.js';

const HELP = `usage: obligo rollup --from DATE --to DATE [options]

Compute hourly rollups from Prometheus and store them (hours that ended by --at only). An hour whose
data is incomplete (a gap, or a partial response) is not stored: the run names it and exits 2 (with
--allow-incomplete, 0); a later run stores it once its data is whole.
DATE is YYYY-MM-DD (midnight UTC) or an RFC 3339 time; --to is exclusive.

${COMMON_HELP}
  --format table|json  output format (default table)
  --allow-incomplete   exit 0 even when some hours could not be stored
`;

function isoHour(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16) + 'Z';
}

export async function rollupCommand(argv: string[], io: CommandIO): Promise<number> {
  return runCommand(io, async () => {
    const { common, extra } = parseCommon(argv, io, { from: { type: 'string' }, to: { type: 'string' }, 'allow-incomplete': { type: 'boolean' } });
    if (common.help) {
      io.stdout(HELP);
      return 0;
    }
    if (!extra.from || !extra.to) throw new UsageError('rollup needs --from DATE and --to DATE');
    const from = parseDateOrInstant(extra.from as string, '--from');
    const to = parseDateOrInstant(extra.to as string, '--to');
    if (!(to > from)) throw new UsageError('--to must be after --from');
    const source = requirePrometheus(common);
    const { slas } = await loadSelection(common, io);
    const store = RollupStore.open(common.dbPath);
    try {
      const r = await computeRollups(slas, { from, to, at: common.at, source, store });
      reportWarnings(io, r.warnings);
      if (common.format === 'json') {
        printJson(io, { db: common.dbPath, from: isoUtc(from), to: isoUtc(to), at: isoUtc(common.at), ...r });
      } else {
        const rows = Object.entries(r.perSla);
        io.stdout(
          `wrote ${r.written} hourly rollups for ${rows.length} SLA${rows.length === 1 ? '' : 's'} to ${common.dbPath} ` +
            `(${isoUtc(from)} – ${isoUtc(Math.min(to, common.at))}, ${r.requests} Prometheus request${r.requests === 1 ? '' : 's'})\n`,
        );
        if (rows.length > 0) io.stdout(renderTable(rows, [{ header: 'SLA', value: (x) => x[0] }, { header: 'HOURS', value: (x) => String(x[1]), align: 'right' }]));
        if (r.kept > 0) io.stdout(`kept ${r.kept} stored hour${r.kept === 1 ? '' : 's'} that had data where Prometheus now has none\n`);
        for (const k of r.skipped) io.stderr(`obligo: ${k}: slice length does not divide an hour; measured from Prometheus only, not rolled up\n`);
      }
      for (const i of r.incomplete) {
        const first = i.hours.slice(0, 5).map(isoHour).join(', ');
        const more = i.hours.length > 5 ? ` and ${i.hours.length - 5} more` : '';
        io.stderr(`obligo: ${i.sla}: ${i.hours.length} hour${i.hours.length === 1 ? '' : 's'} not stored (${i.reason === 'gaps' ? 'data missing' : 'partial response'}): ${first}${more}\n`);
      }
      if (r.incomplete.length > 0 && !extra['allow-incomplete']) return 2;
    } finally {
      store.close();
    }
    return 0;
  });
}
