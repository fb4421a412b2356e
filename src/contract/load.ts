// Loading contract files: bytes → YAML document (with positions) → zod schema → semantic checks →
// model. Every problem becomes a ContractIssue with file:line:column; a broken file never stops the
// others, and nothing here throws on bad input.
//
// Hostile input is bounded before it can cost more than linear time or blow the stack:
//   - only regular files are read (a FIFO, /dev/zero, a socket or a directory is refused after one
//     fstat, without reading), at most MAX_FILE_BYTES;
//   - nesting is measured on yaml's concrete syntax tree (built without recursion) before the
//     recursive composer runs, so 100,000 nested `- ` or `[` get "nests too deeply", not a stack
//     overflow;
//   - yaml's own unique-key check and pretty errors are quadratic (a scan per key, a copy of the line
//     per error): both are done here in linear time instead;
//   - the issue list of one file is capped at MAX_ISSUES_PER_FILE, with a last line that counts the rest.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, normalize, resolve } from 'node:path';
import { Composer, LineCounter, Parser, isAlias, isMap, isPair, isScalar, isSeq, type CST, type Document, type Node } from 'yaml';
import { capIssues, compareIssues, describeUnsafeChar, formatPath, hasErrors, unsafeCharIndex, type ContractIssue, type PathSegment } from './issues.js';
import { toModel, type Contract } from './model.js';
import { PositionMap, keyText, scalarCharOffset } from './positions.js';
import { ContractSchema } from './schema.js';
import { secretKind } from './secrets.js';
import { semanticChecks } from './semantic.js';
import { convertZodIssues, getIn } from './zod-issues.js';

export { formatIssue, formatPath, hasErrors, MAX_ISSUES_PER_FILE } from './issues.js';
export type { ContractIssue } from './issues.js';

export const MAX_FILE_BYTES = 1024 * 1024;
export const MAX_DEPTH = 64;
/** Aliases expand on conversion; a handful is plenty for a contract (default of yaml is 100). */
export const MAX_ALIAS_COUNT = 100;
/** Raw bracket nesting beyond this is refused before the YAML parser sees it (a cheap early exit). */
const MAX_RAW_BRACKETS = 1000;

const TOO_DEEP = `nests too deeply (more than ${MAX_DEPTH} levels)`;

export interface LoadResult {
  contracts: Contract[];
  issues: ContractIssue[];
  files: string[];
}

export interface TextLoadResult {
  contract?: Contract;
  issues: ContractIssue[];
}

type Position = { line: number; column: number };
type FileLoadResult = TextLoadResult & { idPosition?: Position };

export interface LoadOptions {
  /**
   * Only contracts with these ids are wanted (the gate's --sla C/S, --contract C): a file is parsed and
   * validated only when its bytes could spell one of them, i.e. when they contain the id itself or a
   * backslash (a double-quoted YAML escape could spell an id; a folded line always adds whitespace,
   * which no id contains, and an alias repeats an anchor's text). Every file that may hold a wanted
   * id is validated in full, in path order, so the first valid one wins as in a full load and a
   * later one gets the same "duplicate contract id" issue; files that cannot hold one are not read
   * further, and their issues are not reported. `files` still lists every file found.
   */
  onlyIds?: readonly string[];
}

