// fetchWindowRatios at its edges (src/measure/windows.ts; found by mutation testing, issue 13): which rule
// samples count, windows the rules lack, warnings per SLA, totals and ratios a batched answer lacked (the
// longest window alone first, then the others), silence, combined selectors at their edges (exactly 5,000
// values: no request for none; an SLI asking for s=""). Prometheus is table-source.ts (raw branches and
// selector groups), answering the rules query and damaging batched answers where a test says so.
import { describe, expect, it } from 'vitest';
import { errorRatioExpr } from '../../src/compile/promql.js';
import { loadContractText } from '../../src/contract/load.js';
import type { Sla } from '../../src/contract/model.js';
import type { InstantAnswer, InstantSample } from '../../src/measure/source.js';
import { fetchWindowRatios } from '../../src/measure/windows.js';
import { slaWindows } from '../../src/conventions.js';
import { parseBranches, TableSource, type ValueFn } from './table-source.js';

const STANDARD = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];

function slas(ids: string[], sli: (id: string) => string): Sla[] {
  return ids.flatMap((id) => {
    const r = loadContractText(
      `${id}.yaml`,
      `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: ${id}, title: T }
role: provider
parties: { vendor: { name: V }, customer: { name: C } }
term: { start: 2026-01-01, timezone: UTC }
fees: { currency: USD, monthly: 100 }
slas:
  - id: a
    objective: 99
    period: month
    sli: ${sli(id)}
    measurement: { method: events }
    credits: { tiers: [ { below: 99, percent: 10 } ] }
`,
    );
    if (!r.contract) throw new Error(r.issues.map((i) => i.message).join('; '));
    return r.contract.slas;
  });
}
const plain = (id: string) => `{ good: 'sum(rate(g{s="${id}"}[{{.window}}]))', total: 'sum(rate(t{s="${id}"}[{{.window}}]))' }`;
const errorsKind = (id: string) => `{ errors: 'sum(rate(e{s="${id}"}[{{.window}}]))', total: 'sum(rate(t{s="${id}"}[{{.window}}]))' }`;

/** Rules samples as given; raw expressions from the table; optionally drops expressions from answers with 2+ series. */
class Source extends TableSource {
  rules: InstantSample[] = [];
  rulesWarnings: string[] = [];
  warnOn?: { expr: string | string[]; warnings: string[]; aloneOnly?: boolean };
  /** Warnings on every answer but the rules answer. */
  everyAnswer: string[] = [];
  constructor(t: Map<string, ValueFn>, private readonly drop = new Set<string>()) {
    super(t);
  }
  override async instant(expr: string, at: number): Promise<InstantAnswer> {
    if (expr.startsWith('{__name__=~')) {
      this.log.push({ kind: 'instant', branches: 0, start: at, end: at, step: 0 });
      return { samples: this.rules, warnings: this.rulesWarnings };
    }
    const a = await super.instant(expr, at);
    const branches = parseBranches(expr);
    const ids = new Map(branches.map((b) => [b.id, b.expr]));
    const batched = branches.length > 1 || expr.startsWith('sum by');
    const samples = a.samples.filter((s) => !(batched && this.drop.has(ids.get(s.labels.obligo_q ?? '') ?? '')));
    const on = this.warnOn ? ([] as string[]).concat(this.warnOn.expr) : [];
    const warnings = this.warnOn && branches.some((b) => on.includes(b.expr)) && (!this.warnOn.aloneOnly || branches.length === 1) ? [...this.warnOn.warnings, ...this.everyAnswer] : [...this.everyAnswer];
    return { samples, warnings };
  }
}
const ratiosOf = (r: Awaited<ReturnType<typeof fetchWindowRatios>>, key: string) => Object.fromEntries(r.ratios.get(key) ?? []);

