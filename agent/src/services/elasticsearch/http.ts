import http from 'node:http';

/**
 * HTTP to one Elasticsearch node on `node:http`, for the handful of REST calls the agent makes
 * (probe: `GET /`, `_cluster/health`, `_cat/nodes`; restart: `_cluster/settings`, `_flush`).
 *
 * Neither the official client nor `fetch`: @elastic/elasticsearch suits applications (retries,
 * sniffing, node pools, typed APIs for hundreds of endpoints) but costs an agent that makes three
 * GETs per interval ~17-19 MB RSS on every Elasticsearch host, and Node 20's `fetch` loads undici
 * on first use, another ~8-15 MB (measured next to grpc-js; `node:http` ~2 MB). A keep-alive
 * `http.Agent` per node also gives what undici's global pool does not: connections kept across
 * the 5 s probe interval (undici closes idle ones after 4 s) and closed with the prober.
 *
 * Plain `application/json` carries no `compatible-with` version (service-facts §4.3a), so 7.x, 8.x
 * and 9.x servers all answer in their own format, which for these endpoints is the same.
 */

/** `http://<address>:<port>` with IPv6 addresses bracketed. */
export function nodeUrl(address: string, port: number): string {
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/** An HTTP answer of any status; `body` is the parsed JSON, undefined when empty or not JSON. */
export interface EsAnswer {
  status: number;
  body: unknown;
  /** Why `body` is undefined although the answer had one (bad JSON). */
  parseError?: string;
}

/** One node's HTTP endpoint; requests reject only when no HTTP answer arrived (refused, reset, aborted). */
export interface EsHttp {
  request(method: string, path: string, body: unknown, signal: AbortSignal): Promise<EsAnswer>;
  /** Closes its kept-alive connections. */
  close(): void;
}

/** A larger answer is cut off: `_cat/nodes` of a 1,000-node cluster is ~100 KB. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

function parse(text: string): Pick<EsAnswer, 'body' | 'parseError'> {
  if (text === '') return { body: undefined };
  try {
    return { body: JSON.parse(text) as unknown };
  } catch (err) {
    return { body: undefined, parseError: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Opens nothing yet: connections open on the first request and stay (keep-alive, at most two: the
 * probe sends `_cluster/health` and `_cat/nodes` together) until the server closes them or close().
 */
export function openElasticsearchHttp(address: string, port: number): EsHttp {
  const base = nodeUrl(address, port);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  return {
    request: (method, path, body, signal) =>
      new Promise<EsAnswer>((resolve, reject) => {
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
