// loadSelection({ onlySelected }) (the gate): only the files that may hold the selected contract ids are
// validated, and the selection is exactly the one a load of the whole folder gives; a selection that
// fails falls back to the whole folder, so the message and the other files' errors are those of a full
// load. The ground truth is the full load (loadSelection without the option), run on the same folder.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSelection, parseCommon, selectedContractIds } from '../../src/cli/common.js';
import { memoryIO } from '../../src/cli/io.js';
import { loadContracts } from '../../src/contract/load.js';
import { SelectionError } from '../../src/evaluate/selection.js';

const EXAMPLES = join(import.meta.dirname, '../../contracts');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A folder with the example contracts plus `extra` files (name → text). */
function folder(extra: Record<string, string> = {}): string {
  const d = mkdtempSync(join(tmpdir(), 'obligo-selected-'));
  dirs.push(d);
  for (const f of ['acme-compute.yaml', 'globex-storage.yaml', 'kumo-messaging.yaml']) copyFileSync(join(EXAMPLES, f), join(d, f));
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(d, name), text);
  return d;
}

const acme = readFileSync(join(EXAMPLES, 'acme-compute.yaml'), 'utf8');

async function select(dir: string, args: string[], onlySelected: boolean) {
  const io = memoryIO({});
  const { common, extra } = parseCommon(['--contracts', dir, ...args], io, { label: { type: 'string', multiple: true } });
  const labels = ((extra.label as string[] | undefined) ?? []).map((l) => l.split('=') as [string, string]);
  try {
    const { slas } = await loadSelection(common, io, labels, { onlySelected });
    return { keys: slas.map((s) => `${s.sla.key} ${s.contract.file}`), stderr: io.err, error: undefined };
  } catch (e) {
    if (!(e instanceof SelectionError)) throw e;
    return { keys: [], stderr: io.err, error: e.message };
  }
}

describe('selectedContractIds', () => {
  it('names the contracts of --contract and of CONTRACT/SLA patterns, else undefined (any contract)', () => {
    expect(selectedContractIds({ slas: ['acme-compute/availability'] })).toEqual(['acme-compute']);
    expect(selectedContractIds({ contracts: ['a'], slas: ['b/x', 'y'] })).toEqual(['a', 'b']);
    expect(selectedContractIds({ contracts: ['a'], labels: [['tier', 'critical']] })).toEqual(['a']);
    expect(selectedContractIds({ slas: ['availability'] })).toBeUndefined();
    expect(selectedContractIds({ slas: ['a/x', 'availability'] })).toBeUndefined();
    expect(selectedContractIds({ labels: [['tier', 'critical']] })).toBeUndefined();
    expect(selectedContractIds({})).toBeUndefined();
  });
});

