// Rego literal text for JSON-like values: the generated modules are read by people, so objects are
// printed with sorted keys, inline when they fit on a line and one entry per line when they don't.
// Strings use JSON escaping, which is exactly Rego's string syntax ("\"", "\\", "\n", "\uXXXX").

export type RegoValue = string | number | boolean | null | RegoValue[] | { [key: string]: RegoValue | undefined };

const MAX_WIDTH = 100;
const INDENT = '\t';
/** Tabs count as 4 columns for the width rule (what `opa fmt` output looks like in most editors). */
const TAB_WIDTH = 4;

export function regoString(s: string): string {
  return JSON.stringify(s);
}

export function regoNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  return String(n);
}

function entries(o: { [key: string]: RegoValue | undefined }): [string, RegoValue][] {
  return Object.entries(o)
    .filter((e): e is [string, RegoValue] => e[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function inline(v: RegoValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return regoString(v);
  if (typeof v === 'number') return regoNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(inline).join(', ')}]`;
  return `{${entries(v)
    .map(([k, x]) => `${regoString(k)}: ${inline(x)}`)
    .join(', ')}}`;
}

/**
 * Format a value that starts at column `column` on a line indented `depth` levels. Keys are sorted by
 * UTF-16 code unit, the order JSON.stringify-based tools and `opa fmt` agree on for ASCII keys.
 */
export function formatRegoValue(v: RegoValue, depth = 0, column = 0): string {
  const flat = inline(v);
  if (v === null || typeof v !== 'object' || column + flat.length <= MAX_WIDTH) return flat;
  const pad = INDENT.repeat(depth + 1);
  const innerColumn = (depth + 1) * TAB_WIDTH;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    const items = v.map((x) => `${pad}${formatRegoValue(x, depth + 1, innerColumn)},`);
    return `[\n${items.join('\n')}\n${INDENT.repeat(depth)}]`;
  }
  const es = entries(v);
  if (es.length === 0) return '{}';
  const items = es.map(([k, x]) => {
    const key = `${regoString(k)}: `;
    return `${pad}${key}${formatRegoValue(x, depth + 1, innerColumn + key.length)},`;
  });
  return `{\n${items.join('\n')}\n${INDENT.repeat(depth)}}`;
}

/** Text safe inside a one-line `#` comment: line breaks and other control characters shown as \uXXXX. */
export function commentText(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `name := value` as a complete rule. */
export function constantRule(name: string, value: RegoValue): string {
  const head = `${name} := `;
  return `${head}${formatRegoValue(value, 0, head.length)}`;
}

const KEYWORDS = new Set([
  'as', 'contains', 'data', 'default', 'else', 'every', 'false', 'if', 'import', 'in', 'input', 'not',
  'null', 'package', 'some', 'true', 'with',
]);

/**
 * Package segment for a contract id: "-" becomes "_" (Rego identifiers cannot contain "-"); an id that
 * would start with a digit or be a keyword gets a "c_" prefix. Ids are DNS labels, so nothing else can occur.
 */
export function regoPackageSegment(contractId: string): string {
  const s = contractId.replace(/-/g, '_');
  return /^[0-9]/.test(s) || KEYWORDS.has(s) ? `c_${s}` : s;
}
