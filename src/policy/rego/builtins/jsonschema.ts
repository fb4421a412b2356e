// json.verify_schema and json.match_schema: a JSON Schema (draft 4/6/7) validator over Rego values,
// reporting errors in gojsonschema's words, which is what OPA uses.
import { equal, isNumber, RObject, RSet, type Value } from '../value.js';
import { builtinError, typeErr } from './args.js';
import { goJSON, parseJSONValue } from './encoding.js';
import { compileRE2 } from './re2.js';
import { def } from './registry.js';

const TYPES = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string'];

class SchemaError extends Error {}

interface SchemaIssue {
  type: string;
  field: string;
  desc: string;
}

/** gojsonschema's name for a value's type: integer-valued numbers are "integer". */
function jsType(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return 'integer';
  if (typeof v === 'number') return 'number';
  if (Array.isArray(v) || v instanceof RSet) return 'array';
  return 'object';
}

const num = (v: Value | undefined): number | undefined => (isNumber(v ?? null) ? Number(v) : undefined);
const ctxField = (path: string[]): string => (path.length === 0 ? '(root)' : path.join('.'));

/** Checks a schema's own structure (the part gojsonschema rejects when loading). */
function checkSchema(s: Value, root: Value): void {
  if (typeof s === 'boolean') return;
  if (!(s instanceof RObject)) throw new SchemaError('schema must be an object or a boolean');
  const t = s.get('type');
  if (t !== undefined) {
    const ts = Array.isArray(t) ? t : [t];
    for (const x of ts) {
      if (typeof x !== 'string' || !TYPES.includes(x))
        throw new SchemaError(
          `has a primitive type that is NOT VALID -- given: /${typeof x === 'string' ? x : String(x)}/ Expected valid values are:[${TYPES.join(' ')}]`,
        );
    }
  }
  for (const k of ['properties', 'patternProperties', 'definitions', '$defs']) {
    const o = s.get(k);
    if (o === undefined) continue;
    if (!(o instanceof RObject)) throw new SchemaError(`${k} must be an object`);
    for (const sub of o.values()) checkSchema(sub, root);
  }
  for (const k of ['additionalProperties', 'additionalItems', 'not', 'contains', 'if', 'then', 'else', 'propertyNames']) {
    const sub = s.get(k);
    if (sub !== undefined) checkSchema(sub, root);
  }
  const items = s.get('items');
  if (Array.isArray(items)) items.forEach((x) => checkSchema(x, root));
  else if (items !== undefined) checkSchema(items, root);
  for (const k of ['allOf', 'anyOf', 'oneOf']) {
    const xs = s.get(k);
    if (xs === undefined) continue;
    if (!Array.isArray(xs) || xs.length === 0) throw new SchemaError(`${k} must be a non-empty array`);
    xs.forEach((x) => checkSchema(x, root));
  }
  const req = s.get('required');
  if (req !== undefined && !(Array.isArray(req) && req.every((x) => typeof x === 'string')))
    throw new SchemaError('required must be an array of strings');
  const pat = s.get('pattern');
  if (pat !== undefined) {
    if (typeof pat !== 'string') throw new SchemaError('pattern must be a string');
    try {
      compileRE2(pat);
    } catch {
      throw new SchemaError(`Invalid regex pattern '${pat}'`);
    }
  }
}

function resolveRef(ref: string, root: Value): Value {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) throw new SchemaError(`unsupported $ref ${ref}`);
  let cur: Value | undefined = root;
  for (const raw of ref.slice(2).split('/')) {
    const seg = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    cur = cur instanceof RObject ? cur.get(seg) : undefined;
    if (cur === undefined) throw new SchemaError(`$ref ${ref} not found`);
  }
  return cur;
}

