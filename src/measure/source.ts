// What measure/ needs of Prometheus: instant and range queries, with every HTTP request counted
// (benchmarks assert an upper bound per evaluation). Implemented over the prometheus/ room's client.

export interface InstantSample {
  labels: Record<string, string>;
  /** NaN/±Inf are passed through as numbers. */
  value: number;
}

export interface RangeSeries {
  labels: Record<string, string>;
  /** [epoch ms, value] in time order. */
  points: Array<[number, number]>;
}

export interface PromSource {
  /** Base URL, for evidence and error messages. */
  readonly url: string;
  instant(expr: string, timeMs: number): Promise<InstantSample[]>;
  /** Range query evaluated at start, start + step, … ≤ end (epoch ms; step in seconds). */
  range(expr: string, startMs: number, endMs: number, stepSeconds: number): Promise<RangeSeries[]>;
  /** HTTP requests made so far. */
  readonly requests: number;
}

/** Prometheus refuses range queries with more than 11,000 points per series. */
export const MAX_POINTS_PER_SERIES = 11_000;
