// Incomplete Prometheus answers never become other numbers. A fault-injecting proxy (real sockets) sits
// in front of a real Prometheus holding a month of synthetic traffic and damages answers the way Thanos,
// Mimir and flaky networks do. Every expected amount comes from the generator's own per-minute counts and
// the contract's tier table written out here, never from obligo's measurement code. For each fault: the
// credit is the true one, or the run is refused, or the row is flagged and not claimable; the gate never
// allows what the full data denies; rollups taken during a fault do not poison later credits.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { creditsCommand } from '../../src/cli/commands/credits.js';
import { gateCommand } from '../../src/cli/commands/gate.js';
import { rollupCommand } from '../../src/cli/commands/rollup.js';
import { memoryIO } from '../../src/cli/io.js';
import type { TrafficSpec, TrafficTruth } from '../../src/demo/synthetic.js';
import { startFaultProxy, type FaultProxy, type ProxiedQuery } from '../helpers/fault-proxy.js';
import { describeWithPrometheus } from '../helpers/prometheus.js';

const CONTRACTS = join(import.meta.dirname, '../fixtures/faults');
const M = 60_000;
const t = (s: string) => Date.parse(s);
const APRIL = { start: t('2026-04-01T00:00:00Z'), end: t('2026-05-01T00:00:00Z') };
const APRIL_MINUTES = 43_200;
const AFTER_APRIL = '2026-05-02T00:00:00Z';
const LATE_APRIL = '2026-04-28T00:00:00Z';
const outage = (from: string, to: string, errorRatio: number) => ({ start: t(from), end: t(to), errorRatio });

const SPEC: TrafficSpec = {
  start: t('2026-03-31T23:00:00Z'),
  end: t('2026-05-02T00:00:00Z'),
  services: [
    // 500 minutes at 50 % errors: 500 bad 1-minute slices (ratio 0.99) → 98.84 % → 30 % of 10,000
    { service: 'fa', requestsPerMinute: 1000, outages: [outage('2026-04-20T10:00:00Z', '2026-04-20T18:20:00Z', 0.5)] },
    // 300 minutes down: 300,000 bad of 43,200,000 → 99.31 % → 20 % of 10,000
    { service: 'fb', requestsPerMinute: 1000, outages: [outage('2026-04-22T00:00:00Z', '2026-04-22T05:00:00Z', 1)] },
    // 100 minutes down = 20 five-minute slices at error ratio 1 of 8,640 → 99.77 % → 10 % of 7,500
    { service: 'fc', requestsPerMinute: 500, outages: [outage('2026-04-25T00:00:00Z', '2026-04-25T01:40:00Z', 1)] },
  ],
};

/** The contract's tier table (test/fixtures/faults/vendor.yaml), written out independently of obligo. */
function tierPercent(achieved: Decimal): number {
  if (achieved.lt(95)) return 100;
  if (achieved.lt(99)) return 30;
  if (achieved.lt(99.5)) return 20;
  if (achieved.lt(99.9)) return 10;
  return 0;
}
const money = (fee: number, pct: number) => new Decimal(fee).times(pct).div(100).toFixed(2);

interface Truths {
  a: Decimal;
  b: Decimal;
  c: Decimal;
}

/**
 * April's achieved values from the generator's minutes, leaving out the minutes in `gaps` (unmeasured, as
 * the spec says: "the engine never reads a gap as good or bad traffic").
 */
function achievedFromTruth(truth: TrafficTruth, gaps: (minuteStart: number) => boolean = () => false): Truths {
  let aGood = 0;
  let aAll = 0;
  let bGood = new Decimal(0);
  let bTotal = new Decimal(0);
  for (let m = APRIL.start; m < APRIL.end; m += M) {
    if (gaps(m)) continue;
    const a = truth.minute('fa', m);
    aAll++;
    if (new Decimal(a.good).div(a.total).gte(0.99)) aGood++;
    const b = truth.minute('fb', m);
    bGood = bGood.plus(b.good);
    bTotal = bTotal.plus(b.total);
  }
  // averaged: mean over 5-minute slices of the slice's error ratio; a slice with any gap minute is a gap
  let errSum = new Decimal(0);
  let slices = 0;
  for (let s = APRIL.start; s < APRIL.end; s += 5 * M) {
    let good = 0;
    let total = 0;
    let gap = false;
    for (let m = s; m < s + 5 * M; m += M) {
      if (gaps(m)) gap = true;
      const c = truth.minute('fc', m);
      good += c.good;
      total += c.total;
    }
    if (gap) continue;
    errSum = errSum.plus(new Decimal(total - good).div(total));
    slices++;
  }
  return {
    a: new Decimal(100).times(aGood).div(aAll),
    b: new Decimal(100).times(bGood).div(bTotal),
    c: new Decimal(100).times(new Decimal(1).minus(errSum.div(slices))),
  };
}

