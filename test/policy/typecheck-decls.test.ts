// The builtin type table (builtins/decls.ts BUILTIN_TYPES) is OPA's: it matches the declarations
// of the real OPA binary, and agrees with our arity table for every builtin we implement.
import { describe, expect, it } from 'vitest';
import { BUILTIN_FAMILIES, BUILTIN_TYPES, EVAL_BUILTINS } from '../../src/policy/rego/builtins/decls.js';
import { parseSignature, parseType, typeString } from '../../src/policy/rego/compile/types.js';
import { requireTool } from '../helpers/tools.js';
import { opaSignatures } from './typecheck-decls.js';

const opa = requireTool('opa');

describe('builtin type declarations', () => {
  it('every declared builtin has a signature with its arity (test.sleep is ours alone)', () => {
    const ours = new Map<string, number>([...Object.values(BUILTIN_FAMILIES).flatMap((f) => Object.entries(f)), ...EVAL_BUILTINS]);
    const missing: string[] = [];
    for (const [name, arity] of ours) {
      const sig = BUILTIN_TYPES[name];
      if (!sig) {
        missing.push(name);
        continue;
      }
      const f = parseSignature(sig);
      expect(f.variadic ? -1 : f.args.length, name).toBe(arity);
    }
    expect(missing).toEqual(['test.sleep']);
  });

  it('parses and prints OPA type notation', () => {
    for (const s of ['number', 'any<number, set[any]>', 'array<number, string>[any]', 'object<a: number>[string: any]', 'set[array[string]]']) {
      expect(typeString(parseType(s))).toBe(s);
    }
    const f = parseSignature('(x: number, y: any<number, string>) => z: number');
    expect(f.args.map(typeString)).toEqual(['number', 'any<number, string>']);
    expect(f.names).toEqual(['x', 'y']);
    expect(typeString(f.result)).toBe('number');
  });

  it.skipIf(!opa.ok)(`matches opa capabilities --current${opa.skipNote}`, () => {
    const real = opaSignatures(opa.path!);
    expect(Object.fromEntries([...real].sort())).toEqual(Object.fromEntries(Object.entries(BUILTIN_TYPES).sort()));
  });
});
