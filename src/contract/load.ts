// Loading contract files: bytes → YAML document (with positions) → zod schema → semantic checks →
// model. Every problem becomes a ContractIssue with file:line:column; a broken file never stops the
// others, and nothing here throws on bad input.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, normalize, resolve } from 'node:path';
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import { compareIssues, formatPath, hasErrors, type ContractIssue, type PathSegment } from './issues.js';
import { toModel, type Contract } from './model.js';
import { PositionMap, keyText, scalarCharOffset } from './positions.js';
import { ContractSchema } from './schema.js';
import { secretKind } from './secrets.js';
import { semanticChecks } from './semantic.js';
import { convertZodIssues, getIn } from './zod-issues.js';

export { formatIssue, formatPath, hasErrors } from './issues.js';
export type { ContractIssue } from './issues.js';

export const MAX_FILE_BYTES = 1024 * 1024;
export const MAX_DEPTH = 64;
/** Aliases expand on conversion; a handful is plenty for a contract (default of yaml is 100). */
export const MAX_ALIAS_COUNT = 100;
/** Raw bracket nesting beyond this is refused before the YAML parser sees it. */
const MAX_RAW_BRACKETS = 1000;

export interface LoadResult {
  contracts: Contract[];
  issues: ContractIssue[];
  files: string[];
}

export interface TextLoadResult {
  contract?: Contract;
  issues: ContractIssue[];
}

/** Load files and folders (recursively *.yaml|*.yml), sorted by path; ids unique across files. */
export async function loadContracts(paths: string[]): Promise<LoadResult> {
  const issues: ContractIssue[] = [];
  // The same file reached twice (a folder and a file in it, ./x and x) is loaded once, under the
  // first spelling seen.
  const found = new Map<string, string>();
  const add = (f: string) => {
    const key = resolve(f);
    if (!found.has(key)) found.set(key, normalize(f));
  };
  for (const p of paths) {
    try {
      const st = await stat(p);
      if (st.isDirectory()) for (const f of await listYaml(p)) add(f);
      else add(p);
    } catch (e) {
      issues.push(fileIssue(p, `cannot read: ${errnoText(e)}`));
    }
  }
  const files = [...found.values()].sort(comparePaths);
  const contracts: Contract[] = [];
  const seenIds = new Map<string, string>();
  for (const file of files) {
    const r = loadContractFile(file);
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
    issues.push(...fileIssues.sort(compareIssues));
  }
  return { contracts, issues, files };
}

// Synchronous reads: a thousand small files are read faster one after the other than with an awaited
// promise each (bench/validate-compile.ts).
function loadContractFile(file: string): TextLoadResult & { idPosition?: { line: number; column: number } } {
  let bytes: Buffer;
  try {
    const st = statSync(file);
    if (st.size > MAX_FILE_BYTES) return { issues: [tooLarge(file, st.size)] };
    bytes = readFileSync(file);
  } catch (e) {
    return { issues: [fileIssue(file, `cannot read: ${errnoText(e)}`)] };
  }
  return loadContractBytes(file, bytes);
}

/** Load from raw bytes: size and encoding are checked before decoding. */
export function loadContractBytes(file: string, bytes: Uint8Array): TextLoadResult & { idPosition?: { line: number; column: number } } {
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
  return { contract: r.contract, issues: r.issues };
}