/** Load files and folders (recursively *.yaml|*.yml), sorted by path; ids unique across files. */
export async function loadContracts(paths: string[], opts: LoadOptions = {}): Promise<LoadResult> {
  const issues: ContractIssue[] = [];
  // The same file reached twice (a folder and a file in it, ./x and x) is loaded once, under the
  // first spelling seen.
  const found = new Map<string, string>();
  const add = (f: string) => {
    const key = resolve(f);
    if (!found.has(key)) found.set(key, normalize(f));
  };
  for (const p of paths) {
    let st: Stats;
    try {
      st = await stat(p);
    } catch (e) {
      issues.push(fileIssue(p, `cannot read: ${errnoText(e)}`));
      continue;
    }
    // A path given explicitly is loaded whatever it is (a FIFO or a device is then refused with a
    // clear issue by readRegularFile); folders are searched.
    if (st.isDirectory()) {
      const listed = await listYaml(p);
      for (const f of listed.files) add(f);
      issues.push(...listed.issues);
    } else add(p);
  }
  const files = [...found.values()].sort(comparePaths);
  const contracts: Contract[] = [];
  const seenIds = new Map<string, string>();
  const wanted = opts.onlyIds && !opts.onlyIds.some((id) => id === '' || /\s/.test(id)) ? opts.onlyIds.map((id) => Buffer.from(id, 'utf8')) : undefined;
  for (const file of files) {
    const read = readRegularFile(file);
    if (wanted && 'bytes' in read && !mayHoldId(read.bytes, wanted)) continue;
    const r: FileLoadResult = 'issue' in read ? { issues: [read.issue] } : loadBytesUncapped(file, read.bytes);
    let contract = r.contract;
    const fileIssues = [...r.issues];
    if (contract) {
      const first = seenIds.get(contract.id);
      if (first !== undefined) {
        const pos = r.idPosition ?? { line: 1, column: 1 };
        fileIssues.push({
          file,
          ...pos,
          path: 'metadata.id',
          message: `duplicate contract id "${contract.id}" (already used by ${first})`,
          expected: 'an id unique across all contracts',
          severity: 'error',
        });
        contract = undefined;
      } else {
        seenIds.set(contract.id, file);
      }
    }
    if (contract) contracts.push(contract);
    issues.push(...capIssues(fileIssues.sort(compareIssues)));
  }
  return { contracts, issues, files };
}

function notRegular(file: string, kind: string): ContractIssue {
  return fileIssue(file, `${kind}, not a regular file: not read`, 'a regular YAML file');
}

function kindOf(file: string): string {
  try {
    return fileKind(statSync(file));
  } catch {
    return 'a special file';
  }
}

/** A human name for what a non-regular file is. */
function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

/**
 * Read a regular file of at most MAX_FILE_BYTES. Opened non-blocking (a FIFO without a writer would
 * otherwise block the open), then fstat on the descriptor (no race between check and read): anything
 * but a regular file is refused without reading a byte. Reads at most one byte past the limit, so a
 * file that grows while being read cannot make us read more.
 */
function readRegularFile(file: string): { bytes: Buffer } | { issue: ContractIssue } {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    // A UNIX socket cannot be opened at all (ENXIO): say what it is.
    if ((e as NodeJS.ErrnoException)?.code === 'ENXIO') return { issue: notRegular(file, kindOf(file)) };
    return { issue: fileIssue(file, `cannot read: ${errnoText(e)}`) };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { issue: notRegular(file, fileKind(st)) };
    if (st.size > MAX_FILE_BYTES) return { issue: tooLarge(file, st.size) };
    const buf = Buffer.allocUnsafe(MAX_FILE_BYTES + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > MAX_FILE_BYTES) return { issue: tooLarge(file, n) };
    }
    return { bytes: buf.subarray(0, n) };
  } catch (e) {
    return { issue: fileIssue(file, `cannot read: ${errnoText(e)}`) };
  } finally {
    closeSync(fd);
  }
}

// Synchronous reads (readRegularFile): a thousand small files are read faster one after the other than
// with an awaited promise each (bench/validate-compile.ts).

/** Whether a file's bytes could hold one of the ids as metadata.id (see LoadOptions.onlyIds). */
function mayHoldId(bytes: Buffer, ids: readonly Buffer[]): boolean {
  return bytes.includes(0x5c) || ids.some((id) => bytes.includes(id));
}

/** Load from raw bytes: size and encoding are checked before decoding. */
export function loadContractBytes(file: string, bytes: Uint8Array): FileLoadResult {
  const r = loadBytesUncapped(file, bytes);
  return { ...r, issues: capIssues(r.issues) };
}

