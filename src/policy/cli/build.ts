// `obligo policy build`: a wasm bundle of Obligo's policies and the contracts' compiled modules, built
// by the real OPA (`opa build -t wasm`), for OBLIGO_POLICY_BACKEND=wasm. The bundle holds the
// hand-written policies (tests left out), the modules `obligo compile` generates for the contracts,
// and their data document; the wasm backend layers the current contracts' data over it at load time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compileRego } from '../../compile/rego.js';
import { loadContracts } from '../../contract/load.js';
import { defaultPolicyDir, ENTRYPOINTS, readPolicyModules } from '../obligo-policies.js';
import { argsErrorMessage, usageText } from './args.js';
import type { CliIO } from './index.js';

export const BUILD_HELP = `usage: obligo policy build [--contracts DIR…] [--policies DIR] [-o bundle.tar.gz] [-e ENTRYPOINT…]

Build a wasm bundle of the policies and the contracts' compiled modules with the real OPA
(\`opa build -t wasm\`; opa from $OBLIGO_OPA_BIN, PATH or ~/go/bin), for OBLIGO_POLICY_BACKEND=wasm.

  --contracts DIR     contract files (repeatable; default contracts)
  --policies DIR      hand-written policies (default: the policies/ shipped with obligo)
  -o, --output FILE   the bundle (default bundle.tar.gz)
  -e, --entrypoint E  an entrypoint (repeatable; default the three of obligo/decision, gate, credits)
`;

/** The opa binary: $OBLIGO_OPA_BIN, else `opa` on PATH, else where `go install` puts it. */
export function findOpa(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.OBLIGO_OPA_BIN) return existsSync(env.OBLIGO_OPA_BIN) ? env.OBLIGO_OPA_BIN : undefined;
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  if (env.GOPATH) dirs.push(join(env.GOPATH, 'bin'));
  if (env.HOME) dirs.push(join(env.HOME, 'go', 'bin'));
  for (const d of dirs) if (existsSync(join(d, 'opa'))) return join(d, 'opa');
  return undefined;
}

export interface BuildOptions {
  contracts: string[];
  policyDir?: string;
  out: string;
  entrypoints?: string[];
  opa?: string;
}

export interface BuildResult {
  ok: boolean;
  /** what went wrong (opa's own message when it failed) */
  message?: string;
  /** files put into the bundle (relative) */
  files: string[];
}

/** Builds the bundle; never exits the process. */
export async function buildWasmBundle(opts: BuildOptions): Promise<BuildResult> {
  const opa = opts.opa ?? findOpa();
  if (!opa) return { ok: false, message: 'opa not found: put it on PATH or set OBLIGO_OPA_BIN (go install github.com/open-policy-agent/opa@v1.22.4)', files: [] };
  const { contracts, issues } = await loadContracts(opts.contracts);
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length) return { ok: false, message: `invalid contracts: ${errors.map((i) => `${i.file}:${i.line}:${i.column}: ${i.message}`).join('; ')}`, files: [] };
  const generated = compileRego(contracts, { prometheusFormat: 'prometheus' });
  const dir = mkdtempSync(join(tmpdir(), 'obligo-bundle-'));
  const files: string[] = [];
  try {
    const put = (rel: string, text: string): void => {
      const p = join(dir, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
      files.push(rel);
    };
    const policyDir = resolve(opts.policyDir ?? defaultPolicyDir());
    for (const m of readPolicyModules(policyDir)) put(join('policies', resolve(m.path).slice(policyDir.length + 1)), m.text);
    for (const f of generated) {
      // data.json at the bundle root is the data document; the modules keep their generated paths
      if (f.path.endsWith('data.json')) put('data.json', f.content);
      else put(join('generated', f.path), f.content);
    }
    const entrypoints = opts.entrypoints?.length ? opts.entrypoints : Object.values(ENTRYPOINTS);
    const args = ['build', '-t', 'wasm', ...entrypoints.flatMap((e) => ['-e', e]), '-o', resolve(opts.out), '.'];
    const r = spawnSync(opa, args, { cwd: dir, encoding: 'utf8', timeout: 300_000 });
    if (r.error) return { ok: false, message: `${opa}: ${r.error.message}`, files };
    if (r.status !== 0) return { ok: false, message: (r.stderr || r.stdout).trim(), files };
    return { ok: true, files };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `policy build [--contracts DIR…] [--policies DIR] [-o bundle.tar.gz] [-e ENTRYPOINT…]` */
export async function policyBuild(argv: string[], io: CliIO): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        contracts: { type: 'string', multiple: true },
        policies: { type: 'string' },
        output: { type: 'string', short: 'o', default: 'bundle.tar.gz' },
        entrypoint: { type: 'string', short: 'e', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    io.stderr(usageText('policy build', argsErrorMessage(e), BUILD_HELP));
    return 2;
  }
  if (args.values.help) {
    io.stdout(BUILD_HELP);
    return 0;
  }
  const policies = args.values.policies;
  if (policies !== undefined && !(existsSync(policies) && statSync(policies).isDirectory())) {
    io.stderr(`obligo policy build: --policies ${policies}: ${existsSync(policies) ? 'not a directory' : 'no such directory'}\n`);
    return 2;
  }
  const r = await buildWasmBundle({
    contracts: args.values.contracts ?? ['contracts'],
    policyDir: args.values.policies,
    out: args.values.output!,
    entrypoints: args.values.entrypoint,
  });
  if (!r.ok) {
    io.stderr(`error: ${r.message}\n`);
    return r.message?.startsWith('opa not found') || r.message?.startsWith('invalid contracts') ? 2 : 1;
  }
  io.stdout(`wrote ${args.values.output} (${r.files.length} files: ${r.files.filter((f) => f.endsWith('.rego')).length} modules and data.json) — OBLIGO_POLICY_BACKEND=wasm OBLIGO_POLICY_BUNDLE=${args.values.output}\n`);
  return 0;
}
