// One long-lived real OPA (`opa run --server`) on a loopback port, driven over its REST API: load
// modules and data, evaluate, compare. Used by the differential tests against our engine.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface OpaAnswer {
  /** the evaluation's value as OPA's JSON text (undefined: the document is undefined) */
  json?: string;
  /** an error: OPA's code (rego_type_error, eval_conflict_error, …) and message */
  error?: { code: string; message: string };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The error code in one of OPA's messages ("policy.rego:3: eval_conflict_error: …"). */
function codeIn(message: string): string {
  return /\b((?:rego|eval)_[a-z_]+_error)\b/.exec(message)?.[1] ?? 'unknown_error';
}

export class OpaServer {
  private constructor(
    private readonly proc: ChildProcess,
    readonly url: string,
  ) {}

  static async start(opaPath: string): Promise<OpaServer> {
    const port = await freePort();
    const proc = spawn(opaPath, ['run', '--server', '--addr', `127.0.0.1:${port}`, '--log-level', 'error', '--disable-telemetry'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr!.on('data', (d) => (stderr += String(d)));
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 200; i++) {
      if (proc.exitCode !== null) throw new Error(`opa exited (${proc.exitCode}): ${stderr}`);
      try {
        const r = await fetch(url + '/health');
        if (r.ok) return new OpaServer(proc, url);
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill();
    throw new Error(`opa did not become healthy: ${stderr}`);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      this.proc.once('exit', () => resolve());
      this.proc.kill('SIGTERM');
    });
  }

  /** Loads a module; a compile error comes back as the first error's code and message. */
  async putPolicy(id: string, text: string): Promise<OpaAnswer['error'] | undefined> {
    const r = await fetch(`${this.url}/v1/policies/${encodeURIComponent(id)}`, { method: 'PUT', body: text, headers: { 'content-type': 'text/plain' } });
    if (r.ok) {
      await r.arrayBuffer();
      return undefined;
    }
    const body = (await r.json()) as { code: string; message: string; errors?: { code: string; message: string }[] };
    const first = body.errors?.[0];
    return first ? { code: first.code, message: first.message } : { code: codeIn(body.message), message: body.message };
  }

  async deletePolicy(id: string): Promise<void> {
    const r = await fetch(`${this.url}/v1/policies/${encodeURIComponent(id)}`, { method: 'DELETE' });
    await r.arrayBuffer();
  }

  /** Replaces the document at a data path (slash separated, e.g. "obligo/catalog"). */
  async putData(path: string, value: unknown): Promise<void> {
    const r = await fetch(`${this.url}/v1/data/${path}`, { method: 'PUT', body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });
    if (!r.ok) throw new Error(`PUT /v1/data/${path}: ${r.status} ${await r.text()}`);
    await r.arrayBuffer();
  }

  /** Evaluates data.<path> with an input; the value as OPA's JSON text. */
  async evaluate(path: string, input: unknown): Promise<OpaAnswer> {
    const body = input === undefined ? '{}' : `{"input":${JSON.stringify(input)}}`;
    const r = await fetch(`${this.url}/v1/data/${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const text = await r.text();
    if (!r.ok) {
      const e = JSON.parse(text) as { message: string; errors?: { code: string; message: string }[] };
      const first = e.errors?.[0];
      return { error: first ? { code: first.code, message: first.message } : { code: codeIn(e.message), message: e.message } };
    }
    // {"result": …} or {} (undefined); the value is cut out as text so that numbers keep their digits
    const i = text.indexOf('"result":');
    if (i < 0) return {};
    return { json: text.slice(i + '"result":'.length, text.lastIndexOf('}')) };
  }
}
