// Vitest fixture: a real Prometheus with synthetic traffic backfilled, started once per test file.
//
//   import { describeWithPrometheus } from '../helpers/prometheus.js';
//   describeWithPrometheus('availability over backfilled data', spec, (prom) => {
//     it('...', async () => { const client = new PrometheusClient({ url: prom.url }); ... prom.truth ... });
//   });
//
// The tools are found with test/helpers/tools.ts (PATH, ~/go/bin, /usr/sbin, or OBLIGO_PROMETHEUS_BIN /
// OBLIGO_PROMTOOL_BIN). Missing outside CI: the describe block is skipped with the reason in its name.
// Missing under CI=true: importing this module throws, so the test file FAILS with the reason (CI
// installs Prometheus; a silent skip there would let a broken measurement pass).
import { afterAll, beforeAll, describe } from 'vitest';
import { startPrometheus, type RunningPrometheus, type StartPrometheusOptions } from '../../src/demo/prometheus-server.js';
import { generateTraffic, type GeneratedTraffic, type TrafficSpec, type TrafficTruth } from '../../src/demo/synthetic.js';
import { requireTool } from './tools.js';

const HINT = 'install the Debian package prometheus (server and promtool)';
const prometheusBin = requireTool('prometheus', [], HINT);
const promtoolBin = requireTool('promtool', [], HINT);

export const prometheusTools: { ok: boolean; prometheus?: string; promtool?: string; reason?: string } = {
  ok: prometheusBin.ok && promtoolBin.ok,
  prometheus: prometheusBin.path,
  promtool: promtoolBin.path,
  reason: [prometheusBin.reason, promtoolBin.reason].filter(Boolean).join('; ') || undefined,
};
export const prometheusAvailable = prometheusTools.ok;
/** `skipped: <reason>` when the tools are missing (outside CI), else undefined. */
export const prometheusSkipReason = prometheusTools.ok ? undefined : `skipped: ${prometheusTools.reason}`;
/** '' when available, else ` (skipped: <reason>)`: append to a describe/it title. */
export const prometheusSkipNote = prometheusSkipReason ? ` (${prometheusSkipReason})` : '';

export interface PrometheusFixture {
  /** Base URL of the running server (throws before beforeAll ran). */
  readonly url: string;
  readonly server: RunningPrometheus;
  readonly traffic: GeneratedTraffic;
  readonly truth: TrafficTruth;
}

export type FixtureOptions = Omit<StartPrometheusOptions, 'traffic'>;

/** Options for startPrometheus with the binaries found above (unless the caller names others). */
export function withTools<T extends FixtureOptions>(opts: T): T {
  return { prometheusBin: prometheusTools.prometheus, promtoolBin: prometheusTools.promtool, ...opts };
}

/**
 * Registers beforeAll/afterAll in the current describe (or file) scope that generate `spec`, backfill it
 * and start Prometheus; returns a handle whose fields are valid inside tests. Use it inside
 * `describe.skipIf(!prometheusAvailable)(… + prometheusSkipNote, …)` or through `describeWithPrometheus`:
 * called where the tools are missing, its beforeAll fails (it never passes silently).
 */
export function withPrometheus(spec: TrafficSpec | (() => TrafficSpec), opts: FixtureOptions = {}): PrometheusFixture {
  let server: RunningPrometheus | undefined;
  let traffic: GeneratedTraffic | undefined;
  beforeAll(async () => {
    if (!prometheusAvailable) throw new Error(`Prometheus fixture used without the tools (${prometheusTools.reason})`);
    traffic = generateTraffic(typeof spec === 'function' ? spec() : spec);
    server = await startPrometheus(withTools({ ...opts, traffic }));
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
    describe.skip(`${name}${prometheusSkipNote}`, () => body(unavailable));
    return;
  }
  describe(name, () => {
    const prom = withPrometheus(spec, opts);
    body(prom);
  });
}
