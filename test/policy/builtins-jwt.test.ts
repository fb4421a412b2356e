// io.jwt.* and crypto private-key builtins, called directly. Tokens are built here by hand with
// node:crypto (independently of the code under test) or taken from RFC 7515; the OPA conformance
// folders (jwt*, cryptox509*) are covered by conformance.test.ts.
import { createHmac, generateKeyPairSync, sign, verify, constants, type KeyObject } from 'node:crypto';
import { requireShared } from '../helpers/tools.js';
import { describe, expect, it } from 'vitest';
import { loadCases } from '../../src/policy/rego/conformance.js';
import { builtins, BuiltinError, type BuiltinContext } from '../../src/policy/rego/builtins/index.js';
import { fromJS, toJS, type Value } from '../../src/policy/rego/value.js';

const NOW_S = 1_700_000_000;
const ctx = (): BuiltinContext => ({ strict: true, nowNs: BigInt(NOW_S) * 1_000_000_000n, cache: new Map() });

function call(name: string, ...args: unknown[]): unknown {
  const b = builtins.get(name);
  if (!b?.fn) throw new Error('no such builtin: ' + name);
  const r = b.fn(args.map((a) => fromJS(a)), ctx());
  return r === undefined ? undefined : toJS(r as Value);
}

function errMsg(name: string, ...args: unknown[]): string {
  try { call(name, ...args); } catch (e) { if (e instanceof BuiltinError) return e.message; throw e; }
  throw new Error(`${name} did not fail`);
}

const b64 = (x: string | Buffer): string => Buffer.from(x).toString('base64url');
const input = (h: object, p: object): string => `${b64(JSON.stringify(h))}.${b64(JSON.stringify(p))}`;

function hs(bits: 256 | 384 | 512, secret: string, p: object): string {
  const i = input({ alg: `HS${bits}`, typ: 'JWT' }, p);
  return `${i}.${b64(createHmac(`sha${bits}`, secret).update(i).digest())}`;
}

