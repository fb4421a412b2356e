// Dispute evidence packs against a real Prometheus: the pack's amount is the generator's ground truth
// (hand arithmetic over TrafficTruth, never obligo's code), `evidence verify` recomputes it offline
// (Prometheus stopped), and tampering with any file of the pack is detected.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal as DecimalBase } from 'decimal.js';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { evidenceCommand } from '../../src/cli/commands/evidence.js';
import { memoryIO } from '../../src/cli/io.js';
import type { TrafficSpec } from '../../src/demo/synthetic.js';
import { parseCsv, writeCsv } from '../../src/evidence/csv.js';
import { describeWithPrometheus } from '../helpers/prometheus.js';

// Ground truth arithmetic with far more digits than the 30 compared.
const Decimal = DecimalBase.clone({ precision: 80 });

const CONTRACTS = join(import.meta.dirname, 'fixtures');
const M = 60_000;
const t = (s: string) => Date.parse(s);
const APRIL = { start: t('2026-04-01T00:00:00Z'), end: t('2026-05-01T00:00:00Z') };
const MAINT = { start: t('2026-04-10T02:00:00Z'), end: t('2026-04-10T04:00:00Z') };
const outage = (from: string, to: string, errorRatio: number) => ({ start: t(from), end: t(to), errorRatio });

const SPEC: TrafficSpec = {
  start: t('2026-03-31T00:00:00Z'),
  end: t('2026-05-02T00:00:00Z'),
  services: [
    {
      service: 'eva',
      requestsPerMinute: 100,
      outages: [
        outage('2026-04-03T10:00:00Z', '2026-04-03T12:00:00Z', 1), // 120 bad minutes
        outage('2026-04-05T08:00:00Z', '2026-04-05T08:02:00Z', 1), // a run of 2 < 3: counted good
        outage('2026-04-10T02:30:00Z', '2026-04-10T03:30:00Z', 1), // inside maintenance: left out
      ],
    },
    { service: 'evb', requestsPerMinute: 1000, outages: [outage('2026-04-20T00:00:00Z', '2026-04-20T12:00:00Z', 0.5)] },
  ],
};

interface VerifyJson {
  ok: boolean;
  problems: string[];
  recomputed?: { amount: string; creditPercent: number; achieved: string | null; badMinutes: number; action?: string };
  queries: number;
}

