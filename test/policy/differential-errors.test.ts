// Differential test of the static checks against the real OPA, on generated modules that are often
// ill-formed (differential-errors.ts). For every program: when OPA rejects it we must reject it too,
// with the same kind of error (rego_parse_error, rego_compile_error, rego_type_error,
// rego_unsafe_var_error, rego_recursion_error); when OPA accepts it we must accept it.
//
// A bounded run in CI (120 programs, fixed seed). A big run by hand:
//   DIFF_ERRORS_RUNS=3000 DIFF_ERRORS_SEED=7 npx vitest run test/policy/differential-errors.test.ts
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.js';
import { opaCheckAsync, ourErrors } from './checks-fixtures.js';
import { LIB, program } from './differential-errors.js';

const opa = requireTool('opa');
const RUNS = Number(process.env.DIFF_ERRORS_RUNS ?? 120);
const SEED = Number(process.env.DIFF_ERRORS_SEED ?? 20261204);

describe(`ill-formed programs: our verdict is OPA's${opa.skipNote}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'obligo-differr-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!opa.ok)(`${RUNS} generated programs (seed ${SEED})`, async () => {
    const programs = fc.sample(program, { numRuns: RUNS, seed: SEED });
    const missed: string[] = []; // OPA rejects, we accept
    const extra: string[] = []; // OPA accepts, we reject
    const kind: string[] = []; // both reject, with different kinds of error
    let opaRejected = 0;
    let weRejected = 0;
    for (const [i, text] of programs.entries()) {
      const d = join(dir, String(i));
      mkdirSync(d);
      const prog = join(d, 'prog.rego');
      const lib = join(d, 'lib.rego');
      writeFileSync(prog, text);
      writeFileSync(lib, LIB);
      const theirs = await opaCheckAsync(opa.path!, [prog, lib]);
      const ours = ourErrors([
        { path: prog, text },
        { path: lib, text: LIB },
      ]);
      if (theirs.length) opaRejected++;
      if (ours.length) weRejected++;
      const show = (): string =>
        `--- program ${i}\n${text}\n  OPA: ${theirs.map((e) => `${e.code} ${e.row}:${e.col} ${e.message}`).join('\n       ') || 'accepted'}\n  us:  ${
          ours.map((e) => `${e.code} ${e.location?.row}:${e.location?.col} ${e.bare.split('\n')[0]}`).join('\n       ') || 'accepted'
        }`;
      if (theirs.length && !ours.length) missed.push(show());
      else if (!theirs.length && ours.length) extra.push(show());
      else if (theirs.length && !theirs.some((w) => w.code === ours[0]!.code)) kind.push(show());
    }
    console.log(
      `differential-errors: ${RUNS} programs (seed ${SEED}): OPA rejected ${opaRejected}, we rejected ${weRejected}; ` +
        `rejected by OPA only ${missed.length}, by us only ${extra.length}, different kind ${kind.length}`,
    );
    for (const m of [...missed, ...extra, ...kind].slice(0, 8)) console.log(m);
    // the generator must produce both kinds of programs, or the comparison says little
    expect(opaRejected).toBeGreaterThan(RUNS / 4);
    expect(opaRejected).toBeLessThan(RUNS);
    expect(missed.length, 'programs OPA rejects and we accept').toBe(0);
    expect(extra.length, 'programs OPA accepts and we reject').toBe(0);
    expect(kind.length, 'programs rejected with another kind of error').toBe(0);
  }, 600_000);
});
