// uuid.rfc4122, uuid.parse, semver.compare, semver.is_valid.
import { randomUUID } from 'node:crypto';
import { num, RObject } from '../value.js';
import { builtinError, str } from './args.js';
import { def } from './registry.js';

// ---- uuid ----
// Deterministic per query: the same key yields the same UUID within one evaluation.
def('uuid.rfc4122', 1, (args, ctx) => {
  const k = 'uuid.rfc4122\u0000' + str('uuid.rfc4122', args, 0);
  let u = ctx.cache.get(k) as string | undefined;
  if (u === undefined) {
    u = randomUUID();
    ctx.cache.set(k, u);
  }
  return u;
});

/** The 16 bytes of a UUID in any of Go's google/uuid accepted text forms, or undefined. */
function uuidBytes(s: string): Buffer | undefined {
  let t = s;
  if (t.length === 45 && t.toLowerCase().startsWith('urn:uuid:')) t = t.slice(9);
  else if (t.length === 38 && t.startsWith('{') && t.endsWith('}')) t = t.slice(1, -1);
  if (t.length === 36) {
    if (t[8] !== '-' || t[13] !== '-' || t[18] !== '-' || t[23] !== '-') return undefined;
    t = t.replaceAll('-', '');
  } else if (t.length !== 32) return undefined;
  if (!/^[0-9a-fA-F]{32}$/.test(t)) return undefined;
  return Buffer.from(t, 'hex');
}

const GREGORIAN_TO_UNIX_100NS = 122192928000000000n; // 100ns intervals from 1582-10-15 to 1970-01-01

def('uuid.parse', 1, ([v]) => {
  if (typeof v !== 'string') return undefined;
  const b = uuidBytes(v);
  if (!b) return undefined;
  const version = b[6]! >> 4;
  const vb = b[8]!;
  const variant = (vb & 0xc0) === 0x80 ? 'RFC4122' : (vb & 0xe0) === 0xc0 ? 'Microsoft' : (vb & 0xe0) === 0xe0 ? 'Future' : 'Reserved';
  const out = new RObject();
  out.set('version', version);
  out.set('variant', variant);
  if (version === 1 || version === 2) {
    const timeLow = BigInt(b.readUInt32BE(0));
    const timeMid = BigInt(b.readUInt16BE(4));
    const timeHi = BigInt(b.readUInt16BE(6) & 0x0fff);
    const t = timeLow | (timeMid << 32n) | (timeHi << 48n);
    out.set('time', num((t - GREGORIAN_TO_UNIX_100NS) * 100n));
    out.set('clocksequence', ((b[8]! & 0x3f) << 8) | b[9]!);
    const node = [...b.subarray(10, 16)].map((x) => x.toString(16).padStart(2, '0'));
    out.set('nodeid', node.join('-'));
    const n0 = b[10]!;
    out.set('macvariables', (n0 & 0x02 ? 'local' : 'global') + ':' + (n0 & 0x01 ? 'multicast' : 'unicast'));
    if (version === 2) {
      out.set('id', num(timeLow));
      const d = b[9]!;
      out.set('domain', d === 0 ? 'Person' : d === 1 ? 'Group' : d === 2 ? 'Org' : `Domain${d}`);
    }
  }
  return out;
});

// ---- semver (SemVer 2.0.0) ----
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

interface SemVer {
  major: bigint;
  minor: bigint;
  patch: bigint;
  pre: string[];
}

function parseSemVer(s: string): SemVer | undefined {
  const m = SEMVER.exec(s);
  if (!m) return undefined;
  return { major: BigInt(m[1]!), minor: BigInt(m[2]!), patch: BigInt(m[3]!), pre: m[4] ? m[4].split('.') : [] };
}

const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

export function compareSemVer(a: SemVer, b: SemVer): number {
  const c = cmp(a.major, b.major) || cmp(a.minor, b.minor) || cmp(a.patch, b.patch);
  if (c) return c;
  if (a.pre.length === 0 || b.pre.length === 0) return a.pre.length === b.pre.length ? 0 : a.pre.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i]!;
    const y = b.pre[i]!;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    let d: number;
    if (xn && yn) d = cmp(BigInt(x), BigInt(y));
    else if (xn) d = -1;
    else if (yn) d = 1;
    else d = x < y ? -1 : x > y ? 1 : 0;
    if (d) return d;
  }
  return Math.sign(a.pre.length - b.pre.length);
}

def('semver.is_valid', 1, ([v]) => typeof v === 'string' && parseSemVer(v) !== undefined);

def('semver.compare', 2, (args) => {
  const vs = [0, 1].map((i) => {
    const s = str('semver.compare', args, i);
    const p = parseSemVer(s);
    if (!p) throw builtinError('semver.compare', `operand ${i + 1}: string ${JSON.stringify(s)} is not a valid SemVer`);
    return p;
  });
  return compareSemVer(vs[0]!, vs[1]!);
});

