// The client in the shape measure/ consumes (its PromSource interface, matched structurally so this room
// does not depend on measure/): epoch-millisecond times, labels + value/points, a request counter.
import { PrometheusClient, type Labels } from './client.js';

export interface ClientPromSource {
  readonly url: string;
  readonly requests: number;
  readonly client: PrometheusClient;
  instant(expr: string, timeMs: number): Promise<Array<{ labels: Labels; value: number }>>;
  range(expr: string, startMs: number, endMs: number, stepSeconds: number): Promise<Array<{ labels: Labels; points: Array<[number, number]> }>>;
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
      const v = await client.vector(expr, timeMs / 1000);
      return v.map((e) => ({ labels: e.metric, value: e.value.v }));
    },
    async range(expr, startMs, endMs, stepSeconds) {
      const r = await client.range(expr, startMs / 1000, endMs / 1000, stepSeconds);
      // Timestamps are float seconds; round back to the millisecond grid the query was on.
      return r.series.map((s) => ({ labels: s.metric, points: s.values.map((p) => [Math.round(p.t * 1000), p.v] as [number, number]) }));
    },
  };
}
