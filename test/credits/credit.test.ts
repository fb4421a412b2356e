import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TierDoc } from '../../src/contract/schema.js';
import { type CreditContract, type SlaOutcome, allocateLargestRemainder, claimDeadline, computeCredits } from '../../src/credits/credit.js';
import { formatAmount, roundToMinor } from '../../src/credits/money.js';
import { rational } from '../../src/credits/rational.js';
import { parsePeriodLabel } from '../../src/slo/periods.js';

const AWS: TierDoc[] = [
  { below: 99.99, percent: 10 },
  { below: 99.0, percent: 30 },
  { below: 95.0, percent: 100 },
];

function contract(over: Partial<CreditContract> = {}, policy: Partial<CreditContract['creditPolicy']> = {}): CreditContract {
  return {
    id: 'acme',
    currency: 'USD',
    monthlyFee: '12000',
    timezone: 'America/New_York',
    termStart: '2026-01-01',
    ...over,
    creditPolicy: { capPercent: 100, rounding: 'none', prorate: false, claimWindowDays: 30, ...policy },
  };
}

function outcome(id: string, achieved: string | null, monthlyBase = '8000', tiers = AWS, period: 'month' | 'quarter' = 'month'): SlaOutcome {
  return { sla: { id, key: `acme/${id}`, tiers, monthlyBase, period }, achieved };
}

/** "123.45" → 12345n for a fixed number of digits (independent of the code under test). */
function units(amount: string, digits: number): bigint {
  const [i, f = ''] = amount.split('.');
  expect(f.length).toBe(digits);
  return BigInt(i! + f);
}

const march = parsePeriodLabel('2026-03', 'America/New_York');

