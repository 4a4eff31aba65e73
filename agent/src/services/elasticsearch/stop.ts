import { HactlError, elasticsearch as shared, type elasticsearch } from '@hactl/shared';
import { call, withNode } from './rest.js';

/**
 * Thrown when node N must not stop for a while because a shard's only started copy is on it: code
 * `conflict`, not retriable (replicas must be added or allocated first).
 */
export class ElasticsearchStopRefusedError extends HactlError {
  constructor(name: string, reasons: readonly string[]) {
    super('conflict', `${name} must not stop: ${reasons.join('; ')}`);
  }
}

/**
 * Before an operator's stop of a node that stays in the cluster (AgentServiceKind.beforeStop), with
 * the lease held: reads `_cat/shards` through the node itself and refuses when a shard's only
 * started copy is on it (`checkElasticsearchNodeStop`), since its data would be unavailable until
 * the node is back. Changes nothing on the cluster (unlike a restart's allocation setting, which is
 * restored after the restart; a stop has no "after"). Resolves with why it is safe.
 */
export async function beforeElasticsearchStop(
  inputs: elasticsearch.ElasticsearchInputs,
  timeoutMs: number,
): Promise<string> {
  if (!shared.holdsShards(inputs.roles)) return `${inputs.nodeName} holds no shards`;
  const body = await withNode({ address: inputs.address, port: inputs.httpPort }, (es) =>
    call(
      es,
      'GET',
      '/_cat/shards?format=json&h=index,shard,prirep,state,node',
      undefined,
      Math.min(timeoutMs, 30_000),
    ),
  );
  const c = shared.checkElasticsearchNodeStop(body, inputs.nodeName);
  if (!c.ok) throw new ElasticsearchStopRefusedError(inputs.nodeName, c.reasons);
  return c.reasons.join('; ');
}