function validate(v: Value, s: Value, root: Value, path: string[], out: SchemaIssue[], depth = 0): void {
  if (depth > 200) throw new SchemaError('schema recursion too deep');
  if (s === true) return;
  if (s === false) {
    out.push({ type: 'false', field: ctxField(path), desc: 'False always fails validation' });
    return;
  }
  if (!(s instanceof RObject)) return;
  const add = (type: string, desc: string, p = path): void => {
    out.push({ type, field: ctxField(p), desc });
  };
  const ref = s.get('$ref');
  if (typeof ref === 'string') {
    validate(v, resolveRef(ref, root), root, path, out, depth + 1);
    return; // draft 4-7: $ref siblings are ignored
  }
  const t = s.get('type');
  if (t !== undefined) {
    const ts = (Array.isArray(t) ? t : [t]) as string[];
    const vt = jsType(v);
    if (!ts.some((x) => x === vt || (x === 'number' && vt === 'integer'))) {
      add('invalid_type', `Invalid type. Expected: ${ts.join(', ')}, given: ${vt}`);
      return;
    }
  }
  const en = s.get('enum');
  if (Array.isArray(en) && !en.some((x) => equal(x, v)))
    add('enum', `must be one of the following: ${en.map((x) => goJSON(x)).join(', ')}`);
  if (s.has('const') && !equal(s.get('const')!, v)) add('const', `does not match: ${goJSON(s.get('const')!)}`);

  if (isNumber(v)) {
    const x = Number(v);
    const min = num(s.get('minimum'));
    const max = num(s.get('maximum'));
    const exMin = s.get('exclusiveMinimum');
    const exMax = s.get('exclusiveMaximum');
    if (min !== undefined) {
      if (exMin === true ? x <= min : x < min)
        add(exMin === true ? 'number_gt' : 'number_gte', `Must be greater than ${exMin === true ? '' : 'or equal to '}${min}`);
    }
    if (max !== undefined) {
      if (exMax === true ? x >= max : x > max)
        add(exMax === true ? 'number_lt' : 'number_lte', `Must be less than ${exMax === true ? '' : 'or equal to '}${max}`);
    }
    if (typeof exMin !== 'boolean' && num(exMin) !== undefined && x <= num(exMin)!) add('number_gt', `Must be greater than ${num(exMin)}`);
    if (typeof exMax !== 'boolean' && num(exMax) !== undefined && x >= num(exMax)!) add('number_lt', `Must be less than ${num(exMax)}`);
    const mult = num(s.get('multipleOf'));
    if (mult !== undefined && mult > 0) {
      const q = x / mult;
      if (Math.abs(q - Math.round(q)) > 1e-9) add('multiple_of', `Must be a multiple of ${mult}`);
    }
  }
  if (typeof v === 'string') {
    const len = [...v].length;
    const minL = num(s.get('minLength'));
    const maxL = num(s.get('maxLength'));
    if (minL !== undefined && len < minL) add('string_gte', `String length must be greater than or equal to ${minL}`);
    if (maxL !== undefined && len > maxL) add('string_lte', `String length must be less than or equal to ${maxL}`);
    const pat = s.get('pattern');
    if (typeof pat === 'string' && !compileRE2(pat).test(v)) add('pattern', `Does not match pattern '${pat}'`);
  }
  if (Array.isArray(v) || v instanceof RSet) {
    const xs = Array.isArray(v) ? v : v.values();
    const minI = num(s.get('minItems'));
    const maxI = num(s.get('maxItems'));
    if (minI !== undefined && xs.length < minI) add('array_min_items', `Array must have at least ${minI} items`);
    if (maxI !== undefined && xs.length > maxI) add('array_max_items', `Array must have at most ${maxI} items`);
    if (s.get('uniqueItems') === true) {
      outer: for (let i = 0; i < xs.length; i++)
        for (let j = i + 1; j < xs.length; j++)
          if (equal(xs[i]!, xs[j]!)) {
            add('unique', `array items[${i},${j}] must be unique`);
            break outer;
          }
    }
    const items = s.get('items');
    if (Array.isArray(items)) {
      xs.forEach((x, i) => {
        if (i < items.length) validate(x, items[i]!, root, [...path, String(i)], out, depth + 1);
        else {
          const extra = s.get('additionalItems');
          if (extra === false) add('array_no_additional_items', `No additional items allowed on array`);
          else if (extra !== undefined) validate(x, extra, root, [...path, String(i)], out, depth + 1);
        }
      });
    } else if (items !== undefined) xs.forEach((x, i) => validate(x, items, root, [...path, String(i)], out, depth + 1));
    const contains = s.get('contains');
    if (contains !== undefined && !xs.some((x) => check(x, contains, root, path, depth)))
      add('contains', 'At least one of the items must match');
  }
  if (v instanceof RObject) {
    const minP = num(s.get('minProperties'));
    const maxP = num(s.get('maxProperties'));
    if (minP !== undefined && v.size < minP) add('array_min_properties', `Must have at least ${minP} properties`);
    if (maxP !== undefined && v.size > maxP) add('array_max_properties', `Must have at most ${maxP} properties`);
    const req = s.get('required');
    if (Array.isArray(req)) for (const k of req) if (!v.has(k)) add('required', `${String(k)} is required`);
    const props = s.get('properties');
    const pprops = s.get('patternProperties');
    const extra = s.get('additionalProperties');
    for (const [k, x] of v.entries()) {
      const name = typeof k === 'string' ? k : JSON.stringify(k);
      let matched = false;
      if (props instanceof RObject && props.has(k)) {
        matched = true;
        validate(x, props.get(k)!, root, [...path, name], out, depth + 1);
      }
      if (pprops instanceof RObject && typeof k === 'string') {
        for (const [p, sub] of pprops.entries()) {
          if (typeof p === 'string' && compileRE2(p).test(k)) {
            matched = true;
            validate(x, sub, root, [...path, name], out, depth + 1);
          }
        }
      }
      if (!matched && extra !== undefined) {
        if (extra === false) add('additional_property_not_allowed', `Additional property ${name} is not allowed`);
        else validate(x, extra, root, [...path, name], out, depth + 1);
      }
    }
    const deps = s.get('dependencies');
    if (deps instanceof RObject) {
      for (const [k, d] of deps.entries()) {
        if (!v.has(k)) continue;
        if (Array.isArray(d)) {
          for (const need of d) if (!v.has(need)) add('missing_dependency', `Has a dependency on ${String(need)}`);
        } else validate(v, d, root, path, out, depth + 1);
      }
    }
  }
  const allOf = s.get('allOf');
  if (Array.isArray(allOf) && !allOf.every((x) => check(v, x, root, path, depth))) {
    for (const x of allOf) validate(v, x, root, path, out, depth + 1);
    add('number_all_of', 'Must validate all the schemas (allOf)');
  }
  const anyOf = s.get('anyOf');
  if (Array.isArray(anyOf) && !anyOf.some((x) => check(v, x, root, path, depth)))
    add('number_any_of', 'Must validate at least one schema (anyOf)');
  const oneOf = s.get('oneOf');
  if (Array.isArray(oneOf) && oneOf.filter((x) => check(v, x, root, path, depth)).length !== 1)
    add('number_one_of', 'Must validate one and only one schema (oneOf)');
  const not = s.get('not');
  if (not !== undefined && check(v, not, root, path, depth)) add('number_not', 'Must not validate the schema (not)');
  const iff = s.get('if');
  if (iff !== undefined) {
    const branch = check(v, iff, root, path, depth) ? s.get('then') : s.get('else');
    if (branch !== undefined) validate(v, branch, root, path, out, depth + 1);
  }
}

