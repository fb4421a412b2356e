// `obligo validate [PATH…] [--format text|json]`: exit 0 when every contract is valid (warnings are
// allowed), 1 when any is invalid, 2 on a usage error.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { escapeUnsafe } from './issues.js';
import { formatIssue, loadContracts } from './load.js';

export interface CommandIO {
  stdout(s: string): void;
  stderr(s: string): void;
}

const USAGE = 'usage: obligo validate [PATH…] [--format text|json]   (default PATH: contracts/)';

export async function validateCommand(argv: string[], io: CommandIO): Promise<number> {
  let values: { format?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { format: { type: 'string', short: 'f' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    io.stderr(`obligo validate: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') {
    io.stderr(`obligo validate: --format must be text or json, got ${JSON.stringify(format)}\n${USAGE}\n`);
    return 2;
  }
  const paths = positionals.length ? positionals : ['contracts/'];
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length) {
    io.stderr(missing.map((p) => `obligo validate: no such file or directory: ${escapeUnsafe(p)}\n`).join('') + `${USAGE}\n`);
    return 2;
  }

  const result = await loadContracts(paths);
  // A file with more than MAX_ISSUES_PER_FILE issues lists the first ones and counts the rest on one
  // line (issue.omitted): the totals count every issue.
  let errors = 0;
  let warnings = 0;
  for (const i of result.issues) {
    if (i.omitted) {
      errors += i.omitted.errors;
      warnings += i.omitted.warnings;
    } else if (i.severity === 'error') errors++;
    else warnings++;
  }
  const invalidFiles = new Set(result.issues.filter((i) => i.severity === 'error').map((i) => i.file));
  const valid = result.contracts.length;
  const invalid = invalidFiles.size;

  if (format === 'json') {
    const out = {
      valid: invalid === 0,
      files: result.files,
      contracts: result.contracts.map((c) => ({ id: c.id, file: c.file, hash: c.hash, slas: c.slas.map((s) => s.id) })),
      issues: result.issues,
      summary: { valid, invalid, errors, warnings },
    };
    // JSON.stringify escapes C0 controls but not DEL, C1 or bidi controls: a file name can hold them.
    io.stdout(`${jsonEscapeUnsafe(JSON.stringify(out, null, 2))}\n`);
  } else {
    for (const i of result.issues) io.stdout(`${formatIssue(i)}\n`);
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
    io.stdout(`${plural(valid, 'contract')} valid, ${invalid} invalid (${plural(errors, 'error')}, ${plural(warnings, 'warning')})\n`);
    if (result.files.length === 0) io.stdout('no contract files found (*.yaml, *.yml)\n');
  }
  return invalid > 0 ? 1 : 0;
}

/** JSON text with DEL, C1, line separators and bidi controls as \u escapes (still the same JSON value). */
function jsonEscapeUnsafe(json: string): string {
  return json.replace(/[\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
