// The ill-formed (and a few well-formed) Rego programs of test/fixtures/rego-errors/: each file ends
// with OPA's verdict on it, written by running the real OPA (`opa check --format json`):
//   # want: <code> <row>:<col> <first line of the message>     (one line per error OPA reports)
//   # accepted                                                  (OPA compiles it)
// checks.test.ts holds our engine to these lines; checks-opa.test.ts re-derives them from OPA.
import { execFile, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import '../../src/policy/rego/builtins/index.js';
import { RegoEngine } from '../../src/policy/rego/engine.js';
import { RegoError, RegoErrors } from '../../src/policy/rego/errors.js';

export const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures', 'rego-errors');

export interface Want {
  code: string;
  row: number;
  col: number;
  message: string;
}

export interface Fixture {
  name: string; // file name
  path: string; // absolute
  text: string; // the whole file (the trailing verdict lines are comments)
  accepted: boolean;
  wants: Want[];
}

const WANT = /^# want: (\S+) (\d+):(\d+) (.*)$/;

export function parseVerdict(text: string): { accepted: boolean; wants: Want[] } {
  const wants: Want[] = [];
  let accepted = false;
  for (const line of text.trimEnd().split('\n').reverse()) {
    if (line === '# accepted') {
      accepted = true;
      continue;
    }
    const m = WANT.exec(line);
    if (!m) break;
    wants.unshift({ code: m[1]!, row: Number(m[2]), col: Number(m[3]), message: m[4]! });
  }
  return { accepted, wants };
}

export function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.rego'))
    .sort()
    .map((name) => {
      const path = join(FIXTURES, name);
      const text = readFileSync(path, 'utf8');
      return { name, path, text, ...parseVerdict(text) };
    });
}

/** Our verdict on some modules: the errors of parsing + compiling them (empty when accepted). */
export function ourErrors(files: { path: string; text: string }[]): RegoError[] {
  const engine = new RegoEngine();
  try {
    for (const f of files) engine.addModule(f.path, f.text);
    engine.compile();
    return [];
  } catch (e) {
    if (e instanceof RegoErrors) return e.errors;
    if (e instanceof RegoError) return [e];
    throw e;
  }
}

/** The real OPA's verdict on some files (`opa check --format json`, v1): [] when it compiles them. */
export function opaCheck(opaPath: string, files: string[], cwd?: string): Want[] {
  const r = spawnSync(opaPath, ['check', '--format', 'json', '--max-errors', '-1', ...files], { encoding: 'utf8', cwd });
  if (r.status === 0) return [];
  const out = JSON.parse(r.stdout || r.stderr) as { errors: { code: string; message: string; location?: { row: number; col: number } }[] };
  return out.errors.map((e) => ({ code: e.code, row: e.location?.row ?? 0, col: e.location?.col ?? 0, message: e.message.split('\n')[0]! }));
}

/** opaCheck without blocking the event loop (long differential runs). */
export function opaCheckAsync(opaPath: string, files: string[]): Promise<Want[]> {
  return new Promise((resolve, reject) => {
    execFile(opaPath, ['check', '--format', 'json', '--max-errors', '-1', ...files], { encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve([]);
      try {
        const out = JSON.parse(stdout || stderr) as { errors: { code: string; message: string; location?: { row: number; col: number } }[] };
        resolve(out.errors.map((e) => ({ code: e.code, row: e.location?.row ?? 0, col: e.location?.col ?? 0, message: e.message.split('\n')[0]! })));
      } catch {
        reject(err);
      }
    });
  });
}
