// The contracts `obligo serve` enforces, reloaded when their files change. A file that becomes invalid is
// reported and its last good version stays in force; the other files are never affected.
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { loadContracts } from '../contract/load.js';
import type { ContractIssue } from '../contract/issues.js';
import type { Contract } from '../contract/model.js';
import type { ContractSnapshot } from './runtime.js';

function contractFiles(path: string): string[] {
  const st = statSync(path);
  if (st.isFile()) return [path];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory() && !e.name.startsWith('.')) walk(p);
      else if (e.isFile() && ['.yaml', '.yml'].includes(extname(e.name))) out.push(p);
    }
  };
  walk(path);
  return out;
}

export class ContractSet {
  private lastGood = new Map<string, Contract>();
  private fingerprint = '';
  private snap: ContractSnapshot = { contracts: [], problems: [], stale: [], version: 0, loadedAt: 0 };

  constructor(readonly path: string) {}

  current(): ContractSnapshot {
    return this.snap;
  }

  /** Files, sizes and modification times: cheap to compare on every tick. */
  private fingerprintNow(): string {
    return contractFiles(this.path)
      .map((f) => {
        const st = statSync(f);
        return `${f}\u0000${st.size}\u0000${st.mtimeMs}`;
      })
      .join('\n');
  }

  /** Reload when a file was added, removed or changed; returns whether anything changed. */
  async refresh(now = Date.now()): Promise<boolean> {
    let fp: string;
    try {
      fp = this.fingerprintNow();
    } catch (e) {
      const problem: ContractIssue = { file: this.path, line: 1, column: 1, path: '', message: `cannot read the contracts: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, severity: 'error' };
      this.snap = { ...this.snap, problems: [problem], stale: [...this.lastGood.keys()] };
      return false;
    }
    if (fp === this.fingerprint && this.snap.version > 0) return false;
    this.fingerprint = fp;
    const files = new Set(fp ? fp.split('\n').map((l) => l.split('\u0000')[0]!) : []);
    const { contracts, issues } = await loadContracts([this.path]);
    const errors = issues.filter((i) => i.severity === 'error');
    const good = new Map<string, Contract>();
    for (const c of contracts) good.set(c.file, c);
    const stale: string[] = [];
    for (const f of files) {
      if (good.has(f)) continue;
      const prev = this.lastGood.get(f);
      if (prev && errors.some((i) => i.file === f)) {
        good.set(f, prev);
        stale.push(f);
      }
    }
    // A kept version whose id another file now claims is dropped (the new file wins).
    const ids = new Set(contracts.map((c) => c.id));
    for (const f of stale) if (ids.has(good.get(f)!.id)) good.delete(f);
    this.lastGood = good;
    const ordered = [...good.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    this.snap = { contracts: ordered, problems: errors, stale, version: this.snap.version + 1, loadedAt: now };
    return true;
  }
}
