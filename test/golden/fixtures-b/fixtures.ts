// Fixture contracts for the compile tests of OpenSLO, Grafana and Rego (built without the loader, which
// another room owns): parse with the zod schema, then build the model, as the loader will.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ContractSchema } from '../../../src/contract/schema.js';
import { toModel, type Contract } from '../../../src/contract/model.js';

export const FIXTURES_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(FIXTURES_DIR, '..', '..', '..');

/** Build a Contract from a YAML file; `file` in the model is the path relative to the repo root. */
export function contractFromFile(path: string): Contract {
  const bytes = readFileSync(path);
  const doc = ContractSchema.parse(parse(bytes.toString('utf8')));
  const hash = createHash('sha256').update(bytes).digest('hex');
  return toModel(doc, relative(REPO_ROOT, path).split('\\').join('/'), hash);
}

/** Build a Contract from a YAML string (for tests that vary a field). */
export function contractFromYaml(text: string, file = 'contracts/inline.yaml'): Contract {
  const doc = ContractSchema.parse(parse(text));
  return toModel(doc, file, createHash('sha256').update(text).digest('hex'));
}

export function fixtureContracts(): Contract[] {
  return readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => contractFromFile(join(FIXTURES_DIR, f)));
}

/** The example contracts in contracts/, through the real loader with repo-relative names ([] when absent). */
export async function exampleContracts(): Promise<Contract[]> {
  const dir = join(REPO_ROOT, 'contracts');
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch {
    return [];
  }
  const { loadContractBytes } = await import('../../../src/contract/load.js');
  return names.map((f) => {
    const r = loadContractBytes(`contracts/${f}`, readFileSync(join(dir, f)));
    const errors = r.issues.filter((i) => i.severity === 'error');
    if (!r.contract || errors.length > 0) throw new Error(`contracts/${f}: ${errors.map((i) => i.message).join('; ')}`);
    return r.contract;
  });
}