describeWithPrometheus('evidence packs (real Prometheus, backfilled synthetic traffic)', SPEC, (prom) => {
  let dir: string;
  let packFile: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'obligo-evidence-'));
    packFile = join(dir, 'availability-2026-04.zip');
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function verify(file: string): Promise<{ code: number; json: VerifyJson; out: string; err: string }> {
    const io = memoryIO({});
    const code = await evidenceCommand(['verify', file, '--format', 'json'], io);
    return { code, json: (io.out ? JSON.parse(io.out) : {}) as VerifyJson, out: io.out, err: io.err };
  }

  /** Ground truth: minutes, bad minutes, achieved, tiers, cap split, all by hand from the generator. */
  function truth() {
    const before = { start: APRIL.start, end: MAINT.start };
    const after = { start: MAINT.end, end: APRIL.end };
    const badA = prom.truth.badMinutes('eva', 0.9, { range: before, minConsecutive: 3 }) + prom.truth.badMinutes('eva', 0.9, { range: after, minConsecutive: 3 });
    const measuredA = (APRIL.end - APRIL.start - (MAINT.end - MAINT.start)) / M;
    const achievedA = new Decimal(100).times(measuredA - badA).div(measuredA);
    let good = 0;
    let total = 0;
    for (let m = APRIL.start; m < APRIL.end; m += M) {
      const x = prom.truth.minute('evb', m);
      good += x.good;
      total += x.total;
    }
    const achievedB = new Decimal(100).times(good).div(total);
    const pctA = achievedA.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).lt('99.5') ? 25 : achievedA.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).lt('99.9') ? 10 : 0;
    const pctB = achievedB.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).lt('99.5') ? 10 : 0;
    const amountA = new Decimal(600).times(pctA).div(100);
    const amountB = new Decimal(400).times(pctB).div(100);
    const cap = new Decimal(1000).times(8).div(100);
    const sum = amountA.plus(amountB);
    // Scaled to the cap in proportion (the split below is exact: no remainder to allocate).
    const scaledA = sum.gt(cap) ? amountA.times(cap).div(sum) : amountA;
    return { badA, measuredA, achievedA, achievedB, pctA, pctB, amountA: scaledA.toFixed(2) };
  }

  it('writes a pack whose amount is the generator\'s ground truth, with every file in the manifest', async () => {
    const tr = truth();
    expect(tr.badA).toBe(120);
    expect(tr.pctA).toBe(10); // 99.72 % (nearest 0.01) is below 99.9, not below 99.5
    expect(tr.pctB).toBe(10); // 99.1667 % events
    expect(tr.amountA).toBe('48.00'); // 60 + 40 = 100 > cap 80: 60 × 80 / 100
    const io = memoryIO({});
    const code = await evidenceCommand(
      ['--contracts', CONTRACTS, '--prometheus', prom.url, '--contract', 'ev-vendor', '--sla', 'availability', '--period', '2026-04', '--at', '2026-05-02T00:00:00Z', '--out', packFile],
      io,
    );
    expect(io.err).toBe('');
    expect(code).toBe(0);
    expect(io.out).toMatch(/wrote .*: ev-vendor\/availability 2026-04, 48\.00 USD \(claim\)/);
    const files = unzipSync(readFileSync(packFile));
    const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as { files: Array<{ path: string; sha256: string }>; amount: string; slas: string[] };
    expect(manifest.amount).toBe('48.00');
    expect(manifest.slas).toEqual(['availability', 'errors']);
    expect(Object.keys(files).sort()).toEqual([...manifest.files.map((f) => f.path), 'manifest.json'].sort());
    for (const want of ['contract/evidence.yaml', 'contract.json', 'prometheus/queries.json', 'slices/availability.csv', 'slices/errors.csv', 'exclusions.json', 'computation.json', 'credit.json', 'README.txt']) {
      expect(Object.keys(files)).toContain(want);
    }
    // The contract file exactly as written, and its hash.
    expect(strFromU8(files['contract/evidence.yaml']!)).toBe(readFileSync(join(CONTRACTS, 'evidence.yaml'), 'utf8'));
    const contract = JSON.parse(strFromU8(files['contract.json']!)) as { sha256: string; revision: string };
    expect(contract.revision).toBe('2026-02');
    // The exact PromQL with its time ranges.
    const queries = JSON.parse(strFromU8(files['prometheus/queries.json']!)) as Array<{ query: string; start: string; end: string; stepSeconds: number }>;
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.every((q) => q.stepSeconds === 60 && q.query.includes('obligo_demo_requests_total'))).toBe(true);
    // The per-slice computation: every April minute, 120 excluded for maintenance, 120 + 2 bad slices.
    const slices = strFromU8(files['slices/availability.csv']!).trim().split('\r\n');
    expect(slices[0]).toBe('sliceStart,sliceEnd,status,good,total');
    expect(slices).toHaveLength(1 + 43_200);
    expect(slices.filter((l) => l.split(',')[2] === 'excluded')).toHaveLength(120);
    expect(slices.filter((l) => l.split(',')[2] === 'bad')).toHaveLength(122);
    expect(slices).toContain('2026-04-03T10:00:00.000Z,2026-04-03T10:01:00.000Z,bad,0,100');
    const computation = JSON.parse(strFromU8(files['computation.json']!)) as { slas: Array<{ sla: string; badRuns: Array<{ start: string; minutes: number }>; tierMatched: { percent: number }; comparedWithTiers: string; achieved: string; amount: string }> };
    const a = computation.slas.find((s) => s.sla === 'availability')!;
    expect(a.badRuns).toEqual([{ start: '2026-04-03T10:00:00Z', end: '2026-04-03T12:00:00Z', slices: 120, minutes: 120 }]);
    expect(a.comparedWithTiers).toBe(tr.achievedA.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2));
    expect(new Decimal(a.achieved).toFixed(30)).toBe(tr.achievedA.toFixed(30));
    expect(a.tierMatched.percent).toBe(10);
    const exclusions = JSON.parse(strFromU8(files['exclusions.json']!)) as { excludedIntervals: unknown[] };
    expect(exclusions.excludedIntervals).toEqual([{ start: '2026-04-10T02:00:00Z', end: '2026-04-10T04:00:00Z', minutes: 120 }]);
  });

  it('the same evidence gives the same bytes', async () => {
    const again = join(dir, 'again.zip');
    const io = memoryIO({});
    await evidenceCommand(['--contracts', CONTRACTS, '--prometheus', prom.url, '--contract', 'ev-vendor', '--sla', 'availability', '--period', '2026-04', '--at', '2026-05-02T00:00:00Z', '--out', again], io);
    expect(readFileSync(again).equals(readFileSync(packFile))).toBe(true);
  });

  it('a period the SLA is not credited for, and a period outside the term, are refused with the reason', async () => {
    for (const [period, msg] of [['2026-Q2', /credited per month: --period must be YYYY-MM/], ['2027-01', /outside the contract term/]] as const) {
      const io = memoryIO({});
      const code = await evidenceCommand(['--contracts', CONTRACTS, '--prometheus', prom.url, '--contract', 'ev-vendor', '--sla', 'availability', '--period', period, '--at', '2027-02-02T00:00:00Z', '--out', join(dir, 'x.zip')], io);
      expect(code).toBe(2);
      expect(io.err).toMatch(msg);
    }
  });

  it('verify recomputes the amount from the pack alone, with Prometheus stopped', async () => {
    await prom.server.stop();
    const r = await verify(packFile);
    expect(r.json.problems).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.json.recomputed).toMatchObject({ amount: '48.00', creditPercent: 10, badMinutes: 120, action: 'claim' });
    expect(r.json.queries).toBeGreaterThan(0);
    const text = memoryIO({});
    expect(await evidenceCommand(['verify', packFile], text)).toBe(0);
    expect(text.out).toMatch(/verified\. \d+ files match the manifest; ev-vendor\/availability 2026-04 recomputed offline from \d+ recorded quer(y|ies): 48\.00 USD/);
  });

  it('tampering with any file of the pack is detected and named', async () => {
    const files = unzipSync(readFileSync(packFile));
    const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as { files: Array<{ path: string }> };
    for (const { path } of manifest.files) {
      const copy = { ...files };
      const b = new Uint8Array(copy[path]!);
      // Change one byte in the middle (a digit stays a digit where possible, so the file still parses).
      const i = Math.floor(b.length / 2);
      b[i] = b[i] === 0x31 ? 0x32 : 0x31;
      copy[path] = b;
      const f = join(dir, 'tampered.zip');
      writeFileSync(f, zipSync(copy));
      const r = await verify(f);
      expect(r.code, path).toBe(1);
      expect(r.json.problems.join('\n'), path).toContain(`${path}: SHA-256`);
    }
    // A file added, a file removed.
    const extra = join(dir, 'extra.zip');
    writeFileSync(extra, zipSync({ ...files, 'note.txt': strToU8('hi') }));
    expect((await verify(extra)).json.problems).toEqual(['note.txt: not listed in the manifest']);
    const { ['exclusions.json']: _gone, ...rest } = files;
    const missing = join(dir, 'missing.zip');
    writeFileSync(missing, zipSync(rest));
    expect((await verify(missing)).json.problems).toEqual(['exclusions.json: listed in the manifest but missing']);
  });

  it('a consistent forgery (points changed and the manifest re-hashed) is caught by the recomputation', async () => {
    const files = unzipSync(readFileSync(packFile));
    const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as { files: Array<{ path: string; sha256: string; bytes: number }> };
    // Turn every bad minute of service A's outage into good traffic in the raw answers.
    const { createHash } = await import('node:crypto');
    let changed = 0;
    const outageFrom = Date.parse('2026-04-03T10:01:00Z');
    const outageTo = Date.parse('2026-04-03T12:00:00Z');
    for (const name of Object.keys(files).filter((p) => p.startsWith('prometheus/answer-'))) {
      const [header, ...rows] = parseCsv(strFromU8(files[name]!));
      let touched = false;
      for (const r of rows) {
        const ts = Date.parse(r[2]!);
        // Only service A's good series is 0 during its outage (B has traffic and no outage then).
        if (ts >= outageFrom && ts <= outageTo && r[3] === '0') {
          r[3] = String(100 / 60);
          changed++;
          touched = true;
        }
      }
      if (!touched) continue;
      files[name] = strToU8(writeCsv(header!, rows));
      const entry = manifest.files.find((f) => f.path === name)!;
      entry.sha256 = createHash('sha256').update(files[name]!).digest('hex');
      entry.bytes = files[name]!.byteLength;
    }
    expect(changed).toBeGreaterThan(0);
    files['manifest.json'] = strToU8(JSON.stringify(manifest));
    const f = join(dir, 'forged.zip');
    writeFileSync(f, zipSync(files));
    const r = await verify(f);
    expect(r.code).toBe(1);
    expect(r.json.problems.join('\n')).toMatch(/badMinutes: recomputed \d+, the pack says 120/);
    expect(r.json.problems.join('\n')).toMatch(/slices\/availability\.csv differs/);
  });

  it('what is not a pack is refused with exit 2 and a clear reason', async () => {
    const f = join(dir, 'not.zip');
    writeFileSync(f, 'hello');
    const r = await verify(f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not a zip file/);
    const noManifest = join(dir, 'empty.zip');
    writeFileSync(noManifest, zipSync({ 'a.txt': strToU8('a') }));
    expect((await verify(noManifest)).err).toMatch(/manifest\.json is missing/);
  });
}, { readyTimeoutMs: 60_000 });
