// Obligo's own decisions (page/ticket, deploy gate, credit claims) as a PolicyEngine: the hand-written
// policies in policies/ plus the modules and data document `obligo compile` generates from the
// contracts, so a policy sees exactly what `obligo compile` writes to DIR/policies/.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileRego } from '../compile/rego.js';
import type { Contract } from '../contract/model.js';
import { createPolicyEngine, type PolicyEngine } from './engine.js';

export const ENTRYPOINTS = {
  decision: 'obligo/decision/result',
  gate: 'obligo/gate/result',
  credits: 'obligo/credits/result',
} as const;

/** The policies/ folder shipped with Obligo (next to dist/ or src/). */
export function defaultPolicyDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'policies');
}

/** Every non-test .rego file below dir, sorted (tests and their fixtures are for `obligo policy test`). */
export function readPolicyModules(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.rego') && !name.endsWith('_test.rego') && !name.startsWith('test_')) {
        out.push({ path: p, text: readFileSync(p, 'utf8') });
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

export interface ObligoPolicyOptions {
  contracts: readonly Contract[];
  /** Hand-written policies; default: the policies/ folder shipped with Obligo. */
  policyDir?: string;
  /** builtin (default) or wasm; default from $OBLIGO_POLICY_BACKEND. */
  backend?: 'builtin' | 'wasm';
  /** wasm bundle path; default from $OBLIGO_POLICY_BUNDLE. */
  bundle?: string;
  env?: NodeJS.ProcessEnv;
}

export async function loadObligoPolicies(opts: ObligoPolicyOptions): Promise<PolicyEngine> {
  const env = opts.env ?? process.env;
  const backend = opts.backend ?? (env.OBLIGO_POLICY_BACKEND === 'wasm' ? 'wasm' : 'builtin');
  const generated = compileRego(opts.contracts, { prometheusFormat: 'prometheus' });
  const dataFile = generated.find((f) => f.path.endsWith('data.json'));
  const data = dataFile ? JSON.parse(dataFile.content) : {};
  if (backend === 'wasm') {
    const bundle = opts.bundle ?? env.OBLIGO_POLICY_BUNDLE;
    if (!bundle) throw new Error('the wasm policy backend needs a bundle: set OBLIGO_POLICY_BUNDLE=path/to/bundle.tar.gz');
    // The bundle holds policies/ and, when built from `obligo compile` output, the generated modules;
    // the current contracts' data document is layered over its data.json.
    return createPolicyEngine({ backend: 'wasm', bundle, data });
  }
  const modules = [
    ...readPolicyModules(opts.policyDir ?? defaultPolicyDir()),
    ...generated.filter((f) => f.path.endsWith('.rego')).map((f) => ({ path: f.path, text: f.content })),
  ];
  return createPolicyEngine({ backend: 'builtin', modules, data });
}
