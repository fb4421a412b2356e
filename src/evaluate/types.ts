// The typed result of one evaluation (evaluate.ts): what `status`, `gate`, `credits`, `demo` and
// `serve` format. Nothing here computes; the rules live in slo/, credits/ and the Rego policies.
import type { Contract, Sla } from '../contract/model.js';
import type { CreditReport } from '../measure/credits.js';
import type { CreditRow } from '../measure/credit-rows.js';
import type { StatusReport } from '../measure/status.js';

/** outside-term: the contract is not in force at that instant (before its term, or after it ended). */
export type SlaState = 'ok' | 'at-risk' | 'breached' | 'no-data' | 'outside-term';

/** What the gate policy (policies/obligo/gate.rego) is given of one SLA. */
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
  /** Coverage of the period so far: an incomplete SLA cannot be decided on. */
  coverage?: { ratio: number | null; minimum: number; complete: boolean; partialResponse: boolean };
}

export type GateOutcome = 'allow' | 'deny' | 'unknown';

export interface GateDecision {
  /** True only when every SLA was measured and none denies. */
  allow: boolean;
  /** 'unknown': cannot decide (no SLA, no data, incomplete data) — the command exits 2. */
  outcome: GateOutcome;
  /** One line per reason, most important first (denials before unknowns before passes). */
  reasons: string[];
  /** Violations let through by the change (rollback, fix:C/S): said as waived everywhere. */
  waived: string[];
  /** What blocks the change (deny), and why it cannot be decided (unknown): for CI annotations. */
  blocking: string[];
  unknowns: string[];
}

/** What the change being gated is (gate.rego exempts rollbacks and fixes of the SLA at fault). */
export interface ChangeInfo {
  rollback: boolean;
  labels: string[];
  fixes: string[];
}

/** An SLA paired with its contract: the unit every evaluation works on. */
export interface SelectedSla {
  contract: Contract;
  sla: Sla;
}

/** decision.rego's answer for one SLA (see policies/obligo/decision.rego). */
export interface Decision {
  action: 'page' | 'ticket' | 'none';
  reasons: string[];
  /** Alert conditions, each with its own state machine downstream (dedup key obligo/<contract>/<sla>/<name>). */
  alerts: DecisionAlert[];
  /** Set while a maintenance window of the contract is in force: nothing is paged. */
  suppressed: { reason: string } | null;
  escalation: Array<{ level: number; name: string; phone?: string; email?: string; respondWithinMinutes?: number }>;
  vendor: string;
}

export interface DecisionAlert {
  /** Stable name: burn-page, burn-ticket, breach, budget-low, no-data, … */
  name: string;
  severity: 'page' | 'ticket';
  active: boolean;
  /** Why it is active (empty when it is not). */
  reasons: string[];
  summary: string;
  class: string;
}

/** credits.rego's answer for one credit row. */
export interface CreditAction {
  action: 'claim' | 'pay' | 'expired' | 'provisional' | 'not-owed' | 'review';
  claimable: boolean;
  reasons: string[];
  deadline: string | null;
}

export interface Evaluation {
  /** Evaluation instant, epoch ms. */
  at: number;
  slas: SelectedSla[];
  status?: StatusReport;
  /** Per SLA key. */
  decisions?: Map<string, Decision>;
  gate?: GateDecision;
  credits?: CreditReport & { actions: CreditAction[] };
  /** Credits of the current period so far (request.currentCredits), one row per SLA. */
  currentCredits?: CreditRow[];
  /** Distinct Prometheus warnings (partial responses) of every answer behind this evaluation. */
  warnings: string[];
  /** HTTP requests made to Prometheus. */
  requests: number;
  /** Where the time went (ms): measuring (Prometheus answers and our computation), asking the policies. */
  timings: { measureMs: number; policiesMs: number };
}
