// The rule-file YAML writer must write what it is given: every value reads back identically with a YAML
// 1.2 reader and with YAML 1.1 rules (go-yaml v2, which Prometheus uses, reads `yes`/`on` as booleans).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toYaml, type YamlValue } from '../../src/compile/yaml-writer.js';

// Strings that stress quoting: YAML indicators, 1.1 booleans, numbers, dates, PromQL, line breaks.
const tricky = fc.constantFrom(
  '', ' ', 'yes', 'No', 'on', 'OFF', 'y', 'N', 'null', '~', 'true', '<<', '=', '1', '-1', '+1', '0x1f', '0o17', '1e3', '1_000',
  '1:30', '.5', '.inf', '.NaN', '2026-01-01', '2026-1-1 10:00', '1h', '30m', '- a', '? a', ': a', 'a: b', 'a #b', 'a#b', '#x',
  '&a', '*a', '!tag', '|', '>', "'q'", '"q"', '%x', '@x', '`x`', 'x:', 'a\nb', 'a\n', '\nb', ' a', 'a ', 'a\tb', 'a\r\nb',
  'a\u0085b', 'a\u2028b', '\u0000', '\u007f', '\ufeff', 'ünïcode — ✓', '{{ "{{" }} x }}', 'x{a="b"}[5m]',
  '1 - (((sum(rate(x{code!~"5.."}[5m]))) or (0 * (sum(rate(x[5m]))))) / ((sum(rate(x[5m]))) > 0))',
  'a > 1\nand\nb > 1', 'line\n\nafter blank', 'line\n  indented',
);
const str = fc.oneof(tricky, fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 12 }));

const value: fc.Arbitrary<YamlValue> = fc.letrec<{ v: YamlValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    str,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(str, tie('v'), { maxKeys: 4 }),
  ),
})).v;

/** Lone surrogates cannot be encoded in UTF-8 text at all; the writer's inputs never contain them. */
const LONE_SURROGATE = /\p{Cs}/u;
const ok = (s: string) => !LONE_SURROGATE.test(s);
const wellFormed = (v: YamlValue): boolean =>
  typeof v === 'string'
    ? ok(v)
    : Array.isArray(v)
      ? v.every(wellFormed)
      : v !== null && typeof v === 'object'
        ? Object.entries(v).every(([k, x]) => ok(k) && wellFormed(x))
        : true;

describe('toYaml', () => {
  it('round-trips through YAML 1.2 and YAML 1.1 readers (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(str, value, { maxKeys: 5 }), (doc) => {
        fc.pre(wellFormed(doc));
        const text = toYaml(doc);
        const plain = JSON.parse(JSON.stringify(doc)); // -0 → 0, as YAML writes it
        expect(parse(text, { version: '1.2' })).toEqual(plain);
        expect(parse(text, { version: '1.1' })).toEqual(plain);
      }),
      { numRuns: 1000 },
    );
  });

  it('writes PromQL plain, multi-line PromQL as a literal block, and quotes what could be misread', () => {
    expect(toYaml({ expr: 'sum(rate(x{a="b"}[5m])) > 0' })).toBe('expr: sum(rate(x{a="b"}[5m])) > 0\n');
    expect(toYaml({ expr: 'a > 1\nand\nb > 1' })).toBe('expr: |-\n  a > 1\n  and\n  b > 1\n');
    expect(toYaml({ a: 'yes', b: '1:30', c: '1h', d: 'x: y' })).toBe("a: 'yes'\nb: '1:30'\nc: 1h\nd: 'x: y'\n");
    expect(toYaml({ groups: [{ name: 'g', rules: [] }], e: {} })).toBe('groups:\n  - name: g\n    rules: []\ne: {}\n');
  });
});
