// io.jwt.* builtins (OPA semantics and error wording) with node:crypto only: decode, verify_* for
// HS/RS/PS/ES/EdDSA, decode_verify with OPA's constraints, encode_sign and encode_sign_raw.
import { createHmac, createPublicKey, createPrivateKey, createSecretKey, sign, verify, constants, type KeyObject } from 'node:crypto';
import { RObject, fromJS, toJS, parseJSONExact, type Value } from '../value.js';
import { str, obj, builtinError } from './args.js';
import { goJSON } from './encoding.js';
import { def, type BuiltinContext } from './registry.js';


/** Go's base64.RawURLEncoding-style decode, with its "illegal base64 data at input byte N" error. */
export function b64urlDecode(s: string): Buffer {
  const t = s.replace(/=+$/, '');
  for (let i = 0; i < t.length; i++) {
    if (!/[A-Za-z0-9_-]/.test(t[i]!)) throw new Error(`illegal base64 data at input byte ${i}`);
  }
  if (t.length % 4 === 1) throw new Error(`illegal base64 data at input byte ${t.length - 1}`);
  return Buffer.from(t, 'base64url');
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

interface Decoded {
  header: Record<string, unknown>;
  headerRaw: string;
  payloadRaw: Buffer;
  signature: Buffer;
  signingInput: string;
}

function splitToken(name: string, token: string): [string, string, string] {
  if (!token.includes('.')) throw builtinError(name, 'encoded JWT had no period separators');
  const parts = token.split('.');
  if (parts.length !== 3) throw builtinError(name, `encoded JWT must have 3 sections, found ${parts.length}`);
  return parts as [string, string, string];
}

function decodeToken(name: string, token: string): Decoded {
  const [h, p, s] = splitToken(name, token);
  let headerBytes: Buffer, payloadRaw: Buffer, signature: Buffer;
  try { headerBytes = b64urlDecode(h); } catch (e) { throw builtinError(name, `JWT header had invalid encoding: ${(e as Error).message}`); }
  let header: Record<string, unknown>;
  try { header = JSON.parse(headerBytes.toString('utf8')) as Record<string, unknown>; } catch { throw builtinError(name, 'JWT header had invalid encoding: invalid JSON'); }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw builtinError(name, 'JWT header had invalid encoding');
  try { payloadRaw = b64urlDecode(p); } catch (e) { throw builtinError(name, `JWT payload had invalid encoding: ${(e as Error).message}`); }
  try { signature = b64urlDecode(s); } catch (e) { throw builtinError(name, `JWT signature had invalid encoding: ${(e as Error).message}`); }
  return { header, headerRaw: headerBytes.toString('utf8'), payloadRaw, signature, signingInput: `${h}.${p}` };
}

function parseJSONValue(text: string): Value {
  return fromJS(parseJSONExact(text));
}

/** io.jwt.decode: [header, payload, hex signature]; nested tokens (cty JWT) are unwrapped. */
function decode(name: string, token: string): [Value, Value, string] {
  const d = decodeToken(name, token);
  if ('enc' in d.header) throw builtinError(name, 'JWT is a JWE object, which is not supported');
  if (d.header.cty === 'JWT') {
    // the payload is the nested token as a JSON string (or, tolerated, the bare token)
    let inner = d.payloadRaw.toString('utf8');
    try { const j = JSON.parse(inner) as unknown; if (typeof j === 'string') inner = j; } catch { /* bare token */ }
    return decode(name, inner);
  }
  let payload: Value;
  try { payload = parseJSONValue(d.payloadRaw.toString('utf8')); } catch { throw builtinError(name, 'JWT payload had invalid encoding: invalid JSON'); }
  if (!(payload instanceof RObject)) throw builtinError(name, 'JWT payload had invalid encoding: not an object');
  return [parseJSONValue(d.headerRaw), payload, d.signature.toString('hex')];
}

def('io.jwt.decode', 1, (args) => decode('io.jwt.decode', str('io.jwt.decode', args, 0)));

// ---- keys ----

function extractPEMKeys(name: string, pem: string): KeyObject[] {
  const blocks = [...pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)];
  if (blocks.length === 0) throw builtinError(name, 'failed to parse a PEM certificate');
  const rest = pem.slice(blocks[0]!.index! + blocks[0]![0].length).trim();
  if (rest.length > 0) throw builtinError(name, 'extra data after a PEM certificate block');
  const b = blocks[0]!;
  try {
    return [createPublicKey(b[0])];
  } catch {
    if (b[1] === 'CERTIFICATE') throw builtinError(name, 'failed to parse a PEM certificate');
    throw builtinError(name, 'failed to extract a Key from the PEM certificate');
  }
}

