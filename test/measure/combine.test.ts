import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeRegexValue, parseSimpleSum, planBranches } from '../../src/measure/combine.js';

describe('parseSimpleSum', () => {
  it('reads sum(rate(metric{matchers}[window])) and nothing fancier', () => {
    expect(parseSimpleSum('sum(rate(obligo_demo_requests_total{service="x",code!~"5.."}[1m]))')).toEqual({
      fn: 'rate',
      metric: 'obligo_demo_requests_total',
      matchers: [
        { label: 'service', op: '=', value: 'x' },
        { label: 'code', op: '!~', value: '5..' },
      ],
      window: '1m',
    });
    expect(parseSimpleSum('sum(rate(m{}[5m]))')).toMatchObject({ metric: 'm', matchers: [] });
    expect(parseSimpleSum('sum(rate(m[5m]))')).toBeUndefined(); // no matcher to vary: not worth it
    for (const e of [
      'sum by (x) (rate(m{a="b"}[1m]))',
      'rate(m{a="b"}[1m])',
      'sum(rate(m{a="b\\"c"}[1m]))',
      'sum(rate(m{a="b"}[1m])) / 2',
      '(sum(rate(t[1m]))) - ((sum(rate(e[1m]))) or vector(0))',
      'sum(rate(m{a="b",}[1m]x))',
    ]) {
      expect(parseSimpleSum(e), e).toBeUndefined();
    }
  });
});

describe('escapeRegexValue', () => {
  it('makes any value match only itself (RE2 anchored, as Prometheus matches)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (v, other) => {
        const re = new RegExp(`^(?:${escapeRegexValue(v)})$`, 'u');
        expect(re.test(v)).toBe(true);
        if (other !== v) expect(re.test(other)).toBe(false);
      }),
    );
  });
});

describe('planBranches', () => {
  const b = (id: string, svc: string, extra = ',code!~"5.."') => ({ id, expr: `sum(rate(m{service="${svc}"${extra}}[1m]))` });

  it('asks identical expressions once and combines the rest by the varying label', () => {
    // unions of 2 branches would need 2 requests for the 4 distinct expressions; selectors need 2 too
    const p = planBranches([b('1', 'a'), b('2', 'b'), b('3', 'a'), b('4', 'c', ''), b('5', 'd', '')], true, 2);
    expect(p.combined).toHaveLength(2);
    const [withCode, plain] = p.combined;
    expect(withCode!.label).toBe('service');
    expect([...withCode!.members]).toEqual([['a', ['1', '3']], ['b', ['2']]]);
    expect(withCode!.query(['a', 'b'])).toBe('sum by (service) (rate(m{service=~"a|b",code!~"5.."}[1m]))');
    expect(plain!.query(['c.x', 'd|y'])).toBe('sum by (service) (rate(m{service=~"c\\\\.x|d\\\\|y"}[1m]))');
    expect(p.union).toEqual([]);
  });

  it('keeps singletons and other shapes in unions, and prefers unions when they need fewer requests', () => {
    const p = planBranches([b('1', 'a'), { id: '2', expr: 'sum(rate(x[1m])) / 2' }, { id: '3', expr: 'sum(rate(y{service="q"}[1m]))', agg: 'max' as const }]);
    expect(p.combined).toEqual([]);
    expect(p.union.map((u) => p.idsOf.get(u.id))).toEqual([['1'], ['2'], ['3']]);
    // Two shapes of two values each: 2 selectors, or 1 union of 4 when a union holds 4.
    const four = [b('1', 'a'), b('2', 'b'), b('3', 'a', ''), b('4', 'b', '')];
    expect(planBranches(four, true, 3).combined).toHaveLength(2);
    expect(planBranches(four, true, 4).combined).toHaveLength(0);
    expect(planBranches(four, false).combined).toHaveLength(0);
  });
});
