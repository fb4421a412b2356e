// What a new user's walkthrough found, through the real `obligo` entry point in a child process (the
// TypeScript sources under tsx): `policy test` without PATH, --label on status/credits/report/rollup, a
// --policies folder that does not exist, an unknown OBLIGO_POLICY_BACKEND, the help texts, unknown flags,
// and a basic-auth username without a password. Prometheus is a port nothing listens on: every case here
// is decided before the first query (a case that got past its check would say "cannot reach Prometheus").
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/demo/prometheus-server.js';
import { projectRoot } from '../helpers/tools.js';

const run = promisify(execFile);
const CONTRACTS = join(projectRoot, 'test/fixtures/measure');
const AT = '2026-04-10T20:00:00Z';
// tsx by absolute path, so the child may run in any folder.
const TSX = createRequire(import.meta.url).resolve('tsx');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function obligo(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  const env = { ...process.env, OBLIGO_DEBUG: '', OBLIGO_PROMETHEUS_URL: '', OBLIGO_DB: join(projectRoot, 'no-such.db'), GITHUB_STEP_SUMMARY: '', OBLIGO_POLICY_BACKEND: '', OBLIGO_PROMETHEUS_USERNAME: '', OBLIGO_PROMETHEUS_PASSWORD: '', OBLIGO_PROMETHEUS_PASSWORD_FILE: '', OBLIGO_PROMETHEUS_BEARER_TOKEN: '', OBLIGO_PROMETHEUS_BEARER_TOKEN_FILE: '', ...opts.env };
  try {
    const r = await run(process.execPath, ['--import', TSX, join(projectRoot, 'src/cli/main.ts'), ...args], { cwd: opts.cwd ?? projectRoot, env });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

let tmp: string;
let dead: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'obligo-walkthrough-'));
  dead = `http://127.0.0.1:${await freePort()}`;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The flags every measuring case shares: the fixtures, a Prometheus nobody answers at, a fixed --at. */
const base = () => ['--contracts', CONTRACTS, '--prometheus', dead, '--at', AT];
const unreachable = () => `obligo: cannot reach Prometheus at ${dead}: ECONNREFUSED\n`;

/** Test rules of the shipped policies, counted from the files (rules named test_… at the line start). */
function shippedTestCount(): number {
  let n = 0;
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.rego')) n += readFileSync(p, 'utf8').split('\n').filter((l) => /^test_[A-Za-z0-9_]*\s+if\b/.test(l)).length;
    }
  };
  walk(join(projectRoot, 'policies'));
  return n;
}

