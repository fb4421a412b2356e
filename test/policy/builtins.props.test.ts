// Property tests for the time and number builtins, against independent oracles (JS Date, BigInt).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtins, BuiltinError, type BuiltinContext } from '../../src/policy/rego/builtins/index.js';
import { RegoLimitError } from '../../src/policy/rego/errors.js';
import { fromJS, RObject, RSet, type Value } from '../../src/policy/rego/value.js';

const ctx = (): BuiltinContext => ({ strict: true, nowNs: 0n, cache: new Map() });
const call = (name: string, ...args: Value[]): Value | undefined => builtins.get(name)!.fn!(args, ctx());
const big = (v: Value | undefined): bigint => BigInt(v as number | bigint);

// Millisecond instants inside the int64-nanosecond range (1677..2262) and JS Date's range.
const MS_MIN = -9_223_372_036_854;
const MS_MAX = 9_223_372_036_854;
const instantMs = fc.integer({ min: MS_MIN, max: MS_MAX });
const subMs = fc.integer({ min: 0, max: 999_999 });

describe('time properties', () => {
  it('time.date / time.clock / time.weekday agree with JS Date in UTC', () => {
    fc.assert(
      fc.property(instantMs, subMs, (ms, sub) => {
        const ns = BigInt(ms) * 1_000_000n + BigInt(sub);
        if (ns > 9_223_372_036_854_775_807n) return;
        const d = new Date(ms);
        expect(call('time.date', ns)).toEqual([d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]);
        expect(call('time.clock', ns)).toEqual([d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]);
        const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
        expect(call('time.weekday', ns)).toBe(days[d.getUTCDay()]);
      }),
      { numRuns: 300 },
    );
  });

  it('time.format then time.parse_rfc3339_ns is the identity (any zone)', () => {
    const zones = ['', 'UTC', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham'];
    fc.assert(
      fc.property(instantMs, subMs, fc.constantFrom(...zones), (ms, sub, zone) => {
        const ns = BigInt(ms) * 1_000_000n + BigInt(sub);
        if (ns > 9_223_372_036_854_775_807n) return;
        // Before ~1900 zones used local mean time with second offsets, which RFC 3339 cannot
        // carry (Go prints hh:mm too), so the round trip only holds for UTC there.
        fc.pre(zone === '' || zone === 'UTC' || ms >= -2_000_000_000_000);
        const text = call('time.format', [ns, zone]) as string;
        expect(big(call('time.parse_rfc3339_ns', text))).toBe(ns);
      }),
      { numRuns: 300 },
    );
  });

  it('time.parse_ns reads back what time.format writes, for Go layouts', () => {
    // [layout, precision in ns that the layout keeps, zone-safe (numeric offset or no zone)]
    const layouts: [string, bigint, boolean][] = [
      ['RFC3339Nano', 1n, true],
      ['RFC3339', 1_000_000_000n, true],
      ['RFC1123Z', 1_000_000_000n, true],
      ['RubyDate', 1_000_000_000n, true],
      ['RFC822Z', 60_000_000_000n, true],
      ['2006-01-02T15:04:05.000-0700', 1_000_000n, true],
      ['Monday, 02-Jan-2006 15:04:05.999999 Z07:00', 1_000n, true],
      ['RFC1123', 1_000_000_000n, false],
      ['UnixDate', 1_000_000_000n, false],
      ['DateTime', 1_000_000_000n, false],
    ];
    const zones = ['', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham'];
    fc.assert(
      fc.property(
        fc.integer({ min: -2_000_000_000_000, max: 7_000_000_000_000 }),
        subMs,
        fc.constantFrom(...layouts),
        fc.constantFrom(...zones),
        (ms, sub, [layout, unit, zoneSafe], zone) => {
          const z = zoneSafe ? zone : '';
          // Two-digit years ("06") read back as 1969..2068 only, in Go too.
          if (layout === 'RFC822Z') fc.pre(ms >= -31_536_000_000 + 86_400_000 && ms < 3_124_137_600_000 - 86_400_000);
          const ns = BigInt(ms) * 1_000_000n + BigInt(sub);
          const text = call('time.format', [ns, z, layout]) as string;
          const truncated = ns - (((ns % unit) + unit) % unit);
          expect(big(call('time.parse_ns', layout, text))).toBe(truncated);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('time.add_date normalises like Date.UTC (Go AddDate semantics)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -3_000_000_000_000, max: 7_000_000_000_000 }),
        fc.integer({ min: -50, max: 50 }),
        fc.integer({ min: -30, max: 30 }),
        fc.integer({ min: -400, max: 400 }),
        (ms, y, m, d) => {
          const t = new Date(ms);
          const want = Date.UTC(
            t.getUTCFullYear() + y,
            t.getUTCMonth() + m,
            t.getUTCDate() + d,
            t.getUTCHours(),
            t.getUTCMinutes(),
            t.getUTCSeconds(),
            t.getUTCMilliseconds(),
          );
          // Date.UTC maps years 0..99 to 1900..1999; keep clear of them.
          fc.pre(t.getUTCFullYear() + y >= 100);
          expect(big(call('time.add_date', BigInt(ms) * 1_000_000n, y, m, d))).toBe(BigInt(want) * 1_000_000n);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('time.diff of an instant and itself plus whole days and hours', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: 0, max: 23 }), (ms, h) => {
        const a = BigInt(ms) * 1_000_000n;
        const b = a + BigInt(h) * 3_600_000_000_000n;
        const r = call('time.diff', b, a) as number[];
        // Within one day the difference is exactly h hours (UTC has no DST).
        expect(r).toEqual([0, 0, 0, h, 0, 0]);
      }),
    );
  });

  it('time.parse_duration_ns sums its units exactly', () => {
    fc.assert(
      fc.property(
        fc.nat(10_000),
        fc.nat(59),
        fc.nat(59),
        fc.nat(999),
        fc.nat(999),
        fc.boolean(),
        (h, m, s, ms, us, neg) => {
          const text = `${neg ? '-' : ''}${h}h${m}m${s}s${ms}ms${us}us`;
          const want =
            BigInt(h) * 3_600_000_000_000n + BigInt(m) * 60_000_000_000n + BigInt(s) * 1_000_000_000n +
            BigInt(ms) * 1_000_000n + BigInt(us) * 1_000n;
          expect(big(call('time.parse_duration_ns', text))).toBe(neg ? -want : want);
        },
      ),
    );
  });
});

describe('number properties', () => {
  const int = fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n });
  const norm = (b: bigint): Value => (b >= -(2n ** 53n) + 1n && b <= 2n ** 53n - 1n ? Number(b) : b);

  it('plus, minus, mul and rem are exact on integers of any size', () => {
    fc.assert(
      fc.property(int, int, (a, b) => {
        expect(big(call('plus', norm(a), norm(b)))).toBe(a + b);
        expect(big(call('minus', norm(a), norm(b)))).toBe(a - b);
        expect(big(call('mul', norm(a), norm(b)))).toBe(a * b);
        if (b !== 0n) expect(big(call('rem', norm(a), norm(b)))).toBe(a % b);
      }),
    );
  });

  it('results use the canonical representation (number when safe, bigint beyond)', () => {
    fc.assert(
      fc.property(int, int, (a, b) => {
        const r = call('plus', norm(a), norm(b));
        expect(typeof r).toBe(typeof norm(a + b));
      }),
    );
  });

  it('sprintf %d and %x print integers like BigInt', () => {
    fc.assert(
      fc.property(int, (a) => {
        expect(call('sprintf', '%d', [norm(a)])).toBe(a.toString());
        expect(call('sprintf', '%x', [norm(a)])).toBe((a < 0n ? '-' : '') + (a < 0n ? -a : a).toString(16));
      }),
    );
  });

  it('round is half away from zero', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), (n) => {
        expect(call('round', n + 0.5)).toBe(n >= 0 ? n + 1 : n);
        expect(call('round', -(n + 0.5))).toBe(n >= 0 ? -(n + 1) : -n);
      }),
    );
  });

  it('units.parse_bytes scales integers by the binary factor', () => {
    const units: [string, bigint][] = [['ki', 1024n], ['mi', 1024n ** 2n], ['gi', 1024n ** 3n], ['tib', 1024n ** 4n]];
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.constantFrom(...units), (n, [u, f]) => {
        expect(big(call('units.parse_bytes', `${n}${u}`))).toBe(BigInt(n) * f);
      }),
    );
  });
});

