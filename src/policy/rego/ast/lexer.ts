// Tokenizer for Rego v1 source text. Newlines are not tokens: each token records whether a newline
// (or any whitespace) came before it, which the parser uses to split body expressions and to tell
// `a[0]` (a ref) from `a [0]`.
import { RegoError } from '../errors.js';

export type TokKind = 'ident' | 'number' | 'string' | 'template' | 'punct' | 'eof';

export type TemplatePart = { str: string } | { expr: string; row: number; col: number };

export interface Token {
  kind: TokKind;
  text: string; // ident name, punctuation, number text; for strings the decoded value
  row: number;
  col: number;
  pos: number; // offset in source
  end: number; // offset just after the token
  nl: boolean; // a newline precedes this token
  ws: boolean; // whitespace (or a comment) precedes this token
  raw?: boolean; // string came from a `raw` literal
  parts?: TemplatePart[]; // template strings
}

const PUNCT1 = new Set(['{', '}', '[', ']', '(', ')', ',', ';', '.', ':', '=', '<', '>', '+', '-', '*', '/', '%', '&', '|']);

export interface Comment {
  row: number;
  col: number;
  text: string; // without the leading '#'
}

export function tokenize(file: string, src: string, rowOffset = 0, colOffset = 0, comments?: Comment[]): Token[] {
  const toks: Token[] = [];
  let i = 0;
  let row = 1;
  let lineStart = 0;
  const n = src.length;
  const err = (msg: string, at = i): never => {
    // compute row/col of `at`
    let r = 1;
    let ls = 0;
    for (let j = 0; j < at && j < n; j++) if (src.charCodeAt(j) === 10) {
      r++;
      ls = j + 1;
    }
    throw new RegoError('rego_parse_error', msg, { file, row: r + rowOffset, col: at - ls + 1 + (r === 1 ? colOffset : 0) });
  };
  let nl = false;
  let ws = false;
  while (i < n) {
    const c = src[i]!;
    if (c === '\n') {
      nl = true;
      ws = true;
      i++;
      row++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      ws = true;
      i++;
      continue;
    }
    if (c === '#') {
      const cs = i;
      while (i < n && src[i] !== '\n') i++;
      comments?.push({ row: row + rowOffset, col: cs - lineStart + 1, text: src.slice(cs + 1, i).replace(/\r$/, '') });
      ws = true;
      continue;
    }
    const start = i;
    const col = i - lineStart + 1 + (row === 1 ? colOffset : 0);
    // one object shape for every token (keeps the parser's property accesses monomorphic)
    const tok = (kind: TokKind, text: string, raw?: boolean, parts?: TemplatePart[]): void => {
      toks.push({ kind, text, row: row + rowOffset, col, pos: start, end: i, nl, ws, raw, parts });
      nl = false;
      ws = false;
    };
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(src[i]!)) i++;
      tok('ident', src.slice(start, i));
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(src[i + 1] ?? ''))) {
      while (i < n && isDigit(src[i]!)) i++;
      if (src[i] === '.' && isDigit(src[i + 1] ?? '')) {
        i++;
        while (i < n && isDigit(src[i]!)) i++;
      }
      if (src[i] === 'e' || src[i] === 'E') {
        let j = i + 1;
        if (src[j] === '+' || src[j] === '-') j++;
        if (isDigit(src[j] ?? '')) {
          i = j;
          while (i < n && isDigit(src[i]!)) i++;
        }
      }
      if (i < n && isIdentStart(src[i]!)) err('illegal number format');
      tok('number', src.slice(start, i));
      continue;
    }
    if (c === '"') {
      i++;
      const v = readQuoted(src, i, '"', false, err);
      i = v.end;
      tok('string', v.text);
      continue;
    }
    if (c === '`') {
      const close = src.indexOf('`', i + 1);
      if (close < 0) err('non-terminated raw string');
      const text = src.slice(i + 1, close);
      for (const ch of text) if (ch === '\n') row++;
      const lastNl = text.lastIndexOf('\n');
      i = close + 1;
      tok('string', text, true);
      if (lastNl >= 0) lineStart = start + 1 + lastNl + 1;
      continue;
    }
    if (c === '$' && (src[i + 1] === '"' || src[i + 1] === '`')) {
      const q = src[i + 1]!;
      i += 2;
      const parts: TemplatePart[] = [];
      let buf = '';
      for (;;) {
        if (i >= n) err('non-terminated template string');
        const d = src[i]!;
        if (d === q) {
          i++;
          break;
        }
        if (d === '\\' && src[i + 1] === '{') {
          buf += '{';
          i += 2;
          continue;
        }
        if (d === '\\' && q === '"') {
          const v = readEscape(src, i, err);
          buf += v.text;
          i = v.end;
          continue;
        }
        if (d === '\n') {
          if (q === '"') err('non-terminated template string');
          row++;
          lineStart = i + 1;
        }
        if (d === '{') {
          if (buf) parts.push({ str: buf });
          buf = '';
          // find the matching close brace, skipping strings
          let depth = 1;
          let j = i + 1;
          while (j < n && depth > 0) {
            const e = src[j]!;
            if (e === '"') {
              j++;
              while (j < n && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
            } else if (e === '`') {
              j = src.indexOf('`', j + 1);
              if (j < 0) err('non-terminated raw string');
            } else if (e === '{') depth++;
            else if (e === '}') depth--;
            if (depth === 0) break;
            j++;
          }
          if (depth !== 0) err('non-terminated template expression');
          const exprText = src.slice(i + 1, j);
          parts.push({ expr: exprText, row: row + rowOffset, col: i + 1 - lineStart + 1 });
          for (let k = i + 1; k < j; k++) if (src[k] === '\n') {
            row++;
            lineStart = k + 1;
          }
          i = j + 1;
          continue;
        }
        buf += d;
        i++;
      }
      if (buf) parts.push({ str: buf });
      tok('template', '', undefined, parts);
      continue;
    }
    const c2 = src.charCodeAt(i + 1);
    if (c2 === 61 /* = */ && (c === ':' || c === '=' || c === '!' || c === '<' || c === '>')) {
      i += 2;
      tok('punct', c + '=');
      continue;
    }
    if (PUNCT1.has(c)) {
      i++;
      tok('punct', c);
      continue;
    }
    err(`unexpected character ${JSON.stringify(c)}`);
  }
  toks.push({ kind: 'eof', text: '', row: row + rowOffset, col: i - lineStart + 1, pos: i, end: i, nl: true, ws: true, raw: undefined, parts: undefined });
  return toks;
}