describe('obligo policy test without PATH', () => {
  it('runs the shipped policies/ tests, not the current folder (which may hold broken Rego)', async () => {
    const cwd = join(tmp, 'checkout');
    mkdirSync(join(cwd, 'fixtures'), { recursive: true });
    writeFileSync(join(cwd, 'fixtures', 'broken.rego'), 'package broken\n\np if {\n  x := \n}\n');
    const r = await obligo(['policy', 'test'], { cwd });
    const n = shippedTestCount();
    expect(n).toBeGreaterThan(0);
    expect(r).toEqual({ code: 0, stdout: `PASS: ${n}/${n}\n`, stderr: '' });
    // The same as naming the folder.
    expect(await obligo(['policy', 'test', join(projectRoot, 'policies')], { cwd })).toEqual(r);
  });

  it('an explicit PATH is still loaded as given (the broken module fails with exit 2)', async () => {
    const r = await obligo(['policy', 'test', join(tmp, 'checkout')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.rego:\d+: rego_parse_error/);
  });
});

describe('--label on status, credits, report and rollup (the gate\'s selection)', () => {
  const commands: Array<[string, string[]]> = [
    ['status', []],
    ['credits', ['--period', '2026-04']],
    ['report', ['--period', '2026-04', '--format', 'md']],
    ['rollup', ['--period', '2026-04', '--db', ':memory:']],
    ['gate', []],
  ];

  it('a label that matches nothing is an error naming it (exit 2)', async () => {
    for (const [cmd, extra] of commands) {
      const r = await obligo([cmd, ...base(), ...extra, '--label', 'team=nobody']);
      expect(r.code, cmd).toBe(2);
      expect(r.stderr, cmd).toBe(`obligo: no SLA in ${CONTRACTS} matches --label team=nobody\n`);
    }
  });

  it('a label that matches goes on to measure; labels combine with --contract (all must match)', async () => {
    for (const [cmd, extra] of commands) {
      // m-status carries team=payments (contract label), its SLA healthy tier=gold (SLA label).
      const ok = await obligo([cmd, ...base(), ...extra, '--label', 'team=payments', '--label', 'tier=gold']);
      expect(ok.code, cmd).toBe(2);
      expect(ok.stderr, cmd).toBe(unreachable());
      const none = await obligo([cmd, ...base(), ...extra, '--contract', 'm-methods', '--label', 'tier=gold']);
      expect(none.stderr, cmd).toBe(`obligo: no SLA in ${CONTRACTS} matches --contract m-methods --label tier=gold\n`);
    }
  });

  it('KEY=VALUE is required', async () => {
    for (const [cmd, extra] of commands) {
      const r = await obligo([cmd, ...base(), ...extra, '--label', 'tier']);
      expect(r.code, cmd).toBe(2);
      expect(r.stderr, cmd).toBe('obligo: --label expects KEY=VALUE (got "tier")\n');
    }
  });

  it('each command documents --label in its help', async () => {
    for (const [cmd] of commands) {
      const r = await obligo([cmd, '--help']);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(/^ {2}--label KEY=VALUE {4}only SLAs with this label \(repeatable; all must match\)$/m);
    }
  });
});

describe('--policies DIR that does not exist', () => {
  it('gate, credits, report, evidence: "--policies DIR: no such directory", exit 2, before anything else', async () => {
    const missing = join(tmp, 'no', 'such', 'dir');
    const cases: string[][] = [
      ['gate', '--sla', 'm-status/healthy'],
      ['credits', '--period', '2026-04'],
      ['report', '--period', '2026-04'],
      ['evidence', '--contract', 'm-status', '--sla', 'healthy', '--period', '2026-04', '--out', join(tmp, 'e.zip')],
    ];
    for (const c of cases) {
      const r = await obligo([...c, ...base(), '--policies', missing]);
      expect(r.code, c[0]).toBe(2);
      expect(r.stderr, c[0]).toBe(`obligo: --policies ${missing}: no such directory\n`);
    }
    const g = await obligo(['gate', '--sla', 'm-status/healthy', ...base(), '--policies', missing]);
    expect(g.stdout).toBe(`cannot decide: --policies ${missing}: no such directory\n`);
  });

  it('evidence verify checks --policies too', async () => {
    const missing = join(tmp, 'no-policies');
    expect(await obligo(['evidence', 'verify', '--policies', missing, join(tmp, 'x.zip')])).toEqual({ code: 2, stdout: '', stderr: `obligo: --policies ${missing}: no such directory\n` });
  });

  it('a file is not a folder', async () => {
    const file = join(CONTRACTS, 'status.yaml');
    const r = await obligo(['credits', '--period', '2026-04', ...base(), '--policies', file]);
    expect(r).toMatchObject({ code: 2, stderr: `obligo: --policies ${file}: not a directory\n` });
  });

  it('policy build says the same before looking for opa', async () => {
    const missing = join(tmp, 'nope');
    const r = await obligo(['policy', 'build', '--policies', missing, '-o', join(tmp, 'b.tar.gz')], { env: { OBLIGO_OPA_BIN: join(tmp, 'no-opa') } });
    expect(r).toEqual({ code: 2, stdout: '', stderr: `obligo policy build: --policies ${missing}: no such directory\n` });
  });
});

describe('OBLIGO_POLICY_BACKEND', () => {
  it('a value other than builtin or wasm is rejected (exit 2), never read as builtin', async () => {
    for (const c of [['gate', '--sla', 'm-status/healthy'], ['credits', '--period', '2026-04']]) {
      const r = await obligo([...c, ...base()], { env: { OBLIGO_POLICY_BACKEND: 'wasmx' } });
      expect(r.code, c[0]).toBe(2);
      expect(r.stderr, c[0]).toBe('obligo: cannot load the policies: OBLIGO_POLICY_BACKEND must be builtin or wasm (got "wasmx")\n');
    }
  });

  it('builtin, or unset, loads the built-in engine and goes on to Prometheus', async () => {
    for (const v of ['builtin', '']) {
      const r = await obligo(['gate', '--sla', 'm-status/healthy', ...base()], { env: { OBLIGO_POLICY_BACKEND: v } });
      expect(r.stderr, v).toBe(unreachable());
    }
  });
});

describe('help texts', () => {
  it('obligo --help: policy lists eval, test and build; credits takes a year', async () => {
    const r = await obligo(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}policy +Rego: obligo policy eval … \| obligo policy test \[PATH…\] \| obligo policy build …/m);
    expect(r.stdout).toMatch(/^ {2}credits +.*--period YYYY-MM\|YYYY-Qn\|YYYY$/m);
  });

  it('obligo policy --help (and -h, help) exits 0 with the usage on stdout; no subcommand exits 2', async () => {
    for (const h of ['--help', '-h', 'help']) {
      const r = await obligo(['policy', h]);
      expect(r.code, h).toBe(0);
      expect(r.stderr, h).toBe('');
      expect(r.stdout, h).toMatch(/^usage: obligo policy eval .*\n {7}obligo policy test \[PATH…\].*\n {7}obligo policy build /);
    }
    const none = await obligo(['policy']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^usage: obligo policy eval /);
    const bad = await obligo(['policy', 'tset']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^obligo policy: unknown subcommand "tset"\nusage: obligo policy eval /);
  });

  it('obligo policy eval|test|build --help exit 0', async () => {
    for (const sub of ['eval', 'test', 'build']) {
      const r = await obligo(['policy', sub, '--help']);
      expect(r.code, sub).toBe(0);
      expect(r.stdout, sub).toMatch(new RegExp(`^usage: obligo policy ${sub} `));
    }
    expect((await obligo(['policy', 'test', '--help'])).stdout).toMatch(/default: the policies\/ shipped with obligo/);
  });

  it('--timeout 0 and --prometheus-timeout 0: the message says the real bounds', async () => {
    const g = await obligo(['gate', '--sla', 'm-status/healthy', ...base(), '--timeout', '0']);
    expect(g.code).toBe(2);
    expect(g.stderr).toBe('obligo: --timeout expects seconds greater than 0 and at most 3600, such as 5 (got "0")\n');
    const s = await obligo(['status', ...base(), '--prometheus-timeout', '0']);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/^obligo: --prometheus-timeout expects seconds greater than 0 and at most \d+, such as 30 \(got "0"\)\n$/);
    // The upper bounds are accepted: 3600 passes the check and goes on to Prometheus.
    const max = await obligo(['gate', '--sla', 'm-status/healthy', ...base(), '--timeout', '3600']);
    expect(max.stderr).toBe(unreachable());
  });
});

