// Credits against a real Prometheus on backfilled synthetic traffic. Every expected number comes from
// the generator's own per-minute counts (TrafficTruth) and hand arithmetic, never from obligo's code.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal as DecimalBase } from 'decimal.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { creditsCommand } from '../../src/cli/commands/credits.js';
import { rollupCommand } from '../../src/cli/commands/rollup.js';
import { memoryIO } from '../../src/cli/io.js';
import { backfillTraffic, freePort } from '../../src/demo/prometheus-server.js';
import { generateTraffic, type TrafficSpec, type TrafficTruth } from '../../src/demo/synthetic.js';
import { describeWithPrometheus } from '../helpers/prometheus.js';

const CONTRACTS = join(import.meta.dirname, '../fixtures/measure');
const M = 60_000;
const utc = (s: string) => Date.parse(s);
const APRIL = { start: utc('2026-04-01T00:00:00Z'), end: utc('2026-05-01T00:00:00Z') };
const APRIL_MINUTES = 43_200;
// March 2026 in America/New_York: 2026-03-01T05:00Z .. 2026-04-01T04:00Z (DST on 03-08 07:00Z).
const MARCH_NY = { start: utc('2026-03-01T05:00:00Z'), end: utc('2026-04-01T04:00:00Z') };
// Ground truth arithmetic with far more digits than the 30 compared.
const Decimal = DecimalBase.clone({ precision: 80 });
type Decimal = DecimalBase;
/** A port nobody listens on (Prometheus "gone"). */
let DEAD_URL = '';

const t = (s: string) => utc(s);
const outage = (from: string, to: string, errorRatio: number) => ({ start: t(from), end: t(to), errorRatio });

// Traffic for the whole of April (and for the quarterly SLA's service, the whole of Q2): a minute
// without samples of a series that has samples elsewhere in the period is a gap, not silence, so a
// month measured on a few days of data would be incomplete (spec: "Silence and gaps are different").
const APRIL_END = t('2026-05-02T00:00:00Z');
const Q2_END = t('2026-07-02T00:00:00Z');
const afterApril = [{ start: APRIL_END, end: Q2_END }];

const APRIL_SPEC: TrafficSpec = {
  start: t('2026-03-31T00:00:00Z'),
  end: Q2_END,
  services: [
    // 12 hours at 50 % errors: 360,000 bad of 43,200,000 → 99.1666… % (< 99.9)
    { service: 'ev', requestsPerMinute: 1000, outages: [outage('2026-04-06T10:00:00Z', '2026-04-06T22:00:00Z', 0.5)], absent: afterApril },
    {
      service: 'ts',
      requestsPerMinute: 100,
      outages: [
        outage('2026-04-06T10:00:00Z', '2026-04-06T10:20:00Z', 0.5),
        outage('2026-04-06T14:00:00Z', '2026-04-06T14:03:00Z', 0.5),
        outage('2026-04-06T16:00:00Z', '2026-04-06T16:30:00Z', 0.07),
      ],
    },
    { service: 'av', requestsPerMinute: 1000, outages: [outage('2026-04-06T10:02:00Z', '2026-04-06T10:13:00Z', 0.3)], absent: afterApril },
    {
      service: 'lat',
      requestsPerMinute: 600,
      // 0.5 % slow, and half slow for 12 hours: 1.325 % slow over April → 98.675 % (< 99)
      latency: { slowRatio: 0.005, slowPeriods: [{ start: t('2026-04-06T11:00:00Z'), end: t('2026-04-06T23:00:00Z'), slowRatio: 0.5 }] },
      absent: afterApril,
    },
    {
      service: 'mid',
      requestsPerMinute: 100,
      // Before the term (2026-04-06): must not count. Then exactly 36 bad minutes.
      outages: [outage('2026-04-05T20:00:00Z', '2026-04-05T21:00:00Z', 1), outage('2026-04-06T09:00:00Z', '2026-04-06T09:36:00Z', 1)],
      absent: afterApril,
    },
    {
      service: 'maint',
      requestsPerMinute: 100,
      // 40 bad minutes outside maintenance, 30 inside (2026-04-06T02:00Z .. 04-08T07:20Z).
      outages: [outage('2026-04-06T00:30:00Z', '2026-04-06T01:10:00Z', 1), outage('2026-04-06T03:00:00Z', '2026-04-06T03:30:00Z', 1)],
      absent: afterApril,
    },
    { service: 'capa', requestsPerMinute: 100, outages: [outage('2026-04-05T18:00:00Z', '2026-04-06T18:00:00Z', 1)], absent: afterApril },
    { service: 'capb', requestsPerMinute: 100, outages: [outage('2026-04-06T00:00:00Z', '2026-04-06T08:20:00Z', 1)], absent: afterApril },
  ],
};

