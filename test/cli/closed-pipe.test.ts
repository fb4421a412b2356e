// The built `obligo` (dist/cli/main.js, as installed) when the reader of its output goes away:
// `obligo validate contracts/ | head -1` must end quietly, the way any Unix tool does: killed by
// SIGPIPE (status 141 in the shell), nothing on stderr, never an EPIPE stack trace. Also: a write error
// that is not a closed pipe (a full disk) is one line and status 2.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type RunningPrometheus } from '../../src/demo/prometheus-server.js';
import { prometheusAvailable, prometheusSkipNote, withTools } from '../helpers/prometheus.js';
import { projectRoot, requireTool } from '../helpers/tools.js';

const CLI = join(projectRoot, 'dist/cli/main.js');
const bash = requireTool('bash');
const tmp = mkdtempSync(join(tmpdir(), 'obligo-pipe-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(() => {
  // The suite tests the build CI ships (CI runs `npm run build` before `npm test`); an absent or stale
  // build would test something else, so it is a failure with the fix in the message, not a skip.
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const src = join(projectRoot, 'src/cli/io.ts');
  if (statSync(join(projectRoot, 'dist/cli/io.js')).mtimeMs < statSync(src).mtimeMs) throw new Error('dist/ is older than src/cli/io.ts: run `npm run build` first');
});

/** 300 invalid files × 60 errors: ~1 MB of `validate` output, far beyond a pipe's 64 KiB buffer. */
function manyInvalid(): string {
  const dir = join(tmp, 'invalid');
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 300; i++) writeFileSync(join(dir, `c${String(i).padStart(3, '0')}.yaml`), `slas:\n${'  - 1\n'.repeat(60)}`);
  return dir;
}

/**
 * 40 valid contracts whose vendor names are 2,500 characters long: a credits CSV of ~100 KB for a month
 * inside their term (periods outside the term are not rows).
 */
function bigCsvContracts(): string {
  const dir = join(tmp, 'valid');
  mkdirSync(dir, { recursive: true });
  const text = readFileSync(join(projectRoot, 'test/fixtures/measure/nodata.yaml'), 'utf8');
  expect(text).toContain('id: m-nodata');
  expect(text).toContain('name: Ghost Vendor');
  for (let i = 0; i < 40; i++) writeFileSync(join(dir, `c${i}.yaml`), text.replace('id: m-nodata', `id: m-nodata-${i}`).replace('name: Ghost Vendor', `name: Ghost Vendor ${'x'.repeat(2500)}`));
  return dir;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** `set -o pipefail; obligo ARGS | head -1` in a real shell: head's output, obligo's stderr and status. */
function pipeToHead(args: string[]): { first: string; stderr: string; status: number } {
  const r = spawnSync(bash.path!, ['-c', `set -o pipefail; ${q(process.execPath)} ${q(CLI)} ${args.map(q).join(' ')} 2>${q(join(tmp, 'stderr'))} | head -1; echo "status=\${PIPESTATUS[0]}"`], {
    encoding: 'utf8',
    cwd: projectRoot,
    env: { ...process.env, OBLIGO_DEBUG: '', OBLIGO_PROMETHEUS_URL: '' },
  });
  const lines = r.stdout.trimEnd().split('\n');
  return { first: lines[0]!, stderr: readFileSync(join(tmp, 'stderr'), 'utf8'), status: Number(/^status=(\d+)$/.exec(lines.at(-1)!)?.[1]) };
}

/**
 * Spawn the CLI with `stream` (1 stdout, 2 stderr) a pipe whose read end we close at once, before the
 * child has even started Node: its first write to that stream meets a closed pipe.
 */
function closedAtOnce(args: string[], stream: 1 | 2): Promise<{ code: number | null; signal: NodeJS.Signals | null; other: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OBLIGO_DEBUG: '', OBLIGO_PROMETHEUS_URL: '' },
    });
    let other = '';
    (stream === 1 ? child.stdout : child.stderr).destroy();
    (stream === 1 ? child.stderr : child.stdout).on('data', (d) => (other += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, other }));
  });
}

