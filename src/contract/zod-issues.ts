// Turns zod issues into readable ContractIssues: "missing required field", "wrong type (expected
// number, received string)", union alternatives in words, unknown fields with a did-you-mean.
import type { z } from 'zod';
import type { PathSegment } from './issues.js';
import { quoteValue } from './secrets.js';

export interface RawIssue {
  path: PathSegment[];
  message: string;
  expected?: string;
  /** Point at the key of the entry rather than its value (unknown fields). */
  target?: 'key' | 'value';
}

type ZIssue = z.core.$ZodIssue;

/** Union alternatives, by the last named segment of the union's path. */
function unionAlternatives(path: readonly PathSegment[]): string | undefined {
  const names = path.filter((p): p is string => typeof p === 'string');
  const last = names[names.length - 1];
  if (last === 'sli') return 'exactly one of: good + total | errors + total | latency { histogram, thresholdSeconds }';
  if (last === 'maintenance') return 'a one-off window { start, end } or a recurring window { schedule, durationMinutes }';
  if (last === 'routingKey') return 'a secret reference: { env: NAME } or { file: PATH }';
  if (last === 'monthly' || last === 'monthlyFee') return 'a non-negative decimal amount (number or quoted string)';
  return undefined;
}

export function getIn(value: unknown, path: readonly PathSegment[]): { found: boolean; value: unknown } {
  let v: unknown = value;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return { found: false, value: undefined };
    if (!Object.prototype.hasOwnProperty.call(v, seg)) return { found: false, value: undefined };
    v = (v as Record<string, unknown>)[seg as string];
  }
  return { found: true, value: v };
}

export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (v instanceof Uint8Array) return 'binary';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'mapping';
  return typeof v;
}

/** Flatten zod issues (with union handling) into raw issues relative to the document root. */
export function convertZodIssues(issues: readonly ZIssue[], data: unknown, schema: z.ZodType, base: PathSegment[] = []): RawIssue[] {
  const out: RawIssue[] = [];
  for (const issue of issues) {
    const path = [...base, ...(issue.path as PathSegment[])];
    const { found, value } = getIn(data, path);
    switch (issue.code) {
      case 'invalid_type': {
        if (!found || value === undefined) out.push({ path, message: 'missing required field', expected: expectedType(issue.expected) });
        else out.push({ path, message: 'wrong type', expected: `${expectedType(issue.expected)}, received ${describeType(value)}` });
        break;
      }
      case 'invalid_value': {
        const values = issue.values.map((v) => JSON.stringify(v));
        const expected = values.length === 1 ? values[0] : `one of ${values.join(' | ')}`;
        if (!found || value === undefined) out.push({ path, message: 'missing required field', expected });
        else {
          const strings = issue.values.filter((v): v is string => typeof v === 'string');
          const guess = typeof value === 'string' && strings.length ? closest(value, strings) : undefined;
          out.push({ path, message: `invalid value ${quoteValue(value)}${guess ? ` (did you mean "${guess}"?)` : ''}`, expected });
        }
        break;
      }
      case 'unrecognized_keys': {
        const known = knownKeys(schema, path);
        for (const key of issue.keys) {
          const guess = known ? closest(key, known) : undefined;
          out.push({
            path: [...path, key],
            message: guess ? `unknown field (did you mean "${guess}"?)` : 'unknown field',
            expected: known && known.length <= 12 ? `one of ${known.join(', ')}` : undefined,
            target: 'key',
          });
        }
        break;
      }
      case 'invalid_union': {
        out.push(...convertUnion(issue, path, data, value, schema));
        break;
      }
      case 'too_small':
      case 'too_big': {
        out.push({ path, message: sizeMessage(issue, value), expected: sizeExpected(issue) });
        break;
      }
      case 'invalid_format': {
        const m = issue.message;
        if (/^expected /.test(m)) out.push({ path, message: 'invalid format', expected: m.replace(/^expected /, '') });
        else out.push({ path, message: `invalid format: ${issue.format === 'regex' ? 'does not match the required pattern' : m.replace(/^Invalid /, 'not a valid ')}` });
        break;
      }
      case 'invalid_key': {
        const expected = issue.issues.map((i) => {
          const pattern = (i as { pattern?: unknown }).pattern;
          if (i.code === 'invalid_format' && pattern !== undefined) return `a key matching ${String(pattern)}`;
          return i.message.replace(/^expected /, '');
        });
        out.push({ path, message: 'invalid key', expected: expected.join('; '), target: 'key' });
        break;
      }
      default:
        out.push({ path, message: issue.message });
    }
  }
  return out;
}

