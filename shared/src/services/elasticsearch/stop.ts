import { capList } from '../../cap-list.js';
import { parseCatShards } from './removal.js';

/** Whether a node may stop for a while (`hactl stop`), with why. */
export interface NodeStopCheck {
  ok: boolean;
  /** One line per shard whose only started copy is on the node (at most 8, then a count), or why it is safe. */
  reasons: string[];
}

/** The node a `_cat/shards` copy is on now: a relocating copy (`<from> -> <ip> <id> <to>`) is still on its source. */
function nodeOf(node: string | null): string | undefined {
  return node === null ? undefined : node.split(' -> ')[0];
}

/**
 * Pure: whether node `name` may stop while it stays in the cluster (an operator's `hactl stop`),
 * from `GET /_cat/shards?format=json&h=index,shard,prirep,state,node` (every value a string,
 * service-facts §0.14): every shard with a copy on the node must keep a STARTED copy on another
 * node, or its data is unavailable until the node is back (an index with `number_of_replicas: 0` is
 * green and still lives on one node only, which the cluster-healthy gate cannot see). Throws on
 * another shape.
 */
export function checkElasticsearchNodeStop(body: unknown, name: string): NodeStopCheck {
  const rows = parseCatShards(body);
  const key = (r: { index: string; shard: string }) => `${r.index}[${r.shard}]`;
  const mine = new Set(rows.filter((r) => nodeOf(r.node) === name).map(key));
  const elsewhere = new Set(
    rows
      .filter((r) => r.state === 'STARTED' && nodeOf(r.node) !== undefined && nodeOf(r.node) !== name)
      .map(key),
  );
  const sole = [...mine].filter((k) => !elsewhere.has(k)).sort();
  if (!sole.length)
    return {
      ok: true,
      reasons: [`each of the ${mine.size} shard(s) on ${name} has a started copy on another node`],
    };
  return {
    ok: false,
    reasons: capList(
      sole.map((k) => `${k}: the only started copy is on ${name}`),
      8,
    ),
  };
}
