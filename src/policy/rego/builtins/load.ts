// Loads builtin implementations by family, on demand. The compiler knows which builtins a set of
// modules calls (Compiler.usedBuiltins); an engine that evaluates only those loads only their
// families. index.ts loads every family at once (tests, the conformance runner, `obligo policy`).
import { BUILTIN_FAMILIES, builtinFamily, type BuiltinFamily } from './decls.js';

const LOADERS: Record<BuiltinFamily, () => Promise<unknown>> = {
  operators: () => import('./operators.js'),
  aggregates: () => import('./aggregates.js'),
  types: () => import('./types.js'),
  strings: () => import('./strings.js'),
  sprintf: () => import('./sprintf.js'),
  numbers: () => import('./numbers.js'),
  collections: () => import('./collections.js'),
  encoding: () => import('./encoding.js'),
  time: () => import('./time.js'),
  units: () => import('./units.js'),
  regex: () => import('./regex.js'),
  glob: () => import('./glob.js'),
  bits: () => import('./bits.js'),
  crypto: () => import('./crypto.js'),
  ids: () => import('./ids.js'),
  jsonpaths: () => import('./jsonpaths.js'),
  net: () => import('./net.js'),
  globsmatch: () => import('./globsmatch.js'),
  template: () => import('./template.js'),
  jsonschema: () => import('./jsonschema.js'),
  jwt: () => import('./jwt.js'),
  x509: () => import('./x509.js'),
  providers: () => import('./providers.js'),
  graphql: () => import('./graphql.js'),
};

const loaded = new Map<BuiltinFamily, Promise<unknown>>();

function loadFamily(f: BuiltinFamily): Promise<unknown> {
  let p = loaded.get(f);
  if (!p) loaded.set(f, (p = LOADERS[f]()));
  return p;
}

/** Makes the implementations of the named builtins available to the evaluator. */
export async function loadBuiltins(names: Iterable<string>): Promise<void> {
  const families = new Set<BuiltinFamily>(['operators']);
  for (const n of names) {
    const f = builtinFamily(n);
    if (f) families.add(f);
  }
  await Promise.all([...families].map(loadFamily));
}

/** Every family. */
export async function loadAllBuiltins(): Promise<void> {
  await Promise.all((Object.keys(BUILTIN_FAMILIES) as BuiltinFamily[]).map(loadFamily));
}
