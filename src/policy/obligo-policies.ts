// Obligo's own decisions (page/ticket, deploy gate, credit claims) as a PolicyEngine: the hand-written
// policies in policies/ plus the modules and data document `obligo compile` generates from the
// contracts, so a policy sees exactly what `obligo compile` writes to DIR/policies/.
import { createHash } from 'node:crypto';
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

/**
 * Compiled policy engines of this process, keyed by a hash of everything they are built from (module
 * texts, data document, backend): loading the same policies and contracts again costs a hash, not a
 * parse and compile. Bounded: the oldest entry goes when a ninth arrives.
 */
const compiled = new Map<string, Promise<PolicyEngine>>();

function contentKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Forgets the compiled engines (tests that change policy files on disk between loads). */
export function clearPolicyCache(): void {
  compiled.clear();
}

function cached(key: string, make: () => Promise<PolicyEngine>): Promise<PolicyEngine> {
  let p = compiled.get(key);
  if (!p) {
    if (compiled.size >= 8) compiled.delete(compiled.keys().next().value!);
    p = make();
    compiled.set(key, p);
    p.catch(() => compiled.delete(key));
  }
  return p;
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
    const stamp = statSync(bundle);
    return cached(contentKey(['wasm', bundle, stamp.size, stamp.mtimeMs, data]), () => createPolicyEngine({ backend: 'wasm', bundle, data }));
  }
  const modules = [
    ...readPolicyModules(opts.policyDir ?? defaultPolicyDir()),
    ...generated.filter((f) => f.path.endsWith('.rego')).map((f) => ({ path: f.path, text: f.content })),
  ];
  return cached(contentKey(['builtin', modules, data]), () => createPolicyEngine({ backend: 'builtin', modules, data }));
}