describe('loadSelection({ onlySelected: true })', () => {
  it('does not validate files that cannot hold the selected id: their errors are not printed, the SLAs are the same', async () => {
    const dir = folder({ 'zz-broken.yaml': 'apiVersion: obligo.dev/v1\nkind: Contract\nmetadata: { id: broken }\nslas: [\n' });
    const fast = await select(dir, ['--sla', 'acme-compute/availability'], true);
    const full = await select(dir, ['--sla', 'acme-compute/availability'], false);
    expect(fast.keys).toEqual(full.keys);
    expect(fast.keys).toEqual([`acme-compute/availability ${join(dir, 'acme-compute.yaml')}`]);
    expect(full.stderr).toContain('zz-broken.yaml');
    expect(fast.stderr).toBe('');
  });

  it('still validates the selected file in full: an invalid selected contract is reported and not selected', async () => {
    const dir = folder({ 'acme-compute.yaml': acme.replace('objective: 99.99', 'objective: 101') });
    const fast = await select(dir, ['--sla', 'acme-compute/availability'], true);
    const full = await select(dir, ['--sla', 'acme-compute/availability'], false);
    expect(fast).toEqual(full);
    expect(fast.error).toBe(`no SLA "acme-compute/availability" in ${dir} (use CONTRACT/SLA or an SLA id)`);
    expect(fast.stderr).toMatch(/acme-compute\.yaml:\d+:\d+: slas\[0\]\.objective/);
  });

  it('falls back to the whole folder when the selection fails: same message, every file\'s errors', async () => {
    const dir = folder({ 'zz-broken.yaml': 'metadata: [\n' });
    for (const args of [['--sla', 'acme-compute/availabilty'], ['--sla', 'acme-compte/availability'], ['--contract', 'nope'], ['--contract', 'acme-compute', '--sla', 'durability']]) {
      const fast = await select(dir, args, true);
      const full = await select(dir, args, false);
      expect(fast, args.join(' ')).toEqual(full);
      expect(fast.error, args.join(' ')).toBeDefined();
      expect(fast.stderr, args.join(' ')).toContain('zz-broken.yaml');
    }
  });

  it('finds an id spelled with YAML escapes, behind an alias, or quoted (without falling back to the whole folder)', async () => {
    // The id written nowhere else in the file, so that only the way it is spelled can select it.
    const only = acme.replaceAll('acme-compute', 'acme-kompute').replace('  id: acme-kompute\n', '  id: acme-compute\n');
    expect(only.split('acme-compute')).toHaveLength(2);
    const spelled = (id: string) => only.replace('  id: acme-compute\n', `  id: ${id}\n`);
    const anchored = only.replace(/  id: acme-compute\n  title: .*\n/, '  title: &cid acme-compute\n  id: *cid\n');
    const broken = 'metadata: [\n';
    for (const [what, text] of [
      ...['"acme\\x2dcompute"', '"\\u0061cme-compute"', '"acme-\\\n      compute"', "'acme-compute'", '!!str acme-compute'].map((id) => [id, spelled(id)]),
      ['alias', anchored],
    ] as const) {
      const dir = folder({ 'acme-compute.yaml': text, 'zz-broken.yaml': broken });
      const fast = await select(dir, ['--sla', 'acme-compute/availability'], true);
      const full = await select(dir, ['--sla', 'acme-compute/availability'], false);
      expect(fast.keys, what).toEqual(full.keys);
      expect(fast.keys, what).toHaveLength(1);
      expect(fast.stderr, what).toBe(''); // found in the selected files: zz-broken.yaml was not read
    }
  });

  it('keeps the first valid file of a duplicated id, as a full load does, and reports the second', async () => {
    const dir = folder({ 'a-invalid.yaml': acme.replace('objective: 99.99', 'objective: 101'), 'b-copy.yaml': acme.replace('Region-Level Monthly', 'Copy of the') });
    const fast = await select(dir, ['--sla', 'acme-compute/availability'], true);
    const full = await select(dir, ['--sla', 'acme-compute/availability'], false);
    expect(fast.keys).toEqual(full.keys);
    expect(fast.keys).toEqual([`acme-compute/availability ${join(dir, 'acme-compute.yaml')}`]);
    expect(fast.stderr).toContain('a-invalid.yaml');
    expect(fast.stderr).toContain(`b-copy.yaml:9:7: metadata.id: duplicate contract id "acme-compute" (already used by ${join(dir, 'acme-compute.yaml')})`);
    expect(full.stderr).toContain(fast.stderr.trim().split('\n').at(-1));
  });

  it('selects the same SLAs as a full load for any selection of ids and patterns (property)', async () => {
    const dir = folder({ 'zz-broken.yaml': 'metadata: {\n' });
    const { contracts } = await loadContracts([dir]);
    const ids = [...contracts.map((c) => c.id), 'nope'];
    const patterns = [...contracts.flatMap((c) => c.slas.map((s) => s.key)), ...contracts.flatMap((c) => c.slas.map((s) => s.id)), 'acme-compute/nope'];
    await fc.assert(
      fc.asyncProperty(fc.subarray(ids, { maxLength: 2 }), fc.subarray(patterns, { maxLength: 3 }), fc.option(fc.constantFrom('tier=critical', 'team=platform', 'tier=high', 'tier=none'), { nil: undefined }), async (cs, ss, label) => {
        const args = [...cs.flatMap((c) => ['--contract', c]), ...ss.flatMap((s) => ['--sla', s]), ...(label ? ['--label', label] : [])];
        const fast = await select(dir, args, true);
        const full = await select(dir, args, false);
        expect(fast.keys).toEqual(full.keys);
        expect(fast.error).toEqual(full.error);
        if (fast.error) expect(fast.stderr).toBe(full.stderr);
      }),
      { numRuns: 60 },
    );
  });
});
