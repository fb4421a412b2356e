// Obligo's decisions asked of the Rego policies (policies/obligo/*.rego plus the modules compiled from
// the contracts): page or ticket (decision.rego), ship or not (gate.rego), claim or pay (credits.rego).
// The inputs are built here and only here; the engine is compiled once per set of contracts and
// policies (the policy room caches compiled policies by content hash) and reused for every question.
import type { Contract } from '../contract/model.js';
import type { CreditRow } from '../measure/credit-rows.js';
import type { SlaStatus } from '../measure/status.js';
import { ENTRYPOINTS, loadObligoPolicies } from '../policy/obligo-policies.js';
import type { PolicyEngine } from '../policy/engine.js';
import type { ActiveMaintenance } from '../slo/maintenance.js';
import { creditDocument, statusDocument } from './documents.js';
import type { ChangeInfo, CreditAction, Decision, GateDecision, GateSlaInput } from './types.js';
import { isoUtc } from '../iso.js';

/** A policy that cannot be loaded or gives no usable answer: never read as "no page" or "allow". */
export class PolicyError extends Error {
  override name = 'PolicyError';
}

export interface PolicyOptions {
  /** Hand-written policies; default: the policies/ folder shipped with Obligo. */
  policyDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Load only what these entrypoints need (the gate: gate.rego alone, no contract modules). */
  entrypoints?: readonly string[];
  /** Deadline of one policy evaluation (ms); past it the evaluation fails (PolicyError), never hangs. */
  timeoutMs?: number;
  /** Compile rule bodies to JavaScript (default true); false for a process that evaluates once (the gate). */
  codegen?: boolean;
}


export function gateInput(s: SlaStatus): GateSlaInput {
  const c = s.coverage;
  return {
    key: s.key,
    contract: s.contract,
    sla: s.sla,
    objective: s.objective,
    achieved: s.achieved,
    budgetRemaining: s.budgetRemaining,
    state: s.state,
    coverage: { ratio: c.ratio, minimum: c.minimum, complete: c.complete, partialResponse: c.partialResponse },
  };
}

export class ObligoPolicies {
  private constructor(
    readonly engine: PolicyEngine,
    private readonly timeoutMs?: number,
  ) {}

  static async load(contracts: readonly Contract[], opts: PolicyOptions = {}): Promise<ObligoPolicies> {
    try {
      return new ObligoPolicies(await loadObligoPolicies({ contracts, policyDir: opts.policyDir, env: opts.env, entrypoints: opts.entrypoints, codegen: opts.codegen }), opts.timeoutMs);
    } catch (e) {
      throw new PolicyError(`cannot load the policies: ${(e as Error).message}`, { cause: e });
    }
  }

  private async ask(entrypoint: string, input: unknown): Promise<unknown> {
    try {
      return await this.engine.evaluate(entrypoint, input, this.timeoutMs === undefined ? undefined : { timeoutMs: this.timeoutMs });
    } catch (e) {
      throw new PolicyError(`policy ${entrypoint} failed: ${(e as Error).message}`, { cause: e });
    }
  }

  /** decision.rego for one SLA status. */
  async decide(status: SlaStatus, maintenance: ActiveMaintenance, at: number): Promise<Decision> {
    const r = (await this.ask(ENTRYPOINTS.decision, {
      status: statusDocument(status),
      maintenance: { active: maintenance.active, reason: maintenance.reason ?? 'scheduled window' },
      now: isoUtc(at),
    })) as Partial<Decision> | undefined;
    if (!r || !['page', 'ticket', 'none'].includes(r.action as string) || !Array.isArray(r.alerts) || !Array.isArray(r.reasons)) {
      throw new PolicyError(`the decision policy gave no usable result for ${status.key} at ${ENTRYPOINTS.decision} (expected {action, reasons, alerts})`);
    }
    return {
      action: r.action!,
      reasons: r.reasons.map(String),
      alerts: r.alerts,
      suppressed: r.suppressed ?? null,
      escalation: (r.escalation ?? []) as Decision['escalation'],
      vendor: String(r.vendor ?? status.vendor),
    };
  }

  /** gate.rego for the selected SLAs. */
  async gate(slas: readonly SlaStatus[], minBudget: number, change: ChangeInfo): Promise<GateDecision> {
    const r = (await this.ask(ENTRYPOINTS.gate, { slas: slas.map(gateInput), min_budget: minBudget, change })) as
      | { decision?: string; reasons?: unknown[]; waived?: unknown[]; blocking?: unknown[]; unknowns?: unknown[] }
      | undefined;
    if (!r || !['allow', 'deny', 'unknown'].includes(r.decision as string) || !Array.isArray(r.reasons)) {
      throw new PolicyError(`the gate policy gave no usable result at ${ENTRYPOINTS.gate} (expected {decision, allow, reasons})`);
    }
    const outcome = r.decision as GateDecision['outcome'];
    return {
      allow: outcome === 'allow',
      outcome,
      reasons: r.reasons.map(String),
      waived: (r.waived ?? []).map(String),
      blocking: (r.blocking ?? []).map(String),
      unknowns: (r.unknowns ?? []).map(String),
    };
  }

  /** credits.rego for one credit row. */
  async creditAction(row: CreditRow, at: number): Promise<CreditAction> {
    const r = (await this.ask(ENTRYPOINTS.credits, { credit: creditDocument(row), now: isoUtc(at) })) as Partial<CreditAction> | undefined;
    const actions = ['claim', 'pay', 'expired', 'provisional', 'not-owed', 'review'];
    if (!r || !actions.includes(r.action as string) || !Array.isArray(r.reasons)) {
      throw new PolicyError(`the credits policy gave no usable result for ${row.contract}/${row.sla} at ${ENTRYPOINTS.credits} (expected {action, claimable, reasons})`);
    }
    return { action: r.action!, claimable: Boolean(r.claimable), reasons: r.reasons.map(String), deadline: r.deadline ?? null };
  }
}

/**
 * The compiled policies for the contracts in force, recompiled only when the policy files or the contracts
 * change. A policy change that does not compile is reported and the last good policies stay in force.
 */
export class PolicyCache {
  private key = '';
  private policies: ObligoPolicies | undefined;
  private lastError: string | undefined;

  constructor(private readonly opts: PolicyOptions & { read?: (dir: string) => string } = {}) {}

  /** The policies for these contracts; `policyFingerprint` identifies the policy files' contents. */
  async get(contracts: readonly Contract[], policyFingerprint: string): Promise<ObligoPolicies> {
    const key = `${policyFingerprint}\u0000${contracts.map((c) => c.hash).join(',')}`;
    if (this.policies && key === this.key) return this.policies;
    try {
      this.policies = await ObligoPolicies.load(contracts, this.opts);
      this.key = key;
      this.lastError = undefined;
    } catch (e) {
      this.lastError = (e as Error).message;
      if (!this.policies) throw e;
      this.key = key; // keep the last good policies until the files change again
    }
    return this.policies;
  }

  /** Why the policies in force are not the current files (undefined when they are). */
  error(): string | undefined {
    return this.lastError;
  }
}
