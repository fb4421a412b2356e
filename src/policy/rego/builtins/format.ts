// Text forms of values as OPA prints them: Rego term syntax (ast.Value.String()) and Go's
// strconv.Quote, used by sprintf and error messages.
import { formatNumber, RObject, RSet, type Value } from '../value.js';

/** Go strconv.Quote: printable Unicode kept, \a\b\f\n\r\t\v and \\ \" escaped, other controls as \xNN/\uNNNN. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if ((cp >= 0x80 && cp < 0xa0) || cp === 0xad || (cp >= 0xd800 && cp < 0xe000) || cp === 0xfffd && ch !== '\ufffd')
      out += cp <= 0xffff ? '\\u' + cp.toString(16).padStart(4, '0') : '\\U' + cp.toString(16).padStart(8, '0');
    else out += ch;
  }
  return out + '"';
}

/** Rego term syntax, as OPA's ast.Value String(): ["a", 1], {"k": true}, {1, 2}, set(). */
export function regoString(v: Value): string {
  switch (typeof v) {
    case 'string':
      return goQuote(v);
    case 'number':
    case 'bigint':
      return formatNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      if (v === null) return 'null';
      if (Array.isArray(v)) return '[' + v.map(regoString).join(', ') + ']';
      if (v instanceof RSet) return v.size === 0 ? 'set()' : '{' + v.values().map(regoString).join(', ') + '}';
      if (v instanceof RObject)
        return '{' + v.entries().map(([k, x]) => regoString(k) + ': ' + regoString(x)).join(', ') + '}';
  }
  return String(v);
}
