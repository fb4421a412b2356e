// Dispute evidence packs: one SLA's credit for one period, with everything a third party needs to
// recompute it offline — the contract file and its hash, every PromQL query with its time range and
// step, the raw points Prometheus answered, the per-slice classification, the maintenance left out,
// the tier matched and the amount — and a manifest with the SHA-256 of every file.
//
// The pack is made by measuring through a RecordingSource (measureCredits with every rollup ignored,
// so all the data is in the pack) and verified by measuring the same SLAs through a ReplaySource over
// the pack's own answers: the same code (measure → slo → credits) computes the amount both times.
// All SLAs of the contract with the disputed SLA's period are measured together, because the cap of a
// period is shared between them.
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import type { Contract, Sla } from '../contract/model.js';
import { formatIssue, loadContractBytes } from '../contract/load.js';
import { creditDocument } from '../evaluate/documents.js';
import type { ObligoPolicies } from '../evaluate/policies.js';
import type { CreditAction } from '../evaluate/types.js';
import type { CreditRow } from '../measure/credit-rows.js';
import { measureCredits, periodKindOfLabel, type CreditReport } from '../measure/credits.js';
import type { SlaMeasurement } from '../measure/measure-slas.js';
import type { PromSource } from '../measure/source.js';
import { maintenanceIntervals } from '../slo/maintenance.js';
import { badRuns } from '../slo/methods.js';
import { measuredRange } from '../slo/periods.js';
import { parseCsv, writeCsv } from './csv.js';
import { EvidenceError, RecordingSource, ReplaySource, type RecordedQuery } from './recording.js';

export const PACK_FORMAT = 'obligo-evidence-pack/1';

/** Largest pack `verify` opens (compressed) and largest total it unpacks. */
export const MAX_PACK_BYTES = 256 * 1024 * 1024;
export const MAX_UNPACKED_BYTES = 1024 * 1024 * 1024;

export interface ManifestFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof PACK_FORMAT;
  contract: string;
  sla: string;
  /** The disputed SLA's period label (YYYY-MM or YYYY-Qn). */
  period: string;
  /** The evaluation instant the pack was computed as of (RFC 3339 UTC). */
  at: string;
  /** The SLAs measured together (the contract's SLAs with the same period kind: they share the cap). */
  slas: string[];
  amount: string;
  currency: string;
  action: string;
  files: ManifestFile[];
}

export interface BuildPackRequest {
  contract: Contract;
  /** The contract file's bytes, as loaded (their SHA-256 is the contract's hash). */
  contractBytes: Uint8Array;
  sla: string;
  period: string;
  at: number;
  source: PromSource;
  policies: ObligoPolicies;
}

