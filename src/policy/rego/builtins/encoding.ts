// Serialisation builtins: json.*, yaml.*, base64*, hex.*, urlquery.*.
import { parse as parseYAML, stringify as stringifyYAML } from 'yaml';
import { formatNumber, fromJS, parseJSONExact, RObject, RSet, toJS, type Value } from '../value.js';
import { builtinError, obj, str, typeErr } from './args.js';
import { BuiltinError, def } from './registry.js';

// ---- JSON ----

/** Go encoding/json string escaping (HTML-safe: <, >, & and U+2028/9 escaped, as json.Marshal does). */
export function goJSONString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029)
      out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** JSON as Go's json.Marshal/MarshalIndent writes OPA values (sets as arrays, sorted object keys). */
export function goJSON(v: Value, indent = '', prefix = '', depth = 0): string {
  const nl = indent ? '\n' + prefix + indent.repeat(depth + 1) : '';
  const end = indent ? '\n' + prefix + indent.repeat(depth) : '';
  const sep = indent ? ': ' : ':';
  switch (typeof v) {
    case 'string':
      return goJSONString(v);
    case 'number':
    case 'bigint':
      return formatNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v === null) return 'null';
  if (Array.isArray(v) || v instanceof RSet) {
    const xs = Array.isArray(v) ? v : v.values();
    if (xs.length === 0) return '[]';
    return '[' + xs.map((x) => nl + goJSON(x, indent, prefix, depth + 1)).join(',') + end + ']';
  }
  const o = v as RObject;
  const entries = o.entries().map(([k, x]) => [typeof k === 'string' ? k : goJSON(k), x] as [string, Value]);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (entries.length === 0) return '{}';
  return '{' + entries.map(([k, x]) => nl + goJSONString(k) + sep + goJSON(x, indent, prefix, depth + 1)).join(',') + end + '}';
}

def('json.marshal', 1, ([v]) => goJSON(v!));

def('json.marshal_with_options', 2, (args) => {
  const v = args[0]!;
  const opts = obj('json.marshal_with_options', args, 1);
  let pretty: boolean | undefined;
  let indent = '\t';
  let prefix = '';
  let sawIndentOrPrefix = false;
  for (const [k, x] of opts.entries()) {
    if (k === 'pretty') {
      if (typeof x !== 'boolean') throw typeErr('json.marshal_with_options', 2, 'boolean for key "pretty"', x);
      pretty = x;
    } else if (k === 'indent') {
      if (typeof x !== 'string') throw typeErr('json.marshal_with_options', 2, 'string for key "indent"', x);
      indent = x;
      sawIndentOrPrefix = true;
    } else if (k === 'prefix') {
      if (typeof x !== 'string') throw typeErr('json.marshal_with_options', 2, 'string for key "prefix"', x);
      prefix = x;
      sawIndentOrPrefix = true;
    } else {
      throw new BuiltinError(
        'eval_type_error',
        `json.marshal_with_options: operand 2 object contained unknown key ${JSON.stringify(typeof k === 'string' ? k : String(k))}`,
      );
    }
  }
  const doPretty = pretty ?? sawIndentOrPrefix;
  if (!doPretty) return goJSON(v);
  return prefix + goJSON(v, indent, prefix);
});

export function parseJSONValue(name: string, s: string): Value {
  try {
    return fromJS(parseJSONExact(s));
  } catch (e) {
    throw builtinError(name, (e as Error).message);
  }
}

def('json.unmarshal', 1, (args) => parseJSONValue('json.unmarshal', str('json.unmarshal', args, 0)));

def('json.is_valid', 1, ([v]) => {
  if (typeof v !== 'string') return false;
  try {
    JSON.parse(v);
    return true;
  } catch {
    return false;
  }
});

// ---- YAML ----
/** Go-yaml style message ("yaml: line 1: did not find expected ',' or ']'") from a yaml-package error. */
function yamlErrorMessage(e: Error & { linePos?: { line: number }[] }): string {
  const line = e.linePos?.[0]?.line;
  let msg = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  const unclosed = /must (?:be sufficiently indented and )?end with an? ([\]}])/.exec(msg);
  if (unclosed) msg = `did not find expected ',' or '${unclosed[1]}'`;
  return line !== undefined ? `yaml: line ${line}: ${msg}` : `yaml: ${msg}`;
}

function yamlToValue(name: string, s: string): Value {
  let doc: unknown;
  try {
    doc = parseYAML(s, {
      // YAML 1.1 like Go's yaml.v2 (yes/no are booleans), but timestamps stay strings as in OPA.
      version: '1.1',
      customTags: (tags) => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp'),
      intAsBigInt: true,
      uniqueKeys: true,
      merge: true,
      logLevel: 'error',
    });
  } catch (e) {
    throw builtinError(name, yamlErrorMessage(e as Error));
  }
  return fromJS(doc);
}

def('yaml.unmarshal', 1, (args) => yamlToValue('yaml.unmarshal', str('yaml.unmarshal', args, 0)));

def('yaml.marshal', 1, ([v]) => {
  const js = toJS(v!);
  return stringifyYAML(js, { version: '1.1', lineWidth: 0, indentSeq: false, defaultStringType: 'PLAIN' });
});

def('yaml.is_valid', 1, ([v]) => {
  if (typeof v !== 'string') return false;
  try {
    yamlToValue('yaml.is_valid', v);
    return true;
  } catch {
    return false;
  }
});

