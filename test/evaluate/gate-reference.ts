// A REFERENCE COPY of the deploy-gate rule of policies/obligo/gate.rego, in TypeScript, for the property
// test that checks both agree (test/evaluate/gate-policy.test.ts). The rule's one home is gate.rego;
// nothing in src/ uses this.
import type { SlaState } from '../../src/evaluate/types.js';
export type { SlaState };

import type { GateSlaInput } from '../../src/evaluate/types.js';
export type { GateSlaInput };

export interface GateOptions {
  /** Deny when an SLA's remaining budget fraction is below this (default 0). */
  minBudget: number;
}

export type GateOutcome = 'allow' | 'deny' | 'unknown';

export interface GateDecision {
  allow: boolean;
  outcome: GateOutcome;
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
    if (s.coverage && !s.coverage.complete) {
      unknown.push(`${s.key}: data incomplete`);
    } else if (s.state === 'no-data' || s.achieved === null || s.budgetRemaining === null) {
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
