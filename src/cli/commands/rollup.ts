// `obligo rollup --from DATE --to DATE`: persist hourly rollups of every selected SLA, so that credits
// can be computed after Prometheus has dropped the raw samples. Only hours that ended by --at are
// written; re-running is idempotent (rows are replaced).
import { labelRange, periodKindOfLabel, PeriodLabelError } from '../../measure/credits.js';
import { computeRollups, mergeRollupSummaries, type RollupSummary } from '../../measure/rollup.js';
import { RollupStore } from '../../store/sqlite.js';
import {
  COMMON_HELP,
  isoUtc,
  LABEL_HELP,
  LABEL_OPTION,
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

const HELP = `usage: obligo rollup --period YYYY-MM|YYYY-Qn|YYYY [options]
       obligo rollup --from DATE --to DATE [options]

Compute hourly rollups from Prometheus and store them (hours that ended by --at only). An hour whose
data is incomplete (a gap, or a partial response) is not stored: the run names it and exits 2 (with
--allow-incomplete, 0); a later run stores it once its data is whole.
--period takes each contract's months in its own time zone (2026-03 of a New York contract is
2026-03-01T05:00Z – 2026-04-01T04:00Z). DATE is YYYY-MM-DD (midnight UTC) or an RFC 3339 time; --to
is exclusive.

${COMMON_HELP}
${LABEL_HELP}
  --period LABEL       a month, quarter or year in each contract's zone (instead of --from/--to)
  --format table|json  output format (default table)
  --allow-incomplete   exit 0 even when some hours could not be stored
`;

function isoHour(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16) + 'Z';
}

export async function rollupCommand(argv: string[], io: CommandIO): Promise<number> {
  return runCommand(io, async () => {
    const { common, extra } = parseCommon(argv, io, {
      ...LABEL_OPTION,
      from: { type: 'string' },
      to: { type: 'string' },
      period: { type: 'string' },
      'allow-incomplete': { type: 'boolean' },
    });
    if (common.help) {
      io.stdout(HELP);
      return 0;
    }
    const label = extra.period as string | undefined;
    if (label !== undefined && (extra.from || extra.to)) throw new UsageError('rollup takes --period LABEL or --from DATE --to DATE, not both');
    if (label !== undefined) {
      try {
        periodKindOfLabel(label);
      } catch (e) {
        if (e instanceof PeriodLabelError) throw new UsageError(e.message);
        throw e;
      }
    } else if (!extra.from || !extra.to) throw new UsageError('rollup needs --period LABEL, or --from DATE and --to DATE');
    const fixedFrom = label === undefined ? parseDateOrInstant(extra.from as string, '--from') : 0;
    const fixedTo = label === undefined ? parseDateOrInstant(extra.to as string, '--to') : 0;
    if (label === undefined && !(fixedTo > fixedFrom)) throw new UsageError('--to must be after --from');
    const source = requirePrometheus(common);
    const { slas } = await loadSelection(common, io);
    // One range per time zone: --period is each contract's own month (quarter, year).
    const byRange = new Map<string, { from: number; to: number; slas: typeof slas }>();
    for (const s of slas) {
      const r = label === undefined ? { start: fixedFrom, end: fixedTo } : labelRange(label, s.contract.timezone);
      const key = `${r.start}/${r.end}`;
      const g = byRange.get(key) ?? { from: r.start, to: r.end, slas: [] };
      g.slas.push(s);
      byRange.set(key, g);
    }
    const from = Math.min(...[...byRange.values()].map((g) => g.from));
    const to = Math.max(...[...byRange.values()].map((g) => g.to));
    const store = RollupStore.open(common.dbPath);
    try {
      const parts: RollupSummary[] = [];
      for (const g of byRange.values()) parts.push(await computeRollups(g.slas, { from: g.from, to: g.to, at: common.at, source, store }));
      const r = mergeRollupSummaries(parts);
      reportWarnings(io, r.warnings);
      if (common.format === 'json') {
        printJson(io, {
          db: common.dbPath,
          ...(label === undefined ? {} : { period: label }),
          from: isoUtc(from),
          to: isoUtc(to),
          ranges: [...byRange.values()].map((g) => ({ from: isoUtc(g.from), to: isoUtc(g.to), slas: g.slas.map((s) => s.sla.key) })),
          at: isoUtc(common.at),
          ...r,
        });
      } else {
        const rows = Object.entries(r.perSla);
        io.stdout(
          `wrote ${r.written} hourly rollups for ${rows.length} SLA${rows.length === 1 ? '' : 's'} to ${common.dbPath} ` +
            `(${label === undefined ? '' : `${label} in each contract's zone: `}${isoUtc(from)} – ${isoUtc(Math.min(to, common.at))}, ${r.requests} Prometheus request${r.requests === 1 ? '' : 's'})\n`,
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
  }, { command: 'rollup', help: HELP });
}
