// OPA's conformance cases (Rego v1) run against our engine. Fails when the number of passing cases
// drops below the ratchet in conformance-ratchet.json (raise the numbers when you improve things).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CORE_FOLDERS, listFolders, runConformance, type FolderResult } from '../../src/policy/rego/conformance.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const casesRoot = path.resolve(repoRoot, '../shared/opa-conformance');
const present = existsSync(path.join(casesRoot, 'v1'));
const ratchet = JSON.parse(readFileSync(path.join(here, 'conformance-ratchet.json'), 'utf8')) as { core: number; all: number };

if (!present) console.warn(`conformance: ${casesRoot}/v1 not found; skipping the OPA conformance suite`);

describe.skipIf(!present)('OPA conformance (v1)', () => {
  it('passes at least the ratcheted number of cases', () => {
    const t0 = Date.now();
    const results: FolderResult[] = runConformance(casesRoot, { folders: listFolders(casesRoot), timeoutMs: 2000 });
    const core = new Set(CORE_FOLDERS);
    let passed = 0;
    let total = 0;
    let corePassed = 0;
    let coreTotal = 0;
    const lines: string[] = [];
    for (const r of results) {
      const n = r.passed + r.failed;
      passed += r.passed;
      total += n + r.skipped;
      if (core.has(r.folder)) {
        corePassed += r.passed;
        coreTotal += n + r.skipped;
      }
      lines.push(`${r.folder.padEnd(42)} ${String(r.passed).padStart(4)} / ${String(n + r.skipped).padEnd(4)}${core.has(r.folder) ? ' core' : ''}`);
    }
    lines.push(`core: ${corePassed}/${coreTotal} (ratchet ${ratchet.core})   all: ${passed}/${total} (ratchet ${ratchet.all})   ${Date.now() - t0} ms`);
    console.log(lines.join('\n'));
    if (process.env.CONFORMANCE_VERBOSE) {
      for (const r of results) for (const c of r.cases) if (c.status === 'failed') console.log(`--- ${c.file} :: ${c.note}\n${c.reason}`);
    }
    expect(corePassed).toBeGreaterThanOrEqual(ratchet.core);
    expect(passed).toBeGreaterThanOrEqual(ratchet.all);
  }, 120_000);
});
