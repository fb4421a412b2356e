// crypto.x509.* and crypto.parse_private_keys with node:crypto only. Output objects follow the JSON
// field names of Go's x509.Certificate / x509.CertificateRequest / tls.Certificate as OPA marshals
// them (Subject.CommonName, DNSNames, URIStrings, Raw, Certificate, ...), limited to the fields we
// can read without a full ASN.1 decoder; nil slices marshal as null, as in Go.
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { fromJS, type Value } from '../value.js';
import { str, obj, builtinError } from './args.js';
import { def } from './registry.js';

const STD_B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Go's base64.StdEncoding.DecodeString (CR/LF ignored), with Go's error wording. */
export function stdB64Decode(s: string): Buffer {
  const t = s.replace(/[\r\n]/g, '');
  for (let i = 0; i < t.length; i++) {
    if (!/[A-Za-z0-9+/=]/.test(t[i]!)) throw new Error(`illegal base64 data at input byte ${i}`);
  }
  if (t.length % 4 !== 0 || !STD_B64.test(t)) {
    throw new Error(`illegal base64 data at input byte ${Math.min(t.length, t.length - (t.length % 4))}`);
  }
  return Buffer.from(t, 'base64');
}

interface PemBlock { type: string; der: Buffer }

export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)) {
    const body = m[2]!.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.includes(':')).join('');
    out.push({ type: m[1]!, der: Buffer.from(body.replace(/\s+/g, ''), 'base64') });
  }
  return out;
}

/** The bytes OPA reads from a certificate-ish string: PEM text, or base64 of PEM or of DER. */
function pemOrDer(name: string, input: string): { pem: PemBlock[] } | { der: Buffer } {
  if (input.trimStart().startsWith('-----BEGIN')) return { pem: pemBlocks(input) };
  let raw: Buffer;
  try { raw = stdB64Decode(input); } catch (e) { throw builtinError(name, (e as Error).message); }
  const txt = raw.toString('latin1');
  if (txt.trimStart().startsWith('-----BEGIN')) return { pem: pemBlocks(txt) };
  return { der: raw };
}

// ---- minimal DER reader ----

interface Tlv { tag: number; start: number; hdr: number; len: number }

function readTlv(b: Buffer, off: number): Tlv {
  if (off + 2 > b.length) throw new Error('truncated');
  const tag = b[off]!;
  let len = b[off + 1]!;
  let hdr = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || off + 2 + n > b.length) throw new Error('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[off + 2 + i]!;
    hdr += n;
  }
  if (off + hdr + len > b.length) throw new Error('truncated');
  return { tag, start: off, hdr, len };
}

function children(b: Buffer, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let o = t.start + t.hdr;
  const end = o + t.len;
  while (o < end) {
    const c = readTlv(b, o);
    out.push(c);
    o = c.start + c.hdr + c.len;
  }
  return out;
}

/** Splits concatenated DER SEQUENCEs (a DER certificate chain). */
function splitDer(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let o = 0;
  while (o < b.length) {
    const t = readTlv(b, o);
    if (t.tag !== 0x30) throw new Error('not a sequence');
    out.push(b.subarray(o, o + t.hdr + t.len));
    o += t.hdr + t.len;
  }
  return out;
}

const NAME_OIDS: Record<string, string> = {
  '2.5.4.6': 'Country', '2.5.4.10': 'Organization', '2.5.4.11': 'OrganizationalUnit', '2.5.4.7': 'Locality',
  '2.5.4.8': 'Province', '2.5.4.9': 'StreetAddress', '2.5.4.17': 'PostalCode', '2.5.4.5': 'SerialNumber',
  '2.5.4.3': 'CommonName',
};

function oidString(b: Buffer): string {
  const parts = [Math.floor(b[0]! / 40), b[0]! % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) { parts.push(v); v = 0; }
  }
  return parts.join('.');
}

/** A DER Name as Go's pkix.Name JSON (the attribute lists we know plus CommonName/SerialNumber). */
function pkixName(b: Buffer, t: Tlv): Record<string, unknown> {
  const n: Record<string, unknown> = {
    Country: null, Organization: null, OrganizationalUnit: null, Locality: null, Province: null,
    StreetAddress: null, PostalCode: null, SerialNumber: '', CommonName: '',
  };
  for (const set of children(b, t)) {
    for (const atv of children(b, set)) {
      const [oid, val] = children(b, atv);
      if (!oid || !val) continue;
      const key = NAME_OIDS[oidString(b.subarray(oid.start + oid.hdr, oid.start + oid.hdr + oid.len))];
      if (!key) continue;
      const s = b.subarray(val.start + val.hdr, val.start + val.hdr + val.len).toString('utf8');
      if (key === 'CommonName' || key === 'SerialNumber') n[key] = s;
      else n[key] = [...((n[key] as string[] | null) ?? []), s];
    }
  }
  return n;
}

