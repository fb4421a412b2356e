// `obligo gate`: a deploy gate on error budget. Exit 0 allowed, 1 denied, 2 cannot decide (Prometheus
// unreachable, no data, bad arguments) — unless --fail-open, which turns "cannot decide" into 0 with
// a warning. One line of reason on stdout (a JSON document with --format json); with
// $GITHUB_STEP_SUMMARY set, a Markdown summary is appended to that file.
import { appendFileSync } from 'node:fs';
import type { Contract } from '../../contract/model.js';
import type { GateDecision, GateOutcome, GateSlaInput } from '../../evaluate/types.js';

type GateDecider = (statuses: readonly GateSlaInput[], opts: { minBudget: number }) => Promise<GateDecision>;
import { ENTRYPOINTS, loadObligoPolicies } from '../../policy/obligo-policies.js';
import { measureStatus, type SlaStatus } from '../../measure/status.js';
import { RollupStore } from '../../store/sqlite.js';
import { COMMON_HELP, describeFailure, isoUtc, loadSelection, parseCommon, printJson, requirePrometheus, UsageError, type SelectedSla } from '../common.js';
import type { CommandIO } from '../io.js';

const HELP = `usage: obligo gate (--sla CONTRACT/SLA … | --label KEY=VALUE … | --contract ID …) [options]

Deploy gate on error budget: exit 0 allowed, 1 denied (budget below the minimum or SLA breached),
2 cannot decide (Prometheus unreachable, no data, bad arguments).

${COMMON_HELP}
  --label KEY=VALUE    select SLAs by label (repeatable; all must match)
  --min-budget F       deny when the remaining budget fraction is below F (default 0)
  --fail-open          exit 0 with a warning when the gate cannot decide
  --rollback           the change is a rollback (gate.rego allows it whatever the budget)
  --change-label L     a label of the change, e.g. fix:acme-cdn/availability (repeatable): gate.rego
                       lets a change labelled fix:C/S ship while C/S is out of budget
  --fixes CONTRACT/SLA same as --change-label fix:CONTRACT/SLA (repeatable)
  --policies DIR       hand-written policies (default: the policies/ shipped with obligo); the decision
                       is data.obligo.gate.result ($OBLIGO_POLICY_BACKEND=wasm with
                       $OBLIGO_POLICY_BUNDLE evaluates a wasm bundle instead)
  --format table|json  one line of reason (default), or a JSON document
`;

export interface GateCommandOptions {
  /** Replace the policy (policies/obligo/gate.rego) by another decider, e.g. in tests. */
  decide?: GateDecider;
}

interface ChangeInfo {
  rollback: boolean;
  labels: string[];
  fixes: string[];
}

interface GatePolicyResult {
  decision: GateOutcome;
  allow: boolean;
  reasons: string[];
}

/** The deploy decision of policies/obligo/gate.rego (or the wasm bundle) for these statuses. */
function policyDecider(contracts: readonly Contract[], change: ChangeInfo, policyDir: string | undefined, env: NodeJS.ProcessEnv): GateDecider {
  return async (statuses, opts) => {
    const engine = await loadObligoPolicies({ contracts, policyDir, env });
    const input = { slas: statuses, min_budget: opts.minBudget, change };
    const r = (await engine.evaluate(ENTRYPOINTS.gate, input)) as GatePolicyResult | undefined;
    if (!r || !['allow', 'deny', 'unknown'].includes(r.decision) || !Array.isArray(r.reasons)) {
      throw new Error(`the gate policy gave no usable result at ${ENTRYPOINTS.gate} (expected {decision, allow, reasons})`);
    }
    return { allow: r.decision === 'allow', outcome: r.decision, reasons: r.reasons.map(String), waived: [] };
  };
}