// March in New York, from before its start (an outage on Feb 28 local time must not count) across the
// DST switch, and April too (the April run measures this New York contract as well).
const MARCH_SPEC: TrafficSpec = {
  start: t('2026-02-28T22:00:00Z'),
  end: t('2026-05-02T06:00:00Z'),
  services: [
    {
      service: 'dst',
      requestsPerMinute: 100,
      outages: [
        outage('2026-03-01T03:00:00Z', '2026-03-01T04:00:00Z', 1),
        outage('2026-03-01T06:00:00Z', '2026-03-01T06:10:00Z', 1),
        outage('2026-03-08T06:30:00Z', '2026-03-08T07:30:00Z', 1),
      ],
    },
  ],
};

interface CreditJson {
  period: string;
  credits: Array<{
    contract: string;
    vendor: string;
    sla: string;
    achieved: number | null;
    achievedDecimal: string | null;
    measuredMinutes: number;
    excludedMinutes: number;
    badMinutes: number;
    creditPercent: number;
    base: string;
    amount: string;
    currency: string;
    capped: boolean;
    claimDeadline: string | null;
    flags: string[];
    coverage: { expectedMinutes: number; coveredMinutes: number; gapMinutes: number; ratio: number | null; complete: boolean };
    action: string;
    evidence: { source: string; rollupHours: number; prometheusHours: number };
  }>;
  totals: Array<{ contract: string; amount: string; currency: string }>;
  requests: number;
}

async function credits(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; json?: CreditJson; out: string; err: string }> {
  const io = memoryIO(env);
  const code = await creditsCommand(['--contracts', CONTRACTS, '--format', 'json', ...args], io);
  return { code, json: code === 0 ? (JSON.parse(io.out) as CreditJson) : undefined, out: io.out, err: io.err };
}

/** stderr lines other than the note about SLAs of the other period kind. */
const problems = (err: string) => err.split('\n').filter((l) => l && !l.startsWith('obligo: note: '));

function row(j: CreditJson, contract: string, sla: string) {
  const r = j.credits.find((c) => c.contract === contract && c.sla === sla);
  if (!r) throw new Error(`no row ${contract}/${sla} in ${j.credits.map((c) => `${c.contract}/${c.sla}`).join(', ')}`);
  return r;
}

/** Averaged method ground truth: mean over the month's 5-minute slices of bad/total; no-data slices 0. */
function averagedTruth(truth: TrafficTruth, service: string, range: { start: number; end: number }): Decimal {
  let sum = new Decimal(0);
  let n = 0;
  for (let s = range.start; s < range.end; s += 5 * M) {
    let good = 0;
    let total = 0;
    for (let m = s; m < s + 5 * M; m += M) {
      if (m < truth.start || m >= truth.end) continue;
      const x = truth.minute(service, m);
      good += x.good;
      total += x.total;
    }
    if (total > 0) sum = sum.plus(new Decimal(total - good).div(total));
    n++;
  }
  return new Decimal(100).times(new Decimal(1).minus(sum.div(n)));
}