function convertUnion(
  issue: Extract<ZIssue, { code: 'invalid_union' }>,
  path: PathSegment[],
  data: unknown,
  value: unknown,
  schema: z.ZodType,
): RawIssue[] {
  const branches = (issue as { errors?: ZIssue[][] }).errors ?? [];
  // A branch "was meant" when the value has its shape (no unknown keys, no type mismatch at the
  // root): then its own issues are the useful ones. Otherwise name the alternatives.
  const meant = branches.filter((b) => b.length > 0 && b.every((i) => i.path.length > 0));
  if (meant.length === 1 && value !== undefined) return convertZodIssues(meant[0]!, data, schema, path);
  const alternatives = unionAlternatives(path) ?? describeBranches(branches);
  if (value === undefined) return [{ path, message: 'missing required field', expected: alternatives }];
  const sel = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : undefined;
  const got = sel ? (sel.length ? `fields ${sel.join(', ')}` : 'an empty mapping') : describeType(value);
  return [{ path, message: `does not match any allowed form (got ${got})`, expected: alternatives }];
}

function describeBranches(branches: ZIssue[][]): string {
  const parts = branches.map((b) => {
    const root = b.find((i) => i.path.length === 0);
    if (root?.code === 'invalid_type') return expectedType(root.expected);
    if (root && /^expected /.test(root.message)) return root.message.replace(/^expected /, '');
    return root?.message ?? 'another form';
  });
  return `one of: ${[...new Set(parts)].join(' | ')}`;
}

function expectedType(t: string): string {
  return t === 'object' ? 'mapping' : t === 'array' ? 'list' : t;
}

function sizeMessage(issue: Extract<ZIssue, { code: 'too_small' | 'too_big' }>, value: unknown): string {
  const small = issue.code === 'too_small';
  if (issue.origin === 'array') return small ? 'too few items' : 'too many items';
  if (issue.origin === 'string') return small ? (value === '' ? 'must not be empty' : 'too short') : 'too long';
  return small ? `too small: ${quoteValue(value)}` : `too large: ${quoteValue(value)}`;
}

function sizeExpected(issue: Extract<ZIssue, { code: 'too_small' | 'too_big' }>): string {
  const small = issue.code === 'too_small';
  const bound = small ? (issue as { minimum: unknown }).minimum : (issue as { maximum: unknown }).maximum;
  const inclusive = issue.inclusive !== false;
  if (issue.origin === 'array') return `${small ? 'at least' : 'at most'} ${String(bound)} item${bound === 1 ? '' : 's'}`;
  if (issue.origin === 'string') return `${small ? 'at least' : 'at most'} ${String(bound)} character${bound === 1 ? '' : 's'}`;
  const op = small ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<';
  return `a number ${op} ${String(bound)}`;
}

// ---- schema introspection (zod v4 internals, read defensively) for "did you mean" ----

interface Def {
  type?: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
}

function defOf(s: unknown): Def | undefined {
  return (s as { _zod?: { def?: Def } })?._zod?.def;
}

function unwrap(s: z.ZodType | undefined): z.ZodType[] {
  const out: z.ZodType[] = [];
  const stack = s ? [s] : [];
  let guard = 0;
  while (stack.length && guard++ < 100) {
    const cur = stack.pop()!;
    const d = defOf(cur);
    if (!d) continue;
    if (d.type === 'optional' || d.type === 'nullable' || d.type === 'default' || d.type === 'readonly') stack.push(d.innerType!);
    else if (d.type === 'pipe') stack.push(d.in!);
    else if (d.type === 'union') stack.push(...(d.options ?? []));
    else out.push(cur);
  }
  return out;
}

/** The field names allowed at `path` (the object that has the unknown key), if the schema says. */
export function knownKeys(schema: z.ZodType, path: readonly PathSegment[]): string[] | undefined {
  let level = unwrap(schema);
  for (const seg of path) {
    const next: z.ZodType[] = [];
    for (const s of level) {
      const d = defOf(s)!;
      if (d.type === 'object' && typeof seg === 'string' && d.shape && seg in d.shape) next.push(...unwrap(d.shape[seg]));
      else if (d.type === 'array' && typeof seg === 'number') next.push(...unwrap(d.element));
      else if (d.type === 'record') next.push(...unwrap(d.valueType));
    }
    level = next;
  }
  const keys = new Set<string>();
  for (const s of level) {
    const d = defOf(s)!;
    if (d.type === 'object' && d.shape) for (const k of Object.keys(d.shape)) keys.add(k);
  }
  return keys.size ? [...keys] : undefined;
}

/** The candidate nearest to `word` (edit distance, case-insensitive) when near enough to be a typo of it. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Infinity;
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}
