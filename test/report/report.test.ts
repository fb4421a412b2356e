// The contract performance report and the finance CSV against a real Prometheus over Q1 2026:
// numbers from the generator's ground truth, the Markdown and the CSV as golden files
// (test/golden/finance/), and the HTML page rendered in Debian's headless Chromium with a screenshot.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal as DecimalBase } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditsCommand } from '../../src/cli/commands/credits.js';
import { reportCommand } from '../../src/cli/commands/report.js';
import { memoryIO } from '../../src/cli/io.js';
import type { TrafficSpec } from '../../src/demo/synthetic.js';
import { parseCsv } from '../../src/evidence/csv.js';
import { golden } from '../golden/fixtures/golden.js';
import { describeWithPrometheus } from '../helpers/prometheus.js';
import { requireTool } from '../helpers/tools.js';

// Relative, so that the contract path in the golden files is the same on every machine.
const CONTRACTS = 'test/report/fixtures';
const GOLDEN = join(import.meta.dirname, '..', 'golden', 'finance');
const M = 60_000;
const Decimal = DecimalBase.clone({ precision: 80 });
const t = (s: string) => Date.parse(s);
const outage = (from: string, to: string, errorRatio: number) => ({ start: t(from), end: t(to), errorRatio });
const AT = '2026-04-02T00:00:00Z';
const chromium = requireTool('chromium', ['chromium-browser'], 'install the Debian package chromium');

const SPEC: TrafficSpec = {
  start: t('2025-12-31T00:00:00Z'),
  end: t('2026-04-02T00:00:00Z'),
  services: [
    {
      service: 'rp',
      requestsPerMinute: 60,
      outages: [
        outage('2026-01-15T10:00:00Z', '2026-01-15T11:00:00Z', 1), // 60 bad minutes
        outage('2026-02-03T01:00:00Z', '2026-02-03T03:00:00Z', 0.5), // 120 bad minutes
        outage('2026-03-01T02:10:00Z', '2026-03-01T02:40:00Z', 1), // inside the monthly maintenance: left out
        outage('2026-03-20T12:00:00Z', '2026-03-20T12:01:00Z', 1), // one bad minute: a run shorter than 2, counted good
      ],
    },
  ],
};

const MONTHS = [
  { label: '2026-01', start: t('2026-01-01T00:00:00Z'), end: t('2026-02-01T00:00:00Z') },
  { label: '2026-02', start: t('2026-02-01T00:00:00Z'), end: t('2026-03-01T00:00:00Z') },
  { label: '2026-03', start: t('2026-03-01T00:00:00Z'), end: t('2026-04-01T00:00:00Z') },
];

