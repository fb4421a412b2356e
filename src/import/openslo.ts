// OpenSLO v1 → contract files. Every SLO with a calendar time window (1M, 1Q/3M) and a Prometheus
// ratio or threshold metric becomes an SLA; SLOs are grouped into one contract per OpenSLO service.
// OpenSLO carries no commercial terms, so role, parties, fees, escalation and credit tiers are written
// as the value TODO: `obligo validate` reports each of them (file, line, field) until it is filled in.
//
// Queries. OpenSLO's Prometheus queries have fixed ranges; a contract's are templates with
// {{.window}} (the slice). A ratio query with `counter: false` gets its ranges replaced by
// {{.window}}; with `counter: true` a selector (or sum of one) is read as a rate over the slice. A
// threshold metric (a gauge compared with `op` and `value`) becomes a timeslices SLA whose slice is good
// when the worst value of the slice meets the threshold: good = count(max_over_time((Q)[w:]) <= v),
// total = count(max_over_time((Q)[w:])), sliceGoodRatio 1 (min_over_time for gt/gte).
// Documents written by `obligo compile --format openslo` carry obligo.dev/* annotations with the
// original templates and the settings OpenSLO has no field for: they are used as they are, so an
// import of a compile round-trips.
import { Decimal } from 'decimal.js';
import { parseAllDocuments } from 'yaml';

export interface ImportIssue {
  file: string;
  /** 1-based document index in the file, or 0 for the file. */
  doc: number;
  severity: 'error' | 'warning';
  message: string;
}

export interface ImportedContract {
  id: string;
  /** Suggested file name: <id>.yaml */
  fileName: string;
  text: string;
  slas: string[];
}

export interface ImportResult {
  contracts: ImportedContract[];
  issues: ImportIssue[];
}

type Doc = Record<string, unknown>;
const ANN = 'obligo.dev/';
const DNS = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function obj(x: unknown): Doc | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Doc) : undefined;
}

function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : typeof x === 'number' ? String(x) : undefined;
}

/** A DNS label from any name: lowercase, [a-z0-9-], at most 63 characters. */
export function dnsLabel(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').replace(/-{2,}/g, '-').slice(0, 63).replace(/-+$/, '');
  return s || 'imported';
}

interface Located {
  file: string;
  doc: number;
  body: Doc;
}

interface SlaDraft {
  id: string;
  title: string;
  description?: string;
  objective: string;
  period: 'month' | 'quarter';
  sli: { good?: string; bad?: string; total: string } | null;
  method: 'events' | 'timeslices' | 'averaged';
  slice?: string;
  sliceGoodRatio?: string;
  minConsecutiveBadSlices?: string;
  noData?: string;
  todo: string[];
  timezone: string;
  termStart: string;
  termEnd?: string;
}

/** Fixed ranges [5m] → [{{.window}}] (subquery ranges [5m:1m] → [{{.window}}:]). */
export function templateRanges(q: string): { text: string; replaced: number } {
  let replaced = 0;
  const text = q.replace(/\[\s*\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*\s*(:\s*(?:\d+(?:ms|[smhdwy]))*\s*)?\]/g, (_m, sub: string | undefined) => {
    replaced++;
    return sub !== undefined ? '[{{.window}}:]' : '[{{.window}}]';
  });
  return { text, replaced };
}

/** A counter expression read as a rate over the slice: m{…} → sum(rate(m{…}[w])), sum(m{…}) → sum(rate(m{…}[w])). */
export function counterAsRate(q: string): string | null {
  const t = q.trim();
  const selector = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^{}]*\})?$/;
  if (selector.test(t)) return `sum(rate(${t}[{{.window}}]))`;
  const m = /^sum(\s+by\s*\([^)]*\))?\s*\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*(\{[^{}]*\})?)\s*\)$/.exec(t);
  if (m) return `sum${m[1] ?? ''}(rate(${m[2]}[{{.window}}]))`;
  return null;
}

