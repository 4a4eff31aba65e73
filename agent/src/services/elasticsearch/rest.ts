import type { HttpNode } from '../http.js';
import { openElasticsearchHttp } from './probe.js';

/**
 * One REST call for the restart and removal procedures: resolves with the JSON body of a 2xx
 * answer; rejects with method, path, status and the start of the error body otherwise, or when the
 * body is not JSON.
 */
export async function call(
  es: HttpNode,
  method: string,
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<unknown> {
  const res = await es.request(method, path, body, AbortSignal.timeout(timeoutMs));
  if (res.status < 200 || res.status >= 300)
    throw new Error(
      `${method} ${path}: HTTP ${res.status} ${JSON.stringify(res.body ?? null).slice(0, 300)}`,
    );
  if (res.parseError) throw new Error(`${method} ${path}: bad JSON: ${res.parseError}`);
  return res.body;
}

/** Runs `fn` on connections to `address:port`, closed afterwards. */
export async function withNode<T>(
  node: { address: string; port: number },
  fn: (es: HttpNode) => Promise<T>,
): Promise<T> {
  const es = openElasticsearchHttp(node.address, node.port);
  try {
    return await fn(es);
  } finally {
    es.close();
  }
}
