// bits.*: integer bitwise operations (exact on bigint, two's complement semantics like Go's big.Int).
import { num } from '../value.js';
import { builtinError, intArg, typeError } from './args.js';
import { def } from './registry.js';

def('bits.and', 2, (a) => num(intArg('bits.and', a, 0) & intArg('bits.and', a, 1)));
def('bits.or', 2, (a) => num(intArg('bits.or', a, 0) | intArg('bits.or', a, 1)));
def('bits.xor', 2, (a) => num(intArg('bits.xor', a, 0) ^ intArg('bits.xor', a, 1)));
def('bits.negate', 1, (a) => num(~intArg('bits.negate', a, 0)));

function shift(name: string, args: Parameters<typeof intArg>[1]): [bigint, bigint] {
  const x = intArg(name, args, 0);
  const s = intArg(name, args, 1);
  if (s < 0n) throw typeError(name, 2, 'an unsigned integer number', 'a negative integer');
  return [x, s];
}
// JS bigints are capped (about a billion bits); keep shifts well inside that.
const MAX_SHIFT = 1_000_000n;

def('bits.lsh', 2, (a) => {
  const [x, s] = shift('bits.lsh', a);
  if (s > MAX_SHIFT && x !== 0n) throw builtinError('bits.lsh', `shift of ${s} bits is too large`);
  return num(x << s);
});
def('bits.rsh', 2, (a) => {
  const [x, s] = shift('bits.rsh', a);
  if (s > MAX_SHIFT) return x < 0n ? -1 : 0;
  return num(x >> s);
});
