// A scriptable HTTP server on a real socket (127.0.0.1, random port) for client tests: records every
// request (method, path, parameters from the query string or form body, headers) and the peak number of
// requests in flight.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  params: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export type FakeHandler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Most requests that were being handled at the same time. */
  readonly maxInFlight: number;
  setHandler(h: FakeHandler): void;
  reset(): void;
  close(): Promise<void>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function success(data: unknown, extra: Record<string, unknown> = {}): unknown {
  return { status: 'success', data, ...extra };
}

export async function startFakeServer(initial?: FakeHandler): Promise<FakeServer> {
  let handler: FakeHandler = initial ?? ((_r, res) => sendJson(res, 404, { status: 'error', errorType: 'not_found', error: 'no handler' }));
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer(async (req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url ?? '/', 'http://x');
    const params = new URLSearchParams(u.search);
    if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(body)) params.append(k, v);
    }
    const rec: RecordedRequest = { method: req.method ?? 'GET', path: u.pathname, params, headers: req.headers, body };
    requests.push(rec);
    try {
      await handler(rec, res);
    } catch (e) {
      if (!res.headersSent) sendJson(res, 500, { status: 'error', errorType: 'internal', error: String(e) });
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    setHandler(h) {
      handler = h;
    },
    reset() {
      requests.length = 0;
      maxInFlight = 0;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