function promQuery(source: unknown): { query?: string; problem?: string } {
  const ms = obj(obj(source)?.metricSource) ?? obj(source);
  if (!ms) return { problem: 'no metricSource' };
  const type = str(ms.type) ?? str(ms.source);
  if (!type || type.toLowerCase() !== 'prometheus') return { problem: `metric source type ${JSON.stringify(type ?? null)} is not Prometheus` };
  const spec = obj(ms.spec) ?? ms;
  const query = str(spec.query) ?? str(spec.promql);
  if (!query) return { problem: 'the Prometheus metric source has no spec.query' };
  return { query };
}

function percentOfTarget(o: Doc): string | undefined {
  if (o.targetPercent !== undefined) return new Decimal(String(o.targetPercent)).toFixed();
  if (o.target !== undefined) return new Decimal(String(o.target)).times(100).toFixed();
  return undefined;
}

/** OpenSLO timeSliceWindow: a duration string, or a bare number of minutes. */
function sliceOf(w: unknown): string | undefined {
  if (typeof w === 'number') return Number.isInteger(w) ? `${w}m` : `${Math.round(w * 60)}s`;
  if (typeof w === 'string') return /^\d+$/.test(w) ? `${w}m` : w;
  return undefined;
}

function yamlString(s: string): string {
  return JSON.stringify(s);
}

