// Fast start for the commands `npm run build` bundles (src/cli/bundle-build.mjs: `obligo gate`): one
// CommonJS file per command, compiled through vm.Script with a V8 code cache kept in the user's cache
// folder, so that a process skips resolving ~200 ES modules, parsing them and compiling the functions
// it runs (Node 20 has no module compile cache; module.enableCompileCache is Node 22).
//
// Never required: without a bundle (running from src/ under tsx, or after `tsc` alone, which makes
// main.js newer than the bundle) the command is imported from tsc's output as before. Caches, in order:
//   1. the user's: written after a run (folder $OBLIGO_CACHE_DIR, else $XDG_CACHE_HOME/obligo, else
//      ~/.cache/obligo), keyed by the bundle's content hash (in its file name), Node's version and the
//      architecture;
//   2. the one `npm run build` writes beside the bundle (<bundle>.v8cache: every function compiled, by the
//      Node that built it), so that the first run on a fresh machine (a CI job) is fast too; when it is
//      accepted no user cache is written (it holds more than a run would);
//   3. none: compiled from source (also with OBLIGO_CACHE_DIR=off, which uses no cache at all).
// V8 rejects a cache made by another V8 or with other flags; a rejected or unreadable cache is skipped
// (a rejected user cache is replaced).
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import type { CommandIO } from './io.js';

type Command = (argv: string[], io: CommandIO) => Promise<number>;

/** The code cache folder, or undefined when there is none to use. */
export function codeCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const own = env.OBLIGO_CACHE_DIR;
  if (own !== undefined && own !== '') return own === 'off' ? undefined : own;
  if (env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/')) return join(env.XDG_CACHE_HOME, 'obligo');
  let home: string;
  try {
    home = env.HOME || homedir();
  } catch {
    return undefined;
  }
  return home ? join(home, '.cache', 'obligo') : undefined;
}

/** The bundle's text as V8 compiles it: wrapped as Node wraps a CommonJS module (a cache fits one text only). */
export function wrapBundle(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
}

/** Where `npm run build` writes the cache of a bundle (bundle-build.mjs). */
export function shippedCacheFile(bundle: string): string {
  return bundle.replace(/\.cjs$/, '.v8cache');
}

/** The bundle of `name` when there is one at least as new as tsc's output (this file), else undefined. */
function bundleFile(name: string): string | undefined {
  const here = fileURLToPath(import.meta.url);
  const dir = dirname(here);
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'bundles.json'), 'utf8')) as Record<string, unknown>;
    const file = manifest[name];
    if (typeof file !== 'string' || !/^[a-z-]+\.bundle-[0-9a-f]+\.cjs$/.test(file)) return undefined;
    const path = join(dir, file);
    return statSync(path).mtimeMs >= statSync(here).mtimeMs ? path : undefined;
  } catch {
    return undefined;
  }
}

function readIfExists(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > 256 * 1024 * 1024) return undefined;
    const buf = Buffer.allocUnsafe(st.size);
    let n = 0;
    while (n < buf.length) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The command from its bundle, or undefined (then the caller imports it as usual). A run that ends with
 * exit status 0 or 1 went the whole way (for the gate: a decision), so the functions it compiled are the
 * ones the next run needs: its cache replaces one written by a run that stopped early (status 2).
 */
export function loadBundled(name: string, env: NodeJS.ProcessEnv): Command | undefined {
  const file = bundleFile(name);
  if (!file) return undefined;
  const source = readFileSync(file, 'utf8');
  const dir = codeCacheDir(env);
  const base = dir && join(dir, `${file.slice(file.lastIndexOf('/') + 1, -'.cjs'.length)}-node${process.versions.node}-${process.arch}`);
  const full = base && `${base}.full.v8cache`;
  const partial = base && `${base}.partial.v8cache`;
  // The same wrapper as Node's for a CommonJS module: the bundle requires its native dependencies
  // (better-sqlite3) from node_modules as a module next to it would.
  const compile = (cachedData: Buffer | undefined) =>
    new vm.Script(wrapBundle(source), { filename: file, cachedData, importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER } as vm.ScriptOptions);
  const fromUser = full && partial ? readIfExists(full) : undefined;
  const off = env.OBLIGO_CACHE_DIR === 'off';
  const candidates: Array<[Buffer | undefined, 'full' | 'shipped' | 'partial']> = [
    [fromUser, 'full'],
    [fromUser || off ? undefined : readIfExists(shippedCacheFile(file)), 'shipped'],
    [fromUser || !(full && partial) ? undefined : readIfExists(partial), 'partial'],
  ];
  let script: vm.Script | undefined;
  let used: 'full' | 'shipped' | 'partial' | undefined;
  for (const [data, kind] of candidates) {
    if (!data) continue;
    const s = compile(data);
    if (!s.cachedDataRejected) {
      script = s;
      used = kind;
      break;
    }
    if (kind === 'full') script = s; // compiled all the same: kept if no other cache is accepted
  }
  script ??= compile(undefined);
  const accepted = used !== undefined;
  if (full && partial && used !== 'full' && used !== 'shipped') {
    process.once('exit', (code) => {
      const complete = code === 0 || code === 1;
      if (accepted && !complete) return; // keep the partial cache in use
      try {
        mkdirSync(dir!, { recursive: true, mode: 0o700 });
        const target = complete ? full : partial;
        const tmp = `${target}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, target);
        if (complete) rmSync(partial, { force: true });
        // Caches of other builds of this command (an older obligo, another Node) not written for a week go:
        // the folder does not grow with every upgrade, and two installs in use share it without evicting
        // each other at every run.
        const weekAgo = Date.now() - 7 * 24 * 3600 * 1000;
        for (const f of readdirSync(dir!)) {
          const p = join(dir!, f);
          if (!f.startsWith(`${name}.bundle-`) || !f.endsWith('.v8cache') || p === target || p === partial) continue;
          if (statSync(p).mtimeMs < weekAgo) rmSync(p, { force: true });
        }
      } catch {
        // a cache is never required: a read-only or full disk only costs the next run its speed
      }
    });
  }
  const module = { exports: {} as { __command?: Command } };
  const fn = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  fn(module.exports, createRequire(file), module, file, dirname(file));
  return typeof module.exports.__command === 'function' ? module.exports.__command : undefined;
}