interface Row {
  sla: string;
  amount: string;
  achievedDecimal: string | null;
  action: string;
  flags: string[];
  coverage: { ratio: number | null; complete: boolean; gapMinutes: number; partialResponse: boolean };
  evidence: { requeried: string[]; warnings: string[]; hours: Array<{ source: string; hours: number }>; source: string };
}

async function credits(url: string, extra: string[] = []): Promise<{ code: number; rows: Row[]; out: string; err: string }> {
  const io = memoryIO({});
  const code = await creditsCommand(['--contracts', CONTRACTS, '--prometheus', url, '--period', '2026-04', '--at', AFTER_APRIL, '--format', 'json', '--db', join(tmpdir(), 'obligo-faults-none.db'), ...extra], io);
  const rows = code === 0 ? ((JSON.parse(io.out) as { credits: Row[] }).credits ?? []) : [];
  return { code, rows, out: io.out, err: io.err };
}

const amounts = (rows: Row[]) => rows.map((r) => r.amount);

async function gate(url: string, sla: string, extra: string[] = []) {
  const io = memoryIO({});
  const code = await gateCommand(['--contracts', CONTRACTS, '--prometheus', url, '--at', LATE_APRIL, '--sla', sla, '--db', join(tmpdir(), 'obligo-faults-none.db'), ...extra], io);
  return { code, out: io.out, err: io.err };
}

/**
 * The good series of the SLAs, in a batched answer of either shape: `sum by (service)` selectors (a
 * series labelled service=fa…) or `or` unions (the tag written right after a good expression).
 */
function isGoodSeries(labels: Record<string, string>, q: ProxiedQuery): boolean {
  const query = q.query ?? '';
  if (labels.service) return query.includes('code!~"5.."');
  const tag = labels.obligo_q;
  if (!tag) return false;
  const good = /sum\(sum\(rate\(obligo_demo_requests_total\{service="f[abc]",code!~"5\.\."\}\[\d+m\]\)\)\), "obligo_q", "([^"]+)"/g;
  for (const m of query.matchAll(good)) if (m[1] === tag) return true;
  return false;
}

