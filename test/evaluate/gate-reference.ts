// The deploy-gate decision as a pure function of SLA statuses, so that it can be swapped for a policy
// (policies/obligo/gate.rego) without touching the command: same input, same {allow, reasons} shape.

export type SlaState = 'ok' | 'at-risk' | 'breached' | 'no-data';

/** What the gate needs to know of one SLA (a subset of SlaStatus). */
export interface GateSlaInput {
  /** "contract/sla" */
  key: string;
  contract: string;
  sla: string;
  objective: number;
  /** Period-to-date achieved percent; null when there is no data. */
  achieved: number | null;
  /** Period-to-date budget remaining as a fraction (negative once breached); null when unknown. */
  budgetRemaining: number | null;
  state: SlaState;
}

export interface GateOptions {
  /** Deny when an SLA's remaining budget fraction is below this (default 0). */
  minBudget: number;
}

export type GateOutcome = 'allow' | 'deny' | 'unknown';

export interface GateDecision {
  /** True only when every SLA was measured and none denies. */
  allow: boolean;
  /** 'unknown': cannot decide (no SLA selected, or an SLA without data) — the command exits 2. */
  outcome: GateOutcome;
  /** One line per reason, most important first (denials before unknowns before passes). */
  reasons: string[];
}

export type GateDecider = (statuses: readonly GateSlaInput[], opts: GateOptions) => GateDecision | Promise<GateDecision>;

const pct = (f: number) => `${trim((f * 100).toFixed(2))}%`;
const trim = (s: string) => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);

/** The built-in rule: deny on a breach or a budget below the minimum; unknown when anything is unmeasured. */
export function decideGate(statuses: readonly GateSlaInput[], opts: GateOptions): GateDecision {
  if (statuses.length === 0) return { allow: false, outcome: 'unknown', reasons: ['no SLA matched the selection'] };
  const deny: string[] = [];
  const unknown: string[] = [];
  const pass: string[] = [];
  for (const s of statuses) {
    if (s.state === 'no-data' || s.achieved === null || s.budgetRemaining === null) {
      unknown.push(`${s.key}: no data for the current period`);
    } else if (s.state === 'breached' || s.achieved < s.objective) {
      deny.push(`${s.key}: SLA breached (achieved ${trim(s.achieved.toFixed(4))}% < objective ${s.objective}%)`);
    } else if (s.budgetRemaining < opts.minBudget) {
      deny.push(`${s.key}: error budget remaining ${pct(s.budgetRemaining)} is below the minimum ${pct(opts.minBudget)}`);
    } else {
      pass.push(`${s.key}: error budget remaining ${pct(s.budgetRemaining)} (minimum ${pct(opts.minBudget)})`);
    }
  }
  if (deny.length > 0) return { allow: false, outcome: 'deny', reasons: [...deny, ...unknown, ...pass] };
  if (unknown.length > 0) return { allow: false, outcome: 'unknown', reasons: [...unknown, ...pass] };
  return { allow: true, outcome: 'allow', reasons: pass };
}
