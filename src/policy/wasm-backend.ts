// PolicyEngine backed by a wasm bundle from `opa build -t wasm`, run by @open-policy-agent/opa-wasm.
// The SDK implements only some builtins in JavaScript; the rest (time.*, units.*, …) are provided
// from Obligo's own builtin library as host functions, so a policy behaves the same on both backends.
import { readFile } from 'node:fs/promises';
import { readBundle } from './bundle.js';
import type { PolicyEngine, WasmEngineOptions } from './engine.js';
import { builtins, type BuiltinContext } from './rego/builtins/index.js';
import { fromJS, toJSON } from './rego/value.js';

interface LoadedPolicy {
  setData(data: unknown): void;
  evaluate(input: unknown, entrypoint?: string | number): Array<{ result: unknown }> | undefined;
  entrypoints: Record<string, number>;
}

/** Host implementations for the builtins a wasm policy may import, keyed by OPA's builtin name. */
export function hostBuiltins(nowNs: () => bigint = () => BigInt(Date.now()) * 1_000_000n): Record<string, (...args: unknown[]) => unknown> {
  const out: Record<string, (...args: unknown[]) => unknown> = {};
  for (const [name, b] of builtins) {
    if (!b.fn) continue;
    const fn = b.fn;
    out[name] = (...args: unknown[]) => {
      const ctx: BuiltinContext = { strict: false, nowNs: nowNs(), cache: new Map() };
      const v = fn(args.map(fromJS), ctx);
      // As JSON text in an ArrayBuffer: the SDK passes that through as is, keeping integers beyond
      // 2^53 (nanosecond timestamps) exact where JSON.stringify of a number could not.
      return v === undefined ? undefined : toArrayBuffer(toJSON(v));
    };
  }
  return out;
}

export class WasmPolicyEngine implements PolicyEngine {
  readonly backend = 'wasm' as const;
  private constructor(private readonly policy: LoadedPolicy) {}

  static async load(opts: WasmEngineOptions): Promise<WasmPolicyEngine> {
    const { files } = readBundle(await readFile(opts.bundle));
    const wasm = files.get('policy.wasm') ?? [...files.entries()].find(([p]) => p.endsWith('.wasm'))?.[1];
    if (!wasm) throw new Error(`${opts.bundle}: no policy.wasm in the bundle (build it with: opa build -t wasm -e obligo/decision/result …)`);
    const bundleData = files.has('data.json') ? JSON.parse(files.get('data.json')!.toString('utf8')) : {};
    const { loadPolicy } = (await import('@open-policy-agent/opa-wasm')) as unknown as {
      loadPolicy(wasm: Uint8Array, memory?: unknown, custom?: Record<string, (...a: unknown[]) => unknown>): Promise<LoadedPolicy>;
    };
    const policy = await loadPolicy(wasm, undefined, hostBuiltins());
    policy.setData(deepMerge(bundleData, opts.data ?? {}));
    return new WasmPolicyEngine(policy);
  }

  async evaluate(entrypoint: string, input: unknown): Promise<unknown> {
    if (!(entrypoint in this.policy.entrypoints)) {
      throw new Error(`entrypoint ${entrypoint} is not in the bundle (has: ${Object.keys(this.policy.entrypoints).join(', ')})`);
    }
    const rs = this.policy.evaluate(input, entrypoint);
    return rs && rs.length > 0 ? rs[0]!.result : undefined;
  }
}

function deepMerge(a: unknown, b: unknown): unknown {
  if (isPlainObject(a) && isPlainObject(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = k in out ? deepMerge(out[k], v) : v;
    return out;
  }
  return b;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function toArrayBuffer(text: string): ArrayBuffer {
  const bytes = new TextEncoder().encode(text);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