function sanList(cert: X509Certificate, prefix: string): string[] | null {
  const san = cert.subjectAltName;
  if (!san) return null;
  const out = san.split(', ').filter((e) => e.startsWith(prefix + ':')).map((e) => e.slice(prefix.length + 1).replace(/^"|"$/g, ''));
  return out.length ? out : null;
}

function certObject(der: Buffer): Record<string, unknown> {
  const cert = new X509Certificate(der);
  // TBSCertificate: [0] version?, serial, sigAlg, issuer, validity, subject, ...
  const top = readTlv(der, 0);
  const tbs = children(der, top)[0]!;
  const f = children(der, tbs);
  const i = f[0]!.tag === 0xa0 ? 1 : 0;
  return {
    Raw: der.toString('base64'),
    Version: i ? der[f[0]!.start + f[0]!.hdr + 2]! + 1 : 1,
    SerialNumber: BigInt('0x' + cert.serialNumber),
    Issuer: pkixName(der, f[i + 2]!),
    Subject: pkixName(der, f[i + 4]!),
    NotBefore: new Date(cert.validFrom).toISOString().replace('.000Z', 'Z'),
    NotAfter: new Date(cert.validTo).toISOString().replace('.000Z', 'Z'),
    IsCA: cert.ca,
    DNSNames: sanList(cert, 'DNS'),
    EmailAddresses: sanList(cert, 'email'),
    IPAddresses: sanList(cert, 'IP Address'),
    URIStrings: sanList(cert, 'URI'),
  };
}

function certDers(name: string, input: string): Buffer[] {
  const src = pemOrDer(name, input);
  if ('pem' in src) return src.pem.filter((b) => b.type === 'CERTIFICATE').map((b) => b.der);
  try { return splitDer(src.der); } catch { throw builtinError(name, 'x509: malformed certificate'); }
}

function parseCerts(name: string, input: string): Record<string, unknown>[] {
  return certDers(name, input).map((d) => {
    try { return certObject(d); } catch { throw builtinError(name, 'x509: malformed certificate'); }
  });
}

def('crypto.x509.parse_certificates', 1, (args) => {
  const n = 'crypto.x509.parse_certificates';
  return fromJS(parseCerts(n, str(n, args, 0)));
});

/** Input order is root first, leaf last (OPA's convention); the chain is verified leaf → root and
 *  returned in that order, like Go's Verify. OPA gives [false, []] on failure. */
function parseAndVerify(name: string, input: string, nowMs: number, dnsName?: string): Value {
  const invalid: Value = [false, []];
  let ders: Buffer[];
  try { ders = certDers(name, input); } catch { return invalid; }
  if (ders.length < 2) return invalid;
  ders = ders.reverse();
  try {
    const certs = ders.map((d) => new X509Certificate(d));
    for (let k = 0; k < certs.length; k++) {
      const issuer = certs[Math.min(k + 1, certs.length - 1)]!;
      const c = certs[k]!;
      if (!c.checkIssued(issuer) || !c.verify(issuer.publicKey)) return invalid;
      if (k > 0 && !c.ca) return invalid;
      if (nowMs < Date.parse(c.validFrom) || nowMs > Date.parse(c.validTo)) return invalid;
    }
    if (dnsName !== undefined && dnsName !== '' && certs[0]!.checkHost(dnsName) === undefined) return invalid;
    return [true, fromJS(ders.map(certObject))];
  } catch { return invalid; }
}

def('crypto.x509.parse_and_verify_certificates', 1, (args, ctx) => {
  const n = 'crypto.x509.parse_and_verify_certificates';
  return parseAndVerify(n, str(n, args, 0), Number(ctx.nowNs / 1_000_000n));
});

/** Options as in OPA: DNSName and CurrentTime (ns) are honoured; KeyUsages and
 *  MaxConstraintComparisons are accepted but not checked. */
