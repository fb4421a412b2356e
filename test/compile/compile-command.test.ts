// `obligo compile`: loads contracts, skips (and reports) invalid ones, writes every output kind, and
// says where they went. Runs against real files in a temp directory.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileCommand, summaryLines } from '../../src/compile/compile-command.js';
import { compileAll, writeOutputs } from '../../src/compile/index.js';
import { loadContracts } from '../../src/contract/load.js';
import { FIXTURES_DIR, fixtureContracts } from '../golden/fixtures/contracts.js';

const root = mkdtempSync(join(tmpdir(), 'obligo-compile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function io() {
  const r = { out: '', err: '', stdout: (s: string) => void (r.out += s), stderr: (s: string) => void (r.err += s) };
  return r;
}

/** A fresh directory with a contracts/ folder holding the named fixture files. */
function workspace(files: string[], extra: Record<string, string> = {}): string {
  const dir = join(root, `w${n++}`);
  mkdirSync(join(dir, 'contracts'), { recursive: true });
  for (const f of files) cpSync(join(FIXTURES_DIR, f), join(dir, 'contracts', f));
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, 'contracts', name), text);
  return dir;
}

function listFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1).split('\\').join('/'))
    .sort();
}

const INVALID = `apiVersion: obligo.dev/v1
kind: Contract
metadata: { id: broken, title: Broken }
role: customer
parties: { vendor: { name: V }, customer: { name: C } }
term: { start: 2026-01-01, timezone: UTC }
fees: { currency: USD, monthly: 1 }
slas:
  - id: s
    objective: 120
    period: month
    sli: { good: 'sum(rate(x[{{.window}}]))', total: 'sum(rate(y[{{.window}}]))' }
    measurement: { method: events }
`;

