// A PromSource over a table of per-expression values, for unit tests of batching, chunking and the
// rollup/raw paths. It understands exactly the queries measure/ sends (label_replace-tagged `sum(...)`
// branches joined by `or`, and `sum by (L) (rate(m{L=~"a|b",…}[w]))` selector groups) and records
// every request, so tests can check both the answers and the requests. It is a stand-in for the
// Prometheus HTTP server, not for any obligo module.
import type { InstantAnswer, InstantSample, PromSource, RangeAnswer, RangeSeries } from '../../src/measure/source.js';

export type ValueFn = (tMs: number) => number | undefined;

export interface RecordedRequest {
  kind: 'instant' | 'range';
  branches: number;
  start: number;
  end: number;
  step: number;
}

/** Split `label_replace(sum(EXPR), "obligo_q", "ID", "", "")` branches out of a union query. */
export function parseBranches(query: string): Array<{ id: string; expr: string }> {
  const out: Array<{ id: string; expr: string }> = [];
  const head = /label_replace\((?:sum|max)\(/g;
  let found = head.exec(query);
  while (found) {
    const i = found.index;
    const headLength = found[0].length;
    let depth = 1;
    let j = i + headLength;
    for (; j < query.length && depth > 0; j++) {
      if (query[j] === '(') depth++;
      else if (query[j] === ')') depth--;
    }
    const expr = query.slice(i + headLength, j - 1);
    const m = /^, "obligo_q", "([^"]+)", "", ""\)/.exec(query.slice(j));
    if (!m) throw new Error(`table source: cannot parse branch tag after ${expr}`);
    out.push({ id: m[1]!, expr });
    head.lastIndex = j;
    found = head.exec(query);
  }
  return out;
}

/** Split on commas outside double quotes. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\') {
      cur += ch + (s[i + 1] ?? '');
      i++;
      continue;
    }
    if (ch === '"') q = !q;
    if (ch === ',' && !q) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

const SUM_OF = /^sum\((rate|increase)\(([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}\[(\w+)\]\)\)$/;
const SUM_BY = /^sum by \((\w+)\) \((rate|increase)\(([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}\[(\w+)\]\)\)$/;

/** The same selector sum written with its matchers in any order has one canonical key. */
function canonical(fn: string, metric: string, matchers: string[], window: string): string {
  return `${fn}|${metric}|${[...matchers].sort().join(',')}|${window}`;
}

/**
 * Values of an alternation regex written as a PromQL string: "a|b\\.c" → ['a', 'b.c'] (the query
 * carries each regex backslash doubled; only escaped literals are expected).
 */
function alternatives(literal: string): string[] {
  const re = literal.replace(/\\\\/g, '\\');
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < re.length; i++) {
    if (re[i] === '\\') {
      cur += re[i + 1] ?? '';
      i++;
    } else if (re[i] === '|') {
      out.push(cur);
      cur = '';
    } else cur += re[i];
  }
  out.push(cur);
  return out;
}

export class TableSource implements PromSource {
  readonly url = 'http://table.invalid';
  readonly log: RecordedRequest[] = [];
  private readonly byCanonical = new Map<string, ValueFn>();
  constructor(private readonly table: Map<string, ValueFn>) {
    for (const [k, f] of table) {
      const m = SUM_OF.exec(k);
      if (m) this.byCanonical.set(canonical(m[1]!, m[2]!, splitTop(m[3]!), m[4]!), f);
    }
  }

  /** `sum by (L) (fn(m{L=~"a|b",…}[w]))`: one series per value, labelled L=value. */
  private grouped(query: string): Array<{ labels: Record<string, string>; fn: ValueFn }> | undefined {
    const m = SUM_BY.exec(query);
    if (!m) return undefined;
    const [, label, fn, metric, body, window] = m as unknown as [string, string, string, string, string, string];
    const matchers = splitTop(body);
    const varying = matchers.find((x) => x.startsWith(`${label}=~"`));
    if (!varying) throw new Error(`table source: no ${label}=~ matcher in ${query}`);
    const others = matchers.filter((x) => x !== varying);
    const out: Array<{ labels: Record<string, string>; fn: ValueFn }> = [];
    for (const v of alternatives(varying.slice(label.length + 3, -1))) {
      const f = this.byCanonical.get(canonical(fn, metric, [`${label}="${v}"`, ...others], window));
      if (f) out.push({ labels: v === '' ? {} : { [label]: v }, fn: f });
    }
    return out;
  }

  get requests(): number {
    return this.log.length;
  }

  private value(expr: string, t: number): number | undefined {
    const f = this.table.get(expr);
    return f ? f(t) : undefined;
  }

  /** Warnings added to every answer (a partial response). */
  warnings: string[] = [];

  async instant(expr: string, timeMs: number): Promise<InstantAnswer> {
    return { samples: this.instantSamples(expr, timeMs), warnings: [...this.warnings] };
  }

  async range(expr: string, startMs: number, endMs: number, stepSeconds: number): Promise<RangeAnswer> {
    return { series: this.rangeSeries(expr, startMs, endMs, stepSeconds), warnings: [...this.warnings] };
  }

  private instantSamples(expr: string, timeMs: number): InstantSample[] {
    const grouped = this.grouped(expr);
    if (grouped) {
      this.log.push({ kind: 'instant', branches: 0, start: timeMs, end: timeMs, step: 0 });
      return grouped.flatMap((g) => {
        const v = g.fn(timeMs);
        return v === undefined ? [] : [{ labels: g.labels, value: v }];
      });
    }
    const branches = parseBranches(expr);
    this.log.push({ kind: 'instant', branches: branches.length, start: timeMs, end: timeMs, step: 0 });
    const out: InstantSample[] = [];
    for (const b of branches) {
      const v = this.value(b.expr, timeMs);
      if (v !== undefined) out.push({ labels: { obligo_q: b.id }, value: v });
    }
    return out;
  }

  private rangeSeries(expr: string, startMs: number, endMs: number, stepSeconds: number): RangeSeries[] {
    const grouped = this.grouped(expr);
    if (grouped) {
      this.log.push({ kind: 'range', branches: 0, start: startMs, end: endMs, step: stepSeconds });
      return grouped.flatMap((g) => {
        const points: Array<[number, number]> = [];
        for (let t = startMs; t <= endMs; t += stepSeconds * 1000) {
          const v = g.fn(t);
          if (v !== undefined) points.push([t, v]);
        }
        return points.length ? [{ labels: g.labels, points }] : [];
      });
    }
    const branches = parseBranches(expr);
    this.log.push({ kind: 'range', branches: branches.length, start: startMs, end: endMs, step: stepSeconds });
    const out: RangeSeries[] = [];
    for (const b of branches) {
      const points: Array<[number, number]> = [];
      for (let t = startMs; t <= endMs; t += stepSeconds * 1000) {
        const v = this.value(b.expr, t);
        if (v !== undefined) points.push([t, v]);
      }
      if (points.length) out.push({ labels: { obligo_q: b.id }, points });
    }
    return out;
  }
}
