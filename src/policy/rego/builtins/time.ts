// time.* builtins. Instants are int64 nanoseconds since the Unix epoch, kept exact as bigint.
import { num, type Value } from '../value.js';
import { builtinError, intArg, str, typeErr } from './args.js';
import {
  civil,
  daysFromCivil,
  formatLayout,
  fromCivil,
  INT64_MAX,
  INT64_MIN,
  LayoutParseError,
  NAMED_LAYOUTS,
  parseLayout,
  WEEKDAYS,
  type Civil,
} from './golayout.js';
import { def } from './registry.js';

def('time.now_ns', 0, (_args, ctx) => num(ctx.nowNs));

function inRange(name: string, ns: bigint): Value {
  if (ns < INT64_MIN || ns > INT64_MAX) throw builtinError(name, 'time outside of valid range');
  return num(ns);
}

function parseWith(name: string, layout: string, value: string): Value {
  try {
    return inRange(name, parseLayout(layout, value));
  } catch (e) {
    if (e instanceof LayoutParseError) throw builtinError(name, e.message);
    throw e;
  }
}

def('time.parse_rfc3339_ns', 1, (args) =>
  parseWith('time.parse_rfc3339_ns', NAMED_LAYOUTS.RFC3339!, str('time.parse_rfc3339_ns', args, 0)),
);

def('time.parse_ns', 2, (args) => {
  const layout = str('time.parse_ns', args, 0);
  const value = str('time.parse_ns', args, 1);
  return parseWith('time.parse_ns', NAMED_LAYOUTS[layout] ?? layout, value);
});

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  'µs': 1000n, // U+00B5
  'μs': 1000n, // U+03BC
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go time.ParseDuration, exact in ns. */
export function parseDuration(name: string, s: string): bigint {
  const bad = (): never => {
    throw builtinError(name, `time: invalid duration ${JSON.stringify(s)}`);
  };
  let rest = s;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') bad();
  let total = 0n;
  while (rest.length > 0) {
    const m = /^(\d*)(?:\.(\d*))?([^\d.]+)/.exec(rest);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) bad();
    const unit = UNITS[m![3]!];
    if (unit === undefined) throw builtinError(name, `time: unknown unit ${JSON.stringify(m![3])} in duration ${JSON.stringify(s)}`);
    const whole = BigInt(m![1] || '0') * unit!;
    let frac = 0n;
    if (m![2]) frac = (BigInt(m![2]) * unit!) / 10n ** BigInt(m![2].length);
    total += whole + frac;
    rest = rest.slice(m![0].length);
  }
  if (total > INT64_MAX + (neg ? 1n : 0n)) bad();
  return neg ? -total : total;
}

def('time.parse_duration_ns', 1, (args) =>
  num(parseDuration('time.parse_duration_ns', str('time.parse_duration_ns', args, 0))),
);

/** The ns (and zone) operand of time.date/clock/weekday/format: ns or [ns, tz] (or [ns, tz, layout]). */
function instant(name: string, v: Value, allowLayout = false): { ns: bigint; zone: string; layout?: string } {
  let n: Value = v;
  let zone = '';
  let layout: string | undefined;
  if (Array.isArray(v)) {
    const max = allowLayout ? 3 : 2;
    if (v.length < 1 || v.length > max || (v.length === 1 && !allowLayout))
      throw typeErr(name, 1, allowLayout ? 'array of two or three elements' : 'array of two elements', v);
    n = v[0]!;
    if (v.length >= 2) {
      if (typeof v[1] !== 'string') throw typeErr(name, 1, 'string', v[1]!);
      zone = v[1];
    }
    if (v.length === 3) {
      if (typeof v[2] !== 'string') throw typeErr(name, 1, 'string', v[2]!);
      layout = v[2];
    }
  }
  if (typeof n !== 'number' && typeof n !== 'bigint') throw typeErr(name, 1, 'number', n);
  const ns = typeof n === 'bigint' ? n : Number.isInteger(n) ? BigInt(n) : BigInt(Math.trunc(n));
  if (ns < INT64_MIN || ns > INT64_MAX) throw builtinError(name, 'timestamp too big');
  return { ns, zone, layout };
}

function civilIn(name: string, ns: bigint, zone: string): Civil {
  try {
    return civil(ns, zone);
  } catch (e) {
    throw builtinError(name, (e as Error).message);
  }
}

def('time.date', 1, ([v]) => {
  const { ns, zone } = instant('time.date', v!);
  const c = civilIn('time.date', ns, zone);
  return [c.year, c.month, c.day];
});

def('time.clock', 1, ([v]) => {
  const { ns, zone } = instant('time.clock', v!);
  const c = civilIn('time.clock', ns, zone);
  return [c.hour, c.minute, c.second];
});

def('time.weekday', 1, ([v]) => {
  const { ns, zone } = instant('time.weekday', v!);
  return WEEKDAYS[civilIn('time.weekday', ns, zone).weekday]!;
});

def('time.format', 1, ([v]) => {
  const { ns, zone, layout } = instant('time.format', v!, true);
  const c = civilIn('time.format', ns, zone);
  const l = layout === undefined ? NAMED_LAYOUTS.RFC3339Nano! : (NAMED_LAYOUTS[layout] ?? layout);
  return formatLayout(c, l);
});

def('time.add_date', 4, (args) => {
  const ns = intArg('time.add_date', args, 0);
  const years = Number(intArg('time.add_date', args, 1));
  const months = Number(intArg('time.add_date', args, 2));
  const days = Number(intArg('time.add_date', args, 3));
  const c = civil(ns, '');
  const out = fromCivil(c.year + years, c.month + months, c.day + days, c.hour, c.minute, c.second, BigInt(c.nanos), 0);
  return inRange('time.add_date', out);
});

def('time.diff', 2, ([a, b]) => {
  const x = instant('time.diff', a!);
  const y = instant('time.diff', b!);
  // Order the two instants, then compare their civil fields in the earlier one's zone (as OPA).
  let [t1, t2] = x.ns <= y.ns ? [x, y] : [y, x];
  t2 = { ...t2, zone: t1.zone };
  const c1 = civilIn('time.diff', t1.ns, t1.zone);
  const c2 = civilIn('time.diff', t2.ns, t2.zone);
  let year = c2.year - c1.year;
  let month = c2.month - c1.month;
  let day = c2.day - c1.day;
  let hour = c2.hour - c1.hour;
  let min = c2.minute - c1.minute;
  let sec = c2.second - c1.second;
  if (sec < 0) {
    sec += 60;
    min--;
  }
  if (min < 0) {
    min += 60;
    hour--;
  }
  if (hour < 0) {
    hour += 24;
    day--;
  }
  if (day < 0) {
    // Days in c1's month: Go's Date(y1, M1, 32) overflows into the next month.
    const daysInMonth = daysFromCivil(c1.year, c1.month + 1, 1) - daysFromCivil(c1.year, c1.month, 1);
    day += daysInMonth;
    month--;
  }
  if (month < 0) {
    month += 12;
    year--;
  }
  return [year, month, day, hour, min, sec];
});

