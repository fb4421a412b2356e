// OpenSLO import: examples written in the OpenSLO project's shape become contract files whose
// commercial TODOs `validate` reports one by one; once filled in they compile, and the compiled
// OpenSLO carries the same objectives and windows and imports back to the same SLAs.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { importCommand } from '../../src/cli/commands/import.js';
import { memoryIO } from '../../src/cli/io.js';
import { renderOpenSloFile } from '../../src/compile/openslo.js';
import { formatIssue, loadContractText } from '../../src/contract/load.js';
import type { Contract } from '../../src/contract/model.js';
import { validateCommand } from '../../src/contract/validate-command.js';
import { counterAsRate, importOpenSlo, templateRanges } from '../../src/import/openslo.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const EXAMPLES = ['ratio-counter.yaml', 'ratio-timeslices.yaml', 'threshold.yaml'];
const read = (f: string) => ({ file: join(FIXTURES, f), text: readFileSync(join(FIXTURES, f), 'utf8') });

/** What a person fills in for the TODOs. */
function fill(text: string): string {
  return text
    .replace(/^role: TODO.*$/m, 'role: customer')
    .replace(/^ {2}vendor: TODO.*$/m, '  vendor: { name: "Vendor, Inc." }')
    .replace(/^ {2}customer: TODO.*$/m, '  customer: { name: Example Corp }')
    .replace(/^escalation: TODO.*$/m, 'escalation: [ { level: 1, name: Vendor NOC, email: noc@vendor.example, respondWithinMinutes: 15 } ]')
    .replace(/^fees: \{ currency: TODO, monthly: TODO \}.*$/m, 'fees: { currency: USD, monthly: 1000 }')
    .replace(/credits: \{ tiers: TODO \}.*$/gm, 'credits: { tiers: [ { below: 90, percent: 10 } ] }');
}

function load(file: string, text: string): Contract {
  const r = loadContractText(file, text);
  const errors = r.issues.filter((i) => i.severity === 'error');
  if (!r.contract || errors.length > 0) throw new Error(errors.map(formatIssue).join('\n'));
  return r.contract;
}

/** The SLA fields a contract measures and decides with. */
const slaView = (c: Contract) =>
  [...c.slas]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((s) => ({ id: s.id, objective: s.objective, period: s.period, sli: { good: s.sli.good, total: s.sli.total }, measurement: s.measurement, timezone: c.timezone, termStart: c.termStart }));

