// net.cidr_* builtins over IPv4/IPv6 addresses held as bigint.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { RObject, RSet, type Value } from '../value.js';
import { builtinError, elementErr, str, typeErr } from './args.js';
import { def } from './registry.js';

interface IP {
  v6: boolean;
  addr: bigint;
}
interface Net {
  v6: boolean;
  base: bigint; // network address
  bits: number; // prefix length
}

const width = (v6: boolean): number => (v6 ? 128 : 32);

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let out = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out = (out << 8n) | BigInt(p);
  }
  return out;
}

function parseIPv6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined;
  let tailV4: bigint | undefined;
  let t = s;
  const lastColon = t.lastIndexOf(':');
  if (t.slice(lastColon + 1).includes('.')) {
    tailV4 = parseIPv4(t.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    t = t.slice(0, lastColon + 1) + '0:0';
  }
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let out = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    out = (out << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== undefined) out = (out & ~0xffffffffn) | tailV4;
  return out;
}

export function parseIP(s: string): IP | undefined {
  if (s.includes(':')) {
    const a = parseIPv6(s);
    return a === undefined ? undefined : { v6: true, addr: a };
  }
  const a = parseIPv4(s);
  return a === undefined ? undefined : { v6: false, addr: a };
}

export function parseCIDR(s: string): Net | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const b = s.slice(slash + 1);
  if (!ip || !/^(0|[1-9]\d*)$/.test(b)) return undefined;
  const bits = Number(b);
  if (bits > width(ip.v6)) return undefined;
  return { v6: ip.v6, base: ip.addr & mask(ip.v6, bits), bits };
}

function mask(v6: boolean, bits: number): bigint {
  const w = BigInt(width(v6));
  return ((1n << w) - 1n) ^ ((1n << (w - BigInt(bits))) - 1n);
}

const last = (n: Net): bigint => n.base | (((1n << BigInt(width(n.v6))) - 1n) ^ mask(n.v6, n.bits));

export function formatIP(v6: boolean, a: bigint): string {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((a >> s) & 255n)).join('.');
  const g = Array.from({ length: 8 }, (_, i) => Number((a >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first one on ties.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLen).join(':');
}

const formatNet = (n: Net): string => formatIP(n.v6, n.base) + '/' + n.bits;

function cidrArg(name: string, args: Value[], i: number): Net {
  const s = str(name, args, i);
  const n = parseCIDR(s);
  if (!n) throw builtinError(name, `invalid CIDR address: ${s}`);
  return n;
}

/** A CIDR or a bare IP (as a /32 or /128). */
function cidrOrIP(s: string): Net | undefined {
  const n = parseCIDR(s);
  if (n) return n;
  const ip = parseIP(s);
  return ip ? { v6: ip.v6, base: ip.addr, bits: width(ip.v6) } : undefined;
}

function contains(a: Net, b: Net): boolean {
  return a.v6 === b.v6 && b.base >= a.base && last(b) <= last(a);
}

def('net.cidr_contains', 2, (args) => {
  const a = cidrArg('net.cidr_contains', args, 0);
  const s = str('net.cidr_contains', args, 1);
  const b = cidrOrIP(s);
  if (!b) throw builtinError('net.cidr_contains', `invalid CIDR address: ${s}`);
  return contains(a, b);
});

def('net.cidr_intersects', 2, (args) => {
  const a = cidrArg('net.cidr_intersects', args, 0);
  const b = cidrArg('net.cidr_intersects', args, 1);
  return a.v6 === b.v6 && a.base <= last(b) && b.base <= last(a);
});

def('net.cidr_is_valid', 1, ([v]) => typeof v === 'string' && parseCIDR(v) !== undefined);

def('net.cidr_expand', 1, (args) => {
  const n = cidrArg('net.cidr_expand', args, 0);
  const hostBits = width(n.v6) - n.bits;
  if (hostBits > 20) throw builtinError('net.cidr_expand', 'CIDR range too large to expand');
  const out = new RSet();
  for (let a = n.base; a <= last(n); a++) out.add(formatIP(n.v6, a));
  return out;
});

def('net.cidr_merge', 1, ([v]) => {
  let xs: Value[];
  if (Array.isArray(v)) xs = v;
  else if (v instanceof RSet) xs = v.values();
  else throw typeErr('net.cidr_merge', 1, 'one of {array, set}', v!);
  const nets: Net[] = [];
  for (const x of xs) {
    if (typeof x !== 'string') throw elementErr('net.cidr_merge', 1, v!, x, 'string');
    let n = parseCIDR(x);
    if (!n) {
      const ip = parseIP(x);
      if (!ip) throw builtinError('net.cidr_merge', `invalid CIDR address: ${x}`);
      if (ip.v6) throw builtinError('net.cidr_merge', 'IPv6 invalid: needs prefix length');
      // Go's net.IP.DefaultMask: the classful mask (A /8, B /16, C /24).
      const first = Number(ip.addr >> 24n);
      const bits = first < 128 ? 8 : first < 192 ? 16 : first < 224 ? 24 : 32;
      n = { v6: false, base: ip.addr & mask(false, bits), bits };
    }
    nets.push(n);
  }
  const out = new RSet();
  for (const v6 of [false, true]) for (const n of mergeNets(nets.filter((n) => n.v6 === v6))) out.add(formatNet(n));
  return out;
});

/** Smallest set of CIDRs covering exactly the union of the inputs. */
function mergeNets(nets: Net[]): Net[] {
  // Sort by base, then by size (larger first); drop nets contained in a previous one.
  const sorted = [...nets].sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : a.bits - b.bits));
  let list: Net[] = [];
  for (const n of sorted) if (!list.some((m) => contains(m, n))) list.push(n);
  // Repeatedly join sibling pairs (same size, adjacent, aligned) into their parent.
  for (let changed = true; changed; ) {
    changed = false;
    const next: Net[] = [];
    for (let i = 0; i < list.length; i++) {
      const a = list[i]!;
      const b = list[i + 1];
      if (b && a.bits === b.bits && a.bits > 0) {
        const parent: Net = { v6: a.v6, base: a.base & mask(a.v6, a.bits - 1), bits: a.bits - 1 };
        if (parent.base === a.base && last(parent) === last(b)) {
          next.push(parent);
          i++;
          changed = true;
          continue;
        }
      }
      next.push(a);
    }
    list = [];
    for (const n of next) if (!list.some((m) => contains(m, n))) list.push(n);
  }
  return list;
}

