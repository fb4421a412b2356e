// keptPer / keptPerPair (src/kept.ts): computed once per object (or object pair), computed again for
// another object, and a kept undefined is still kept. Ground truth: the number of calls of `compute`.
import { describe, expect, it } from 'vitest';
import { keptPer, keptPerPair } from '../../src/kept.js';

describe('keptPer', () => {
  it('computes once per key object, again for another object with equal contents', () => {
    const calls: object[] = [];
    const f = keptPer((k: { n: number }) => (calls.push(k), { double: k.n * 2 }));
    const a = { n: 1 };
    const first = f(a);
    expect(first).toEqual({ double: 2 });
    expect(f(a)).toBe(first);
    expect(calls).toEqual([a]);
    const b = { n: 1 };
    expect(f(b)).toEqual({ double: 2 });
    expect(f(b)).not.toBe(first);
    expect(calls).toHaveLength(2);
  });

  it('keeps a falsy value too', () => {
    let calls = 0;
    const f = keptPer((_k: object) => (calls++, undefined));
    const k = {};
    f(k);
    f(k);
    expect(calls).toBe(1);
  });
});

describe('keptPerPair', () => {
  it('computes once per pair; another second object computes again and is kept instead', () => {
    const calls: Array<[object, object]> = [];
    const f = keptPerPair((a: { x: string }, b: { y: string }) => (calls.push([a, b]), `${a.x}${b.y}`));
    const a = { x: 'a' };
    const b1 = { y: '1' };
    const b2 = { y: '2' };
    expect(f(a, b1)).toBe('a1');
    expect(f(a, b1)).toBe('a1');
    expect(calls).toHaveLength(1);
    expect(f(a, b2)).toBe('a2');
    expect(f(a, b2)).toBe('a2');
    expect(calls).toHaveLength(2);
    // the kept value is now the one for b2: b1 is computed again
    expect(f(a, b1)).toBe('a1');
    expect(calls).toHaveLength(3);
    // another first object with an equal second one
    expect(f({ x: 'a' }, b1)).toBe('a1');
    expect(calls).toHaveLength(4);
  });
});