function loadBytesUncapped(file: string, bytes: Uint8Array): FileLoadResult {
  if (bytes.byteLength > MAX_FILE_BYTES) return { issues: [tooLarge(file, bytes.byteLength)] };
  if (bytes.includes(0)) return { issues: [fileIssue(file, 'binary content (NUL bytes): not a YAML text file')] };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { issues: [fileIssue(file, 'not valid UTF-8 text', 'a UTF-8 encoded YAML file')] };
  }
  return loadWithHash(file, text, sha256(bytes));
}

/** Load one contract from text. `file` is only used in issues and the model. */
export function loadContractText(file: string, text: string): TextLoadResult {
  const r = loadWithHash(file, text, undefined);
  return { contract: r.contract, issues: capIssues(r.issues) };
}

function loadWithHash(file: string, text: string, hash: string | undefined): FileLoadResult {
  try {
    const r = loadChecked(file, text, hash);
    r.issues.sort(compareIssues);
    return r;
  } catch (e) {
    // Defensive: a bug or a pathological input must become an issue, not a crash of the whole run.
    const msg = e instanceof RangeError ? 'document too complex to process (nesting or size)' : `internal error while loading: ${(e as Error)?.message ?? String(e)}`;
    return { issues: [fileIssue(file, msg)] };
  }
}