export interface BuiltPack {
  zip: Uint8Array;
  manifest: Manifest;
  row: CreditRow;
  action: CreditAction;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoS = (ms: number) => iso(ms).replace('.000Z', 'Z');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const json = (x: unknown) => strToU8(JSON.stringify(x, null, 2) + '\n');

const STATUS_WORD: Record<string, string> = { g: 'good', b: 'bad', n: 'no-data', '?': 'gap', x: 'excluded', '.': 'not-measured' };
const WORD_STATUS = Object.fromEntries(Object.entries(STATUS_WORD).map(([k, v]) => [v, k])) as Record<string, string>;

/** The contract's SLAs measured with `slaId` for `period`; throws EvidenceError on a wrong id or label. */
export function packSlas(contract: Contract, slaId: string, period: string): Sla[] {
  const sla = contract.slas.find((s) => s.id === slaId);
  if (!sla) throw new EvidenceError(`no SLA "${slaId}" in contract ${contract.id} (its SLAs: ${contract.slas.map((s) => s.id).join(', ')})`);
  const kind = periodKindOfLabel(period);
  if (kind !== sla.period) {
    throw new EvidenceError(`${sla.key} is credited per ${sla.period}: --period must be ${sla.period === 'month' ? 'YYYY-MM' : 'YYYY-Qn'} (got "${period}")`);
  }
  return contract.slas.filter((s) => s.period === sla.period);
}

function measure(contract: Contract, slas: readonly Sla[], period: string, at: number, source: PromSource): Promise<CreditReport> {
  return measureCredits(
    slas.map((sla) => ({ contract, sla })),
    { period, at, source, ignoreRollups: true, detail: true },
  );
}

function slicesCsv(m: SlaMeasurement): string {
  const grid = m.recent.grid;
  const byStart = new Map((m.observations ?? []).map((o) => [o.start, o]));
  const rows: string[][] = [];
  for (let i = 0; i < m.recent.statuses.length; i++) {
    const start = grid.origin + (m.recent.firstIndex + i) * grid.sliceMs;
    const o = byStart.get(start);
    const num = (x: number | null | undefined) => (x === null || x === undefined ? '' : String(x));
    rows.push([iso(start), iso(start + grid.sliceMs), STATUS_WORD[m.recent.statuses[i]!] ?? '?', num(o?.good), num(o?.total)]);
  }
  return writeCsv(['sliceStart', 'sliceEnd', 'status', 'good', 'total'], rows);
}

function answerCsv(r: RecordedQuery): string {
  const rows: string[][] = [];
  r.series.forEach((s, i) => {
    const labels = JSON.stringify(s.labels);
    for (const [t, v] of s.points) rows.push([String(i), labels, iso(t), String(v)]);
  });
  return writeCsv(['series', 'labels', 'timestamp', 'value'], rows);
}

function computationOf(rep: CreditReport, contract: Contract, actions: CreditAction[]): unknown {
  return {
    contract: contract.id,
    period: rep.period,
    at: rep.at,
    creditPolicy: contract.creditPolicy,
    fees: { currency: contract.currency, monthly: contract.monthlyFee },
    total: rep.totals[0] ?? null,
    slas: rep.credits.map((r, i) => {
      const m = rep.measurements![i]!;
      const spec = m.sla.measurement;
      const tier = r.evidence.tierIndex === null ? null : m.sla.tiers[r.evidence.tierIndex] ?? null;
      return {
        sla: r.sla,
        objective: r.objective,
        sli: { good: r.evidence.queries[0], total: r.evidence.queries[1] },
        measurement: spec,
        slices: {
          good: m.measurement.goodSlices,
          bad: m.measurement.badSlices,
          noData: m.measurement.noDataSlices,
          excluded: m.measurement.excludedSlices,
          gaps: m.measurement.gapSlices,
        },
        events: { good: m.measurement.goodEventsDecimal, total: m.measurement.totalEventsDecimal },
        badRuns: badRuns(m.recent, m.recent.grid, spec).map((b) => ({ start: isoS(b.start), end: isoS(b.end), slices: b.slices, minutes: (b.end - b.start) / 60_000 })),
        measuredMinutes: r.measuredMinutes,
        excludedMinutes: r.excludedMinutes,
        badMinutes: r.badMinutes,
        coverage: r.coverage,
        achieved: r.achievedDecimal,
        rounding: r.rounding,
        comparedWithTiers: r.evidence.comparedAchieved,
        tiers: m.sla.tiers,
        tierMatched: r.evidence.tierIndex === null ? null : { index: r.evidence.tierIndex, ...tier },
        creditPercent: r.creditPercent,
        base: r.base,
        amountBeforeCapAndRounding: r.evidence.uncappedAmount,
        amount: r.amount,
        cap: r.cap,
        capped: r.capped,
        claimDeadline: r.claimDeadline,
        flags: r.flags,
        action: actions[i]!.action,
        actionReasons: actions[i]!.reasons,
      };
    }),
  };
}

const README = (m: Manifest, contractPath: string) => `Obligo evidence pack (${PACK_FORMAT})

Contract ${m.contract}, SLA ${m.sla}, period ${m.period}, computed as of ${m.at}.
Credit: ${m.amount} ${m.currency} (action: ${m.action}).

${contractPath}            the contract file exactly as measured; contract.json has its SHA-256
contract.json              id, revision, document URL, time zone, term, SHA-256 of the file
prometheus/queries.json    every PromQL range query: the query, first and last evaluation time, step
prometheus/answer-NNNN.csv the raw points of each answer (series, labels, timestamp, value)
slices/SLA.csv             every slice of the period: start, end, status (good, bad, no-data, gap,
                           excluded, not-measured), good and total events read for it
exclusions.json            the maintenance windows left out of the measurement
computation.json           per SLA: the method, slice counts, runs of bad slices, minutes, coverage,
                           achieved, the tiers and the one matched, base, amount before and after the
                           cap, claim deadline and what to do (credits.rego)
credit.json                the disputed credit row, as \`obligo credits --format json\` prints it
manifest.json              SHA-256 and size of every other file

Check it offline with:  obligo evidence verify FILE.zip
It checks every hash, then recomputes the amount from the recorded answers alone, with the same code
that computed it. A slice is read at its end with the range [slice length]: a rate over the slice
times the slice length is the slice's count of events.
`;

export async function buildEvidencePack(req: BuildPackRequest): Promise<BuiltPack> {
  const { contract } = req;
  if (sha256(req.contractBytes) !== contract.hash) throw new EvidenceError(`${contract.file} changed since it was loaded (its SHA-256 differs)`);
  const slas = packSlas(contract, req.sla, req.period);
  const recorder = new RecordingSource(req.source);
  const rep = await measure(contract, slas, req.period, req.at, recorder);
  const index = rep.credits.findIndex((r) => r.sla === req.sla);
  if (index < 0) {
    const why = rep.outsideTerm.length > 0 ? 'outside the contract term' : rep.notStarted.length > 0 ? 'not started at --at' : 'not measured';
    throw new EvidenceError(`${contract.id}/${req.sla} ${req.period}: ${why}; there is no credit to give evidence for`);
  }
  const actions: CreditAction[] = [];
  for (const r of rep.credits) actions.push(await req.policies.creditAction(r, req.at));
  const row = rep.credits[index]!;
  const action = actions[index]!;

  const files = new Map<string, Uint8Array>();
  const contractPath = `contract/${basename(contract.file)}`;
  files.set(contractPath, req.contractBytes);
  files.set(
    'contract.json',
    json({
      id: contract.id,
      revision: contract.revision ?? null,
      documentUrl: contract.documentUrl ?? null,
      file: contractPath,
      sha256: contract.hash,
      vendor: contract.vendor,
      customer: contract.customer,
      role: contract.role,
      timezone: contract.timezone,
      term: { start: contract.termStart, end: contract.termEnd ?? null },
    }),
  );
  // In a fixed order (answers arrive in any order under concurrency): the same evidence, the same pack.
  const queries = [...recorder.recorded]
    .sort((a, b) => (a.query < b.query ? -1 : a.query > b.query ? 1 : a.start - b.start || a.end - b.end || a.stepSeconds - b.stepSeconds))
    .map((q, i) => ({ ...q, n: i + 1 }));
  files.set(
    'prometheus/queries.json',
    json(
      queries.map((q) => ({
        n: q.n,
        query: q.query,
        start: iso(q.start),
        end: iso(q.end),
        stepSeconds: q.stepSeconds,
        warnings: q.warnings,
        series: q.series.length,
        points: q.series.reduce((a, s) => a + s.points.length, 0),
        answer: `prometheus/answer-${String(q.n).padStart(4, '0')}.csv`,
      })),
    ),
  );
  for (const q of queries) files.set(`prometheus/answer-${String(q.n).padStart(4, '0')}.csv`, strToU8(answerCsv(q)));
  for (const m of rep.measurements!) files.set(`slices/${m.sla.id}.csv`, strToU8(slicesCsv(m)));
  const period = rep.measurements![index]!.period;
  const range = measuredRange(period, contract, req.at);
  files.set(
    'exclusions.json',
    json({
      timezone: contract.timezone,
      windows: contract.maintenance,
      excludedIntervals: range ? maintenanceIntervals(contract.maintenance, contract.timezone, range).map((i) => ({ start: isoS(i.start), end: isoS(i.end), minutes: (i.end - i.start) / 60_000 })) : [],
      excludedMinutes: Object.fromEntries(rep.credits.map((r) => [r.sla, r.excludedMinutes])),
    }),
  );
  files.set('computation.json', json(computationOf(rep, contract, actions)));
  files.set('credit.json', json({ ...creditDocument(row), action: action.action, actionReasons: action.reasons }));

  const manifest: Manifest = {
    format: PACK_FORMAT,
    contract: contract.id,
    sla: req.sla,
    period: req.period,
    at: rep.at,
    slas: slas.map((s) => s.id),
    amount: row.amount,
    currency: row.currency,
    action: action.action,
    files: [],
  };
  files.set('README.txt', strToU8(README(manifest, contractPath)));
  manifest.files = [...files.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([path, b]) => ({ path, bytes: b.byteLength, sha256: sha256(b) }));
  const zippable: Zippable = {};
  // A fixed time in every entry: the same evidence gives the same bytes.
  const mtime = new Date(Date.parse(rep.at));
  for (const [path, b] of files) zippable[path] = [b, { mtime }];
  zippable['manifest.json'] = [json(manifest), { mtime }];
  return { zip: zipSync(zippable, { level: 6 }), manifest, row, action };
}

export interface VerifyResult {
  ok: boolean;
  /** Every problem found (a hash that differs, a file missing or extra, a recomputed value that differs). */
  problems: string[];
  manifest?: Manifest;
  /** The amount recomputed from the pack. */
  recomputed?: { amount: string; currency: string; creditPercent: number; achieved: string | null; badMinutes: number; action?: string };
  /** Range queries replayed from the pack. */
  queries: number;
}

function parseManifest(bytes: Uint8Array | undefined): Manifest {
  if (!bytes) throw new EvidenceError('not an evidence pack: manifest.json is missing');
  let m: unknown;
  try {
    m = JSON.parse(strFromU8(bytes));
  } catch {
    throw new EvidenceError('manifest.json is not valid JSON');
  }
  const x = m as Partial<Manifest>;
  if (x.format !== PACK_FORMAT) throw new EvidenceError(`manifest.json: format must be "${PACK_FORMAT}" (got ${JSON.stringify(x.format)})`);
  for (const k of ['contract', 'sla', 'period', 'at', 'amount', 'currency'] as const) {
    if (typeof x[k] !== 'string') throw new EvidenceError(`manifest.json: ${k} must be a string`);
  }
  if (!Array.isArray(x.slas) || !Array.isArray(x.files)) throw new EvidenceError('manifest.json: slas and files must be lists');
  return x as Manifest;
}

function readRecords(files: Map<string, Uint8Array>): RecordedQuery[] {
  const q = files.get('prometheus/queries.json');
  if (!q) throw new EvidenceError('prometheus/queries.json is missing');
  const list = JSON.parse(strFromU8(q)) as Array<{ n: number; query: string; start: string; end: string; stepSeconds: number; warnings: string[]; answer: string }>;
  return list.map((e) => {
    const csv = files.get(e.answer);
    if (!csv) throw new EvidenceError(`${e.answer} (answer to query ${e.n}) is missing`);
    const rows = parseCsv(strFromU8(csv));
    const header = rows.shift();
    if (!header || header.join(',') !== 'series,labels,timestamp,value') throw new EvidenceError(`${e.answer}: header must be series,labels,timestamp,value`);
    const series: RecordedQuery['series'] = [];
    rows.forEach((r, i) => {
      const [idx, labels, ts, value] = r;
      const k = Number(idx);
      const t = Date.parse(ts ?? '');
      if (!Number.isInteger(k) || k < 0 || !Number.isFinite(t) || value === undefined || value === '') throw new EvidenceError(`${e.answer}:${i + 2}: malformed row`);
      while (series.length <= k) series.push({ labels: {}, points: [] });
      series[k]!.labels = JSON.parse(labels ?? '{}') as Record<string, string>;
      series[k]!.points.push([t, Number(value)]);
    });
    return { n: e.n, kind: 'range', query: e.query, start: Date.parse(e.start), end: Date.parse(e.end), stepSeconds: e.stepSeconds, warnings: e.warnings ?? [], series };
  });
}

/**
 * Verify a pack offline: every file's SHA-256 against the manifest (and no file the manifest does not
 * list), then the credit recomputed from the recorded answers alone, compared with the pack's.
 * `policies` (optional) recomputes the action too.
 */
export async function verifyEvidencePack(zip: Uint8Array, opts: { policies?: (contract: Contract) => Promise<ObligoPolicies> } = {}): Promise<VerifyResult> {
  const problems: string[] = [];
  if (zip.byteLength > MAX_PACK_BYTES) throw new EvidenceError(`the pack is ${zip.byteLength} bytes; at most ${MAX_PACK_BYTES} are read`);
  let entries: Record<string, Uint8Array>;
  let unpacked = 0;
  try {
    entries = unzipSync(zip, {
      filter: (f) => {
        unpacked += f.originalSize;
        if (unpacked > MAX_UNPACKED_BYTES) throw new EvidenceError(`the pack unpacks to more than ${MAX_UNPACKED_BYTES} bytes`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof EvidenceError) throw e;
    throw new EvidenceError(`not a zip file: ${(e as Error).message}`);
  }
  const files = new Map(Object.entries(entries).filter(([p]) => !p.endsWith('/')));
  const manifest = parseManifest(files.get('manifest.json'));
  const listed = new Set<string>();
  for (const f of manifest.files) {
    listed.add(f.path);
    const b = files.get(f.path);
    if (!b) problems.push(`${f.path}: listed in the manifest but missing`);
    else if (sha256(b) !== f.sha256) problems.push(`${f.path}: SHA-256 ${sha256(b)} differs from the manifest's ${f.sha256}`);
    else if (b.byteLength !== f.bytes) problems.push(`${f.path}: ${b.byteLength} bytes, the manifest says ${f.bytes}`);
  }
  for (const p of files.keys()) if (p !== 'manifest.json' && !listed.has(p)) problems.push(`${p}: not listed in the manifest`);
  if (problems.length > 0) return { ok: false, problems, manifest, queries: 0 };

  const info = JSON.parse(strFromU8(files.get('contract.json')!)) as { file: string; sha256: string };
  const bytes = files.get(info.file);
  if (!bytes) return { ok: false, problems: [`${info.file} (the contract) is missing`], manifest, queries: 0 };
  if (sha256(bytes) !== info.sha256) problems.push(`${info.file}: SHA-256 differs from contract.json's`);
  const loaded = loadContractBytes(info.file, bytes);
  const contract = loaded.contract;
  if (!contract) return { ok: false, problems: [...problems, ...loaded.issues.map((i) => `contract: ${formatIssue(i)}`)], manifest, queries: 0 };
  const slas = manifest.slas.map((id) => contract.slas.find((s) => s.id === id));
  if (slas.some((s) => s === undefined)) return { ok: false, problems: [...problems, `the contract lacks an SLA the manifest lists (${manifest.slas.join(', ')})`], manifest, queries: 0 };

  const replay = new ReplaySource(readRecords(files));
  const at = Date.parse(manifest.at);
  const rep = await measure(contract, slas as Sla[], manifest.period, at, replay);
  const row = rep.credits.find((r) => r.sla === manifest.sla);
  if (!row) return { ok: false, problems: [...problems, `${manifest.sla} ${manifest.period}: no credit row recomputed`], manifest, queries: replay.requests };
  const claimed = JSON.parse(strFromU8(files.get('credit.json')!)) as Record<string, unknown>;
  const compare = (what: string, got: unknown, want: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${what}: recomputed ${JSON.stringify(got)}, the pack says ${JSON.stringify(want)}`);
  };
  compare('amount', row.amount, manifest.amount);
  compare('amount (credit.json)', row.amount, claimed.amount);
  compare('currency', row.currency, manifest.currency);
  compare('creditPercent', row.creditPercent, claimed.creditPercent);
  compare('achieved', row.achievedDecimal, claimed.achievedDecimal);
  compare('badMinutes', row.badMinutes, claimed.badMinutes);
  compare('measuredMinutes', row.measuredMinutes, claimed.measuredMinutes);
  compare('excludedMinutes', row.excludedMinutes, claimed.excludedMinutes);
  compare('coverage', row.coverage, claimed.coverage);
  compare('flags', row.flags, claimed.flags);
  // The per-slice tables must be what the recorded answers give.
  for (const m of rep.measurements!) {
    const b = files.get(`slices/${m.sla.id}.csv`);
    if (!b) problems.push(`slices/${m.sla.id}.csv is missing`);
    else if (strFromU8(b) !== slicesCsv(m)) problems.push(`slices/${m.sla.id}.csv differs from the slices the recorded answers give`);
  }
  const unused = readRecords(files).filter((r) => !replay.used.has(r.n)).map((r) => r.n);
  if (unused.length > 0) problems.push(`recorded queries never asked when recomputing: ${unused.join(', ')}`);
  let action: string | undefined;
  if (opts.policies) {
    action = (await (await opts.policies(contract)).creditAction(row, at)).action;
    compare('action', action, manifest.action);
  }
  return {
    ok: problems.length === 0,
    problems,
    manifest,
    recomputed: { amount: row.amount, currency: row.currency, creditPercent: row.creditPercent, achieved: row.achievedDecimal, badMinutes: row.badMinutes, action },
    queries: replay.requests,
  };
}

export { WORD_STATUS };
