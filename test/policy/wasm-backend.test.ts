// The wasm backend against a bundle whose policy.wasm speaks OPA's wasm ABI (test/fixtures/wasm/
// fake-opa.wat: a fixed "policy" that echoes input and data and calls two builtins on the host).
// The real thing — a bundle built by `opa build -t wasm` — is exercised by the Dockerfile's opa stage.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readBundle } from '../../src/policy/bundle.js';
import { createPolicyEngine } from '../../src/policy/engine.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'wasm');
const bundle = join(fixtures, 'bundle.tar.gz');

function hasWat2wasm(): boolean {
  try {
    execFileSync('wat2wasm', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('wasm bundle reader', () => {
  it('reads the files of a tar.gz bundle', () => {
    const { files } = readBundle(readFileSync(bundle));
    expect([...files.keys()].sort()).toEqual(['.manifest', 'data.json', 'policy.wasm']);
    expect(files.get('policy.wasm')!.subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));
  });

  it('rejects what is not a gzip bundle', () => {
    expect(() => readBundle(Buffer.from('hello'))).toThrow(/not a gzip-compressed bundle/);
  });

  it.skipIf(!hasWat2wasm())('the committed policy.wasm is the assembly of fake-opa.wat', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'obligo-wat-')), 'p.wasm');
    execFileSync('wat2wasm', [join(fixtures, 'fake-opa.wat'), '-o', out]);
    expect(readFileSync(out).equals(readFileSync(join(fixtures, 'policy.wasm')))).toBe(true);
  });
});

describe('wasm policy engine', () => {
  it('evaluates an entrypoint with input, bundle data merged with ours, and host builtins', async () => {
    const engine = await createPolicyEngine({ backend: 'wasm', bundle, data: { obligo: { catalog: { a: 1 } } } });
    expect(engine.backend).toBe('wasm');
    const before = BigInt(Date.now()) * 1_000_000n;
    const r = (await engine.evaluate('obligo/decision/result', { status: { sla: 'x' } })) as Record<string, unknown>;
    expect(r.input).toEqual({ status: { sla: 'x' } });
    expect(r.data).toEqual({ obligo: { settings: { x: 1 }, catalog: { a: 1 } } });
    // time.parse_duration_ns("1m") computed by Obligo's builtin library on the host
    expect(r.t).toBe(60_000_000_000);
    // time.now_ns() is a nanosecond timestamp (> 2^53): it must arrive as a plausible number
    expect(typeof r.now).toBe('number');
    expect(Math.abs(Number(r.now) - Number(before))).toBeLessThan(60e9);
  });

  it('names the entrypoints a bundle has when asked for another', async () => {
    const engine = await createPolicyEngine({ backend: 'wasm', bundle });
    await expect(engine.evaluate('obligo/gate/result', {})).rejects.toThrow(/not in the bundle \(has: obligo\/decision\/result\)/);
  });

  it('says so when a bundle has no policy.wasm', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'obligo-bundle-'));
    const tar = Buffer.alloc(1024); // an empty tar: two zero blocks
    const p = join(dir, 'empty.tar.gz');
    writeFileSync(p, gzipSync(tar));
    await expect(createPolicyEngine({ backend: 'wasm', bundle: p })).rejects.toThrow(/no policy.wasm in the bundle/);
  });
});
