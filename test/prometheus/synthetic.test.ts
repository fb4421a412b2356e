// The synthetic traffic generator: its per-minute truth, and OpenMetrics text that matches that truth.
// The text is checked with a small independent parser here (and by promtool in prometheus-server.test.ts, which backfills it into a real Prometheus).
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  demoTrafficSpec,
  generateTraffic,
  openMetricsChunks,
  toOpenMetrics,
  writeOpenMetrics,
  type TrafficSpec,
} from '../../src/demo/synthetic.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 9, 1); // 2026-10-01T00:00Z

interface Sample {
  series: string;
  value: number;
  ms: number;
}

/** Parses generated OpenMetrics, asserting the structural rules promtool relies on. */
function parse(text: string): { samples: Sample[]; types: string[] } {
  const lines = text.split('\n');
  expect(lines.at(-1)).toBe('');
  expect(lines.at(-2)).toBe('# EOF');
  const samples: Sample[] = [];
  const types: string[] = [];
  for (const line of lines.slice(0, -2)) {
    if (line.startsWith('# TYPE ')) {
      types.push(line.split(' ')[2]!);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const m = /^([a-z_]+\{[^}]*\}) (\S+) (\d+(?:\.\d+)?)$/.exec(line);
    if (!m) throw new Error(`bad line: ${line}`);
    samples.push({ series: m[1]!, value: Number(m[2]), ms: Math.round(Number(m[3]) * 1000) });
  }
  return { samples, types };
}

function bySeries(samples: Sample[]): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>();
  for (const s of samples) {
    const list = out.get(s.series) ?? [];
    list.push(s);
    out.set(s.series, list);
  }
  return out;
}

function valueAt(list: Sample[], ms: number): number | undefined {
  return list.find((s) => s.ms === ms)?.value;
}

const smallSpec: TrafficSpec = {
  start: T0,
  end: T0 + 3 * 60 * MIN, // 3 hours
  services: [
    {
      service: 'compute',
      requestsPerMinute: (_t, i) => 100 + i, // changes every minute
      outages: [
        { start: T0 + 10 * MIN, end: T0 + 20 * MIN, errorRatio: 0.25 },
        { start: T0 + 15 * MIN, end: T0 + 16 * MIN, errorRatio: 1 }, // later entry wins
      ],
      quiet: [{ start: T0 + 30 * MIN, end: T0 + 35 * MIN }],
      absent: [{ start: T0 + 60 * MIN, end: T0 + 70 * MIN }],
      latency: { slowRatio: 0.1, slowPeriods: [{ start: T0 + 100 * MIN, end: T0 + 101 * MIN, slowRatio: 0.5 }] },
    },
    { service: 'gcs', requestsPerMinute: 7, baseErrorRatio: 0.5 },
  ],
};