function loadWithHash(file: string, text: string, hash: string | undefined): TextLoadResult & { idPosition?: { line: number; column: number } } {
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

function loadChecked(file: string, text: string, hash: string | undefined): TextLoadResult & { idPosition?: { line: number; column: number } } {
  if (typeof text !== 'string') return { issues: [fileIssue(file, 'not text')] };
  const byteLength = Buffer.byteLength(text, 'utf8');
  if (byteLength > MAX_FILE_BYTES) return { issues: [tooLarge(file, byteLength)] };
  if (text.includes('\u0000')) return { issues: [fileIssue(file, 'binary content (NUL bytes): not a YAML text file')] };
  if (text.includes('\uFFFD')) return { issues: [fileIssue(file, 'not valid UTF-8 text (replacement characters found)', 'a UTF-8 encoded YAML file')] };
  if (text.replace(/^\uFEFF/, '').trim() === '') return { issues: [fileIssue(file, 'file is empty', 'a contract document')] };
  if (rawBracketDepth(text) > MAX_RAW_BRACKETS) return { issues: [fileIssue(file, `nests too deeply (more than ${MAX_DEPTH} levels)`)] };

  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true, strict: true, logLevel: 'silent' }) as Document[];
  const issue = (pos: { line: number; column: number }, path: string, message: string, expected?: string, severity: 'error' | 'warning' = 'error'): ContractIssue => ({
    file,
    line: pos.line,
    column: pos.column,
    path,
    message,
    expected,
    severity,
  });
  if (!Array.isArray(docs) || docs.length === 0) return { issues: [fileIssue(file, 'file is empty (comments only)', 'a contract document')] };
  if (docs.length > 1) {
    const second = docs[1]!;
    const at = new PositionMap(second, lines).at(second.range?.[0] ?? 0);
    return { issues: [issue(at, '', `${docs.length} YAML documents in one file`, 'one contract per file (no "---" between documents)')] };
  }
  const doc = docs[0]!;
  const positions = new PositionMap(doc, lines);
  const issues: ContractIssue[] = [];
  for (const err of doc.errors) issues.push(issue(yamlErrorPos(err, positions), '', `YAML: ${yamlErrorText(err.message)}`));
  for (const w of doc.warnings) issues.push(issue(yamlErrorPos(w, positions), '', `YAML: ${yamlErrorText(w.message)}`, undefined, 'warning'));
  if (hasErrors(issues)) return { issues };

  const root = doc.contents as Node | null;
  if (!root || (isScalar(root) && (root.value === null || root.value === ''))) return { issues: [fileIssue(file, 'file is empty (no content)', 'a contract document')] };
  const walk = walkAst(root);
  if (walk.tooDeep) return { issues: [issue(positions.start(walk.tooDeep), '', `nests too deeply (more than ${MAX_DEPTH} levels)`)] };
  if (!isMap(root)) return { issues: [issue(positions.start(root), '', 'expected a mapping at the top level (apiVersion, kind, metadata, …)')] };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const msg = /alias/i.test((e as Error).message) ? `too many alias expansions (limit ${MAX_ALIAS_COUNT}); anchors and aliases must not multiply the document` : `YAML: ${(e as Error).message}`;
    return { issues: [issue({ line: 1, column: 1 }, '', msg)] };
  }

  // Secrets anywhere in the document: reported by kind, never by value.
  const literalKeyPath = 'notify.pagerduty.routingKey';
  for (const s of walk.strings) {
    const kind = secretKind(s.value);
    if (!kind) continue;
    const path = formatPath(s.path);
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
    let pos: { line: number; column: number } = loc;
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
}

/** Iterative walk (no recursion, so no stack overflow): depth limit and all string scalars. */
function walkAst(root: Node): { tooDeep?: Node; strings: StringNode[] } {
  const strings: StringNode[] = [];
  const stack: { node: Node; depth: number; path: PathSegment[] }[] = [{ node: root, depth: 1, path: [] }];
  while (stack.length) {
    const { node, depth, path } = stack.pop()!;
    if (depth > MAX_DEPTH) return { tooDeep: node, strings };
    if (isAlias(node)) continue;
    if (isScalar(node)) {
      if (typeof node.value === 'string') strings.push({ path, value: node.value, node });
    } else if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const k = keyText(pair.key) ?? '';
        if (pair.key && typeof pair.key === 'object') {
          const kn = pair.key as Node;
          if (isScalar(kn)) {
            if (typeof kn.value === 'string') strings.push({ path: [...path, k], value: kn.value, node: kn });
          } else stack.push({ node: kn, depth: depth + 1, path: [...path, k] });
        }
        if (pair.value && typeof pair.value === 'object') stack.push({ node: pair.value as Node, depth: depth + 1, path: [...path, k] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (item && typeof item === 'object') stack.push({ node: item as Node, depth: depth + 1, path: [...path, i] });
      });
    }
  }
  return { strings };
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

function yamlErrorPos(err: { linePos?: [{ line: number; col: number }, ...unknown[]] | unknown; pos?: [number, number] }, positions: PositionMap) {
  const lp = (err as { linePos?: { line: number; col: number }[] }).linePos;
  if (Array.isArray(lp) && lp[0]) return { line: lp[0].line, column: lp[0].col };
  return positions.at(err.pos?.[0] ?? 0);
}

/** yaml's pretty messages carry a source excerpt after the first line; keep the sentence. */
function yamlErrorText(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?\s*$/, '');
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
  return (e as Error)?.message ?? String(e);
}

function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** *.yaml / *.yml below `dir`; symlinked files are followed, symlinked folders are not (no cycles). */
async function listYaml(dir: string): Promise<string[]> {
  const out: string[] = [];
  const pending = [dir];
  while (pending.length) {
    const d = pending.pop()!;
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) pending.push(p);
      else if (/\.ya?ml$/i.test(e.name) && (e.isFile() || (e.isSymbolicLink() && (await isFile(p))))) out.push(p);
    }
  }
  return out;
}