function asym(alg: string, key: KeyObject, p: object): string {
  const i = input({ alg, typ: 'JWT' }, p);
  const h = `sha${alg.slice(2)}`;
  const data = Buffer.from(i);
  let sig: Buffer;
  if (alg === 'EdDSA') sig = sign(null, data, key);
  else if (alg.startsWith('RS')) sig = sign(h, data, key);
  else if (alg.startsWith('PS')) sig = sign(h, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  else sig = sign(h, data, { key, dsaEncoding: 'ieee-p1363' });
  return `${i}.${b64(sig)}`;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa2 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = { 256: generateKeyPairSync('ec', { namedCurve: 'P-256' }), 384: generateKeyPairSync('ec', { namedCurve: 'P-384' }), 512: generateKeyPairSync('ec', { namedCurve: 'P-521' }) };
const ed = generateKeyPairSync('ed25519');
const pemOf = (k: KeyObject): string => k.export({ format: 'pem', type: 'spki' }) as string;
const jwkOf = (k: KeyObject): string => JSON.stringify(k.export({ format: 'jwk' }));

describe('io.jwt.decode', () => {
  it('splits a token into header, payload and hex signature', () => {
    const t = hs(256, 'secret', { sub: '0', iss: 'opa' });
    const sigHex = createHmac('sha256', 'secret').update(t.split('.').slice(0, 2).join('.')).digest('hex');
    expect(call('io.jwt.decode', t)).toEqual([{ alg: 'HS256', typ: 'JWT' }, { sub: '0', iss: 'opa' }, sigHex]);
  });
  it('reports malformed tokens with OPA wording', () => {
    expect(errMsg('io.jwt.decode', 'abc')).toBe('io.jwt.decode: encoded JWT had no period separators');
    expect(errMsg('io.jwt.decode', 'a.b')).toBe('io.jwt.decode: encoded JWT must have 3 sections, found 2');
    expect(errMsg('io.jwt.decode', `${b64('{"alg":"HS256","enc":"x"}')}.${b64('{}')}.`)).toMatch(/JWE object/);
    expect(errMsg('io.jwt.decode', 'eyJh$.e30.')).toMatch(/JWT header had invalid encoding: illegal base64 data at input byte 4/);
  });
});

describe('io.jwt.verify_*', () => {
  it('HS256/384/512 accept the right secret only', () => {
    for (const bits of [256, 384, 512] as const) {
      const t = hs(bits, 'k3y', { a: 1 });
      expect(call(`io.jwt.verify_hs${bits}`, t, 'k3y')).toBe(true);
      expect(call(`io.jwt.verify_hs${bits}`, t, 'other')).toBe(false);
    }
  });
  it('RS/PS accept PEM and JWK public keys and reject other keys or tampering', () => {
    for (const alg of ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']) {
      const t = asym(alg, rsa.privateKey, { sub: 'x' });
      const name = `io.jwt.verify_${alg.toLowerCase()}`;
      expect(call(name, t, pemOf(rsa.publicKey))).toBe(true);
      expect(call(name, t, jwkOf(rsa.publicKey))).toBe(true);
      expect(call(name, t, JSON.stringify({ keys: [JSON.parse(jwkOf(rsa2.publicKey)), JSON.parse(jwkOf(rsa.publicKey))] }))).toBe(true);
      expect(call(name, t, pemOf(rsa2.publicKey))).toBe(false);
      const [h, , s] = t.split('.');
      expect(call(name, `${h}.${b64('{"sub":"y"}')}.${s}`, pemOf(rsa.publicKey))).toBe(false);
    }
  });
  it('ES256/384/512 check the curve, EdDSA uses Ed25519', () => {
    for (const bits of [256, 384, 512] as const) {
      const t = asym(`ES${bits}`, ec[bits].privateKey, { n: bits });
      expect(call(`io.jwt.verify_es${bits}`, t, pemOf(ec[bits].publicKey))).toBe(true);
      const other = bits === 256 ? ec[384] : ec[256];
      expect(call(`io.jwt.verify_es${bits}`, t, pemOf(other.publicKey))).toBe(false);
    }
    const t = asym('EdDSA', ed.privateKey, { e: 1 });
    expect(call('io.jwt.verify_eddsa', t, pemOf(ed.publicKey))).toBe(true);
    expect(call('io.jwt.verify_eddsa', t, pemOf(rsa.publicKey))).toBe(false);
  });
  it('rejects unusable keys', () => {
    const t = hs(256, 'x', {});
    expect(errMsg('io.jwt.verify_rs256', t, 'not a key')).toMatch(/failed to parse a JWK key \(set\)/);
  });
});

describe('io.jwt.decode_verify', () => {
  const secret = 's3cr3t';
  const dv = (t: string, c: object): unknown => call('io.jwt.decode_verify', t, c);
  it('returns [true, header, payload] when signature and claims hold', () => {
    const p = { iss: 'me', aud: 'you', exp: NOW_S + 10, nbf: NOW_S - 10 };
    expect(dv(hs(256, secret, p), { secret, iss: 'me', aud: 'you' })).toEqual([true, { alg: 'HS256', typ: 'JWT' }, p]);
  });
  it('returns [false, {}, {}] for failed checks', () => {
    const no = [false, {}, {}];
    expect(dv(hs(256, secret, { exp: NOW_S }), { secret })).toEqual(no); // exp is exclusive
    expect(dv(hs(256, secret, { nbf: NOW_S + 1 }), { secret })).toEqual(no);
    expect(dv(hs(256, secret, { iss: 'a' }), { secret, iss: 'b' })).toEqual(no);
    expect(dv(hs(256, secret, { aud: ['x', 'y'] }), { secret })).toEqual(no); // aud present, none required
    expect(dv(hs(256, secret, {}), { secret, aud: 'x' })).toEqual(no);
    expect(dv(hs(256, secret, {}), { secret, alg: 'HS512' })).toEqual(no);
    expect(dv(hs(256, secret, {}), { secret: 'wrong' })).toEqual(no);
  });
  it('uses the time constraint (ns) instead of now', () => {
    const t = hs(256, secret, { exp: NOW_S - 100 });
    expect((dv(t, { secret, time: (NOW_S - 200) * 1e9 }) as unknown[])[0]).toBe(true);
    expect(errMsg('io.jwt.decode_verify', hs(256, secret, { exp: 'soon' }), { secret })).toMatch(/exp value must be a number/);
  });
  it('verifies with a certificate constraint', () => {
    const t = asym('RS256', rsa.privateKey, { sub: 'x' });
    expect((dv(t, { cert: pemOf(rsa.publicKey) }) as unknown[])[0]).toBe(true);
    expect((dv(t, { cert: pemOf(rsa2.publicKey) }) as unknown[])[0]).toBe(false);
  });
});

describe('io.jwt.encode_sign(_raw)', () => {
  it('reproduces the RFC 7515 A.1 HS256 example', () => {
    const header = '{"typ":"JWT",\r\n "alg":"HS256"}';
    const payload = '{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}';
    const key = '{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}';
    expect(call('io.jwt.encode_sign_raw', header, payload, key)).toBe(
      'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
    );
  });
  it('signs with RSA/EC/Ed25519 JWKs so that node:crypto verifies the result', () => {
    const cases: [string, KeyObject, KeyObject][] = [
      ['RS256', rsa.privateKey, rsa.publicKey], ['PS384', rsa.privateKey, rsa.publicKey],
      ['ES256', ec[256].privateKey, ec[256].publicKey], ['EdDSA', ed.privateKey, ed.publicKey],
    ];
    for (const [alg, priv, pub] of cases) {
      const t = call('io.jwt.encode_sign', { alg }, { sub: 'z' }, priv.export({ format: 'jwk' })) as string;
      const [h, p, s] = t.split('.') as [string, string, string];
      expect(JSON.parse(Buffer.from(p, 'base64url').toString())).toEqual({ sub: 'z' });
      const data = Buffer.from(`${h}.${p}`), sig = Buffer.from(s, 'base64url');
      const hash = alg === 'EdDSA' ? null : `sha${alg.slice(2)}`;
      const key = alg.startsWith('PS') ? { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }
        : alg.startsWith('ES') ? { key: pub, dsaEncoding: 'ieee-p1363' as const } : pub;
      expect(verify(hash, data, key, sig)).toBe(true);
    }
  });
  it('reports header errors with OPA wording', () => {
    const k = '{"kty":"oct","k":"AA"}';
    expect(errMsg('io.jwt.encode_sign_raw', '', '{}', k)).toMatch(/cannot parse JSON: cannot parse empty string/);
    expect(errMsg('io.jwt.encode_sign_raw', '{}', '{}', k)).toMatch(/header "alg" not found/);
    expect(errMsg('io.jwt.encode_sign_raw', '{"alg":"dummy"}', '{}', k)).toMatch(/unknown JWS algorithm: dummy/);
    expect(errMsg('io.jwt.encode_sign_raw', '{"alg":"HS256","typ":"JWT"}', 'e', k)).toMatch(/type is JWT but payload is not JSON/);
  });
});

describe('crypto private keys', () => {
  it('parse_rsa_private_key and parse_private_keys return the key as a JWK', () => {
    const pkcs1 = rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string;
    const want = rsa.privateKey.export({ format: 'jwk' });
    expect(call('crypto.x509.parse_rsa_private_key', pkcs1)).toEqual(want);
    expect(call('crypto.x509.parse_rsa_private_key', Buffer.from(pkcs1).toString('base64'))).toEqual(want);
    const two = pkcs1 + (ec[256].privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    expect(call('crypto.parse_private_keys', two)).toEqual([want, ec[256].privateKey.export({ format: 'jwk' })]);
    expect(call('crypto.parse_private_keys', '')).toBeNull();
    expect(call('crypto.parse_private_keys', 'nope')).toEqual([]);
    expect(errMsg('crypto.x509.parse_rsa_private_key', 'invalid')).toMatch(/illegal base64/);
  });
});

// A real root+leaf chain (valid 2023-11-29 .. 2122) read from the OPA conformance data at run time.
const shared = requireShared('opa-conformance');
const CONF = shared.path;
describe.skipIf(!shared.ok)(
  `crypto.x509.parse_and_verify_certificates_with_options${shared.skipNote}`,
  () => {
    it('honours CurrentTime and DNSName', () => {
      const c = loadCases(CONF, 'cryptox509parseandverifycertificates').find((x) => x.c.note.endsWith('uri_strings'))!;
      const m = (c.c as unknown as { modules: string[] }).modules[0]!;
      const pem = [...m.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map((x) => x[0].replace(/^\s+/gm, '')).join('\n');
      const at = (iso: string): number => Date.parse(iso) * 1e6;
      const v = (o: object): unknown => (call('crypto.x509.parse_and_verify_certificates_with_options', pem, o) as unknown[])[0];
      expect(v({ CurrentTime: at('2024-01-01T00:00:00Z') })).toBe(true);
      expect(v({ CurrentTime: at('2023-01-01T00:00:00Z') })).toBe(false);
      expect(v({ CurrentTime: at('2024-01-01T00:00:00Z'), DNSName: 'example.org' })).toBe(false);
      // without options the engine's now is used: NOW_S is 2023-11-14, before the chain's NotBefore
      expect(call('crypto.x509.parse_and_verify_certificates', pem)).toEqual([false, []]);
    });
  },
);
