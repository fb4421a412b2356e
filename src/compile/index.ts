// The compile room: every output format from the contract model, and writing them to a directory.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { Contract } from '../contract/model.js';
import { compileAlertmanager } from './alertmanager.js';
import { compileGrafana } from './grafana.js';
import { compileOpenSlo } from './openslo.js';
import type { CompileOptions, Compiler, OutputFile } from './output.js';
import { compilePrometheus } from './prometheus.js';
import { compileRego } from './rego.js';

export type { CompileOptions, Compiler, OutputFile } from './output.js';
export { compilePrometheus, contractRuleGroups, prometheusOperatorResource, prometheusRuleFile, PLACEHOLDER_LINKS } from './prometheus.js';
export { alertmanagerFile, alertmanagerFragment, ALERTMANAGER_PATH, compileAlertmanager, DEFAULT_ROUTING_KEY_DIR } from './alertmanager.js';
export { promtoolTestFile, demoSeriesWriter } from './promtool-tests.js';
export * from './promql.js';
export { compileGrafana, compileOpenSlo, compileRego };
export { generatedMarker, GENERATED_MARK, OUTPUT_FOLDERS, pruneOutputs, type PruneResult } from './prune.js';

export const DEFAULT_COMPILE_OPTIONS: CompileOptions = { prometheusFormat: 'prometheus' };

/** The compilers `obligo compile` runs, in no particular order (the output is sorted by path). */
export const COMPILERS: readonly Compiler[] = [compilePrometheus, compileAlertmanager, compileOpenSlo, compileGrafana, compileRego];

/** All outputs for a set of contracts, sorted by path; two compilers claiming one path is a bug. */
export function compileAll(contracts: readonly Contract[], opts: CompileOptions = DEFAULT_COMPILE_OPTIONS): OutputFile[] {
  const files = COMPILERS.flatMap((compile) => compile(contracts, opts));
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.path === files[i - 1]!.path) throw new Error(`two outputs for one path: ${files[i]!.path}`);
  }
  return files;
}

/**
 * Write outputs under `dir` (created as needed). Other files are left alone here: the stale outputs of a
 * removed contract are pruneOutputs' business (prune.ts). Paths must stay inside `dir`.
 */
export async function writeOutputs(dir: string, files: readonly OutputFile[]): Promise<void> {
  const root = resolve(dir);
  const made = new Set<string>();
  for (const f of files) {
    const target = resolve(join(root, f.path));
    if (!target.startsWith(root + sep)) throw new Error(`output path escapes the output directory: ${f.path}`);
    const parent = dirname(target);
    if (!made.has(parent)) {
      mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    // Synchronous on purpose: thousands of small files, where one awaited promise per file costs more
    // than the writes themselves (measured: bench/validate-compile.ts).
    writeFileSync(target, f.content);
  }
}
