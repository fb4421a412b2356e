import { join } from 'node:path';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { compileGrafana, GRAFANA_SCHEMA_VERSION, OVERVIEW_UID, slaDashboardUid } from '../../src/compile/grafana.js';
import { MAINTENANCE_ACTIVE_METRIC } from '../../src/conventions.js';
import { creditTiersMarkdown, mdText } from '../../src/compile/grafana-markdown.js';
import { maintenanceWindowQuery, periodBudgetRemainingQuery, periodSliQuery } from '../../src/compile/grafana-queries.js';
import { compilePrometheus } from '../../src/compile/prometheus.js';
import { burnRateRecord, errorRatioRecord, OBJECTIVE_RECORD } from '../../src/compile/promql.js';
import { parse as parseYaml } from 'yaml';
import { fixtureContracts, REPO_ROOT } from '../golden/fixtures-b/fixtures.js';
import { golden } from '../golden/fixtures-b/golden.js';
import { allExpressions, allPanels, checkDashboard } from '../golden/fixtures-b/grafana-checks.js';

const opts = { prometheusFormat: 'prometheus' } as const;
const contracts = fixtureContracts();
const files = compileGrafana(contracts, opts);
const dashboards = Object.fromEntries(files.map((f) => [f.path, JSON.parse(f.content)]));
const acme = contracts.find((c) => c.id === 'acme-compute')!;
const platform = contracts.find((c) => c.id === 'platform-api')!;

