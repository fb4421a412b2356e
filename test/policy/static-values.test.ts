// Values of rules that depend on neither input nor time (static nodes) are kept across evaluations,
// on the rule-tree nodes too (eval/run.ts): new base data, `with data` and `with` replacing a function
// must each see the values they imply, never the ones kept from before. Ground truth: the values the
// modules define for each data document, written out by hand.
import { describe, expect, it } from 'vitest';
import { RegoEngine, toJS } from '../../src/policy/rego/index.js';

const MODULE = `package p

x := data.d.v * 10

f(a) := a + 1

y := f(data.d.v)

z := x + input.k
`;

function engine(data: unknown): RegoEngine {
  const e = new RegoEngine();
  e.addModule('p.rego', MODULE);
  e.setData(data);
  e.compile();
  return e;
}

describe('static rule values kept across evaluations', () => {
  it('follow new base data (setData after evaluations)', () => {
    const e = engine({ d: { v: 1 } });
    expect(e.eval('data.p.x')).toBe(10);
    expect(e.eval('data.p.x')).toBe(10);
    expect(toJS(e.eval('data.p')!)).toEqual({ x: 10, y: 2 });
    e.setData({ d: { v: 2 } });
    expect(e.eval('data.p.x')).toBe(20);
    expect(e.eval('data.p.y')).toBe(3);
    expect(toJS(e.eval('data.p')!)).toEqual({ x: 20, y: 3 });
    e.setData({ d: { v: 3 } });
    expect(e.eval('data.p.z', { k: 1 })).toBe(31);
  });

  it('are not taken under `with data` or a replaced function, and come back after', () => {
    const e = engine({ d: { v: 1 } });
    expect(e.eval('data.p.x')).toBe(10);
    expect(e.query('r := data.p.x with data.d.v as 5')[0]!.bindings.get('r')).toBe(50);
    expect(e.query('r := data.p.y with data.p.f as 7')[0]!.bindings.get('r')).toBe(7);
    expect(e.eval('data.p.x')).toBe(10);
    expect(e.eval('data.p.y')).toBe(2);
  });
});
