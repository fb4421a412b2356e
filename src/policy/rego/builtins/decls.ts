// The declaration table of builtins: name and number of input arguments, grouped by the family
// file that implements them. The parser and compiler need only this table (to resolve calls and
// check arity); implementations are loaded by family when an evaluation needs them (load.ts), so
// compiling a policy does not pull in jwt, x509 or json schema code.
//
// A test (test/policy/builtins-decls.test.ts) checks that this table and the registrations of the
// family files agree.

export const BUILTIN_FAMILIES = {
operators: {'equal': 2, 'neq': 2, 'lt': 2, 'lte': 2, 'gt': 2, 'gte': 2, 'plus': 2, 'mul': 2, 'minus': 2, 'div': 2, 'rem': 2, 'abs': 1, 'round': 1, 'ceil': 1, 'floor': 1, 'and': 2, 'or': 2},
  aggregates: {'count': 1, 'sum': 1, 'product': 1, 'max': 1, 'min': 1, 'sort': 1},
  types: {'is_number': 1, 'is_string': 1, 'is_boolean': 1, 'is_array': 1, 'is_set': 1, 'is_object': 1, 'is_null': 1, 'type_name': 1},
  strings: {'concat': 2, 'contains': 2, 'startswith': 2, 'endswith': 2, 'lower': 1, 'upper': 1, 'split': 2, 'replace': 3, 'strings.replace_n': 2, 'trim': 2, 'trim_left': 2, 'trim_right': 2, 'trim_prefix': 2, 'trim_suffix': 2, 'trim_space': 1, 'format_int': 2, 'indexof': 2, 'indexof_n': 2, 'substring': 3, 'strings.reverse': 1, 'strings.count': 2, 'strings.any_prefix_match': 2, 'strings.any_suffix_match': 2},
  sprintf: {'sprintf': 2},
  numbers: {'to_number': 1, 'numbers.range': 2, 'numbers.range_step': 3, 'rand.intn': 2, 'test.sleep': 1},
  collections: {'array.concat': 2, 'array.slice': 3, 'array.reverse': 1, 'array.flatten': 1, 'object.get': 3, 'object.keys': 1, 'object.union': 2, 'object.union_n': 1, 'object.remove': 2, 'object.filter': 2, 'object.subset': 2, 'intersection': 1, 'union': 1, 'walk': 1, 'graph.reachable': 2, 'graph.reachable_paths': 2},
  encoding: {'json.marshal': 1, 'json.marshal_with_options': 2, 'json.unmarshal': 1, 'json.is_valid': 1, 'yaml.unmarshal': 1, 'yaml.marshal': 1, 'yaml.is_valid': 1, 'base64.encode': 1, 'base64.decode': 1, 'base64.is_valid': 1, 'base64url.encode': 1, 'base64url.encode_no_pad': 1, 'base64url.decode': 1, 'hex.encode': 1, 'hex.decode': 1, 'urlquery.encode': 1, 'urlquery.decode': 1, 'urlquery.encode_object': 1, 'urlquery.decode_object': 1},
  time: {'time.now_ns': 0, 'time.parse_rfc3339_ns': 1, 'time.parse_ns': 2, 'time.parse_duration_ns': 1, 'time.date': 1, 'time.clock': 1, 'time.weekday': 1, 'time.format': 1, 'time.add_date': 4, 'time.diff': 2},
  units: {'units.parse': 1, 'units.parse_bytes': 1},
  regex: {'regex.match': 2, 'regex.is_valid': 1, 'regex.split': 2, 'regex.find_n': 3, 'regex.find_all_string_submatch_n': 3, 'regex.replace': 3, 'regex.template_match': 4},
  glob: {'glob.match': 3, 'glob.quote_meta': 1},
  bits: {'bits.and': 2, 'bits.or': 2, 'bits.xor': 2, 'bits.negate': 1, 'bits.lsh': 2, 'bits.rsh': 2},
  crypto: {'crypto.md5': 1, 'crypto.hmac.md5': 2, 'crypto.sha1': 1, 'crypto.hmac.sha1': 2, 'crypto.sha256': 1, 'crypto.hmac.sha256': 2, 'crypto.hmac.sha512': 2, 'crypto.hmac.equal': 2},
  ids: {'uuid.rfc4122': 1, 'uuid.parse': 1, 'semver.is_valid': 1, 'semver.compare': 2},
  jsonpaths: {'json.filter': 2, 'json.remove': 2, 'json.patch': 2},
  net: {'net.cidr_contains': 2, 'net.cidr_intersects': 2, 'net.cidr_is_valid': 1, 'net.cidr_expand': 1, 'net.cidr_merge': 1, 'net.cidr_contains_matches': 2},
  globsmatch: {'regex.globs_match': 2},
  template: {'strings.render_template': 2},
  jsonschema: {'json.verify_schema': 1, 'json.match_schema': 2},
  jwt: {'io.jwt.decode': 1, 'io.jwt.verify_rs256': 2, 'io.jwt.verify_rs384': 2, 'io.jwt.verify_rs512': 2, 'io.jwt.verify_ps256': 2, 'io.jwt.verify_ps384': 2, 'io.jwt.verify_ps512': 2, 'io.jwt.verify_es256': 2, 'io.jwt.verify_es384': 2, 'io.jwt.verify_es512': 2, 'io.jwt.verify_eddsa': 2, 'io.jwt.verify_hs256': 2, 'io.jwt.verify_hs384': 2, 'io.jwt.verify_hs512': 2, 'io.jwt.decode_verify': 2, 'io.jwt.encode_sign_raw': 3, 'io.jwt.encode_sign': 3},
  x509: {'crypto.x509.parse_certificates': 1, 'crypto.x509.parse_and_verify_certificates': 1, 'crypto.x509.parse_and_verify_certificates_with_options': 2, 'crypto.x509.parse_certificate_request': 1, 'crypto.x509.parse_rsa_private_key': 1, 'crypto.parse_private_keys': 1, 'crypto.x509.parse_keypair': 2},
} as const satisfies Record<string, Record<string, number>>;

export type BuiltinFamily = keyof typeof BUILTIN_FAMILIES;

/** Builtins implemented by the evaluator itself (arity -1: variadic). */
export const EVAL_BUILTINS: ReadonlyMap<string, number> = new Map<string, number>([
  ['print', -1],
  ['internal.print', 1],
  ['trace', 1],
  ['internal.member_2', 2],
  ['internal.member_3', 3],
  ['rego.metadata.chain', 0],
  ['rego.metadata.rule', 0],
  ['walk', 1],
  ['opa.runtime', 0],
  ['rego.parse_module', 2],
  ['http.send', 1],
]);

const ARITY = new Map<string, number>();
const FAMILY = new Map<string, BuiltinFamily>();
for (const [family, names] of Object.entries(BUILTIN_FAMILIES) as [BuiltinFamily, Record<string, number>][]) {
  for (const [name, arity] of Object.entries(names)) {
    ARITY.set(name, arity);
    FAMILY.set(name, family);
  }
}

/** Number of input arguments of a builtin (-1: variadic), undefined when there is no such builtin. */
export function builtinArity(name: string): number | undefined {
  return ARITY.get(name) ?? EVAL_BUILTINS.get(name);
}

/** The family file that implements a builtin (undefined for the evaluator's own and unknown names). */
export function builtinFamily(name: string): BuiltinFamily | undefined {
  return FAMILY.get(name);
}
