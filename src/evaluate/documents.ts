// The JSON documents of an evaluation: what `--format json` prints, what the REST API serves, and what
// the policies are given as input — one shape, built here, so a policy sees exactly what a user sees.
import type { CreditRow } from '../measure/credit-rows.js';
import type { SlaStatus } from '../measure/status.js';
import type { GateDecision } from './types.js';

/** One SLA's status (`obligo status --format json` .slas[i]; decision.rego's input.status). */
export function statusDocument(s: SlaStatus): Record<string, unknown> {
  return {
    contract: s.contract,
    sla: s.sla,
    vendor: s.vendor,
    objective: s.objective,
    period: { start: s.period.start, end: s.period.end, label: s.period.label },
    achieved: s.achieved,
    achievedThrough: s.achievedThrough,
    budgetRemaining: s.budgetRemaining,
    burnRates: s.burnRates,
    windowCoverage: s.windowCoverage,
    state: s.state,
    coverage: s.coverage,
    sli: s.sli,
    method: s.method,
    measuredMinutes: s.measuredMinutes,
    badMinutes: s.badMinutes,
    excludedMinutes: s.excludedMinutes,
    flags: s.flags,
    warnings: s.warnings,
    evidence: s.evidence,
  };
}

/** One credit row (`obligo credits --format json` .credits[i]; credits.rego's input.credit). */
export function creditDocument(r: CreditRow): Record<string, unknown> {
  return {
    contract: r.contract,
    vendor: r.vendor,
    sla: r.sla,
    period: r.period,
    objective: r.objective,
    achieved: r.achieved,
    measuredMinutes: r.measuredMinutes,
    excludedMinutes: r.excludedMinutes,
    badMinutes: r.badMinutes,
    coverage: r.coverage,
    creditPercent: r.creditPercent,
    base: r.base,
    amount: r.amount,
    currency: r.currency,
    capped: r.capped,
    claimDeadline: r.claimDeadline,
    claimDeadlineEndsAt: r.claimDeadlineEndsAt,
    flags: r.flags,
    evidence: r.evidence,
    achievedDecimal: r.achievedDecimal,
    provisional: r.provisional,
  };
}

/**
 * A gate decision (`obligo gate --format json`; the REST API's /gate). `failOpen` is the CLI's only: the
 * document leaves it out when undefined.
 */
export function gateDocument(at: string, d: GateDecision, statuses: readonly SlaStatus[], exit: { exitCode: number; failOpen?: boolean }): Record<string, unknown> {
  return {
    at,
    decision: d.outcome,
    allow: exit.exitCode === 0,
    exitCode: exit.exitCode,
    ...(exit.failOpen === undefined ? {} : { failOpen: exit.failOpen }),
    waived: d.waived,
    blocking: d.blocking,
    unknowns: d.unknowns,
    reasons: d.reasons,
    slas: statuses.map((s) => ({ key: s.key, state: s.state, objective: s.objective, achieved: s.achieved, budgetRemaining: s.budgetRemaining, coverage: s.coverage })),
  };
}
