// Obligo's own health alert. Prometheus down, erroring or silent for the whole selection is not a vendor
// breach: it must never page a vendor's SLA (those observations are left out of the tick, so their
// alerts hold), and it raises ONE alert of our own, whatever the number of SLAs affected.
import { ENGINE_HEALTH_KEY } from './dedup.js';
import type { AlertLink, AlertObservation, AlertRouting, AlertSeverity } from './types.js';

/**
 * What went wrong while evaluating. `kind` is a PrometheusError kind ('unreachable', 'timeout', 'auth',
 * 'not_prometheus', 'execution', 'bad_query'), or 'incomplete' (partial answers), or any short word.
 */
export interface EngineProblem {
  kind: string;
  message: string;
  /** The SLA ("contract/sla") whose evaluation failed, when it is about one. */
  sla?: string;
}

export interface EngineHealthInput {
  /** SLAs this tick tried to evaluate. */
  slasTotal: number;
  /** SLAs whose evaluation failed (no answer). */
  slasFailed: number;
  /**
   * SLAs that were answered but returned no data at all (silence). When every SLA is silent the engine
   * is most likely looking at the wrong Prometheus (URL, tenant, retention): one engine alert, not N tickets.
   */
  slasSilent: number;
  problems: readonly EngineProblem[];
  /** Prometheus base URL (credentials and query are removed before it goes anywhere). */
  prometheusUrl?: string;
  routing?: AlertRouting;
  links?: AlertLink[];
  /** Default 'error'. */
  severity?: AlertSeverity;
  /** Default 'obligo'. */
  source?: string;
}

const MAX_SAMPLES = 5;
const MAX_MESSAGE = 300;

/** The URL without user:password@, query or fragment (never leak credentials into a page). */
export function redactUrl(u: string): string {
  try {
    const x = new URL(u);
    x.username = '';
    x.password = '';
    x.search = '';
    x.hash = '';
    return x.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable URL)';
  }
}

/** True when the engine cannot vouch for its SLA measurements at this tick. */
export function engineUnhealthy(h: Pick<EngineHealthInput, 'slasTotal' | 'slasFailed' | 'slasSilent'>): boolean {
  return h.slasFailed > 0 || (h.slasTotal > 0 && h.slasSilent >= h.slasTotal);
}

/** The one engine-health observation, key { contract: '-', sla: null, alert: 'engine-health' }. */
export function engineHealthObservation(h: EngineHealthInput): AlertObservation {
  const active = engineUnhealthy(h);
  const url = h.prometheusUrl ? redactUrl(h.prometheusUrl) : undefined;
  const where = url ? `Prometheus at ${url}` : 'Prometheus';
  const kinds = [...new Set(h.problems.map((p) => p.kind))].sort();
  let summary: string;
  if (!active) summary = `Obligo engine healthy: ${h.slasTotal} SLAs evaluated against ${where}`;
  else if (h.slasFailed > 0) {
    const first = h.problems[0]?.message;
    summary =
      `Obligo cannot evaluate ${h.slasFailed} of ${h.slasTotal} SLAs: ${where} ${kinds.length ? kinds.join('/') : 'failed'}` +
      (first ? ` (${first.slice(0, 200)})` : '') +
      '. Not a vendor breach: SLA alerts hold until measurement resumes.';
  } else {
    summary = `Obligo engine: ${where} returned no data for all ${h.slasTotal} SLAs. Check the URL, tenant and scrape targets; not a vendor breach.`;
  }
  const samples = h.problems.slice(0, MAX_SAMPLES).map((p) => ({
    kind: p.kind,
    ...(p.sla ? { sla: p.sla } : {}),
    message: p.message.length > MAX_MESSAGE ? `${p.message.slice(0, MAX_MESSAGE)}…` : p.message,
  }));
  return {
    key: { ...ENGINE_HEALTH_KEY },
    active,
    severity: h.severity ?? 'error',
    summary,
    evidence: {
      ...(url ? { prometheus: url } : {}),
      slasTotal: h.slasTotal,
      slasFailed: h.slasFailed,
      slasSilent: h.slasSilent,
      problemKinds: kinds,
      problems: samples,
      problemCount: h.problems.length,
    },
    escalation: [],
    links: h.links ?? [],
    routing: h.routing ?? {},
    vendor: 'Obligo',
    group: 'obligo-engine',
    class: 'engine-health',
    source: h.source ?? 'obligo',
  };
}
