// Bearer-token authentication of the API (src/server/auth.ts): references resolved at start, errors that
// name the reference and never the value, constant-time comparison over digests (tokens of any length),
// the role matrix, and the modes without tokens (open on loopback, locked elsewhere).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ServeConfigSchema } from '../../src/server/config.js';
import { isLoopbackListen, ROLE_PERMISSIONS, rolesWith, TokenAuth, TokenConfigError } from '../../src/server/auth.js';

const tmp = mkdtempSync(join(tmpdir(), 'obligo-auth-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cfg = (tokens: unknown[], listen = '127.0.0.1:8080') => ServeConfigSchema.parse({ server: { listen, tokens } });

describe('TokenAuth', () => {
  const file = join(tmp, 'finance.token');
  writeFileSync(file, 'finance-secret-from-a-file-0123456789\n');
  const env = { V: 'viewer-secret-0123456789', A: 'a' + 'x'.repeat(300) };
  const auth = TokenAuth.fromConfig(
    cfg([
      { name: 'v', role: 'viewer', token: { env: 'V' } },
      { name: 'f', role: 'finance', token: { file } },
      { name: 'a', role: 'admin', token: { env: 'A' } },
    ]),
    { env },
  );

  it('accepts each configured token (env or file, any length) with its role; the scheme is case-insensitive', () => {
    expect(auth.mode).toBe('tokens');
    expect(auth.authenticate(`Bearer ${env.V}`)).toEqual({ ok: true, principal: { name: 'v', role: 'viewer' } });
    expect(auth.authenticate('bearer finance-secret-from-a-file-0123456789')).toEqual({ ok: true, principal: { name: 'f', role: 'finance' } });
    expect(auth.authenticate(`BEARER  ${env.A} `)).toEqual({ ok: true, principal: { name: 'a', role: 'admin' } });
  });

  it('refuses a missing header, another scheme, a prefix, an extension, an empty token', () => {
    for (const h of [undefined, '', `Basic ${env.V}`, `Bearer ${env.V.slice(0, -1)}`, `Bearer ${env.V}0`, 'Bearer ', `Bearer ${env.V} extra`, env.V]) {
      const r = auth.authenticate(h);
      expect(r.ok, String(h)).toBe(false);
      if (!r.ok) {
        expect(r.status).toBe(401);
        expect(r.challenge).toMatch(/^Bearer realm="obligo"/);
        expect(r.error).not.toContain(env.V);
      }
    }
  });

  it('role matrix: viewer reads; oncall adds the outbox; finance adds credits; admin has all', () => {
    expect(ROLE_PERMISSIONS).toEqual({ viewer: ['read'], oncall: ['read', 'outbox'], finance: ['read', 'credits'], admin: ['read', 'outbox', 'credits'] });
    expect(rolesWith('credits')).toEqual(['finance', 'admin']);
    expect(rolesWith('outbox')).toEqual(['oncall', 'admin']);
    expect(rolesWith('read')).toEqual(['viewer', 'oncall', 'finance', 'admin']);
    expect(TokenAuth.allows({ name: 'x', role: 'viewer' }, 'credits')).toBe(false);
    expect(TokenAuth.allows({ name: 'x', role: 'finance' }, 'credits')).toBe(true);
    expect(TokenAuth.allows({ name: 'x', role: 'finance' }, 'outbox')).toBe(false);
  });

  it('configuration errors name the entry and the reference, never a value', () => {
    const err = (tokens: unknown[], e: NodeJS.ProcessEnv) => {
      try {
        TokenAuth.fromConfig(cfg(tokens), { env: e });
      } catch (x) {
        expect(x).toBeInstanceOf(TokenConfigError);
        return (x as Error).message;
      }
      throw new Error('no error');
    };
    expect(err([{ name: 'ci', role: 'viewer', token: { env: 'NOPE' } }], {})).toBe('server.tokens[0] (ci): environment variable NOPE is not set');
    expect(err([{ name: 'ci', role: 'viewer', token: { file: join(tmp, 'missing') } }], {})).toMatch(/^server\.tokens\[0\] \(ci\): cannot read secret file .*missing \(ENOENT\)$/);
    const dup = err(
      [
        { name: 'one', role: 'viewer', token: { env: 'X' } },
        { name: 'two', role: 'admin', token: { env: 'Y' } },
      ],
      { X: 'same-value-0123456789abc', Y: 'same-value-0123456789abc' },
    );
    expect(dup).toBe('server.tokens[1] (two): same token value as "one"');
    expect(dup).not.toContain('same-value');
    expect(err([{ name: 'sp', role: 'viewer', token: { env: 'S' } }], { S: 'has a space-0123456789' })).toBe('server.tokens[0] (sp): the token contains white space');
    expect(
      err(
        [
          { name: 'n', role: 'viewer', token: { env: 'P' } },
          { name: 'n', role: 'admin', token: { env: 'Q' } },
        ],
        { P: 'p-0123456789abcdefgh', Q: 'q-0123456789abcdefgh' },
      ),
    ).toBe('server.tokens[1] (n): the name "n" is used twice');
  });

  it('a short token is accepted but reported as weak (by name)', () => {
    const warnings: string[] = [];
    TokenAuth.fromConfig(cfg([{ name: 'short', role: 'viewer', token: { env: 'S' } }]), { env: { S: 'abc' }, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual(['server.tokens[0] (short): the token is shorter than 16 characters']);
  });

  it('without tokens: open (anonymous admin) on loopback, locked on any other address', () => {
    for (const listen of ['127.0.0.1:8080', 'localhost:8080', '[::1]:8080', '127.1.2.3:9']) {
      const a = TokenAuth.fromConfig(cfg([], listen));
      expect(a.mode, listen).toBe('open-loopback');
      expect(a.authenticate(undefined)).toEqual({ ok: true, principal: { name: 'anonymous', role: 'admin' } });
    }
    for (const listen of ['0.0.0.0:8080', ':8080', '10.0.0.1:8080', '[::]:8080', 'obligo.example:8080']) {
      const a = TokenAuth.fromConfig(cfg([], listen));
      expect(a.mode, listen).toBe('locked');
      const r = a.authenticate('Bearer anything-0123456789abcdef');
      expect(r.ok).toBe(false);
    }
    expect(isLoopbackListen('128.0.0.1:80')).toBe(false);
  });
});