describe('fetchWindowRatios, edges', () => {
  it('counts only recorded series of the SLAs asked for; a non-finite ratio is no ratio; windows the rules lack are read raw', async () => {
    const [x] = slas(['x'], plain);
    const src = new Source(new Map([['sum(rate(g{s="x"}[30m]))', () => 95], ['sum(rate(t{s="x"}[30m]))', () => 100]]));
    const rec = (w: string, value: number, over: Record<string, string> = {}) => ({ labels: { __name__: `obligo:sli_error_ratio:rate${w}`, contract: 'x', sla: 'a', ...over }, value });
    src.rules = [rec('5m', 0.01), rec('1h', Number.NaN), rec('2h', 0.5, { sla: 'b' }), rec('6h', 0.5, { contract: 'y' }), { labels: { __name__: 'up', contract: 'x', sla: 'a' }, value: 0.7 }, { labels: { contract: 'x', sla: 'a' }, value: 0.8 }];
    const r = await fetchWindowRatios(src, [x!], 0);
    expect([...r.fromRules]).toEqual(['x/a']);
    expect(ratiosOf(r, 'x/a')).toEqual({ '5m': 0.01, '30m': 0.050000000000000044 });
    // the raw batch asked for every window but 5m
    const asked = r.queries.slice(1).join(' ');
    expect(asked).not.toContain('[5m]');
    for (const w of STANDARD.slice(1)) expect(asked).toContain(`[${w}]`);
  });

  it('warnings of the rules answer go to every SLA; of a raw answer, to the SLAs in it', async () => {
    const [x, y] = slas(['x', 'y'], errorsKind);
    const t = new Map<string, ValueFn>([[errorRatioExpr(x!, '5m'), () => 0.1], [errorRatioExpr(y!, '5m'), () => 0.2]]);
    const src = new Source(t);
    src.rulesWarnings = ['rules partial'];
    src.warnOn = { expr: errorRatioExpr(y!, '5m'), warnings: ['raw partial', 'raw partial'] };
    const r = await fetchWindowRatios(src, [x!, y!], 0, { limits: { maxBranches: 7 } });
    expect(r.warnings.get('x/a')).toEqual(['rules partial']);
    expect(r.warnings.get('y/a')).toEqual(['raw partial', 'rules partial']);
    expect(ratiosOf(r, 'x/a')).toEqual({ '5m': 0.1 });
    expect(ratiosOf(r, 'y/a')).toEqual({ '5m': 0.2 });
    const quiet = await fetchWindowRatios(new Source(t), [x!, y!], 0);
    expect(quiet.warnings.size).toBe(0);
  });

  it('totals a batched answer lacked: the longest window alone; present, every other lacking window alone', async () => {
    const [x] = slas(['x'], plain);
    const t = new Map<string, ValueFn>();
    for (const w of ['1d', '3d', '6h']) {
      t.set(`sum(rate(g{s="x"}[${w}]))`, () => 90);
      t.set(`sum(rate(t{s="x"}[${w}]))`, () => 100);
    }
    const drop = new Set(['1d', '3d'].map((w) => `sum(rate(t{s="x"}[${w}]))`));
    const src = new Source(t, drop);
    const r = await fetchWindowRatios(src, [x!], 0, { useRules: false });
    for (const w of ['6h', '1d', '3d']) expect(ratiosOf(r, 'x/a')[w]).toBeCloseTo(0.1, 12);
    expect(Object.keys(ratiosOf(r, 'x/a')).sort()).toEqual(['1d', '3d', '6h']);
    // the probe (3d), then the other windows whose total the batch lacked: 5m, 30m, 1h, 2h, 1d
    const alone = r.queries.slice(1).map((q) => /\[(\w+)\]/.exec(q)![1]);
    expect(alone[0]).toBe('3d');
    expect(alone.slice(1).sort()).toEqual(['1d', '1h', '2h', '30m', '5m'].sort());
    expect(r.requeried).toBe(6);
  });

  it('a total of 0 (no traffic) gives no ratio; a good lacking beside a total is asked alone', async () => {
    const [x] = slas(['x'], plain);
    const t = new Map<string, ValueFn>([
      ['sum(rate(g{s="x"}[5m]))', () => 0],
      ['sum(rate(t{s="x"}[5m]))', () => 0],
      ['sum(rate(g{s="x"}[30m]))', () => 3],
      ['sum(rate(t{s="x"}[30m]))', () => 4],
      ['sum(rate(t{s="x"}[3d]))', () => 4],
    ]);
    const src = new Source(t, new Set(['sum(rate(g{s="x"}[30m]))']));
    const r = await fetchWindowRatios(src, [x!], 0, { useRules: false });
    expect(ratiosOf(r, 'x/a')).toEqual({ '30m': 0.25, '3d': 1 });
  });

  it('ratios a batched answer lacked (errors SLIs): the longest window alone, then the others; absent there, no traffic', async () => {
    const [x, y] = slas(['x', 'y'], errorsKind);
    const t = new Map<string, ValueFn>();
    for (const w of ['1h', '1d']) t.set(errorRatioExpr(x!, w), () => 0.05);
    t.set(errorRatioExpr(x!, '5m'), () => 0.5);
    const src = new Source(t, new Set([errorRatioExpr(x!, '1h'), errorRatioExpr(x!, '1d')]));
    const r = await fetchWindowRatios(src, [x!, y!], 0, { useRules: false });
    // x: the longest lacking window, 3d, alone: absent (no series), so x's other lacking windows (1h and 1d
    // among them) are taken as without traffic and not asked; y: 3d alone, absent
    expect(ratiosOf(r, 'x/a')).toEqual({ '5m': 0.5 });
    expect(r.ratios.has('y/a')).toBe(false);
    const singles = r.queries.slice(1);
    expect(singles.every((q) => parseBranches(q).length === 1 && q.includes('[3d]'))).toBe(true);
    expect(singles).toHaveLength(2);
    // with 3d present, each lacking window is asked alone
    t.set(errorRatioExpr(x!, '3d'), () => 0.01);
    const src2 = new Source(t, new Set([errorRatioExpr(x!, '1h'), errorRatioExpr(x!, '1d'), errorRatioExpr(x!, '3d')]));
    const r2 = await fetchWindowRatios(src2, [x!], 0, { useRules: false });
    expect(ratiosOf(r2, 'x/a')).toEqual({ '5m': 0.5, '1h': 0.05, '1d': 0.05, '3d': 0.01 });
    const order = r2.queries.slice(1).map((q) => /\[(\w+)\]/.exec(q)![1]);
    expect(order[0]).toBe('3d');
    expect(order.slice(1).sort()).toEqual(['1d', '1h', '2h', '30m', '6h'].sort());
    expect(r2.requeried).toBe(6);
  });

  it('nothing asked for: no query', async () => {
    const src = new Source(new Map());
    const r = await fetchWindowRatios(src, [], 0);
    expect(r).toEqual({ ratios: new Map(), fromRules: new Set(), queries: [], requeried: 0, warnings: new Map() });
    expect(src.requests).toBe(0);
  });
});

