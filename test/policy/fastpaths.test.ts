// The engine's fast paths against the general forms they specialise (no OPA needed; the differential
// tests compare the engine as a whole with the real OPA):
//   - rule bodies compiled to JavaScript (eval/codegen.ts) against the closures alone (codegen: false),
//     on generated modules, on Obligo's own policies and on the core conformance cases;
//   - literals of constants read straight from the source (the parser's scanner) against the
//     general grammar, terms and locations included, and the same error when they are malformed;
//   - sprintf's precompiled formats against the general Go-fmt formatter.
import fc from 'fast-check';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compileRego } from '../../src/compile/rego.js';
import { loadContracts } from '../../src/contract/index.js';
import { Parser } from '../../src/policy/rego/ast/parser.js';
import { goSprintf, toGoArg } from '../../src/policy/rego/builtins/sprintf.js';
import { CORE_FOLDERS, listFolders, loadCases, runCase } from '../../src/policy/rego/conformance.js';
import { fromJS, RegoEngine, RegoError, toJSON, type Value } from '../../src/policy/rego/index.js';
import { inCI, requireShared, projectRoot } from '../helpers/tools.js';
import { creditArb, obligoPolicyModules, statusArb } from './obligo-inputs.js';
import { regoCaseArb } from './rego-gen.js';

type Outcome = { value?: string; error?: string };

// CI replays a fixed sample; by hand each run draws a new one
const seed = inCI ? { seed: 20261204 } : {};

function evaluate(e: RegoEngine, ref: string, input: unknown): Outcome {
  try {
    const v = e.eval(ref, input);
    return v === undefined ? {} : { value: toJSON(v) };
  } catch (err) {
    if (err instanceof RegoError) return { error: `${err.code}: ${err.message}` };
    throw err;
  }
}

function engines(modules: { path: string; text: string }[], data: unknown): [RegoEngine, RegoEngine] | { error: string } {
  const make = (codegen: boolean): RegoEngine => {
    const e = new RegoEngine({ codegen });
    for (const m of modules) e.addModule(m.path, m.text);
    e.setData(data);
    e.compile();
    return e;
  };
  try {
    return [make(true), make(false)];
  } catch (err) {
    if (err instanceof RegoError) return { error: err.code };
    throw err;
  }
}

describe('rule bodies compiled to JavaScript agree with the closures', () => {
  it('on generated modules (values, undefined and errors with their messages)', () => {
    let values = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }).chain((i) => regoCaseArb(`gen${i}`)),
        (c) => {
          const es = engines([{ path: `${c.pkg}.rego`, text: c.module }], { d: c.data });
          if ('error' in es) return; // rejected at compile time: no evaluation to compare
          const [gen, clo] = es;
          const a = evaluate(gen, `data.${c.pkg}`, c.input);
          const b = evaluate(clo, `data.${c.pkg}`, c.input);
          expect(a, `module:\n${c.module}\ninput: ${JSON.stringify(c.input)}`).toEqual(b);
          if (a.value !== undefined) values++;
        },
      ),
      { numRuns: 300, ...seed },
    );
    expect(values).toBeGreaterThan(100); // the property compared values, not only errors
  });

  it("on Obligo's policies with the example contracts (decision, gate, credits)", async () => {
    const { contracts, modules, data } = await obligoPolicyModules();
    const es = engines(modules, data);
    if ('error' in es) throw new Error(es.error);
    const [gen, clo] = es;
    const ids = contracts.map((c) => ({ id: c.id, slas: c.slas.map((s) => s.id) }));
    let active = 0;
    fc.assert(
      fc.property(statusArb(ids), fc.boolean(), (status, inMaintenance) => {
        const input = { status, maintenance: { active: inMaintenance, reason: 'patching' }, now: '2026-03-15T12:00:00Z' };
        const a = evaluate(gen, 'data.obligo.decision.result', input);
        expect(a).toEqual(evaluate(clo, 'data.obligo.decision.result', input));
        if (a.value && JSON.parse(a.value).action !== 'none') active++;
      }),
      { numRuns: 300, ...seed },
    );
    expect(active).toBeGreaterThan(2); // (statuses that page or ticket are a few percent of the generated ones)
    fc.assert(
      fc.property(fc.array(statusArb(ids), { maxLength: 4 }), (slas) => {
        const input = { slas, change: { labels: ['feature'] } };
        expect(evaluate(gen, 'data.obligo.gate.result', input)).toEqual(evaluate(clo, 'data.obligo.gate.result', input));
      }),
      { numRuns: 150, ...seed },
    );
    fc.assert(
      fc.property(creditArb(ids), (credit) => {
        const input = { credit, now: '2026-03-15T12:00:00Z' };
        expect(evaluate(gen, 'data.obligo.credits.result', input)).toEqual(evaluate(clo, 'data.obligo.credits.result', input));
      }),
      { numRuns: 150, ...seed },
    );
  });

  const shared = requireShared('opa-conformance');
  describe.skipIf(!shared.ok)(`the closures alone pass the core conformance cases${shared.skipNote}`, () => {
    for (const folder of shared.ok ? listFolders(shared.path).filter((f) => CORE_FOLDERS.includes(f)) : []) {
      it(folder, () => {
        const failing = loadCases(shared.path, folder)
          .map(({ c }) => [c.note, runCase(c, 5000, { codegen: false })] as const)
          .filter(([, why]) => why !== undefined);
        expect(failing).toEqual([]);
      });
    }
  });
});

// ---------------------------------------------------------------------- the parser's literal scanner