describe('obligo import openslo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'obligo-import-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports the examples: one contract per service, one SLA per calendar SLO', () => {
    const r = importOpenSlo(EXAMPLES.map(read));
    expect(r.issues).toEqual([]);
    expect(r.contracts.map((c) => [c.id, c.slas])).toEqual([
      ['checkout', ['availability']],
      ['search', ['uptime', 'errors']],
      ['edge', ['latency']],
    ]);
  });

  it('every commercial TODO is reported by validate with its file, line and field', async () => {
    const io = memoryIO({});
    expect(await importCommand(['openslo', ...EXAMPLES.map((f) => join(FIXTURES, f)), '--out', dir], io)).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['checkout.yaml', 'edge.yaml', 'search.yaml']);
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      const todoLines = text.split('\n').flatMap((l, i) => (/:\s*TODO\b/.test(l) || /\{[^}]*TODO/.test(l) ? [i + 1] : []));
      const v = memoryIO({});
      expect(await validateCommand([join(dir, f)], v)).toBe(1);
      const reported = new Set(v.out.concat(v.err).split('\n').flatMap((l) => {
        const m = new RegExp(`^${join(dir, f).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):\\d+: (?!warning)`).exec(l);
        return m ? [Number(m[1])] : [];
      }));
      for (const line of todoLines) expect(reported.has(line), `${f}:${line} (${text.split('\n')[line - 1]}) is reported`).toBe(true);
      const all = v.out + v.err;
      for (const field of ['role', 'parties.vendor', 'parties.customer', 'escalation', 'fees.currency', 'fees.monthly', 'slas[0].credits.tiers']) expect(all).toContain(`: ${field}: `);
    }
    // An existing file is kept without --force.
    const again = memoryIO({});
    await importCommand(['openslo', join(FIXTURES, 'threshold.yaml'), '--out', dir], again);
    expect(again.err).toMatch(/edge\.yaml exists: kept/);
  });

  it('filled in, the contracts compile to OpenSLO with the same objectives, windows and methods', () => {
    const r = importOpenSlo(EXAMPLES.map(read));
    const originals = EXAMPLES.flatMap((f) => parseAllDocuments(read(f).text).map((d) => d.toJS() as Record<string, any>)).filter((d) => d.kind === 'SLO');
    for (const imported of r.contracts) {
      const contract = load(`${imported.id}.yaml`, fill(imported.text));
      const compiled = parseAllDocuments(renderOpenSloFile(contract)).map((d) => d.toJS() as Record<string, any>);
      for (const slo of compiled.filter((d) => d.kind === 'SLO')) {
        const original = originals.find((o) => o.metadata.name === `${contract.id}-${slo.metadata.annotations['obligo.dev/sla']}`)!;
        expect(original, slo.metadata.name).toBeDefined();
        const o = original.spec.objectives[0];
        const c = slo.spec.objectives[0];
        expect(c.target).toBe(o.target);
        expect(slo.spec.timeWindow[0].duration).toBe(original.spec.timeWindow[0].duration);
        expect(slo.spec.timeWindow[0].isRolling).toBe(false);
        expect(slo.spec.timeWindow[0].calendar.timeZone).toBe(original.spec.timeWindow[0].calendar.timeZone);
        expect(slo.spec.budgetingMethod).toBe(original.spec.budgetingMethod);
        if (o.timeSliceTarget !== undefined) expect(c.timeSliceTarget).toBe(o.timeSliceTarget);
        if (o.timeSliceWindow !== undefined) expect(c.timeSliceWindow).toBe(o.timeSliceWindow);
      }
    }
  });

  it('round-trips: import → compile --format openslo → import gives the same SLAs', () => {
    const first = importOpenSlo(EXAMPLES.map(read));
    for (const imported of first.contracts) {
      const contract = load(`${imported.id}.yaml`, fill(imported.text));
      const back = importOpenSlo([{ file: 'compiled.yaml', text: renderOpenSloFile(contract) }]);
      expect(back.issues).toEqual([]);
      expect(back.contracts).toHaveLength(1);
      const again = load(`${imported.id}.yaml`, fill(back.contracts[0]!.text));
      expect(again.id).toBe(contract.id);
      expect(slaView(again)).toEqual(slaView(contract));
    }
  });

  it('the examples of this repository compile and import back too (obligo.dev annotations kept)', async () => {
    const { loadContracts } = await import('../../src/contract/load.js');
    const { contracts } = await loadContracts([join(import.meta.dirname, '..', '..', 'contracts')]);
    expect(contracts.length).toBeGreaterThan(3);
    for (const c of contracts) {
      const back = importOpenSlo([{ file: `${c.id}.yaml`, text: renderOpenSloFile(c) }]);
      expect(back.issues.filter((i) => i.severity === 'error'), c.id).toEqual([]);
      const again = load(`${c.id}.yaml`, fill(back.contracts[0]!.text));
      expect(slaView(again).map((s) => ({ ...s, termStart: c.termStart }))).toEqual(slaView(c));
    }
  });

  it('what a contract cannot be is refused with the reason, and nothing is written', async () => {
    const io = memoryIO({});
    expect(await importCommand(['openslo', join(FIXTURES, 'unsupported.yaml')], io)).toBe(1);
    expect(io.err).toContain('SLO rolling-availability: a rolling window (28d) is not a contract period');
    expect(io.err).toContain('SLO datadog-availability: ratioMetric: metric source type "Datadog" is not Prometheus');
    expect(io.out).toBe('');
    const usage = memoryIO({});
    expect(await importCommand(['sloth', 'x.yaml'], usage)).toBe(2);
    expect(usage.err).toMatch(/import needs a format: obligo import openslo/);
  });

  it('queries: fixed ranges become the slice, counters become rates, anything else is a TODO', () => {
    expect(templateRanges('sum(rate(x[5m])) / sum(rate(y[1h30m]))').text).toBe('sum(rate(x[{{.window}}])) / sum(rate(y[{{.window}}]))');
    expect(templateRanges('max_over_time(x[10m:1m])').text).toBe('max_over_time(x[{{.window}}:])');
    expect(counterAsRate('http_requests_total{code="200"}')).toBe('sum(rate(http_requests_total{code="200"}[{{.window}}]))');
    expect(counterAsRate('sum by (job) (up_total)')).toBe('sum by (job)(rate(up_total[{{.window}}]))');
    expect(counterAsRate('sum(a) + sum(b)')).toBeNull();
    const r = importOpenSlo([{
      file: 'x.yaml',
      text: read('ratio-counter.yaml').text.replace('sum(http_requests_total{service="checkout"})', 'sum(a_total) + sum(b_total)'),
    }]);
    expect(r.contracts[0]!.text).toMatch(/total: TODO {3}# sum\(a_total\) \+ sum\(b_total\)/);
    expect(r.contracts[0]!.text).toMatch(/# TODO sli\.total: the counter query/);
  });
});
