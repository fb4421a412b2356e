// The wasm backend on real bundles: `obligo policy build` drives `opa build -t wasm` over policies/
// and the modules compiled from the example contracts; @open-policy-agent/opa-wasm runs the bundle
// (builtins the SDK lacks come from our library as host functions) and must give the same decisions
// as the built-in engine on generated inputs.
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryIO } from '../../src/cli/io.js';
import { loadContracts } from '../../src/contract/index.js';
import { readBundle } from '../../src/policy/bundle.js';
import { policyBuild } from '../../src/policy/cli/build.js';
import { createPolicyEngine, type PolicyEngine } from '../../src/policy/engine.js';
import { ENTRYPOINTS, loadObligoPolicies } from '../../src/policy/obligo-policies.js';
import { inCI, projectRoot, requireTool } from '../helpers/tools.js';
import { creditArb, statusArb } from './obligo-inputs.js';

const opa = requireTool('opa');
const RUNS = Number(process.env.OBLIGO_DIFF_RUNS ?? 150);
// CI replays a fixed sample; by hand each run draws a new one (OBLIGO_DIFF_SEED to replay)
const SEED = process.env.OBLIGO_DIFF_SEED ? Number(process.env.OBLIGO_DIFF_SEED) : inCI ? 20261204 : undefined;

describe.skipIf(!opa.ok)(`wasm bundles built by the real OPA${opa.skipNote}`, async () => {
  const { contracts } = await loadContracts([join(projectRoot, 'contracts')]);
  const ids = contracts.map((c) => ({ id: c.id, slas: c.slas.map((s) => s.id) }));
  const dir = mkdtempSync(join(tmpdir(), 'obligo-wasm-'));
  const bundle = join(dir, 'bundle.tar.gz');
  let wasm: PolicyEngine;
  let builtin: PolicyEngine;

  beforeAll(async () => {
    const io = memoryIO();
    const code = await policyBuild(['--contracts', join(projectRoot, 'contracts'), '--policies', join(projectRoot, 'policies'), '-o', bundle], io);
    expect(code, io.err).toBe(0);
    wasm = await loadObligoPolicies({ contracts, env: {}, backend: 'wasm', bundle, policyDir: join(projectRoot, 'policies') });
    builtin = await loadObligoPolicies({ contracts, env: {}, policyDir: join(projectRoot, 'policies') });
  }, 120_000);

  it('obligo policy build writes a bundle with policy.wasm, the policies, the generated modules and data.json', () => {
    const { files } = readBundle(readFileSync(bundle));
    const names = [...files.keys()];
    expect(files.get('policy.wasm')!.subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));
    expect(names).toContain('data.json');
    expect(names.some((n) => n.endsWith('policies/obligo/decision.rego'))).toBe(true);
    expect(names.some((n) => n.endsWith('_test.rego'))).toBe(false);
    expect(names.filter((n) => n.includes('generated/policies/contracts/')).length).toBe(contracts.length);
    expect(JSON.parse(files.get('data.json')!.toString('utf8')).obligo.catalog).toBeDefined();
  });

  const same = async (entrypoint: string, input: unknown): Promise<void> => {
    const a = await wasm.evaluate(entrypoint, input);
    const b = await builtin.evaluate(entrypoint, input);
    expect(a, JSON.stringify(input)).toEqual(b);
  };

  it('decisions: the same on both backends', async () => {
    expect(wasm.backend).toBe('wasm');
    await fc.assert(
      fc.asyncProperty(statusArb(ids), fc.boolean(), async (status, active) => same(ENTRYPOINTS.decision, { status, maintenance: { active, reason: 'patching' } })),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  });

  it('gate: the same on both backends', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(statusArb(ids), { maxLength: 3 }), fc.constantFrom(0, 0.2), async (slas, min_budget) => same(ENTRYPOINTS.gate, { slas, min_budget, change: { labels: ['fix:acme-compute/availability'] } })),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  });

  it('credits: the same on both backends (time builtins run on the host)', async () => {
    await fc.assert(
      fc.asyncProperty(creditArb(ids), fc.constantFrom('2026-03-15T12:00:00Z', '2026-07-01T00:00:00Z'), async (credit, now) => same(ENTRYPOINTS.credits, { credit, now })),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  });

  it('names the entrypoints a bundle has when asked for another', async () => {
    await expect(wasm.evaluate('obligo/nothing/here', {})).rejects.toThrow(/not in the bundle \(has: .*obligo\/decision\/result/);
  });
});

describe('wasm bundle reader', () => {
  it('rejects what is not a gzip bundle', () => {
    expect(() => readBundle(Buffer.from('hello'))).toThrow(/not a gzip-compressed bundle/);
  });

  it('says so when a bundle has no policy.wasm', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'obligo-bundle-'));
    const p = join(dir, 'empty.tar.gz');
    writeFileSync(p, gzipSync(Buffer.alloc(1024))); // an empty tar: two zero blocks
    await expect(createPolicyEngine({ backend: 'wasm', bundle: p })).rejects.toThrow(/no policy.wasm in the bundle/);
  });

  it('obligo policy build says what is missing when there is no opa', async () => {
    const io = memoryIO();
    const saved = { PATH: process.env.PATH, OBLIGO_OPA_BIN: process.env.OBLIGO_OPA_BIN, HOME: process.env.HOME, GOPATH: process.env.GOPATH };
    process.env.PATH = '/nonexistent';
    process.env.OBLIGO_OPA_BIN = '/nonexistent/opa';
    try {
      expect(await policyBuild(['-o', join(tmpdir(), 'x.tar.gz')], io)).toBe(2);
    } finally {
      Object.assign(process.env, saved);
    }
    expect(io.err).toMatch(/opa not found/);
  });
});
