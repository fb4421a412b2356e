// External tools and shared material the tests need, found once per test file.
//
//   import { requireTool, requireShared } from '../helpers/tools.js';
//   const opa = requireTool('opa');                       // { ok, path?, reason? }
//   describe.skipIf(!opa.ok)(`… ${opa.skipNote}`, () => { … spawn(opa.path!, …) … });
//
// Outside CI a missing tool is a skip whose reason is printed (in the describe/it title). Under
// CI=true (.ci/run installs everything) a missing tool or a missing ../shared is a FAILURE: the call
// throws while the test file is collected, so the file fails with the message instead of skipping.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

export const inCI = process.env.CI === 'true' || process.env.CI === '1';

/** The project root (this file is test/helpers/tools.ts). */
export const projectRoot = resolve(import.meta.dirname, '..', '..');

export interface ToolCheck {
  ok: boolean;
  /** Absolute path of the executable when found. */
  path?: string;
  /** Why it is missing (when !ok). */
  reason?: string;
  /** '' when found, else ` (skipped: <reason>)`, ready to append to a describe title. */
  skipNote: string;
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Directories searched besides $PATH: where `go install` puts binaries, and Debian's sbin. */
function extraDirs(): string[] {
  const dirs: string[] = [];
  if (process.env.GOBIN) dirs.push(process.env.GOBIN);
  if (process.env.GOPATH) dirs.push(join(process.env.GOPATH, 'bin'));
  dirs.push(join(homedir(), 'go', 'bin'), '/usr/local/go/bin', '/usr/sbin', '/usr/local/sbin');
  return dirs;
}

/** Find an executable: $OBLIGO_<NAME>_BIN (e.g. OBLIGO_OPA_BIN), then $PATH, then the go/bin directories. */
export function findTool(name: string, alternatives: readonly string[] = []): ToolCheck {
  const envName = `OBLIGO_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_BIN`;
  const fromEnv = process.env[envName];
  if (fromEnv) {
    return executable(fromEnv)
      ? { ok: true, path: resolve(fromEnv), skipNote: '' }
      : { ok: false, reason: `${envName}=${fromEnv} is not an executable file`, skipNote: ` (skipped: ${envName} is not executable)` };
  }
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs()];
  for (const n of [name, ...alternatives]) {
    for (const d of dirs) {
      const p = join(d, n);
      if (executable(p)) return { ok: true, path: p, skipNote: '' };
    }
  }
  const reason = `${[name, ...alternatives].join(' / ')} not found on PATH or in ~/go/bin`;
  return { ok: false, reason, skipNote: ` (skipped: ${reason})` };
}

/**
 * A tool a test file needs. Under CI=true its absence throws (the file fails: CI installed it, so a
 * missing tool is a broken CI, never a silent skip); elsewhere the result says why it is skipped.
 */
export function requireTool(name: string, alternatives: readonly string[] = [], hint = ''): ToolCheck {
  const t = findTool(name, alternatives);
  if (!t.ok && inCI) throw new Error(`CI=true: required tool ${name} is missing (${t.reason})${hint ? `; ${hint}` : ''}`);
  return t;
}

/** The read-only shared folder beside the project (../shared), or null when absent (a throw under CI). */
export function requireShared(sub = ''): { ok: boolean; path: string; skipNote: string } {
  const p = resolve(projectRoot, '..', 'shared', sub);
  if (existsSync(p)) return { ok: true, path: p, skipNote: '' };
  if (inCI) throw new Error(`CI=true: ${p} is missing (CI runs with ../shared beside the project)`);
  return { ok: false, path: p, skipNote: ` (skipped: ${p} is absent)` };
}
