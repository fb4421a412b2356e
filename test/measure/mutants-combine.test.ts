// Which SLI expressions are plain selector sums, and how same-shape ones are grouped (src/measure/combine.ts;
// found by mutation testing, issue 13): whitespace, names, windows and operators the parser accepts or
// refuses, a label that appears twice, matchers written in another order, the label chosen to vary, and
// ratios (max) never combined. Expected values written out by hand.
import { describe, expect, it } from 'vitest';
import { parseSimpleSum, planBranches } from '../../src/measure/combine.js';

describe('parseSimpleSum, edges', () => {
  it('accepts whitespace anywhere PromQL does, both functions, every window unit and operator', () => {
    expect(parseSimpleSum(' sum ( rate ( m { a = "b" , c != "d" } [ 5m ] ) ) ')).toEqual({
      fn: 'rate',
      metric: 'm',
      matchers: [
        { label: 'a', op: '=', value: 'b' },
        { label: 'c', op: '!=', value: 'd' },
      ],
      window: '5m',
    });
    expect(parseSimpleSum('sum(increase(ns:m_1{_l1=~"a.*",l2!~"",l3="x,y"}[10h]))')).toEqual({
      fn: 'increase',
      metric: 'ns:m_1',
      matchers: [
        { label: '_l1', op: '=~', value: 'a.*' },
        { label: 'l2', op: '!~', value: '' },
        { label: 'l3', op: '=', value: 'x,y' },
      ],
      window: '10h',
    });
    for (const w of ['1s', '2m', '3h', '4d', '5w', '6y', '15m']) expect(parseSimpleSum(`sum(rate(m{a="b"}[${w}]))`)?.window).toBe(w);
    for (const metric of ['_m', ':m', 'M9']) expect(parseSimpleSum(`sum(rate(${metric}{a="b"}[1m]))`)?.metric).toBe(metric);
    expect(parseSimpleSum('sum(rate(m{a="b",}[1m]))')?.matchers).toEqual([{ label: 'a', op: '=', value: 'b' }]);
    expect(parseSimpleSum('sum(rate(m{ }[1m]))')?.matchers).toEqual([]);
  });

  it('refuses anything else', () => {
    for (const e of [
      'xsum(rate(m{a="b"}[1m]))',
      'sum(rate(m{a="b"}[1m]))x',
      'sum(avg(m{a="b"}[1m]))',
      'sum(rate(1m{a="b"}[1m]))',
      'sum(rate(m-x{a="b"}[1m]))',
      'sum(rate(m{a="b"}[1x]))',
      'sum(rate(m{a="b"}[m]))',
      'sum(rate(m{a="b"}[1m5s]))',
      'sum(rate(m{1a="b"}[1m]))',
      'sum(rate(m{a-b="c"}[1m]))',
      'sum(rate(m{a=b}[1m]))',
      'sum(rate(m{a=="b"}[1m]))',
      'sum(rate(m{a~"b"}[1m]))',
      'sum(rate(m{a="b" c="d"}[1m]))',
      'sum(rate(m{a="b}[1m]))',
      'sum(rate(m{a="b",,c="d"}[1m]))',
      'sum(rate(m{a="b"}[1m] offset 5m))',
      'sum(rate(m{a="b"}{c="d"}[1m]))',
      'sum(rate(m{a="b"}[1m]) + rate(m{a="c"}[1m]))',
    ]) {
      expect(parseSimpleSum(e), e).toBeUndefined();
    }
  });
});

