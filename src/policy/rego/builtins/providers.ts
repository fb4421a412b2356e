// providers.aws.sign_req: AWS Signature Version 4 for a request object, as OPA signs it
// (internal/providers/aws SignV4: the canonical request over the lower-cased headers, host and
// x-amz-date, x-amz-content-sha256 for s3 and glacier, x-amz-security-token with a session token),
// with node's crypto.
import { createHash, createHmac } from 'node:crypto';
import { RObject, RSet, typeName, type Value } from '../value.js';
import { goJSON } from './encoding.js';
import { regoString } from './format.js';
import { BuiltinError, def } from './registry.js';

const NAME = 'providers.aws.sign_req';
const REQUIRED_CONFIG = ['aws_access_key', 'aws_region', 'aws_secret_access_key', 'aws_service'];
const IGNORED = new Set(['authorization', 'user-agent', 'x-amzn-trace-id']);
/** The request keys http.send accepts (validateHTTPRequestOperand). */
const ALLOWED = new Set([
  'method', 'url', 'body', 'enable_redirect', 'force_json_decode', 'force_yaml_decode', 'headers', 'raw_body',
  'tls_use_system_certs', 'tls_ca_cert', 'tls_ca_cert_file', 'tls_ca_cert_env_variable', 'tls_client_cert',
  'tls_client_cert_file', 'tls_client_cert_env_variable', 'tls_client_key', 'tls_client_key_file',
  'tls_client_key_env_variable', 'tls_insecure_skip_verify', 'tls_server_name', 'timeout', 'cache', 'force_cache',
  'force_cache_duration_seconds', 'raise_error', 'caching_mode', 'max_retry_attempts', 'cache_ignored_headers',
]);

const operandErr = (pos: number, msg: string): BuiltinError => new BuiltinError('eval_type_error', `${NAME}: operand ${pos} ${msg}`);
const setText = (xs: Value[]): string => regoString(RSet.from(xs));
const str = (v: Value | undefined): string => (typeof v === 'string' ? v : '');

const hmac = (key: Buffer | string, msg: string): Buffer => createHmac('sha256', key).update(msg, 'utf8').digest();
const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Go's url.URL Host, EscapedPath and RawQuery for the URLs a policy signs. */
function splitURL(u: string): { host: string; path: string; query: string } {
  let rest = u.replace(/#.*$/s, '');
  const q = rest.indexOf('?');
  const query = q >= 0 ? rest.slice(q + 1) : '';
  if (q >= 0) rest = rest.slice(0, q);
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  let host = '';
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    host = slash >= 0 ? rest.slice(2, slash) : rest.slice(2);
    rest = slash >= 0 ? rest.slice(slash) : '';
    host = host.replace(/^.*@/, '');
  }
  return { host, path: rest, query };
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

def(NAME, 3, ([req, config, time]) => {
  if (!(req instanceof RObject)) throw operandErr(1, `must be object but got ${typeName(req!)}`);
  if (!(config instanceof RObject)) throw operandErr(1, `must be object but got ${typeName(config!)}`);
  const missing = REQUIRED_CONFIG.filter((k) => !config.has(k));
  if (missing.length) throw operandErr(2, `missing required AWS config parameters(s): ${setText(missing)}`);
  const badConfig = REQUIRED_CONFIG.filter((k) => typeof config.get(k) !== 'string');
  if (badConfig.length) throw operandErr(2, `invalid values for required AWS config parameters(s): ${setText(badConfig)}`);
  if (typeof time !== 'number' && typeof time !== 'bigint') throw operandErr(1, `must be number but got ${typeName(time!)}`);
  if (typeof time === 'number' && !Number.isInteger(time)) throw operandErr(3, 'could not convert time_ns value into a unix timestamp');
  const badKeys = req.keys().filter((k) => typeof k !== 'string' || !ALLOWED.has(k));
  if (badKeys.length) throw operandErr(1, `invalid request parameters(s): ${setText(badKeys)}`);
  const missingReq = ['method', 'url'].filter((k) => !req.has(k));
  if (missingReq.length) throw operandErr(1, `missing required request parameters(s): ${setText(missingReq)}`);
  const headersV = req.get('headers');
  if (headersV !== undefined && !(headersV instanceof RObject)) throw operandErr(0, `must be object but got ${typeName(headersV)}`);
  const badReq = ['url', 'method'].filter((k) => typeof req.get(k) !== 'string');
  if (badReq.length) throw operandErr(1, `invalid values for required request parameters(s): ${setText(badReq)}`);

  const service = str(config.get('aws_service'));
  const access = str(config.get('aws_access_key'));
  const secret = str(config.get('aws_secret_access_key'));
  const region = str(config.get('aws_region'));
  const token = config.has('aws_session_token') ? str(config.get('aws_session_token')) : '';
  const dps = config.get('disable_payload_signing');
  if (dps !== undefined && typeof dps !== 'boolean') throw operandErr(2, "invalid value for 'disable_payload_signing' in AWS config");

  const raw = req.get('raw_body');
  const body = req.get('body');
  const payload = raw !== undefined ? str(raw) : body !== undefined ? goJSON(body) : '';
  const contentSha = dps === true ? 'UNSIGNED-PAYLOAD' : sha256(Buffer.from(payload, 'utf8'));

  const d = new Date(Number(BigInt(time) / 1_000_000n));
  const date = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
  const stamp = `${date}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  const url = splitURL(str(req.get('url')));

  const awsHeaders = new Map<string, string>([
    ['host', url.host],
    ['x-amz-date', stamp],
  ]);
  if (service === 's3' || service === 'glacier') awsHeaders.set('x-amz-content-sha256', contentSha);
  if (token !== '') awsHeaders.set('x-amz-security-token', token);

  const original = new Map<string, string>();
  if (headersV instanceof RObject) for (const [k, v] of headersV.entries()) original.set(str(k), str(v));
  const toSign = new Map(awsHeaders);
  for (const [k, v] of original) if (!IGNORED.has(k.toLowerCase())) toSign.set(k.toLowerCase(), v);
  const keys = [...toSign.keys()].sort();
  const method = str(req.get('method'));
  let canonical = `${method}\n${url.path}\n${url.query}\n`;
  for (const k of keys) canonical += `${k}:${toSign.get(k)}\n`;
  canonical += `\n${keys.join(';')}\n${contentSha}`;
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSignText = `AWS4-HMAC-SHA256\n${stamp}\n${scope}\n${sha256(canonical)}`;
  let key = hmac('AWS4' + secret, date);
  key = hmac(key, region);
  key = hmac(key, service);
  key = hmac(key, 'aws4_request');
  const signature = hmac(key, toSignText).toString('hex');

  const headers = new RObject();
  for (const [k, v] of original) headers.set(k, v);
  headers.set('Authorization', `AWS4-HMAC-SHA256 Credential=${access}/${scope},SignedHeaders=${keys.join(';')},Signature=${signature}`);
  for (const [k, v] of awsHeaders) headers.set(k, v);
  const out = req.clone();
  out.set('headers', headers);
  return out;
});
