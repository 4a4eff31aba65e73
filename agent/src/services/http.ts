import http from 'node:http';

/**
 * JSON over HTTP to one service endpoint on `node:http`, for the few REST calls probes make
 * (Elasticsearch: `GET /`, `_cluster/health`, `_cat/nodes`, the restart hooks; the Storm UI's
 * summaries).
 *
 * Not `fetch`: Node 20 loads undici on its first use, ~8-15 MB RSS next to grpc-js (node:http is
 * already loaded by grpc-js), and undici's global pool closes idle connections after 4 s, so none
 * would survive the 5 s probe interval. A keep-alive `http.Agent` per endpoint keeps them, and
 * closes them with the prober. Not a service's official client either (see elasticsearch/probe.ts).
 */

/** `http://<address>:<port>` with IPv6 addresses bracketed. */
export function nodeUrl(address: string, port: number): string {
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/** An HTTP answer of any status; `body` is the parsed JSON, undefined when empty or not JSON. */
export interface HttpAnswer {
  status: number;
  body: unknown;
  /** Why `body` is undefined although the answer had one (bad JSON). */
  parseError?: string;
}

/** One HTTP endpoint; requests reject only when no HTTP answer arrived (refused, reset, aborted). */
export interface HttpNode {
  request(method: string, path: string, body: unknown, signal: AbortSignal): Promise<HttpAnswer>;
  /** Closes its kept-alive connections. */
  close(): void;
}

/** A larger answer is cut off: Elasticsearch's `_cat/nodes` of a 1,000-node cluster is ~100 KB. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

function parse(text: string): Pick<HttpAnswer, 'body' | 'parseError'> {
  if (text === '') return { body: undefined };
  try {
    return { body: JSON.parse(text) as unknown };
  } catch (err) {
    return { body: undefined, parseError: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Opens nothing yet: connections open on the first request and stay (keep-alive, at most
 * `maxSockets`: as many as a probe sends at once) until the server closes them or close().
 */
export function openHttpNode(address: string, port: number, maxSockets: number): HttpNode {
  const base = nodeUrl(address, port);
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    request: (method, path, body, signal) =>
      new Promise<HttpAnswer>((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const req = http.request(
          new URL(path, base),
          {
            method,
            agent,
            signal,
            headers: {
              accept: 'application/json',
              ...(payload === undefined
                ? {}
                : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size > MAX_ANSWER_BYTES)
                req.destroy(new Error(`${method} ${path}: answer over ${MAX_ANSWER_BYTES} bytes`));
              else chunks.push(chunk);
            });
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, ...parse(Buffer.concat(chunks).toString('utf8')) }),
            );
            res.on('error', reject);
            res.on('close', () => {
              if (!res.complete) reject(new Error(`${method} ${path}: connection closed mid-answer`));
            });
          },
        );
        req.on('error', reject);
        req.end(payload);
      }),
    close: () => agent.destroy(),
  };
}

/** The first line of an error's message, cause included (`connect ECONNREFUSED 127.0.0.1:9200`). */
export function noAnswerMessage(err: unknown, signal: AbortSignal, timeoutMs: number): string {
  if (signal.aborted) return `no answer within ${timeoutMs} ms`;
  const e = err as { message?: string; code?: string };
  return (e.message ?? String(err)).split('\n')[0]!.slice(0, 500);
}
