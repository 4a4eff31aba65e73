import { elasticsearch } from '@hactl/shared';
import type { HttpNode } from '../http.js';
import { openElasticsearchHttp } from './probe.js';
import { call } from './restart.js';

type Inputs = elasticsearch.ElasticsearchInputs;

/**
 * Before a removed Elasticsearch node is stopped (issue 10; run by the agent under the node's lease,
 * sync/lease-remove.ts), through the node's own HTTP port:
 * - a node that holds shards is drained: its name is added to
 *   `cluster.routing.allocation.exclude._name` (keeping other exclusions) and the procedure waits
 *   until `_cat/shards` lists no shard on it and the cluster is green, so every shard has all its
 *   copies elsewhere before the node goes ("Cluster-level shard allocation filtering", the
 *   decommissioning recipe);
 * - a master-eligible node is excluded from the voting configuration
 *   (`POST /_cluster/voting_config_exclusions?node_names=`), which returns once the master has
 *   moved the node out of the configuration (an elected master steps down), so stopping it cannot
 *   cost the cluster its voting majority ("Voting configuration exclusions").
 * `force` changes nothing here: a drain that cannot finish (no room elsewhere) fails after
 * `timeoutMs` and the node keeps running.
 *
 * Not done: the exclusions are left set after the node has gone (the API docs say to clear voting
 * exclusions once the node left, `DELETE /_cluster/voting_config_exclusions`); that needs another
 * node's HTTP address, which a member's inputs do not carry.
 */
export async function beforeElasticsearchRemove(
  inputs: Inputs,
  o: { force: boolean; timeoutMs: number },
  open: (address: string, port: number) => HttpNode = openElasticsearchHttp,
): Promise<string> {
  const es = open(inputs.address, inputs.httpPort);
  const notes: string[] = [];
  try {
    const name = inputs.nodeName;
    if (elasticsearch.holdsShards(inputs.roles)) {
      const settings = (await call(
        es,
        'GET',
        '/_cluster/settings?flat_settings=true',
        undefined,
        30_000,
      )) as {
        persistent?: Record<string, string | undefined>;
      };
      const key = 'cluster.routing.allocation.exclude._name';
      const value = elasticsearch.addNameExclusion(settings.persistent?.[key], name);
      await call(es, 'PUT', '/_cluster/settings', { persistent: { [key]: value } }, 30_000);
      const end = Date.now() + o.timeoutMs;
      for (;;) {
        const rows = (await call(
          es,
          'GET',
          '/_cat/shards?format=json&h=index,shard,prirep,state,node',
          undefined,
          30_000,
        )) as elasticsearch.CatShardRow[];
        const left = elasticsearch.shardsOnNode(rows, name);
        const health = (await es.request('GET', '/_cluster/health', undefined, AbortSignal.timeout(30_000)))
          .body as { status?: string } | undefined;
        if (left.length === 0 && health?.status === 'green') break;
        if (Date.now() > end)
          throw new Error(
            `drain of ${name} not finished after ${o.timeoutMs} ms: ${left.length} shard(s) still on it (${left.slice(0, 10).join(', ')}), cluster ${health?.status ?? 'unknown'}; the node keeps running`,
          );
        await new Promise((r) => setTimeout(r, 1000));
      }
      notes.push(`drained (${key}=${value}, no shard left on ${name}, green)`);
    }
    if (elasticsearch.isMasterEligible(inputs.roles)) {
      const timeout = `${Math.max(1, Math.floor(Math.min(o.timeoutMs, 120_000) / 1000))}s`;
      await call(
        es,
        'POST',
        `/_cluster/voting_config_exclusions?node_names=${encodeURIComponent(name)}&timeout=${timeout}`,
        undefined,
        Math.min(o.timeoutMs, 120_000) + 10_000,
      );
      notes.push(`excluded from the voting configuration`);
    }
  } finally {
    es.close();
  }
  return notes.join('; ');
}