describe('fetchWindowRatios, more edges', () => {
  const rec = (w: string, value: number, over: Record<string, string> = {}) => ({ labels: { __name__: `obligo:sli_error_ratio:rate${w}`, contract: 'x', sla: 'a', ...over }, value });

  it('the rules query: windows and contracts escaped, contracts sorted once each', async () => {
    const { rulesQuery, windowsFor } = await import('../../src/measure/windows.js');
    const ids = (...xs: string[]) => xs.map((contractId) => ({ contractId }));
    expect(rulesQuery(ids('z', 'a.b', 'z'), ['5m', '1h'])).toBe('{__name__=~"obligo:sli_error_ratio:rate(?:5m|1h)",contract=~"a\\.b|z"}');
    const [a] = slas(['a'], plain);
    expect(windowsFor([a!])).toEqual(STANDARD);
    const custom = { ...a!, alerting: { ...a!.alerting, burnRates: [{ severity: 'page' as const, long: '4h', short: '15m', factor: 10 }] } };
    expect(windowsFor([a!, custom])).toEqual([...STANDARD, '15m', '4h']);
  });

  it('several recorded series of one window: the worst, in whatever order they come', async () => {
    const [x] = slas(['x'], plain);
    const src = new Source(new Map());
    src.rules = [rec('5m', 0.003, { region: 'us' }), rec('5m', 0.001, { region: 'eu' })];
    const r = await fetchWindowRatios(src, [x!], 0);
    expect(ratiosOf(r, 'x/a')['5m']).toBe(0.003);
  });

  it('an SLA whose recorded series all had no value is read raw, every window', async () => {
    const [x] = slas(['x'], plain);
    const t = new Map<string, ValueFn>([['sum(rate(g{s="x"}[1h]))', () => 9], ['sum(rate(t{s="x"}[1h]))', () => 10]]);
    const src = new Source(t);
    src.rules = [rec('5m', Number.NaN), rec('1h', Number.POSITIVE_INFINITY)];
    const r = await fetchWindowRatios(src, [x!], 0);
    expect(ratiosOf(r, 'x/a')['1h']).toBeCloseTo(0.1, 12);
    for (const w of STANDARD) expect(r.queries[1]).toContain(`[${w}]`);
  });

  it('combine: false or an SLI that is not two plain sums: the rule\'s own ratio expression (max), no counts', async () => {
    const [x] = slas(['x'], plain);
    const off = new Source(new Map());
    const r0 = await fetchWindowRatios(off, [x!], 0, { useRules: false, combine: false });
    expect(r0.queries[0]).toContain('label_replace(max(');
    expect(r0.queries[0]).not.toContain('label_replace(sum(');
    for (const sli of [
      (id: string) => `{ good: 'sum(rate(g{s="${id}"}[{{.window}}])) + 0', total: 'sum(rate(t{s="${id}"}[{{.window}}]))' }`,
      (id: string) => `{ good: 'sum(rate(g{s="${id}"}[{{.window}}]))', total: 'sum(rate(t{s="${id}"}[{{.window}}])) + 0' }`,
    ]) {
      const [y] = slas(['y'], sli);
      const src = new Source(new Map());
      const r = await fetchWindowRatios(src, [y!], 0, { useRules: false });
      expect(r.queries[0]).toContain('label_replace(max(');
      expect(r.queries[0]).not.toContain('label_replace(sum(');
    }
  });

  it('same-shape SLIs are read with one selector per window and part, when that needs fewer requests', async () => {
    const list = slas(['x', 'y'], plain);
    const t = new Map<string, ValueFn>();
    for (const [id, good] of [['x', 9], ['y', 8]] as const) {
      for (const w of STANDARD) {
        t.set(`sum(rate(g{s="${id}"}[${w}]))`, () => good);
        t.set(`sum(rate(t{s="${id}"}[${w}]))`, () => 10);
      }
    }
    const src = new Source(t);
    src.everyAnswer = ['partial'];
    const r = await fetchWindowRatios(src, list, 0, { useRules: false, limits: { maxBranches: 2 } });
    expect(r.queries.filter((q) => q.startsWith('sum by (s)'))).toHaveLength(14);
    expect(r.warnings.get('x/a')).toEqual(['partial']);
    expect(r.warnings.get('y/a')).toEqual(['partial']);
    // every count came from the selectors: nothing asked again alone
    expect(r.requeried).toBe(0);
    expect(r.queries).toHaveLength(14);
    for (const w of STANDARD) {
      expect(ratiosOf(r, 'x/a')[w]).toBeCloseTo(0.1, 12);
      expect(ratiosOf(r, 'y/a')[w]).toBeCloseTo(0.2, 12);
    }
  });

  it('warnings of count batches and of lone re-asks go to the SLA asked for', async () => {
    const [x, y] = slas(['x', 'y'], plain);
    const t = new Map<string, ValueFn>();
    for (const w of ['5m', '1d', '3d']) {
      t.set(`sum(rate(t{s="y"}[${w}]))`, () => 10);
      t.set(`sum(rate(g{s="y"}[${w}]))`, () => 10);
    }
    const lone = ['sum(rate(t{s="y"}[3d]))', 'sum(rate(t{s="y"}[1d]))', 'sum(rate(g{s="y"}[5m]))'];
    const src = new Source(t, new Set(lone));
    src.warnOn = { expr: lone, warnings: ['w-y'], aloneOnly: true };
    const r = await fetchWindowRatios(src, [x!, y!], 0, { useRules: false });
    expect(r.warnings.get('y/a')).toEqual(['w-y']);
    expect(r.warnings.has('x/a')).toBe(false);
    expect(ratiosOf(r, 'y/a')).toEqual({ '5m': 0, '1d': 0, '3d': 0 });
    // a batch's warnings go to every SLA in it
    const [p] = slas(['p'], plain);
    const all = new Map<string, ValueFn>(STANDARD.flatMap((w) => [[`sum(rate(t{s="p"}[${w}]))`, () => 10], [`sum(rate(g{s="p"}[${w}]))`, () => 10]] as const));
    const batch = new Source(all);
    batch.everyAnswer = ['b'];
    const rb = await fetchWindowRatios(batch, [p!], 0, { useRules: false });
    expect(rb.queries).toHaveLength(1);
    expect(rb.warnings.get('p/a')).toEqual(['b']);
  });

  it('a negative total (an SLI expression, not a counter) gives no ratio', async () => {
    const [x] = slas(['x'], plain);
    const t = new Map<string, ValueFn>([['sum(rate(g{s="x"}[5m]))', () => -2], ['sum(rate(t{s="x"}[5m]))', () => -4], ['sum(rate(t{s="x"}[3d]))', () => 1]]);
    const r = await fetchWindowRatios(new Source(t), [x!], 0, { useRules: false });
    expect(ratiosOf(r, 'x/a')['5m']).toBeUndefined();
  });

  it('a lone answer is believed only for its own series: an untagged stray sample is ignored', async () => {
    class Stray extends Source {
      override async instant(expr: string, at: number): Promise<InstantAnswer> {
        const a = await super.instant(expr, at);
        return { ...a, samples: [...a.samples, { labels: { job: 'stray' }, value: 0.9 }, { labels: { obligo_q: '99|5m' }, value: 0.9 }] };
      }
    }
    const [x] = slas(['x'], errorsKind);
    const t = new Map<string, ValueFn>([[errorRatioExpr(x!, '3d'), () => 0.01]]);
    const r = await fetchWindowRatios(new Stray(t, new Set([errorRatioExpr(x!, '3d')])), [x!], 0, { useRules: false });
    expect(ratiosOf(r, 'x/a')).toEqual({ '3d': 0.01 });
    const [p] = slas(['p'], plain);
    const t2 = new Map<string, ValueFn>([['sum(rate(t{s="p"}[3d]))', () => 10], ['sum(rate(g{s="p"}[3d]))', () => 9]]);
    const r2 = await fetchWindowRatios(new Stray(t2, new Set(['sum(rate(t{s="p"}[3d]))'])), [p!], 0, { useRules: false });
    expect(ratiosOf(r2, 'p/a')['3d']).toBeCloseTo(0.1, 12);
  });
});

