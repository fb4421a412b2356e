// A fault-injecting HTTP proxy for tests: a real server on 127.0.0.1 (ephemeral port) that forwards to a
// real Prometheus (or any HTTP server) and damages answers the way Thanos, Mimir and flaky networks do.
//
//   const proxy = await startFaultProxy({ target: prom.url });
//   const client = new PrometheusClient({ url: proxy.url });      // the code under test talks to the proxy
//   proxy.setFaults([{ kind: 'status', status: 503, retryAfter: '1', times: 1 }]);  // replaces active faults
//   proxy.setFaults([]);                                             // transparent again
//   proxy.log;       // every request: { method, path, query, start, end, step, time, params, headers, status,
//                    //                  seriesIn, seriesOut, faults, forwarded, bytesOut, at }
//   await proxy.idle();  // no request in flight (a streamed huge body noticed the client hung up)
//   await proxy.close();
//
// Faults (each may have `when: (q) => boolean`, default: every request; `times` where given bounds how often
// the fault fires, counted over requests it matched; the counter restarts at each setFaults):
//   drop-series  remove series for which `series(labels, q)` is true from vector/matrix answers (and label
//                sets from /api/v1/series answers). `onlyBatched` (default true): only from answers that hold
//                ≥ 2 series, so a query for that series alone still gets it (how a partial Thanos store
//                answer looks to a batched query, while a re-query per series succeeds).
//   drop-points  range answers: drop the points of the 'first' half [start, mid) or the 'second' half
//                [mid, end] of the query's range (mid = (start + end) / 2); series left empty are removed.
//                Instant answers: every sample dropped (an empty vector).
//   warnings     add `"warnings": [...]` to a success answer (kept with the upstream's own warnings).
//   edit         `edit(answer, q)` returns the JSON to send instead (any change: `0x10` values, …).
//   status       answer `status` without asking the upstream, with `Retry-After: retryAfter` if given and
//                `body` (default: a plain-text gateway page) — e.g. 503 once, 429 always.
//   reset        destroy the socket: before any byte (default), or after `afterBytes` bytes of the upstream's
//                answer (headers and a body prefix went out, then the connection dies mid-body).
//   huge-body    a 200 OK success answer of `bytes` bytes, streamed in chunks with backpressure (never
//                buffered), a valid JSON prefix that never closes; `declareLength` sends Content-Length.
//   redirect     answer `status` (default 302) with `Location: location` (a string or a function of q).
//   delay        wait `ms` before handling the request (then the other faults apply).
// Faults that answer by themselves (status, reset without afterBytes, huge-body, redirect) are tried in
// list order and the first that fires wins; answer edits (drop-series, drop-points, warnings, edit) apply
// in list order to the upstream's JSON.
//
// The proxy forwards methods, bodies and headers (auth, tenants) except hop-by-hop ones, asks the upstream
// without compression (no Accept-Encoding) so it can edit JSON, passes answers through byte for byte
// unless a fault changed them, and handles many concurrent requests (keep-alive agent without a cap).
import { Agent as HttpAgent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** A request as the faults see it: parameters from the query string and from a form body. */
export interface ProxiedQuery {
  method: string;
  /** Path of the request as received, without the query string, e.g. /api/v1/query_range. */
  path: string;
  /** PromQL (`query`), or the `match[]` selectors joined with ', ' for series/labels requests. */
  query?: string;
  /** Seconds, when the request has them. */
  start?: number;
  end?: number;
  step?: number;
  time?: number;
  params: URLSearchParams;
  headers: IncomingHttpHeaders;
}

type When = (q: ProxiedQuery) => boolean;
type Labels = Record<string, string>;

export type Fault =
  | { kind: 'drop-series'; when?: When; series: (labels: Labels, q: ProxiedQuery) => boolean; onlyBatched?: boolean; times?: number }
  | { kind: 'drop-points'; when?: When; half: 'first' | 'second'; times?: number }
  | { kind: 'warnings'; when?: When; warnings: string[]; times?: number }
  | { kind: 'edit'; when?: When; edit: (answer: any, q: ProxiedQuery) => unknown; times?: number }
  | { kind: 'status'; when?: When; status: number; retryAfter?: string; times?: number; body?: string; contentType?: string }
  | { kind: 'reset'; when?: When; times?: number; afterBytes?: number }
  | { kind: 'huge-body'; when?: When; bytes: number; declareLength?: boolean; times?: number }
  | { kind: 'redirect'; when?: When; location: string | ((q: ProxiedQuery) => string); status?: 301 | 302 | 303 | 307 | 308; times?: number }
  | { kind: 'delay'; when?: When; ms: number; times?: number };

export interface ProxyLogEntry {
  method: string;
  path: string;
  query?: string;
  /** Seconds, parsed as in ProxiedQuery. */
  start?: number;
  end?: number;
  step?: number;
  time?: number;
  params: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Status sent to the client (0 when the socket was destroyed before a status went out). */
  status: number;
  /** Series (or label sets) in the upstream's answer, and in what was sent; undefined when not such an answer. */
  seriesIn?: number;
  seriesOut?: number;
  /** Kinds of the faults that fired on this request, in order. */
  faults: string[];
  /** Whether the request was forwarded to the upstream. */
  forwarded: boolean;
  /** Body bytes handed to the client's socket (a huge-body stops early when the client goes away). */
  bytesOut: number;
  /** Epoch ms when the request arrived. */
  at: number;
}

export interface FaultProxy {
  /** e.g. http://127.0.0.1:40123 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly log: ProxyLogEntry[];
  /** Most requests handled at the same time. */
  readonly maxInFlight: number;
  setFaults(faults: Fault[]): void;
  clearLog(): void;
  /** Resolves once no request is being handled (e.g. a huge-body noticed that the client hung up). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** Upstream base URL; a path prefix is prepended to every forwarded path. */
  target: string;
  faults?: Fault[];
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'accept-encoding', 'content-length']);
const SELF_ANSWERING = new Set(['status', 'huge-body', 'redirect']);