describeWithPrometheus('incomplete Prometheus answers (fault proxy in front of a real Prometheus)', SPEC, (prom) => {
  let proxy: FaultProxy;
  let truth: Truths;
  let expected: string[];
  let tmp = '';
  beforeAll(async () => {
    proxy = await startFaultProxy({ target: prom.url });
    truth = achievedFromTruth(prom.truth);
    expected = [money(10000, tierPercent(truth.a)), money(10000, tierPercent(truth.b)), money(7500, tierPercent(truth.c))];
    tmp = mkdtempSync(join(tmpdir(), 'obligo-faults-'));
  });
  afterAll(async () => {
    await proxy?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('ground truth: 3000.00, 2000.00 and 750.00 USD, and obligo agrees through a transparent proxy', async () => {
    expect(expected).toEqual(['3000.00', '2000.00', '750.00']);
    proxy.setFaults([]);
    const r = await credits(proxy.url);
    expect(r.err).toBe('');
    expect(amounts(r.rows)).toEqual(expected);
    expect(r.rows.map((x) => x.achievedDecimal!.slice(0, 20))).toEqual([truth.a, truth.b, truth.c].map((d) => d.toFixed(40).slice(0, 20)));
    expect(r.rows.map((x) => x.action)).toEqual(['claim', 'claim', 'claim']);
    for (const x of r.rows) expect(x.coverage).toMatchObject({ ratio: 1, complete: true, gapMinutes: 0, partialResponse: false });
    expect((await gate(proxy.url, 'f-vendor/b-events')).code).toBe(1); // breached on the full data
  });

  it('a good series missing from a batched answer is asked again alone: the true amounts, not the full fee', async () => {
    proxy.setFaults([{ kind: 'drop-series', series: isGoodSeries }]);
    proxy.clearLog();
    const r = await credits(proxy.url);
    expect(r.code).toBe(0);
    // the damage really happened: batched answers lost series…
    expect(proxy.log.some((e) => e.faults.includes('drop-series') && (e.seriesOut ?? 0) < (e.seriesIn ?? 0))).toBe(true);
    // …and each SLA's good expression was asked on its own
    expect(r.rows.map((x) => x.evidence.requeried)).toEqual([['good'], ['good'], ['good']]);
    expect(amounts(r.rows)).toEqual(expected);
    expect(r.rows.every((x) => x.coverage.complete)).toBe(true);
    // the gate is not fooled either: b is breached on the full data and denied here
    const g = await gate(proxy.url, 'f-vendor/b-events');
    expect(g.code).toBe(1);
    expect(g.out).toMatch(/^deny: f-vendor\/b-events: SLA breached/);
    const healthyLooking = await gate(proxy.url, 'f-vendor/a-slices', ['--at', '2026-04-10T00:00:00Z']);
    expect(healthyLooking.code).toBe(0); // a is healthy before its outage: the missing good series is no breach
  });

  it('the second (or first) half of the points missing: every row flagged incomplete, never claimable; --require-complete refuses', async () => {
    for (const half of ['second', 'first'] as const) {
      proxy.setFaults([{ kind: 'drop-points', half }]);
      const r = await credits(proxy.url);
      expect(r.code).toBe(0);
      for (const x of r.rows) {
        expect(x.flags).toEqual(expect.arrayContaining(['gaps', 'incomplete-data']));
        expect(x.coverage.complete).toBe(false);
        expect(x.coverage.ratio!).toBeLessThan(0.6);
        expect(x.action).toBe('review');
      }
      expect(r.err).toMatch(/3 credit rows were computed from incomplete data \(action review, not claimable\)/);
      const strict = await credits(proxy.url, ['--require-complete']);
      expect(strict.code).toBe(2);
      // The gate never allows what the full data denies: it cannot decide.
      const g = await gate(proxy.url, 'f-vendor/b-events');
      expect(g.code).toBe(2);
      expect(g.out).toMatch(/^cannot decide: f-vendor\/b-events: cannot decide on incomplete data \(coverage \d+(\.\d+)?% of the period so far, minimum 99%\)/);
      // and --fail-open does not open it: incomplete data is no outage
      expect((await gate(proxy.url, 'f-vendor/b-events', ['--fail-open'])).code).toBe(2);
    }
  });

  it('partial-response warnings: one line on stderr, the flag, not claimable, the gate cannot decide', async () => {
    const warning = 'PromQL partial response: store 10.0.0.7:10901 unavailable';
    proxy.setFaults([{ kind: 'warnings', warnings: [warning] }]);
    const r = await credits(proxy.url);
    expect(r.code).toBe(0);
    const lines = r.err.split('\n').filter(Boolean);
    expect(lines.filter((l) => l.includes('partial response from Prometheus'))).toEqual([
      `obligo: warning: partial response from Prometheus: ${warning}; results built from it are flagged partial-response`,
    ]);
    for (const x of r.rows) {
      expect(x.flags).toEqual(expect.arrayContaining(['partial-response', 'incomplete-data']));
      expect(x.evidence.warnings).toEqual([warning]);
      expect(x.action).toBe('review');
    }
    expect(amounts(r.rows)).toEqual(expected); // the numbers may even be right; they are still not payable
    const g = await gate(proxy.url, 'f-vendor/a-slices', ['--at', '2026-04-10T00:00:00Z']);
    expect(g.code).toBe(2);
    expect(g.out).toBe('cannot decide: f-vendor/a-slices: cannot decide on incomplete data (partial response from Prometheus)\n');
  });

  it('a 503 with Retry-After, once: retried, the true amounts', async () => {
    proxy.setFaults([{ kind: 'status', status: 503, retryAfter: '1', times: 1 }]);
    proxy.clearLog();
    const r = await credits(proxy.url);
    expect(r.code).toBe(0);
    expect(proxy.log.filter((e) => e.status === 503)).toHaveLength(1);
    expect(amounts(r.rows)).toEqual(expected);
  });

  it('a 200 MB answer is refused while it streams: exit 2, no number', async () => {
    proxy.setFaults([{ kind: 'huge-body', bytes: 200_000_000 }]);
    const r = await credits(proxy.url, ['--prometheus-max-bytes', String(8 * 1024 * 1024)]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/is larger than the 8 MiB limit .*--prometheus-max-bytes/);
    await proxy.idle();
  });

  it('a redirect to another origin is refused: credentials and tenant headers never leave', async () => {
    const seen: string[] = [];
    const other: Server = createServer((req, res) => {
      seen.push(String(req.headers.authorization ?? ''));
      res.end('{}');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    try {
      const port = (other.address() as AddressInfo).port;
      proxy.setFaults([{ kind: 'redirect', location: (q) => `http://127.0.0.1:${port}${q.path}` }]);
      const io = memoryIO({ OBLIGO_PROMETHEUS_BEARER_TOKEN: 'secret-token-123' });
      const code = await creditsCommand(['--contracts', CONTRACTS, '--prometheus', proxy.url, '--period', '2026-04', '--at', AFTER_APRIL, '--prometheus-header', 'X-Scope-OrgID=tenant-a'], io);
      expect(code).toBe(2);
      expect(io.err).toMatch(/another origin/);
      expect(io.err).not.toContain('secret-token-123');
      expect(seen).toEqual([]);
    } finally {
      await new Promise<void>((r) => other.close(() => r()));
    }
  });

  it('rollups taken during a fault store only complete hours and do not poison later credits', async () => {
    const db = join(tmp, 'rollups.db');
    proxy.setFaults([{ kind: 'drop-points', half: 'second' }]);
    const io = memoryIO({});
    const code = await rollupCommand(['--contracts', CONTRACTS, '--prometheus', proxy.url, '--db', db, '--from', '2026-04-01', '--to', '2026-05-01', '--at', AFTER_APRIL, '--format', 'json'], io);
    expect(code).toBe(2); // some hours could not be stored: named, exit 2
    const summary = JSON.parse(io.out) as { written: number; incomplete: Array<{ sla: string; hours: number[] }> };
    expect(summary.incomplete.map((i) => i.sla).sort()).toEqual(['f-vendor/a-slices', 'f-vendor/b-events', 'f-vendor/c-averaged']);
    expect(summary.written).toBeGreaterThan(0);
    expect(summary.written).toBeLessThan(3 * 720);
    // Later, Prometheus answers whole again: the true amounts, part from rollups, part from Prometheus.
    proxy.setFaults([]);
    const r = await credits(proxy.url, ['--db', db]);
    expect(r.code).toBe(0);
    expect(amounts(r.rows)).toEqual(expected);
    for (const x of r.rows) {
      expect(x.evidence.source).toBe('rollups+prometheus');
      const bySource = (s: string) => x.evidence.hours.filter((h) => h.source === s).reduce((n, h) => n + h.hours, 0);
      expect(bySource('rollup') + bySource('prometheus')).toBe(720);
      expect(bySource('rollup')).toBeGreaterThan(0);
    }
  });

  it('property: over random gap patterns, either the amount equals the ground truth or the row is flagged', async () => {
    const gapArb = fc.array(fc.record({ startMinute: fc.integer({ min: 0, max: APRIL_MINUTES - 1 }), length: fc.integer({ min: 1, max: 400 }) }), { maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(gapArb, async (gaps) => {
        const inGap = (m: number) => gaps.some((g) => m >= APRIL.start + g.startMinute * M && m < APRIL.start + (g.startMinute + g.length) * M);
        // Drop every point whose slice (the one ending at the point's time) starts in a gap minute; a
        // 5-minute slice is lost when any of its minutes is.
        proxy.setFaults([
          {
            kind: 'edit',
            when: (q) => q.path.endsWith('/query_range'),
            edit: (answer, q) => {
              const step = (q.step ?? 60) * 1000;
              for (const s of answer.data.result as Array<{ values: Array<[number, string]> }>) {
                s.values = s.values.filter(([ts]) => {
                  const end = ts * 1000;
                  for (let m = end - step; m < end; m += M) if (inGap(m)) return false;
                  return true;
                });
              }
              answer.data.result = (answer.data.result as Array<{ values: unknown[] }>).filter((s) => s.values.length > 0);
              return answer;
            },
          },
        ]);
        const r = await credits(proxy.url);
        expect(r.code).toBe(0);
        const t2 = achievedFromTruth(prom.truth, inGap);
        const want = [money(10000, tierPercent(t2.a)), money(10000, tierPercent(t2.b)), money(7500, tierPercent(t2.c))];
        r.rows.forEach((x, i) => {
          if (x.flags.includes('incomplete-data')) expect(x.action).toBe('review');
          else expect(x.amount).toBe(want[i]);
          // and a row is flagged exactly when its coverage is below 99 %
          expect(x.flags.includes('incomplete-data')).toBe(x.coverage.ratio! < 0.99);
        });
      }),
      { numRuns: 12 },
    );
    proxy.setFaults([]);
  });
}, { readyTimeoutMs: 60_000 });