describe('traffic truth', () => {
  const g = generateTraffic(smallSpec);
  const truth = g.truth;

  it('counts whole requests per minute, with outages, quiet and absent minutes', () => {
    expect(truth.minutes).toBe(180);
    expect(truth.minute('compute', T0)).toMatchObject({ good: 100, total: 100, slow: 10, absent: false });
    expect(truth.minute('compute', T0 + 10 * MIN)).toMatchObject({ total: 110, good: 110 - Math.round(110 * 0.25) });
    expect(truth.minute('compute', T0 + 15 * MIN)).toMatchObject({ total: 115, good: 0 });
    expect(truth.minute('compute', T0 + 20 * MIN)).toMatchObject({ total: 120, good: 120 });
    expect(truth.minute('compute', T0 + 32 * MIN)).toMatchObject({ total: 0, good: 0, absent: false });
    expect(truth.minute('compute', T0 + 65 * MIN)).toMatchObject({ total: 0, absent: true });
    expect(truth.minute('compute', T0 + 100 * MIN).slow).toBe(100); // 200 requests, half slow
    // 7 requests at 50% errors: Math.round(3.5) = 4 errors.
    expect(truth.minute('gcs', T0 + 5 * MIN)).toMatchObject({ good: 3, total: 7 });
  });

  it('histogram buckets are cumulative and end at the total', () => {
    for (let i = 0; i < truth.minutes; i++) {
      const m = truth.minute('compute', T0 + i * MIN);
      const [a, b, c, inf] = m.buckets;
      expect(a).toBeLessThanOrEqual(b);
      expect(b).toBeLessThanOrEqual(c);
      expect(c).toBeLessThanOrEqual(inf);
      expect(inf).toBe(m.total);
      expect(m.total - b).toBe(m.slow);
    }
  });

  it('totals and slice counts over a range', () => {
    const r = { start: T0 + 10 * MIN, end: T0 + 20 * MIN };
    let total = 0;
    for (let i = 10; i < 20; i++) total += 100 + i;
    expect(truth.totals('compute', r).total).toBe(total);
    // Each outage minute has 25% (or 100%) errors: bad at 0.9, good at 0.7 except the full outage minute.
    expect(truth.countSlices('compute', 0.9, r)).toEqual({ good: 0, bad: 10, noTraffic: 0, absent: 0 });
    expect(truth.countSlices('compute', 0.7, r)).toEqual({ good: 9, bad: 1, noTraffic: 0, absent: 0 });
    expect(truth.countSlices('compute', 0.9)).toEqual({ good: 180 - 10 - 5 - 10, bad: 10, noTraffic: 5, absent: 10 });
  });

  it('compares ratios exactly: good/total equal to the threshold is a good slice', () => {
    // 9 good of 10 = 0.9 exactly (a float division 9/10 vs 0.9 would also agree, but 0.7 * 10 style cases would not).
    const g2 = generateTraffic({ start: T0, end: T0 + 3 * MIN, services: [{ service: 's', requestsPerMinute: 10, baseErrorRatio: 0.1 }] });
    expect(g2.truth.countSlices('s', 0.9).good).toBe(3);
    expect(g2.truth.countSlices('s', '0.9000001').bad).toBe(3);
    const g3 = generateTraffic({ start: T0, end: T0 + MIN, services: [{ service: 's', requestsPerMinute: 1000, baseErrorRatio: 0.3 }] });
    expect(g3.truth.countSlices('s', 0.7).good).toBe(1); // 700/1000 vs 0.7
  });

  it('bad minutes with no-data policies and minimum consecutive runs', () => {
    const spec: TrafficSpec = {
      start: T0,
      end: T0 + 40 * MIN,
      services: [
        {
          service: 's',
          requestsPerMinute: 100,
          outages: [
            { start: T0 + 2 * MIN, end: T0 + 5 * MIN, errorRatio: 0.5 }, // run of 3
            { start: T0 + 10 * MIN, end: T0 + 20 * MIN, errorRatio: 0.5 }, // run of 10
            { start: T0 + 25 * MIN, end: T0 + 28 * MIN, errorRatio: 0.5 }, // 3 + quiet 2 + 3
            { start: T0 + 30 * MIN, end: T0 + 33 * MIN, errorRatio: 0.5 },
          ],
          quiet: [{ start: T0 + 28 * MIN, end: T0 + 30 * MIN }],
        },
      ],
    };
    const t = generateTraffic(spec).truth;
    expect(t.badMinutes('s', 0.9)).toBe(3 + 10 + 3 + 3);
    expect(t.badMinutes('s', 0.9, { noData: 'bad' })).toBe(3 + 10 + 8);
    expect(t.badMinutes('s', 0.9, { minConsecutive: 10 })).toBe(10);
    expect(t.badMinutes('s', 0.9, { minConsecutive: 5, noData: 'good' })).toBe(10);
    // 'ignore': quiet minutes neither count nor break the run: 3 + 3 = 6 >= 5.
    expect(t.badMinutes('s', 0.9, { minConsecutive: 5, noData: 'ignore' })).toBe(10 + 6);
    expect(t.badMinutes('s', 0.9, { minConsecutive: 5, noData: 'bad' })).toBe(10 + 8);
    expect(t.badMinuteStarts('s', 0.9, { range: { start: T0, end: T0 + 5 * MIN } })).toEqual([T0 + 2 * MIN, T0 + 3 * MIN, T0 + 4 * MIN]);
  });

  it('rejects unaligned times and unknown services', () => {
    expect(() => generateTraffic({ ...smallSpec, start: T0 + 1 })).toThrow(/minute-aligned/);
    expect(() => generateTraffic({ ...smallSpec, scrapeIntervalSec: 45 })).toThrow(/scrapeIntervalSec/);
    expect(() => truth.minute('nope', T0)).toThrow(/no synthetic service 'nope'/);
  });

  it('a month of the demo scenario (6 services) is computed quickly', () => {
    const start = Date.UTC(2026, 9, 1);
    const t0 = performance.now();
    const month = generateTraffic(demoTrafficSpec(start, Date.UTC(2026, 10, 1)));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(month.truth.minutes).toBe(31 * 1440);
    expect(month.truth.services).toEqual(['compute', 'gcs', 'github', 's3', 'platform-api', 'messaging']);
    // The compute incident: 45 minutes at 100% errors.
    expect(month.truth.badMinutes('compute', 0.99)).toBe(45);
    // gcs: a 20-minute run counts with minConsecutive 10, the 5-minute blip does not.
    expect(month.truth.badMinutes('gcs', 0.9)).toBe(25);
    expect(month.truth.badMinutes('gcs', 0.9, { minConsecutive: 10 })).toBe(20);
  });
});