describe('unknown flags', () => {
  it('obligo <command>: unknown option --bogus, then the usage line(s), exit 2', async () => {
    const usage: Record<string, string> = {
      status: 'usage: obligo status [options]\n',
      credits: 'usage: obligo credits --period YYYY-MM|YYYY-Qn|YYYY [options]\n',
      report: 'usage: obligo report --period YYYY-MM|YYYY-Qn|YYYY [--contract ID] [--label KEY=VALUE] [--format html|md] [--out FILE]\n',
      rollup: 'usage: obligo rollup --period YYYY-MM|YYYY-Qn|YYYY [options]\n       obligo rollup --from DATE --to DATE [options]\n',
      gate: 'usage: obligo gate (--sla CONTRACT/SLA … | --label KEY=VALUE … | --contract ID …) [options]\n',
    };
    for (const [cmd, line] of Object.entries(usage)) {
      const r = await obligo([cmd, '--bogus', ...base()]);
      expect(r.code, cmd).toBe(2);
      expect(r.stderr, cmd).toBe(`obligo ${cmd}: unknown option --bogus\n${line}`);
    }
    const g = await obligo(['gate', '--bogus', ...base()]);
    expect(g.stdout).toBe('cannot decide: unknown option --bogus\n');
  });

  it('evidence (and evidence verify), backtest and import say it the same way', async () => {
    const evidenceUsage = 'usage: obligo evidence --contract ID --sla ID --period YYYY-MM|YYYY-Qn --out FILE.zip [options]\n       obligo evidence verify FILE.zip [--format text|json]\n';
    const cases: Array<[string[], string]> = [
      [['evidence', '--bogus'], `obligo evidence: unknown option --bogus\n${evidenceUsage}`],
      [['evidence', 'verify', '--bogus', 'x.zip'], `obligo evidence: unknown option --bogus\n${evidenceUsage}`],
      [['backtest', '--bogus'], 'obligo backtest: unknown option --bogus\nusage: obligo backtest --contract ID --from YYYY-MM --to YYYY-MM [--objective N] [--tiers LIST] [--cap-percent N] [options]\n'],
      [['import', '--bogus'], 'obligo import: unknown option --bogus\nusage: obligo import openslo FILE… [--out DIR] [--force]\n'],
    ];
    for (const [args, err] of cases) expect(await obligo(args), args.join(' ')).toEqual({ code: 2, stdout: '', stderr: err });
  });

  it('a flag without its value says so', async () => {
    const r = await obligo(['credits', ...base(), '--period']);
    expect(r).toMatchObject({ code: 2, stderr: 'obligo credits: option --period needs a value\nusage: obligo credits --period YYYY-MM|YYYY-Qn|YYYY [options]\n' });
  });

  it('policy eval, test and build: the same wording and their usage line', async () => {
    for (const sub of ['eval', 'test', 'build']) {
      const r = await obligo(['policy', sub, '--bogus']);
      expect(r.code, sub).toBe(2);
      expect(r.stderr, sub).toMatch(new RegExp(`^obligo policy ${sub}: unknown option --bogus\\nusage: obligo policy ${sub} [^\\n]*\\n$`));
    }
  });
});

