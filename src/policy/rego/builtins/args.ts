// Operand checking with OPA's error wording: `<name>: operand <i> must be <type> but got <type>`.
import { RObject, RSet, typeName, type Value } from '../value.js';
import { BuiltinError } from './registry.js';

/** Type error with a free-form description of what was got (e.g. "floating-point number"). */
export function typeError(name: string, i: number, want: string, got: string): BuiltinError {
  return new BuiltinError('eval_type_error', `${name}: operand ${i} must be ${want} but got ${got}`);
}

/** typeError with the operand's value: wording "got <typename>". */
export function typeErr(name: string, i: number, want: string, got: Value): BuiltinError {
  return new BuiltinError('eval_type_error', `${name}: operand ${i} must be ${want} but got ${typeName(got)}`);
}

export function builtinError(name: string, message: string): BuiltinError {
  return new BuiltinError('eval_builtin_error', `${name}: ${message}`);
}

export function str(name: string, args: Value[], i: number): string {
  const v = args[i]!;
  if (typeof v !== 'string') throw typeErr(name, i + 1, 'string', v);
  return v;
}

export function numArg(name: string, args: Value[], i: number): number | bigint {
  const v = args[i]!;
  if (typeof v !== 'number' && typeof v !== 'bigint') throw typeErr(name, i + 1, 'number', v);
  return v;
}


export function arr(name: string, args: Value[], i: number): Value[] {
  const v = args[i]!;
  if (!Array.isArray(v)) throw typeErr(name, i + 1, 'array', v);
  return v;
}

export function obj(name: string, args: Value[], i: number): RObject {
  const v = args[i]!;
  if (!(v instanceof RObject)) throw typeErr(name, i + 1, 'object', v);
  return v;
}

export function set(name: string, args: Value[], i: number): RSet {
  const v = args[i]!;
  if (!(v instanceof RSet)) throw typeErr(name, i + 1, 'set', v);
  return v;
}

/** An integer operand as a bigint, or OPA's "must be integer number" type error. */
export function intArg(name: string, args: Value[], i: number): bigint {
  const n = numArg(name, args, i);
  if (typeof n === 'bigint') return n;
  if (!Number.isInteger(n)) throw typeError(name, i + 1, 'integer number', 'floating-point number');
  return BigInt(n);
}

/** OPA's element type error: "operand 1 must be array of numbers but got array containing string". */
export function elementErr(name: string, i: number, composite: Value, got: Value, expected: string): BuiltinError {
  const t = typeName(composite);
  return typeError(name, i, `${t} of ${expected}s`, `${t} containing ${typeName(got)}`);
}
