// One problem found in a contract file, with the position a human (or an editor) can jump to.

export interface ContractIssue {
  file: string;
  /** 1-based; file-level problems (too large, binary, missing) point at 1:1. */
  line: number;
  column: number;
  /** Field path such as `slas[0].credits.tiers[1].below`; empty for the file as a whole. */
  path: string;
  message: string;
  expected?: string;
  severity: 'error' | 'warning';
  /**
   * Only on the last issue of a file whose list was cut at MAX_ISSUES_PER_FILE: how many issues were
   * left out (this line stands for all of them).
   */
  omitted?: { errors: number; warnings: number };
}

/** Issues listed per file; the rest are counted on one last line (a generated file can hold 100,000). */
export const MAX_ISSUES_PER_FILE = 50;

/**
 * Characters that must never reach a terminal from a contract: C0 controls except tab, LF and CR
 * (which YAML text may hold), DEL, C1 controls, and the bidirectional embeddings, overrides and
 * isolates (U+202A–U+202E, U+2066–U+2069) that reorder what a reader sees ("Trojan Source").
 */
const UNSAFE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

/** Index of the first unsafe character of `s`, or -1. */
export function unsafeCharIndex(s: string): number {
  const m = UNSAFE.exec(s);
  return m ? m.index : -1;
}

const C0_NAMES = ['NUL', 'SOH', 'STX', 'ETX', 'EOT', 'ENQ', 'ACK', 'BEL', 'BS', 'HT', 'LF', 'VT', 'FF', 'CR', 'SO', 'SI', 'DLE', 'DC1', 'DC2', 'DC3', 'DC4', 'NAK', 'SYN', 'ETB', 'CAN', 'EM', 'SUB', 'ESC', 'FS', 'GS', 'RS', 'US'];
const BIDI_NAMES: Record<number, string> = {
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
};

const hex4 = (c: number) => c.toString(16).toUpperCase().padStart(4, '0');

/** "a control character U+001B (ESC)", "a bidirectional control U+202E (RIGHT-TO-LEFT OVERRIDE)". */
export function describeUnsafeChar(code: number): string {
  if (code < 0x20) return `a control character U+${hex4(code)} (${C0_NAMES[code]})`;
  if (code === 0x7f) return 'a control character U+007F (DEL)';
  if (code >= 0x80 && code <= 0x9f) return `a C1 control character U+${hex4(code)}`;
  return `a bidirectional control U+${hex4(code)} (${BIDI_NAMES[code] ?? 'bidirectional formatting'})`;
}

/** Everything that could break a one-line message or rewrite a terminal, for escaping on output. */
const ESCAPE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;
const SHORT: Record<string, string> = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };

/** `s` with control, line-separator and bidi characters written as JSON-style escapes (\n, \u001b). */
export function escapeUnsafe(s: string): string {
  return s.replace(ESCAPE, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `file:line:column: field.path: what is wrong (expected …)`; warnings say so. One line, always. */
export function formatIssue(i: ContractIssue): string {
  const where = `${i.file}:${i.line}:${i.column}:`;
  const sev = i.severity === 'warning' ? ' warning:' : '';
  const path = i.path ? ` ${i.path}:` : '';
  const expected = i.expected ? ` (expected ${i.expected})` : '';
  return escapeUnsafe(`${where}${sev}${path} ${i.message}${expected}`);
}

/**
 * The first MAX_ISSUES_PER_FILE issues of one file (already sorted), then one issue that counts the
 * rest, placed at the first one left out. Its severity is error when any left-out issue is one.
 */
export function capIssues(issues: ContractIssue[], max = MAX_ISSUES_PER_FILE): ContractIssue[] {
  if (issues.length <= max) return issues;
  const rest = issues.slice(max);
  const errors = rest.filter((i) => i.severity === 'error').length;
  const warnings = rest.length - errors;
  const first = rest[0]!;
  const counts = [errors && `${errors} error${errors === 1 ? '' : 's'}`, warnings && `${warnings} warning${warnings === 1 ? '' : 's'}`].filter(Boolean).join(', ');
  return [
    ...issues.slice(0, max),
    {
      file: first.file,
      line: first.line,
      column: first.column,
      path: '',
      message: `… and ${rest.length} more (${counts}) in this file; only the first ${max} are listed`,
      severity: errors > 0 ? 'error' : 'warning',
      omitted: { errors, warnings },
    },
  ];
}

export type PathSegment = string | number;

/** ['slas', 0, 'credits'] → `slas[0].credits`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += `[${JSON.stringify(seg)}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

export function compareIssues(a: ContractIssue, b: ContractIssue): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  if (a.column !== b.column) return a.column - b.column;
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

export function hasErrors(issues: readonly ContractIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}
