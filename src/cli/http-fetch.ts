// The part of fetch that PrometheusClient uses, over node:http/https: for `obligo gate`, a process per CI
// job, where Node's fetch costs more than the rest of the command's own work (its first call loads and
// initialises undici and compiles its HTTP parser, WebAssembly: about 100 ms of CPU on the build machine,
// bench/gate-e2e.ts). PrometheusClient takes it as its `fetch` option; every policy (timeouts, retries,
// redirects within the origin, the size limit, error classes) stays in the client.
//
// What it does as Node's fetch does, so that the client sees the same answers and errors: the same default
// request headers (accept-encoding gzip/deflate, user-agent node…), bodies decoded by content-encoding
// (gzip, deflate, br) with the header kept, redirects returned as they are (`redirect: 'manual'`, the only
// mode the client uses), a body for every answer, a string body sent with its Content-Length, the fetch
// spec's "bad ports" refused, failures as TypeError('fetch failed', { cause }) with the socket's error
// code as cause (ECONNREFUSED, ENOTFOUND, certificate errors…), a connection closed mid-answer as
// UND_ERR_SOCKET as undici names it, and an abort rejecting with the signal's reason, also mid-body.
// Not done (the client does not ask for them): other redirect modes, Request objects, streamed request
// bodies, HTTP/2, undici's 300 s header and body timeouts (the client's own deadline applies).
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { PassThrough, Readable, type Duplex } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** Ports a fetch refuses (https://fetch.spec.whatwg.org/#port-blocking), as undici does. */
const BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123,
  135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993,
  995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** The request headers Node's fetch adds when the caller has not set them. */
const DEFAULT_HEADERS: Record<string, string> = {
  accept: '*/*',
  'accept-language': '*',
  'sec-fetch-mode': 'cors',
  'user-agent': 'node',
  'accept-encoding': 'gzip, deflate',
};

/** A code on the error, as undici puts one on the cause of "fetch failed". */
class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

function failed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

/** Response headers as the client reads them: get(name) → value (repeated headers joined), or null. */
class ResponseHeaders {
  constructor(private readonly raw: IncomingMessage['headers']) {}

  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    if (v === undefined) return null;
    return Array.isArray(v) ? v.join(', ') : v;
  }

  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
}

/**
 * A request's error as undici reports it: a connection closed without an answer is "socket hang up" for
 * node and "other side closed" (UND_ERR_SOCKET) for undici; a TLS failure that node's https reports from
 * its first write (EPROTO, OpenSSL's text in the message) has OpenSSL's reason as code with undici, which
 * writes after the handshake (ERR_SSL_WRONG_VERSION_NUMBER…).
 */
function sameAsUndici(e: NodeJS.ErrnoException): Error {
  if (e.code === 'ECONNRESET' && e.message === 'socket hang up') return new TransportError('other side closed', 'UND_ERR_SOCKET');
  const ssl = e.code === 'EPROTO' ? /:SSL routines:[^:]*:([^:]+):/.exec(e.message) : null;
  if (ssl) return new TransportError(e.message.replace(/^write EPROTO /, ''), `ERR_SSL_${ssl[1]!.trim().toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`);
  return e;
}

function decoder(encoding: string | undefined): Duplex | undefined {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

/** `fetch(url, init)` for PrometheusClient over node:http (https loaded only for https URLs). */
export async function nodeHttpFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  const signal = init.signal ?? undefined;
  if (signal?.aborted) throw signal.reason;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw failed(new Error(`unsupported protocol ${url.protocol}`));
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (BAD_PORTS.has(port)) throw failed(new Error('bad port'));
  if (url.username || url.password) throw new TypeError(`Request cannot be constructed from a URL that includes credentials: ${url.href}`);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries((init.headers ?? {}) as Record<string, string>)) headers[k.toLowerCase()] = String(v);
  for (const [k, v] of Object.entries(DEFAULT_HEADERS)) headers[k] ??= v;
  const body = typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : undefined;
  if (init.body !== undefined && init.body !== null && body === undefined) throw new TypeError('nodeHttpFetch: only string bodies are supported');
  if (body) headers['content-length'] = String(body.length);
  const request = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  const method = (init.method ?? 'GET').toUpperCase();

  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    let res: IncomingMessage | undefined;
    let stream: Readable | undefined;
    const onAbort = () => {
      const reason = signal!.reason as Error;
      req.destroy(reason);
      stream?.destroy(reason);
      if (!settled) {
        settled = true;
        reject(reason);
      }
    };
    const req = request(url, { method, headers }, (r) => {
      res = r;
      // A connection that closes before the answer's end, as undici reports it.
      let done = false;
      r.once('end', () => (done = true));
      const closedEarly = () => {
        if (!done && !signal?.aborted) stream?.destroy(failed(new TransportError('other side closed', 'UND_ERR_SOCKET')));
      };
      r.once('aborted', closedEarly);
      r.once('close', closedEarly);
      r.once('error', (e: NodeJS.ErrnoException) => {
        if (signal?.aborted) return stream?.destroy(signal.reason as Error);
        // cut off mid-answer: node says "aborted" (ECONNRESET), undici "other side closed"
        stream?.destroy(failed(e.code === 'ECONNRESET' ? new TransportError('other side closed', 'UND_ERR_SOCKET') : e));
      });
      // The answer's bytes go through a stream of our own (a decoder, or a PassThrough), so that its errors
      // are the ones set above, whatever the socket's error was.
      const out: Duplex = decoder(r.headers['content-encoding']) ?? new PassThrough();
      out.once('close', () => {
        if (!r.readableEnded) r.destroy(); // cancelled (the size limit) or failed: stop reading the socket
      });
      r.pipe(out);
      stream = out;
      const status = r.statusCode ?? 0;
      settled = true;
      resolve({
        status,
        statusText: r.statusMessage ?? '',
        ok: status >= 200 && status <= 299,
        redirected: false,
        url: url.href,
        headers: new ResponseHeaders(r.headers),
        body: webStream(out),
      } as unknown as Response);
    });
    req.once('error', (e: NodeJS.ErrnoException) => {
      const err = sameAsUndici(e);
      if (settled) {
        if (!res) return;
        stream?.destroy(failed(err));
        return;
      }
      settled = true;
      reject(signal?.aborted ? signal.reason : failed(err));
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    req.once('close', () => {
      if (!res) signal?.removeEventListener('abort', onAbort);
    });
    req.end(body);
  });
}

/**
 * The answer's bytes as a web stream. Not `Readable.toWeb`: in Node 20, once its web side is cancelled
 * (the client's size limit), bytes the node stream had already buffered are still enqueued on the closed
 * controller, and the TypeError (ERR_INVALID_STATE) thrown in a 'data' listener is uncaught.
 */
function webStream(out: Readable): ReadableStream<Uint8Array> {
  let finished = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      out.on('data', (chunk: Buffer) => {
        if (finished) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) out.pause();
      });
      out.once('end', () => {
        if (finished) return;
        finished = true;
        controller.close();
      });
      out.once('error', (e) => {
        if (finished) return;
        finished = true;
        controller.error(e);
      });
      out.once('close', () => {
        // destroyed without an error and before its end: the reader must not wait for ever
        if (finished) return;
        finished = true;
        controller.error(new TypeError('terminated'));
      });
    },
    pull() {
      out.resume();
    },
    cancel() {
      finished = true;
      out.destroy();
    },
  });
}
