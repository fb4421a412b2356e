// status and gate against a real Prometheus on backfilled synthetic traffic; expected numbers from the
// generator's per-minute counts (TrafficTruth), never from obligo's measurement code.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { gateCommand } from '../../src/cli/commands/gate.js';
import { statusCommand } from '../../src/cli/commands/status.js';
import { memoryIO } from '../../src/cli/io.js';
import { prometheusRuleFile } from '../../src/compile/prometheus.js';
import { loadContracts } from '../../src/contract/load.js';
import { backfillRecordingRules, freePort } from '../../src/demo/prometheus-server.js';
import type { TrafficSpec } from '../../src/demo/synthetic.js';
import { describeWithPrometheus } from '../helpers/prometheus.js';

const CONTRACTS = join(import.meta.dirname, '../fixtures/measure');
const M = 60_000;
const t = (s: string) => Date.parse(s);
const AT = '2026-04-10T20:00:00Z';
const AT_MS = t(AT);
const DAY = t('2026-04-10T00:00:00Z');

const SPEC: TrafficSpec = {
  start: DAY,
  end: t('2026-04-10T21:00:00Z'),
  services: [
    { service: 'st-ok', requestsPerMinute: 1000 },
    // 58 minutes at 5 % errors in the last hour: breached and burning fast.
    { service: 'st-burn', requestsPerMinute: 1000, outages: [{ start: t('2026-04-10T19:00:00Z'), end: t('2026-04-10T19:58:00Z'), errorRatio: 0.05 }] },
    // 600 bad of 1,200,000 by AT: exactly 99.95 % of a 99.9 % objective, half the budget left.
    { service: 'st-half', requestsPerMinute: 1000, outages: [{ start: t('2026-04-10T08:00:00Z'), end: t('2026-04-10T08:06:00Z'), errorRatio: 0.1 }] },
  ],
};

interface StatusJson {
  at: string;
  slas: Array<{
    contract: string;
    sla: string;
    vendor: string;
    objective: number;
    period: { start: string; end: string };
    achieved: number | null;
    budgetRemaining: number | null;
    burnRates: Record<string, number | null>;
    sli: Record<string, number | null>;
    state: string;
    measuredMinutes: number;
    badMinutes: number;
    coverage: { expectedMinutes: number; coveredMinutes: number; gapMinutes: number; ratio: number | null; complete: boolean; partialResponse: boolean };
    windowCoverage: Record<string, number | null>;
    evidence: { windows: string; source: string };
  }>;
  requests: number;
  windowRequests: number;
}

const base = (url: string) => ['--contracts', CONTRACTS, '--prometheus', url, '--at', AT];

async function status(url: string, extra: string[] = []): Promise<{ code: number; json: StatusJson; err: string }> {
  const io = memoryIO({});
  const code = await statusCommand([...base(url), '--contract', 'm-status', '--format', 'json', ...extra], io);
  return { code, json: code === 0 ? (JSON.parse(io.out) as StatusJson) : (undefined as unknown as StatusJson), err: io.err };
}

async function gate(args: string[], env: NodeJS.ProcessEnv = {}) {
  const io = memoryIO(env);
  const code = await gateCommand(args, io);
  return { code, out: io.out, err: io.err };
}

/** Error ratio over the window ending at AT, from the generator's minutes. */
function truthRatio(truth: { totals(s: string, r: { start: number; end: number }): { good: number; total: number } }, service: string, minutes: number): number {
  const x = truth.totals(service, { start: Math.max(DAY, AT_MS - minutes * M), end: AT_MS });
  return (x.total - x.good) / x.total;
}

