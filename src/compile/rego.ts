// Rego output: a data document indexing all contracts, and one generated module per contract that
// states its facts as constants, for the hand-written policies in policies/ to decide with.
//
// Layout (a public interface for policies; add rules and keys freely, never rename):
//   policies/data.json
//     data.obligo.catalog[<contract id>] = {package, module, file, sha256, title, vendor, customer,
//                                           role, slas: [<sla id>, …] (sorted), labels}
//     data.obligo.description           = generated-by note
//   policies/contracts/<contract id>.rego
//     package obligo.contracts.<pkg>     <pkg> = contract id with "-" → "_" ("c_" prefix if it would
//                                        start with a digit or be a Rego keyword); so a contract's
//                                        module is data.obligo.contracts[data.obligo.catalog[id].package]
//     constants: id, title, file, sha256, role, vendor, customer, revision?, document_url?, timezone,
//     currency, monthly_fee (decimal string), term {start, end?, renewal?}, labels, escalation[],
//     maintenance[], credit_policy, slas {<sla id>: {…}}, sla_ids[]
//     partial objects: objective[sla], period[sla], method[sla]
// Keys are snake_case; optional fields that the contract leaves out are absent keys (use object.get),
// never null. Money stays a decimal string; percentages and ratios are numbers as written.
import type { Contract, Sla } from '../contract/model.js';
import type { MaintenanceDoc, TierDoc } from '../contract/schema.js';
import { cleanRatio } from './openslo.js';
import type { Compiler, OutputFile } from './output.js';
import { commentText, constantRule, regoPackageSegment, regoString, type RegoValue } from './rego-format.js';

export { regoPackageSegment } from './rego-format.js';

/** Root of the generated modules in `data`, and of the catalog. */
export const REGO_CONTRACTS_PACKAGE = 'obligo.contracts';
export const REGO_CATALOG_PATH = ['obligo', 'catalog'] as const;

export function regoModulePath(c: Pick<Contract, 'id'>): string {
  return `policies/contracts/${c.id}.rego`;
}

type Obj = { [key: string]: RegoValue | undefined };

function tier(t: TierDoc): Obj {
  return { below: t.below, at_or_below: t.atOrBelow, above: t.above, at_or_above: t.atOrAbove, percent: t.percent };
}

function maintenance(m: MaintenanceDoc): Obj {
  if ('schedule' in m) return { schedule: m.schedule, duration_minutes: m.durationMinutes, reason: m.reason };
  return { start: m.start, end: m.end, reason: m.reason };
}

export function slaFacts(sla: Sla): Obj {
  const m = sla.measurement;
  return {
    key: sla.key,
    title: sla.title,
    description: sla.description,
    service: sla.service,
    objective: sla.objective,
    period: sla.period,
    method: m.method,
    slice: m.slice,
    slice_good_ratio: m.method === 'timeslices' ? cleanRatio(m.sliceGoodRatio) : undefined,
    min_consecutive_bad_slices: m.method === 'timeslices' ? m.minConsecutiveBadSlices : undefined,
    no_data: m.noData,
    sli_kind: sla.sli.kind,
    monthly_base: sla.monthlyBase,
    tiers: sla.tiers.map(tier),
    page: sla.alerting.page,
    ticket: sla.alerting.ticket,
    burn_rates: sla.alerting.burnRates.map((b) => ({ severity: b.severity, long: b.long, short: b.short, factor: b.factor })),
    labels: sla.labels,
  };
}

