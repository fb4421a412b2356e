// Invalid contract files are reported on stderr and skipped; the valid ones are still processed.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
  // A period before the term needs no data at all, so no Prometheus is involved.
  const code = await creditsCommand(['--contracts', dir, '--period', '2025-12', '--at', '2026-02-01T00:00:00Z', '--format', 'json', '--db', join(dir, 'x.db')], io);
  expect(code).toBe(0);
  expect(io.err).toMatch(new RegExp(`^obligo: ${join(dir, 'bad.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: `, 'm'));
  const doc = JSON.parse(io.out) as { credits: Array<{ contract: string; flags: string[]; amount: string; evidence: { source: string } }>; requests: number };
  expect(doc.credits.map((c) => c.contract)).toEqual(['m-nodata']);
  expect(doc.credits[0]!.flags).toContain('outside-term');
  expect(doc.credits[0]!.amount).toBe('0.00');
  expect(doc.credits[0]!.evidence.source).toBe('none');
  expect(doc.requests).toBe(0);
});
