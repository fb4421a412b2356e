// Property tests for the time and money arithmetic of the period views (credits --period YYYY-Qn|YYYY,
// the report): sub-periods tile their label exactly in any zone, a label's totals are the exact sum of
// its periods', and the report's 4-digit percent is half-up rounding of the exact decimal.
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelRange, periodKindOfLabel, subPeriodLabels } from '../../src/measure/credits.js';
import { percent4 } from '../../src/report/model.js';
import { parsePeriodLabel } from '../../src/slo/periods.js';

const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Apia', 'America/St_Johns'];

describe('period views', () => {
  it('the months of a quarter and of a year, and the quarters of a year, tile the label with no gap or overlap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1990, max: 2100 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom(...ZONES), (year, q, zone) => {
        for (const [label, kind] of [[`${year}-Q${q}`, 'month'], [`${year}`, 'month'], [`${year}`, 'quarter']] as const) {
          const parts = subPeriodLabels(label, kind).map((l) => parsePeriodLabel(l, zone));
          expect(parts.length).toBe(label.includes('Q') ? 3 : kind === 'month' ? 12 : 4);
          const range = labelRange(label, zone);
          expect(parts[0]!.start).toBe(range.start);
          expect(parts[parts.length - 1]!.end).toBe(range.end);
          for (let i = 1; i < parts.length; i++) expect(parts[i]!.start).toBe(parts[i - 1]!.end);
          expect(parts.every((p) => p.kind === kind)).toBe(true);
        }
        // A quarter of months in a quarterly label is the label itself; a month has no quarters.
        expect(subPeriodLabels(`${year}-Q${q}`, 'quarter')).toEqual([`${year}-Q${q}`]);
        expect(subPeriodLabels(`${year}-0${q}`, 'quarter')).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('labels are months, quarters or years, nothing else', () => {
    expect(periodKindOfLabel('2026-03')).toBe('month');
    expect(periodKindOfLabel('2026-Q4')).toBe('quarter');
    expect(periodKindOfLabel('2026')).toBe('year');
    for (const bad of ['2026-13', '2026-Q5', '26', '2026-1', '2026-03-01', '']) expect(() => periodKindOfLabel(bad)).toThrow(/YYYY-MM, YYYY-Qn or YYYY/);
  });

  it('percent4 is the exact decimal rounded half-up to 4 places', () => {
    const decimal = fc
      .tuple(fc.integer({ min: 0, max: 100 }), fc.stringMatching(/^[0-9]{0,40}$/))
      .map(([i, f]) => (f === '' ? String(i) : `${i}.${f}`));
    fc.assert(
      fc.property(decimal, (x) => {
        expect(percent4(x)).toBe(`${new Decimal(x).toDecimalPlaces(4, Decimal.ROUND_HALF_UP).toFixed(4)}%`);
      }),
      { numRuns: 2000 },
    );
    expect(percent4('99.99995')).toBe('100.0000%');
    expect(percent4(null)).toBe('–');
  });
});