export function importOpenSlo(inputs: ReadonlyArray<{ file: string; text: string }>): ImportResult {
  const issues: ImportIssue[] = [];
  const slos: Located[] = [];
  const slis = new Map<string, Located>();
  const services = new Map<string, Located>();
  for (const { file, text } of inputs) {
    let docs;
    try {
      docs = parseAllDocuments(text, { prettyErrors: false });
    } catch (e) {
      issues.push({ file, doc: 0, severity: 'error', message: `not YAML: ${(e as Error).message}` });
      continue;
    }
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((d, i) => {
      if (d.errors.length > 0) {
        issues.push({ file, doc: i + 1, severity: 'error', message: `YAML error: ${d.errors[0]!.message}` });
        return;
      }
      const raw = d.toJS() as unknown;
      // A list of documents (as some OpenSLO examples are written) or one document.
      for (const body of Array.isArray(raw) ? raw : [raw]) {
        const b = obj(body);
        if (!b) continue;
        const api = str(b.apiVersion) ?? '';
        if (!api.startsWith('openslo/')) {
          issues.push({ file, doc: i + 1, severity: 'warning', message: `apiVersion ${JSON.stringify(api)} is not OpenSLO: skipped` });
          continue;
        }
        if (api !== 'openslo/v1') issues.push({ file, doc: i + 1, severity: 'warning', message: `${api}: read as openslo/v1` });
        const name = str(obj(b.metadata)?.name) ?? '';
        const kind = str(b.kind);
        const loc = { file, doc: i + 1, body: b };
        if (kind === 'SLO') slos.push(loc);
        else if (kind === 'SLI') slis.set(name, loc);
        else if (kind === 'Service') services.set(name, loc);
        else issues.push({ file, doc: i + 1, severity: 'warning', message: `kind ${kind ?? '(none)'} has nothing a contract needs: skipped` });
      }
    });
  }

  const groups = new Map<string, { title: string; drafts: SlaDraft[]; labels: Record<string, string> }>();
  for (const loc of slos) {
    const { file, doc, body } = loc;
    const md = obj(body.metadata) ?? {};
    const ann = (obj(md.annotations) ?? {}) as Record<string, unknown>;
    const spec = obj(body.spec) ?? {};
    const name = str(md.name) ?? `slo-${doc}`;
    const where = `SLO ${name}`;
    const err = (message: string) => issues.push({ file, doc, severity: 'error', message: `${where}: ${message}` });
    const warn = (message: string) => issues.push({ file, doc, severity: 'warning', message: `${where}: ${message}` });

    const windows = Array.isArray(spec.timeWindow) ? spec.timeWindow : Array.isArray(spec.timeWindows) ? spec.timeWindows : [];
    const w = obj(windows[0]);
    if (!w) {
      err('no timeWindow: skipped (a contract needs a calendar month or quarter)');
      continue;
    }
    if (w.isRolling === true) {
      err(`a rolling window (${str(w.duration) ?? '?'}) is not a contract period: skipped (contracts measure calendar months or quarters)`);
      continue;
    }
    const duration = str(w.duration) ?? (w.unit ? `${str(w.count) ?? '1'}${str(w.unit)}` : '');
    const period = /^(1M|1Month|1month|month)$/i.test(duration) ? 'month' : /^(1Q|3M|1Quarter|quarter|3Month)$/i.test(duration) ? 'quarter' : null;
    if (!period) {
      err(`calendar window ${JSON.stringify(duration)} is neither a month (1M) nor a quarter (1Q): skipped`);
      continue;
    }
    const cal = obj(w.calendar) ?? {};
    const timezone = str(ann[`${ANN}timezone`]) ?? str(cal.timeZone) ?? 'UTC';
    const start = str(ann[`${ANN}term-start`]) ?? (str(cal.startTime) ?? '').slice(0, 10);
    const termStart = /^\d{4}-\d{2}-\d{2}$/.test(start) ? start : 'TODO';

    const objectives = Array.isArray(spec.objectives) ? spec.objectives.map(obj).filter((x): x is Doc => x !== undefined) : [];
    if (objectives.length === 0) {
      err('no objectives: skipped');
      continue;
    }
    if (objectives.length > 1) warn(`${objectives.length} objectives: the first one is the contract objective, the others are left out`);
    const o = objectives[0]!;
    const objective = percentOfTarget(o);

    // The indicator: inline (spec.indicator, v1 {metadata, spec} or v1alpha flat) or by reference.
    let sliBody: Doc | undefined;
    let sliAnn: Record<string, unknown> = {};
    const inline = obj(spec.indicator);
    if (inline) {
      sliBody = obj(inline.spec) ?? inline;
      sliAnn = (obj(obj(inline.metadata)?.annotations) ?? {}) as Record<string, unknown>;
    } else if (str(spec.indicatorRef)) {
      const ref = slis.get(str(spec.indicatorRef)!);
      if (!ref) {
        err(`indicatorRef ${str(spec.indicatorRef)} names no SLI in the files given: skipped`);
        continue;
      }
      sliBody = obj(ref.body.spec);
      sliAnn = (obj(obj(ref.body.metadata)?.annotations) ?? {}) as Record<string, unknown>;
    }
    if (!sliBody) {
      err('no indicator: skipped');
      continue;
    }
    const budgeting = str(spec.budgetingMethod) ?? 'Occurrences';
    let method: SlaDraft['method'] = budgeting === 'Timeslices' ? 'timeslices' : budgeting === 'RatioTimeslices' ? 'averaged' : 'events';
    const todo: string[] = [];
    let sli: SlaDraft['sli'] = null;
    let sliceGoodRatio = o.timeSliceTarget !== undefined ? new Decimal(String(o.timeSliceTarget)).toFixed() : undefined;
    let slice = sliceOf(o.timeSliceWindow);
    const goodTemplate = str(sliAnn[`${ANN}good-template`]);
    const totalTemplate = str(sliAnn[`${ANN}total-template`]);
    const ratio = obj(sliBody.ratioMetric);
    const threshold = obj(sliBody.thresholdMetric);
    if (goodTemplate && totalTemplate) {
      sli = { good: goodTemplate, total: totalTemplate };
    } else if (ratio) {
      const counter = ratio.counter === true;
      const total = promQuery(ratio.total);
      const goodOrBad = ratio.good !== undefined ? 'good' : ratio.bad !== undefined ? 'bad' : null;
      const part = goodOrBad ? promQuery(ratio[goodOrBad]) : { problem: 'neither good nor bad' };
      if (total.problem || part.problem || !goodOrBad) {
        err(`ratioMetric: ${total.problem ?? part.problem}: skipped`);
        continue;
      }
      const convert = (q: string, what: string): string => {
        if (counter) {
          const r = counterAsRate(q);
          if (r) return r;
          todo.push(`${what}: the counter query ${q} is not a selector or a sum of one: write it as a rate over {{.window}}`);
          return `TODO ${q}`;
        }
        const r = templateRanges(q);
        if (r.replaced === 0) {
          todo.push(`${what}: the query ${q} has no range to read a slice with: write it with [{{.window}}]`);
          return `TODO ${q}`;
        }
        return r.text;
      };
      sli = { total: convert(total.query!, 'sli.total'), [goodOrBad]: convert(part.query!, `sli.${goodOrBad === 'bad' ? 'errors' : 'good'}`) } as SlaDraft['sli'];
    } else if (threshold) {
      const q = promQuery(threshold);
      if (q.problem) {
        err(`thresholdMetric: ${q.problem}: skipped`);
        continue;
      }
      const op = str(o.op);
      const value = str(o.value);
      const ops: Record<string, string> = { lt: '<', lte: '<=', gt: '>', gte: '>=' };
      if (!op || !ops[op] || value === undefined) {
        err('thresholdMetric needs the objective\'s op (lt, lte, gt, gte) and value: skipped');
        continue;
      }
      const worst = op.startsWith('l') ? 'max_over_time' : 'min_over_time';
      const inner = `${worst}((${q.query!.trim()})[{{.window}}:])`;
      sli = { good: `count(${inner} ${ops[op]} ${value})`, total: `count(${inner})` };
      if (method !== 'timeslices') warn(`a threshold metric is measured per slice: budgetingMethod ${budgeting} becomes timeslices`);
      method = 'timeslices';
      sliceGoodRatio = '1';
      slice = slice ?? '1m';
    } else {
      err('the indicator has neither ratioMetric nor thresholdMetric: skipped');
      continue;
    }
    const svc = str(spec.service) ?? 'imported';
    const contractId = str(ann[`${ANN}contract`]) ?? dnsLabel(svc);
    const slaId = str(ann[`${ANN}sla`]) ?? dnsLabel(name.startsWith(`${contractId}-`) ? name.slice(contractId.length + 1) : name);
    if (!DNS.test(slaId)) {
      err(`SLA id ${slaId} is not a DNS label: skipped`);
      continue;
    }
    const group = groups.get(contractId) ?? { title: str(obj(services.get(svc)?.body.metadata)?.displayName) ?? svc, drafts: [], labels: {} };
    const labels = obj(md.labels) as Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(labels ?? {})) if (typeof v === 'string' && !(k in group.labels)) group.labels[k] = v;
    if (group.drafts.some((d) => d.id === slaId)) {
      err(`a second SLO with SLA id ${slaId} in contract ${contractId}: skipped`);
      continue;
    }
    group.drafts.push({
      id: slaId,
      title: str(md.displayName) ?? name,
      description: str(spec.description),
      objective: objective ?? 'TODO',
      period,
      sli,
      method,
      slice: method === 'events' ? undefined : slice,
      sliceGoodRatio: method === 'timeslices' ? sliceGoodRatio : undefined,
      minConsecutiveBadSlices: str(ann[`${ANN}min-consecutive-bad-slices`]),
      noData: str(ann[`${ANN}no-data`]),
      todo,
      timezone,
      termStart,
      termEnd: str(ann[`${ANN}term-end`]),
    });
    groups.set(contractId, group);
  }

  const contracts: ImportedContract[] = [];
  for (const [id, g] of groups) {
    const zones = [...new Set(g.drafts.map((d) => d.timezone))];
    if (zones.length > 1) {
      issues.push({ file: '', doc: 0, severity: 'error', message: `contract ${id}: its SLOs are in different time zones (${zones.join(', ')}): one contract has one zone; split them` });
      continue;
    }
    const starts = g.drafts.map((d) => d.termStart).filter((s) => s !== 'TODO').sort();
    const ends = g.drafts.map((d) => d.termEnd).filter((s): s is string => s !== undefined).sort();
    contracts.push({ id, fileName: `${id}.yaml`, text: renderContract(id, g.title, g.labels, zones[0]!, starts[0] ?? 'TODO', ends[ends.length - 1], g.drafts), slas: g.drafts.map((d) => d.id) });
  }
  return { contracts, issues };
}

