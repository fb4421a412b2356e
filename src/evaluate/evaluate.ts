// evaluate(at, deps): the one application service behind `status`, `gate`, `credits`, `demo` and every
// `serve` tick. It measures the selected SLAs (with coverage), asks the policies, and returns one typed
// Evaluation; the commands and the server only format it.
import type { Contract } from '../contract/model.js';
import { assembleContractCredits } from '../measure/credit-rows.js';
import { measureCredits } from '../measure/credits.js';
import type { PeriodState, SlaMeasurement } from '../measure/measure-slas.js';
import type { FetchSlicesOptions } from '../measure/fetch-slices.js';
import type { PromSource } from '../measure/source.js';
import { measureStatus } from '../measure/status.js';
import { maintenanceAt } from '../slo/maintenance.js';
import type { RollupRepository } from '../measure/rollup-store.js';
import { ObligoPolicies } from './policies.js';
import type { ChangeInfo, Decision, Evaluation, SelectedSla } from './types.js';

export interface EvaluateDeps {
  /** Prometheus; optional for credits the rollup store fully covers. */
  source?: PromSource;
  store?: RollupRepository;
  /** Compiled policies (needed for decisions, gate and credit actions). */
  policies?: ObligoPolicies;
}

export interface StatusOptions {
  /** Read the recording rules for the windows (default true). */
  useRules?: boolean;
  /** Period-to-date through the last complete hour only (rollups; no slice queries). */
  completeHoursOnly?: boolean;
  /** Store the complete hours read from Prometheus. */
  persist?: boolean;
  atRiskBelow?: number;
  fetch?: FetchSlicesOptions;
  /** Period-to-date state kept between evaluations (serve's ticks). */
  state?: PeriodState;
}

export interface EvaluateRequest {
  /** Evaluation instant, epoch ms. */
  at: number;
  /** The SLAs to evaluate (selection.ts). */
  slas: readonly SelectedSla[];
  /** Measure status (implied by decisions and gate). */
  status?: StatusOptions | boolean;
  /** Ask decision.rego about every SLA. */
  decisions?: boolean;
  /** Ask gate.rego about the selection. */
  gate?: { minBudget: number; change: ChangeInfo };
  /**
   * Credits of the current period so far (each SLA's own period kind), assembled from the status
   * measurements without another query (serve's obligo_service_credit_amount).
   */
  currentCredits?: boolean;
  /** Credits for a period label (YYYY-MM / YYYY-Qn), with credits.rego's action per row. */
  credits?: { period: string; ignoreRollups?: boolean; persist?: boolean; fetch?: FetchSlicesOptions };
}

function needPolicies(deps: EvaluateDeps, what: string): ObligoPolicies {
  if (!deps.policies) throw new Error(`evaluate: ${what} needs the policies (deps.policies)`);
  return deps.policies;
}

export async function evaluate(req: EvaluateRequest, deps: EvaluateDeps): Promise<Evaluation> {
  const before = deps.source?.requests ?? 0;
  const out: Evaluation = { at: req.at, slas: [...req.slas], warnings: [], requests: 0, timings: { measureMs: 0, policiesMs: 0 } };
  const clock = () => performance.now();
  let t0 = clock();
  const wantStatus = Boolean(req.status) || Boolean(req.decisions) || Boolean(req.gate);
  if (wantStatus) {
    if (!deps.source) throw new Error('evaluate: status needs Prometheus (deps.source)');
    const o: StatusOptions = typeof req.status === 'object' ? req.status : {};
    out.status = await measureStatus(req.slas, {
      at: req.at,
      source: deps.source,
      store: deps.store,
      useRules: o.useRules,
      completeHoursOnly: o.completeHoursOnly,
      persist: o.persist,
      atRiskBelow: o.atRiskBelow,
      fetch: o.fetch,
      state: o.state,
    });
  }
  out.timings.measureMs += clock() - t0;
  t0 = clock();
  if (req.decisions && out.status) {
    const policies = needPolicies(deps, 'decisions');
    const byKey = new Map(req.slas.map((s) => [s.sla.key, s.contract] as [string, Contract]));
    const decisions = new Map<string, Decision>();
    for (const s of out.status.slas) {
      const contract = byKey.get(s.key)!;
      decisions.set(s.key, await policies.decide(s, maintenanceAt(contract.maintenance, contract.timezone, req.at), req.at));
    }
    out.decisions = decisions;
  }
  if (req.gate && out.status) {
    out.gate = await needPolicies(deps, 'the gate').gate(out.status.slas, req.gate.minBudget, req.gate.change);
  }
  out.timings.policiesMs += clock() - t0;
  t0 = clock();
  if (req.currentCredits && out.status) {
    // One statement per contract and period (a contract may have monthly and quarterly SLAs).
    const groups = new Map<string, SlaMeasurement[]>();
    for (const m of out.status.measurements) {
      const k = `${m.contract.id}\u0000${m.period.label}`;
      groups.set(k, [...(groups.get(k) ?? []), m]);
    }
    out.currentCredits = [...groups.values()].flatMap((list) => assembleContractCredits(list, req.at).rows);
  }
  if (req.credits) {
    const policies = needPolicies(deps, 'credit actions');
    const report = await measureCredits(req.slas, {
      period: req.credits.period,
      at: req.at,
      source: deps.source,
      store: deps.store,
      ignoreRollups: req.credits.ignoreRollups,
      persist: req.credits.persist,
      fetch: req.credits.fetch,
    });
    out.timings.measureMs += clock() - t0;
    t0 = clock();
    const actions = [];
    for (const row of report.credits) actions.push(await policies.creditAction(row, req.at));
    out.timings.policiesMs += clock() - t0;
    t0 = clock();
    out.credits = { ...report, actions };
  }
  out.timings.measureMs += clock() - t0;
  out.warnings = [...new Set([...(out.status?.warnings ?? []), ...(out.credits?.warnings ?? [])])].sort();
  out.requests = (deps.source?.requests ?? 0) - before;
  return out;
}
