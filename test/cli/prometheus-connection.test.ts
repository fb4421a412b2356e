// Auth, tenant headers and timeouts reach Prometheus from flags and the environment — and secrets
// come only from the environment, over a real socket to a fake Prometheus that records what it got.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusCommand } from '../../src/cli/commands/status.js';
import { connectionOptions, UsageError } from '../../src/cli/common.js';
import { memoryIO } from '../../src/cli/io.js';

const contracts = join(import.meta.dirname, '..', '..', 'contracts');

describe('Prometheus connection options', () => {
  const seen: IncomingHttpHeaders[] = [];
  let url = '';
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.setHeader('content-type', 'application/json');
    const resultType = req.url?.startsWith('/api/v1/query_range') ? 'matrix' : 'vector';
    res.end(JSON.stringify({ status: 'success', data: { resultType, result: [] } }));
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('sends the bearer token, the tenant header and the flag header on every request', async () => {
    seen.length = 0;
    const io = memoryIO({ OBLIGO_PROMETHEUS_BEARER_TOKEN: 's3cret-token', OBLIGO_PROMETHEUS_HEADERS: '{"X-Scope-OrgID":"team-a"}' });
    const code = await statusCommand(
      ['--contracts', contracts, '--prometheus', url, '--at', '2026-03-02T09:30:00Z', '--prometheus-header', 'THANOS-TENANT=edge', '--format', 'json'],
      io,
    );
    expect(code, io.err).toBe(0);
    expect(seen.length).toBeGreaterThan(0);
    for (const h of seen) {
      expect(h.authorization).toBe('Bearer s3cret-token');
      expect(h['x-scope-orgid']).toBe('team-a');
      expect(h['thanos-tenant']).toBe('edge');
    }
    expect(io.out + io.err).not.toContain('s3cret-token');
  });

  it('reads basic auth with the password from a file', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'obligo-pw-')), 'pw');
    writeFileSync(f, 'hunter2\n');
    const c = connectionOptions([], undefined, { OBLIGO_PROMETHEUS_USERNAME: 'obligo', OBLIGO_PROMETHEUS_PASSWORD_FILE: f });
    expect(c.auth).toEqual({ basic: { username: 'obligo', password: 'hunter2' } });
  });

  it('rejects malformed settings with a usage error that does not echo values', () => {
    expect(() => connectionOptions(['novalue'], undefined, {})).toThrow(UsageError);
    expect(() => connectionOptions([], 'soon', {})).toThrow(/--prometheus-timeout expects seconds/);
    expect(() => connectionOptions([], undefined, { OBLIGO_PROMETHEUS_HEADERS: '[1]' })).toThrow(/JSON object/);
    expect(() => connectionOptions(['Authorization'], undefined, {})).toThrow(/NAME=VALUE \(got "Authorization…"\)/);
    expect(connectionOptions([], '2.5', {}).timeoutMs).toBe(2500);
  });
});