describe('OpenMetrics rendering', () => {
  const g = generateTraffic(smallSpec);
  const text = toOpenMetrics(g);
  const { samples, types } = parse(text);
  const series = bySeries(samples);

  it('declares each family once, before its samples, and keeps families contiguous', () => {
    expect(types).toEqual(['obligo_demo_requests', 'obligo_demo_request_duration_seconds']);
    const order = samples.map((s) => (s.series.startsWith('obligo_demo_requests_total') ? 0 : 1));
    expect(order.indexOf(1)).toBeGreaterThan(0);
    expect(order.slice(order.indexOf(1)).every((x) => x === 1)).toBe(true);
    expect(series.size).toBe(2 + 2 + 6); // compute: 2 counters + 4 buckets + count + sum; gcs: 2 counters
  });

  it('writes every series in strictly increasing time on the 30 s grid, from start through end', () => {
    for (const [name, list] of series) {
      for (let k = 1; k < list.length; k++) expect(list[k]!.ms - list[k - 1]!.ms, name).toBeGreaterThan(0);
      for (const s of list) expect((s.ms - T0) % 30_000).toBe(0);
      expect(list[0]!.ms).toBe(T0);
      expect(list.at(-1)!.ms).toBe(smallSpec.end);
    }
    // gcs never has gaps: 3 h * 120 + 1 samples.
    expect(series.get('obligo_demo_requests_total{service="gcs",code="200"}')!.length).toBe(361);
  });

  it('counter increases over each minute equal the truth; absent minutes have no samples', () => {
    const ok = series.get('obligo_demo_requests_total{service="compute",code="200"}')!;
    const err = series.get('obligo_demo_requests_total{service="compute",code="500"}')!;
    const le03 = series.get('obligo_demo_request_duration_seconds_bucket{service="compute",le="0.3"}')!;
    for (let i = 0; i < g.truth.minutes; i++) {
      const s = T0 + i * MIN;
      const m = g.truth.minute('compute', s);
      const v0 = valueAt(ok, s);
      const v1 = valueAt(ok, s + MIN);
      if (m.absent) {
        expect(valueAt(ok, s + 30_000)).toBeUndefined();
        continue;
      }
      if (v1 === undefined) {
        // The minute just before an absent range loses its closing sample (the range starts at its end).
        expect(g.truth.minute('compute', s + MIN).absent).toBe(true);
        expect(valueAt(ok, s + 30_000)! - v0!).toBe(m.good / 2);
        continue;
      }
      expect(v1 - v0!, `minute ${i}`).toBe(m.good);
      expect(valueAt(err, s + MIN)! - valueAt(err, s)!).toBe(m.total - m.good);
      expect(valueAt(le03, s + MIN)! - valueAt(le03, s)!).toBe(m.buckets[1]);
      // Linear within the minute: the half-minute sample is halfway.
      expect(valueAt(ok, s + 30_000)! - v0!).toBe(m.good / 2);
    }
    // Gap of exactly the absent range [60, 70): samples at 60 min and 69.5 min are missing, 70 min present.
    expect(valueAt(ok, T0 + 60 * MIN)).toBeUndefined();
    expect(valueAt(ok, T0 + 70 * MIN)).toBe(valueAt(ok, T0 + 59.5 * MIN)! + g.truth.minute('compute', T0 + 59 * MIN).good / 2);
  });

  it('histogram buckets are cumulative at every timestamp', () => {
    const les = ['0.1', '0.3', '1', '+Inf'].map((le) => series.get(`obligo_demo_request_duration_seconds_bucket{service="compute",le="${le}"}`)!);
    const count = series.get('obligo_demo_request_duration_seconds_count{service="compute"}')!;
    les[0]!.forEach((s, k) => {
      expect(s.value).toBeLessThanOrEqual(les[1]![k]!.value);
      expect(les[1]![k]!.value).toBeLessThanOrEqual(les[2]![k]!.value);
      expect(les[2]![k]!.value).toBeLessThanOrEqual(les[3]![k]!.value);
      expect(les[3]![k]!.value).toBe(count[k]!.value);
    });
  });

  it('2-hour chunks are aligned, self-contained, and together hold exactly the samples of the whole document', () => {
    const all: Sample[] = [];
    for (const c of openMetricsChunks(g)) {
      expect(c.start % (2 * 3600_000)).toBe(0);
      const p = parse(c.text);
      for (const s of p.samples) {
        expect(s.ms).toBeGreaterThanOrEqual(c.start);
        expect(s.ms).toBeLessThan(c.end);
      }
      all.push(...p.samples);
    }
    const key = (s: Sample) => `${s.series} ${s.ms}`;
    expect(all.map(key).sort()).toEqual(samples.map(key).sort());
    expect(new Set(all.map(key)).size).toBe(all.length);
  });

  it('property: chunking never loses or duplicates samples, for any range and chunk size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 200 }), fc.constantFrom(1, 7, 60, 120), (minutes, offset, chunkMin) => {
        const start = T0 + offset * MIN;
        const gg = generateTraffic({ start, end: start + minutes * MIN, services: [{ service: 'a', requestsPerMinute: 3 }] });
        let n = 0;
        let last = -Infinity;
        for (const c of openMetricsChunks(gg, chunkMin * MIN)) {
          for (const s of parse(c.text).samples.filter((s) => s.series.includes('"200"'))) {
            expect(s.ms).toBeGreaterThan(last);
            last = s.ms;
            n++;
          }
        }
        expect(n).toBe(minutes * 2 + 1);
      }),
      { numRuns: 40 },
    );
  });

  it('writeOpenMetrics streams the same document to a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'obligo-synth-'));
    try {
      const file = join(dir, 'x.om');
      await writeOpenMetrics(g, file);
      expect(await readFile(file, 'utf8')).toBe(text);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