describe('fetchWindowRatios, many SLAs of one shape', () => {
  it('a selector asks for at most 5,000 values', async () => {
    const [x] = slas(['x'], plain);
    const n = 5001;
    const list = Array.from({ length: n }, (_, i) => ({
      ...x!,
      key: `c${i}/a`,
      contractId: `c${i}`,
      sli: { ...x!.sli, good: x!.sli.good.replace('s="x"', `s="v${i}"`), total: x!.sli.total.replace('s="x"', `s="v${i}"`) },
    }));
    const t = new Map<string, ValueFn>();
    for (let i = 0; i < n; i++) {
      for (const w of STANDARD) {
        t.set(`sum(rate(g{s="v${i}"}[${w}]))`, () => 3);
        t.set(`sum(rate(t{s="v${i}"}[${w}]))`, () => 4);
      }
    }
    const r = await fetchWindowRatios(new Source(t), list, 0, { useRules: false });
    // 7 windows × (good, total) selectors, each in two requests: 5,000 values and 1
    expect(r.queries).toHaveLength(28);
    const valuesIn = (q: string) => /=~"([^"]*)"/.exec(q)![1]!.split('|').length;
    expect(r.queries.map(valuesIn).sort((a, b) => a - b)).toEqual([...Array(14).fill(1), ...Array(14).fill(5000)]);
    expect(r.requeried).toBe(0);
    expect(ratiosOf(r, `c${n - 1}/a`)['3d']).toBe(0.25);
    expect(ratiosOf(r, 'c0/a')['5m']).toBe(0.25);
  });
});

