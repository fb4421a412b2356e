// The key stored rollups are filed under (src/measure/definition-hash.ts), pinned (found by mutation testing,
// issue 13): it is persisted in every rollup store, so its format is an interface. Ground truth: the
// canonical JSON written out by hand here (keys sorted at every level, undefined members left out,
// minCoverage not part of it), hashed with node:crypto.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { definitionHash, type DefinitionContract } from '../../src/measure/definition-hash.js';
import type { Sla } from '../../src/contract/model.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

describe('definitionHash', () => {
  it('is the SHA-256 of the canonical JSON of the definition (format 2), first 32 hex digits', () => {
    const contract = {
      timezone: 'Europe/Berlin',
      termStart: '2026-01-01',
      termEnd: undefined,
      maintenance: [{ start: 'b', end: 'a', recurring: [1, [2, null]] }],
    } as unknown as DefinitionContract;
    const sla = {
      sli: { total: 'sum(t)', good: 'sum(g)', kind: 'ratio' },
      measurement: { slice: '1m', method: 'timeslices', minCoverage: 0.9, sliceGoodRatio: 0.95, noData: null },
      period: 'month',
    } as unknown as Pick<Sla, 'sli' | 'measurement' | 'period'>;
    const canonical =
      '{"format":2,' +
      '"maintenance":[{"end":"a","recurring":[1,[2,null]],"start":"b"}],' +
      '"measurement":{"method":"timeslices","noData":null,"slice":"1m","sliceGoodRatio":0.95},' +
      '"period":"month",' +
      '"sli":{"good":"sum(g)","total":"sum(t)"},' +
      '"termStart":"2026-01-01",' +
      '"timezone":"Europe/Berlin"}';
    expect(definitionHash(contract, sla)).toBe(sha(canonical));
    expect(definitionHash(contract, sla)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('does not depend on key order or on minCoverage; does depend on every part of the definition', () => {
    const c = { timezone: 'UTC', termStart: '2026-01-01', termEnd: '2027-01-01', maintenance: [] } as unknown as DefinitionContract;
    const s = { sli: { good: 'g', total: 't' }, measurement: { method: 'events', slice: '1m' }, period: 'month' } as unknown as Pick<Sla, 'sli' | 'measurement' | 'period'>;
    const h = definitionHash(c, s);
    const reordered = { maintenance: [], termEnd: '2027-01-01', termStart: '2026-01-01', timezone: 'UTC' } as unknown as DefinitionContract;
    expect(definitionHash(reordered, { period: 'month', measurement: { slice: '1m', method: 'events', minCoverage: 0.5 }, sli: { total: 't', good: 'g' } } as never)).toBe(h);
    for (const other of [
      definitionHash({ ...c, timezone: 'Asia/Tokyo' }, s),
      definitionHash({ ...c, termStart: '2026-01-02' } as DefinitionContract, s),
      definitionHash({ ...c, termEnd: undefined } as unknown as DefinitionContract, s),
      definitionHash({ ...c, maintenance: [{ start: 'x' }] } as unknown as DefinitionContract, s),
      definitionHash(c, { ...s, sli: { good: 'g2', total: 't' } } as never),
      definitionHash(c, { ...s, sli: { good: 'g', total: 't2' } } as never),
      definitionHash(c, { ...s, measurement: { method: 'events', slice: '5m' } } as never),
      definitionHash(c, { ...s, period: 'quarter' } as never),
    ]) {
      expect(other).not.toBe(h);
    }
  });
});