describe.skipIf(!bash.ok)(`a closed pipe ends the command quietly (obligo … | head -1)${bash.skipNote}`, () => {
  it('validate with ~1 MB of issues: head gets the first line, obligo dies of SIGPIPE (141), stderr empty', () => {
    const dir = manyInvalid();
    const r = pipeToHead(['validate', dir]);
    expect(r.first).toBe(`${join(dir, 'c000.yaml')}:1:1: apiVersion: missing required field (expected "obligo.dev/v1")`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(141);
  });

  it('the same output read to the end is complete and exits 1 (the pipe handling changes nothing else)', () => {
    const dir = join(tmp, 'invalid');
    const r = spawnSync(process.execPath, [CLI, 'validate', dir], { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(300 * 51 + 1); // 50 issues and the "… and N more" line per file, then the summary
    // per file: 60 wrong types, and 7 missing top-level fields (apiVersion, kind, metadata, role, parties, term, fees)
    expect(lines.at(-1)).toBe(`0 contracts valid, 300 invalid (${300 * 67} errors, 0 warnings)`);
    // sorted by position: the 7 at 1:1, then slas[0..42] on lines 2..44; the first one left out is on line 45
    expect(lines[50]).toBe(`${join(dir, 'c000.yaml')}:45:5: … and 17 more (17 errors) in this file; only the first 50 are listed`);
  });

  const NOTE = 'obligo: note: 1 period outside the contract term, not listed: m-nodata/ghost 2025-12\n';
  it.each([
    ['validate', ['validate', 'contracts/'], ''],
    ['validate --format json', ['validate', '--format', 'json', 'contracts/'], ''],
    ['compile', ['compile', 'contracts/', '--out', '__OUT__'], ''],
    ['credits', ['credits', '--contracts', 'test/fixtures/measure/nodata.yaml', '--period', '2025-12', '--at', '2026-02-01T00:00:00Z', '--format', 'json', '--db', '__DB__'], NOTE],
    ['policy eval', ['policy', 'eval', '-d', 'policies/', 'data.obligo'], ''],
    ['--help', ['--help'], ''],
  ])('%s with stdout closed before it starts: killed by SIGPIPE, stderr only what it says anyway', async (_name, args, stderr) => {
    const argv = (args as string[]).map((a) => (a === '__OUT__' ? join(tmp, 'out') : a === '__DB__' ? join(tmp, 'c.db') : a));
    const r = await closedAtOnce(argv, 1);
    expect(r.other).toBe(stderr);
    expect({ code: r.code, signal: r.signal }).toEqual({ code: null, signal: 'SIGPIPE' });
  });

  it('status with stderr closed (Prometheus unreachable, its one-line error meets a closed pipe): SIGPIPE, no crash', async () => {
    const r = await closedAtOnce(['status', '--contracts', 'test/fixtures/measure', '--prometheus', 'http://127.0.0.1:9', '--at', '2026-04-10T20:00:00Z'], 2);
    expect(r.other).toBe('');
    expect({ code: r.code, signal: r.signal }).toEqual({ code: null, signal: 'SIGPIPE' });
  });

  const devFull = existsSync('/dev/full');
  it.skipIf(!devFull)(`a write error that is not a closed pipe (stdout on /dev/full) is one line on stderr and status 2${devFull ? '' : ' (skipped: no /dev/full on this system)'}`, () => {
    const r = spawnSync(bash.path!, ['-c', `${q(process.execPath)} ${q(CLI)} validate contracts/ > /dev/full`], { cwd: projectRoot, encoding: 'utf8' });
    expect(r.stderr).toBe('obligo: cannot write to standard output: ENOSPC\n');
    expect(r.status).toBe(2);
  });
});

// credits needs Prometheus for a period inside the term: an empty one is enough (every row is no-data).
describe.skipIf(!bash.ok || !prometheusAvailable)(`obligo credits … | head -1 against a real (empty) Prometheus${bash.skipNote}${prometheusSkipNote}`, () => {
  let prom: RunningPrometheus | undefined;
  beforeAll(async () => {
    prom = await startPrometheus(withTools({}));
  });
  afterAll(async () => {
    await prom?.stop();
  });

  it('credits --format csv of ~100 KB: the header line, then SIGPIPE (141), stderr empty', () => {
    const dir = bigCsvContracts();
    const args = ['credits', '--contracts', dir, '--period', '2026-01', '--at', '2026-02-10T00:00:00Z', '--format', 'csv', '--prometheus', prom!.url, '--db', join(tmp, 'credits.db')];
    const full = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(full.status).toBe(0);
    expect(full.stdout.length).toBeGreaterThan(90_000); // well past a pipe buffer (64 KiB) and head's first read
    const r = pipeToHead(args);
    expect(r.first).toMatch(/^contract,vendor,role,sla,period,/);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(141);
  });
});
