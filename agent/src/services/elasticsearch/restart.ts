import type { elasticsearch } from '@hactl/shared';
import type { HttpNode } from '../http.js';
import { openElasticsearchHttp } from './probe.js';

type Inputs = elasticsearch.ElasticsearchInputs;

/** One request to the node; throws with the status and (start of the) body unless 2xx. */
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

/** Runs `fn` on connections to the node, closed afterwards. */
async function withNode<T>(inputs: Inputs, fn: (es: HttpNode) => Promise<T>): Promise<T> {
  const es = openElasticsearchHttp(inputs.address, inputs.httpPort);
  try {
    return await fn(es);
  } finally {
    es.close();
  }
}

/**
 * Before stopping a node (service-facts §4.7, the rolling-restart page): limit allocation to
 * primaries so the cluster does not start re-replicating the node's shards while it is away, and
 * flush so recovery after the restart is quick.
 */
export async function beforeElasticsearchRestart(inputs: Inputs, timeoutMs: number): Promise<void> {
  await withNode(inputs, async (es) => {
    await call(
      es,
      'PUT',
      '/_cluster/settings',
      { persistent: { 'cluster.routing.allocation.enable': 'primaries' } },
      timeoutMs,
    );
    await call(es, 'POST', '/_flush', undefined, timeoutMs);
  });
}

/**
 * After the node rejoined: restore allocation (null = the default, all) and wait for green before the
 * lease is released, so the next node only goes down once every replica is back.
 */
export async function afterElasticsearchRestart(inputs: Inputs, timeoutMs: number): Promise<void> {
  await withNode(inputs, async (es) => {
    await call(
      es,
      'PUT',
      '/_cluster/settings',
      { persistent: { 'cluster.routing.allocation.enable': null } },
      Math.min(timeoutMs, 30_000),
    );
    const end = Date.now() + timeoutMs;
    for (;;) {
      const res = await es
        .request(
          'GET',
          '/_cluster/health?wait_for_status=green&timeout=10s',
          undefined,
          AbortSignal.timeout(20_000),
        )
        .catch(() => undefined);
      // 200 = green reached; 408 = still not green after the server-side wait (service-facts §4.4).
      if (res?.status === 200 && (res.body as { status?: string } | undefined)?.status === 'green') return;
      if (Date.now() > end)
        throw new Error(`cluster not green ${timeoutMs} ms after restarting ${inputs.nodeName}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  });
}