/** A literal of constants as text, with the spacing, comments and forms the scanner must read alike. */
const literalText: fc.Arbitrary<string> = fc.letrec<{ lit: string; scalar: string }>((tie) => ({
  scalar: fc.oneof(
    fc.integer({ min: -1000, max: 1000 }).map(String),
    fc.constantFrom('0.5', '-2.25', '1e3', '1.5E-2', '12345678901234567890', '-0', '3.0', '0.1'),
    fc.string({ maxLength: 5 }).map((s) => JSON.stringify(s)),
    fc.constantFrom('"\\u00e9\\n\\t"', '"\\ud83d\\ude00"', '"a\\"b"', 'true', 'false', 'null'),
  ),
  lit: fc.oneof(
    { depthSize: 'small' },
    tie('scalar'),
    fc.tuple(fc.array(tie('lit'), { maxLength: 4 }), fc.boolean(), fc.constantFrom('', ' ', '\n\t', ' # note\n  ')).map(([xs, trailing, ws]) => `[${ws}${xs.join(`,${ws}`)}${trailing && xs.length ? ',' : ''}${ws}]`),
    fc.tuple(fc.array(tie('lit'), { minLength: 1, maxLength: 4 }), fc.boolean()).map(([xs, trailing]) => `{${xs.join(', ')}${trailing ? ',' : ''}}`),
    fc.tuple(fc.array(fc.tuple(tie('scalar'), tie('lit')), { maxLength: 4 }), fc.constantFrom('', '\n', ' ')).map(([kvs, ws]) => `{${ws}${kvs.map(([k, v]) => `${k}:${ws}${v}`).join(`,${ws}`)}${ws}}`),
  ),
})).lit;

/** Texts around a literal: a rule value, a member of a non-constant literal, a ref or a call on it, junk. */
const moduleText = fc.tuple(literalText, fc.constantFrom('x := %', 'x := [input.a, %]', 'x := %[0]', 'x := %.a', 'x := count(%)', 'x := % | {1}', 'x contains y if { some y in % }', 'x := {% | true}', 'x := %,,', 'x := %}', 'x := [% % ]'), fc.constantFrom('', '\n# c\ny := 1')).map(([lit, shape, tail]) => `package p\n\n${shape.replace('%', lit)}${tail}\n`);

function parseBoth(text: string): [unknown, unknown] {
  const run = (scanLiterals: boolean): unknown => {
    try {
      return new Parser('m.rego', text, 0, 0, { scanLiterals }).parseModule();
    } catch (e) {
      if (e instanceof RegoError) return { error: e.message };
      throw e;
    }
  };
  return [run(true), run(false)];
}

describe("the parser's scanner for literals of constants", () => {
  it('reads the terms (with their locations) the general grammar reads, and fails alike', () => {
    fc.assert(
      fc.property(moduleText, (text) => {
        const [fast, general] = parseBoth(text);
        expect(isDeepStrictEqual(fast, general), text).toBe(true);
      }),
      { numRuns: 2000, ...seed },
    );
  });

  it('reads the generated contract modules as the general grammar does', async () => {
    const { contracts } = await loadContracts([join(projectRoot, 'contracts')]);
    for (const f of compileRego(contracts, { prometheusFormat: 'prometheus' }).filter((g) => g.path.endsWith('.rego'))) {
      const [fast, general] = parseBoth(f.content);
      expect(isDeepStrictEqual(fast, general), f.path).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------- sprintf

describe('sprintf with %v, %s and %d', () => {
  const arg: fc.Arbitrary<Value> = fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.integer({ min: -1e6, max: 1e6 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: -1000, max: 1000 }).map((n) => n / 100),
    fc.constantFrom<Value>(true, null, [1, 'a'], 1e-5, 123456.5, 1e6, 999999.9, -0.0001, 0.0001),
  );
  const sprintf = (format: string, args: Value[]): Value | undefined => {
    const e = new RegoEngine();
    return e.eval('sprintf(input.f, input.a)', { f: format, a: args });
  };
  it('formats as the general formatter does', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('', 'x ', '%% ', ': '), fc.constantFrom('%v', '%s', '%d')), { maxLength: 4 }), fc.array(arg, { maxLength: 5 }), (parts, args) => {
        const format = parts.map(([lit, verb]) => lit + verb).join('') + ' end';
        expect(sprintf(format, args)).toBe(goSprintf(format, args.map((a) => toGoArg(fromJS(a)))));
      }),
      { numRuns: 3000, ...seed },
    );
  });

  it('with a constant format and an array literal (put together in generated code) as the general formatter does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('', 'x ', '%% ', ': '), fc.constantFrom('%v', '%s', '%d')), { maxLength: 4 }),
        fc.array(arg, { maxLength: 5 }),
        fc.boolean(),
        (parts, args, mocked) => {
          const format = parts.map(([lit, verb]) => lit + verb).join('') + ' end';
          // the format as a Rego string literal (JSON's escapes are Rego's), the arguments from input
          const list = args.map((_, i) => `input.a[${i}]`).join(', ');
          // `with` replacing a function on the way: the generated code calls the builtin as usual
          const mod = `package t\n\nf(x) := x\n\nr := sprintf(${JSON.stringify(format)}, [${list}])\n\ns := r if { f(1) == 2 }\n\nm := x if { x := s with f as 2 }\n`;
          const e = new RegoEngine();
          e.addModule('t.rego', mod);
          e.compile();
          const want = goSprintf(format, args.map((a) => toGoArg(fromJS(a))));
          expect(e.eval('data.t.r', { a: args })).toBe(want);
          if (mocked) expect(e.eval('data.t.m', { a: args })).toBe(want);
        },
      ),
      { numRuns: 300, ...seed },
    );
  });
});
