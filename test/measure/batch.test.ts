import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { snapCount, splitBranches, tagBranch, unionQuery, type Branch } from '../../src/measure/batch.js';
import { parseBranches } from './table-source.js';

const exprArb = fc
  .tuple(fc.constantFrom('a', 'b_total', 'obligo_demo_requests_total'), fc.stringMatching(/^[a-z0-9-]{1,8}$/), fc.constantFrom('1m', '5m', '1h'))
  .map(([m, svc, w]) => `sum(rate(${m}{service="${svc}",code!~"5.."}[${w}]))`);
const branchesArb = fc.array(exprArb, { minLength: 1, maxLength: 60 }).map((es) => es.map((expr, i): Branch => ({ id: `${i}g`, expr })));

describe('unionQuery', () => {
  it('tags one branch with label_replace around sum()', () => {
    expect(unionQuery([{ id: '0t', expr: 'x' }])).toBe('label_replace(sum(x), "obligo_q", "0t", "", "")');
  });

  it('joins branches as a balanced `or` tree that keeps every branch, in order', () => {
    fc.assert(
      fc.property(branchesArb, (bs) => {
        const q = unionQuery(bs);
        expect(parseBranches(q)).toEqual(bs);
        expect(q.split(' or ').length).toBe(bs.length);
        // balanced: nesting depth is logarithmic
        let depth = 0;
        let max = 0;
        for (const ch of q.replace(/label_replace\(sum\([^]*?\), "obligo_q", "[^"]+", "", ""\)/g, 'B')) {
          if (ch === '(') max = Math.max(max, ++depth);
          else if (ch === ')') depth--;
        }
        expect(max).toBeLessThanOrEqual(Math.ceil(Math.log2(bs.length)));
      }),
    );
  });
});

describe('splitBranches', () => {
  it('keeps order, loses nothing, and respects both limits', () => {
    fc.assert(
      fc.property(branchesArb, fc.integer({ min: 1, max: 25 }), fc.integer({ min: 50, max: 2000 }), (bs, maxBranches, maxChars) => {
        const groups = splitBranches(bs, { maxBranches, maxChars });
        expect(groups.flat()).toEqual(bs);
        for (const g of groups) {
          expect(g.length).toBeGreaterThan(0);
          expect(g.length).toBeLessThanOrEqual(maxBranches);
          const chars = g.reduce((n, b) => n + tagBranch(b).length + 4, 0);
          // Only a single oversized branch may exceed maxChars.
          if (g.length > 1) expect(chars).toBeLessThanOrEqual(maxChars);
        }
      }),
    );
  });
});

describe('snapCount', () => {
  it('turns rate × seconds back into the integer count it came from', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.constantFrom(30, 60, 300, 3600), (n, seconds) => {
        expect(snapCount((n / seconds) * seconds)).toBe(n);
      }),
    );
    expect((1234 / 60) * 60).not.toBe(1234 + 1e-3); // sanity: the float is close, snap makes it exact
  });

  it('leaves values that are not within 1e-9 relative of an integer alone', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 1e-6, max: 0.999999, noNaN: true }), (n, f) => {
        const x = n + f;
        fc.pre(Math.abs(x - Math.round(x)) > 2e-9 * Math.max(1, x));
        expect(snapCount(x)).toBe(x);
      }),
    );
    expect(snapCount(Number.NaN)).toBeNaN();
    expect(snapCount(Infinity)).toBe(Infinity);
  });
});
