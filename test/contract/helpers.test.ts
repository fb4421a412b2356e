// Small helpers of the contract room: currency exponents, time zones, secret detection, PromQL
// template check. (Tier lookup is the credit path's: test/credits/tiers.test.ts.)
import { describe, expect, it } from 'vitest';
import { checkPromqlTemplate, checkTimeZone, currencyMinorUnits, isKnownCurrency, looksLikeSecret } from '../../src/contract/index.js';

describe('currencyMinorUnits (ISO 4217)', () => {
  it('known exponents', () => {
    expect([currencyMinorUnits('USD'), currencyMinorUnits('EUR'), currencyMinorUnits('JPY'), currencyMinorUnits('KWD'), currencyMinorUnits('CLP'), currencyMinorUnits('GBP')]).toEqual([2, 2, 0, 3, 0, 2]);
  });
  it('unknown codes throw and are not known', () => {
    expect(isKnownCurrency('XYZ')).toBe(false);
    expect(isKnownCurrency('usd')).toBe(false);
    expect(isKnownCurrency('toString')).toBe(false);
    expect(() => currencyMinorUnits('XYZ')).toThrow(/unknown/);
  });
});

describe('checkTimeZone', () => {
  it('accepts IANA zones, UTC and Etc/UTC', () => {
    for (const z of ['UTC', 'Etc/UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'America/Argentina/Buenos_Aires']) expect(checkTimeZone(z), z).toEqual({ ok: true });
  });
  it('rejects abbreviations and offsets, suggesting an IANA name', () => {
    const est = checkTimeZone('EST');
    expect(est.ok).toBe(false);
    if (!est.ok) expect(est.expected).toContain('America/New_York');
    const off = checkTimeZone('UTC+1');
    expect(off.ok).toBe(false);
    if (!off.ok) expect(off.expected).toContain('Etc/GMT-1');
    for (const z of ['CET', 'GMT', 'PST', 'Mars/Olympus', 'america/new_york', '']) expect(checkTimeZone(z).ok, z).toBe(false);
  });
});

describe('secret detection', () => {
  it('flags common token shapes', () => {
    for (const s of [
      'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6',
      'Authorization: Bearer abc.def.ghi123',
      'ghp_0123456789abcdefghijABCDEFGHIJ',
      'xoxb-1234567890-abcdef',
      'AKIAABCDEFGHIJKLMNOP',
      'https://user:pa55@host.example/x',
      '-----BEGIN RSA PRIVATE KEY-----',
    ])
      expect(looksLikeSecret(s), s).toBe(true);
  });
  it('leaves ordinary contract text alone', () => {
    for (const s of [
      'sum(rate(obligo_demo_requests_total{service="compute",code!~"5.."}[{{.window}}]))',
      'https://clm.example.com/contracts/4711',
      'Acme Cloud Services, Inc.',
      'PD_ACME_COMPUTE_ROUTING_KEY',
      'obligo-platform-api',
      'abcdefghijabcdefghijabcdefghijab', // 32 letters, no digits: a word, not a key
      '2026-03-10T01:00:00Z',
    ])
      expect(looksLikeSecret(s), s).toBe(false);
  });
});

describe('checkPromqlTemplate', () => {
  it('accepts valid templates and maps errors back to template offsets', () => {
    expect(checkPromqlTemplate('sum(rate(m{a="b"}[{{.window}}]))')).toBeUndefined();
    expect(checkPromqlTemplate('1 - sum(rate(e[{{.window}}])) / sum(rate(t[{{.window}}]))')).toBeUndefined();
    // error after the placeholder: offset in the template, not in the rendered query
    const t = 'sum(rate(m[{{.window}}])) +';
    expect(checkPromqlTemplate(t)?.offset).toBe(t.length);
    expect(checkPromqlTemplate('sum(rate(m{a=b}[{{.window}}]))')?.offset).toBe(13);
    expect(checkPromqlTemplate('')).toBeDefined();
  });
});
