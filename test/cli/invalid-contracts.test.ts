// Invalid contract files are reported on stderr and skipped; the valid ones are still processed.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { creditsCommand } from '../../src/cli/commands/credits.js';
import { memoryIO } from '../../src/cli/io.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it('credits: an invalid file is reported with file:line:column and skipped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'obligo-invalid-'));
  dirs.push(dir);
  copyFileSync(join(import.meta.dirname, '../fixtures/measure/nodata.yaml'), join(dir, 'good.yaml'));
  writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: obligo.dev/v1\nkind: Contract\nmetadata: { id: Bad_Id, title: x }\n');
  const io = memoryIO({});
  // A period before the term needs no data at all, so no Prometheus is involved: the valid contract's
  // SLA is not a row then, but named on stderr as outside the term (so it was loaded and processed).
  const code = await creditsCommand(['--contracts', dir, '--period', '2025-12', '--at', '2026-02-01T00:00:00Z', '--format', 'json', '--db', join(dir, 'x.db')], io);
  expect(code).toBe(0);
  expect(io.err).toMatch(new RegExp(`^obligo: ${join(dir, 'bad.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: `, 'm'));
  expect(io.err).toContain('obligo: note: 1 period outside the contract term, not listed: m-nodata/ghost 2025-12\n');
  const doc = JSON.parse(io.out) as { credits: unknown[]; requests: number };
  expect(doc.credits).toEqual([]);
  expect(doc.requests).toBe(0);
});

// (FIFOs, sockets and folder symlinks go through the same loader: test/contract/hostile.test.ts)
it('credits: hostile files (/dev/zero, 100,000 nested sequences, a control character) are reported and skipped; the valid contract is still processed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'obligo-hostile-'));
  dirs.push(dir);
  copyFileSync(join(import.meta.dirname, '../fixtures/measure/nodata.yaml'), join(dir, 'good.yaml'));
  symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
  writeFileSync(join(dir, 'deep.yaml'), `${'- '.repeat(100_000)}x\n`);
  writeFileSync(join(dir, 'ctrl.yaml'), readFileSync(join(dir, 'good.yaml'), 'utf8').replace('id: m-nodata', 'id: m-ctrl').replace('No traffic test contract', '"\\e[2J"'));
  const io = memoryIO({});
  const code = await creditsCommand(['--contracts', dir, '--period', '2025-12', '--at', '2026-02-01T00:00:00Z', '--format', 'json', '--db', join(dir, 'x.db')], io);
  expect(code).toBe(0);
  const errs = io.err.trimEnd().split('\n').filter((l) => !l.startsWith('obligo: note: ')).sort();
  expect(io.err).toContain('obligo: note: 1 period outside the contract term, not listed: m-nodata/ghost 2025-12\n');
  expect(errs).toEqual(
    [
      `obligo: ${join(dir, 'ctrl.yaml')}:4:32: metadata.title: contains a control character U+001B (ESC) (expected printable text: no control characters (tab and line breaks are allowed) and no bidirectional overrides)`,
      `obligo: ${join(dir, 'deep.yaml')}:1:129: nests too deeply (more than 64 levels)`,
      `obligo: ${join(dir, 'zero.yaml')}:1:1: a character device, not a regular file: not read (expected a regular YAML file)`,
    ].sort(),
  );
  expect((JSON.parse(io.out) as { credits: unknown[] }).credits).toEqual([]);
});
