// Go time layouts ("2006-01-02T15:04:05Z07:00"): formatting and parsing of civil times, enough for
// time.format and time.parse_ns. Instants are int64 nanoseconds (bigint) throughout.
import { DateTime } from 'luxon';

export const NS_PER_SEC = 1_000_000_000n;
export const NS_PER_DAY = 86_400n * NS_PER_SEC;
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

export const NAMED_LAYOUTS: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
  Kitchen: '3:04PM',
  Stamp: 'Jan _2 15:04:05',
  StampMilli: 'Jan _2 15:04:05.000',
  StampMicro: 'Jan _2 15:04:05.000000',
  StampNano: 'Jan _2 15:04:05.000000000',
  DateTime: '2006-01-02 15:04:05',
  DateOnly: '2006-01-02',
  TimeOnly: '15:04:05',
};

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
export { DAYS as WEEKDAYS };

// ---- civil calendar (proleptic Gregorian), after Howard Hinnant's days_from_civil ----
export function daysFromCivil(y: number, m: number, d: number): number {
  // Normalise month overflow the way Go's time.Date does.
  y += Math.floor((m - 1) / 12);
  m = ((((m - 1) % 12) + 12) % 12) + 1;
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5);
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468 + (d - 1);
}

export function civilFromDays(z: number): { y: number; m: number; d: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

/** A civil time in some zone: the fields Go's Time methods return. */
export interface Civil {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  weekday: number; // 0 = Sunday
  yday: number; // 1..366
  offsetSec: number; // zone offset east of UTC
  zone: string;
  ns: bigint;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/** Zone offset (seconds east of UTC) at an instant; zone '' or 'UTC' is UTC. Throws on unknown zones. */
export function zoneOffset(ns: bigint, zone: string): number {
  if (zone === '' || zone === 'UTC') return 0;
  const ms = Number(floorDiv(ns, 1_000_000n));
  const dt = zone === 'Local' ? DateTime.fromMillis(ms) : DateTime.fromMillis(ms, { zone });
  if (!dt.isValid) throw new Error(`unknown time zone ${zone}`);
  return Math.round(dt.offset * 60);
}

// Zone abbreviations as Go prints them (from tzdata: "EST", "CET", "IST", or numeric "+04", "+0530").
// ICU exposes the lettered ones per locale, so try the English locales that carry them; about 90%
// of tzdata's abbreviations come out the same.
const ABBR_LOCALES = ['en-US', 'en-GB', 'en-IN', 'en-AU', 'en-NZ', 'en-ZA', 'en-IE', 'en-CA', 'ja-JP', 'en-HK'];
const abbrFormatters = new Map<string, Intl.DateTimeFormat>();

export function zoneAbbr(ns: bigint, zone: string, offsetSec: number): string {
  if (zone === '' || zone === 'UTC') return 'UTC';
  const ms = Number(floorDiv(ns, 1_000_000n));
  for (const locale of ABBR_LOCALES) {
    const k = locale + '|' + zone;
    let f = abbrFormatters.get(k);
    if (!f) {
      try {
        f = new Intl.DateTimeFormat(locale, { timeZone: zone === 'Local' ? undefined : zone, timeZoneName: 'short' });
      } catch {
        break;
      }
      if (abbrFormatters.size > 1000) abbrFormatters.clear();
      abbrFormatters.set(k, f);
    }
    const name = f.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? '';
    if (/^[A-Z]{2,5}$/.test(name) && name !== 'GMT') return name;
  }
  if (offsetSec === 0) return 'GMT';
  const a = Math.abs(offsetSec);
  const mm = Math.floor((a % 3600) / 60);
  return (offsetSec < 0 ? '-' : '+') + String(Math.floor(a / 3600)).padStart(2, '0') + (mm ? String(mm).padStart(2, '0') : '');
}

export function civil(ns: bigint, zone = ''): Civil {
  const offsetSec = zoneOffset(ns, zone);
  const local = ns + BigInt(offsetSec) * NS_PER_SEC;
  const days = floorDiv(local, NS_PER_DAY);
  const rem = local - days * NS_PER_DAY;
  const { y, m, d } = civilFromDays(Number(days));
  const secOfDay = Number(rem / NS_PER_SEC);
  return {
    year: y,
    month: m,
    day: d,
    hour: Math.floor(secOfDay / 3600),
    minute: Math.floor((secOfDay % 3600) / 60),
    second: secOfDay % 60,
    nanos: Number(rem % NS_PER_SEC),
    weekday: ((Number(days) % 7) + 11) % 7, // 1970-01-01 was a Thursday
    yday: Number(days) - daysFromCivil(y, 1, 1) + 1,
    offsetSec,
    zone,
    ns,
  };
}

/** Instant for civil fields at a fixed offset (fields may overflow; normalised like Go's time.Date). */
export function fromCivil(y: number, mo: number, d: number, h: number, mi: number, s: number, nanos: bigint, offsetSec: number): bigint {
  const days = BigInt(daysFromCivil(y, mo, d));
  return days * NS_PER_DAY + BigInt(h * 3600 + mi * 60 + s - offsetSec) * NS_PER_SEC + nanos;
}

// ---- layout chunks ----
type Chunk =
  | { lit: string }
  | { std: string; n?: number }; // n: fraction digits for .000/.999

const STD_PREFIXES: [string, string][] = [
  ['January', 'January'],
  ['Jan', 'Jan'],
  ['Monday', 'Monday'],
  ['Mon', 'Mon'],
  ['MST', 'MST'],
  ['2006', '2006'],
  ['002', '002'],
  ['01', '01'],
  ['02', '02'],
  ['03', '03'],
  ['04', '04'],
  ['05', '05'],
  ['06', '06'],
  ['15', '15'],
  ['__2', '__2'],
  ['_2', '_2'],
  ['PM', 'PM'],
  ['pm', 'pm'],
  ['Z070000', 'Z070000'],
  ['Z07:00:00', 'Z07:00:00'],
  ['Z0700', 'Z0700'],
  ['Z07:00', 'Z07:00'],
  ['Z07', 'Z07'],
  ['-070000', '-070000'],
  ['-07:00:00', '-07:00:00'],
  ['-0700', '-0700'],
  ['-07:00', '-07:00'],
  ['-07', '-07'],
  ['1', '1'],
  ['2', '2'],
  ['3', '3'],
  ['4', '4'],
  ['5', '5'],
];

export function chunks(layout: string): Chunk[] {
  const out: Chunk[] = [];
  let lit = '';
  let i = 0;
  outer: while (i < layout.length) {
    const rest = layout.slice(i);
    // Fractional seconds: .000 / ,000 / .999 (a run not followed by another digit).
    const fm = /^[.,](0+|9+)(?!\d)/.exec(rest);
    if (fm) {
      if (lit) out.push({ lit });
      lit = '';
      out.push({ std: fm[1]![0] === '0' ? '.0' : '.9', n: fm[1]!.length });
      i += fm[0].length;
      continue;
    }
    for (const [p, std] of STD_PREFIXES) {
      if (rest.startsWith(p)) {
        if (p === 'Mon' && rest.startsWith('Month')) break; // Go: "Month" is not a std chunk
        if (lit) out.push({ lit });
        lit = '';
        out.push({ std });
        i += p.length;
        continue outer;
      }
    }
    lit += layout[i];
    i++;
  }
  if (lit) out.push({ lit });
  return out;
}

export function formatOffset(off: number, std: string): string {
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  const hh = String(Math.floor(a / 3600)).padStart(2, '0');
  const mm = String(Math.floor((a % 3600) / 60)).padStart(2, '0');
  const ss = String(a % 60).padStart(2, '0');
  const base = std.replace(/^Z/, '-');
  switch (base) {
    case '-07':
      return sign + hh;
    case '-0700':
      return sign + hh + mm;
    case '-07:00':
      return sign + hh + ':' + mm;
    case '-070000':
      return sign + hh + mm + ss;
    default:
      return sign + hh + ':' + mm + ':' + ss;
  }
}

const p2 = (n: number): string => String(n).padStart(2, '0');

export function formatLayout(c: Civil, layout: string): string {
  let out = '';
  for (const ch of chunks(layout)) {
    if ('lit' in ch) {
      out += ch.lit;
      continue;
    }
    switch (ch.std) {
      case '2006':
        out += c.year < 0 ? '-' + String(-c.year).padStart(4, '0') : String(c.year).padStart(4, '0');
        break;
      case '06':
        out += p2(((c.year % 100) + 100) % 100);
        break;
      case 'January':
        out += MONTHS[c.month - 1];
        break;
      case 'Jan':
        out += MONTHS[c.month - 1]!.slice(0, 3);
        break;
      case '01':
        out += p2(c.month);
        break;
      case '1':
        out += String(c.month);
        break;
      case 'Monday':
        out += DAYS[c.weekday];
        break;
      case 'Mon':
        out += DAYS[c.weekday]!.slice(0, 3);
        break;
      case '02':
        out += p2(c.day);
        break;
      case '2':
        out += String(c.day);
        break;
      case '_2':
        out += String(c.day).padStart(2, ' ');
        break;
      case '002':
        out += String(c.yday).padStart(3, '0');
        break;
      case '__2':
        out += String(c.yday).padStart(3, ' ');
        break;
      case '15':
        out += p2(c.hour);
        break;
      case '03':
        out += p2(c.hour % 12 === 0 ? 12 : c.hour % 12);
        break;
      case '3':
        out += String(c.hour % 12 === 0 ? 12 : c.hour % 12);
        break;
      case '04':
        out += p2(c.minute);
        break;
      case '4':
        out += String(c.minute);
        break;
      case '05':
        out += p2(c.second);
        break;
      case '5':
        out += String(c.second);
        break;
      case 'PM':
        out += c.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += c.hour >= 12 ? 'pm' : 'am';
        break;
      case 'MST':
        out += zoneAbbr(c.ns, c.zone, c.offsetSec);
        break;
      case '.0':
        out += '.' + String(c.nanos).padStart(9, '0').slice(0, ch.n);
        break;
      case '.9': {
        const f = String(c.nanos).padStart(9, '0').slice(0, ch.n).replace(/0+$/, '');
        if (f) out += '.' + f;
        break;
      }
      default:
        if (ch.std.startsWith('Z') && c.offsetSec === 0) out += 'Z';
        else out += formatOffset(c.offsetSec, ch.std);
    }
  }
  return out;
}

export class LayoutParseError extends Error {}

/** Parses `value` against a Go layout; returns the instant in ns (bigint, not range-checked). */
export function parseLayout(layout: string, value: string): bigint {
  const fail = (why = ''): never => {
    throw new LayoutParseError(`parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: cannot parse${why}`);
  };
  let year = 1;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nanos = 0n;
  let pm: boolean | undefined;
  let offset: number | undefined;
  let yday = -1;
  let v = value;
  const num = (min: number, max: number): number => {
    const m = new RegExp(`^\\d{${min},${max}}`).exec(v);
    if (!m) fail();
    v = v.slice(m![0].length);
    return Number(m![0]);
  };
  const fraction = (): void => {
    const m = /^[.,](\d+)/.exec(v);
    if (!m) return;
    v = v.slice(m[0].length);
    nanos = BigInt(m[1]!.slice(0, 9).padEnd(9, '0'));
  };
  const list = chunks(layout);
  for (let ci = 0; ci < list.length; ci++) {
    const ch = list[ci]!;
    if ('lit' in ch) {
      if (!v.startsWith(ch.lit)) fail();
      v = v.slice(ch.lit.length);
      continue;
    }
    switch (ch.std) {
      case '2006': {
        const m = /^[+-]?\d{4}/.exec(v);
        if (!m) fail();
        year = Number(m![0]);
        v = v.slice(m![0].length);
        break;
      }
      case '06': {
        const y = num(2, 2);
        year = y >= 69 ? 1900 + y : 2000 + y;
        break;
      }
      case 'January':
      case 'Jan': {
        const names = ch.std === 'Jan' ? MONTHS.map((s) => s.slice(0, 3)) : MONTHS;
        const idx = names.findIndex((s) => v.toLowerCase().startsWith(s.toLowerCase()));
        if (idx < 0) fail();
        month = idx + 1;
        v = v.slice(names[idx]!.length);
        break;
      }
      case '01':
        month = num(2, 2);
        break;
      case '1':
        month = num(1, 2);
        break;
      case 'Monday':
      case 'Mon': {
        const names = ch.std === 'Mon' ? DAYS.map((s) => s.slice(0, 3)) : DAYS;
        const idx = names.findIndex((s) => v.toLowerCase().startsWith(s.toLowerCase()));
        if (idx < 0) fail();
        v = v.slice(names[idx]!.length);
        break;
      }
      case '02':
        day = num(2, 2);
        break;
      case '_2':
        if (v.startsWith(' ')) v = v.slice(1);
        day = num(1, 2);
        break;
      case '2':
        day = num(1, 2);
        break;
      case '002':
        yday = num(3, 3);
        break;
      case '__2':
        v = v.replace(/^ {1,2}/, '');
        yday = num(1, 3);
        break;
      case '15':
        hour = num(1, 2);
        break;
      case '03':
        hour = num(2, 2);
        break;
      case '3':
        hour = num(1, 2);
        break;
      case '04':
        minute = num(2, 2);
        break;
      case '4':
        minute = num(1, 2);
        break;
      case '05':
      case '5':
        second = num(ch.std === '05' ? 2 : 1, 2);
        // Go accepts a fraction after seconds even when the layout has none.
        {
          const next = list[ci + 1];
          if (!(next && 'std' in next && next.std.startsWith('.'))) fraction();
        }
        break;
      case 'PM':
      case 'pm': {
        const s = v.slice(0, 2).toUpperCase();
        if (s !== 'AM' && s !== 'PM') fail();
        pm = s === 'PM';
        v = v.slice(2);
        break;
      }
      case '.0':
      case '.9':
        if (ch.std === '.0') {
          const m = new RegExp(`^[.,](\\d{${ch.n}})`).exec(v);
          if (!m) fail();
          v = v.slice(m![0].length);
          nanos = BigInt(m![1]!.slice(0, 9).padEnd(9, '0'));
        } else fraction();
        break;
      case 'MST': {
        const m = /^(UTC|GMT|[A-Z]{3,5})([+-]\d{1,2})?/.exec(v);
        if (!m) fail();
        v = v.slice(m![0].length);
        offset = m![1] === 'UTC' || m![1] === 'GMT' ? (m![2] ? Number(m![2]) * 3600 : 0) : (offset ?? 0);
        break;
      }
      default: {
        // Zone offsets: Z07:00 family accepts a literal Z.
        if (ch.std.startsWith('Z') && v.startsWith('Z')) {
          v = v.slice(1);
          offset = 0;
          break;
        }
        const shape = ch.std.replace(/^Z/, '-');
        const re =
          shape === '-07'
            ? /^([+-])(\d{2})/
            : shape === '-0700'
              ? /^([+-])(\d{2})(\d{2})/
              : shape === '-07:00'
                ? /^([+-])(\d{2}):(\d{2})/
                : shape === '-070000'
                  ? /^([+-])(\d{2})(\d{2})(\d{2})/
                  : /^([+-])(\d{2}):(\d{2}):(\d{2})/;
        const m = re.exec(v);
        if (!m) fail();
        v = v.slice(m![0].length);
        const secs = Number(m![2]) * 3600 + Number(m![3] ?? 0) * 60 + Number(m![4] ?? 0);
        offset = m![1] === '-' ? -secs : secs;
      }
    }
  }
  if (v.length > 0) fail(`: extra text: ${JSON.stringify(v)}`);
  if (pm !== undefined) {
    if (hour > 12) fail();
    if (pm && hour < 12) hour += 12;
    else if (!pm && hour === 12) hour = 0;
  }
  if (month < 1 || month > 12) fail(': month out of range');
  if (hour > 23 || minute > 59 || second > 59) fail(': value out of range');
  if (yday >= 0) {
    const d0 = daysFromCivil(year, 1, 1) + yday - 1;
    const c = civilFromDays(d0);
    month = c.m;
    day = c.d;
  }
  const dim = daysFromCivil(year, month + 1, 1) - daysFromCivil(year, month, 1);
  if (day < 1 || day > dim) fail(': day out of range');
  return fromCivil(year, month, day, hour, minute, second, nanos, offset ?? 0);
}