function jwkKeys(name: string, text: string): KeyObject[] {
  let j: unknown;
  try { j = JSON.parse(text); } catch { throw builtinError(name, 'failed to parse a JWK key (set)'); }
  const list: unknown[] = j && typeof j === 'object' && Array.isArray((j as { keys?: unknown }).keys) ? ((j as { keys: unknown[] }).keys) : [j];
  const out: KeyObject[] = [];
  for (const k of list) {
    try {
      const jk = k as Record<string, unknown>;
      if (jk.kty === 'oct') out.push(createSecretKey(Buffer.from(String(jk.k), 'base64url')));
      else out.push(createPublicKey({ key: jk as never, format: 'jwk' }));
    } catch { throw builtinError(name, 'failed to parse a JWK key (set)'); }
  }
  return out;
}

function publicKeys(name: string, cert: string): KeyObject[] {
  if (cert.startsWith('-----BEGIN')) return extractPEMKeys(name, cert);
  return jwkKeys(name, cert);
}

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

function verifySig(alg: string, key: KeyObject | Buffer, input: string, sig: Buffer): boolean {
  const fam = alg.slice(0, 2), bits = alg.slice(2);
  const data = Buffer.from(input, 'utf8');
  try {
    if (fam === 'HS') {
      const mac = createHmac(HASH[bits]!, key).update(data).digest();
      return mac.length === sig.length && mac.equals(sig);
    }
    const k = key as KeyObject;
    if (alg === 'EdDSA') return k.asymmetricKeyType === 'ed25519' && verify(null, data, k, sig);
    if (fam === 'RS') return k.asymmetricKeyType === 'rsa' && verify(HASH[bits]!, data, k, sig);
    if (fam === 'PS') return (k.asymmetricKeyType === 'rsa' || k.asymmetricKeyType === 'rsa-pss') && verify(HASH[bits]!, data, { key: k, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig);
    if (fam === 'ES') {
      const curve = { '256': 'prime256v1', '384': 'secp384r1', '512': 'secp521r1' }[bits];
      if (k.asymmetricKeyType !== 'ec' || k.asymmetricKeyDetails?.namedCurve !== curve) return false;
      return verify(HASH[bits]!, data, { key: k, dsaEncoding: 'ieee-p1363' }, sig);
    }
  } catch { return false; }
  return false;
}

for (const alg of ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']) {
  const name = 'io.jwt.verify_' + alg.toLowerCase();
  def(name, 2, (args) => {
    const token = str(name, args, 0), cert = str(name, args, 1);
    const [h, p, s] = splitToken(name, token);
    let sig: Buffer;
    try { sig = b64urlDecode(s); } catch (e) { throw builtinError(name, `JWT signature had invalid encoding: ${(e as Error).message}`); }
    const keys = publicKeys(name, cert);
    return keys.some((k) => verifySig(alg, k, `${h}.${p}`, sig));
  });
}
for (const alg of ['HS256', 'HS384', 'HS512']) {
  const name = 'io.jwt.verify_' + alg.toLowerCase();
  def(name, 2, (args) => {
    const token = str(name, args, 0), secret = str(name, args, 1);
    const [h, p, s] = splitToken(name, token);
    let sig: Buffer;
    try { sig = b64urlDecode(s); } catch (e) { throw builtinError(name, `JWT signature had invalid encoding: ${(e as Error).message}`); }
    return verifySig(alg, Buffer.from(secret, 'utf8'), `${h}.${p}`, sig);
  });
}

// ---- decode_verify ----

const ALGS = new Set(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']);

function decodeVerify(args: Value[], ctx: BuiltinContext): Value {
  const name = 'io.jwt.decode_verify';
  const token = str(name, args, 0);
  const c = toJS(obj(name, args, 1)) as Record<string, unknown>;
  const unverified: Value = [false, new RObject(), new RObject()];
  for (const k of Object.keys(c)) {
    if (!['cert', 'secret', 'alg', 'iss', 'aud', 'time'].includes(k)) throw builtinError(name, `unknown token validation constraint: ${k}`);
  }
  if (c.cert !== undefined && c.secret !== undefined) throw builtinError(name, 'duplicate key constraints');
  if (c.cert === undefined && c.secret === undefined) throw builtinError(name, 'no key constraint');
  let keys: (KeyObject | Buffer)[];
  if (c.cert !== undefined) {
    if (typeof c.cert !== 'string') throw builtinError(name, 'cert constraint: must be a string');
    keys = publicKeys(name, c.cert);
  } else {
    if (typeof c.secret !== 'string') throw builtinError(name, 'secret constraint: must be a string');
    keys = [Buffer.from(c.secret, 'utf8')];
  }
  const d = decodeToken(name, token);
  if ('enc' in d.header) throw builtinError(name, 'JWT is a JWE object, which is not supported');
  const alg = d.header.alg;
  if (typeof alg !== 'string') return unverified;
  if (!ALGS.has(alg)) throw builtinError(name, `unknown JWS algorithm: ${alg}`);
  if (c.alg !== undefined && c.alg !== alg) return unverified;
  // no critical header extensions are understood, so any 'crit' entry makes the token invalid
  if (Array.isArray(d.header.crit) && d.header.crit.length > 0) return unverified;
  if (!keys.some((k) => verifySig(alg, k, d.signingInput, d.signature))) return unverified;
  let header: Value, payload: Value;
  if (d.header.cty === 'JWT') {
    try { [header, payload] = decode(name, d.payloadRaw.toString('utf8')); } catch { throw builtinError(name, 'type is JWT but payload is not JSON'); }
  } else {
    header = parseJSONValue(d.headerRaw);
    try { payload = parseJSONValue(d.payloadRaw.toString('utf8')); } catch { throw builtinError(name, 'type is JWT but payload is not JSON'); }
  }
  const p = toJS(payload) as Record<string, unknown>;
  if (c.iss !== undefined && p.iss !== c.iss) return unverified;
  if (c.aud !== undefined) {
    const a = p.aud;
    if (a === undefined) return unverified;
    const ok = typeof a === 'string' ? a === c.aud : Array.isArray(a) ? a.includes(c.aud) : false;
    if (!ok) return unverified;
  } else if (p.aud !== undefined) return unverified;
  const nowSec = c.time !== undefined ? Number(c.time as number | bigint) / 1e9 : Number(ctx.nowNs) / 1e9;
  if (p.exp !== undefined) {
    if (typeof p.exp !== 'number' && typeof p.exp !== 'bigint') throw builtinError(name, 'exp value must be a number');
    if (nowSec >= Number(p.exp)) return unverified;
  }
  if (p.nbf !== undefined) {
    if (typeof p.nbf !== 'number' && typeof p.nbf !== 'bigint') throw builtinError(name, 'nbf value must be a number');
    if (nowSec < Number(p.nbf)) return unverified;
  }
  return [true, header, payload];
}

def('io.jwt.decode_verify', 2, decodeVerify);

// ---- encode_sign ----

function signingKey(name: string, alg: string, jwk: Record<string, unknown>): KeyObject | Buffer {
  try {
    if (alg.startsWith('HS')) return Buffer.from(String(jwk.k ?? ''), 'base64url');
    return createPrivateKey({ key: jwk as never, format: 'jwk' });
  } catch { throw builtinError(name, 'failed to parse a JWK key (set)'); }
}

function signToken(name: string, headerText: string, payloadText: string, keyText: string): string {
  let header: Record<string, unknown>;
  // wording of OPA's jws library: empty input, a broken JSON object, or no object at all
  if (headerText.trim() === '') throw builtinError(name, "missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string");
  try { header = JSON.parse(headerText) as Record<string, unknown>; } catch {
    if (headerText.trim().startsWith('{')) throw builtinError(name, "missing or invalid 'alg' header: cannot parse JSON");
    header = {};
  }
  let jwk: Record<string, unknown>;
  try { jwk = JSON.parse(keyText) as Record<string, unknown>; } catch { throw builtinError(name, 'failed to parse a JWK key (set)'); }
  const alg = header?.alg;
  if (typeof alg !== 'string') throw builtinError(name, `missing or invalid 'alg' header: jwsbb: header "alg" not found`);
  if (!ALGS.has(alg)) throw builtinError(name, `unknown JWS algorithm: ${alg}`);
  if (header.typ === 'JWT') {
    try { JSON.parse(payloadText); } catch { throw builtinError(name, 'type is JWT but payload is not JSON'); }
  }
  const input = `${b64url(headerText)}.${b64url(payloadText)}`;
  const key = signingKey(name, alg, jwk);
  const data = Buffer.from(input, 'utf8');
  const bits = alg.slice(2);
  let sig: Buffer;
  try {
    if (alg.startsWith('HS')) sig = createHmac(HASH[bits]!, key).update(data).digest();
    else if (alg === 'EdDSA') sig = sign(null, data, key as KeyObject);
    else if (alg.startsWith('RS')) sig = sign(HASH[bits]!, data, key as KeyObject);
    else if (alg.startsWith('PS')) sig = sign(HASH[bits]!, data, { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
    else sig = sign(HASH[bits]!, data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  } catch (e) { throw builtinError(name, (e as Error).message); }
  return `${input}.${b64url(sig)}`;
}

def('io.jwt.encode_sign_raw', 3, (args) => {
  const n = 'io.jwt.encode_sign_raw';
  return signToken(n, str(n, args, 0), str(n, args, 1), str(n, args, 2));
});

def('io.jwt.encode_sign', 3, (args) => {
  const n = 'io.jwt.encode_sign';
  const h = obj(n, args, 0), p = obj(n, args, 1), k = obj(n, args, 2);
  // goJSON, not JSON.stringify: Go's encoding (as OPA's), and exact for integers beyond 2^53.
  return signToken(n, goJSON(h), goJSON(p), goJSON(k));
});
