// loadObligoPolicies compiles once per content: the same policies, contracts and data give the same
// compiled engine back; a changed policy text gives a new one.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContracts } from '../../src/contract/index.js';
import { ENTRYPOINTS, loadObligoPolicies } from '../../src/policy/obligo-policies.js';

const root = join(import.meta.dirname, '..', '..');

describe('compiled policies are cached by content hash', async () => {
  const { contracts } = await loadContracts([join(root, 'contracts')]);
  const dir = mkdtempSync(join(tmpdir(), 'obligo-cache-'));
  cpSync(join(root, 'policies'), dir, { recursive: true });

  it('the same content gives the same engine; changed content a new one that sees the change', async () => {
    const a = await loadObligoPolicies({ contracts, policyDir: dir, env: {} });
    const b = await loadObligoPolicies({ contracts, policyDir: dir, env: {} });
    expect(b).toBe(a);
    const gate = join(dir, 'obligo', 'gate.rego');
    writeFileSync(gate, readFileSync(gate, 'utf8') + '\nextra_rule_for_cache_test := 42\n');
    const c = await loadObligoPolicies({ contracts, policyDir: dir, env: {} });
    expect(c).not.toBe(a);
    expect(await c.evaluate('obligo/gate/extra_rule_for_cache_test', {})).toBe(42);
    expect(await a.evaluate('obligo/gate/extra_rule_for_cache_test', {})).toBeUndefined();
    // other contracts: another key
    const d = await loadObligoPolicies({ contracts: contracts.slice(1), policyDir: dir, env: {} });
    expect(d).not.toBe(c);
    expect(await d.evaluate(ENTRYPOINTS.gate, { slas: [] })).toBeDefined();
  });
});
