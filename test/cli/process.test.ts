// The commands through the real `obligo` entry point in a child process: exit codes, and errors as one
// line on stderr, never a stack trace.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/demo/prometheus-server.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const CONTRACTS = join(ROOT, 'test/fixtures/measure');

async function obligo(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, env: { ...process.env, OBLIGO_DEBUG: '', OBLIGO_PROMETHEUS_URL: '', OBLIGO_DB: '' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('obligo status|gate|credits as a process', () => {
  it('Prometheus down: exit 2 and one line, no stack trace', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    for (const args of [
      ['status', '--contract', 'm-status'],
      ['gate', '--sla', 'm-status/healthy'],
      ['credits', '--period', '2026-04', '--contract', 'm-cap', '--db', join(ROOT, 'does-not-exist.db')],
    ]) {
      const r = await obligo([...args, '--contracts', CONTRACTS, '--prometheus', url, '--at', '2026-04-10T20:00:00Z']);
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr, args[0]).toBe(`obligo: cannot reach Prometheus at ${url}: ECONNREFUSED\n`);
    }
  });

  it('bad arguments: exit 2 with the reason', async () => {
    const r = await obligo(['credits', '--period', '2026-13', '--contracts', CONTRACTS]);
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: 'obligo: --period expects YYYY-MM, YYYY-Qn or YYYY (got "2026-13")\n' });
    const s = await obligo(['status', '--contracts', CONTRACTS]);
    expect(s.code).toBe(2);
    expect(s.stderr).toBe('obligo: no Prometheus URL: use --prometheus URL or set OBLIGO_PROMETHEUS_URL\n');
  });
});
