// A small block-style YAML writer for generated files (rule files, OpenSLO): the `yaml` package's stringify spent seconds on
// 1,000 contracts, and rule files are only maps, lists and strings. Output is deterministic (keys in
// insertion order) and conservative: a string is written plain only when no YAML 1.1 or 1.2 reader
// (Prometheus uses go-yaml) can take it for anything but that string; multi-line PromQL is a literal
// block (`|-`); everything else single-quoted, or a JSON string (a valid double-quoted YAML scalar)
// when it holds line breaks or control characters.

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

// YAML 1.1 booleans and nulls (go-yaml v2 reads `on`, `yes`, `n` as booleans) and merge/value keys.
const RESERVED_RE = /^(y|n|yes|no|true|false|on|off|null|~|<<|=)$/i;
// Characters YAML does not allow unescaped (C0 other than tab/newline, DEL, C1 other than NEL, BOM).
// eslint-disable-next-line no-control-regex
const NON_PRINTABLE_RE = /[\u0000-\u0008\u000b-\u001f\u007f-\u0084\u0086-\u009f\ufeff\ufffe\uffff]/;
// eslint-disable-next-line no-control-regex
const NON_PRINTABLE_G = /[\u0000-\u0008\u000b-\u001f\u007f-\u0084\u0086-\u009f\ufeff\ufffe\uffff]/g;
// Line breaks and tabs: a plain or single-quoted scalar would fold or mangle them.
const BREAKS_RE = /[\t\n\r\u0085\u2028\u2029]/;

/**
 * Plain (unquoted) only when the text cannot be read as anything else: no indicator first, no ": " or
 * " #", no surrounding spaces, and nothing a YAML 1.1 resolver turns into a bool, null, number or date.
 * PromQL such as `1 - (sum(rate(x{a="b"}[5m])) ...)` qualifies, as in hand-written rule files.
 */
function isPlain(s: string): boolean {
  if (s === '' || BREAKS_RE.test(s) || NON_PRINTABLE_RE.test(s)) return false;
  if (/^[\s\-?:,[\]{}#&*!|>'"%@`.]/.test(s) || /\s$/.test(s) || s.endsWith(':')) return false;
  if (s.includes(': ') || s.includes(' #') || RESERVED_RE.test(s)) return false;
  if (/^[+\d]/.test(s)) {
    // Numbers, sexagesimals, dates: anything made only of digits and number punctuation.
    if (/^[-+]?[\d_.:eE+-]*$/.test(s) || /^[-+]?0[xob]/i.test(s) || /^\d{4}-\d\d?-\d\d?/.test(s)) return false;
  }
  return true;
}

function quoted(s: string): string {
  // Single quotes need no escapes but cannot hold line breaks or non-printables.
  if (!BREAKS_RE.test(s) && !NON_PRINTABLE_RE.test(s)) return `'${s.split("'").join("''")}'`;
  const json = JSON.stringify(s);
  return NON_PRINTABLE_RE.test(json)
    ? json.replace(NON_PRINTABLE_G, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : json;
}

/** A literal block keeps multi-line PromQL readable; only for text it represents exactly. */
function literalBlockOk(s: string): boolean {
  return (
    s.includes('\n') &&
    !/^[ \t]/.test(s) &&
    !/\s$/.test(s) &&
    !s.includes('\r') &&
    !NON_PRINTABLE_RE.test(s) &&
    !/[\t\u0085\u2028\u2029]/.test(s)
  );
}

function scalar(v: string | number | boolean | null): string {
  if (v === null) return 'null';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} to YAML`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return isPlain(v) ? v : quoted(v);
}

function key(k: string): string {
  return isPlain(k) ? k : quoted(k);
}

function isCollection(v: YamlValue): v is YamlValue[] | { [key: string]: YamlValue } {
  return typeof v === 'object' && v !== null;
}

/** `key: value` lines (value may be a nested block) at `indent`, appended to out. */
function writeMap(obj: { [key: string]: YamlValue }, indent: string, out: string[], firstPrefix?: string): void {
  let first = true;
  for (const k of Object.keys(obj)) {
    const v = obj[k] as YamlValue;
    const lead = first && firstPrefix !== undefined ? firstPrefix : indent;
    first = false;
    writeEntry(`${lead}${key(k)}:`, v, indent, out);
  }
  if (first && firstPrefix !== undefined) out.push(`${firstPrefix}{}`);
}

function writeEntry(head: string, v: YamlValue, indent: string, out: string[]): void {
  if (Array.isArray(v)) {
    if (v.length === 0) out.push(`${head} []`);
    else {
      out.push(head);
      writeSeq(v, indent + '  ', out);
    }
  } else if (isCollection(v)) {
    if (Object.keys(v).length === 0) out.push(`${head} {}`);
    else {
      out.push(head);
      writeMap(v, indent + '  ', out);
    }
  } else if (typeof v === 'string' && literalBlockOk(v)) {
    out.push(`${head} |-`);
    const inner = indent + '  ';
    for (const line of v.split('\n')) out.push(line ? inner + line : '');
  } else {
    out.push(`${head} ${scalar(v)}`);
  }
}

function writeSeq(items: YamlValue[], indent: string, out: string[]): void {
  for (const item of items) {
    if (Array.isArray(item)) {
      if (item.length === 0) out.push(`${indent}- []`);
      else {
        out.push(`${indent}-`);
        writeSeq(item, indent + '  ', out);
      }
    } else if (isCollection(item)) {
      writeMap(item, indent + '  ', out, `${indent}- `);
    } else if (typeof item === 'string' && literalBlockOk(item)) {
      out.push(`${indent}- |-`);
      for (const line of item.split('\n')) out.push(line ? `${indent}  ${line}` : '');
    } else {
      out.push(`${indent}- ${scalar(item)}`);
    }
  }
}

/** A YAML document for a map at the top level, ending with a newline. */
export function toYaml(doc: { [key: string]: YamlValue }): string {
  if (Object.keys(doc).length === 0) return '{}\n';
  const out: string[] = [];
  writeMap(doc, '', out);
  return out.join('\n') + '\n';
}