function byId<T extends { id: string }>(xs: readonly T[]): T[] {
  return [...xs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The constants of a contract module, in the order they are written. */
export function contractFacts(c: Contract): [string, RegoValue][] {
  const renewal = c.doc.term.renewal;
  const facts: [string, RegoValue | undefined][] = [
    ['id', c.id],
    ['title', c.title],
    ['file', c.file],
    ['sha256', c.hash],
    ['role', c.role],
    ['vendor', c.vendor],
    ['customer', c.customer],
    ['revision', c.revision],
    ['document_url', c.documentUrl],
    ['timezone', c.timezone],
    ['currency', c.currency],
    ['monthly_fee', c.monthlyFee],
    [
      'term',
      {
        start: c.termStart,
        end: c.termEnd,
        renewal: renewal
          ? { mode: renewal.mode, notice_days: renewal.noticeDays, remind_days: renewal.remindDays }
          : undefined,
      },
    ],
    ['labels', c.labels],
    [
      'escalation',
      c.escalation.map((e) => ({
        level: e.level,
        name: e.name,
        email: e.email,
        phone: e.phone,
        url: e.url,
        respond_within_minutes: e.respondWithinMinutes,
      })),
    ],
    ['maintenance', c.maintenance.map(maintenance)],
    [
      'credit_policy',
      {
        cap_percent: c.creditPolicy.capPercent,
        claim_window_days: c.creditPolicy.claimWindowDays,
        rounding: c.creditPolicy.rounding,
        prorate: c.creditPolicy.prorate,
      },
    ],
    ['slas', Object.fromEntries(byId(c.slas).map((s) => [s.id, slaFacts(s)]))],
    ['sla_ids', byId(c.slas).map((s) => s.id)],
  ];
  return facts.filter((f): f is [string, RegoValue] => f[1] !== undefined);
}

const PARTIALS = `# Per-SLA shortcuts: objective["availability"] == slas.availability.objective
objective[sla] := s.objective if {
\tsome sla, s in slas
}

period[sla] := s.period if {
\tsome sla, s in slas
}

method[sla] := s.method if {
\tsome sla, s in slas
}
`;

export function renderRegoModule(c: Contract): string {
  const lines = [
    `package ${REGO_CONTRACTS_PACKAGE}.${regoPackageSegment(c.id)}`,
    '',
    `# generated by obligo from ${commentText(c.file)} (sha256 ${c.hash}) — do not edit`,
    `# Facts of contract ${regoString(c.id)} for policies: data.${REGO_CONTRACTS_PACKAGE}.${regoPackageSegment(c.id)}.<rule>.`,
    `# Policies find it through data.obligo.catalog[${regoString(c.id)}].package (policies/data.json).`,
    '# Rules: id, title, file, sha256, role, vendor, customer, revision, document_url, timezone, currency,',
    '# monthly_fee, term, labels, escalation, maintenance, credit_policy, slas[<sla id>], sla_ids, and the',
    '# per-SLA shortcuts objective/period/method[<sla id>]. Keys are snake_case; optional fields the',
    '# contract leaves out are absent keys (use object.get), never null; money is a decimal string.',
    '',
    ...contractFacts(c).map(([name, value]) => `${constantRule(name, value)}\n`),
    PARTIALS,
  ];
  return lines.join('\n');
}

export function catalogEntry(c: Contract): Obj {
  return {
    package: regoPackageSegment(c.id),
    module: `contracts/${c.id}.rego`,
    file: c.file,
    sha256: c.hash,
    title: c.title,
    vendor: c.vendor,
    customer: c.customer,
    role: c.role,
    slas: byId(c.slas).map((s) => s.id),
    labels: c.labels,
  };
}

/** JSON with keys sorted at every level, two-space indent, trailing newline. */
export function sortedJson(v: unknown): string {
  const sort = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sort);
    if (x && typeof x === 'object') {
      return Object.fromEntries(
        Object.entries(x as Record<string, unknown>)
          .filter(([, y]) => y !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, y]) => [k, sort(y)]),
      );
    }
    return x;
  };
  return `${JSON.stringify(sort(v), null, 2)}\n`;
}

export function renderRegoData(contracts: readonly Contract[]): string {
  return sortedJson({
    obligo: {
      description: 'generated by obligo from the contracts listed in catalog — do not edit',
      catalog: Object.fromEntries(byId(contracts).map((c) => [c.id, catalogEntry(c)])),
    },
  });
}

/** Two ids can map to one package only through the "c_" prefix rule; refuse rather than overwrite. */
function assertDistinctPackages(contracts: readonly Contract[]): void {
  const seen = new Map<string, string>();
  for (const c of contracts) {
    const pkg = regoPackageSegment(c.id);
    const other = seen.get(pkg);
    if (other !== undefined && other !== c.id)
      throw new Error(`contracts ${other} and ${c.id} both map to Rego package ${REGO_CONTRACTS_PACKAGE}.${pkg}`);
    seen.set(pkg, c.id);
  }
}

export const compileRego: Compiler = (contracts) => {
  assertDistinctPackages(contracts);
  const files: OutputFile[] = [{ path: 'policies/data.json', content: renderRegoData(contracts) }];
  for (const c of byId(contracts)) files.push({ path: regoModulePath(c), content: renderRegoModule(c) });
  return files;
};