describe('fetchWindowRatios, combined selectors at their edges', () => {
  /** One SLA per value v, its SLI `sum(rate(g{s="v"}[w])) / sum(rate(t{s="v"}[w]))`, key `c<i>/a`. */
  const sameShape = (values: string[]): Sla[] => {
    const [x] = slas(['x'], plain);
    return values.map((v, i) => ({
      ...x!,
      key: `c${i}/a`,
      contractId: `c${i}`,
      sli: { ...x!.sli, good: x!.sli.good.replace('s="x"', `s="${v}"`), total: x!.sli.total.replace('s="x"', `s="${v}"`) },
    }));
  };

  it('exactly 5,000 values of one shape: one request per window and part, none with no value in it', async () => {
    const n = 5000;
    const values = Array.from({ length: n }, (_, i) => `v${i}`);
    // SLA i: good i mod 4 of a total of 4 in every window
    const t = new Map<string, ValueFn>();
    values.forEach((v, i) => {
      for (const w of STANDARD) {
        t.set(`sum(rate(g{s="${v}"}[${w}]))`, () => i % 4);
        t.set(`sum(rate(t{s="${v}"}[${w}]))`, () => 4);
      }
    });
    const src = new Source(t);
    const r = await fetchWindowRatios(src, sameShape(values), 0, { useRules: false });
    // 7 windows × (good, total): 14 selectors of 5,000 values each, each asked once
    expect(src.requests).toBe(14);
    expect(r.queries).toHaveLength(14);
    const valuesIn = (q: string) => /=~"([^"]*)"/.exec(q)![1]!.split('|');
    for (const q of r.queries) expect(new Set(valuesIn(q))).toEqual(new Set(values));
    expect(r.requeried).toBe(0);
    const errorRatio = [1, 0.75, 0.5, 0.25]; // by i mod 4: good 0, 1, 2, 3 of 4
    for (let i = 0; i < n; i++) expect(ratiosOf(r, `c${i}/a`)).toEqual(Object.fromEntries(STANDARD.map((w) => [w, errorRatio[i % 4]])));
  });

  it('an SLI that asks for s="" gets the series without the label s, from the combined answer', async () => {
    // s="" matches the series that have no label s; `sum by (s)` answers them as a series without s.
    const values = ['', 'a', 'b'];
    const good = (k: number, j: number) => k + j; // of a total of 16, per SLA k and window j
    const t = new Map<string, ValueFn>();
    values.forEach((v, k) =>
      STANDARD.forEach((w, j) => {
        t.set(`sum(rate(g{s="${v}"}[${w}]))`, () => good(k, j));
        t.set(`sum(rate(t{s="${v}"}[${w}]))`, () => 16);
      }),
    );
    const src = new Source(t);
    const r = await fetchWindowRatios(src, sameShape(values), 0, { useRules: false, limits: { maxBranches: 2 } });
    // one selector per window and part, each holding the three values; nothing asked again alone
    expect(src.requests).toBe(14);
    expect(r.queries.every((q) => q.startsWith('sum by (s) '))).toBe(true);
    expect(r.requeried).toBe(0);
    values.forEach((_, k) => expect(ratiosOf(r, `c${k}/a`)).toEqual(Object.fromEntries(STANDARD.map((w, j) => [w, (16 - good(k, j)) / 16]))));
  });
});

describe('slaWindows (kept per alerting table)', () => {
  it('returns a copy: a caller changing it does not change the next answer', () => {
    const [s] = slas(['w'], plain);
    const first = slaWindows(s!);
    expect(first).toEqual(STANDARD);
    first.push('changed');
    first.length = 1;
    expect(slaWindows(s!)).toEqual(STANDARD);
  });
});
