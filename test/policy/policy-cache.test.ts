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

describe('loading only what an entrypoint needs', async () => {
  const { contracts } = await loadContracts([join(root, 'contracts')]);
  const { default: fc } = await import('fast-check');
  const { statusArb, creditArb } = await import('./obligo-inputs.js');
  const ids = contracts.map((c) => ({ id: c.id, slas: c.slas.map((s) => s.id) }));
  const full = await loadObligoPolicies({ contracts, env: {}, policyDir: join(root, 'policies') });

  it('the gate needs gate.rego alone (no contract modules, no data); it decides as the full engine', async () => {
    const { selectModules, readPolicyModules } = await import('../../src/policy/obligo-policies.js');
    const sel = selectModules(readPolicyModules(join(root, 'policies')), [ENTRYPOINTS.gate]);
    expect(sel.modules.map((m) => m.path.split('/').pop())).toEqual(['gate.rego']);
    expect(sel.contracts).toBe(false);
    const gate = await loadObligoPolicies({ contracts, env: {}, policyDir: join(root, 'policies'), entrypoints: [ENTRYPOINTS.gate] });
    expect(await gate.evaluate(ENTRYPOINTS.decision, { status: { contract: 'acme-compute', sla: 'availability', state: 'ok' } })).toBeUndefined();
    await fc.assert(
      fc.asyncProperty(fc.array(statusArb(ids), { maxLength: 3 }), fc.constantFrom(0, 0.3), async (slas, min_budget) => {
        const input = { slas, min_budget };
        expect(await gate.evaluate(ENTRYPOINTS.gate, input)).toEqual(await full.evaluate(ENTRYPOINTS.gate, input));
      }),
      { numRuns: 100 },
    );
  });

  it('decision and credits bring the contracts in, and decide as the full engine', async () => {
    const decision = await loadObligoPolicies({ contracts, env: {}, policyDir: join(root, 'policies'), entrypoints: [ENTRYPOINTS.decision] });
    const credits = await loadObligoPolicies({ contracts, env: {}, policyDir: join(root, 'policies'), entrypoints: [ENTRYPOINTS.credits] });
    await fc.assert(
      fc.asyncProperty(statusArb(ids), creditArb(ids), async (status, credit) => {
        expect(await decision.evaluate(ENTRYPOINTS.decision, { status })).toEqual(await full.evaluate(ENTRYPOINTS.decision, { status }));
        const ci = { credit, now: '2026-04-15T00:00:00Z' };
        expect(await credits.evaluate(ENTRYPOINTS.credits, ci)).toEqual(await full.evaluate(ENTRYPOINTS.credits, ci));
      }),
      { numRuns: 100 },
    );
  });
});
