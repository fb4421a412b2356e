// Vitest fixture: a real Prometheus with synthetic traffic backfilled, started once per test file.
//
//   import { describeWithPrometheus } from '../helpers/prometheus.js';
//   describeWithPrometheus('availability over backfilled data', spec, (prom) => {
//     it('...', async () => { const client = new PrometheusClient({ url: prom.url }); ... prom.truth ... });
//   });
//
// When `prometheus` or `promtool` is missing the describe block is skipped, with the reason in its name.
import { afterAll, beforeAll, describe } from 'vitest';
import { checkPrometheusTools, startPrometheus, type RunningPrometheus, type StartPrometheusOptions } from '../../src/demo/prometheus-server.js';
import { generateTraffic, type GeneratedTraffic, type TrafficSpec, type TrafficTruth } from '../../src/demo/synthetic.js';

export const prometheusTools = checkPrometheusTools();
export const prometheusAvailable = prometheusTools.ok;
export const prometheusSkipReason = prometheusTools.ok ? undefined : `skipped: ${prometheusTools.reason}`;

export interface PrometheusFixture {
  /** Base URL of the running server (throws before beforeAll ran). */
  readonly url: string;
  readonly server: RunningPrometheus;
  readonly traffic: GeneratedTraffic;
  readonly truth: TrafficTruth;
}

export type FixtureOptions = Omit<StartPrometheusOptions, 'traffic'>;

/**
 * Registers beforeAll/afterAll in the current describe (or file) scope that generate `spec`, backfill it
 * and start Prometheus; returns a handle whose fields are valid inside tests. Call it only where the
 * tools are available (see `describeWithPrometheus`), or check `prometheusAvailable` yourself.
 */
export function withPrometheus(spec: TrafficSpec | (() => TrafficSpec), opts: FixtureOptions = {}): PrometheusFixture {
  let server: RunningPrometheus | undefined;
  let traffic: GeneratedTraffic | undefined;
  beforeAll(async () => {
    if (!prometheusAvailable) return;
    traffic = generateTraffic(typeof spec === 'function' ? spec() : spec);
    server = await startPrometheus({ ...opts, traffic });
  });
  afterAll(async () => {
    await server?.stop();
  });
  const need = <T,>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`Prometheus fixture: ${what} is not ready (used outside a test, or startup failed)`);
    return v;
  };
  return {
    get url() {
      return need(server, 'server').url;
    },
    get server() {
      return need(server, 'server');
    },
    get traffic() {
      return need(traffic, 'traffic');
    },
    get truth() {
      return need(traffic, 'traffic').truth;
    },
  };
}

/** `describe` that starts one Prometheus for its tests, or is skipped (reason in the title) without the tools. */
export function describeWithPrometheus(
  name: string,
  spec: TrafficSpec | (() => TrafficSpec),
  body: (prom: PrometheusFixture) => void,
  opts: FixtureOptions = {},
): void {
  if (!prometheusAvailable) {
    const unavailable = new Proxy({} as PrometheusFixture, {
      get: () => {
        throw new Error(`Prometheus fixture unavailable (${prometheusSkipReason})`);
      },
    });
    describe.skip(`${name} (${prometheusSkipReason})`, () => body(unavailable));
    return;
  }
  describe(name, () => {
    const prom = withPrometheus(spec, opts);
    body(prom);
  });
}
