// The engine's layering: the declaration table agrees with the implementations, compiling loads no
// builtin implementation, an engine loads only the families its policies call, and name generation
// is per compiler (no global counter).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_FAMILIES, builtins, EVAL_BUILTINS } from '../../src/policy/rego/builtins/index.js';
import { RegoEngine } from '../../src/policy/rego/index.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('builtin declarations', () => {
  it('declare exactly the registered builtins, with their arities', () => {
    const declared = new Map<string, number>();
    for (const names of Object.values(BUILTIN_FAMILIES)) for (const [n, a] of Object.entries(names)) declared.set(n, a);
    const registered = new Map([...builtins.values()].map((b) => [b.name, b.arity]));
    expect(Object.fromEntries(declared)).toEqual(Object.fromEntries(registered));
    for (const n of EVAL_BUILTINS.keys()) if (n !== 'walk') expect(registered.has(n)).toBe(false);
  });

  it('loading a family makes every builtin the table gives it available', () => {
    const out = fresh(`
      import { BUILTIN_FAMILIES } from './src/policy/rego/builtins/decls.js';
      import { loadBuiltins } from './src/policy/rego/builtins/load.js';
      import { builtins } from './src/policy/rego/builtins/registry.js';
      const missing = [];
      for (const [family, names] of Object.entries(BUILTIN_FAMILIES)) {
        const first = Object.keys(names)[0];
        await loadBuiltins([first]);
        for (const n of Object.keys(names)) if (!builtins.has(n)) missing.push(family + ':' + n);
      }
      console.log(JSON.stringify(missing));
    `);
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual([]);
  });
});

/** Runs a script in a fresh process (its own module graph) and returns its stdout. */
function fresh(script: string): string {
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
}

describe('lazy builtins', () => {
  it('parsing and compiling load no builtin implementation; the policy engine loads only what its policies call', () => {
    const out = fresh(`
      import { RegoEngine } from './src/policy/rego/engine.js';
      import { builtins } from './src/policy/rego/builtins/registry.js';
      import { createPolicyEngine } from './src/policy/engine.js';
      const e = new RegoEngine();
      e.addModule('a.rego', 'package a\\nx := count([1,2]) if io.jwt.decode("a.b.c")');
      e.compile();
      const afterCompile = builtins.size;
      const pe = await createPolicyEngine({ backend: 'builtin', modules: [{ path: 'b.rego', text: 'package b\\nx := upper(sprintf("%d", [count([1])]))' }] });
      const v = await pe.evaluate('b/x', {});
      console.log(JSON.stringify({ afterCompile, v, jwt: builtins.has('io.jwt.decode'), x509: builtins.has('crypto.x509.parse_certificates'), upper: builtins.has('upper'), count: builtins.has('count') }));
    `);
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ afterCompile: 0, v: '1', jwt: false, x509: false, upper: true, count: true });
  });
});

describe('no global counters', () => {
  it('two engines compile the same modules to the same renamed variables', () => {
    const dir = join(ROOT, 'policies', 'obligo');
    const modules = readdirSync(dir)
      .filter((f) => f.endsWith('.rego'))
      .map((f) => ({ path: f, text: readFileSync(join(dir, f), 'utf8') }));
    const dump = () => {
      const e = new RegoEngine();
      for (const m of modules) e.addModule(m.path, m.text);
      e.compile();
      // the renamed locals show in the compiled rules' bodies
      return JSON.stringify((e as unknown as { compiler: { root: unknown } }).compiler.root, (k, v) => (k === 'module' || k === 'loc' ? undefined : v instanceof Map ? [...v] : v));
    };
    const a = dump();
    expect(dump()).toBe(a);
    expect(a).toMatch(/\$\d+/); // there are generated names to compare
  });
});
