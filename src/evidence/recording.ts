// Prometheus answers as evidence: a PromSource that records every query it passes on (the exact PromQL,
// its time range and step, and the raw points of the answer), and a PromSource that answers only from
// such a record. `obligo evidence` measures through the first; `obligo evidence verify` measures the
// same SLAs through the second, offline: the same code computes the amount from the same points.
import type { InstantAnswer, PromSource, RangeAnswer, RangeSeries } from '../measure/source.js';

export interface RecordedQuery {
  /** 1-based, in the order the answers arrived. */
  n: number;
  kind: 'range';
  query: string;
  /** Epoch ms of the first and last evaluation, and the step in seconds. */
  start: number;
  end: number;
  stepSeconds: number;
  warnings: string[];
  series: RangeSeries[];
}

export class EvidenceError extends Error {
  override name = 'EvidenceError';
}

const key = (query: string, start: number, end: number, step: number) => `${query}\u0000${start}\u0000${end}\u0000${step}`;

/** Passes every query on to `inner` and keeps the answers. Only range queries are expected. */
export class RecordingSource implements PromSource {
  readonly recorded: RecordedQuery[] = [];
  constructor(private readonly inner: PromSource) {}

  get url(): string {
    return this.inner.url;
  }

  get requests(): number {
    return this.inner.requests;
  }

  async instant(): Promise<InstantAnswer> {
    throw new EvidenceError('an evidence pack records range queries only (an instant query was asked)');
  }

  async range(expr: string, startMs: number, endMs: number, stepSeconds: number): Promise<RangeAnswer> {
    const a = await this.inner.range(expr, startMs, endMs, stepSeconds);
    this.recorded.push({
      n: this.recorded.length + 1,
      kind: 'range',
      query: expr,
      start: startMs,
      end: endMs,
      stepSeconds,
      warnings: [...a.warnings],
      series: a.series.map((s) => ({ labels: { ...s.labels }, points: s.points.map(([t, v]) => [t, v] as [number, number]) })),
    });
    return a;
  }
}

/** Answers from a record only; a query the record does not hold is an EvidenceError naming it. */
export class ReplaySource implements PromSource {
  readonly url = 'evidence-pack:';
  private asked = 0;
  private readonly answers = new Map<string, RecordedQuery>();
  readonly used = new Set<number>();

  constructor(records: readonly RecordedQuery[]) {
    for (const r of records) this.answers.set(key(r.query, r.start, r.end, r.stepSeconds), r);
  }

  get requests(): number {
    return this.asked;
  }

  async instant(expr: string): Promise<InstantAnswer> {
    throw new EvidenceError(`the pack holds no instant query (asked: ${expr})`);
  }

  async range(expr: string, startMs: number, endMs: number, stepSeconds: number): Promise<RangeAnswer> {
    this.asked++;
    const r = this.answers.get(key(expr, startMs, endMs, stepSeconds));
    if (!r) {
      throw new EvidenceError(
        `the pack holds no answer to ${expr} from ${new Date(startMs).toISOString()} to ${new Date(endMs).toISOString()} step ${stepSeconds}s`,
      );
    }
    this.used.add(r.n);
    return { series: r.series.map((s) => ({ labels: { ...s.labels }, points: s.points.map(([t, v]) => [t, v] as [number, number]) })), warnings: [...r.warnings] };
  }
}
