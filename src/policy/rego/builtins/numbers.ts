// Number builtins beyond the operators: to_number, numbers.range(_step), rand.intn.
import { num, typeName, type Value } from '../value.js';
import { builtinError, intArg, numArg, str } from './args.js';
import { RegoLimitError } from '../errors.js';
import { BuiltinError, def, type BuiltinContext } from './registry.js';

// Go strconv.ParseFloat's decimal syntax, and hexadecimal integers (hex floats are not supported).
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const HEX_INT = /^([+-]?)0[xX]([0-9a-fA-F]+)$/;

/** Parses a number string as OPA's to_number does (Go float syntax; integers kept exact). */
export function parseNumber(name: string, s: string): number | bigint {
  if (/^[+-]?(inf|infinity|nan)$/i.test(s))
    throw new BuiltinError('eval_type_error', `${name}: operand 1 must be a finite number but got ${s}`);
  if (/^[+-]?\d+$/.test(s)) return num(BigInt(s));
  if (DECIMAL.test(s)) {
    const n = Number(s);
    if (!Number.isFinite(n)) throw builtinError(name, `strconv.ParseFloat: parsing "${s}": value out of range`);
    return num(n);
  }
  const h = HEX_INT.exec(s);
  if (h) return num((h[1] === '-' ? -1n : 1n) * BigInt('0x' + h[2]));
  throw builtinError(name, `strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`);
}

def('to_number', 1, ([v]) => {
  if (v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v === 'string') return parseNumber('to_number', v);
  throw new BuiltinError(
    'eval_type_error',
    `to_number: operand 1 must be one of {null, boolean, number, string} but got ${typeName(v!)}`,
  );
});

// Ranges are materialised as arrays: one beyond the evaluation's size bound is an evaluation error
// (RegoLimitError, in strict and non-strict mode alike: never a silently empty result).
const MAX_RANGE = 10_000_000n;

function range(name: string, a: bigint, b: bigint, step: bigint, ctx: BuiltinContext): Value[] {
  const len = (a <= b ? b - a : a - b) / step + 1n;
  const max = ctx.maxSize ? BigInt(ctx.maxSize) : MAX_RANGE;
  if (len > max) throw new RegoLimitError('size', `${name}: range of ${len} numbers exceeds the limit of ${max}`);
  const out: Value[] = [];
  if (a <= b) for (let i = a; i <= b; i += step) out.push(num(i));
  else for (let i = a; i >= b; i -= step) out.push(num(i));
  return out;
}

def('numbers.range', 2, (args, ctx) => range('numbers.range', intArg('numbers.range', args, 0), intArg('numbers.range', args, 1), 1n, ctx));

def('numbers.range_step', 3, (args, ctx) => {
  const a = intArg('numbers.range_step', args, 0);
  const b = intArg('numbers.range_step', args, 1);
  const step = intArg('numbers.range_step', args, 2);
  if (step <= 0n) throw builtinError('numbers.range_step', 'step must be a positive integer');
  return range('numbers.range_step', a, b, step, ctx);
});

// rand.intn(str, n): a random integer in [0, n), the same for the same (str, n) within one query.
def('rand.intn', 2, (args, ctx) => {
  const s = str('rand.intn', args, 0);
  const n = numArg('rand.intn', args, 1);
  const bound = typeof n === 'bigint' ? n : BigInt(Math.trunc(n));
  if (bound === 0n) return 0;
  const k = 'rand.intn\u0000' + s + '\u0000' + bound.toString();
  let r = ctx.cache.get(k) as number | bigint | undefined;
  if (r === undefined) {
    const b = bound < 0n ? -bound : bound;
    r = num(BigInt(Math.floor(Math.random() * Number.MAX_SAFE_INTEGER)) % b);
    ctx.cache.set(k, r);
  }
  return r;
});

// test.sleep(duration): OPA's test helper; evaluation here is synchronous, so it only validates
// its operand (time.now_ns stays fixed for the query either way).
def('test.sleep', 1, (args) => {
  str('test.sleep', args, 0);
  return true;
});