function check(v: Value, s: Value, root: Value, path: string[], depth: number): boolean {
  const out: SchemaIssue[] = [];
  validate(v, s, root, path, out, depth + 1);
  return out.length === 0;
}

/** A schema or document operand: a JSON string or a value. */
function operand(name: string, v: Value, i: number): Value {
  if (typeof v === 'string') return parseJSONValue(name, v);
  if (v instanceof RObject || typeof v === 'boolean' || Array.isArray(v)) return v;
  throw typeErr(name, i, 'one of {string, object}', v);
}

function loadSchema(name: string, v: Value): Value {
  const s = operand(name, v, name === 'json.verify_schema' ? 1 : 2);
  checkSchema(s, s);
  return s;
}

def('json.verify_schema', 1, ([v]) => {
  try {
    loadSchema('json.verify_schema', v!);
    return [true, null];
  } catch (e) {
    if (e instanceof SchemaError) return [false, 'jsonschema: ' + e.message];
    throw e;
  }
});

def('json.match_schema', 2, ([doc, schema]) => {
  let s: Value;
  try {
    s = loadSchema('json.match_schema', schema!);
  } catch (e) {
    if (e instanceof SchemaError) throw builtinError('json.match_schema', e.message);
    throw e;
  }
  const d = typeof doc === 'string' ? parseJSONValue('json.match_schema', doc) : doc!;
  const issues: SchemaIssue[] = [];
  try {
    validate(d, s, s, [], issues);
  } catch (e) {
    // Schema problems found while validating (bad $ref, bad patternProperties regex, ...).
    if (e instanceof Error) throw builtinError('json.match_schema', e.message);
    throw e;
  }
  const errors = issues.map((x) =>
    RObject.fromRecord({ error: `${x.field}: ${x.desc}`, type: x.type, field: x.field, desc: x.desc }),
  );
  return [issues.length === 0, errors];
});

