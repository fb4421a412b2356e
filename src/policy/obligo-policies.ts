// Obligo's own decisions (page/ticket, deploy gate, credit claims) as a PolicyEngine: the hand-written
// policies in policies/ plus the modules and data document `obligo compile` generates from the
// contracts, so a policy sees exactly what `obligo compile` writes to DIR/policies/.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  /**
   * Load only what these entrypoints need (e.g. [ENTRYPOINTS.gate]): the hand-written modules their
   * packages reach through data refs and imports, and the contracts' generated modules and data only
   * when one of those reads data.obligo.contracts/catalog/settings. Default: everything.
   */
  entrypoints?: readonly string[];
  /** Compile rule bodies to JavaScript (default true); false for a process that evaluates once (the gate). */
  codegen?: boolean;
}

/** The data paths a module's text reads (comments left out); undefined when it indexes data dynamically. */
function dataRefsOf(text: string): string[][] | undefined {
  const code = text.replace(/#[^\n]*/g, '');
  if (/\bdata\s*\[/.test(code)) return undefined;
  const out: string[][] = [];
  for (const m of code.matchAll(/\bdata((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) out.push(m[1]!.slice(1).split('.'));
  return out;
}

function packageOf(text: string): string[] {
  return (/^\s*package\s+([A-Za-z0-9_.]+)/m.exec(text.replace(/#[^\n]*/g, ''))?.[1] ?? '').split('.').filter(Boolean);
}

const isPrefix = (a: readonly string[], b: readonly string[]): boolean => a.length <= b.length && a.every((x, i) => x === b[i]);

/** Which hand-written modules the entrypoints reach, and whether the contracts' modules and data are needed. */
export function selectModules(modules: { path: string; text: string }[], entrypoints: readonly string[]): { modules: { path: string; text: string }[]; contracts: boolean } {
  const pkgs = modules.map((m) => packageOf(m.text));
  const selected = new Set<number>();
  const queue: string[][] = entrypoints.map((e) => e.split('/').filter(Boolean));
  let contracts = false;
  const generatedRoots = [['obligo', 'contracts'], ['obligo', 'catalog'], ['obligo', 'settings']];
  while (queue.length) {
    const path = queue.pop()!;
    if (generatedRoots.some((g) => isPrefix(path, g) || isPrefix(g, path))) contracts = true;
    pkgs.forEach((p, i) => {
      if (selected.has(i) || !(isPrefix(p, path) || isPrefix(path, p))) return;
      selected.add(i);
      const refs = dataRefsOf(modules[i]!.text);
      if (!refs) {
        // dynamic data refs: anything may be needed
        modules.forEach((_, j) => selected.add(j));
        contracts = true;
        return;
      }
      queue.push(...refs);
    });
  }
  return { modules: modules.filter((_, i) => selected.has(i)), contracts };
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

/**
 * The backend $OBLIGO_POLICY_BACKEND names: unset or empty is `builtin`; `builtin` or `wasm`; anything else
 * (a typo such as `wasmx`) is an error, never a silent fallback to the built-in engine.
 */
export function policyBackendOf(env: NodeJS.ProcessEnv): 'builtin' | 'wasm' {
  const v = env.OBLIGO_POLICY_BACKEND;
  if (v === undefined || v === '' || v === 'builtin') return 'builtin';
  if (v === 'wasm') return 'wasm';
  throw new Error(`OBLIGO_POLICY_BACKEND must be builtin or wasm (got ${JSON.stringify(v.slice(0, 64))})`);
}

export async function loadObligoPolicies(opts: ObligoPolicyOptions): Promise<PolicyEngine> {
  const env = opts.env ?? process.env;
  const backend = opts.backend ?? policyBackendOf(env);
  let handWritten: { path: string; text: string }[] | undefined;
  let needContracts = true;
  if (backend === 'builtin' && opts.entrypoints?.length) {
    const sel = selectModules(readPolicyModules(opts.policyDir ?? defaultPolicyDir()), opts.entrypoints);
    handWritten = sel.modules;
    needContracts = sel.contracts;
  }
  // The contracts' modules are generated only when needed (the gate does not load the compiler).
  const generated = needContracts ? (await import('../compile/rego.js')).compileRego(opts.contracts, { prometheusFormat: 'prometheus' }) : [];
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
    ...(handWritten ?? readPolicyModules(opts.policyDir ?? defaultPolicyDir())),
    ...generated.filter((f) => f.path.endsWith('.rego')).map((f) => ({ path: f.path, text: f.content })),
  ];
  const codegen = opts.codegen ?? true;
  return cached(contentKey(['builtin', modules, data, codegen]), () => createPolicyEngine({ backend: 'builtin', modules, data, codegen }));
}