describe('compileGrafana', () => {
  it('writes an overview and one dashboard per SLA, matching the golden files', () => {
    expect(files.map((f) => f.path)).toEqual([
      'grafana/obligo-overview.json',
      'grafana/sla-acme-compute-availability.json',
      'grafana/sla-platform-api-availability.json',
      'grafana/sla-platform-api-latency.json',
    ]);
    for (const f of files) expect(f.content).toBe(golden(join(REPO_ROOT, 'test/golden', f.path), f.content));
  });

  it('is deterministic and independent of input order', () => {
    expect(compileGrafana([...contracts].reverse(), opts)).toEqual(files);
  });

  it('passes the structural checks (datasource variable, no __inputs, uids, PromQL parses, layout)', () => {
    for (const [path, d] of Object.entries(dashboards)) checkDashboard(d, path);
    const uids = Object.values(dashboards).map((d) => d.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(dashboards['grafana/obligo-overview.json'].uid).toBe(OVERVIEW_UID);
    expect(dashboards['grafana/sla-acme-compute-availability.json'].uid).toBe('sla-acme-compute-availability');
  });

  it('uses the recorded series of the Prometheus rules', () => {
    const overview = allExpressions(dashboards['grafana/obligo-overview.json']).join('\n');
    expect(overview).toContain(OBJECTIVE_RECORD);
    expect(overview).toContain(errorRatioRecord('1d'));
    expect(overview).toContain(burnRateRecord('1h'));
    const detail = allExpressions(dashboards['grafana/sla-acme-compute-availability.json']).join('\n');
    for (const w of ['5m', '1h', '6h', '1d', '3d']) expect(detail).toContain(`${errorRatioRecord(w)}{contract="acme-compute",sla="availability"}`);
    for (const w of ['5m', '30m', '1h', '6h', '3d']) expect(detail).toContain(`${burnRateRecord(w)}{contract="acme-compute",sla="availability"}`);
  });

  it('only reads series that the Prometheus rules record, for the SLAs they belong to', () => {
    // Recorded (name, contract, sla) triples, from the real Prometheus compiler output.
    const recorded = new Set<string>();
    for (const f of compilePrometheus(contracts, opts)) {
      for (const g of parseYaml(f.content).groups) for (const r of g.rules) if (r.record) recorded.add(`${r.record} ${r.labels.contract} ${r.labels.sla}`);
    }
    const names = (exprs: string[]) => new Set(exprs.flatMap((e) => e.match(/obligo:[a-z_]+:[a-z0-9]+/g) ?? []));
    const overviewNames = names(allExpressions(dashboards['grafana/obligo-overview.json']));
    expect(overviewNames.size).toBeGreaterThan(3);
    for (const n of overviewNames) for (const c of contracts) for (const sla of c.slas) expect(recorded.has(`${n} ${c.id} ${sla.id}`), `${n} for ${sla.key}`).toBe(true);
    for (const c of contracts) {
      for (const sla of c.slas) {
        const d = dashboards[`grafana/sla-${c.id}-${sla.id}.json`];
        const exprs = allExpressions(d);
        for (const n of names(exprs)) expect(recorded.has(`${n} ${c.id} ${sla.id}`), `${n} for ${sla.key}`).toBe(true);
        // Every recorded-series selector on an SLA dashboard names exactly this SLA.
        for (const m of exprs.join('\n').matchAll(/obligo:[a-z_]+:[a-z0-9]+(\{[^}]*\})/g)) expect(m[1]).toBe(`{contract="${c.id}",sla="${sla.id}"}`);
      }
    }
  });

  it('sets the SLA dashboard to the contract zone and calendar period so far', () => {
    const m = dashboards['grafana/sla-acme-compute-availability.json'];
    expect(m.timezone).toBe('America/New_York');
    expect(m.time).toEqual({ from: 'now/M', to: 'now' });
    const q = dashboards['grafana/sla-platform-api-latency.json'];
    expect(q.timezone).toBe('Europe/Berlin');
    expect(q.time).toEqual({ from: 'now/fQ', to: 'now' });
    expect(q.fiscalYearStartMonth).toBe(0);
  });

  it('draws each active burn-rate pair with its factor as the threshold', () => {
    const burnPanels = (path: string) => allPanels(dashboards[path]).filter((p) => String(p.title).startsWith('Burn rate,'));
    const acmePanels = burnPanels('grafana/sla-acme-compute-availability.json');
    expect(acmePanels.map((p) => p.fieldConfig.defaults.thresholds.steps[1].value)).toEqual([14.4, 6, 1]);
    expect(acmePanels.map((p) => p.targets.map((t: any) => t.legendFormat))).toEqual([
      ['long 1h', 'short 5m'],
      ['long 6h', 'short 30m'],
      ['long 3d', 'short 6h'],
    ]);
    // platform-api/latency switches tickets off: only its page row is drawn.
    expect(burnPanels('grafana/sla-platform-api-latency.json').map((p) => p.title)).toEqual(['Burn rate, page: 1h and 5m above 14.4']);
  });

  it('annotates one-off maintenance windows at the right instants, the maintenance obligo serve reports, and lists all windows', () => {
    const a = dashboards['grafana/sla-acme-compute-availability.json'].annotations.list;
    expect(a.map((x: any) => x.name)).toEqual(['Maintenance 1', 'Maintenance (obligo serve)']);
    const start = DateTime.fromISO('2026-03-10T01:00:00Z').toSeconds();
    const end = DateTime.fromISO('2026-03-10T03:00:00Z').toSeconds();
    expect(a[0].expr).toContain(`>= ${start}) < ${end})`);
    // The series the burn alerts are silenced by (src/conventions.ts), for this contract only.
    expect(a[1].expr).toBe(`max(${MAINTENANCE_ACTIVE_METRIC}{contract="acme-compute"}) == 1`);
    expect(a[1].enable).toBe(true);
    const text = allPanels(dashboards['grafana/sla-acme-compute-availability.json']).find((p) => p.title === 'Maintenance windows')!;
    expect(text.options.content).toContain('`0 2 * * 0` (America/New\\_York), 120 min');
    // No one-off windows: only the serve annotation.
    expect(dashboards['grafana/sla-platform-api-latency.json'].annotations.list.map((x: any) => x.name)).toEqual(['Maintenance (obligo serve)']);
  });

  it(`schemaVersion ${GRAFANA_SCHEMA_VERSION} (Grafana 10.3-11.2), and nothing that needs a newer schema (what migrations 40-42 change)`, () => {
    expect(GRAFANA_SCHEMA_VERSION).toBe(39);
    for (const [path, d] of Object.entries(dashboards)) {
      expect(d.schemaVersion, path).toBe(39);
      // 40: refresh must be a string.
      expect(typeof d.refresh, path).toBe('string');
      // 41: timepicker.time_options is dropped.
      expect(d.timepicker?.time_options, path).toBeUndefined();
      // 42: an override hiding a field from the viz also hides it from tooltips.
      const overrides = allPanels(d).flatMap((p) => p.fieldConfig?.overrides ?? []);
      for (const o of overrides) for (const prop of o.properties ?? []) expect(prop.id, path).not.toBe('custom.hideFrom');
    }
  });

  it('shows credit tiers and escalation contacts as markdown', () => {
    const panels = allPanels(dashboards['grafana/sla-acme-compute-availability.json']);
    const credits = panels.find((p) => p.title === 'Service credits')!.options.content as string;
    expect(credits.split('\n').slice(0, 5)).toEqual(['| Achieved | Credit |', '|---|---|', '| < 99.99 % | 10 % |', '| < 99 % | 30 % |', '| < 95 % | 100 % |']);
    const escalation = panels.find((p) => p.title === 'Escalation contacts')!.options.content as string;
    expect(escalation).toContain('| 1 | Acme NOC | noc@acme.example, +1 555 0100 | 15 min |');
    expect(escalation.indexOf('Acme NOC')).toBeLessThan(escalation.indexOf('Acme duty manager'));
    const platformCredits = creditTiersMarkdown(platform, platform.slas.find((s) => s.id === 'latency')!);
    expect(platformCredits).toContain('| ≤ 99 and > 98 % | 5 % |');
  });
});