describeWithPrometheus('credits (real Prometheus, backfilled synthetic traffic)', APRIL_SPEC, (prom) => {
  let dbDir: string;
  const marchTruths: TrafficTruth[] = [];
  beforeAll(async () => {
    // Two more stretches of history for the DST month, then restart so that Prometheus loads the blocks.
    for (const spec of [MARCH_SPEC]) {
      const g = generateTraffic(spec);
      marchTruths.push(g.truth);
      await backfillTraffic(g, prom.server.dataDir);
    }
    await prom.server.restart();
    dbDir = mkdtempSync(join(tmpdir(), 'obligo-credits-it-'));
    DEAD_URL = `http://127.0.0.1:${await freePort()}`;
  });
  afterAll(() => {
    if (dbDir) rmSync(dbDir, { recursive: true, force: true });
  });

  let april: CreditJson;
  it('computes April from Prometheus for every method, exactly as the generator counts', async () => {
    const r = await credits(['--prometheus', prom.url, '--period', '2026-04', '--at', '2026-05-02T00:00:00Z', '--db', join(dbDir, 'none.db')]);
    expect(problems(r.err)).toEqual([]);
    expect(r.code).toBe(0);
    april = r.json!;
    const truth = prom.truth;

    // events: Σgood/Σtotal
    const ev = truth.totals('ev', APRIL);
    const evRow = row(april, 'm-methods', 'events');
    expect(ev.total).toBe(APRIL_MINUTES * 1000);
    for (const c of april.credits) expect(c.coverage).toMatchObject({ complete: true, gapMinutes: 0 });
    expect(new Decimal(evRow.achievedDecimal!).toFixed(30)).toBe(new Decimal(100).times(ev.good).div(ev.total).toFixed(30));
    expect(evRow.creditPercent).toBe(10); // 99.1666… < 99.9
    expect(evRow.amount).toBe('1000.00');
    expect(evRow.evidence.source).toBe('prometheus');

    // timeslices, every bad minute counts
    const bad95 = truth.badMinutes('ts', 0.95, { range: APRIL });
    expect(bad95).toBe(53);
    const slices = row(april, 'm-methods', 'slices');
    expect(slices.badMinutes).toBe(bad95);
    expect(slices.measuredMinutes).toBe(APRIL_MINUTES);
    expect(new Decimal(slices.achievedDecimal!).toFixed(30)).toBe(new Decimal(100).times(APRIL_MINUTES - bad95).div(APRIL_MINUTES).toFixed(30));
    expect(slices.amount).toBe('1000.00');

    // timeslices with runs of >= 5 bad minutes only (errors-style SLI)
    const badRuns = truth.badMinutes('ts', 0.9, { range: APRIL, minConsecutive: 5 });
    expect(badRuns).toBe(20);
    const runs = row(april, 'm-methods', 'runs');
    expect(runs.badMinutes).toBe(badRuns);
    expect(runs.creditPercent).toBe(0); // 99.9537 % is not below 99.95
    expect(runs.amount).toBe('0.00');

    // averaged 5-minute error rates
    const av = row(april, 'm-methods', 'averaged');
    expect(new Decimal(av.achievedDecimal!).toFixed(25)).toBe(averagedTruth(truth, 'av', APRIL).toFixed(25));
    expect(av.creditPercent).toBe(0);

    // latency (histogram bucket le=0.3 over +Inf), events
    const lat = truth.totals('lat', APRIL);
    const latRow = row(april, 'm-methods', 'latency');
    expect(new Decimal(latRow.achievedDecimal!).toFixed(30)).toBe(new Decimal(100).times(lat.total - lat.slow).div(lat.total).toFixed(30));
    expect(latRow.creditPercent).toBe(10);
    expect(april.totals.find((x) => x.contract === 'm-methods')).toMatchObject({ amount: '3000.00', currency: 'USD' });
  });

  it('a contract starting mid-month: only the term is measured, and achieved lands exactly on 99.9 %', () => {
    const truth = prom.truth;
    const term = { start: t('2026-04-06T00:00:00Z'), end: APRIL.end };
    expect(truth.badMinutes('mid', 0.5, { range: term })).toBe(36);
    expect(truth.badMinutes('mid', 0.5, { range: APRIL })).toBe(96); // 60 of them before the term
    for (const sla of ['below', 'atorbelow']) {
      const r = row(april, 'm-midmonth', sla);
      expect(r.measuredMinutes).toBe(36_000);
      expect(r.badMinutes).toBe(36);
      expect(r.achievedDecimal).toBe('99.9');
      expect(r.flags).toContain('partial-period');
    }
    expect(row(april, 'm-midmonth', 'below')).toMatchObject({ creditPercent: 0, amount: '0.00' });
    expect(row(april, 'm-midmonth', 'atorbelow')).toMatchObject({ creditPercent: 10, amount: '500.00' });
  });

  it('a maintenance window is left out: 40,000 measured minutes, 40 bad, exactly 99.9 %, atOrBelow tier', () => {
    const r = row(april, 'm-maint', 'availability');
    const inside = { start: t('2026-04-06T02:00:00Z'), end: t('2026-04-08T07:20:00Z') };
    expect(prom.truth.badMinutes('maint', 0.9, { range: APRIL })).toBe(70);
    expect(prom.truth.badMinutes('maint', 0.9, { range: inside })).toBe(30);
    expect(r.excludedMinutes).toBe(3200);
    expect(r.measuredMinutes).toBe(40_000);
    expect(r.badMinutes).toBe(40);
    expect(r.achievedDecimal).toBe('99.9');
    expect(r).toMatchObject({ creditPercent: 10, amount: '300.00', currency: 'EUR' });
    expect(r.flags).toContain('maintenance');
  });

  it('the cap scales the rows so that they add up to it exactly', () => {
    expect(prom.truth.badMinutes('capa', 0.9, { range: APRIL })).toBe(1440);
    expect(prom.truth.badMinutes('capb', 0.9, { range: APRIL })).toBe(500);
    const a = row(april, 'm-cap', 'a');
    const b = row(april, 'm-cap', 'b');
    expect(a.creditPercent).toBe(100); // 96.67 % < 97
    expect(b.creditPercent).toBe(25); // 98.84 % < 99
    // 700 + 150 = 850 > cap 500: 700 × 500/850 = 411.7647…, 150 × 500/850 = 88.2352…
    expect(a.amount).toBe('411.76');
    expect(b.amount).toBe('88.24');
    expect(a.capped && b.capped).toBe(true);
    expect(april.totals.find((x) => x.contract === 'm-cap')).toMatchObject({ amount: '500.00', currency: 'USD' });
  });

  it('no traffic at all: achieved unknown, no credit, flagged for review', () => {
    const r = row(april, 'm-nodata', 'ghost');
    expect(r.achieved).toBeNull();
    expect(r.amount).toBe('0.00');
    expect(r.flags).toEqual(expect.arrayContaining(['no-data', 'review']));
  });

  it('a DST month in America/New_York: 743 hours, only March minutes count', async () => {
    const r = await credits(['--prometheus', prom.url, '--period', '2026-03', '--at', '2026-04-15T00:00:00Z', '--contract', 'm-dst']);
    expect(r.code).toBe(0);
    const bad = marchTruths.reduce((n, tr) => n + tr.badMinutes('dst', 0.99, { range: MARCH_NY }), 0);
    const badAll = marchTruths.reduce((n, tr) => n + tr.badMinutes('dst', 0.99), 0);
    expect(bad).toBe(70);
    expect(badAll).toBe(130); // the hour on Feb 28 (local) is outside the period
    const x = row(r.json!, 'm-dst', 'availability');
    expect(x.measuredMinutes).toBe(743 * 60);
    expect(x.badMinutes).toBe(bad);
    expect(new Decimal(x.achievedDecimal!).toFixed(30)).toBe(new Decimal(100).times(743 * 60 - bad).div(743 * 60).toFixed(30));
    expect(x).toMatchObject({ creditPercent: 10, amount: '200.00', claimDeadline: '2026-04-30' });
  });

  it('rollup --period takes the month in the contract\'s zone: all 743 New York hours, where UTC dates miss the last 4', async () => {
    const run = async (args: string[]) => {
      const io = memoryIO({});
      const db = join(dbDir, `ny-${args.join('-').replace(/[^0-9A-Za-z-]/g, '')}.db`);
      const code = await rollupCommand(['--contracts', CONTRACTS, '--prometheus', prom.url, '--db', db, '--contract', 'm-dst', '--at', '2026-04-15T00:00:00Z', '--format', 'json', ...args], io);
      return { code, db, err: io.err, json: JSON.parse(io.out) as { written: number; ranges: Array<{ from: string; to: string }> } };
    };
    const byPeriod = await run(['--period', '2026-03']);
    expect(byPeriod.code).toBe(0);
    expect(byPeriod.err).toBe('');
    expect(byPeriod.json.ranges).toEqual([{ from: '2026-03-01T05:00:00Z', to: '2026-04-01T04:00:00Z', slas: ['m-dst/availability'] }]);
    expect(byPeriod.json.written).toBe(743);
    const byUtcDates = await run(['--from', '2026-03-01', '--to', '2026-04-01']);
    expect(byUtcDates.json.written).toBe(5 + 743 - 4); // February's last 5 New York hours, March without its last 4
    // Credits from the stored hours alone: the period's rollups cover March, the UTC dates' do not.
    const fromStore = async (db: string) => {
      const io = memoryIO({});
      const code = await creditsCommand(['--contracts', CONTRACTS, '--db', db, '--period', '2026-03', '--at', '2026-04-15T00:00:00Z', '--contract', 'm-dst', '--format', 'json'], io);
      return { code, err: io.err, out: io.out };
    };
    const good = await fromStore(byPeriod.db);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.out).credits[0].evidence.source).toBe('rollups');
    const short = await fromStore(byUtcDates.db);
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/rollup store does not cover m-dst\/availability/);
  });

  it('--period 2026-Q2 of a monthly SLA lists April, May and June, each as the generator counts, summed per contract', async () => {
    const r = await credits(['--prometheus', prom.url, '--period', '2026-Q2', '--at', '2026-07-02T00:00:00Z', '--contract', 'm-methods', '--sla', 'slices']);
    expect(r.code).toBe(0);
    const rows = r.json!.credits as Array<CreditJson['credits'][number] & { period: string; periodStart: string; cap: string }>;
    expect(rows.map((x) => x.period)).toEqual(['2026-04', '2026-05', '2026-06']);
    let sum = new Decimal(0);
    for (const x of rows) {
      const range = { start: Date.parse(x.periodStart), end: Date.parse(`${x.period === '2026-06' ? '2026-07' : x.period === '2026-05' ? '2026-06' : '2026-05'}-01T00:00:00Z`) };
      const minutes = (range.end - range.start) / M;
      const bad = prom.truth.badMinutes('ts', 0.95, { range });
      expect(x.measuredMinutes).toBe(minutes);
      expect(x.badMinutes).toBe(bad);
      const achieved = new Decimal(100).times(minutes - bad).div(minutes);
      expect(new Decimal(x.achievedDecimal!).toFixed(30)).toBe(achieved.toFixed(30));
      // tiers: below 99.9 → 10 %, below 99.0 → 25 % of the month's 10,000 (capped at 100 % of 10,000 a month)
      const pct = achieved.lt(99) ? 25 : achieved.lt('99.9') ? 10 : 0;
      expect(x.creditPercent).toBe(pct);
      expect(x.amount).toBe(new Decimal(10000).times(pct).div(100).toFixed(2));
      expect(x.cap).toBe('10000.00');
      sum = sum.plus(x.amount);
    }
    const total = r.json!.totals.find((t) => t.contract === 'm-methods')!;
    expect(total.amount).toBe(sum.toFixed(2));
    expect((total as unknown as { cap: string }).cap).toBe('30000.00');
  });

  it('periods outside the contract term are not rows; a year lists only the months in force and started', async () => {
    const march = await credits(['--prometheus', prom.url, '--period', '2026-03', '--at', '2026-05-02T00:00:00Z', '--contract', 'm-midmonth']);
    expect(march.code).toBe(0);
    expect(march.json!.credits).toEqual([]);
    expect(march.err).toMatch(/note: 2 periods outside the contract term, not listed: m-midmonth\/below 2026-03, m-midmonth\/atorbelow 2026-03/i);
    const year = await credits(['--prometheus', prom.url, '--period', '2026', '--at', '2026-05-02T00:00:00Z', '--contract', 'm-midmonth']);
    expect(year.code).toBe(0);
    expect([...new Set(year.json!.credits.map((c) => (c as unknown as { period: string }).period))]).toEqual(['2026-04', '2026-05']);
    const j = year.json as unknown as { outsideTerm: string[]; notStarted: string[] };
    expect(j.outsideTerm.filter((x) => x.endsWith('2026-01'))).toHaveLength(2);
    expect(j.notStarted.filter((x) => x.endsWith('2026-12'))).toHaveLength(2);
  });

  it('a quarterly SLA: the quarter is measured, three monthly fees are the base', async () => {
    const r = await credits(['--prometheus', prom.url, '--period', '2026-Q2', '--at', '2026-07-02T00:00:00Z', '--contract', 'm-quarterly']);
    expect(r.code).toBe(0);
    expect(r.json!.credits.map((c) => `${c.contract} ${c.sla} ${(c as { period?: string }).period}`)).toEqual(['m-quarterly availability 2026-Q2']);
    const q2 = { start: t('2026-04-01T00:00:00Z'), end: t('2026-07-01T00:00:00Z') };
    const minutes = (q2.end - q2.start) / M; // 91 days
    const bad = prom.truth.badMinutes('ts', 0.95, { range: q2 });
    const x = row(r.json!, 'm-quarterly', 'availability');
    expect(x.measuredMinutes).toBe(minutes);
    expect(x.badMinutes).toBe(bad);
    expect(new Decimal(x.achievedDecimal!).toFixed(30)).toBe(new Decimal(100).times(minutes - bad).div(minutes).toFixed(30));
    // 99.9596 % is at or below 99.99 and above 99.0: 10 % of 3 × 1,000
    expect(x).toMatchObject({ creditPercent: 10, base: '3000', amount: '300.00', claimDeadline: '2026-07-30' });
  });

  it('a period not ended at --at is computed to --at and flagged provisional', async () => {
    const r = await credits(['--prometheus', prom.url, '--period', '2026-04', '--at', '2026-04-06T12:00:00Z', '--contract', 'm-methods', '--sla', 'slices']);
    const x = row(r.json!, 'm-methods', 'slices');
    const toAt = { start: APRIL.start, end: t('2026-04-06T12:00:00Z') };
    expect(x.flags).toEqual(expect.arrayContaining(['provisional', 'partial-period']));
    expect(x.measuredMinutes).toBe((toAt.end - toAt.start) / M);
    expect(x.badMinutes).toBe(prom.truth.badMinutes('ts', 0.95, { range: toAt }));
  });

  it('credits from rollups after the raw data is gone: same amounts, no request to Prometheus', async () => {
    const db = join(dbDir, 'rollups.db');
    const io = memoryIO({});
    const code = await rollupCommand(
      ['--contracts', CONTRACTS, '--prometheus', prom.url, '--db', db, '--from', '2026-04-01', '--to', '2026-05-02', '--at', '2026-05-02T00:00:00Z', '--format', 'json'],
      io,
    );
    expect(io.err).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(io.out) as { written: number; perSla: Record<string, number> };
    // April in UTC (720 h) plus May 1 (24 h); the New York contract's April ends on May 1 at 04:00Z.
    expect(summary.perSla['m-methods/events']).toBe(744);
    expect(summary.perSla['m-midmonth/below']).toBe(26 * 24); // the term starts on April 6
    // Prometheus "without the data": a dead URL. Everything must come from the store.
    const r = await credits(['--prometheus', DEAD_URL, '--db', db, '--period', '2026-04', '--at', '2026-05-02T00:00:00Z']);
    expect(problems(r.err)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.json!.requests).toBe(0);
    const strip = (j: CreditJson) => j.credits.map(({ contract, sla, amount, creditPercent, achievedDecimal, measuredMinutes, badMinutes, excludedMinutes, flags }) => ({ contract, sla, amount, creditPercent, achievedDecimal, measuredMinutes, badMinutes, excludedMinutes, flags }));
    expect(strip(r.json!)).toEqual(strip(april));
    expect(r.json!.totals).toEqual(april.totals);
    for (const c of r.json!.credits) expect(c.evidence).toMatchObject({ source: 'rollups', prometheusHours: 0 });
  });

  it('rollups for part of the month + Prometheus for the rest give the same amounts', async () => {
    const db = join(dbDir, 'half.db');
    const io = memoryIO({});
    expect(await rollupCommand(['--contracts', CONTRACTS, '--prometheus', prom.url, '--db', db, '--from', '2026-04-01', '--to', '2026-04-06T06:00:00Z', '--at', '2026-05-02T00:00:00Z'], io)).toBe(0);
    const r = await credits(['--prometheus', prom.url, '--db', db, '--period', '2026-04', '--at', '2026-05-02T00:00:00Z']);
    expect(r.code).toBe(0);
    expect(r.json!.credits.map((c) => [c.sla, c.amount, c.achievedDecimal])).toEqual(april.credits.map((c) => [c.sla, c.amount, c.achievedDecimal]));
    const ev = row(r.json!, 'm-methods', 'events');
    expect(ev.evidence).toMatchObject({ source: 'rollups+prometheus', rollupHours: 5 * 24 + 6, prometheusHours: 720 - (5 * 24 + 6) });
  });

  it('a changed SLA definition does not reuse stale rollups', async () => {
    // Same store, but --no-rollups aside, a contract with another sliceGoodRatio would hash differently:
    // with a dead Prometheus the command must fail rather than silently use the old rows.
    const { mkdtempSync: mk, writeFileSync, readFileSync } = await import('node:fs');
    const dir = mk(join(tmpdir(), 'obligo-changed-'));
    try {
      const src = readFileSync(join(CONTRACTS, 'methods.yaml'), 'utf8').replace('sliceGoodRatio: 0.95', 'sliceGoodRatio: 0.96');
      writeFileSync(join(dir, 'methods.yaml'), src);
      const io = memoryIO({});
      const code = await creditsCommand(['--contracts', dir, '--prometheus', DEAD_URL, '--db', join(dbDir, 'rollups.db'), '--period', '2026-04', '--at', '2026-05-02T00:00:00Z'], io);
      expect(code).toBe(2);
      expect(problems(io.err)).toEqual([`obligo: cannot reach Prometheus at ${DEAD_URL}: ECONNREFUSED`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('CSV: RFC 4180 with a header row, quoting where needed', async () => {
    const io = memoryIO({});
    expect(await creditsCommand(['--contracts', CONTRACTS, '--prometheus', prom.url, '--period', '2026-04', '--at', '2026-05-02T00:00:00Z', '--contract', 'm-cap', '--format', 'csv'], io)).toBe(0);
    const lines = io.out.split('\r\n');
    expect(lines[0]).toBe(
      'contract,vendor,role,sla,period,periodStart,periodEnd,action,objective,achieved,rounding,achievedRounded,tier,creditPercent,base,amount,cap,currency,capped,claimDeadline,coverage,' +
        'measuredMinutes,excludedMinutes,badMinutes,gapMinutes,flags,source,rollupHours,prometheusHours,goodQuery,totalQuery,definitionHash,contractFile,contractRevision,contractSha256',
    );
    expect(lines[1]!.startsWith('m-cap,"Cap Vendor, Inc.",customer,a,2026-04,2026-04-01T00:00:00Z,2026-05-01T00:00:00Z,claim,99.9,')).toBe(true);
    // base and amount in the currency's minor unit, the cap of the period, no URL anywhere
    expect(lines[1]).toContain(',100,700.00,411.76,500.00,USD,true,,1.000000,');
    expect(io.out).not.toMatch(/https?:\/\//);
    expect(lines[3]).toBe('');
    expect(lines).toHaveLength(4);
  });
}, { readyTimeoutMs: 60_000 });
