// `obligo gate`: a deploy gate on error budget, decided by policies/obligo/gate.rego through evaluate().
// Exit 0 allowed, 1 denied, 2 cannot decide. --fail-open turns "cannot decide" into 0 ONLY when
// Prometheus is out (unreachable, timing out, answering 5xx): a typo in a flag, a selection that
// matches nothing, a policy error or incomplete data still exit 2. One line of reason on stdout (a JSON
// document with --format json); with $GITHUB_STEP_SUMMARY set, a Markdown summary is appended to it.
import { appendFileSync, existsSync } from 'node:fs';
import { gateDocument } from '../../evaluate/documents.js';
import { evaluate } from '../../evaluate/evaluate.js';
import { ObligoPolicies } from '../../evaluate/policies.js';
import { ENTRYPOINTS } from '../../policy/obligo-policies.js';
import type { ChangeInfo, GateDecision } from '../../evaluate/types.js';
import type { SlaStatus } from '../../measure/status.js';
import { PrometheusError } from '../../prometheus/errors.js';
import { COMMON_HELP, describeFailure, isoUtc, LABEL_HELP, LABEL_OPTION, loadSelection, parseCommon, printJson, reportWarnings, requirePrometheus, terminalSafe, usageErrorText, UsageError } from '../common.js';
import { nodeHttpFetch } from '../http-fetch.js';
import type { CommandIO } from '../io.js';

const HELP = `usage: obligo gate (--sla CONTRACT/SLA … | --label KEY=VALUE … | --contract ID …) [options]

Deploy gate on error budget: exit 0 allowed, 1 denied (budget below the minimum or SLA breached),
2 cannot decide (no data, incomplete data, Prometheus out, bad arguments, a selection that matches
nothing, a policy error).

${COMMON_HELP}
${LABEL_HELP}
  --min-budget F       deny when the remaining budget fraction is below F (default 0)
  --fail-open          exit 0 with a warning when Prometheus is out (unreachable, timing out,
                       answering 5xx); every other reason to not decide still exits 2
  --rollback           the change is a rollback (gate.rego allows it whatever the budget)
  --change-label L     a label of the change, e.g. fix:acme-cdn/availability (repeatable): gate.rego
                       lets a change labelled fix:C/S ship while C/S is out of budget
  --fixes CONTRACT/SLA same as --change-label fix:CONTRACT/SLA (repeatable)
  --policies DIR       hand-written policies (default: the policies/ shipped with obligo); the decision
                       is data.obligo.gate.result ($OBLIGO_POLICY_BACKEND=wasm with
                       $OBLIGO_POLICY_BUNDLE evaluates a wasm bundle instead)
  --timeout SECONDS    deadline of the policy evaluation (default 5); past it: exit 2
  --format table|json  one line of reason (default), or a JSON document
`;

function parseFraction(v: string | undefined): number {
  if (v === undefined) return 0;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--min-budget expects a fraction between 0 and 1 such as 0.25 (got "${v}")`);
  return n;
}

/** Prometheus is out: the only situation --fail-open opens the gate for. */
export function isOutage(err: unknown): boolean {
  if (!(err instanceof PrometheusError)) return false;
  if (err.kind === 'unreachable' || err.kind === 'timeout') return true;
  return err.kind === 'execution' && err.status !== undefined && err.status >= 500;
}

interface Outcome {
  code: number;
  decision: GateDecision;
  statuses: SlaStatus[];
  /** The gate could not decide because Prometheus is out (so --fail-open may open it). */
  outage: boolean;
}

function markdown(o: Outcome, at: string, failedOpen: boolean): string {
  const d = o.decision;
  const title = d.outcome === 'allow' ? (d.waived.length > 0 ? 'allowed (waived)' : 'allowed') : d.outcome === 'deny' ? 'denied' : failedOpen ? 'cannot decide (fail-open: allowed)' : 'cannot decide';
  const lines = [`### obligo gate: ${title}`, '', `Evaluated at ${at}.`, ''];
  if (o.statuses.length > 0) {
    lines.push('| SLA | objective | achieved | budget left | coverage | state |', '|---|---:|---:|---:|---:|---|');
    for (const s of o.statuses) {
      const a = s.achieved === null ? '–' : `${+s.achieved.toFixed(4)}%`;
      const b = s.budgetRemaining === null ? '–' : `${+(s.budgetRemaining * 100).toFixed(2)}%`;
      const c = s.coverage.ratio === null ? '–' : `${+(s.coverage.ratio * 100).toFixed(2)}%${s.coverage.complete ? '' : ' (incomplete)'}`;
      lines.push(`| ${s.key} | ${s.objective}% | ${a} | ${b} | ${c} | ${s.state} |`);
    }
    lines.push('');
  }
  for (const r of d.reasons) lines.push(`- ${r}`);
  return lines.join('\n') + '\n\n';
}