describe('credits: examples', () => {
  it('one SLA at 99.5 % in March: 10 % of 8000 = 800.00; claim due 30 days after 31 March', () => {
    const s = computeCredits(contract(), march, [outcome('availability', '99.5')]);
    expect(s.rows[0]).toMatchObject({ percent: 10, tierIndex: 0, base: '8000', fraction: '1', exactAmount: '800', amount: '800.00', flags: [] });
    expect(s).toMatchObject({ total: '800.00', cap: '12000.00', capped: false, currency: 'USD', minorUnits: 2, period: '2026-03' });
    expect(s.claimDeadline).toBe('2026-04-30');
    expect(s.claimDeadlineEndsAt).toBe(Date.UTC(2026, 4, 1, 4)); // 1 May 00:00 EDT
  });

  it('a quarter triples base and cap (GitHub style, exactly 99.0 earns nothing)', () => {
    const github: TierDoc[] = [{ atOrBelow: 99.9, above: 99.0, percent: 10 }, { below: 99.0, percent: 25 }];
    const q1 = parsePeriodLabel('2026-Q1', 'America/New_York');
    const s = computeCredits(contract({ monthlyFee: '2100' }), q1, [
      outcome('a', '99.0', '2100', github, 'quarter'),
      outcome('b', '98.99', '2100', github, 'quarter'),
    ]);
    expect(s.rows.map((r) => r.amount)).toEqual(['0.00', '1575.00']); // 25 % of 6300
    expect(s.cap).toBe('6300.00');
    expect(() => computeCredits(contract(), q1, [outcome('m', '99')])).toThrow(/per month/);
  });

  it('pro-rates by the part of the period inside the term when prorate is on (term from 15 March)', () => {
    const c = contract({ termStart: '2026-03-15' }, { prorate: true });
    const s = computeCredits(c, march, [outcome('availability', '99.5')]);
    // 17 days × 24 h of a 743 h month: 8000 × 408/743 × 10 % = 439.3001345... → 439.30
    expect(s.rows[0]!.fraction).toBe('0.54912516823687752355'); // 408/743 to 20 places
    expect(s.rows[0]).toMatchObject({ amount: '439.30', flags: ['prorated'] });
    expect(computeCredits(contract({ termStart: '2026-03-15' }), march, [outcome('availability', '99.5')]).rows[0]!.amount).toBe('800.00');
  });

  it('caps the contract total and allocates it by largest remainder so rows add up exactly', () => {
    const c = contract({ monthlyFee: '1000' }, { capPercent: 50 });
    const s = computeCredits(c, march, [outcome('a', '10', '1000'), outcome('b', '10', '1000'), outcome('c', '10', '1000')]);
    expect(s.capped).toBe(true);
    expect(s.cap).toBe('500.00');
    expect(s.rows.map((r) => r.amount)).toEqual(['166.67', '166.67', '166.66']);
    expect(s.total).toBe('500.00');
    expect(s.rows.every((r) => r.flags.includes('capped'))).toBe(true);
  });

  it('rows that round up past the cap are capped too (33.335 + 33.335 + 33.325 against 100.00)', () => {
    const c = contract({ monthlyFee: '100' }, { capPercent: 100 });
    const tiers: TierDoc[] = [{ below: 100, percent: 1 }];
    const s = computeCredits(c, march, [outcome('a', '50', '3333.5', tiers), outcome('b', '50', '3333.5', tiers), outcome('c', '50', '3332.5', tiers)]);
    expect(s.capped).toBe(true);
    expect(s.total).toBe('100.00');
  });

  it('rounding nearest-0.1 is half-up on the credit path: 99.85 → 99.9, not below 99.9, no credit (half-even would say 99.8 → 10 %)', () => {
    const tiers: TierDoc[] = [{ below: 99.9, percent: 10 }, { below: 99.0, percent: 25 }];
    const half = (rounding: 'none' | 'nearest-0.1' | 'nearest-0.01', achieved: string) =>
      computeCredits(contract({}, { rounding }), march, [outcome('a', achieved, '8000', tiers)]).rows[0]!;
    expect(half('nearest-0.1', '99.85')).toMatchObject({ compared: '99.9', percent: 0, tierIndex: null, amount: '0.00' });
    expect(half('nearest-0.1', '99.8499')).toMatchObject({ compared: '99.8', percent: 10, tierIndex: 0, amount: '800.00' });
    expect(half('nearest-0.1', '99.05')).toMatchObject({ compared: '99.1', percent: 10 }); // half-even and half-down: 99.0
    expect(half('nearest-0.1', '98.95')).toMatchObject({ compared: '99', percent: 10 }); // half-down or truncation: 98.9, 25 %
    expect(half('nearest-0.01', '99.845')).toMatchObject({ compared: '99.85', percent: 10 });
    expect(half('nearest-0.01', '99.895')).toMatchObject({ compared: '99.9', percent: 0 }); // half-even: 99.9 too (9 is odd)
    expect(half('nearest-0.01', '99.885')).toMatchObject({ compared: '99.89', percent: 10 }); // half-even: 99.88
    expect(half('none', '99.85')).toMatchObject({ compared: '99.85', percent: 10, amount: '800.00' });
  });

  // Was a bug: when the exact total is within the cap but the rows rounded one by one exceed it, every row
  // was scaled UP by cap / exact total before the largest-remainder split (10.004 owed → 10.04 paid).
  // Now the round-ups the cap cannot hold are taken back, smallest remainder first.
  it('capped by rounding only: no row gets more than its exact amount rounded up; the smallest round-ups are taken back', () => {
    const tiers: TierDoc[] = [{ below: 99.99, percent: 10 }];
    const s = computeCredits(contract({ monthlyFee: '10.09' }, { capPercent: 100 }), march, [
      outcome('big', '99', '100.04', tiers), // 10.004
      ...Array.from({ length: 10 }, (_, i) => outcome(`s${i}`, '99', '0.05', tiers)), // 0.005 each
    ]);
    // exact total 10.054 ≤ cap 10.09 < 10.10 (rows rounded one by one)
    expect(s).toMatchObject({ capped: true, total: '10.09' });
    expect(s.rows[0]!.exactAmount).toBe('10.004');
    expect(units(s.rows[0]!.amount, 2) <= 1001n, `big row paid ${s.rows[0]!.amount}`).toBe(true);
    // rounded one by one: 10.00 + 10 × 0.01 = 10.10, one cent over; the ten 0.005 rows were rounded up by
    // 0.005 each (the big row by nothing): the last of them gives its cent back, ties to the later row
    expect(s.rows.map((r) => r.amount)).toEqual(['10.00', ...Array(9).fill('0.01'), '0.00']);
    expect(s.rows.map((r) => r.flags.includes('capped'))).toEqual([...Array(10).fill(false), true]);
  });

  it('over the cap only exactly: three rows of 0.004 (0.00 each when rounded) against a cap of 0.01 share it', () => {
    const tiers: TierDoc[] = [{ below: 99.99, percent: 10 }];
    const s = computeCredits(contract({ monthlyFee: '0.01' }, { capPercent: 100 }), march, [outcome('a', '99', '0.04', tiers), outcome('b', '99', '0.04', tiers), outcome('c', '99', '0.04', tiers)]);
    expect(s.rows.map((r) => r.exactAmount)).toEqual(['0.004', '0.004', '0.004']);
    expect(s).toMatchObject({ capped: true, total: '0.01', cap: '0.01' });
    expect(s.rows.map((r) => r.amount)).toEqual(['0.01', '0.00', '0.00']); // equal remainders: the earlier row
    expect(s.rows.every((r) => r.flags.includes('capped'))).toBe(true);
  });

  it('a capped statement flags only the rows it cut: a no-data row is not "capped"; its tier fields are null', () => {
    const c = contract({ monthlyFee: '1000' }, { capPercent: 10 });
    const s = computeCredits(c, march, [outcome('a', '50', '1000'), outcome('b', null, '1000')]);
    expect(s.capped).toBe(true);
    expect(s.rows[0]!.flags).toEqual(['capped']);
    expect(s.rows[1]!.flags).toEqual(['no-data']);
    expect(s.rows[1]!.tierIndex).toBeNull();
    expect(s.rows[1]!.compared).toBeNull();
    expect(s.rows[1]!.percent).toBe(0);
  });

  it('prorate on, but the whole period is inside the term: fraction 1, no "prorated" flag', () => {
    const s = computeCredits(contract({}, { prorate: true }), march, [outcome('availability', '99.5')]);
    expect(s.rows[0]).toMatchObject({ fraction: '1', amount: '800.00', flags: [] });
  });

  it('no claim window: no deadline', () => {
    const s = computeCredits(contract({}, { claimWindowDays: undefined }), march, [outcome('availability', '99.5')]);
    expect(s.claimDeadline).toBeNull();
    expect(s.claimDeadlineEndsAt).toBeNull();
  });

  it('a measurement flagged outside-term inside the contract term: outside-term, not no-data', () => {
    const s = computeCredits(contract(), march, [{ ...outcome('a', null), flags: ['outside-term'] }]);
    expect(s.rows[0]!.flags).toEqual(['outside-term']);
  });

  it('largest remainder: all-zero shares get nothing whatever the target; equal remainders go to the earlier share', () => {
    expect(allocateLargestRemainder([rational('0'), rational('0'), rational('0')], 5n)).toEqual([0n, 0n, 0n]);
    expect(allocateLargestRemainder([], 5n)).toEqual([]);
    expect(allocateLargestRemainder([rational('1'), rational('1'), rational('1')], 2n)).toEqual([1n, 1n, 0n]);
    expect(allocateLargestRemainder([rational('1'), rational('2'), rational('1')], 3n)).toEqual([1n, 1n, 1n]); // 0.75, 1.5, 0.75: remainders .75 beat .5
  });

  it('no data → 0 and a flag; outside the term → 0 and outside-term', () => {
    const s = computeCredits(contract(), march, [outcome('a', null), outcome('b', '90')]);
    expect(s.rows[0]).toMatchObject({ amount: '0.00', percent: 0, flags: ['no-data'], compared: null });
    expect(s.rows[1]!.amount).toBe('8000.00');
    const before = computeCredits(contract({ termStart: '2026-04-01' }), march, [outcome('a', '10')]);
    expect(before.rows[0]).toMatchObject({ amount: '0.00', flags: ['outside-term'] });
  });

  it('JPY has no minor digits; KWD has three', () => {
    const jpy = computeCredits(contract({ currency: 'JPY', monthlyFee: '12001' }), march, [outcome('a', '99.5', '12001')]);
    expect(jpy.rows[0]!.amount).toBe('1200'); // 1200.1 → 1200
    expect(jpy.total).toBe('1200');
    const kwd = computeCredits(contract({ currency: 'KWD', monthlyFee: '100.0005' }), march, [outcome('a', '99.5', '100.0005')]);
    expect(kwd.rows[0]!.amount).toBe('10.000'); // 10.00005 → 10.000
  });

  it('0.1 + 0.2: decimal fees never go through floats', () => {
    const c = contract({ monthlyFee: '0.3' });
    const s = computeCredits(c, march, [outcome('a', '1', '0.1'), outcome('b', '1', '0.2')]);
    expect(s.rows.map((r) => r.amount)).toEqual(['0.10', '0.20']);
    expect(s.total).toBe('0.30');
    expect(s.capped).toBe(false);
    expect(formatAmount(0.1 + 0.2, 'USD')).toBe('0.30');
    expect(roundToMinor('2.675', 'USD').toFixed()).toBe('2.68'); // the float 2.675 would round to 2.67
  });

  it('claim deadline with no window is null; Lord Howe dates stay local', () => {
    expect(claimDeadline(march, undefined)).toBeNull();
    const lh = parsePeriodLabel('2026-03', 'Australia/Lord_Howe');
    expect(claimDeadline(lh, 5)).toEqual({ date: '2026-04-05', endsAt: Date.UTC(2026, 3, 5, 13, 30) }); // 6 April 00:00 +10:30
  });
});