describeWithPrometheus('status and gate (real Prometheus, backfilled synthetic traffic)', SPEC, (prom) => {
  let dead = '';
  let tmp = '';
  beforeAll(async () => {
    dead = `http://127.0.0.1:${await freePort()}`;
    tmp = mkdtempSync(join(tmpdir(), 'obligo-status-it-'));
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('status: achieved, budget, burn rates and state per SLA, as the generator counts them', async () => {
    const { code, json, err } = await status(prom.url);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(json.at).toBe(AT);
    for (const s of json.slas) {
      // Every minute of the term so far had data (or, for ghost, silence): complete, nothing re-asked.
      expect(s.coverage).toMatchObject({ complete: true, gapMinutes: 0, partialResponse: false });
      expect(s.coverage.ratio).toBe(1);
    }
    const by = (id: string) => json.slas.find((s) => s.sla === id)!;
    const truth = prom.truth;
    // The contract's term starts on April 10 (the first day of data): measured from DAY to AT.
    const minutesToAt = (AT_MS - DAY) / M;

    const healthy = by('healthy');
    expect(healthy).toMatchObject({ vendor: 'Status Vendor', objective: 99.9, achieved: 100, budgetRemaining: 1, state: 'ok' });
    expect(healthy.period).toEqual({ start: '2026-04-01T00:00:00Z', end: '2026-05-01T00:00:00Z', label: '2026-04' });
    expect(healthy.burnRates['5m']).toBe(0);

    const burning = by('burning');
    const all = truth.totals('st-burn', { start: DAY, end: AT_MS });
    expect(burning.achieved).toBeCloseTo((100 * all.good) / all.total, 10);
    expect(burning.state).toBe('breached');
    expect(burning.budgetRemaining!).toBeLessThan(0);
    for (const [w, minutes] of [['5m', 5], ['30m', 30], ['1h', 60], ['2h', 120], ['6h', 360]] as const) {
      expect(burning.burnRates[w]).toBeCloseTo(truthRatio(truth, 'st-burn', minutes) / 0.001, 6);
    }
    expect(burning.burnRates['5m']).toBeCloseTo(30, 6); // 3 of the last 5 minutes at 5 %

    const slices = by('burning-slices');
    const bad = truth.badMinutes('st-burn', 0.99, { range: { start: DAY, end: AT_MS } });
    expect(bad).toBe(58);
    expect(slices.measuredMinutes).toBe(minutesToAt);
    expect(slices.badMinutes).toBe(bad);
    expect(slices.achieved).toBeCloseTo((100 * (minutesToAt - bad)) / minutesToAt, 10);

    const half = by('half');
    expect(truth.totals('st-half', { start: DAY, end: AT_MS })).toEqual({ good: 1_199_400, total: 1_200_000, slow: 0 });
    expect(half.achieved).toBe(99.95);
    expect(half.budgetRemaining).toBe(0.5);
    expect(half.state).toBe('ok');

    const ghost = by('ghost');
    expect(ghost).toMatchObject({ achieved: null, budgetRemaining: null, state: 'no-data' });
    expect(ghost.burnRates['1h']).toBeNull();
    for (const s of json.slas) expect(s.evidence.windows).toBe('raw');
  });

  it('status --save-rollups stores finished hours; the next run reads them and agrees', async () => {
    const db = join(tmp, 'status.db');
    const first = await status(prom.url, ['--db', db, '--save-rollups']);
    expect(first.code).toBe(0);
    const second = await status(prom.url, ['--db', db]);
    for (const s of second.json.slas) {
      const f = first.json.slas.find((x) => x.sla === s.sla)!;
      expect(s.achieved).toBe(f.achieved);
      expect(s.evidence.source).toBe('rollups+prometheus');
    }
    expect(first.json.slas.every((s) => s.evidence.source === 'prometheus')).toBe(true);
  });

  it('status as a table is readable', async () => {
    const io = memoryIO({});
    expect(await statusCommand([...base(prom.url), '--contract', 'm-status'], io)).toBe(0);
    expect(io.out).toContain(`status as of ${AT}`);
    expect(io.out).toMatch(/m-status\/burning\s+Status Vendor\s+99\.9%\s+2026-04\s+99\.7583%\s+-141\.67%\s+100%\s+breached/);
    expect(io.out).toMatch(/m-status\/ghost .* no-data/);
  });

  it('gate: allow, deny on breach, deny below --min-budget, boundary allowed', async () => {
    expect(await gate([...base(prom.url), '--sla', 'm-status/healthy'])).toMatchObject({ code: 0, out: 'allow: 1 SLA within budget\n' });
    const breached = await gate([...base(prom.url), '--sla', 'm-status/burning']);
    expect(breached.code).toBe(1);
    expect(breached.out).toMatch(/^deny: m-status\/burning: SLA breached \(achieved 99\.7583% < objective 99\.9%\)\n$/);
    expect((await gate([...base(prom.url), '--sla', 'm-status/half', '--min-budget', '0.5'])).code).toBe(0);
    const below = await gate([...base(prom.url), '--sla', 'm-status/half', '--min-budget', '0.6']);
    expect(below.code).toBe(1);
    expect(below.out).toBe('deny: m-status/half: error budget remaining 50% is below the minimum 60%\n');
  });

  it('gate: the policy (gate.rego) waives a breach for a rollback or a fix of that SLA only', async () => {
    const args = [...base(prom.url), '--sla', 'm-status/burning'];
    const rollback = await gate([...args, '--rollback', '--format', 'json']);
    expect(rollback.code).toBe(0);
    expect(JSON.parse(rollback.out).reasons[0]).toMatch(/^waived \(rollback\): m-status\/burning: SLA breached/);
    expect((await gate([...args, '--change-label', 'fix:m-status/burning'])).code).toBe(0);
    expect((await gate([...args, '--fixes', 'm-status/burning'])).code).toBe(0);
    expect((await gate([...args, '--fixes', 'm-status/half'])).code).toBe(1);
  });

  it('gate: no data cannot be decided (2), and --fail-open does not open for it (only for an outage)', async () => {
    const r = await gate([...base(prom.url), '--sla', 'm-status/ghost']);
    expect(r).toMatchObject({ code: 2, out: 'cannot decide: m-status/ghost: no data for the current period\n' });
    const open = await gate([...base(prom.url), '--sla', 'm-status/ghost', '--fail-open']);
    expect(open.code).toBe(2);
    expect(open.err).toBe('obligo: --fail-open does not apply: it opens the gate only when Prometheus is out\n');
  });

  it('gate --fail-open: a typo, a misspelt SLA or a label that matches nothing still exit 2', async () => {
    const typo = await gate([...base(prom.url), '--sla', 'm-status/healthy', '--min-budegt', '0.1', '--fail-open']);
    expect(typo.code).toBe(2);
    expect(typo.out).toMatch(/^cannot decide: unknown option --min-budegt/);
    const misspelt = await gate([...base(prom.url), '--sla', 'm-status/helthy', '--fail-open']);
    expect(misspelt).toMatchObject({ code: 2, out: `cannot decide: no SLA "m-status/helthy" in ${CONTRACTS} (use CONTRACT/SLA or an SLA id)\n` });
    const nothing = await gate([...base(prom.url), '--label', 'tier=platinum', '--fail-open']);
    expect(nothing).toMatchObject({ code: 2, out: `cannot decide: no SLA in ${CONTRACTS} matches --label tier=platinum\n` });
    const noUrl = await gate(['--contracts', CONTRACTS, '--at', AT, '--sla', 'm-status/healthy', '--fail-open']);
    expect(noUrl.code).toBe(2);
  });

  it('gate: --label selects, JSON output, a denial wins over unknowns, step summary appended', async () => {
    const j = await gate([...base(prom.url), '--label', 'tier=gold', '--format', 'json']);
    expect(j.code).toBe(0);
    const doc = JSON.parse(j.out) as { decision: string; slas: Array<{ key: string }> };
    expect(doc.decision).toBe('allow');
    expect(doc.slas.map((s) => s.key)).toEqual(['m-status/healthy']);

    const summary = join(tmp, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const all = await gate([...base(prom.url), '--contract', 'm-status'], { GITHUB_STEP_SUMMARY: summary });
    expect(all.code).toBe(1);
    const md = readFileSync(summary, 'utf8');
    expect(md.startsWith('# earlier step\n### obligo gate: denied')).toBe(true);
    expect(md).toContain('| m-status/half | 99.9% | 99.95% | 50% | 100% | ok |');
    expect(md).toContain('- m-status/ghost: no data for the current period');
  });

  it('gate: bad arguments exit 2 with one line', async () => {
    const r = await gate([...base(prom.url)]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('cannot decide: gate needs a selection: --sla CONTRACT/SLA, --label KEY=VALUE or --contract ID\n');
    expect((await gate([...base(prom.url), '--sla', 'm-status/healthy', '--min-budget', 'lots'])).code).toBe(2);
  });

  it('Prometheus down: exit 2, one clear line, no stack trace; --fail-open allows', async () => {
    const s = await status(dead);
    expect(s.code).toBe(2);
    expect(s.err).toBe(`obligo: cannot reach Prometheus at ${dead}: ECONNREFUSED\n`);
    const g = await gate([...base(dead), '--sla', 'm-status/healthy']);
    expect(g.code).toBe(2);
    expect(g.out).toBe(`cannot decide: cannot reach Prometheus at ${dead}: ECONNREFUSED\n`);
    expect(g.err).toBe(`obligo: cannot reach Prometheus at ${dead}: ECONNREFUSED\n`);
    const open = await gate([...base(dead), '--sla', 'm-status/healthy', '--fail-open']);
    expect(open.code).toBe(0);
    expect(open.err).toMatch(/^obligo: warning: gate cannot decide, Prometheus is out; allowing because of --fail-open/);
    expect(open.err).not.toMatch(/\n\s+at /);
  });

  it('status reads the recording rules when they exist: one request for all windows', async () => {
    const raw = await status(prom.url);
    const { contracts } = await loadContracts([join(CONTRACTS, 'status.yaml')]);
    const rules = join(tmp, 'm-status.rules.yaml');
    writeFileSync(rules, prometheusRuleFile(contracts[0]!));
    await backfillRecordingRules(prom.server, [rules], { start: AT_MS - 10 * M, end: AT_MS + M, evalInterval: '60s' });
    const viaRules = await status(prom.url);
    expect(viaRules.code).toBe(0);
    const withData = viaRules.json.slas.filter((s) => s.sla !== 'ghost');
    for (const s of withData) expect(s.evidence.windows).toBe('rules');
    // The recorded series hold the value of the last rule evaluation at or before AT (not exactly AT):
    // compare with the error ratio Prometheus recorded for each window, over the budget (0.001).
    // (promtool backfills each rule on its own, so obligo:burn_rate:*, built on the ratios, stays empty.)
    const recorded = async (w: string) => {
      const u = new URL(`${prom.url}/api/v1/query`);
      u.searchParams.set('query', `obligo:sli_error_ratio:rate${w}{contract="m-status"}`);
      u.searchParams.set('time', String(AT_MS / 1000));
      const body = (await (await fetch(u)).json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      return new Map(body.data.result.map((r) => [r.metric.sla!, Number(r.value[1]) / 0.001]));
    };
    for (const w of ['5m', '30m', '1h', '6h', '1d']) {
      const rec = await recorded(w);
      expect(rec.size).toBe(4);
      for (const s of withData) expect(s.burnRates[w]).toBeCloseTo(rec.get(s.sla)!, 6);
    }
    for (const s of viaRules.json.slas) expect(s.achieved).toBe(raw.json.slas.find((x) => x.sla === s.sla)!.achieved);
    // Rules: one instant query for every window of every SLA; the SLA without any series (ghost) costs one
    // raw query more. Without ghost, the rules path saves the raw window query.
    const sel = ['--sla', 'healthy', '--sla', 'burning', '--sla', 'half', '--sla', 'burning-slices'];
    const rulesOnly = await status(prom.url, sel);
    const rawOnly = await status(prom.url, [...sel, '--no-rules']);
    expect(rulesOnly.json.slas.every((x) => x.evidence.windows === 'rules')).toBe(true);
    expect(rawOnly.json.slas.every((x) => x.evidence.windows === 'raw')).toBe(true);
    expect(rulesOnly.json.windowRequests).toBe(1);
    expect(rawOnly.json.windowRequests).toBe(1);
    // rules tried, nothing recorded yet, then raw; ghost (no series in any answer) has its longest window
    // asked once more on its own before "no traffic" is believed
    expect(raw.json.windowRequests).toBe(2 + 1);
    for (const x of rulesOnly.json.slas) expect(x.burnRates['1h']).toBeCloseTo(viaRules.json.slas.find((y) => y.sla === x.sla)!.burnRates['1h']!, 12);
  });
});
