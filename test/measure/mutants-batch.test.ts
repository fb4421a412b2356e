// Union queries, batches and count snapping at their exact edges (src/measure/batch.ts; found by mutation
// testing, issue 13). Expected strings and groups written out by hand.
import { describe, expect, it } from 'vitest';
import { snapCount, splitBranches, tagBranch, unionQuery, type Branch } from '../../src/measure/batch.js';

const tag = (id: string, expr: string, agg = 'sum') => `label_replace(${agg}(${expr}), "obligo_q", "${id}", "", "")`;

describe('batch edges', () => {
  it('an empty union is an error; a ratio branch is tagged with max(); the tree splits at the middle', () => {
    expect(() => unionQuery([])).toThrow('unionQuery: no branches');
    expect(tagBranch({ id: 'r', expr: 'e', agg: 'max' })).toBe(tag('r', 'e', 'max'));
    expect(tagBranch({ id: 'a"b', expr: 'e' })).toBe('label_replace(sum(e), "obligo_q", "a\\"b", "", "")');
    const bs = ['a', 'b', 'c', 'd', 'e'].map((x) => ({ id: x, expr: x }));
    expect(unionQuery(bs.slice(0, 3))).toBe(`(${tag('a', 'a')} or (${tag('b', 'b')} or ${tag('c', 'c')}))`);
    expect(unionQuery(bs.slice(0, 4))).toBe(`((${tag('a', 'a')} or ${tag('b', 'b')}) or (${tag('c', 'c')} or ${tag('d', 'd')}))`);
    expect(unionQuery(bs)).toBe(`((${tag('a', 'a')} or ${tag('b', 'b')}) or (${tag('c', 'c')} or (${tag('d', 'd')} or ${tag('e', 'e')})))`);
  });

  it('a batch may hold exactly maxChars (each branch counted with 4 more characters for " or "); one more goes to the next', () => {
    const bs: Branch[] = ['a', 'b', 'c'].map((x) => ({ id: x, expr: `m_${x}` }));
    const len = tag('a', 'm_a').length + 4;
    const sizes = (maxChars: number, maxBranches = 10) => splitBranches(bs, { maxBranches, maxChars }).map((g) => g.map((b) => b.id).join(''));
    expect(sizes(2 * len)).toEqual(['ab', 'c']);
    expect(sizes(2 * len - 1)).toEqual(['a', 'b', 'c']);
    expect(sizes(3 * len)).toEqual(['abc']);
    // a branch longer than the limit still goes, alone
    expect(sizes(1)).toEqual(['a', 'b', 'c']);
    expect(sizes(1000, 2)).toEqual(['ab', 'c']);
    expect(sizes(1000, 1)).toEqual(['a', 'b', 'c']);
    expect(splitBranches([], { maxBranches: 1, maxChars: 1 })).toEqual([]);
  });

  it('20 branches per range query by default', () => {
    const bs: Branch[] = Array.from({ length: 45 }, (_, i) => ({ id: String(i), expr: 'x' }));
    expect(splitBranches(bs).map((g) => g.length)).toEqual([20, 20, 5]);
  });

  it('snaps within 1e-9 relative (absolute below 1), exactly at the bound too, in both directions', () => {
    expect(snapCount(1000 + 1e-6)).toBe(1000);
    expect(snapCount(1000 - 1e-6)).toBe(1000);
    expect(snapCount(1000 + 2e-6)).toBe(1000 + 2e-6);
    expect(snapCount(0.5e-9)).toBe(0);
    expect(snapCount(1e-9)).toBe(0);
    expect(snapCount(-1e-9)).toBe(-0);
    expect(snapCount(2e-9)).toBe(2e-9);
    expect(snapCount(-7 - 3e-9)).toBe(-7);
    expect(snapCount(-7.4)).toBe(-7.4);
    expect(snapCount(-Infinity)).toBe(-Infinity);
  });
});
