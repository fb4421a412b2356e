// The built `obligo gate` (dist/cli/main.js, which runs the gate from the bundle `npm run build` writes,
// src/cli/bundled.ts) against a real Prometheus: the same stdout, stderr and exit status as the gate run
// from the TypeScript sources, from the code cache shipped beside the bundle, and (in a copy of dist/cli
// without it) from no cache, from the user's cache, from a corrupted one, with no usable cache folder; the
// cache written after a decided run replaces one written by a run that stopped early; a bundle older than
// tsc's output is not used. Ground truth: `node --import tsx src/cli/main.ts gate …`.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { codeCacheDir } from '../../src/cli/bundled.js';
import { freePort } from '../../src/demo/prometheus-server.js';
import type { TrafficSpec } from '../../src/demo/synthetic.js';
import { describeWithPrometheus } from '../helpers/prometheus.js';
import { projectRoot } from '../helpers/tools.js';

const run = promisify(execFile);
const CLI = join(projectRoot, 'dist/cli/main.js');
const CONTRACTS = join(projectRoot, 'test/fixtures/measure');
const AT = '2026-04-10T20:00:00Z';
const t = (s: string) => Date.parse(s);
const SPEC: TrafficSpec = {
  start: t('2026-04-10T00:00:00Z'),
  end: t('2026-04-10T21:00:00Z'),
  services: [
    { service: 'st-ok', requestsPerMinute: 1000 },
    { service: 'st-burn', requestsPerMinute: 1000, outages: [{ start: t('2026-04-10T19:00:00Z'), end: t('2026-04-10T19:58:00Z'), errorRatio: 0.05 }] },
    { service: 'st-half', requestsPerMinute: 1000, outages: [{ start: t('2026-04-10T08:00:00Z'), end: t('2026-04-10T08:06:00Z'), errorRatio: 0.1 }] },
  ],
};

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function node(args: string[], env: NodeJS.ProcessEnv): Promise<Result> {
  try {
    const r = await run(process.execPath, args, { cwd: projectRoot, env: { ...process.env, OBLIGO_DEBUG: '', OBLIGO_PROMETHEUS_URL: '', OBLIGO_DB: join(projectRoot, 'no-such.db'), GITHUB_STEP_SUMMARY: '', ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const built = (args: string[], cacheDir: string, cli = CLI) => node([cli, 'gate', ...args], { OBLIGO_CACHE_DIR: cacheDir });
const fromSource = (args: string[]) => node(['--import', 'tsx', join(projectRoot, 'src/cli/main.ts'), 'gate', ...args], {});

function bundleName(): string {
  const manifest = JSON.parse(readFileSync(join(projectRoot, 'dist/cli/bundles.json'), 'utf8')) as { gate: string };
  return manifest.gate.replace(/\.cjs$/, '');
}

const tmp = mkdtempSync(join(tmpdir(), 'obligo-gate-bundle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(tmp, `cache-${n++}`);

/** A copy of dist/cli without the shipped code cache, beside links to the rest of the build and package. */
const install = join(tmp, 'install');
function makeInstall(): void {
  mkdirSync(join(install, 'dist'), { recursive: true });
  for (const f of ['node_modules', 'policies', 'package.json']) symlinkSync(join(projectRoot, f), join(install, f));
  for (const f of readdirSync(join(projectRoot, 'dist'))) if (f !== 'cli') symlinkSync(join(projectRoot, 'dist', f), join(install, 'dist', f));
  cpSync(join(projectRoot, 'dist/cli'), join(install, 'dist/cli'), { recursive: true, preserveTimestamps: true });
  for (const f of readdirSync(join(install, 'dist/cli'))) if (f.endsWith('.v8cache')) rmSync(join(install, 'dist/cli', f));
}
const copy = (args: string[], cacheDir: string) => built(args, cacheDir, join(install, 'dist/cli/main.js'));

beforeAll(() => {
  // CI runs `npm run build` before `npm test`; a missing or stale build would test something else.
  for (const f of ['dist/cli/main.js', 'dist/cli/bundled.js', 'dist/cli/bundles.json']) {
    if (!existsSync(join(projectRoot, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
  const bundle = join(projectRoot, 'dist/cli', `${bundleName()}.cjs`);
  if (statSync(bundle).mtimeMs < statSync(join(projectRoot, 'src/cli/commands/gate.ts')).mtimeMs) throw new Error('the gate bundle is older than src/cli/commands/gate.ts: run `npm run build` first');
  // tsc run alone after the bundle: main.js would not use it (and these tests would not test it).
  if (statSync(bundle).mtimeMs < statSync(join(projectRoot, 'dist/cli/bundled.js')).mtimeMs) throw new Error('the gate bundle is older than dist/cli/bundled.js (tsc ran alone?): run `npm run build`');
  makeInstall();
});

it('codeCacheDir: $OBLIGO_CACHE_DIR, "off", $XDG_CACHE_HOME/obligo, ~/.cache/obligo', () => {
  expect(codeCacheDir({ OBLIGO_CACHE_DIR: '/x/y', XDG_CACHE_HOME: '/c', HOME: '/h' })).toBe('/x/y');
  expect(codeCacheDir({ OBLIGO_CACHE_DIR: 'off', HOME: '/h' })).toBeUndefined();
  expect(codeCacheDir({ XDG_CACHE_HOME: '/c', HOME: '/h' })).toBe('/c/obligo');
  expect(codeCacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/h' })).toBe('/h/.cache/obligo'); // the XDG spec ignores relative paths
  expect(codeCacheDir({ OBLIGO_CACHE_DIR: '', HOME: '/h' })).toBe('/h/.cache/obligo');
});

describeWithPrometheus('obligo gate from its bundle (real Prometheus)', SPEC, (prom) => {
  let cases: string[][] = [];
  const truth = new Map<string, Result>();
  beforeAll(async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const common = ['--contracts', CONTRACTS, '--at', AT];
    cases = [
      [...common, '--prometheus', prom.url, '--sla', 'm-status/healthy'], // allow
      [...common, '--prometheus', prom.url, '--sla', 'm-status/burning', '--format', 'json'], // deny
      [...common, '--prometheus', prom.url, '--sla', 'm-status/half', '--min-budget', '0.6'], // deny on budget
      [...common, '--prometheus', prom.url, '--contract', 'm-status', '--label', 'team=payments', '--rollback'], // waived
      [...common, '--prometheus', prom.url, '--sla', 'm-status/helthy'], // typo: exit 2
      [...common, '--prometheus', dead, '--sla', 'm-status/healthy', '--fail-open'], // Prometheus out, opened
      [...common, '--prometheus', dead, '--sla', 'm-status/healthy'], // Prometheus out
    ];
    for (const c of cases) truth.set(c.join(' '), await fromSource(c));
  }, 120_000);

  it('gives the answers of the sources from the code cache shipped with the bundle (no user cache written)', async () => {
    const dir = freshDir();
    for (const c of cases) {
      const r = await built(c, dir);
      expect(r, c.join(' ')).toEqual(truth.get(c.join(' ')));
    }
    expect(new Set([...truth.values()].map((r) => r.code))).toEqual(new Set([0, 1, 2]));
    // Accepted by this Node: a rejected one would have made the decided runs write a user cache.
    expect(existsSync(join(projectRoot, 'dist/cli', `${bundleName()}.v8cache`))).toBe(true);
    expect(existsSync(dir)).toBe(false);
  }, 120_000);

  it('without a shipped cache: first from source, then from the user cache it wrote', async () => {
    const dir = freshDir();
    for (const pass of ['cold', 'cached']) {
      for (const c of cases) {
        const r = await copy(c, dir);
        expect(r, `${pass}: ${c.join(' ')}`).toEqual(truth.get(c.join(' ')));
      }
    }
    // The first decided run wrote the full cache; the early stops before it wrote none (a full one was there).
    expect(readdirSync(dir)).toEqual([`${bundleName()}-node${process.versions.node}-${process.arch}.full.v8cache`]);
  }, 120_000);

  it('a corrupted shipped cache is skipped: compiled from source, and the user cache written', async () => {
    const shipped = join(install, 'dist/cli', `${bundleName()}.v8cache`);
    writeFileSync(shipped, 'not a code cache');
    try {
      const dir = freshDir();
      const [allow] = cases;
      expect(await copy(allow!, dir)).toEqual(truth.get(allow!.join(' ')));
      expect(readdirSync(dir)).toEqual([`${bundleName()}-node${process.versions.node}-${process.arch}.full.v8cache`]);
    } finally {
      rmSync(shipped, { force: true });
    }
  }, 120_000);

  it('a run that stops early writes a partial cache, replaced by the next decided run; an accepted full cache is kept', async () => {
    const dir = freshDir();
    const [allow, , , , typo] = cases;
    await copy(typo!, dir);
    const base = `${bundleName()}-node${process.versions.node}-${process.arch}`;
    expect(readdirSync(dir)).toEqual([`${base}.partial.v8cache`]);
    const partial = statSync(join(dir, `${base}.partial.v8cache`));
    await copy(typo!, dir); // accepted partial cache, still not decided: left alone
    expect(statSync(join(dir, `${base}.partial.v8cache`)).ino).toBe(partial.ino);
    expect(await copy(allow!, dir)).toEqual(truth.get(allow!.join(' ')));
    expect(readdirSync(dir)).toEqual([`${base}.full.v8cache`]);
    const full = statSync(join(dir, `${base}.full.v8cache`));
    expect(await copy(allow!, dir)).toEqual(truth.get(allow!.join(' ')));
    expect(statSync(join(dir, `${base}.full.v8cache`)).ino).toBe(full.ino); // accepted: not rewritten
  }, 120_000);

  it('writing a cache removes the caches of other builds not written for a week, and only those', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    const old = join(dir, 'gate.bundle-0123456789abcdef-node20.0.0-x64.full.v8cache');
    const recent = join(dir, 'gate.bundle-fedcba9876543210-node20.0.0-x64.full.v8cache');
    const other = join(dir, 'notes.txt');
    for (const f of [old, recent, other]) writeFileSync(f, 'x');
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000);
    for (const f of [old, other]) utimesSync(f, eightDaysAgo, eightDaysAgo);
    const [allow] = cases;
    expect(await copy(allow!, dir)).toEqual(truth.get(allow!.join(' ')));
    expect(readdirSync(dir).sort()).toEqual([`${bundleName()}-node${process.versions.node}-${process.arch}.full.v8cache`, 'gate.bundle-fedcba9876543210-node20.0.0-x64.full.v8cache', 'notes.txt']);
  }, 120_000);

  it('a corrupted or truncated cache is ignored and replaced; no usable cache folder only costs speed', async () => {
    const [allow, deny] = cases;
    const base = `${bundleName()}-node${process.versions.node}-${process.arch}`;
    for (const junk of [Buffer.from('not a code cache'), Buffer.alloc(0)]) {
      const dir = freshDir();
      await copy(allow!, dir);
      const file = join(dir, `${base}.full.v8cache`);
      const good = readFileSync(file);
      writeFileSync(file, junk.length ? junk : good.subarray(0, good.length >> 1));
      expect(await copy(deny!, dir)).toEqual(truth.get(deny!.join(' ')));
      expect(readFileSync(file).length).toBeGreaterThan(1000);
      expect(readFileSync(file).equals(junk)).toBe(false);
    }
    const notADir = join(tmp, 'a-file');
    writeFileSync(notADir, 'x');
    expect(await copy(allow!, notADir)).toEqual(truth.get(allow!.join(' ')));
    expect(await copy(allow!, 'off')).toEqual(truth.get(allow!.join(' ')));
    expect(await built(allow!, 'off')).toEqual(truth.get(allow!.join(' '))); // nor the shipped one
  }, 120_000);

  it('a bundle older than tsc\'s output is not used (the gate is imported from dist/ instead)', async () => {
    const [allow] = cases;
    const used = freshDir();
    expect(await copy(allow!, used)).toEqual(truth.get(allow!.join(' ')));
    expect(readdirSync(used)).toHaveLength(1); // the bundle ran (and cached itself)
    const bundled = join(install, 'dist/cli/bundled.js');
    const was = statSync(bundled);
    const later = new Date(Date.now() + 60_000);
    utimesSync(bundled, later, later); // as if `tsc` ran after the bundle
    try {
      const skipped = freshDir();
      expect(await copy(allow!, skipped)).toEqual(truth.get(allow!.join(' ')));
      expect(existsSync(skipped)).toBe(false);
    } finally {
      utimesSync(bundled, was.atime, was.mtime);
    }
  }, 120_000);
});
