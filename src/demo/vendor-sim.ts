// A simulated vendor for the live demo and the end-to-end tests of `obligo serve`: an HTTP server whose
// /metrics (Prometheus text format) counts requests in real time, with an outage switch per service.
//   obligo_demo_requests_total{service, code="200"|"500"}   counter
// The counts advance with the clock at `requestsPerSecond`, a share `errorRatio` of them failing, so a
// Prometheus scraping every second sees a live service whose SLI can be broken and repaired at will.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REQUESTS_METRIC } from './synthetic.js';

export interface SimService {
  service: string;
  requestsPerSecond: number;
}

export interface VendorSimOptions {
  services: SimService[];
  /** 0 (default) picks a free port. */
  port?: number;
  now?: () => number;
}

export interface VendorSim {
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string;
  /** host:port, for a scrape config. */
  readonly target: string;
  /** Share of requests answered 500 from now on (0 = healthy, 1 = down). */
  setErrorRatio(service: string, ratio: number): void;
  /** Requests counted so far. */
  counts(service: string): { good: number; bad: number };
  close(): Promise<void>;
}

interface State {
  rps: number;
  errorRatio: number;
  good: number;
  bad: number;
  last: number;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export async function startVendorSim(opts: VendorSimOptions): Promise<VendorSim> {
  const now = opts.now ?? Date.now;
  const state = new Map<string, State>();
  for (const s of opts.services) state.set(s.service, { rps: s.requestsPerSecond, errorRatio: 0, good: 0, bad: 0, last: now() });
  const advance = () => {
    const t = now();
    for (const s of state.values()) {
      const n = (s.rps * Math.max(0, t - s.last)) / 1000;
      s.bad += n * s.errorRatio;
      s.good += n * (1 - s.errorRatio);
      s.last = t;
    }
  };
  const get = (service: string): State => {
    const s = state.get(service);
    if (!s) throw new Error(`no simulated service "${service}" (have ${[...state.keys()].join(', ')})`);
    return s;
  };
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    advance();
    const lines = [`# HELP ${REQUESTS_METRIC}_total Requests served by the simulated vendor.`, `# TYPE ${REQUESTS_METRIC}_total counter`];
    for (const [service, s] of state) {
      lines.push(`${REQUESTS_METRIC}_total{service="${escapeLabel(service)}",code="200"} ${s.good.toFixed(3)}`);
      lines.push(`${REQUESTS_METRIC}_total{service="${escapeLabel(service)}",code="500"} ${s.bad.toFixed(3)}`);
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(lines.join('\n') + '\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    target: `127.0.0.1:${port}`,
    setErrorRatio(service, ratio) {
      if (!(ratio >= 0 && ratio <= 1)) throw new RangeError(`error ratio must be in [0, 1], got ${ratio}`);
      advance();
      get(service).errorRatio = ratio;
    },
    counts(service) {
      advance();
      const s = get(service);
      return { good: s.good, bad: s.bad };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