describe('period-to-date queries by measurement method', () => {
  const sla = (c: typeof acme, id: string) => c.slas.find((s) => s.id === id)!;
  it('timeslices: share of good slices at the slice step', () => {
    const q = periodSliQuery(sla(acme, 'availability'));
    expect(q).toMatch(/^avg_over_time\(/);
    expect(q).toContain('>= bool 0.95)[$__range:1m])');
    expect(q).toContain('[1m]');
  });
  it('averaged: one minus the mean slice error ratio', () => {
    const q = periodSliQuery(sla(platform, 'availability'));
    expect(q).toMatch(/^1 - avg_over_time\(/);
    expect(q).toContain('[$__range:5m])');
  });
  it('events: the ratio over the whole range', () => {
    const q = periodSliQuery(sla(platform, 'latency'));
    expect(q).not.toContain('avg_over_time');
    expect(q).toContain('[$__range]');
  });
  it('budget remaining divides by the exact budget literal', () => {
    expect(periodBudgetRemainingQuery(sla(acme, 'availability'))).toMatch(/\) \/ 0\.0001$/);
    expect(periodBudgetRemainingQuery(sla(platform, 'availability'))).toMatch(/\) \/ 0\.0005$/);
  });
});

describe('helpers', () => {
  it('slaDashboardUid is short, stable, and keeps distinct SLAs apart', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
    fc.assert(
      fc.property(label, label, (c, s) => {
        const uid = slaDashboardUid(c, s);
        expect(uid.length).toBeLessThanOrEqual(40);
        expect(uid).toMatch(/^[a-z0-9-]+$/);
        expect(slaDashboardUid(c, s)).toBe(uid);
      }),
    );
    const long = 'x'.repeat(50);
    expect(slaDashboardUid(long, 'a')).not.toBe(slaDashboardUid(long, 'b'));
  });

  it('maintenance annotation query converts offsets to epoch seconds and escapes the reason', () => {
    const q = maintenanceWindowQuery(100, 200, 'a "quoted" $reason\\');
    expect(q).toBe('label_replace(((vector(time()) >= 100) < 200) * 0 + 1, "reason", "a \\"quoted\\" ＄reason\\\\", "", "")');
  });

  it('mdText neutralises markdown, HTML and Grafana variables', () => {
    const s = mdText('a|b *c* <script>$datasource ${x}\nnext & `code`');
    expect(s).not.toMatch(/(^|[^\\])[|*<>`]/);
    expect(s).not.toContain('$');
    expect(s).not.toContain('\n');
    expect(s).toContain('&amp;');
  });
});
