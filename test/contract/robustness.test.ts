// Hostile or accidental input: never a stack trace, always one clear issue.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadContractBytes } from '../../src/contract/load.js';
import { loadContractText, loadContracts } from '../../src/contract/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'obligo-contract-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function single(r: { contract?: unknown; issues: { message: string; severity: string; line: number; column: number }[] }) {
  expect(r.contract).toBeUndefined();
  expect(r.issues).toHaveLength(1);
  expect(r.issues[0]!.severity).toBe('error');
  return r.issues[0]!;
}

describe('robustness', () => {
  it('a file over 1 MiB is refused before parsing (text and on disk)', async () => {
    const big = `# ${'x'.repeat(1024 * 1024)}\n`;
    expect(single(loadContractText('big.yaml', big)).message).toMatch(/too large/);
    const path = join(tmp, 'big.yaml');
    writeFileSync(path, big);
    const r = await loadContracts([path]);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]!.message).toMatch(/too large/);
  });

  it('exactly 1 MiB is still read (and then fails on content, not size)', () => {
    const text = `a: ${'x'.repeat(1024 * 1024 - 4)}\n`;
    expect(Buffer.byteLength(text)).toBe(1024 * 1024);
    const r = loadContractText('edge.yaml', text);
    expect(r.issues.some((i) => /too large/.test(i.message))).toBe(false);
  });

  it('empty, whitespace-only, comment-only', () => {
    for (const t of ['', '   \n\n', '# nothing\n', '\uFEFF', '---\n', '~\n']) expect(single(loadContractText('e.yaml', t)).message).toMatch(/empty/);
  });

  it('binary and non-UTF-8 content', async () => {
    expect(single(loadContractBytes('b.yaml', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]))).message).toMatch(/binary/);
    expect(single(loadContractBytes('l1.yaml', Buffer.from('title: Stra\xdfe\n', 'latin1'))).message).toMatch(/UTF-8/);
    expect(single(loadContractText('nul.yaml', 'a: 1\u0000\n')).message).toMatch(/binary/);
    const path = join(tmp, 'latin1.yaml');
    writeFileSync(path, Buffer.from('apiVersion: obligo.dev/v1\ntitle: M\xfcller\n', 'latin1'));
    const r = await loadContracts([path]);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]!.message).toMatch(/UTF-8/);
  });

  it('deep nesting: flow, block, and absurd bracket counts', () => {
    const flow = (n: number) => `a: ${'{b: '.repeat(n)}1${'}'.repeat(n)}\n`;
    expect(single(loadContractText('f.yaml', flow(70))).message).toMatch(/nests too deeply/);
    expect(single(loadContractText('f.yaml', `a: ${'['.repeat(300_000)}\n`)).message).toMatch(/nests too deeply/);
    let block = '';
    for (let i = 0; i < 80; i++) block += `${'  '.repeat(i)}k${i}:\n`;
    block += `${'  '.repeat(80)}v\n`;
    const deep = single(loadContractText('b.yaml', block));
    expect(deep.message).toMatch(/nests too deeply/);
    expect(deep.line).toBe(65); // level 1 is the root (k0, line 1); level 65 is the mapping holding k64, on line 65
    const seq = `${'- '.repeat(100)}x\n`;
    expect(single(loadContractText('s.yaml', seq)).message).toMatch(/nests too deeply/);
    // 60 levels is fine as YAML: the file then fails on the schema, not on depth.
    expect(loadContractText('ok.yaml', flow(60)).issues.some((i) => /deeply/.test(i.message))).toBe(false);
  });

  it('alias bombs are stopped by the alias count limit', () => {
    let t = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 10; i++) t += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    expect(single(loadContractText('bomb.yaml', t)).message).toMatch(/alias/);
  });

  it('several documents, a scalar document, a list document', () => {
    expect(single(loadContractText('m.yaml', 'a: 1\n---\nb: 2\n---\nc: 3\n')).message).toMatch(/3 YAML documents/);
    expect(single(loadContractText('s.yaml', 'just a string\n')).message).toMatch(/mapping/);
    expect(single(loadContractText('l.yaml', '- a\n- b\n')).message).toMatch(/mapping/);
  });

  it('property: the loader never throws and always reports positions, for arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: 'binary' }), (s) => {
        const r = loadContractText('p.yaml', s);
        expect(r.contract).toBeUndefined();
        expect(r.issues.length).toBeGreaterThan(0);
        for (const i of r.issues) {
          expect(i.line).toBeGreaterThanOrEqual(1);
          expect(i.column).toBeGreaterThanOrEqual(1);
          expect(i.message).not.toMatch(/internal error/);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('property: YAML-ish input built from contract fragments never throws', () => {
    const keys = ['apiVersion', 'kind', 'metadata', 'id', 'slas', 'sli', 'good', 'total', 'term', 'timezone', 'tiers', 'below', '<<', '? x', '&a', '*a', '!!str', 'routingKey'];
    const values = ['obligo.dev/v1', 'Contract', '99.9', '"{{.window}}"', 'sum(rate(x[{{.window}}]))', '[1, 2', '{a: b}', '|', '>-', 'null', '~', '2026-02-30', 'EST', '*a', '&a x', "'q", '"\\u0000"', '- x', ':', '#c', '0x1F', '.inf', '1e400'];
    const line = fc.tuple(fc.nat({ max: 6 }), fc.constantFrom(...keys), fc.constantFrom(...values), fc.boolean()).map(([indent, k, v, dash]) => `${' '.repeat(indent)}${dash ? '- ' : ''}${k}: ${v}`);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        const r = loadContractText('y.yaml', lines.join('\n'));
        for (const i of r.issues) expect(i.message).not.toMatch(/internal error/);
      }),
      { numRuns: 400 },
    );
  });

  it('property: mutating a valid contract (one line dropped or duplicated) never throws', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(join(import.meta.dirname, '../../contracts/obligo-platform-api.yaml'), 'utf8');
    const lines = text.split('\n');
    fc.assert(
      fc.property(fc.nat({ max: lines.length - 1 }), fc.boolean(), fc.string({ maxLength: 8 }), (n, drop, junk) => {
        const copy = [...lines];
        if (drop) copy.splice(n, 1);
        else copy.splice(n, 0, copy[n]! + junk);
        const r = loadContractText('m.yaml', copy.join('\n'));
        for (const i of r.issues) expect(i.message).not.toMatch(/internal error/);
        if (r.contract) expect(r.issues.every((i) => i.severity === 'warning')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