describe('basic auth from the environment', () => {
  it('a username without a password is an error (exit 2), not a request without auth', async () => {
    const r = await obligo(['status', ...base()], { env: { OBLIGO_PROMETHEUS_USERNAME: 'u' } });
    expect(r).toMatchObject({ code: 2, stderr: 'obligo: OBLIGO_PROMETHEUS_USERNAME is set but no password: set OBLIGO_PROMETHEUS_PASSWORD or OBLIGO_PROMETHEUS_PASSWORD_FILE\n' });
  });

  it('a password without a username is an error too', async () => {
    const r = await obligo(['status', ...base()], { env: { OBLIGO_PROMETHEUS_PASSWORD: 'p' } });
    expect(r).toMatchObject({ code: 2, stderr: 'obligo: a Prometheus password is set (OBLIGO_PROMETHEUS_PASSWORD or _FILE) but no OBLIGO_PROMETHEUS_USERNAME\n' });
  });

  it('a whole pair (password or its file) goes on to Prometheus', async () => {
    const file = join(tmp, 'password');
    writeFileSync(file, 'secret\n');
    for (const env of [{ OBLIGO_PROMETHEUS_USERNAME: 'u', OBLIGO_PROMETHEUS_PASSWORD: 'p' }, { OBLIGO_PROMETHEUS_USERNAME: 'u', OBLIGO_PROMETHEUS_PASSWORD_FILE: file }]) {
      const r = await obligo(['status', ...base()], { env });
      expect(r.stderr).toBe(unreachable());
    }
  });
});