def('crypto.x509.parse_and_verify_certificates_with_options', 2, (args, ctx) => {
  const n = 'crypto.x509.parse_and_verify_certificates_with_options';
  const input = str(n, args, 0);
  const opts = obj(n, args, 1);
  const t = opts.get('CurrentTime');
  const dns = opts.get('DNSName');
  const nowMs = typeof t === 'number' || typeof t === 'bigint' ? Number((typeof t === 'bigint' ? t : BigInt(Math.trunc(t))) / 1_000_000n) : Number(ctx.nowNs / 1_000_000n);
  return parseAndVerify(n, input, nowMs, typeof dns === 'string' ? dns : undefined);
});

def('crypto.x509.parse_certificate_request', 1, (args) => {
  const n = 'crypto.x509.parse_certificate_request';
  const src = pemOrDer(n, str(n, args, 0));
  const der = 'pem' in src ? src.pem.find((b) => b.type.includes('CERTIFICATE REQUEST'))?.der : src.der;
  if (!der) throw builtinError(n, 'invalid PEM-encoded certificate signing request');
  try {
    const top = readTlv(der, 0);
    if (top.tag !== 0x30 || top.hdr + top.len !== der.length) throw new Error();
    const info = children(der, top)[0]!;
    const f = children(der, info);
    const spki = der.subarray(f[2]!.start, f[2]!.start + f[2]!.hdr + f[2]!.len);
    const pub = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    return fromJS({
      Raw: der.toString('base64'),
      Version: 0,
      Subject: pkixName(der, f[1]!),
      // Go's x509.PublicKeyAlgorithm enum
      PublicKeyAlgorithm: ({ rsa: 1, dsa: 2, ec: 3, ed25519: 4 } as Record<string, number>)[pub.asymmetricKeyType ?? ''] ?? 0,
      PublicKey: pub.export({ format: 'jwk' }),
      DNSNames: null, EmailAddresses: null, IPAddresses: null, URIs: null,
    });
  } catch {
    throw builtinError(n, 'asn1: structure error: tags don\'t match');
  }
});

/** Private-key PEM text from PEM or base64-of-PEM input. */
function pemText(name: string, input: string): string {
  if (input.trimStart().startsWith('-----BEGIN')) return input;
  try { return stdB64Decode(input).toString('utf8'); } catch (e) { throw builtinError(name, (e as Error).message); }
}

function keyJwk(k: KeyObject): Value {
  return fromJS(k.export({ format: 'jwk' }));
}

def('crypto.x509.parse_rsa_private_key', 1, (args) => {
  const n = 'crypto.x509.parse_rsa_private_key';
  const pem = pemText(n, str(n, args, 0));
  const block = pemBlocks(pem)[0];
  if (!block) throw builtinError(n, 'failed to parse PEM block containing the key');
  try {
    const k = createPrivateKey(pem);
    if (k.asymmetricKeyType !== 'rsa') throw new Error();
    return keyJwk(k);
  } catch { throw builtinError(n, 'x509: failed to parse private key'); }
});

def('crypto.parse_private_keys', 1, (args) => {
  const n = 'crypto.parse_private_keys';
  const input = str(n, args, 0);
  if (input === '') return null;
  let text = input;
  if (!input.trimStart().startsWith('-----BEGIN')) {
    try { text = stdB64Decode(input).toString('utf8'); } catch { return []; }
  }
  const out: Value[] = [];
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)) {
    if (!m[1]!.includes('PRIVATE KEY')) continue;
    try { out.push(keyJwk(createPrivateKey(m[0]))); } catch { throw builtinError(n, 'failed to parse private key'); }
  }
  return out;
});

def('crypto.x509.parse_keypair', 2, (args) => {
  const n = 'crypto.x509.parse_keypair';
  const certPem = pemText(n, str(n, args, 0));
  const keyPem = pemText(n, str(n, args, 1));
  const certs = pemBlocks(certPem).filter((b) => b.type === 'CERTIFICATE');
  if (certs.length === 0) throw builtinError(n, 'tls: failed to find any PEM data in certificate input');
  let key: KeyObject;
  try { key = createPrivateKey(keyPem); } catch { throw builtinError(n, 'tls: failed to find any PEM data in key input'); }
  const leaf = new X509Certificate(certs[0]!.der);
  const a = leaf.publicKey.export({ format: 'jwk' }), b = createPublicKey(key).export({ format: 'jwk' });
  if (JSON.stringify(a) !== JSON.stringify(b)) throw builtinError(n, 'tls: private key does not match public key');
  return fromJS({ Certificate: certs.map((c) => c.der.toString('base64')), PrivateKey: b, Leaf: null });
});
