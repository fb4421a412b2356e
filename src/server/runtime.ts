// What a running `obligo serve` exposes to its shells (REST API, /metrics, health): the last tick, the
// contracts in force, on-demand evaluations, the alert and outbox stores. Read-only for the shells;
// the scheduler (serve.ts) is the only writer.
import type { AlertStore, OutboxStore } from '../alerting/store.js';
import type { ContractIssue } from '../contract/issues.js';
import type { Contract } from '../contract/model.js';
import type { EvaluateRequest } from '../evaluate/evaluate.js';
import type { Selection } from '../evaluate/selection.js';
import type { Evaluation } from '../evaluate/types.js';
import type { ServeConfig } from './config.js';
import type { SenderStats } from './sender.js';

/** The contracts in force: the last good version of every file, and what is wrong with the others. */
export interface ContractSnapshot {
  contracts: Contract[];
  /** Problems of the current files (an invalid file keeps its last good version in force). */
  problems: ContractIssue[];
  /** Files whose last good version is enforced because the current one is invalid. */
  stale: string[];
  /** Changes on every reload that changed something. */
  version: number;
  loadedAt: number;
}

export interface TickReport {
  /** 1, 2, … since start. */
  tick: number;
  /** The evaluation instant (epoch ms). */
  at: number;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  /** The evaluation succeeded (false: Prometheus out, a policy error…; SLA alerts held). */
  ok: boolean;
  error?: string;
  evaluation?: Evaluation;
  /** requestMs: the wall time of the HTTP requests (summed; overlapping requests add up). */
  /** evalSeconds / execSeconds: Prometheus's own evalTotalTime / execTotalTime (queue + preparation + evaluation), summed over the tick's queries. */
  prometheus: { requests: number; evalSeconds: number; execSeconds: number; failures: number; retries: number; requestMs: number };
  alerts: { observations: number; transitions: number; events: number };
  /** Where the tick's time went (ms). */
  phases: { measureMs: number; policiesMs: number; alertsMs: number };
  /** SLA keys with incomplete data at this tick. */
  incomplete: string[];
  /** This replica evaluated (false: another replica leads). */
  leader: boolean;
}

export interface EngineCounters {
  ticks: number;
  tickFailures: number;
  prometheusErrors: number;
  lastSuccessfulTickAt?: number;
}

export interface HealthReport {
  live: boolean;
  ready: boolean;
  reasons: string[];
}

export interface ServeRuntime {
  readonly config: ServeConfig;
  readonly startedAt: number;
  contracts(): ContractSnapshot;
  latest(): TickReport | undefined;
  health(): HealthReport;
  counters(): EngineCounters;
  /** An evaluation on demand with the contracts and policies in force (credits for a period, a gate…). */
  evaluate(req: Omit<EvaluateRequest, 'slas'> & { selection?: Selection }): Promise<Evaluation>;
  readonly alerts: AlertStore;
  readonly outbox: OutboxStore;
  senderStats(): SenderStats;
  isLeader(): boolean;
  /** Called after every tick (metrics); returns an unsubscribe function. */
  onTick(listener: (r: TickReport) => void): () => void;
}