export async function gateCommand(argv: string[], io: CommandIO): Promise<number> {
  let format = 'table';
  let at = Date.now();
  let failOpen = false;
  let outcome: Outcome;
  let usageError: string | undefined;
  try {
    const { common, extra } = parseCommon(argv, io, {
      ...LABEL_OPTION,
      'min-budget': { type: 'string' },
      'fail-open': { type: 'boolean' },
      rollback: { type: 'boolean' },
      'change-label': { type: 'string', multiple: true },
      fixes: { type: 'string', multiple: true },
      policies: { type: 'string' },
      timeout: { type: 'string' },
    });
    format = common.format;
    at = common.at;
    failOpen = Boolean(extra['fail-open']);
    if (common.help) {
      io.stdout(HELP);
      return 0;
    }
    const labels = common.labels;
    if (common.slas.length === 0 && labels.length === 0 && common.contracts.length === 0) {
      throw new UsageError('gate needs a selection: --sla CONTRACT/SLA, --label KEY=VALUE or --contract ID');
    }
    const minBudget = parseFraction(extra['min-budget'] as string | undefined);
    // node:http rather than fetch: a process per CI job, and fetch's first call costs ~100 ms of CPU (http-fetch.ts).
    const source = requirePrometheus({ ...common, prometheusConnection: { ...common.prometheusConnection, fetch: nodeHttpFetch } });
    // Only the files that may hold the selected contracts are validated (the selection is the same).
    const { slas } = await loadSelection(common, io, labels, { onlySelected: true });
    const change: ChangeInfo = {
      rollback: Boolean(extra.rollback),
      labels: (extra['change-label'] as string[] | undefined) ?? [],
      fixes: (extra.fixes as string[] | undefined) ?? [],
    };
    const timeout = extra.timeout as string | undefined;
    const timeoutS = timeout === undefined ? 5 : Number(timeout);
    if (!(timeoutS > 0 && timeoutS <= 3600)) throw new UsageError(`--timeout expects seconds greater than 0 and at most 3600, such as 5 (got "${timeout}")`);
    // Only what gate.rego needs is compiled (it reads no contract module).
    const policies = await ObligoPolicies.load([...new Set(slas.map((s) => s.contract))], {
      policyDir: extra.policies as string | undefined,
      env: io.env,
      entrypoints: [ENTRYPOINTS.gate],
      timeoutMs: timeoutS * 1000,
      // One evaluation per process: closures are cheaper to build than generated code.
      codegen: false,
    });
    // SQLite (a native module) is loaded only when there is a rollup database to read.
    const store = common.dbPath === ':memory:' || existsSync(common.dbPath) ? (await import('../../store/sqlite.js')).RollupStore.openIfExists(common.dbPath) : undefined;
    try {
      const ev = await evaluate({ at: common.at, slas, gate: { minBudget, change } }, { source, store, policies });
      reportWarnings(io, ev.warnings);
      const decision = ev.gate!;
      outcome = { code: decision.outcome === 'allow' ? 0 : decision.outcome === 'deny' ? 1 : 2, decision, statuses: ev.status!.slas, outage: false };
    } finally {
      store?.close();
    }
  } catch (err) {
    const known = describeFailure(err);
    if (!known) throw err;
    // A flag the gate does not understand: `obligo gate: unknown option --x` and the usage lines on stderr.
    if (err instanceof UsageError && err.showUsage) usageError = usageErrorText(err, 'gate', HELP);
    outcome = { code: 2, decision: { allow: false, outcome: 'unknown', reasons: [known], waived: [], blocking: [], unknowns: [known] }, statuses: [], outage: isOutage(err) };
  }
  const failedOpen = outcome.code === 2 && failOpen && outcome.outage;
  if (failedOpen) io.stderr(`obligo: warning: gate cannot decide, Prometheus is out; allowing because of --fail-open: ${outcome.decision.reasons[0] ?? ''}\n`);
  else if (outcome.code === 2 && failOpen) io.stderr('obligo: --fail-open does not apply: it opens the gate only when Prometheus is out\n');
  const exitCode = failedOpen ? 0 : outcome.code;
  const atIso = isoUtc(at);
  const d = outcome.decision;
  if (format === 'json') {
    printJson(io, gateDocument(atIso, d, outcome.statuses, { exitCode, failOpen: failedOpen }));
  } else {
    const word = d.outcome === 'allow' ? (d.waived.length > 0 ? 'allow (waived)' : 'allow') : d.outcome === 'deny' ? 'deny' : 'cannot decide';
    const n = outcome.statuses.length;
    const reason = d.outcome === 'allow' ? (d.waived.length > 0 ? d.waived[0]! : `${n} SLA${n === 1 ? '' : 's'} within budget`) : d.reasons[0] ?? '';
    const count = d.outcome === 'allow' ? d.waived.length : d.reasons.length;
    const more = count > 1 ? ` (+${count - 1} more)` : '';
    io.stdout(`${word}: ${terminalSafe(reason)}${more}\n`);
    // Known failures already said their line on stdout; keep stderr for the error too (CI logs).
    if (outcome.statuses.length === 0 && outcome.code === 2 && !usageError) io.stderr(`obligo: ${terminalSafe(d.reasons[0] ?? '')}\n`);
  }
  if (usageError) io.stderr(usageError);
  const summary = io.env.GITHUB_STEP_SUMMARY;
  if (summary) {
    try {
      appendFileSync(summary, markdown(outcome, atIso, failedOpen));
    } catch (err) {
      io.stderr(`obligo: warning: cannot append to GITHUB_STEP_SUMMARY (${summary}): ${(err as Error).message}\n`);
    }
  }
  return exitCode;
}