// ---- base64 / hex ----
const B64_STD = /^[A-Za-z0-9+/]*$/;
const B64_URL = /^[A-Za-z0-9\-_]*$/;

/** Strict base64 decoding as Go's encoding/base64 (padding required when `padded`). */
function decodeB64(name: string, s: string, url: boolean, padded: boolean): string {
  const alphabet = url ? B64_URL : B64_STD;
  // Go skips \r and \n.
  const t = s.replace(/[\r\n]/g, '');
  let body = t;
  let pad = 0;
  while (body.endsWith('=')) {
    body = body.slice(0, -1);
    pad++;
  }
  const fail = (pos: number): never => {
    throw builtinError(name, `illegal base64 data at input byte ${pos}`);
  };
  for (let i = 0; i < body.length; i++) if (!alphabet.test(body[i]!)) fail(i);
  const rem = body.length % 4;
  if (rem === 1) fail(body.length - 1 >= 0 ? body.length : 0);
  if (padded) {
    const need = rem === 0 ? 0 : 4 - rem;
    if (pad !== need) fail(body.length + Math.min(pad, need));
  } else if (pad > 0) fail(body.length);
  return Buffer.from(body, url ? 'base64url' : 'base64').toString('utf8');
}

def('base64.encode', 1, (args) => Buffer.from(str('base64.encode', args, 0), 'utf8').toString('base64'));
def('base64.decode', 1, (args) => decodeB64('base64.decode', str('base64.decode', args, 0), false, true));
def('base64.is_valid', 1, (args) => {
  try {
    decodeB64('base64.is_valid', str('base64.is_valid', args, 0), false, true);
    return true;
  } catch (e) {
    if (e instanceof BuiltinError && e.code === 'eval_type_error') throw e;
    return false;
  }
});
def('base64url.encode', 1, (args) => {
  const s = Buffer.from(str('base64url.encode', args, 0), 'utf8').toString('base64url');
  return s + '='.repeat((4 - (s.length % 4)) % 4);
});
def('base64url.encode_no_pad', 1, (args) =>
  Buffer.from(str('base64url.encode_no_pad', args, 0), 'utf8').toString('base64url'),
);
def('base64url.decode', 1, (args) => {
  const s = str('base64url.decode', args, 0);
  // OPA accepts both padded and unpadded input.
  return decodeB64('base64url.decode', s, true, s.endsWith('='));
});

def('hex.encode', 1, (args) => Buffer.from(str('hex.encode', args, 0), 'utf8').toString('hex'));
def('hex.decode', 1, (args) => {
  const s = str('hex.decode', args, 0);
  for (const ch of s) {
    if (!/[0-9a-fA-F]/.test(ch)) {
      const cp = ch.codePointAt(0)!;
      throw builtinError('hex.decode', `encoding/hex: invalid byte: U+${cp.toString(16).toUpperCase().padStart(4, '0')} ${goRuneQuote(ch)}`);
    }
  }
  if (s.length % 2 === 1) throw builtinError('hex.decode', 'encoding/hex: odd length hex string');
  return Buffer.from(s, 'hex').toString('utf8');
});

function goRuneQuote(ch: string): string {
  return ch === "'" ? "'\\''" : `'${ch}'`;
}

// ---- urlquery ----
/** Go url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Go url.QueryUnescape. */
export function queryUnescape(name: string, s: string): string {
  const bytes: number[] = [];
  const src = Buffer.from(s, 'utf8');
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (b === 0x25) {
      const h = src.subarray(i + 1, i + 3).toString('latin1');
      if (!/^[0-9a-fA-F]{2}$/.test(h)) {
        const bad = src.subarray(i, Math.min(i + 3, src.length)).toString('utf8');
        throw builtinError(name, `invalid URL escape ${JSON.stringify(bad)}`);
      }
      bytes.push(parseInt(h, 16));
      i += 2;
    } else if (b === 0x2b) bytes.push(0x20);
    else bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

def('urlquery.encode', 1, (args) => queryEscape(str('urlquery.encode', args, 0)));
def('urlquery.decode', 1, (args) => queryUnescape('urlquery.decode', str('urlquery.decode', args, 0)));

def('urlquery.encode_object', 1, (args) => {
  const o = obj('urlquery.encode_object', args, 0);
  const parts: string[] = [];
  for (const [k, v] of o.entries()) {
    if (typeof k !== 'string') throw typeErr('urlquery.encode_object', 1, 'object of string keys', k);
    const vals: Value[] = typeof v === 'string' ? [v] : Array.isArray(v) ? v : v instanceof RSet ? v.values() : [v];
    for (const x of vals) {
      if (typeof x !== 'string') throw typeErr('urlquery.encode_object', 1, 'string, array[string] or set[string]', x);
      parts.push(queryEscape(k) + '=' + queryEscape(x));
    }
  }
  return parts.join('&');
});

def('urlquery.decode_object', 1, (args) => {
  const s = str('urlquery.decode_object', args, 0);
  const acc = new Map<string, string[]>();
  for (const part of s.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = queryUnescape('urlquery.decode_object', eq < 0 ? part : part.slice(0, eq));
    const v = queryUnescape('urlquery.decode_object', eq < 0 ? '' : part.slice(eq + 1));
    if (!acc.has(k)) acc.set(k, []);
    acc.get(k)!.push(v);
  }
  const out = new RObject();
  for (const [k, vs] of acc) out.set(k, vs);
  return out;
});
