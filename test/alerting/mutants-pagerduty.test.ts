// Tests written against the surviving mutants of src/alerting/pagerduty.ts (StrykerJS, issue 13): truncate()
// against a reference implementation, optional fields that must be absent (not present as undefined),
// URL checks, and the 512 KB budget at its exact byte boundaries. Sizes are measured here with
// Buffer.byteLength(JSON.stringify(…)) on the returned body, independently of the module.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PD_MAX_BODY_BYTES, step, toPagerDutyEvent, truncate, type OutgoingEvent } from '../../src/alerting/index.js';
import { obs } from './helpers.js';

const AT = Date.UTC(2026, 2, 10, 12, 34, 56, 789);
function trigger(over = {}): OutgoingEvent {
  return step(undefined, obs(over), AT, { forMs: 0, resolveAfterMs: 0 }).events[0]!;
}
const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');
/** The budget the mapping documents: 512 KB less 1 KB kept for routing_key and punctuation. */
const BUDGET = 512 * 1024 - 1024;
const TRUNCATED = "evidence larger than PagerDuty's 512 KB limit; the full evidence is in the transition log (dedup key obligo/acme/availability/burn-page)";

/** Reference truncate: whole code points while the result stays ≤ max − 1 UTF-16 units, then "…". */
function refTruncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const cps = Array.from(s);
  let out = '';
  let i = 0;
  while (i < cps.length && out.length + cps[i]!.length <= max - 1) out += cps[i++];
  return `${out}…`;
}

