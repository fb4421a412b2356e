// Contract periods are calendar periods in an IANA zone. Abbreviations ("EST", "CET") and offsets
// ("UTC+1") are rejected: they either are not zones at all or do not follow daylight saving the way
// the contract's parties mean.
import { IANAZone } from 'luxon';

const SUGGEST: Readonly<Record<string, string>> = {
  EST: 'America/New_York', EDT: 'America/New_York', CST: 'America/Chicago', CDT: 'America/Chicago',
  MST: 'America/Denver', MDT: 'America/Denver', PST: 'America/Los_Angeles', PDT: 'America/Los_Angeles',
  GMT: 'UTC or Europe/London', BST: 'Europe/London', CET: 'Europe/Berlin', CEST: 'Europe/Berlin',
  EET: 'Europe/Helsinki', WET: 'Europe/Lisbon', IST: 'Asia/Kolkata', JST: 'Asia/Tokyo',
  KST: 'Asia/Seoul', AEST: 'Australia/Sydney', AEDT: 'Australia/Sydney', SGT: 'Asia/Singapore',
  HKT: 'Asia/Hong_Kong', Z: 'UTC', ZULU: 'UTC',
};

export type TimeZoneCheck = { ok: true } | { ok: false; message: string; expected: string };

// Zone lookups are slow (luxon and Intl build a formatter each time) and contracts share a few zones.
const checked = new Map<string, TimeZoneCheck>();

export function checkTimeZone(zone: string): TimeZoneCheck {
  let r = checked.get(zone);
  if (!r) {
    r = checkTimeZoneUncached(zone);
    if (checked.size < 10_000) checked.set(zone, r);
  }
  return r;
}

function checkTimeZoneUncached(zone: string): TimeZoneCheck {
  if (zone === 'UTC' || zone === 'Etc/UTC') return { ok: true };
  const offset = /^(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$/i.exec(zone);
  if (offset) {
    const sign = offset[1] === '+' ? '-' : '+'; // Etc/GMT signs are inverted (POSIX)
    const hint = offset[3] && offset[3] !== '00' ? 'a city zone' : `a city zone, or Etc/GMT${sign}${Number(offset[2])} (sign inverted)`;
    return { ok: false, message: 'a UTC offset is not a time zone (no daylight saving rules)', expected: `an IANA zone name: ${hint}` };
  }
  const upper = zone.toUpperCase();
  if (SUGGEST[upper] || (!zone.includes('/') && IANAZone.isValidZone(zone))) {
    const hint = SUGGEST[upper] ? `e.g. ${SUGGEST[upper]}` : 'Region/City such as Europe/Berlin';
    return { ok: false, message: 'a time zone abbreviation or legacy name is ambiguous', expected: `an IANA zone name, ${hint}` };
  }
  if (!IANAZone.isValidZone(zone)) {
    return { ok: false, message: 'unknown time zone', expected: 'an IANA zone name such as America/New_York, Europe/Berlin or UTC' };
  }
  const canonical = canonicalCase(zone);
  if (canonical && canonical !== zone) {
    return { ok: false, message: 'time zone name is not in its canonical spelling', expected: canonical };
  }
  return { ok: true };
}

/** Intl resolves case-insensitively; report the spelling it resolved to when only case differs. */
function canonicalCase(zone: string): string | undefined {
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    return resolved.toLowerCase() === zone.toLowerCase() ? resolved : undefined;
  } catch {
    return undefined;
  }
}