function parseLabels(values: string[]): Array<[string, string]> {
  return values.map((v) => {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--label expects KEY=VALUE (got "${v}")`);
    return [v.slice(0, eq), v.slice(eq + 1)];
  });
}

function parseFraction(v: string | undefined): number {
  if (v === undefined) return 0;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--min-budget expects a fraction between 0 and 1 such as 0.25 (got "${v}")`);
  return n;
}

function toGateInput(s: SlaStatus): GateSlaInput {
  return { key: s.key, contract: s.contract, sla: s.sla, objective: s.objective, achieved: s.achieved, budgetRemaining: s.budgetRemaining, state: s.state };
}

interface Outcome {
  code: number;
  decision: GateDecision;
  statuses: SlaStatus[];
  warning?: string;
}

function markdown(o: Outcome, at: string, failOpen: boolean): string {
  const title = o.decision.outcome === 'allow' ? 'allowed' : o.decision.outcome === 'deny' ? 'denied' : failOpen ? 'cannot decide (fail-open: allowed)' : 'cannot decide';
  const lines = [`### obligo gate: ${title}`, '', `Evaluated at ${at}.`, ''];
  if (o.statuses.length > 0) {
    lines.push('| SLA | objective | achieved | budget left | state |', '|---|---:|---:|---:|---|');
    for (const s of o.statuses) {
      const a = s.achieved === null ? '–' : `${+s.achieved.toFixed(4)}%`;
      const b = s.budgetRemaining === null ? '–' : `${+(s.budgetRemaining * 100).toFixed(2)}%`;
      lines.push(`| ${s.key} | ${s.objective}% | ${a} | ${b} | ${s.state} |`);
    }
    lines.push('');
  }
  for (const r of o.decision.reasons) lines.push(`- ${r}`);
  return lines.join('\n') + '\n\n';
}

export async function gateCommand(argv: string[], io: CommandIO, opts: GateCommandOptions = {}): Promise<number> {
  const failOpen = argv.includes('--fail-open');
  let format = 'table';
  let at = Date.now();
  let outcome: Outcome;
  try {
    const { common, extra } = parseCommon(argv, io, {
      label: { type: 'string', multiple: true },
      'min-budget': { type: 'string' },
      'fail-open': { type: 'boolean' },
      rollback: { type: 'boolean' },
      'change-label': { type: 'string', multiple: true },
      fixes: { type: 'string', multiple: true },
      policies: { type: 'string' },
    });
    format = common.format;
    at = common.at;
    if (common.help) {
      io.stdout(HELP);
      return 0;
    }
    const labels = parseLabels((extra.label as string[] | undefined) ?? []);
    if (common.slas.length === 0 && labels.length === 0 && common.contracts.length === 0) {
      throw new UsageError('gate needs a selection: --sla CONTRACT/SLA, --label KEY=VALUE or --contract ID');
    }
    const minBudget = parseFraction(extra['min-budget'] as string | undefined);
    const source = requirePrometheus(common);
    const byLabel = (s: SelectedSla) => labels.every(([k, v]) => s.sla.labels[k] === v);
    const { slas } = await loadSelection(common, io, byLabel);
    const change: ChangeInfo = {
      rollback: Boolean(extra.rollback),
      labels: (extra['change-label'] as string[] | undefined) ?? [],
      fixes: (extra.fixes as string[] | undefined) ?? [],
    };
    const contracts = [...new Set(slas.map((s) => s.contract))];
    const decide = opts.decide ?? policyDecider(contracts, change, extra.policies as string | undefined, io.env);
    const store = RollupStore.openIfExists(common.dbPath);
    let statuses: SlaStatus[];
    try {
      statuses = slas.length > 0 ? (await measureStatus(slas, { at: common.at, source, store })).slas : [];
    } finally {
      store?.close();
    }
    const decision = await decide(statuses.map(toGateInput), { minBudget });
    const code = decision.outcome === 'allow' ? 0 : decision.outcome === 'deny' ? 1 : 2;
    outcome = { code, decision, statuses };
  } catch (err) {
    const known = describeFailure(err);
    if (!known) throw err;
    outcome = { code: 2, decision: { allow: false, outcome: 'unknown', reasons: [known], waived: [] }, statuses: [] };
  }
  if (outcome.code === 2 && failOpen) {
    outcome.warning = 'gate cannot decide; allowing because of --fail-open';
    io.stderr(`obligo: warning: ${outcome.warning}: ${outcome.decision.reasons[0] ?? ''}\n`);
  }
  const exitCode = outcome.code === 2 && failOpen ? 0 : outcome.code;
  const atIso = isoUtc(at);
  if (format === 'json') {
    printJson(io, {
      at: atIso,
      decision: outcome.decision.outcome,
      allow: exitCode === 0,
      exitCode,
      failOpen: outcome.code === 2 && failOpen,
      reasons: outcome.decision.reasons,
      slas: outcome.statuses.map((s) => ({ key: s.key, state: s.state, objective: s.objective, achieved: s.achieved, budgetRemaining: s.budgetRemaining })),
    });
  } else {
    const word = outcome.decision.outcome === 'allow' ? 'allow' : outcome.decision.outcome === 'deny' ? 'deny' : 'cannot decide';
    const n = outcome.statuses.length;
    const reason =
      outcome.decision.outcome === 'allow'
        ? `${n} SLA${n === 1 ? '' : 's'} within budget`
        : outcome.decision.reasons[0] ?? '';
    const more = outcome.decision.outcome !== 'allow' && outcome.decision.reasons.length > 1 ? ` (+${outcome.decision.reasons.length - 1} more)` : '';
    io.stdout(`${word}: ${reason}${more}\n`);
    // Known failures already said their line on stdout; keep stderr for the error too (CI logs).
    if (outcome.statuses.length === 0 && outcome.code === 2 && !failOpen) io.stderr(`obligo: ${outcome.decision.reasons[0]}\n`);
  }
  const summary = io.env.GITHUB_STEP_SUMMARY;
  if (summary) {
    try {
      appendFileSync(summary, markdown(outcome, atIso, failOpen));
    } catch (err) {
      io.stderr(`obligo: warning: cannot append to GITHUB_STEP_SUMMARY (${summary}): ${(err as Error).message}\n`);
    }
  }
  return exitCode;
}