function num(v: string | null): number | undefined {
  if (v === null || v.trim() === '') return undefined;
  const n = Number(v);
  if (Number.isFinite(n)) return n;
  const d = Date.parse(v); // Prometheus also accepts RFC 3339 times
  return Number.isNaN(d) ? undefined : d / 1000;
}

function parseQuery(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer): ProxiedQuery {
  const u = new URL(url, 'http://proxy');
  const params = new URLSearchParams(u.search);
  if ((headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.append(k, v);
  }
  const match = params.getAll('match[]');
  return {
    method,
    path: u.pathname,
    query: params.get('query') ?? (match.length ? match.join(', ') : undefined),
    start: num(params.get('start')),
    end: num(params.get('end')),
    step: num(params.get('step')),
    time: num(params.get('time')),
    params,
    headers,
  };
}

/** The series of an answer: [array holder, key] for vector/matrix results and /api/v1/series data. */
function seriesArray(answer: any): any[] | undefined {
  if (!answer || answer.status !== 'success') return undefined;
  const d = answer.data;
  if (Array.isArray(d) && d.every((x) => x && typeof x === 'object' && !Array.isArray(x))) return d; // /api/v1/series
  if (d && (d.resultType === 'vector' || d.resultType === 'matrix') && Array.isArray(d.result)) return d.result;
  return undefined;
}

function setSeries(answer: any, series: any[]): void {
  if (Array.isArray(answer.data)) answer.data = series;
  else answer.data.result = series;
}

function labelsOf(s: any): Labels {
  return s && typeof s === 'object' && s.metric && typeof s.metric === 'object' ? s.metric : s;
}

function applyEdit(f: Fault, answer: any, q: ProxiedQuery): any {
  switch (f.kind) {
    case 'drop-series': {
      const series = seriesArray(answer);
      if (!series) return answer;
      if ((f.onlyBatched ?? true) && series.length < 2) return answer;
      setSeries(answer, series.filter((s) => !f.series(labelsOf(s), q)));
      return answer;
    }
    case 'drop-points': {
      const d = answer?.status === 'success' ? answer.data : undefined;
      if (!d) return answer;
      const isRange = q.start !== undefined && q.end !== undefined && q.step !== undefined;
      if (d.resultType === 'vector') d.result = [];
      else if (d.resultType === 'matrix' && Array.isArray(d.result)) {
        if (!isRange) d.result = [];
        else {
          const mid = (q.start! + q.end!) / 2;
          const keep = (t: number) => (f.half === 'first' ? t >= mid : t < mid);
          for (const s of d.result) {
            if (Array.isArray(s.values)) s.values = s.values.filter((p: [number, string]) => keep(p[0]));
            if (Array.isArray(s.histograms)) s.histograms = s.histograms.filter((p: [number, unknown]) => keep(p[0]));
          }
          d.result = d.result.filter((s: any) => (s.values?.length ?? 0) + (s.histograms?.length ?? 0) > 0);
        }
      }
      return answer;
    }
    case 'warnings':
      if (answer?.status !== 'success') return answer;
      answer.warnings = [...(Array.isArray(answer.warnings) ? answer.warnings : []), ...f.warnings];
      return answer;
    case 'edit':
      return f.edit(answer, q);
    default:
      return answer;
  }
}

/** Streams `bytes` bytes of a JSON prefix of a vector answer that never closes, respecting backpressure. */
async function streamHugeBody(res: ServerResponse, bytes: number, declareLength: boolean, progress: (sent: number) => void): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(bytes) } : {}) });
  const head = Buffer.from('{"status":"success","data":{"resultType":"vector","result":[');
  let element = '';
  for (let i = 0; element.length < 64 * 1024; i++) element += `{"metric":{"__name__":"huge","i":"${i}"},"value":[1700000000,"1"]},`;
  const chunk = Buffer.from(element);
  let sent = 0;
  const write = (b: Buffer): Promise<void> | undefined => {
    sent += b.length;
    progress(sent);
    if (res.write(b)) return undefined;
    return new Promise((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  };
  await write(head.subarray(0, Math.min(head.length, bytes)));
  while (sent < bytes && !res.destroyed) {
    const wait = write(chunk.subarray(0, Math.min(chunk.length, bytes - sent)));
    if (wait) await wait;
  }
  if (!res.destroyed) res.end();
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  const prefix = target.pathname.replace(/\/+$/, '');
  const isHttps = target.protocol === 'https:';
  const agent = isHttps ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const doRequest = isHttps ? httpsRequest : httpRequest;
  let faults: Array<{ fault: Fault; fired: number }> = [];
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let maxInFlight = 0;
  let idleWaiters: Array<() => void> = [];

  const setFaults = (list: Fault[]) => {
    faults = list.map((fault) => ({ fault, fired: 0 }));
  };
  setFaults(opts.faults ?? []);

  /** Whether the fault fires on q (and counts it). */
  const fires = (slot: { fault: Fault; fired: number }, q: ProxiedQuery): boolean => {
    const f = slot.fault;
    if (f.when && !f.when(q)) return false;
    const times = 'times' in f && f.times !== undefined ? f.times : Infinity;
    if (slot.fired >= times) return false;
    slot.fired++;
    return true;
  };

  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers: OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
      headers['host'] = target.host;
      if (body.length || req.method === 'POST' || req.method === 'PUT') headers['content-length'] = String(body.length);
      const up = doRequest(
        { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: `${prefix}${req.url ?? '/'}`, headers, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      up.on('error', reject);
      up.end(body);
    });

  const server = createServer(async (req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let counted = true;
    const done = () => {
      if (counted) inFlight--;
      counted = false;
      if (inFlight === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const w of waiters) w();
      }
    };
    res.on('close', done);
    const at = Date.now();
    const chunks: Buffer[] = [];
    try {
      for await (const c of req) chunks.push(c as Buffer);
    } catch {
      done();
      return;
    }
    const reqBody = Buffer.concat(chunks);
    const method = req.method ?? 'GET';
    const q = parseQuery(method, req.url ?? '/', req.headers, reqBody);
    const entry: ProxyLogEntry = { method, path: q.path, query: q.query, start: q.start, end: q.end, step: q.step, time: q.time, params: q.params, headers: req.headers, status: 0, faults: [], forwarded: false, bytesOut: 0, at };
    log.push(entry);
    const active = faults; // faults set while this request runs do not change it halfway

    try {
      for (const slot of active) {
        if (slot.fault.kind === 'delay' && fires(slot, q)) {
          entry.faults.push('delay');
          await new Promise((r) => setTimeout(r, (slot.fault as { ms: number }).ms));
        }
      }
      for (const slot of active) {
        const f = slot.fault;
        const selfAnswering = SELF_ANSWERING.has(f.kind) || (f.kind === 'reset' && f.afterBytes === undefined);
        if (!selfAnswering || !fires(slot, q)) continue;
        entry.faults.push(f.kind);
        switch (f.kind) {
          case 'reset':
            req.socket.destroy();
            return;
          case 'status': {
            const headers: Record<string, string> = { 'content-type': f.contentType ?? 'text/plain; charset=utf-8' };
            if (f.retryAfter !== undefined) headers['retry-after'] = f.retryAfter;
            entry.status = f.status;
            res.writeHead(f.status, headers);
            res.end(f.body ?? `fault-proxy: injected HTTP ${f.status}\n`);
            return;
          }
          case 'redirect': {
            const status = f.status ?? 302;
            entry.status = status;
            res.writeHead(status, { location: typeof f.location === 'function' ? f.location(q) : f.location, 'content-type': 'text/plain' });
            res.end('redirected\n');
            return;
          }
          case 'huge-body':
            entry.status = 200;
            await streamHugeBody(res, f.bytes, f.declareLength ?? false, (sent) => (entry.bytesOut = sent));
            return;
        }
      }

      const up = await forward(req, reqBody);
      entry.forwarded = true;
      let out = up.body;
      const headers: OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(up.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
      const edits = active.filter((s) => ['drop-series', 'drop-points', 'warnings', 'edit'].includes(s.fault.kind));
      let answer: any;
      if ((up.headers['content-type'] ?? '').includes('json')) {
        try {
          answer = JSON.parse(up.body.toString('utf8'));
          entry.seriesIn = seriesArray(answer)?.length;
        } catch {
          answer = undefined;
        }
      }
      if (answer !== undefined) {
        let changed = false;
        for (const slot of edits) {
          if (!fires(slot, q)) continue;
          entry.faults.push(slot.fault.kind);
          answer = applyEdit(slot.fault, answer, q);
          changed = true;
        }
        entry.seriesOut = seriesArray(answer)?.length;
        if (changed) out = Buffer.from(JSON.stringify(answer));
      }
      headers['content-length'] = String(out.length);
      const cut = active.find((s) => s.fault.kind === 'reset' && s.fault.afterBytes !== undefined && fires(s, q));
      entry.status = up.status;
      res.writeHead(up.status, headers);
      if (cut) {
        entry.faults.push('reset');
        const n = Math.min((cut.fault as { afterBytes: number }).afterBytes, Math.max(0, out.length - 1));
        entry.bytesOut = n;
        res.write(out.subarray(0, n), () => setImmediate(() => req.socket.destroy()));
        return;
      }
      entry.bytesOut = out.length;
      res.end(out);
    } catch (e) {
      if (!res.headersSent) {
        entry.status = 502;
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`fault-proxy: upstream failed: ${(e as Error).message}\n`);
      } else {
        res.destroy();
      }
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    get maxInFlight() {
      return maxInFlight;
    },
    setFaults,
    clearLog() {
      log.length = 0;
      maxInFlight = inFlight;
    },
    idle() {
      return inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => idleWaiters.push(r));
    },
    async close() {
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * A fault proxy in front of `target.url` for the tests of one describe block: started before them,
 * transparent again (faults and log cleared) after each, closed after all. Returns its getter.
 */
export function useFaultProxy(target: { url: string }): () => FaultProxy {
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    proxy = await startFaultProxy({ target: target.url });
  });
  afterAll(async () => {
    await proxy?.close();
  });
  afterEach(() => {
    proxy?.setFaults([]);
    proxy?.clearLog();
  });
  return () => {
    if (!proxy) throw new Error('useFaultProxy: the proxy is not started (used outside the tests of its describe block)');
    return proxy;
  };
}
