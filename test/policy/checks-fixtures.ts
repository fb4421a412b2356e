// The ill-formed (and a few well-formed) Rego programs of test/fixtures/rego-errors/: each file ends
// with OPA's verdict on it, written by running the real OPA (`opa check --format json`):
//   # want: <code> <row>:<col> <first line of the message>     (one line per error OPA reports)
//   # accepted                                                  (OPA compiles it)
// checks.test.ts holds our engine to these lines; checks-opa.test.ts re-derives them from OPA.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures', 'rego-errors');

export interface Want {
  code: string;
  row: number;
  col: number;
  message: string;
}

export interface Fixture {
  name: string; // file name
  path: string;
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
