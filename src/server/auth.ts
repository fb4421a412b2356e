// Bearer tokens for the REST API: configured by reference (server.tokens[].token: { env } | { file }),
// resolved once at start, kept only as SHA-256 digests, and compared in constant time: the presented
// token is hashed and its digest compared with every configured digest with crypto.timingSafeEqual
// (equal lengths whatever the token's length, no early exit), so neither the length nor a prefix of a
// token leaks through timing.
//
// Roles (not a ladder; each grants what it says):
//   viewer   contracts, status, gate, alerts
//   oncall   viewer + outbox (the pages on their way to PagerDuty)
//   finance  viewer + credits (money)
//   admin    everything
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { parseListen, resolveSecret, ROLES, type Role, type ServeConfig } from './config.js';

/** What an endpoint needs. */
export type Permission = 'read' | 'outbox' | 'credits';

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: ['read'],
  oncall: ['read', 'outbox'],
  finance: ['read', 'credits'],
  admin: ['read', 'outbox', 'credits'],
};

/** Roles that hold a permission, for error messages ("credits need the finance or admin role"). */
export function rolesWith(p: Permission): Role[] {
  return ROLES.filter((r) => ROLE_PERMISSIONS[r].includes(p));
}

export interface Principal {
  /** server.tokens[].name, or 'anonymous' when the API is open (no tokens, loopback). */
  name: string;
  role: Role;
}

export class TokenConfigError extends Error {
  override name = 'TokenConfigError';
}

/** Tokens shorter than this are accepted but logged as weak. */
export const WEAK_TOKEN_LENGTH = 16;

interface Entry {
  name: string;
  role: Role;
  digest: Buffer;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function isLoopbackListen(listen: string): boolean {
  const { host } = parseListen(listen);
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

export type AuthOutcome =
  | { ok: true; principal: Principal }
  | { ok: false; status: 401; error: string; challenge: string };

export interface TokenAuthOptions {
  env?: NodeJS.ProcessEnv;
  /** Called once per weak token (name only). */
  warn?: (msg: string) => void;
}

/**
 * The API's authentication. With tokens configured, a request needs `Authorization: Bearer <token>`.
 * Without tokens, the API is open (every request acts as admin, named 'anonymous') ONLY when serve
 * listens on a loopback address; on any other address it answers 401 to every API request, so a
 * forgotten token list never exposes the API (health and /metrics still work).
 */
export class TokenAuth {
  private readonly entries: Entry[];
  readonly mode: 'tokens' | 'open-loopback' | 'locked';

  private constructor(entries: Entry[], mode: TokenAuth['mode']) {
    this.entries = entries;
    this.mode = mode;
  }

  /** Resolve every reference now: a missing variable or file, or two tokens with one value, is a TokenConfigError naming the entry. */
  static fromConfig(config: Pick<ServeConfig, 'server'>, opts: TokenAuthOptions = {}): TokenAuth {
    const env = opts.env ?? process.env;
    const entries: Entry[] = [];
    const names = new Set<string>();
    config.server.tokens.forEach((t, i) => {
      const where = `server.tokens[${i}] (${t.name})`;
      if (names.has(t.name)) throw new TokenConfigError(`${where}: the name "${t.name}" is used twice`);
      names.add(t.name);
      let value: string;
      try {
        value = resolveSecret(t.token, env);
      } catch (e) {
        throw new TokenConfigError(`${where}: ${(e as Error).message}`);
      }
      if (/\s/.test(value)) throw new TokenConfigError(`${where}: the token contains white space`);
      if (value.length < WEAK_TOKEN_LENGTH) opts.warn?.(`${where}: the token is shorter than ${WEAK_TOKEN_LENGTH} characters`);
      const d = digest(value);
      const dup = entries.find((e) => timingSafeEqual(e.digest, d));
      if (dup) throw new TokenConfigError(`${where}: same token value as "${dup.name}"`);
      entries.push({ name: t.name, role: t.role, digest: d });
    });
    const mode = entries.length > 0 ? 'tokens' : isLoopbackListen(config.server.listen) ? 'open-loopback' : 'locked';
    return new TokenAuth(entries, mode);
  }

  /** Authenticate an Authorization header value. */
  authenticate(header: string | undefined): AuthOutcome {
    const challenge = 'Bearer realm="obligo"';
    if (this.mode === 'open-loopback') return { ok: true, principal: { name: 'anonymous', role: 'admin' } };
    if (this.mode === 'locked') {
      return { ok: false, status: 401, challenge, error: 'the API is disabled: no tokens are configured (server.tokens) and serve does not listen on a loopback address' };
    }
    if (!header) return { ok: false, status: 401, challenge, error: 'authentication required: send Authorization: Bearer <token>' };
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!m) return { ok: false, status: 401, challenge: `${challenge}, error="invalid_request"`, error: 'the Authorization header must be "Bearer <token>"' };
    const d = digest(m[1]!);
    let found: Entry | undefined;
    // Every entry is compared (no early exit): the time does not depend on which token matched.
    for (const e of this.entries) if (timingSafeEqual(e.digest, d) && !found) found = e;
    if (!found) return { ok: false, status: 401, challenge: `${challenge}, error="invalid_token"`, error: 'invalid token' };
    return { ok: true, principal: { name: found.name, role: found.role } };
  }

  static allows(principal: Principal, p: Permission): boolean {
    return ROLE_PERMISSIONS[principal.role].includes(p);
  }
}