describe('planBranches, grouping', () => {
  it('groups expressions whose other matchers are written in another order; a label that appears twice never varies', () => {
    const p = planBranches(
      [
        { id: '1', expr: 'sum(rate(m{service="a",code="x"}[1m]))' },
        { id: '2', expr: 'sum(rate(m{code="x",service="b"}[1m]))' },
        { id: '3', expr: 'sum(rate(m{a="1",a="2",z="q"}[1m]))' },
        { id: '4', expr: 'sum(rate(m{a="1",a="3",z="q"}[1m]))' },
      ],
      true,
      1,
    );
    expect(p.combined.map((c) => [c.label, [...c.members]])).toEqual([['service', [['a', ['1']], ['b', ['2']]]]]);
    expect(p.union.map((u) => p.idsOf.get(u.id))).toEqual([['3'], ['4']]);
    expect(p.union.map((u) => u.id)).toEqual(['u0', 'u1']);
  });

  it('varies the label that groups the most expressions; ties keep the first label', () => {
    const p = planBranches(
      ['a', 'b', 'c'].map((s, i) => ({ id: String(i), expr: `sum(rate(m{region="eu",service="${s}"}[1m]))` })),
      true,
      1,
    );
    expect(p.combined.map((c) => c.label)).toEqual(['service']);
    expect(p.combined[0]!.query(['a', 'c'])).toBe('sum by (service) (rate(m{service=~"a|c",region="eu"}[1m]))');
    const tie = planBranches(
      [
        { id: '1', expr: 'sum(rate(m{x="1",y="1"}[1m]))' },
        { id: '2', expr: 'sum(rate(m{x="2",y="2"}[1m]))' },
      ],
      true,
      1,
    );
    expect(tie.combined).toEqual([]);
    const both = planBranches(
      [
        { id: '1', expr: 'sum(rate(m{x="1",y="1"}[1m]))' },
        { id: '2', expr: 'sum(rate(m{x="2",y="1"}[1m]))' },
        { id: '3', expr: 'sum(rate(m{x="1",y="2"}[1m]))' },
      ],
      true,
      1,
    );
    // x varies within y="1" (entries 1 and 2); entry 3 has x="1" like entry 1, so y varies within x="1"
    // (entries 1 and 3, 2 members): entry 1 went to the x group (first label on a tie), entry 3 to the y group
    expect(both.combined.map((c) => [c.label, [...c.members]])).toEqual([
      ['x', [['1', ['1']], ['2', ['2']]]],
      ['y', [['2', ['3']]]],
    ]);
  });

  it('ratios (max) and other functions are never combined; identical expressions with another aggregation stay apart', () => {
    const p = planBranches(
      [
        { id: '1', expr: 'sum(rate(m{s="a"}[1m]))', agg: 'max' },
        { id: '2', expr: 'sum(rate(m{s="b"}[1m]))', agg: 'max' },
        { id: '3', expr: 'sum(rate(m{s="a"}[1m]))' },
      ],
      true,
      1,
    );
    expect(p.combined).toEqual([]);
    expect(p.union.map((u) => [u.agg ?? 'sum', p.idsOf.get(u.id)])).toEqual([
      ['max', ['1']],
      ['max', ['2']],
      ['sum', ['3']],
    ]);
  });
});

describe('planBranches, more', () => {
  const e = (id: string, expr: string) => ({ id, expr });
  it('combines by default; only `=` matchers vary; other matchers in any order group together', () => {
    expect(planBranches([e('1', 'sum(rate(m{s="a"}[1m]))'), e('2', 'sum(rate(m{s="b"}[1m]))')]).combined).toHaveLength(0);
    expect(planBranches([e('1', 'sum(rate(m{s="a"}[1m]))'), e('2', 'sum(rate(m{s="b"}[1m]))')], undefined, 1).combined).toHaveLength(1);
    // a plain sum with no `=` matcher has nothing to vary: a union branch
    expect(planBranches([e('1', 'sum(rate(m{code!~"5.."}[1m]))'), e('2', 'sum(rate(m{code!~"4.."}[1m]))')], true, 1).union).toHaveLength(2);
    const ops = planBranches([e('1', 'sum(rate(m{code!~"5..",s="a"}[1m]))'), e('2', 'sum(rate(m{code!~"4..",s="a"}[1m]))')], true, 1);
    expect(ops.combined).toEqual([]);
    const order = planBranches([e('1', 'sum(rate(m{s="a",x="1",y=~"2"}[1m]))'), e('2', 'sum(rate(m{y=~"2",x="1",s="b"}[1m]))')], true, 1);
    expect(order.combined.map((c) => [c.label, [...c.members.keys()]])).toEqual([['s', ['a', 'b']]]);
  });

  it('a lone plain sum is not a group; unions win when they need fewer requests, union rows counted', () => {
    const lone = planBranches([e('1', 'sum(rate(m{s="a"}[1m]))'), e('2', 'sum(rate(q{t="b"}[1m]))')], true, 1);
    expect(lone.combined).toEqual([]);
    expect(lone.union).toHaveLength(2);
    // 4 combinable (2 groups) + 1 other: unions of 5 need 1 request; selectors 2 + 1 union: unions win
    const five = [e('1', 'sum(rate(m{s="a"}[1m]))'), e('2', 'sum(rate(m{s="b"}[1m]))'), e('3', 'sum(rate(n{s="a"}[1m]))'), e('4', 'sum(rate(n{s="b"}[1m]))'), e('5', 'sum(rate(x[1m])) / 2')];
    expect(planBranches(five, true, 5).combined).toEqual([]);
    expect(planBranches(five, true, 2).combined).toHaveLength(2);
  });
});
