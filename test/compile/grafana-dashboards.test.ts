// dashboards/ holds the dashboards of the example contracts in contracts/, committed so that people can
// import them without running obligo. This test keeps them equal to what the compiler produces;
// `UPDATE=1 npx vitest run test/compile/grafana-dashboards.test.ts` rewrites them (and removes stale ones).
// Contracts are loaded through the real loader with repo-relative names, so headers do not depend on the machine.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileGrafana } from '../../src/compile/grafana.js';
import { exampleContracts, REPO_ROOT } from '../golden/fixtures-b/fixtures.js';
import { UPDATE } from '../golden/fixtures-b/golden.js';
import { checkDashboard } from '../golden/fixtures-b/grafana-checks.js';

const CONTRACTS_DIR = join(REPO_ROOT, 'contracts');
const DASHBOARDS_DIR = join(REPO_ROOT, 'dashboards');

// contracts/ and dashboards/ are part of the repository: without them this test has nothing to compare,
// which is a failure (it used to skip, and to pass by returning early).
describe('dashboards/ (example contracts)', () => {
  it('is up to date with the Grafana compiler', async () => {
    const contractFiles = existsSync(CONTRACTS_DIR) ? readdirSync(CONTRACTS_DIR).filter((f) => /\.ya?ml$/.test(f)) : [];
    expect(contractFiles.length, 'contracts/*.yaml (the example contracts)').toBeGreaterThan(0);
    const files = compileGrafana(await exampleContracts(), { prometheusFormat: 'prometheus' }).map((f) => ({
      name: f.path.replace(/^grafana\//, ''),
      content: f.content,
    }));
    expect(files.length).toBeGreaterThan(contractFiles.length); // one per contract at least, and the overview
    if (UPDATE) {
      mkdirSync(DASHBOARDS_DIR, { recursive: true });
      const wanted = new Set(files.map((f) => f.name));
      for (const old of readdirSync(DASHBOARDS_DIR)) if (old.endsWith('.json') && !wanted.has(old)) rmSync(join(DASHBOARDS_DIR, old));
      for (const f of files) writeFileSync(join(DASHBOARDS_DIR, f.name), f.content);
    }
    expect(existsSync(DASHBOARDS_DIR), 'dashboards/ exists (UPDATE=1 to generate it)').toBe(true);
    const present = readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).sort();
    expect(present, 'dashboards/ lists exactly the generated files (UPDATE=1 to refresh)').toEqual(files.map((f) => f.name).sort());
    for (const f of files) expect(readFileSync(join(DASHBOARDS_DIR, f.name), 'utf8'), `dashboards/${f.name} is stale (UPDATE=1 to refresh)`).toBe(f.content);
  });

  it('every committed dashboard passes the structural checks', () => {
    expect(existsSync(DASHBOARDS_DIR), 'dashboards/ exists (UPDATE=1 to generate it)').toBe(true);
    const names = readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json'));
    expect(names.length).toBeGreaterThan(1);
    const uids = new Set<string>();
    for (const n of names) {
      const d = JSON.parse(readFileSync(join(DASHBOARDS_DIR, n), 'utf8'));
      checkDashboard(d, `dashboards/${n}`);
      expect(uids.has(d.uid), `dashboards/${n}: uid ${d.uid} unique`).toBe(false);
      uids.add(d.uid);
    }
  });
});