describeWithPrometheus('performance report and finance CSV (real Prometheus, Q1 2026)', SPEC, (prom) => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'obligo-report-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Per month by hand: the maintenance hour (1st of the month 02:00–03:00) left out, runs of ≥ 2 bad minutes. */
  function truth() {
    return MONTHS.map((m) => {
      const maint = { start: m.start + 2 * 60 * M, end: m.start + 3 * 60 * M };
      const bad = prom.truth.badMinutes('rp', 0.9, { range: { start: m.start, end: maint.start }, minConsecutive: 2 }) + prom.truth.badMinutes('rp', 0.9, { range: { start: maint.end, end: m.end }, minConsecutive: 2 });
      const measured = (m.end - m.start) / M - 60;
      const achieved = new Decimal(100).times(measured - bad).div(measured);
      const rounded = achieved.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
      const pct = rounded.lt(99) ? 25 : rounded.lt('99.9') ? 10 : 0;
      return { ...m, bad, measured, achieved, pct, amount: new Decimal(2500).times(pct).div(100).toFixed(2) };
    });
  }

  async function run(cmd: typeof reportCommand, args: string[]) {
    const io = memoryIO({});
    const code = await cmd(['--contracts', CONTRACTS, '--prometheus', prom.url, '--at', AT, ...args], io);
    return { code, out: io.out, err: io.err };
  }

  it('the ground truth is what the fixture says', () => {
    const tr = truth();
    expect(tr.map((x) => x.bad)).toEqual([60, 120, 0]);
    expect(tr.map((x) => x.pct)).toEqual([10, 10, 0]);
  });

  it('credits --period 2026-Q1 lists the three months of the monthly SLA (golden CSV)', async () => {
    const r = await run(creditsCommand, ['--period', '2026-Q1', '--format', 'csv']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const [header, ...rows] = parseCsv(r.out);
    expect(rows).toHaveLength(3);
    const tr = truth();
    rows.forEach((l, i) => {
      const cells = Object.fromEntries(header!.map((h, k) => [h, l[k]]));
      expect(cells.vendor).toBe('Fastly-ish CDN, Inc.');
      expect(cells.period).toBe(tr[i]!.label);
      expect(cells.badMinutes).toBe(String(tr[i]!.bad));
      expect(cells.measuredMinutes).toBe(String(tr[i]!.measured));
      expect(cells.achieved).toBe(tr[i]!.achieved.toFixed(6, Decimal.ROUND_HALF_UP));
      expect(cells.achievedRounded).toBe(tr[i]!.achieved.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2));
      expect(cells.amount).toBe(tr[i]!.amount);
      expect(cells.base).toBe('2500.00');
      expect(cells.cap).toBe('750.00');
      // January's claim window (60 days) closed on 2026-04-01: expired, never "owed"; February is claimable.
      expect(cells.action).toBe(['expired', 'claim', 'not-owed'][i]);
      expect(cells.claimDeadline).toBe(['2026-04-01', '2026-04-29', '2026-05-30'][i]);
      expect(cells.excludedMinutes).toBe('60');
    });
    expect(r.out).toBe(golden(join(GOLDEN, 'credits-2026-Q1.csv'), r.out));
  });

  it('report --format md: per month, incidents, maintenance, credits and escalation (golden Markdown)', async () => {
    const r = await run(reportCommand, ['--period', '2026-Q1', '--format', 'md']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const md = r.out;
    expect(md).toContain('## Fastly-ish CDN, Inc.: Edge CDN (rp-cdn)');
    // Incidents: the two runs the measurement counts, not the single bad minute nor the maintenance one.
    expect(md).toContain('| availability | 2026-01-15 10:00 UTC | 2026-01-15 11:00 UTC | 1 h |');
    expect(md).toContain('| availability | 2026-02-03 01:00 UTC | 2026-02-03 03:00 UTC | 2 h |');
    expect(md).not.toContain('2026-03-20 12:00');
    expect(md).toContain('| 2026-03 | 2026-03-01 02:00 UTC | 2026-03-01 03:00 UTC | 1 h |');
    expect(md).toContain('| availability | 2026-01 | 10% | 250.00 EUR | expired | 2026-04-01 | the claim window closed on 2026-04-01 |');
    expect(md).toContain('| availability | 2026-02 | 10% | 250.00 EUR | claim | 2026-04-29 |');
    expect(md).toContain('Total for 2026-01, 2026-02, 2026-03: 500.00 EUR (cap 2250.00 EUR); to claim 250.00 EUR, expired 250.00 EUR.');
    expect(md).toContain('| 1 | Vendor NOC | +1 555 0100 | noc@cdn.example | 15 min |');
    expect(md).toBe(golden(join(GOLDEN, 'report-2026-Q1.md'), md));
  });

  describe.skipIf(!chromium.ok)(`HTML in headless Chromium${chromium.skipNote}`, () => {
    it('renders with one burn chart per month, the tables, and no external request; screenshot taken', async () => {
      const file = join(dir, 'report.html');
      const r = await run(reportCommand, ['--period', '2026-Q1', '--format', 'html', '--out', file]);
      expect(r.code).toBe(0);
      const { chromium: pw } = await import('playwright-core');
      // A fresh profile directory for every run; the flags keep Chromium off the (closed) network.
      const browser = await pw.launchPersistentContext(mkdtempSync(join(dir, 'chrome-')), {
        executablePath: chromium.path,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
        viewport: { width: 1100, height: 900 },
      });
      try {
        const page = await browser.newPage();
        const requests: string[] = [];
        page.on('request', (q) => requests.push(q.url()));
        await page.goto(`file://${file}`);
        expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
        expect(await page.title()).toBe('Contract performance report, 2026-Q1');
        const charts = page.locator('svg[role="img"]');
        expect(await charts.count()).toBe(3);
        for (let i = 0; i < 3; i++) {
          const box = await charts.nth(i).boundingBox();
          expect(box!.width).toBeGreaterThan(300);
          expect(box!.height).toBeGreaterThan(100);
        }
        // February burnt more than its whole budget: its line is drawn red.
        expect(await charts.nth(1).locator('path').getAttribute('stroke')).toBe('#c62828');
        expect(await charts.nth(2).locator('path').getAttribute('stroke')).toBe('#1565c0');
        const text = await page.locator('body').innerText();
        expect(text).toContain('Escalation obligations');
        expect(text).toMatch(/Total for 2026-01, 2026-02, 2026-03: 500\.00 EUR/);
        const shot = join(dir, 'report.png');
        await page.screenshot({ path: shot, fullPage: true });
        expect(statSync(shot).size).toBeGreaterThan(20_000);
        if (process.env.OBLIGO_REPORT_SCREENSHOT) writeFileSync(process.env.OBLIGO_REPORT_SCREENSHOT, await page.screenshot({ fullPage: true }));
      } finally {
        await browser.close();
      }
    });
  });
}, { readyTimeoutMs: 60_000 });
