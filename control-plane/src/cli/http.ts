import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

/** One HTTP exchange as the CLI needs it: the whole body as text, both ways. */
export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** The request fails with a TimeoutError when the answer is not complete by then. */
  timeoutMs: number;
  /** A PEM file with the CA that signs an https server's certificate (--ca / HACTL_CA). */
  caFile?: string;
}

export interface HttpAnswer {
  status: number;
  statusText: string;
  body: string;
}

export type HttpClient = (req: HttpRequest) => Promise<HttpAnswer>;

/**
 * The CLI's HTTP client on node:http/https. Not fetch: Node's fetch is undici, whose first use
 * compiles a large bundle (measured 80-300 ms per hactl call on a busy 2-core machine, more than the
 * rest of the CLI). Sends `connection: close`, so no idle keep-alive socket holds the process open
 * after the answer. Errors keep Node's `code` (ECONNREFUSED, ENOTFOUND…); a timeout throws an
 * error named TimeoutError.
 */
export const nodeHttpClient: HttpClient = (req) =>
  new Promise((resolve, reject) => {
    const url = new URL(req.url);
    const lib = url.protocol === 'https:' ? https : http;
    const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
    const headers: Record<string, string | number> = { ...req.headers, connection: 'close' };
    if (body) headers['content-length'] = body.length;
    const ca = req.caFile ? fs.readFileSync(req.caFile, 'utf8') : undefined;
    const r = lib.request(url, { method: req.method, headers, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    r.setTimeout(req.timeoutMs, () =>
      r.destroy(Object.assign(new Error(`no answer within ${req.timeoutMs} ms`), { name: 'TimeoutError' })),
    );
    r.on('error', reject);
    r.end(body);
  });

/** A streamed answer: status and headers at once, the body as it arrives. */
export interface HttpStreamAnswer {
  status: number;
  statusText: string;
  headers: Record<string, string | undefined>;
  /** The body's text, chunk by chunk, until the server ends it. */
  body: AsyncIterable<string>;
  /** Ends the exchange early (the server sees the connection close). */
  close(): void;
}

/** Opens a GET whose body is read as it arrives (`hactl exec`, `hactl logs -f`). */
export type HttpStreamClient = (
  req: Omit<HttpRequest, 'body' | 'timeoutMs'> & { connectTimeoutMs: number },
) => Promise<HttpStreamAnswer>;

/**
 * The streaming half of the node:http client: no overall timeout (a follow runs until it is
 * closed), only one for the answer's headers. Same errors as nodeHttpClient.
 */
export const nodeHttpStreamClient: HttpStreamClient = (req) =>
  new Promise((resolve, reject) => {
    const url = new URL(req.url);
    const lib = url.protocol === 'https:' ? https : http;
    const ca = req.caFile ? fs.readFileSync(req.caFile, 'utf8') : undefined;
    const r = lib.request(url, { method: req.method, headers: req.headers, ...(ca ? { ca } : {}) }, (res) => {
      clearTimeout(timer);
      res.setEncoding('utf8');
      resolve({
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? '',
        headers: Object.fromEntries(
          Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]),
        ),
        body: res as AsyncIterable<string>,
        close: () => r.destroy(),
      });
    });
    const timer = setTimeout(
      () =>
        r.destroy(
          Object.assign(new Error(`no answer within ${req.connectTimeoutMs} ms`), { name: 'TimeoutError' }),
        ),
      req.connectTimeoutMs,
    );
    r.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    r.end();
  });
