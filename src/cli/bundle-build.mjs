// Second step of `npm run build` (after tsc): the commands that must start fast (`obligo gate`, a process
// per CI job) bundled into one CommonJS file each with esbuild, which src/cli/bundled.ts runs through
// vm.Script with a V8 code cache. tsc's dist/ stays as it is (every other command, library use, tests);
// a bundle is used only while it is at least as new as tsc's output (bundled.ts), so running tsc alone
// afterwards can never leave a stale bundle in charge.
//
// Output: dist/cli/<command>.bundle-<sha256 prefix>.cjs, its code cache <same name>.v8cache (makeCache below),
// and dist/cli/bundles.json ({ "<command>": "<file>" }),
// beside main.js: two folders below the package root, as every source file is (src/<room>/x.ts), so that
// paths built from import.meta.url such as '../../policies' resolve to the same place. The content hash in the file name keys the code cache: V8 checks a cache
// against the source's length only, so a changed bundle must never find an old cache.
// Run: node src/cli/bundle-build.mjs (from the project root; `npm run build` does).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The code cache shipped beside a bundle (bundled.ts reads it when the user has none): compiled in a
 * child process with every function compiled (--no-lazy), the flag set back before the cache is made so
 * that the Node running the gate, with default flags, accepts it (V8 checks its version and flags and
 * rejects anything else: then the bundle is only compiled from source). Optional: bytes written, or 0.
 */
function makeCache(bundle) {
  const code = `
    const { readFileSync, writeFileSync } = require('node:fs');
    const v8 = require('node:v8');
    const vm = require('node:vm');
    const [bundle, out, helpers] = process.argv.slice(1);
    import(helpers).then(({ wrapBundle }) => {
      v8.setFlagsFromString('--no-lazy');
      const script = new vm.Script(wrapBundle(readFileSync(bundle, 'utf8')), { filename: bundle });
      v8.setFlagsFromString('--lazy');
      writeFileSync(out, script.createCachedData());
    });`;
  const out = bundle.replace(/\.cjs$/, '.v8cache');
  const r = spawnSync(process.execPath, ['-e', code, bundle, out, pathToFileURL(join(root, 'dist', 'cli', 'bundled.js')).href], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.warn(`warning: no code cache for ${bundle} (exit ${r.status}): the first run of the command compiles it`);
    rmSync(out, { force: true });
    return 0;
  }
  return statSync(out).size;
}
const outDir = join(root, 'dist', 'cli');

/** command → its module and export (the same as the dispatcher in main.ts). */
const COMMANDS = {
  gate: { entry: 'src/cli/commands/gate.ts', export: 'gateCommand' },
};

// Native or optional packages stay in node_modules, loaded with require() from the bundle's folder.
const EXTERNAL = ['better-sqlite3', 'pg', 'pg-native'];

mkdirSync(outDir, { recursive: true });
for (const f of readdirSync(outDir)) if (/\.bundle-[0-9a-f]+\.(cjs|v8cache)$/.test(f)) rmSync(join(outDir, f), { force: true });
const manifest = {};
for (const [name, c] of Object.entries(COMMANDS)) {
  const result = await build({
    entryPoints: [join(root, c.entry)],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    // import.meta.url of every module becomes the bundle's own URL (see above).
    define: { 'import.meta.url': '__obligo_bundle_url' },
    // Strict mode for all of it, as the ES modules it is built from run.
    banner: { js: `'use strict';\nconst __obligo_bundle_url = require('node:url').pathToFileURL(__filename).href;` },
    // keepNames off: the code cache is smaller and nothing reads function names.
    legalComments: 'none',
    // Whitespace and syntax only: identifiers keep their names (nothing may depend on Function.name then).
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  });
  const text = result.outputFiles[0].text + `\nmodule.exports.__command = module.exports.${c.export};\n`;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const file = `${name}.bundle-${hash}.cjs`;
  writeFileSync(join(outDir, file), text);
  manifest[name] = file;
  const cache = makeCache(join(outDir, file));
  console.log(`bundled obligo ${name}: dist/cli/${file} (${(text.length / 1024).toFixed(0)} KiB), code cache ${cache ? `${(cache / 1024).toFixed(0)} KiB` : 'not written'}`);
}
writeFileSync(join(outDir, 'bundles.json'), JSON.stringify(manifest, null, 2) + '\n');
