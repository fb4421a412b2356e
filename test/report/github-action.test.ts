// The GitHub Action (action.yml) and the workflow examples of docs/ci-gate.md, executed: the action's
// composite steps run with bash as a runner runs them (inputs and expressions substituted, GITHUB_OUTPUT
// and GITHUB_STEP_SUMMARY files), with the inputs the documented workflow gives, against a real
// Prometheus: a denied, a waived, an allowed and an undecidable gate, and the plain (no action) step.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/demo/prometheus-server.js';
import type { TrafficSpec } from '../../src/demo/synthetic.js';
import { escapeData, escapeProperty, gateAnnotations } from '../../src/report/github.js';
import { describeWithPrometheus } from '../helpers/prometheus.js';
import { projectRoot } from '../helpers/tools.js';

const t = (s: string) => Date.parse(s);
const CONTRACTS = 'test/report/fixtures-gate';
const AT = '2026-04-20T00:00:00Z';

type Step = { name?: string; uses?: string; run?: string; shell?: string; id?: string; env?: Record<string, string>; with?: Record<string, string>; 'working-directory'?: string };
const action = parse(readFileSync(join(projectRoot, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { required?: boolean; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
};

/** The ```yaml blocks of docs/ci-gate.md, parsed (a block may be a whole workflow or a job). */
function docSteps(): Step[] {
  const md = readFileSync(join(projectRoot, 'docs', 'ci-gate.md'), 'utf8');
  const blocks = [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!) as Record<string, unknown>);
  const jobs = blocks.flatMap((b) => Object.values(((b.jobs as Record<string, unknown>) ?? b) as Record<string, { steps?: Step[] }>));
  return jobs.flatMap((j) => j.steps ?? []);
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Run a composite action's steps the way a runner does (node and the build are already there). */
function runAction(inputs: Record<string, string>, env: Record<string, string>): RunResult {
  const tmp = mkdtempSync(join(tmpdir(), 'obligo-action-'));
  try {
    const outputFile = join(tmp, 'output');
    const summaryFile = join(tmp, 'summary');
    writeFileSync(outputFile, '');
    writeFileSync(summaryFile, '');
    const values: Record<string, string> = {};
    for (const [k, spec] of Object.entries(action.inputs)) {
      if (inputs[k] === undefined && spec.required) throw new Error(`input ${k} is required`);
      values[k] = inputs[k] ?? spec.default ?? '';
    }
    const expr = (s: string) =>
      s.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_m, e: string) => {
        if (e.startsWith('inputs.')) return values[e.slice(7)] ?? '';
        if (e === 'github.action_path') return projectRoot;
        throw new Error(`expression not known to this test: ${e}`);
      });
    let stdout = '';
    let stderr = '';
    for (const step of action.runs.steps) {
      if (step.uses) {
        expect(step.uses).toMatch(/^actions\/setup-node@v\d+$/); // Node.js is this machine's
        continue;
      }
      expect(step.shell).toBe('bash');
      const script = join(tmp, 'step.sh');
      writeFileSync(script, expr(step.run!));
      const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expr(String(v))]));
      const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
        cwd: step['working-directory'] ? expr(step['working-directory']) : projectRoot,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, ...stepEnv, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, RUNNER_TEMP: tmp, GITHUB_ACTIONS: 'true' },
        encoding: 'utf8',
        timeout: 120_000,
      });
      stdout += r.stdout;
      stderr += r.stderr;
      if (r.status !== 0) return { code: r.status ?? -1, stdout, stderr, outputs: readOutputs(outputFile), summary: readFileSync(summaryFile, 'utf8') };
    }
    return { code: 0, stdout, stderr, outputs: readOutputs(outputFile), summary: readFileSync(summaryFile, 'utf8') };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function readOutputs(file: string): Record<string, string> {
  return Object.fromEntries(readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe('annotations', () => {
  it('escape data and properties as GitHub reads them', () => {
    expect(escapeData('50% done\r\nnext')).toBe('50%25 done%0D%0Anext');
    expect(escapeProperty('obligo gate: allow (waived), 2')).toBe('obligo gate%3A allow (waived)%2C 2');
  });

  it('a waived violation is a warning that says waived, never a plain allow', () => {
    const lines = gateAnnotations({ decision: 'allow', allow: true, exitCode: 0, failOpen: false, waived: ['waived (fix:c/s): c/s: SLA breached'], reasons: [], slas: [{ key: 'c/s', state: 'breached' }] });
    expect(lines).toEqual([
      '::warning title=obligo gate%3A allow (waived)::waived: waived (fix:c/s): c/s: SLA breached',
      '::notice title=obligo gate%3A allow (waived)::allowed with 1 waived violation (1 SLA checked)',
    ]);
  });
});

const SPEC: TrafficSpec = {
  start: t('2026-03-31T00:00:00Z'),
  end: t(AT),
  services: [
    { service: 'gh-ok', requestsPerMinute: 100 },
    { service: 'gh-bad', requestsPerMinute: 100, outages: [{ start: t('2026-04-10T00:00:00Z'), end: t('2026-04-11T00:00:00Z'), errorRatio: 0.1 }] },
  ],
};

describeWithPrometheus('action.yml and the docs/ci-gate.md workflows (real Prometheus)', SPEC, (prom) => {
  const steps = docSteps();
  const documented = steps.find((s) => s.with?.selection !== undefined);
  const plain = steps.find((s) => s.run?.includes('dist/cli/main.js gate'));
  let deadUrl = '';
  beforeAll(async () => {
    deadUrl = `http://127.0.0.1:${await freePort()}`;
  });
  afterAll(() => undefined);

  /** The documented step, pointed at this test's Prometheus, contracts and instant. */
  function run(labels: string[], over: Record<string, string> = {}, url = prom.url): RunResult {
    expect(documented, 'docs/ci-gate.md has a step using the action').toBeDefined();
    const env = Object.fromEntries(Object.entries(documented!.env ?? {}).map(([k, v]) => [k, k === 'OBLIGO_PROMETHEUS_URL' ? url : String(v).includes('${{') ? '' : String(v)]));
    // The caller's expressions are evaluated before the action sees its inputs, as on GitHub.
    const caller = (v: string) =>
      v.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_m, e: string) => {
        if (e === "join(github.event.pull_request.labels.*.name, ' ')") return labels.join(' ');
        if (e.startsWith('secrets.')) return '';
        throw new Error(`expression not known to this test: ${e}`);
      });
    const given = Object.fromEntries(Object.entries(documented!.with as Record<string, string>).map(([k, v]) => [k, caller(String(v))]));
    const inputs = { ...given, contracts: CONTRACTS, args: `--at ${AT}`, ...over };
    return runAction(inputs, env);
  }

  it('the documented workflow denies a breached SLA: ::error:: per reason, the step fails with 1', () => {
    expect(documented!.with).toMatchObject({ selection: '--label team=platform', 'min-budget': '0.1' });
    const r = run([]);
    expect(r.code).toBe(1);
    // % is %25 in a workflow command's message, as GitHub reads it.
    expect(r.stdout).toMatch(/^::error title=obligo gate%3A deny::gate-demo\/breached: SLA breached \(achieved 99\.\d+%25 < objective 99\.9%25\)$/m);
    // The SLA that passed is not an error.
    expect(r.stdout).not.toMatch(/^::error.*gate-demo\/healthy/m);
    expect(r.stdout).toMatch(/^::notice title=obligo gate%3A deny::also: .*gate-demo\/healthy: error budget remaining 100%25/m);
    expect(r.stdout).toMatch(/^obligo gate: deny: gate-demo\/breached: SLA breached/m);
    expect(r.outputs).toMatchObject({ decision: 'deny', verdict: 'deny', 'exit-code': '1' });
    expect(r.summary).toContain('### obligo gate: denied');
  });

  it('a pull request labelled fix:C/S ships, and every output says waived', () => {
    const r = run(['fix:gate-demo/breached', 'documentation']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^::warning title=obligo gate%3A allow \(waived\)::waived: waived \(fix:gate-demo\/breached\): gate-demo\/breached: SLA breached/m);
    expect(r.stdout).toMatch(/^obligo gate: allow \(waived\): waived \(fix:gate-demo\/breached\)/m);
    expect(r.stdout).not.toMatch(/within budget$/m);
    expect(r.outputs).toMatchObject({ decision: 'allow', verdict: 'allow (waived)', 'exit-code': '0' });
    expect(r.summary).toContain('### obligo gate: allowed (waived)');
  });

  it('a rollback ships whatever the budget, as a waiver', () => {
    const r = run(['rollback']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^::warning title=obligo gate%3A allow \(waived\)::waived: waived \(rollback\)/m);
  });

  it('a healthy selection is allowed with a notice', () => {
    const r = run([], { selection: '--sla gate-demo/healthy' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^::notice title=obligo gate%3A allow::1 SLA within budget$/m);
    expect(r.outputs.verdict).toBe('allow');
  });

  it('Prometheus out: cannot decide fails with ::error::; fail-open passes with a ::warning::', () => {
    const closed = run([], {}, deadUrl);
    expect(closed.code).toBe(2);
    expect(closed.stdout).toMatch(/^::error title=obligo gate%3A cannot decide::.*127\.0\.0\.1/m);
    const open = run([], { 'fail-open': 'true' }, deadUrl);
    expect(open.code).toBe(0);
    expect(open.stdout).toMatch(/^::warning title=obligo gate%3A cannot decide \(fail-open%3A allowed\)::/m);
    expect(open.outputs.verdict).toBe('cannot decide (fail-open: allowed)');
  });

  it('the plain workflow step (no action) runs from a built checkout', () => {
    expect(plain, 'docs/ci-gate.md has a plain gate step').toBeDefined();
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', `${plain!.run!.trim()} --contracts ${CONTRACTS} --at ${AT}`], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', OBLIGO_PROMETHEUS_URL: prom.url },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^deny: gate-demo\/breached: SLA breached/);
  });
}, { readyTimeoutMs: 60_000 });