describe('robustness', () => {
  // Arbitrary Rego values, biased towards strings the builtins parse.
  const leaf = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -1e6, max: 1e6 }),
    fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
    fc.string({ maxLength: 8 }),
    fc.constantFrom('.', '*', '[', '%d', '%c', '{{.x}}', '10.0.0.0/8', '1.0.0', 'a/b', '2006-01-02', '1h', '10Ki', '"'),
  );
  const value: fc.Arbitrary<Value> = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      leaf.map((x) => fromJS(x)),
      fc.array(tie('v'), { maxLength: 3 }),
      fc.array(fc.tuple(fc.string({ maxLength: 3 }), tie('v')), { maxLength: 3 }).map((es) => RObject.from(es as [Value, Value][])),
      fc.array(tie('v'), { maxLength: 3 }).map((xs) => RSet.from(xs as Value[])),
    ),
  })).v as fc.Arbitrary<Value>;

  it('every builtin either returns or throws a BuiltinError (or the evaluation limit error), whatever its operands', () => {
    for (const [name, b] of builtins) {
      fc.assert(
        fc.property(fc.array(value, { minLength: b.arity, maxLength: b.arity }), (args) => {
          try {
            if (b.fn) b.fn(args, ctx());
            else for (const _ of b.relation!(args, ctx()));
          } catch (e) {
            // a value beyond the size bound (numbers.range) is the typed evaluation limit error
            if (!(e instanceof BuiltinError) && !(e instanceof RegoLimitError)) throw new Error(`${name} threw ${String(e)}`);
          }
        }),
        { numRuns: 25 },
      );
    }
  });

  it('refuses work that would exhaust memory: a builtin error, or for numbers.range the evaluation size limit', () => {
    const e = (f: () => unknown): unknown => {
      try {
        f();
      } catch (x) {
        return x;
      }
    };
    // numbers.range beyond the bound is an evaluation error in both modes, never an empty result (issue 7.7)
    expect(e(() => call('numbers.range', 0, 1e12))).toBeInstanceOf(RegoLimitError);
    expect(e(() => call('bits.lsh', 1, 10n ** 12n))).toBeInstanceOf(BuiltinError);
    expect(call('bits.rsh', -5, 10n ** 12n)).toBe(-1);
    expect(call('sprintf', '%99999999d', [1])).toBe('%!(BADWIDTH)1');
  });
});
