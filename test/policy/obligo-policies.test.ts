// Obligo's own policies (policies/obligo/*.rego), run two ways: their Rego tests through the built-in
// `opa test`-style runner, and as the engine the CLI uses, over the modules generated from the
// example contracts (so a change in the generated layout that breaks the policies fails here).
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIO } from '../../src/cli/io.js';
import { loadContracts } from '../../src/contract/index.js';
import { policyTest } from '../../src/policy/cli/index.js';
import { ENTRYPOINTS, loadObligoPolicies } from '../../src/policy/obligo-policies.js';

const root = join(import.meta.dirname, '..', '..');
const policies = join(root, 'policies');

describe('policies/ Rego tests', () => {
  it('all pass under the built-in engine', async () => {
    const io = memoryIO();
    const code = await policyTest([policies], io);
    expect(io.err).toBe('');
    expect(code, io.out).toBe(0);
    const m = /PASS: (\d+)\/(\d+)/.exec(io.out);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(25);
    expect(m![1]).toBe(m![2]);
  });

  it('fail when the policy is wrong (a page threshold of 1,440 instead of 14.4 must break a test)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'obligo-pol-'));
    cpSync(policies, dir, { recursive: true });
    const f = join(dir, 'obligo', 'test_fixtures.rego');
    writeFileSync(f, readFileSync(f, 'utf8').replace('"factor": 14.4', '"factor": 1440'));
    const io = memoryIO();
    expect(await policyTest([dir], io)).toBe(1);
    expect(io.out).toMatch(/test_fast_burn_pages: FAIL/);
  });
});

describe('policies over the example contracts', async () => {
  const { contracts } = await loadContracts([join(root, 'contracts')]);
  const engine = await loadObligoPolicies({ contracts, env: {} });
  const acme = contracts.find((c) => c.id === 'acme-compute')!;
  const status = (over: Record<string, unknown>) => ({
    contract: 'acme-compute',
    sla: 'availability',
    vendor: acme.vendor,
    objective: 99.99,
    period: { start: '2026-03-01T00:00:00Z', end: '2026-04-01T00:00:00Z' },
    achieved: 99.995,
    budgetRemaining: 0.5,
    burnRates: { '5m': 0, '30m': 0, '1h': 0, '2h': 0, '6h': 0, '1d': 0, '3d': 0 },
    state: 'ok',
    ...over,
  });

  it('pages with the contract escalation contacts on a fast burn', async () => {
    const burn = { '5m': 30, '30m': 20, '1h': 16, '2h': 10, '6h': 3, '1d': 1, '3d': 0.5 };
    const r = (await engine.evaluate(ENTRYPOINTS.decision, { status: status({ burnRates: burn }) })) as Record<string, any>;
    expect(r.action).toBe('page');
    expect(r.escalation[0].name).toBe(acme.escalation[0]!.name);
    expect(r.vendor).toBe(acme.vendor);
  });

  it('stays quiet for a healthy SLA', async () => {
    const r = (await engine.evaluate(ENTRYPOINTS.decision, { status: status({}) })) as Record<string, any>;
    expect(r.action).toBe('none');
  });

  it('gates a deploy on a breached SLA', async () => {
    const r = (await engine.evaluate(ENTRYPOINTS.gate, { slas: [status({ state: 'breached', achieved: 99.9, budgetRemaining: -9 })] })) as Record<string, any>;
    expect(r.decision).toBe('deny');
  });

  it('knows the provider contract owes rather than claims', async () => {
    const provider = contracts.find((c) => c.role === 'provider')!;
    const credit = { contract: provider.id, sla: provider.slas[0]!.id, amount: '10.00', currency: provider.currency, claimDeadline: '2026-05-01', flags: [] };
    const r = (await engine.evaluate(ENTRYPOINTS.credits, { credit, now: '2026-04-02T00:00:00Z' })) as Record<string, any>;
    expect(r.action).toBe('pay');
  });
});
