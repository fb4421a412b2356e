// OpenSLO v1 output: one multi-document YAML file per contract with a Service per contract service, and
// an SLI plus an SLO per SLA. OpenSLO cannot say everything a contract says (consecutive bad slices,
// no-data handling, credits), so those travel as `obligo.dev/*` annotations; the SLO documents are an
// interchange view of the contract, not the measurement of record.
import { createHash } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { toYaml, type YamlValue } from './yaml-writer.js';
import type { Contract, Sla } from '../contract/model.js';
import { durationSeconds, renderWindow, WINDOW_PLACEHOLDER } from '../contract/model.js';
import type { Compiler, OutputFile } from './output.js';

export const OPENSLO_API_VERSION = 'openslo/v1';
const ANNOTATION_PREFIX = 'obligo.dev/';

/** The OpenSLO name rule every implementation must support (RFC 1123 label). */
export const OPENSLO_NAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Join DNS-label parts into a valid OpenSLO name. Contract and SLA ids are DNS labels already, but
 * joined they can exceed 63 characters: then keep a prefix and add 8 hex of a sha256 of the full name,
 * so that distinct inputs stay distinct and the result is stable.
 */
export function openSloName(...parts: string[]): string {
  const full = parts.join('-');
  if (full.length <= 63) return full;
  const digest = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, 54).replace(/-+$/, '')}-${digest}`;
}

/** Objective percent (99.95) as an OpenSLO target ratio (0.9995), computed in decimal to avoid 0.99950000000001. */
export function targetRatio(objectivePercent: number): number {
  return new Decimal(objectivePercent).div(100).toNumber();
}

/**
 * A ratio without binary-float noise: the model defaults sliceGoodRatio to objective/100 in floats
 * (99.9/100 = 0.9990000000000001); 15 significant digits give back the decimal that was meant.
 */
export function cleanRatio(x: number): number {
  return Number(x.toPrecision(15));
}

/**
 * A contract duration as an OpenSLO timeSliceWindow. OpenSLO's shorthand has no seconds unit; a bare
 * number means minutes. So 90s → "90s" is not allowed: 120s → "2m", 30s → 0.5 (minutes).
 */
export function openSloSliceWindow(d: string): string | number {
  if (!d.endsWith('s')) return d;
  const seconds = durationSeconds(d);
  return seconds % 60 === 0 ? `${seconds / 60}m` : seconds / 60;
}

const BUDGETING_METHOD = { events: 'Occurrences', timeslices: 'Timeslices', averaged: 'RatioTimeslices' } as const;

/**
 * Start of the first calendar period of the term, as OpenSLO's `calendar.startTime` (local time, no
 * zone; the zone is `calendar.timeZone`). Periods are calendar months/quarters in the contract's zone,
 * cut to the term, so the window starts at the period containing term.start, not at term.start.
 */
export function calendarStart(termStart: string, period: Sla['period']): string {
  const [y, m] = termStart.split('-').map(Number) as [number, number];
  const month = period === 'quarter' ? Math.floor((m - 1) / 3) * 3 + 1 : m;
  return `${y}-${String(month).padStart(2, '0')}-01 00:00:00`;
}

type Doc = Record<string, unknown>;

/** OpenSLO label keys: up to 63 characters, alphanumeric at both ends, "-", "_", "." inside. */
export const OPENSLO_LABEL_KEY_RE = /^[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?$/;

/** Contract labels whose keys OpenSLO accepts; SLA labels may use any key, those others are left out. */
export function openSloLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => OPENSLO_LABEL_KEY_RE.test(k)));
}

function metadata(name: string, displayName: string | undefined, labels: Record<string, string>, annotations: Record<string, string>): Doc {
  const md: Doc = { name };
  if (displayName) md.displayName = displayName;
  const valid = openSloLabels(labels);
  if (Object.keys(valid).length > 0) md.labels = valid;
  if (Object.keys(annotations).length > 0) md.annotations = annotations;
  return md;
}

function serviceName(c: Contract, sla: Sla): string {
  return sla.service ? openSloName(c.id, sla.service) : openSloName(c.id);
}

/** A Service per declared contract service, plus one named after the contract for SLAs without a service. */
function serviceDocs(c: Contract): Doc[] {
  const declared = new Map((c.doc.services ?? []).map((s) => [s.id, s.name]));
  const docs = new Map<string, Doc>();
  const add = (name: string, displayName: string) => {
    if (docs.has(name)) return;
    docs.set(name, {
      apiVersion: OPENSLO_API_VERSION,
      kind: 'Service',
      metadata: metadata(name, displayName, c.labels, { [`${ANNOTATION_PREFIX}contract`]: c.id }),
      spec: { description: truncate(`${c.role === 'customer' ? 'Vendor' : 'Provider'}: ${c.vendor}; customer: ${c.customer}`) },
    });
  };
  for (const [id, name] of declared) add(openSloName(c.id, id), `${c.title}: ${name}`);
  for (const sla of c.slas) if (!sla.service || !declared.has(sla.service)) add(serviceName(c, sla), sla.service ? `${c.title}: ${sla.service}` : c.title);
  return [...docs.entries()].sort(([a], [b]) => cmp(a, b)).map(([, d]) => d);
}

/**
 * Prometheus queries are instant queries over the measurement's own window (the slice; 1m for events),
 * so each returns a per-second rate rather than a counter: hence `counter: false`. The `{{.window}}`
 * templates are kept as annotations for tools that render their own windows (Sloth does).
 */
function sliDoc(c: Contract, sla: Sla): Doc {
  const window = sla.measurement.slice;
  const source = (q: string) => ({ metricSource: { type: 'Prometheus', spec: { query: renderWindow(q, window) } } });
  const annotations: Record<string, string> = {
    [`${ANNOTATION_PREFIX}contract`]: c.id,
    [`${ANNOTATION_PREFIX}sla`]: sla.id,
    [`${ANNOTATION_PREFIX}query-window`]: window,
    [`${ANNOTATION_PREFIX}good-template`]: sla.sli.good,
    [`${ANNOTATION_PREFIX}total-template`]: sla.sli.total,
    [`${ANNOTATION_PREFIX}sli-kind`]: sla.sli.kind,
  };
  return {
    apiVersion: OPENSLO_API_VERSION,
    kind: 'SLI',
    metadata: metadata(openSloName(c.id, sla.id, 'sli'), sla.title, sla.labels, annotations),
    spec: {
      description: truncate(`SLI of ${sla.key}: good/total, PromQL with ${WINDOW_PLACEHOLDER} = ${window}`),
      ratioMetric: { counter: false, good: source(sla.sli.good), total: source(sla.sli.total) },
    },
  };
}

function objective(sla: Sla): Doc {
  const o: Doc = { displayName: `Contract objective ${sla.objective}%`, target: targetRatio(sla.objective) };
  const m = sla.measurement;
  if (m.method === 'timeslices') {
    o.timeSliceTarget = cleanRatio(m.sliceGoodRatio);
    o.timeSliceWindow = openSloSliceWindow(m.slice);
  } else if (m.method === 'averaged') {
    o.timeSliceWindow = openSloSliceWindow(m.slice);
  }
  return o;
}

function sloDoc(c: Contract, sla: Sla): Doc {
  const m = sla.measurement;
  const annotations: Record<string, string> = {
    [`${ANNOTATION_PREFIX}contract`]: c.id,
    [`${ANNOTATION_PREFIX}sla`]: sla.id,
    [`${ANNOTATION_PREFIX}source`]: c.file,
    [`${ANNOTATION_PREFIX}source-sha256`]: c.hash,
    [`${ANNOTATION_PREFIX}measurement-method`]: m.method,
    [`${ANNOTATION_PREFIX}no-data`]: m.noData,
    [`${ANNOTATION_PREFIX}term-start`]: c.termStart,
  };
  if (m.method === 'timeslices') annotations[`${ANNOTATION_PREFIX}min-consecutive-bad-slices`] = String(m.minConsecutiveBadSlices);
  if (c.termEnd) annotations[`${ANNOTATION_PREFIX}term-end`] = c.termEnd;
  if (c.maintenance.length > 0) annotations[`${ANNOTATION_PREFIX}maintenance-windows`] = String(c.maintenance.length);
  return {
    apiVersion: OPENSLO_API_VERSION,
    kind: 'SLO',
    metadata: metadata(openSloName(c.id, sla.id), sla.title, sla.labels, annotations),
    spec: {
      description: truncate(sla.description ?? `${sla.title} (${c.title})`),
      service: serviceName(c, sla),
      indicatorRef: openSloName(c.id, sla.id, 'sli'),
      timeWindow: [
        {
          duration: sla.period === 'quarter' ? '1Q' : '1M',
          isRolling: false,
          calendar: { startTime: calendarStart(c.termStart, sla.period), timeZone: c.timezone },
        },
      ],
      budgetingMethod: BUDGETING_METHOD[m.method],
      objectives: [objective(sla)],
    },
  };
}

/** OpenSLO caps descriptions at 1050 characters. */
function truncate(s: string): string {
  return s.length <= 1050 ? s : `${s.slice(0, 1049)}…`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The documents of one contract, in a fixed order: Services, then per SLA (sorted by id) its SLI and SLO. */
export function openSloDocuments(c: Contract): Doc[] {
  const slas = [...c.slas].sort((a, b) => cmp(a.id, b.id));
  return [...serviceDocs(c), ...slas.flatMap((sla) => [sliDoc(c, sla), sloDoc(c, sla)])];
}

/**
 * Serialised with YAML 1.1 quoting rules so that values such as 2026-01-01 or "yes" stay strings for
 * YAML 1.1 readers too (Go's yaml packages, which most OpenSLO tools use); keys sorted for stable output.
 */
export function renderOpenSloFile(c: Contract): string {
  const file = c.file.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const header = `# generated by obligo from ${file} (sha256 ${c.hash}) — do not edit\n`;
  const body = openSloDocuments(c)
    .map((d) => `---\n${toYaml(sortKeysDeep(d) as { [key: string]: YamlValue })}`)
    .join('');
  return header + body;
}

export const compileOpenSlo: Compiler = (contracts) => {
  const files: OutputFile[] = [...contracts]
    .sort((a, b) => cmp(a.id, b.id))
    .map((c) => ({ path: `openslo/${c.id}.yaml`, content: renderOpenSloFile(c) }));
  return files;
};

/** Keys sorted at every level, so the output does not depend on the order fields were set in. */
function sortKeysDeep(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortKeysDeep);
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x).sort()) {
      const v = (x as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeysDeep(v);
    }
    return out;
  }
  return x;
}
