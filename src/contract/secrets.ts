// Secrets never belong in a contract file. These patterns catch the common ones; a match is reported
// by kind only, never by value (issues end up in CI logs).

interface SecretPattern {
  kind: string;
  re: RegExp;
}

const PATTERNS: readonly SecretPattern[] = [
  { kind: 'private key', re: /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----/ },
  { kind: 'bearer token', re: /\bBearer\s{1,8}[A-Za-z0-9._~+/=-]{8}/ },
  { kind: 'GitHub token', re: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}/ },
  { kind: 'Slack token', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { kind: 'AWS access key id', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  // Bounded repetitions: these run on every string of the file, up to 1 MiB long (no backtracking blow-up).
  { kind: 'basic-auth credentials in a URL', re: /\b[a-z][a-z0-9+.-]{0,20}:\/\/[^\s/:@]{1,256}:[^\s/@]{1,256}@/i },
];

/** PagerDuty integration/routing keys: 32 characters of [a-z0-9] (mixed letters and digits). */
const PD_KEY = /(?<![A-Za-z0-9_-])[A-Za-z0-9]{32}(?![A-Za-z0-9_-])/g;

/** The kind of secret `s` looks like, or undefined. */
export function secretKind(s: string): string | undefined {
  for (const p of PATTERNS) if (p.re.test(s)) return p.kind;
  for (const m of s.matchAll(PD_KEY)) {
    const t = m[0];
    if (/[0-9]/.test(t) && /[A-Za-z]/.test(t)) return 'PagerDuty integration or routing key';
  }
  return undefined;
}

export function looksLikeSecret(s: string): boolean {
  return secretKind(s) !== undefined;
}

/** Quote a user value for a message, unless it might be a secret. */
export function quoteValue(v: unknown, max = 40): string {
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (typeof v !== 'string') return Array.isArray(v) ? '(a list)' : typeof v === 'object' ? '(a mapping or binary value)' : `(${typeof v})`;
  if (looksLikeSecret(v)) return '(value withheld: looks like a secret)';
  const s = v.length > max ? `${v.slice(0, max)}…` : v;
  return JSON.stringify(s);
}
