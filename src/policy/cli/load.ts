// Loads .rego modules and data documents from -d paths the way `opa eval -d` / `opa test` do:
// folders are walked recursively; data.json / data.yaml(.yml) files merge under `data` at the path
// of their folder relative to the -d root; a data file given directly merges at the root.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYAML } from 'yaml';
import { RegoError } from '../rego/errors.js';
import { fromJS, parseJSONExact, RObject, type Value } from '../rego/value.js';

export interface Loaded {
  modules: { path: string; text: string }[];
  data: RObject;
}

const DATA_NAMES = new Set(['data.json', 'data.yaml', 'data.yml']);

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new RegoError('load_error', `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
}

export function readDocument(file: string): Value {
  const text = readText(file);
  if (file.endsWith('.json')) {
    try {
      return fromJS(parseJSONExact(text));
    } catch (e) {
      throw new RegoError('rego_parse_error', `${file}: ${(e as Error).message}`);
    }
  }
  try {
    return fromJS(parseYAML(text, { intAsBigInt: true }));
  } catch (e) {
    throw new RegoError('rego_parse_error', `${file}: ${(e as Error).message}`);
  }
}

export function loadPaths(paths: string[]): Loaded {
  const out: Loaded = { modules: [], data: new RObject() };
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new RegoError('load_error', `${p}: no such file or directory`);
    }
    if (st.isDirectory()) walk(p, p, out);
    else loadFile(p, [], out, true);
  }
  return out;
}

function walk(root: string, dir: string, out: Loaded): void {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const full = path.join(dir, name);
    const st = statSync(full);
    if (st.isDirectory()) walk(root, full, out);
    else {
      const rel = path.relative(root, dir);
      loadFile(full, rel ? rel.split(path.sep) : [], out, false);
    }
  }
}

function loadFile(file: string, at: string[], out: Loaded, direct: boolean): void {
  const base = path.basename(file);
  if (file.endsWith('.rego')) {
    out.modules.push({ path: file, text: readText(file) });
    return;
  }
  const isData = direct ? /\.(json|ya?ml)$/.test(base) : DATA_NAMES.has(base);
  if (!isData) return;
  const doc = readDocument(file);
  if (!(doc instanceof RObject)) {
    throw new RegoError('rego_parse_error', `${file}: data document must be an object`);
  }
  out.data = mergeAt(out.data, at, doc, file);
}

function mergeAt(root: RObject, at: string[], doc: RObject, file: string): RObject {
  if (at.length === 0) return merge(root, doc, file);
  const [h, ...rest] = at;
  const o = root.clone();
  const cur = o.get(h!);
  const child = cur instanceof RObject ? cur : new RObject();
  if (cur !== undefined && !(cur instanceof RObject)) {
    throw new RegoError('rego_compile_error', `${file}: merge error: ${at.join('.')} is not an object`);
  }
  o.set(h!, mergeAt(child, rest, doc, file));
  return o;
}

function merge(a: RObject, b: RObject, file: string): RObject {
  const o = a.clone();
  for (const [k, v] of b.entries()) {
    const prev = o.get(k);
    if (prev === undefined) o.set(k, v);
    else if (prev instanceof RObject && v instanceof RObject) o.set(k, merge(prev, v, file));
    else throw new RegoError('rego_compile_error', `${file}: merge error: conflicting values for key ${JSON.stringify(k)}`);
  }
  return o;
}