function renderContract(id: string, title: string, labels: Record<string, string>, timezone: string, termStart: string, termEnd: string | undefined, drafts: SlaDraft[]): string {
  const L: string[] = [
    `# Imported from OpenSLO by \`obligo import openslo\`. OpenSLO carries no commercial terms: every`,
    `# field whose value is TODO must be filled in; \`obligo validate\` reports each one until it is.`,
    'apiVersion: obligo.dev/v1',
    'kind: Contract',
    'metadata:',
    `  id: ${id}`,
    `  title: ${yamlString(title)}`,
  ];
  if (Object.keys(labels).length > 0) {
    L.push('  labels:');
    for (const [k, v] of Object.entries(labels).sort()) L.push(`    ${yamlString(k)}: ${yamlString(v)}`);
  }
  L.push(
    'role: TODO        # customer (we buy the service and claim credits) or provider (we sell it and pay them)',
    'parties:',
    '  vendor: TODO    # { name: "Vendor, Inc." }',
    '  customer: TODO  # { name: Example Corp }',
    'escalation: TODO  # [ { level: 1, name: Vendor NOC, email: noc@vendor.example, respondWithinMinutes: 15 } ]',
    `term: { start: ${termStart === 'TODO' ? 'TODO' : termStart}${termEnd ? `, end: ${termEnd}` : ''}, timezone: ${yamlString(timezone)} }${termStart === 'TODO' ? '  # TODO: first day of the contract, YYYY-MM-DD' : ''}`,
    'fees: { currency: TODO, monthly: TODO }   # ISO 4217 code and the monthly fee, e.g. { currency: USD, monthly: 10000 }',
    'slas:',
  );
  for (const d of drafts) {
    L.push(`  - id: ${d.id}`, `    title: ${yamlString(d.title)}`);
    if (d.description) L.push(`    description: ${yamlString(d.description)}`);
    L.push(`    objective: ${d.objective}`, `    period: ${d.period}`, '    sli:');
    const s = d.sli!;
    const q = (x: string) => (x.startsWith('TODO ') ? `TODO   # ${x.slice(5).replace(/\n/g, ' ')}` : yamlString(x));
    if (s.bad !== undefined) L.push(`      errors: ${q(s.bad)}`);
    else L.push(`      good: ${q(s.good!)}`);
    L.push(`      total: ${q(s.total)}`);
    for (const t of d.todo) L.push(`    # TODO ${t}`);
    const m: string[] = [`method: ${d.method}`];
    if (d.slice) m.push(`slice: ${d.slice}`);
    if (d.sliceGoodRatio !== undefined) m.push(`sliceGoodRatio: ${d.sliceGoodRatio}`);
    if (d.minConsecutiveBadSlices !== undefined) m.push(`minConsecutiveBadSlices: ${d.minConsecutiveBadSlices}`);
    if (d.noData !== undefined) m.push(`noData: ${d.noData}`);
    L.push(`    measurement: { ${m.join(', ')} }`);
    L.push('    credits: { tiers: TODO }   # e.g. [ { below: 99.9, percent: 10 }, { below: 99.0, percent: 25 } ]');
  }
  return L.join('\n') + '\n';
}
