// What measure/ needs of Prometheus: instant and range queries, with every HTTP request counted
// (benchmarks assert an upper bound per evaluation) and the answer's warnings passed on (a partial
// response from Thanos, Mimir or Cortex makes every result built from that answer incomplete).
// Implemented over the prometheus/ room's client.

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

export interface InstantAnswer {
  samples: InstantSample[];
  /** Prometheus `warnings` of the answer (empty when complete). */
  warnings: string[];
}

export interface RangeAnswer {
  series: RangeSeries[];
  /** Prometheus `warnings` of the answer (of any of its chunks). */
  warnings: string[];
}

export interface PromSource {
  /** Base URL, for evidence and error messages. */
  readonly url: string;
  instant(expr: string, timeMs: number): Promise<InstantAnswer>;
  /** Range query evaluated at start, start + step, … ≤ end (epoch ms; step in seconds). */
  range(expr: string, startMs: number, endMs: number, stepSeconds: number): Promise<RangeAnswer>;
  /** HTTP requests made so far. */
  readonly requests: number;
}

/** Prometheus refuses range queries with more than 11,000 points per series. */
export const MAX_POINTS_PER_SERIES = 11_000;