function loadChecked(file: string, text: string, hash: string | undefined): FileLoadResult {
  if (typeof text !== 'string') return { issues: [fileIssue(file, 'not text')] };
  const byteLength = Buffer.byteLength(text, 'utf8');
  if (byteLength > MAX_FILE_BYTES) return { issues: [tooLarge(file, byteLength)] };
  if (text.includes('\u0000')) return { issues: [fileIssue(file, 'binary content (NUL bytes): not a YAML text file')] };
  if (text.includes('\uFFFD')) return { issues: [fileIssue(file, 'not valid UTF-8 text (replacement characters found)', 'a UTF-8 encoded YAML file')] };
  if (text.replace(/^\uFEFF/, '').trim() === '') return { issues: [fileIssue(file, 'file is empty', 'a contract document')] };
  if (rawBracketDepth(text) > MAX_RAW_BRACKETS) return { issues: [fileIssue(file, TOO_DEEP)] };

  const lines = new LineCounter();
  const issue = (pos: Position, path: string, message: string, expected?: string, severity: 'error' | 'warning' = 'error'): ContractIssue => ({
    file,
    line: pos.line,
    column: pos.column,
    path,
    message,
    expected,
    severity,
  });
  // parseAllDocuments, in steps: the parser and lexer are iterative; the composer recurses once per
  // nesting level, so the depth is checked on the concrete syntax tree before composing.
  const cst = [...new Parser(lines.addNewLine).parse(text)];
  const deep = cstTooDeep(cst);
  if (deep !== undefined) return { issues: [issue(new PositionMap(undefined, lines).at(deep), '', TOO_DEEP)] };
  const composer = new Composer({ uniqueKeys: false, strict: true, logLevel: 'silent' });
  const docs = [...composer.compose(cst)] as Document[];
  if (docs.length === 0) return { issues: [fileIssue(file, 'file is empty (comments only)', 'a contract document')] };
  if (docs.length > 1) {
    const second = docs[1]!;
    const at = new PositionMap(second, lines).at(second.range?.[0] ?? 0);
    return { issues: [issue(at, '', `${docs.length} YAML documents in one file`, 'one contract per file (no "---" between documents)')] };
  }
  const doc = docs[0]!;
  const positions = new PositionMap(doc, lines);
  const issues: ContractIssue[] = [];
  for (const err of doc.errors) issues.push(issue(positions.at(err.pos[0]), '', yamlErrorText(err.message)));
  for (const w of doc.warnings) issues.push(issue(positions.at(w.pos[0]), '', yamlErrorText(w.message), undefined, 'warning'));

  const root = doc.contents as Node | null;
  const walk = root ? walkAst(root) : { strings: [], duplicateKeys: [] };
  for (const k of walk.duplicateKeys) issues.push(issue(positions.start(k), '', 'YAML: Map keys must be unique'));
  if (hasErrors(issues)) return { issues };

  if (!root || (isScalar(root) && (root.value === null || root.value === ''))) return { issues: [fileIssue(file, 'file is empty (no content)', 'a contract document')] };
  if (!isMap(root)) return { issues: [issue(positions.start(root), '', 'expected a mapping at the top level (apiVersion, kind, metadata, …)')] };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const msg = /alias/i.test((e as Error).message) ? `too many alias expansions (limit ${MAX_ALIAS_COUNT}); anchors and aliases must not multiply the document` : `YAML: ${(e as Error).message}`;
    return { issues: [issue({ line: 1, column: 1 }, '', msg)] };
  }

  // Every string of the document, keys included: no control characters or bidirectional overrides
  // (they could rewrite a terminal or reorder what a reviewer sees), and no secrets (reported by kind,
  // never by value).
  const literalKeyPath = 'notify.pagerduty.routingKey';
  for (const s of walk.strings) {
    const path = formatPath(s.path);
    const bad = unsafeCharIndex(s.value);
    if (bad >= 0) {
      const at = positions.at(scalarCharOffset(text, s.node, bad));
      issues.push(issue(at, path, `${s.isKey ? 'key ' : ''}contains ${describeUnsafeChar(s.value.codePointAt(bad)!)}`, 'printable text: no control characters (tab and line breaks are allowed) and no bidirectional overrides'));
    }
    const kind = secretKind(s.value);
    if (!kind) continue;
    if (path === literalKeyPath) continue; // reported below as a literal secret
    issues.push(issue(positions.start(s.node), path, `looks like a secret (${kind}); secrets belong in { env: NAME } or { file: PATH } references, never in the file`));
  }

  const parsed = ContractSchema.safeParse(data);
  const raw = parsed.success ? [] : convertZodIssues(parsed.error.issues, data, ContractSchema);
  const literalSecret = typeof getIn(data, ['notify', 'pagerduty', 'routingKey']).value !== 'object';
  for (const r of raw) {
    const path = formatPath(r.path);
    if (path === literalKeyPath && literalSecret) continue; // the semantic check explains it better
    const loc = positions.locate(r.path, r.target ?? 'value');
    issues.push(issue(loc, path, r.message, r.expected));
  }
  for (const s of semanticChecks(data)) {
    const loc = positions.locate(s.path, s.target ?? 'value');
    let pos: Position = loc;
    if (s.charIndex !== undefined && loc.found && loc.node) pos = positions.at(scalarCharOffset(text, loc.node, s.charIndex));
    issues.push(issue(pos, formatPath(s.path), s.message, s.expected, s.severity));
  }

  const idPosition = positions.locate(['metadata', 'id']);
  if (!parsed.success || hasErrors(issues)) return { issues, idPosition };
  const contract = toModel(parsed.data, file, hash ?? sha256(Buffer.from(text, 'utf8')));
  return { contract, issues, idPosition };
}

interface StringNode {
  path: PathSegment[];
  value: string;
  node: Node;
  isKey: boolean;
}

/**
 * Offset of the first node nested deeper than MAX_DEPTH in yaml's concrete syntax tree, counted as
 * walkAst would count the composed document (the root is level 1; every key collection and every
 * value one level below its parent), or undefined. Iterative: any depth is measured safely.
 */
