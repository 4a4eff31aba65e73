import type { elasticsearch } from '@hactl/shared';
import { call, withNode } from './rest.js';

type Inputs = elasticsearch.ElasticsearchInputs;

/**
 * Before stopping a node (service-facts §4.7, the rolling-restart page): limit allocation to
 * primaries so the cluster does not start re-replicating the node's shards while it is away, and
 * flush so recovery after the restart is quick.
 */
export async function beforeElasticsearchRestart(inputs: Inputs, timeoutMs: number): Promise<void> {
  await withNode({ address: inputs.address, port: inputs.httpPort }, async (es) => {
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
  await withNode({ address: inputs.address, port: inputs.httpPort }, async (es) => {
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
