// `obligo evidence --contract C --sla S --period P --out FILE.zip`: a dispute evidence pack (src/evidence/).
// `obligo evidence verify FILE.zip`: check its hashes and recompute the amount from the pack alone, offline.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ObligoPolicies } from '../../evaluate/policies.js';
import { EvidenceError } from '../../evidence/recording.js';
import { buildEvidencePack, verifyEvidencePack } from '../../evidence/pack.js';
import { PeriodLabelError, periodKindOfLabel } from '../../measure/credits.js';
import { argsErrorMessage } from '../../policy/cli/args.js';
import { checkPolicyDir, COMMON_HELP, loadSelection, parseCommon, printJson, requirePrometheus, runCommand, terminalSafe, UsageError } from '../common.js';
import type { CommandIO } from '../io.js';

const HELP = `usage: obligo evidence --contract ID --sla ID --period YYYY-MM|YYYY-Qn --out FILE.zip [options]
       obligo evidence verify FILE.zip [--format text|json]

Write a dispute evidence pack for one SLA's credit in one period: the contract file and its SHA-256,
every PromQL query with its time range, the raw points Prometheus answered (CSV), every slice's
classification, the maintenance left out, the tier matched and the amount, and a manifest with the
SHA-256 of every file. Everything is read from Prometheus (stored rollups are not used), so the pack
holds all the data behind the amount. The contract's other SLAs of the same period are measured too:
they share the period's cap.

\`verify\` checks every file against the manifest and recomputes the amount from the recorded answers
alone (no network), with the code that computed it. Exit 0 verified, 1 a problem found, 2 unreadable.

${COMMON_HELP}
  --period LABEL       the SLA's period: YYYY-MM (monthly SLA) or YYYY-Qn (quarterly SLA)
  --out FILE.zip       where to write the pack
  --policies DIR       hand-written policies (default: the policies/ shipped with obligo)
`;

async function verifyCommand(argv: string[], io: CommandIO): Promise<number> {
  let values: { format?: string; policies?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: { format: { type: 'string' }, policies: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true }));
  } catch (e) {
    throw new UsageError(argsErrorMessage(e), true);
  }
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (values.policies !== undefined) checkPolicyDir(values.policies);
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json (got "${format}")`);
  if (positionals.length !== 1) throw new UsageError('evidence verify needs exactly one FILE.zip');
  const file = positionals[0]!;
  let zip: Uint8Array;
  try {
    zip = readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let r;
  try {
    r = await verifyEvidencePack(zip, { policies: (c) => ObligoPolicies.load([c], { policyDir: values.policies, env: io.env }) });
  } catch (e) {
    if (e instanceof EvidenceError) {
      io.stderr(`obligo: ${file}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (format === 'json') printJson(io, { file, ...r });
  else if (r.ok) {
    const m = r.manifest!;
    io.stdout(
      `${file}: verified. ${m.files.length} files match the manifest; ${m.contract}/${m.sla} ${m.period} recomputed offline from ` +
        `${r.queries} recorded quer${r.queries === 1 ? 'y' : 'ies'}: ${r.recomputed!.amount} ${r.recomputed!.currency} ` +
        `(${r.recomputed!.creditPercent}% credit, achieved ${r.recomputed!.achieved ?? 'unknown'}%, action ${r.recomputed!.action ?? m.action})\n`,
    );
  } else {
    io.stdout(`${file}: NOT verified\n`);
    for (const p of r.problems) io.stdout(`  ${terminalSafe(p)}\n`);
  }
  return r.ok ? 0 : 1;
}

export async function evidenceCommand(argv: string[], io: CommandIO): Promise<number> {
  return runCommand(io, async () => {
    if (argv[0] === 'verify') return verifyCommand(argv.slice(1), io);
    const { common, extra } = parseCommon(argv, io, { period: { type: 'string' }, out: { type: 'string' }, policies: { type: 'string' } });
    if (common.help) {
      io.stdout(HELP);
      return 0;
    }
    const period = extra.period as string | undefined;
    const out = extra.out as string | undefined;
    if (common.contracts.length !== 1 || common.slas.length !== 1 || !period || !out) {
      throw new UsageError('evidence needs --contract ID, --sla ID, --period LABEL and --out FILE.zip (one of each)');
    }
    try {
      periodKindOfLabel(period);
    } catch (e) {
      if (e instanceof PeriodLabelError) throw new UsageError(e.message);
      throw e;
    }
    const source = requirePrometheus(common);
    const { contracts, slas } = await loadSelection(common, io);
    const contract = slas[0]!.contract;
    const policies = await ObligoPolicies.load(contracts, { policyDir: extra.policies as string | undefined, env: io.env });
    try {
      const pack = await buildEvidencePack({
        contract,
        contractBytes: readFileSync(contract.file),
        sla: slas[0]!.sla.id,
        period,
        at: common.at,
        source,
        policies,
      });
      writeFileSync(out, pack.zip);
      io.stdout(
        `wrote ${out}: ${contract.id}/${pack.row.sla} ${period}, ${pack.row.amount} ${pack.row.currency} (${pack.action.action}), ` +
          `${pack.manifest.files.length + 1} files, ${pack.zip.byteLength} bytes\n`,
      );
      if (pack.row.flags.includes('incomplete-data')) io.stderr(`obligo: the data behind this credit is incomplete (coverage ${pack.row.coverage.ratio}): action ${pack.action.action}\n`);
    } catch (e) {
      if (e instanceof EvidenceError) throw new UsageError(e.message);
      throw e;
    }
    return 0;
  }, { command: 'evidence', help: HELP });
}