function readEscape(src: string, i: number, err: (m: string, at?: number) => never): { text: string; end: number } {
  const e = src[i + 1];
  switch (e) {
    case '"':
      return { text: '"', end: i + 2 };
    case '\\':
      return { text: '\\', end: i + 2 };
    case '/':
      return { text: '/', end: i + 2 };
    case 'b':
      return { text: '\b', end: i + 2 };
    case 'f':
      return { text: '\f', end: i + 2 };
    case 'n':
      return { text: '\n', end: i + 2 };
    case 'r':
      return { text: '\r', end: i + 2 };
    case 't':
      return { text: '\t', end: i + 2 };
    case 'u': {
      const hex = src.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) err('illegal escape sequence', i);
      let code = parseInt(hex, 16);
      let end = i + 6;
      // surrogate pair
      if (code >= 0xd800 && code <= 0xdbff && src[end] === '\\' && src[end + 1] === 'u') {
        const hex2 = src.slice(end + 2, end + 6);
        if (/^[0-9a-fA-F]{4}$/.test(hex2)) {
          const lo = parseInt(hex2, 16);
          if (lo >= 0xdc00 && lo <= 0xdfff) {
            code = 0x10000 + ((code - 0xd800) << 10) + (lo - 0xdc00);
            end += 6;
          }
        }
      }
      return { text: String.fromCodePoint(code), end };
    }
  }
  return err('illegal escape sequence', i);
}

function readQuoted(
  src: string,
  i: number,
  q: string,
  _multi: boolean,
  err: (m: string, at?: number) => never,
): { text: string; end: number } {
  // fast path: no escape before the closing quote
  for (let j = i; j < src.length; j++) {
    const c = src.charCodeAt(j);
    if (c === 34 /* " */ && q === '"') return { text: src.slice(i, j), end: j + 1 };
    if (c === 92 /* \ */ || c === 10) break;
  }
  let out = '';
  for (;;) {
    if (i >= src.length) err('non-terminated string');
    const c = src[i]!;
    if (c === q) return { text: out, end: i + 1 };
    if (c === '\n') err('non-terminated string');
    if (c === '\\') {
      const e = readEscape(src, i, err);
      out += e.text;
      i = e.end;
      continue;
    }
    out += c;
    i++;
  }
}

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}
function isIdentPart(c: string): boolean {
  return isIdentStart(c) || isDigit(c);
}
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}
