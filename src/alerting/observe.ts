// Building an observation from the contract model, so that every page names the vendor, the SLA and
// what is happening the same way, and carries the contract's contacts, routing reference, revision and
// document URL. The decision itself (active or not, why) comes from the caller (decision.rego).
import type { Contract, Sla } from '../contract/model.js';
import type { AlertLink, AlertObservation, AlertSeverity, EscalationContact } from './types.js';
import { keptPer } from '../kept.js';

export interface ContractAlertInput {
  contract: Contract;
  /** The SLA, or null for a contract-level alert. */
  sla: Sla | null;
  /** Alert name, unique within the SLA: 'burn-page', 'burn-ticket', 'breach', 'no-data'… */
  alert: string;
  active: boolean;
  severity: AlertSeverity;
  /** What is happening, e.g. decision.rego's reasons joined: "error budget burning 20x over 1h …". */
  what: string;
  /** PagerDuty class, e.g. 'error-budget-burn'. */
  class: string;
  /**
   * Measured values (objective, achieved, burnRates, budgetRemaining, coverage…); JSON values. Read, never
   * changed, and not to be changed after the call: observations given the same object (and the same
   * contract, SLA and links) share what is built from it.
   */
  evidence?: Record<string, unknown>;
  /** The contract's maintenance at this tick (slo/maintenanceAt): suppresses paging while active. */
  maintenance?: { active: boolean; reason?: string };
  /** Grafana dashboard, runbook… (the contract document link is added when the contract has one). Not changed after the call. */
  links?: AlertLink[];
  source?: string;
}

/** "Vendor · SLA title (contract/sla): what". */
export function alertSummary(contract: Contract, sla: Sla | null, what: string): string {
  const subject = sla ? `${sla.title} (${sla.key})` : `contract ${contract.id}`;
  return `${contract.vendor} · ${subject}: ${what}`;
}

/**
 * The links and evidence of an observation, built once for the alerts of an SLA that are given the same
 * `evidence` and `links` objects (serve passes one of each per SLA for its five alerts); shared by their
 * observations, which nothing changes.
 */
interface Extras {
  contract: Contract;
  sla: Sla | null;
  linksIn: AlertLink[] | undefined;
  evidence: Record<string, unknown>;
  links: AlertLink[];
}
const extrasOf = new WeakMap<object, Extras>();

function extras(i: ContractAlertInput): Extras {
  const c = i.contract;
  // Kept under the evidence object, else the links (an entry kept under an evidence object was built from it).
  const key = i.evidence ?? i.links;
  const known = key ? extrasOf.get(key) : undefined;
  if (known && known.contract === c && known.sla === i.sla && known.linksIn === i.links) return known;
  const links = i.links ? i.links.slice() : [];
  if (c.documentUrl && !links.some((l) => l.href === c.documentUrl)) links.push({ href: c.documentUrl, text: 'Contract document' });
  // Plain assignments in a fixed order (serve builds 10,000 of these per tick; object spreads were most
  // of that time). The order of the keys is the one pages and stored evidence always had.
  const evidence: Record<string, unknown> = {};
  if (i.sla) {
    evidence.objective = i.sla.objective;
    evidence.period = i.sla.period;
  }
  if (i.evidence) for (const k in i.evidence) evidence[k] = i.evidence[k];
  if (c.revision) evidence.revision = c.revision;
  if (c.documentUrl) evidence.documentUrl = c.documentUrl;
  evidence.contractHash = c.hash;
  const x: Extras = { contract: c, sla: i.sla, linksIn: i.links, evidence, links };
  if (key) extrasOf.set(key, x);
  return x;
}

export function contractObservation(i: ContractAlertInput): AlertObservation {
  const c = i.contract;
  const { evidence, links } = extras(i);
  const o: AlertObservation = {
    key: { contract: c.id, sla: i.sla?.id ?? null, alert: i.alert },
    active: i.active,
    severity: i.severity,
    summary: alertSummary(c, i.sla, i.what),
    evidence,
    escalation: escalationOf(c),
    links,
    routing: c.pagerduty ? { routingKey: c.pagerduty.routingKey } : {},
    vendor: c.vendor,
    group: c.id,
    class: i.class,
    source: i.source ?? 'obligo',
  };
  if (i.maintenance?.active) o.suppressed = { reason: `maintenance: ${i.maintenance.reason ?? 'scheduled window'}` };
  return o;
}

/** The contract's escalation contacts as pages carry them; one list per contract object, never changed. */
const escalationOf = keptPer((c: Contract): EscalationContact[] =>
  Object.freeze(
    c.escalation.map((e) => {
      const o: EscalationContact = { level: e.level, name: e.name };
      if (e.phone) o.phone = e.phone;
      if (e.email) o.email = e.email;
      if (e.url) o.url = e.url;
      if (e.respondWithinMinutes !== undefined) o.respondWithinMinutes = e.respondWithinMinutes;
      return Object.freeze(o);
    }),
  ) as EscalationContact[],
);