function cstTooDeep(tokens: readonly CST.Token[]): number | undefined {
  const stack: { tok: CST.Token; depth: number }[] = [];
  for (const t of tokens) if (t.type === 'document' && t.value) stack.push({ tok: t.value, depth: 1 });
  while (stack.length) {
    const { tok, depth } = stack.pop()!;
    if (depth > MAX_DEPTH) return tok.offset;
    if (tok.type !== 'block-map' && tok.type !== 'block-seq' && tok.type !== 'flow-collection') continue;
    for (const item of tok.items as CST.CollectionItem[]) {
      if (item.key && (item.key.type === 'block-map' || item.key.type === 'block-seq' || item.key.type === 'flow-collection')) stack.push({ tok: item.key, depth: depth + 1 });
      if (item.value) stack.push({ tok: item.value, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * Iterative walk of the composed document: every string scalar (keys included) with its path, and the
 * keys that repeat an earlier key of the same mapping (one Set per mapping: linear, where yaml's own
 * uniqueKeys check compares each key with all earlier ones). Nesting is already bounded (cstTooDeep).
 */
function walkAst(root: Node): { strings: StringNode[]; duplicateKeys: Node[] } {
  const strings: StringNode[] = [];
  const duplicateKeys: Node[] = [];
  const stack: { node: Node; path: PathSegment[] }[] = [{ node: root, path: [] }];
  while (stack.length) {
    const { node, path } = stack.pop()!;
    if (isAlias(node)) continue;
    if (isScalar(node)) {
      if (typeof node.value === 'string') strings.push({ path, value: node.value, node, isKey: false });
    } else if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const k = keyText(pair.key) ?? '';
        if (pair.key && typeof pair.key === 'object') {
          const kn = pair.key as Node;
          if (isScalar(kn)) {
            const id = `${typeof kn.value}\u0000${String(kn.value)}`;
            if (seen.has(id)) duplicateKeys.push(kn);
            else seen.add(id);
            if (typeof kn.value === 'string') strings.push({ path: [...path, k], value: kn.value, node: kn, isKey: true });
          } else stack.push({ node: kn, path: [...path, k] });
        }
        if (pair.value && typeof pair.value === 'object') stack.push({ node: pair.value as Node, path: [...path, k] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (item && typeof item === 'object') stack.push({ node: item as Node, path: [...path, i] });
      });
    }
  }
  return { strings, duplicateKeys };
}

function rawBracketDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) {
      depth++;
      if (depth > max) max = depth;
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return max;
}

/** yaml's messages; a stack overflow inside yaml (should cstTooDeep ever miss one) reads as nesting. */
function yamlErrorText(message: string): string {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?\s*$/, '');
  return /maximum call stack/i.test(first) ? TOO_DEEP : `YAML: ${first}`;
}

function fileIssue(file: string, message: string, expected?: string): ContractIssue {
  return { file, line: 1, column: 1, path: '', message, expected, severity: 'error' };
}

function tooLarge(file: string, bytes: number): ContractIssue {
  return fileIssue(file, `file too large (${bytes} bytes)`, `at most ${MAX_FILE_BYTES} bytes (1 MiB)`);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'ELOOP') return 'too many levels of symbolic links';
  if (code === 'ENOTDIR') return 'not a directory (a part of the path is a file)';
  return (e as Error)?.message ?? String(e);
}

function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * *.yaml / *.yml below `dir`. Real folders are searched (symlinked folders are not: no cycles); every
 * other entry with a YAML name is returned (a regular file, a symlink to one, but also a FIFO, a
 * device or a symlink to a folder, which readRegularFile then refuses with a clear issue instead of
 * skipping it silently). A folder that cannot be listed is an issue; the others are still searched.
 */
async function listYaml(dir: string): Promise<{ files: string[]; issues: ContractIssue[] }> {
  const files: string[] = [];
  const issues: ContractIssue[] = [];
  const pending = [dir];
  while (pending.length) {
    const d = pending.pop()!;
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (e) {
      issues.push(fileIssue(d, `cannot read folder: ${errnoText(e)}`));
      continue;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) pending.push(p);
      else if (/\.ya?ml$/i.test(e.name)) files.push(p);
    }
  }
  return { files, issues };
}
