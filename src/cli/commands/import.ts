// `obligo import openslo FILE… [--out DIR]`: contract files from OpenSLO v1 documents (src/import/).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { importOpenSlo } from '../../import/openslo.js';
import { argsErrorMessage } from '../../policy/cli/args.js';
import { runCommand, terminalSafe, UsageError } from '../common.js';
import type { CommandIO } from '../io.js';

const HELP = `usage: obligo import openslo FILE… [--out DIR] [--force]

Contract files from OpenSLO v1 documents: every SLO with a calendar window (1M or 1Q) and a Prometheus
ratio or threshold metric becomes an SLA, one contract per OpenSLO service. OpenSLO has no commercial
terms: role, parties, escalation, fees and credit tiers are written as TODO, and \`obligo validate\`
reports each one (file:line:column) until it is filled in. Without --out the contracts are printed.

  --out DIR    write DIR/<contract id>.yaml (an existing file is kept unless --force)
  --force      overwrite existing files

Exit 0 every SLO imported, 1 some SLO could not be (each reason on stderr), 2 usage or unreadable input.
`;

export async function importCommand(argv: string[], io: CommandIO): Promise<number> {
  return runCommand(io, async () => {
    let values: { out?: string; force?: boolean; help?: boolean };
    let positionals: string[];
    try {
      ({ values, positionals } = parseArgs({ args: argv, options: { out: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true }));
    } catch (e) {
      throw new UsageError(argsErrorMessage(e), true);
    }
    if (values.help) {
      io.stdout(HELP);
      return 0;
    }
    const [format, ...files] = positionals;
    if (format !== 'openslo') throw new UsageError(`import needs a format: obligo import openslo FILE… (got ${format === undefined ? 'none' : `"${format}"`})`);
    if (files.length === 0) throw new UsageError('import openslo needs at least one FILE');
    const inputs = files.map((file) => {
      try {
        return { file, text: readFileSync(file, 'utf8') };
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    });
    const r = importOpenSlo(inputs);
    for (const i of r.issues) io.stderr(`obligo: ${terminalSafe(i.file ? `${i.file}${i.doc ? ` (document ${i.doc})` : ''}: ` : '')}${i.severity === 'warning' ? 'warning: ' : ''}${terminalSafe(i.message)}\n`);
    if (r.contracts.length === 0) {
      io.stderr('obligo: no SLO with a calendar window and a Prometheus metric found: nothing imported\n');
      return r.issues.some((i) => i.severity === 'error') ? 1 : 2;
    }
    if (values.out) {
      mkdirSync(values.out, { recursive: true });
      for (const c of r.contracts) {
        const path = join(values.out, c.fileName);
        if (existsSync(path) && !values.force) {
          io.stderr(`obligo: ${path} exists: kept (use --force to overwrite)\n`);
          continue;
        }
        writeFileSync(path, c.text);
        io.stdout(`wrote ${path}: ${c.slas.length} SLA${c.slas.length === 1 ? '' : 's'} (${c.slas.join(', ')}); fill in the TODO fields, then \`obligo validate ${path}\`\n`);
      }
    } else {
      io.stdout(r.contracts.map((c) => `# ---- ${c.fileName}\n${c.text}`).join('\n'));
    }
    return r.issues.some((i) => i.severity === 'error') ? 1 : 0;
  }, { command: 'import', help: HELP });
}
