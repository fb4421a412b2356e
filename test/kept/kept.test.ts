// keptPer / keptPerPair / keptByValue (src/kept.ts): computed once per object (or object pair), computed again for
// another object, and a kept undefined is still kept. Ground truth: the number of calls of `compute`.
import { describe, expect, it } from 'vitest';
import { keptByValue, keptPer, keptPerPair } from '../../src/kept.js';

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

describe('keptByValue', () => {
  it('computes once per key value, again for another value, and keeps a falsy value too', () => {
    const calls: number[] = [];
    const f = keptByValue(10, (k: number) => (calls.push(k), k === 0 ? undefined : { k }));
    const one = f(1);
    expect(f(1)).toBe(one);
    expect(f(2)).toEqual({ k: 2 });
    expect(f(0)).toBeUndefined();
    expect(f(0)).toBeUndefined();
    expect(f(Number.NaN)).toEqual({ k: Number.NaN });
    expect(f(Number.NaN)).toEqual({ k: Number.NaN });
    expect(calls).toEqual([1, 2, 0, Number.NaN]);
  });

  it('keeps at most `limit` values: the one past it starts the map afresh', () => {
    const calls: string[] = [];
    const f = keptByValue(3, (k: string) => (calls.push(k), k.toUpperCase()));
    for (const k of ['a', 'b', 'c', 'a', 'b', 'c']) f(k);
    expect(calls).toEqual(['a', 'b', 'c']);
    expect(f('d')).toBe('D'); // the map was full: cleared, then d kept
    expect(f('d')).toBe('D');
    expect(f('a')).toBe('A'); // computed again
    expect(calls).toEqual(['a', 'b', 'c', 'd', 'a']);
    expect(f('b')).toBe('B');
    expect(calls).toEqual(['a', 'b', 'c', 'd', 'a', 'b']);
    // d, a, b kept now: the next new key clears them again
    expect(f('d')).toBe('D');
    expect(calls).toHaveLength(6);
    f('e');
    f('d');
    expect(calls).toEqual(['a', 'b', 'c', 'd', 'a', 'b', 'e', 'd']);
  });

  it('keeps nothing when compute throws', () => {
    let calls = 0;
    const f = keptByValue(5, (k: number) => {
      calls++;
      if (k < 0) throw new RangeError('negative');
      return k;
    });
    expect(() => f(-1)).toThrow('negative');
    expect(() => f(-1)).toThrow('negative');
    expect(calls).toBe(2);
  });
});