describe('obligo compile', () => {
  it('compiles every valid contract into every output kind and prints where they went', async () => {
    const dir = workspace(['acme-compute.yaml', 'globex-storage.yaml']);
    const out = join(dir, 'out');
    const r = io();
    const code = await compileCommand([join(dir, 'contracts'), '--out', out], r);
    expect(code).toBe(0);
    // globex-storage has no escalation contacts and no credit tiers: warnings, reported, not fatal.
    const warnings = r.err.trim().split('\n');
    expect(warnings).toHaveLength(2);
    for (const w of warnings) expect(w).toMatch(/globex-storage\.yaml:\d+:\d+: warning: /);
    const files = listFiles(out);
    for (const id of ['acme-compute', 'globex-storage']) {
      expect(files).toContain(`prometheus/${id}.rules.yaml`);
      expect(files).toContain(`openslo/${id}.yaml`);
    }
    expect(files.some((f) => f.startsWith('grafana/'))).toBe(true);
    expect(files.some((f) => f.startsWith('policies/'))).toBe(true);
    expect(files).toContain('alertmanager/obligo-routes.yaml');
    expect(files.some((f) => f.startsWith('prometheus-operator/'))).toBe(false);
    expect(r.out.split('\n')[0]).toBe(`compiled 2 contracts into ${out}`);
    expect(r.out).toMatch(new RegExp(`^  prometheus +2 files  ${out}/prometheus/$`, 'm'));
    expect(r.out).toMatch(new RegExp(`^  openslo +2 files  ${out}/openslo/$`, 'm'));
    expect(r.out).toMatch(new RegExp(`^  alertmanager +1 file   ${out}/alertmanager/$`, 'm'));
    // One summary line per kind, and the counts add up to the files written.
    const counts = [...r.out.matchAll(/^ {2}\S+ +(\d+) files? /gm)].map((m) => Number(m[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(files.length);
  });

  it('writes exactly what compileAll returns, byte for byte', async () => {
    const dir = workspace(['platform-api.yaml']);
    const out = join(dir, 'out');
    expect(await compileCommand([join(dir, 'contracts'), '--out', out], io())).toBe(0);
    const { contracts } = await loadContracts([join(dir, 'contracts')]);
    const expected = compileAll(contracts, { prometheusFormat: 'prometheus' });
    expect(listFiles(out)).toEqual(expected.map((f) => f.path));
    for (const f of expected) expect(readFileSync(join(out, f.path), 'utf8') === f.content, f.path).toBe(true);
  });

  it('reports invalid contracts like validate does, skips them, compiles the rest, exits 1', async () => {
    const dir = workspace(['acme-compute.yaml'], { 'broken.yaml': INVALID });
    const out = join(dir, 'out');
    const r = io();
    expect(await compileCommand([join(dir, 'contracts'), '--out', out], r)).toBe(1);
    const lines = r.err.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/broken\.yaml:\d+:\d+: /);
    expect(r.err).toContain('slas[0].objective');
    expect(existsSync(join(out, 'prometheus/acme-compute.rules.yaml'))).toBe(true);
    expect(existsSync(join(out, 'prometheus/broken.rules.yaml'))).toBe(false);
    expect(r.out.split('\n')[0]).toBe(`compiled 1 contract, skipped 1 invalid into ${out}`);
  });

  it('--format prometheus-operator writes PrometheusRule resources instead of rule files', async () => {
    const dir = workspace(['acme-compute.yaml']);
    const out = join(dir, 'o');
    const r = io();
    expect(await compileCommand([join(dir, 'contracts'), '--out', out, '--format', 'prometheus-operator'], r)).toBe(0);
    expect(readFileSync(join(out, 'prometheus-operator/acme-compute.yaml'), 'utf8')).toContain('kind: PrometheusRule');
    expect(existsSync(join(out, 'prometheus'))).toBe(false);
    // The Alertmanager routes do not depend on the rule format.
    expect(existsSync(join(out, 'alertmanager/obligo-routes.yaml'))).toBe(true);
    expect(r.out).toMatch(/^ {2}prometheus-operator +1 file /m);
  });

  it('defaults: contracts/ and out/ relative to the working directory; other files in out/ are kept', async () => {
    const dir = workspace(['globex-storage.yaml']);
    mkdirSync(join(dir, 'out'), { recursive: true });
    writeFileSync(join(dir, 'out', 'keep.txt'), 'mine');
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const r = io();
      expect(await compileCommand([], r)).toBe(0);
      expect(r.out.split('\n')[0]).toBe('compiled 1 contract into out/');
      expect(r.out).toContain('out/prometheus/');
    } finally {
      process.chdir(cwd);
    }
    expect(existsSync(join(dir, 'out/prometheus/globex-storage.rules.yaml'))).toBe(true);
    expect(readFileSync(join(dir, 'out/keep.txt'), 'utf8')).toBe('mine');
  });

  it('usage errors exit 2 and write nothing', async () => {
    const dir = workspace(['acme-compute.yaml']);
    const cases: string[][] = [
      [join(dir, 'contracts'), '--out', join(dir, 'x1'), '--format', 'thanos'],
      [join(dir, 'contracts'), '--out', join(dir, 'x2'), '--bogus'],
      [join(dir, 'nope'), '--out', join(dir, 'x3')],
      [join(dir, 'contracts'), '--out', join(dir, 'x4'), '--links-grafana', 'grafana.example.com'],
      [join(dir, 'contracts'), '--out', join(dir, 'x5'), '--links-runbooks', 'ftp://wiki/runbooks'],
      [join(dir, 'contracts'), '--out', join(dir, 'x6'), '--routing-key-dir', ''],
      [join(dir, 'contracts'), '--out'],
    ];
    for (const argv of cases) {
      const r = io();
      expect(await compileCommand(argv, r), argv.join(' ')).toBe(2);
      expect(r.err).toContain('usage: obligo compile');
    }
    for (const x of ['x1', 'x2', 'x3', 'x4', 'x5', 'x6']) expect(existsSync(join(dir, x))).toBe(false);
  });

  it('--links-grafana, --links-runbooks and --routing-key-dir reach the alert annotations and the receivers', async () => {
    const dir = workspace(['acme-compute.yaml']);
    const out = join(dir, 'out');
    const argv = [join(dir, 'contracts'), '--out', out, '--links-grafana', 'https://grafana.example.com/', '--links-runbooks', 'https://wiki.example.com/rb/{contract}/{sla}', '--routing-key-dir', '/secrets/pd'];
    expect(await compileCommand(argv, io())).toBe(0);
    const rules = readFileSync(join(out, 'prometheus/acme-compute.rules.yaml'), 'utf8');
    expect(rules).toContain('dashboard_url: https://grafana.example.com/d/sla-acme-compute-availability');
    expect(rules).toContain('runbook_url: https://wiki.example.com/rb/acme-compute/availability');
    expect(rules).not.toContain('.invalid');
    const routes = readFileSync(join(out, 'alertmanager/obligo-routes.yaml'), 'utf8');
    expect(routes).toContain('routing_key_file: /secrets/pd/PD_ACME_COMPUTE_KEY');
    // Without them: placeholders, documented in the usage.
    const out2 = join(dir, 'out2');
    expect(await compileCommand([join(dir, 'contracts'), '--out', out2], io())).toBe(0);
    expect(readFileSync(join(out2, 'prometheus/acme-compute.rules.yaml'), 'utf8')).toContain('dashboard_url: https://grafana.invalid/d/sla-acme-compute-availability');
    const help = io();
    await compileCommand(['--help'], help);
    expect(help.out).toContain('default https://grafana.invalid');
  });

  it('--help prints the usage and exits 0', async () => {
    const r = io();
    expect(await compileCommand(['--help'], r)).toBe(0);
    expect(r.out).toContain('usage: obligo compile [PATH…]');
  });

  it('no contract files: says so, exits 0', async () => {
    const dir = workspace([]);
    const r = io();
    expect(await compileCommand([join(dir, 'contracts'), '--out', join(dir, 'out')], r)).toBe(0);
    expect(r.out).toContain('no contract files found');
  });
});

describe('compileAll and writeOutputs', () => {
  it('returns every kind, sorted by path, and is deterministic', () => {
    const a = compileAll(fixtureContracts(), { prometheusFormat: 'prometheus' });
    const b = compileAll(fixtureContracts().reverse(), { prometheusFormat: 'prometheus' });
    const paths = a.map((f) => f.path);
    expect(paths).toEqual([...paths].sort());
    for (const kind of ['alertmanager/', 'grafana/', 'openslo/', 'policies/', 'prometheus/']) expect(paths.some((p) => p.startsWith(kind)), kind).toBe(true);
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) {
      expect(b[i]!.path).toBe(a[i]!.path);
      expect(b[i]!.content === a[i]!.content, a[i]!.path).toBe(true);
    }
  });

  it('writeOutputs refuses paths that leave the output directory', async () => {
    const dir = join(root, `w${n++}`);
    await expect(writeOutputs(dir, [{ path: '../escape.txt', content: 'x' }])).rejects.toThrow(/escapes/);
    expect(existsSync(join(root, 'escape.txt'))).toBe(false);
  });

  it('summaryLines: one line per top folder, counts, and the folder', () => {
    const lines = summaryLines('out', [
      { path: 'prometheus/a.rules.yaml', content: '' },
      { path: 'prometheus/b.rules.yaml', content: '' },
      { path: 'grafana/x.json', content: '' },
    ]);
    expect(lines).toEqual(['  grafana        1 file   out/grafana/', '  prometheus     2 files  out/prometheus/']);
  });
});