describe('truncate', () => {
  it('hand-computed values', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcd', 3)).toBe('ab…');
    expect(truncate('abcd', 4)).toBe('abcd');
    expect(truncate('abcde', 4)).toBe('abc…');
    expect(truncate('a😀b', 3)).toBe('a…'); // 😀 is two UTF-16 units: 'a😀' + "…" would be 4
    expect(truncate('😀😀😀', 5)).toBe('😀😀…');
    expect(truncate('😀😀😀', 4)).toBe('😀…');
  });
  it('agrees with a reference implementation and never splits a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.integer({ min: 1, max: 30 }), (s, max) => {
        const t = truncate(s, max);
        expect(t).toBe(refTruncate(s, max));
        expect(t.length).toBeLessThanOrEqual(max);
        expect(/[\uD800-\uDBFF]…/.test(t)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('toPagerDutyEvent: fields', () => {
  it('trims free text fields; blank ones fall back or are left out (not present as undefined)', () => {
    const body = toPagerDutyEvent(trigger({ summary: '  burning  ', vendor: '  Acme  ', group: '   ', class: '', source: '  ' }));
    expect(body.payload!.summary).toBe('burning');
    expect(body.payload!.component).toBe('Acme');
    expect(body.payload!.source).toBe('obligo');
    expect(Object.keys(body.payload!).sort()).toEqual(['component', 'custom_details', 'severity', 'source', 'summary', 'timestamp']);
  });
  it('a blank summary falls back to "vendor: alert"', () => {
    expect(toPagerDutyEvent(trigger({ summary: '   ' })).payload!.summary).toBe('Acme CDN, Inc.: burn-page');
  });
  it('a contract-level alert (sla null) has no sla in custom_details', () => {
    const body = toPagerDutyEvent(trigger({ key: { contract: 'acme', sla: null, alert: 'renewal-30d' } }));
    expect(body.dedup_key).toBe('obligo/acme/-/renewal-30d');
    expect('sla' in body.payload!.custom_details!).toBe(false);
    expect(body.payload!.custom_details).toMatchObject({ contract: 'acme', alert: 'renewal-30d' });
  });
  it('contacts carry only the fields they have', () => {
    const body = toPagerDutyEvent(
      trigger({
        escalation: [
          { level: 2, name: 'Bare', phone: '', email: '' },
          { level: 1, name: 'Web', url: 'https://support.example/', respondWithinMinutes: 0 },
          { level: 3, name: 'Full', phone: '+1', email: 'a@b.example', url: 'https://x.example/', respondWithinMinutes: 30 },
        ],
      }),
    );
    const esc = body.payload!.custom_details!.escalation as Array<Record<string, unknown>>;
    expect(esc.map((c) => Object.keys(c))).toEqual([['level', 'name', 'url', 'respondWithinMinutes'], ['level', 'name'], ['level', 'name', 'phone', 'email', 'url', 'respondWithinMinutes']]);
    expect(esc[0]).toStrictEqual({ level: 1, name: 'Web', url: 'https://support.example/', respondWithinMinutes: 0 });
  });
  it('client_url only for an http(s) URL; links only when there is one http(s) link', () => {
    expect(toPagerDutyEvent(trigger(), { clientUrl: 'http://obligo.local:8080/' }).client_url).toBe('http://obligo.local:8080/');
    expect(toPagerDutyEvent(trigger(), { clientUrl: 'https://obligo.example.com' }).client_url).toBe('https://obligo.example.com');
    for (const clientUrl of ['ftp://obligo.example.com', 'not a url', '', undefined]) {
      expect('client_url' in toPagerDutyEvent(trigger(), { clientUrl })).toBe(false);
    }
    const none = toPagerDutyEvent(trigger({ links: [{ href: 'javascript:alert(1)', text: 'x' }, { href: 'nope', text: 'y' }] }));
    expect('links' in none).toBe(false);
    const some = toPagerDutyEvent(trigger({ links: [{ href: 'ftp://a.example/', text: 'x' }, { href: 'http://b.example/', text: 'B' }, { href: 'https://c.example/', text: '' }] }));
    expect(some.links).toStrictEqual([{ href: 'http://b.example/', text: 'B' }, { href: 'https://c.example/' }]);
  });
  it('dedup keys up to 255 characters pass, longer ones are refused with the start of the key', () => {
    const ev = trigger();
    expect(toPagerDutyEvent({ ...ev, dedupKey: 'k'.repeat(255) }).dedup_key).toBe('k'.repeat(255));
    const long = 'x'.repeat(40) + 'y'.repeat(216);
    expect(() => toPagerDutyEvent({ ...ev, dedupKey: long })).toThrow(`dedup key longer than 255 characters: ${'x'.repeat(40)}…`);
    expect(() => toPagerDutyEvent({ ...ev, action: 'resolve', dedupKey: long })).toThrow('dedup key longer than 255 characters');
  });
});

describe('toPagerDutyEvent: the 512 KB budget', () => {
  /** An event whose body is exactly `size` bytes before any trimming (ASCII filler in evidence.blob). */
  function eventOfSize(size: number, evidence: Record<string, unknown> = {}): OutgoingEvent {
    const probe = trigger({ evidence: { ...evidence, blob: 'x' } });
    const base = bytes(toPagerDutyEvent(probe));
    return trigger({ evidence: { ...evidence, blob: 'x'.repeat(1 + size - base) } });
  }
  it('a body of exactly the budget is sent whole; one byte more drops the evidence', () => {
    expect(PD_MAX_BODY_BYTES).toBe(512 * 1024);
    const exact = toPagerDutyEvent(eventOfSize(BUDGET));
    expect(bytes(exact)).toBe(BUDGET);
    expect(exact.payload!.custom_details!.evidenceTruncated).toBeUndefined();
    const over = toPagerDutyEvent(eventOfSize(BUDGET + 1));
    expect(over.payload!.custom_details!.evidenceTruncated).toBe(TRUNCATED);
    expect(over.payload!.custom_details!.blob).toBeUndefined();
    // small details stay
    expect(over.payload!.custom_details).toMatchObject({ contract: 'acme', sla: 'availability', alert: 'burn-page' });
  });
  it('keeps detail values of at most 1024 JSON bytes, drops larger ones, always keeps the contacts', () => {
    const escalation = Array.from({ length: 12 }, (_, i) => ({ level: i + 1, name: `Contact ${i + 1} `.padEnd(120, '.') }));
    expect(bytes(escalation)).toBeGreaterThan(1024);
    const body = toPagerDutyEvent(trigger({ escalation, evidence: { fits: 'a'.repeat(1022), tooBig: 'a'.repeat(1023), blob: 'b'.repeat(600_000) } }));
    const d = body.payload!.custom_details!;
    expect(bytes(d.fits)).toBe(1024);
    expect(d.fits).toBe('a'.repeat(1022));
    expect('tooBig' in d).toBe(false);
    expect('blob' in d).toBe(false);
    expect(d.escalation).toEqual(escalation);
    expect(d.evidenceTruncated).toBe(TRUNCATED);
    expect(bytes(body)).toBeLessThanOrEqual(BUDGET);
  });
  it('when the small values together are still too large, only identity and contacts remain', () => {
    const evidence: Record<string, unknown> = {};
    for (let i = 0; i < 600; i++) evidence[`f${i}`] = 'c'.repeat(1000);
    const body = toPagerDutyEvent(trigger({ evidence }));
    expect(body.payload!.custom_details).toEqual({
      contract: 'acme',
      alert: 'burn-page',
      escalation: [
        { level: 1, name: 'Acme NOC', phone: '+1 555 0100', email: 'noc@acme.example', respondWithinMinutes: 15 },
        { level: 2, name: 'Acme duty manager', phone: '+1 555 0199', email: 'duty@acme.example', respondWithinMinutes: 60 },
      ],
      evidenceTruncated: TRUNCATED,
    });
    expect(bytes(body)).toBeLessThanOrEqual(BUDGET);
  });
  it('the trimmed body may be exactly the budget; one byte more leaves only identity and contacts', () => {
    // evidence: a large blob (always dropped), n fields of 1000 characters and a tail of k characters
    // (kept while ≤ 1024 JSON bytes). Find n and k so that the trimmed body is exactly BUDGET bytes.
    const ev = (n: number, k: number) => {
      const evidence: Record<string, unknown> = { blob: 'b'.repeat(600_000) };
      for (let i = 0; i < n; i++) evidence[`f${String(i).padStart(3, '0')}`] = 'c'.repeat(1000);
      evidence.tail = 'd'.repeat(k);
      return trigger({ evidence });
    };
    // from above: the first n whose trimmed body (with k = 1) fits; each field adds ~1,010 bytes
    let n = 530;
    let size = bytes(toPagerDutyEvent(ev(n, 1)));
    while (toPagerDutyEvent(ev(n, 1)).payload!.custom_details!.f000 === undefined) size = bytes(toPagerDutyEvent(ev(--n, 1)));
    const k = 1 + BUDGET - size;
    expect(k).toBeGreaterThan(1);
    expect(k).toBeLessThanOrEqual(1022);
    const exact = toPagerDutyEvent(ev(n, k));
    expect(bytes(exact)).toBe(BUDGET);
    expect(exact.payload!.custom_details!.tail).toBe('d'.repeat(k));
    expect(exact.payload!.custom_details!.f000).toBe('c'.repeat(1000));
    expect(exact.payload!.custom_details!.evidenceTruncated).toBe(TRUNCATED);
    const over = toPagerDutyEvent(ev(n, k + 1));
    expect(Object.keys(over.payload!.custom_details!)).toEqual(['contract', 'alert', 'escalation', 'evidenceTruncated']);
  });
});
