/**
 * The pure half of removing an Elasticsearch node (issue 10): which allocation exclusion to set
 * and whether the node still holds shards. The agent's pre-stop procedure
 * (agent/src/services/elasticsearch/remove.ts) does the I/O.
 */

/** Whether a node with these roles can hold shards (any data role: `data`, `data_*`). */
export const holdsShards = (roles: readonly string[]): boolean =>
  roles.some((r) => r === 'data' || r.startsWith('data_'));

/**
 * The `cluster.routing.allocation.exclude._name` value with `node` added to what is set now
 * (a comma-separated list, or absent), keeping other exclusions an operator set. Pure.
 */
export function addNameExclusion(current: string | null | undefined, node: string): string {
  const names = (current ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  return [...new Set([...names, node])].join(',');
}

/** One row of `GET /_cat/shards?format=json&h=index,shard,prirep,state,node` (values are strings or null). */
export interface CatShardRow {
  index?: string | null;
  shard?: string | null;
  prirep?: string | null;
  state?: string | null;
  node?: string | null;
}

/**
 * The shards still on `node` (any state: a relocating shard is listed on its source node), as
 * `index[shard]p|r` strings. Empty once the drain is done. Pure.
 */
export function shardsOnNode(rows: readonly CatShardRow[], node: string): string[] {
  return rows
    .filter((r) => r.node === node || (r.node ?? '').startsWith(`${node} ->`))
    .map((r) => `${r.index ?? '?'}[${r.shard ?? '?'}]${r.prirep ?? ''}`);
}