// net.cidr_contains_matches(cidrs, ips): pairs of keys [cidr key, ip key] where the CIDR contains the
// address. Operands: a string, or an array/set/object of strings or of arrays whose first element is one.
function entriesOf(name: string, v: Value, i: number): [Value, string][] {
  const elem = (x: Value): string => {
    if (typeof x === 'string') return x;
    if (Array.isArray(x) && x.length > 0 && typeof x[0] === 'string') return x[0];
    throw builtinError(name, `operand ${i}: element must be string or non-empty array`);
  };
  if (typeof v === 'string') return [[v, v]];
  if (Array.isArray(v)) return v.map((x, k) => [k, elem(x)]);
  if (v instanceof RSet) return v.values().map((x) => [x, elem(x)]);
  if (v instanceof RObject) return v.entries().map(([k, x]) => [k, elem(x)]);
  throw typeErr(name, i, 'one of {string, array, set, object}', v);
}

def('net.cidr_contains_matches', 2, (args) => {
  const name = 'net.cidr_contains_matches';
  const cidrs = entriesOf(name, args[0]!, 1);
  const ips = entriesOf(name, args[1]!, 2);
  const out = new RSet();
  for (const [ck, cs] of cidrs) {
    const c = parseCIDR(cs);
    if (!c) throw builtinError(name, `invalid CIDR address: ${cs}`);
    for (const [ik, is] of ips) {
      const n = cidrOrIP(is);
      if (!n) throw builtinError(name, `invalid CIDR address: ${is}`);
      if (contains(c, n)) out.add([ck, ik]);
    }
  }
  return out;
});

// ---- net.lookup_ip_addr ----
// Evaluation is synchronous and makes no network calls: an IP address is its own answer and host
// names come from the hosts file (/etc/hosts, read synchronously, as the resolver reads it first);
// any other name is a builtin error (undefined unless strict), never a hang.
function hostsFile(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let text = '';
  try {
    text = readFileSync('/etc/hosts', 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const [addr, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (!addr || !isIP(addr)) continue;
    for (const n of names) {
      const list = out.get(n.toLowerCase()) ?? [];
      if (!list.includes(addr)) list.push(addr);
      out.set(n.toLowerCase(), list);
    }
  }
  return out;
}

def('net.lookup_ip_addr', 1, (args) => {
  const name = str('net.lookup_ip_addr', args, 0);
  if (isIP(name)) return RSet.from([name]);
  const addrs = hostsFile().get(name.toLowerCase());
  if (addrs?.length) return RSet.from(addrs);
  throw builtinError('net.lookup_ip_addr', `lookup ${name}: no such host in the hosts file (this engine makes no DNS queries)`);
});
