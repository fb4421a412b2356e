// The client in the shape measure/ consumes (its PromSource interface, matched structurally so this room
// does not depend on measure/): epoch-millisecond times, labels + value/points, a request counter.
import { PrometheusClient, type Labels } from './client.js';
import { PrometheusError } from './errors.js';

export interface ClientPromSource {
  readonly url: string;
  readonly requests: number;
  readonly client: PrometheusClient;
  instant(expr: string, timeMs: number): Promise<{ samples: Array<{ labels: Labels; value: number }>; warnings: string[] }>;
  range(expr: string, startMs: number, endMs: number, stepSeconds: number): Promise<{ series: Array<{ labels: Labels; points: Array<[number, number]> }>; warnings: string[] }>;
}

export function promSource(client: PrometheusClient): ClientPromSource {
  return {
    client,
    get url() {
      return client.url;
    },
    get requests() {
      return client.usage().requests;
    },
    async instant(expr, timeMs) {
      const { data, warnings } = await client.instant(expr, timeMs / 1000);
      const v = data.resultType === 'vector' ? data.result : data.resultType === 'scalar' ? [{ metric: {}, value: data.result }] : undefined;
      if (!v) throw new PrometheusError('bad_query', client.url, `expected an instant vector, got a ${data.resultType}`);
      return { samples: v.map((e) => ({ labels: e.metric, value: e.value.v })), warnings };
    },
    async range(expr, startMs, endMs, stepSeconds) {
      const r = await client.range(expr, startMs / 1000, endMs / 1000, stepSeconds);
      // Timestamps are float seconds; round back to the millisecond grid the query was on.
      return {
        series: r.series.map((s) => ({ labels: s.metric, points: s.values.map((p) => [Math.round(p.t * 1000), p.v] as [number, number]) })),
        warnings: r.warnings,
      };
    },
  };
}