describe('credits: properties', () => {
  const money2 = fc.integer({ min: 0, max: 10_000_000 }).map((n) => (n / 100).toFixed(2));
  const currency = fc.constantFrom('USD', 'JPY', 'KWD', 'EUR');
  const achieved = fc.integer({ min: 0, max: 100_000 }).map((n) => (n / 1000).toFixed(3));
  const percentTiers: TierDoc[] = [
    { below: 99.99, percent: 10 },
    { below: 99.0, percent: 25 },
    { below: 95.0, percent: 100 },
  ];

  it('capped rows sum to exactly the cap, totals never exceed it, amounts have exactly the minor digits', () => {
    fc.assert(
      fc.property(
        currency,
        money2,
        fc.integer({ min: 1, max: 100 }),
        fc.boolean(),
        fc.array(fc.record({ base: money2, a: fc.option(achieved, { freq: 6 }) }), { minLength: 1, maxLength: 6 }),
        (cur, fee, capPercent, prorate, rows) => {
          const digits = cur === 'JPY' ? 0 : cur === 'KWD' ? 3 : 2;
          const c = contract({ currency: cur, monthlyFee: fee, termStart: '2026-03-09' }, { capPercent, prorate });
          const s = computeCredits(c, march, rows.map((r, i) => outcome(`s${i}`, r.a, r.base, percentTiers)));
          const sum = s.rows.reduce((acc, r) => acc + units(r.amount, digits), 0n);
          expect(units(s.total, digits)).toBe(sum);
          expect(sum <= units(s.cap, digits)).toBe(true);
          if (s.capped) expect(sum).toBe(units(s.cap, digits));
          // each row: never more than its own amount rounded up at the minor unit; unless the exact total
          // is over the cap (rows scaled down), between its amount rounded down and rounded half-up
          const e20 = (a: string) => BigInt(a.split('.')[0]! + (a.split('.')[1] ?? '').padEnd(20, '0')); // exactAmount has ≤ 20 places
          const exactTotal = s.rows.reduce((acc, r) => acc + e20(r.exactAmount), 0n);
          const scaledDown = exactTotal > units(s.cap, digits) * 10n ** BigInt(20 - digits);
          for (const r of s.rows) {
            const exact = rational(r.exactAmount);
            const ceil = (exact.n * 10n ** BigInt(digits) + exact.d - 1n) / exact.d;
            expect(units(r.amount, digits) <= ceil, `${r.amount} <= ceil(${r.exactAmount})`).toBe(true);
            if (!scaledDown) {
              const fl = (exact.n * 10n ** BigInt(digits)) / exact.d;
              const halfUp = (2n * exact.n * 10n ** BigInt(digits) + exact.d) / (2n * exact.d);
              const got = units(r.amount, digits);
              expect(got >= fl && got <= halfUp, `${r.amount} in [floor, half-up] of ${r.exactAmount}`).toBe(true);
              if (!s.capped) expect(got).toBe(halfUp);
            }
            if (r.achieved === null) expect(r.amount).toBe((0).toFixed(digits));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('uncapped: an SLA at 100 % credit gets exactly its fee (decimal-exact, e.g. 0.1 + 0.2)', () => {
    fc.assert(
      fc.property(fc.array(money2, { minLength: 1, maxLength: 5 }), (fees) => {
        const s = computeCredits(contract({ monthlyFee: '100000000' }), march, fees.map((f, i) => outcome(`s${i}`, '1', f)));
        expect(s.rows.map((r) => r.amount)).toEqual(fees);
        const expected = fees.reduce((a, f) => a + units(f, 2), 0n);
        expect(units(s.total, 2)).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('per row, a lower achieved never gets a lower credit (nested tiers, no cap)', () => {
    fc.assert(
      fc.property(achieved, achieved, money2, (a, b, base) => {
        const [lo, hi] = Number(a) <= Number(b) ? [a, b] : [b, a];
        const c = contract({ monthlyFee: '100000000' });
        const x = computeCredits(c, march, [outcome('x', lo, base, percentTiers)]).rows[0]!;
        const y = computeCredits(c, march, [outcome('x', hi, base, percentTiers)]).rows[0]!;
        expect(units(x.amount, 2) >= units(y.amount, 2)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('largest remainder hits the target exactly and stays within one unit of the exact share', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 1_000_000 }), (shares, target) => {
        const rs = shares.map((n) => rational(String(n)));
        const out = allocateLargestRemainder(rs, BigInt(target));
        const total = shares.reduce((a, b) => a + b, 0);
        if (total === 0) {
          expect(out.every((u) => u === 0n)).toBe(true);
          return;
        }
        expect(out.reduce((a, b) => a + b, 0n)).toBe(BigInt(target));
        out.forEach((u, i) => {
          // |u − share·target/total| < 1  ⇔  |u·total − share·target| < total
          const diff = u * BigInt(total) - BigInt(shares[i]!) * BigInt(target);
          expect((diff < 0n ? -diff : diff) < BigInt(total)).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });
});
