import { z } from 'zod';

/**
 * The pure half of removing an Elasticsearch node for good (elastic docs "Add and remove nodes in
 * your cluster", "Cluster-level shard allocation filtering", "Voting configuration exclusions API"):
 * what the REST replies mean and what to send. The agent's removal.ts does the I/O.
 */

/** The persistent setting that drains a node: shards move off every node it names. */
export const EXCLUDE_NAME_SETTING = 'cluster.routing.allocation.exclude._name';

/** Whether a node with these roles holds shards (`data` or any `data_*` tier role). */
export const holdsShards = (roles: readonly string[]): boolean =>
  roles.some((r) => r === 'data' || r.startsWith('data_'));

const settingsSchema = z
  .object({
    persistent: z.record(z.string(), z.unknown()).default({}),
    transient: z.record(z.string(), z.unknown()).default({}),
  })
  .passthrough();

/**
 * `GET /_cluster/settings?flat_settings=true` → the node names in the persistent
 * `cluster.routing.allocation.exclude._name` (a comma-separated list, may hold wildcards) and in the
 * transient one (deprecated since 7.16, but an operator may have set it; it wins over persistent).
 * Throws on another shape.
 */
export function parseAllocationExcludes(body: unknown): { persistent: string[]; transient: string[] } {
  const s = settingsSchema.parse(body);
  const names = (v: unknown) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : [];
  return {
    persistent: names(s.persistent[EXCLUDE_NAME_SETTING]),
    transient: names(s.transient[EXCLUDE_NAME_SETTING]),
  };
}

/**
 * The new persistent value of `cluster.routing.allocation.exclude._name` with `node` added or
 * removed, other names kept in their order; null (= reset to the default, nothing excluded) when
 * none is left; `unchanged` when there is nothing to do.
 */
export function planExcludeNames(
  current: readonly string[],
  node: string,
  op: 'add' | 'remove',
): { value: string | null } | 'unchanged' {
  const has = current.includes(node);
  if ((op === 'add') === has) return 'unchanged';
  const next = op === 'add' ? [...current, node] : current.filter((n) => n !== node);
  return { value: next.length ? next.join(',') : null };
}

const catShardSchema = z.array(
  z
    .object({
      index: z.string(),
      shard: z.string(),
      prirep: z.string(),
      state: z.string(),
      node: z.string().nullable(),
    })
    .passthrough(),
);

/** One row of `GET /_cat/shards?format=json&h=index,shard,prirep,state,node`, values as strings. */
export type CatShardRow = z.infer<typeof catShardSchema>[number];

/** The rows of `_cat/shards` (format=json, h=index,shard,prirep,state,node). Throws on another shape. */
export function parseCatShards(body: unknown): CatShardRow[] {
  return catShardSchema.parse(body);
}

/** One shard copy on (or relocating from/to) a node, from `_cat/shards`. */
export interface ShardCopy {
  index: string;
  shard: number;
  primary: boolean;
  /** STARTED, RELOCATING, INITIALIZING or UNASSIGNED. */
  state: string;
}

/**
 * `GET /_cat/shards?format=json&h=index,shard,prirep,state,node` → the copies on node `name`. Every
 * value is a string (service-facts §0.14); `node` is null for an unassigned copy, and a relocating
 * copy reads `<from> -> <ip> <id> <to>` (RestShardsAction), so a copy relocating off or onto the
 * node counts for it. Throws on another shape.
 */
export function parseShardsOnNode(body: unknown, name: string): ShardCopy[] {
  return parseCatShards(body)
    .filter((r) => {
      if (r.node === null) return false;
      const [from, to] = r.node.split(' -> ');
      return from === name || (to !== undefined && to.split(' ').at(-1) === name);
    })
    .map((r) => ({ index: r.index, shard: Number(r.shard), primary: r.prirep === 'p', state: r.state }));
}

/** Where a drain stands: `done` (nothing left on the node, cluster not red), or `wait` with why. */
export interface DrainCheck {
  done: boolean;
  reason: string;
}

/**
 * Pure: whether node `name` is drained: it holds no shard copy (none started, initializing or
 * relocating on or off it) and the cluster is not red — a red cluster has an unassigned primary,
 * and a node holding nothing then may be the one that lost it, so the drain is not trusted until
 * the status recovers.
 */
export function checkDrained(
  status: 'green' | 'yellow' | 'red',
  name: string,
  copies: readonly ShardCopy[],
): DrainCheck {
  if (status === 'red')
    return { done: false, reason: `cluster is red; waiting before trusting the drain of ${name}` };
  if (copies.length) {
    const shown = copies
      .slice(0, 5)
      .map((c) => `${c.index}[${c.shard}]${c.primary ? 'p' : 'r'} ${c.state}`)
      .join(', ');
    return {
      done: false,
      reason: `${name} still holds ${copies.length} shard cop${copies.length === 1 ? 'y' : 'ies'}: ${shown}${copies.length > 5 ? ', …' : ''}`,
    };
  }
  return { done: true, reason: `${name} holds no shards; cluster ${status}` };
}

const coordinationSchema = z.object({
  metadata: z.object({
    cluster_coordination: z
      .object({
        term: z.number().int(),
        // filter_path leaves empty arrays out of the answer, so an absent list is an empty one.
        last_committed_config: z.array(z.string()).default([]),
        voting_config_exclusions: z
          .array(z.object({ node_id: z.string(), node_name: z.string() }).passthrough())
          .default([]),
      })
      .passthrough(),
  }),
});

/** The cluster's voting configuration and its exclusions. */
export interface VotingState {
  /** Node ids in the last committed voting configuration. */
  committed: string[];
  /** Excluded node names (`_absent_` for an exclusion added by id for an unknown node). */
  excluded: string[];
}

/**
 * `GET /_cluster/state/metadata?filter_path=metadata.cluster_coordination` → the committed voting
 * configuration (node ids) and the voting exclusions (CoordinationMetadata). Throws on another
 * shape.
 */
export function parseVotingState(body: unknown): VotingState {
  const c = coordinationSchema.parse(body).metadata.cluster_coordination;
  return {
    committed: c.last_committed_config,
    excluded: c.voting_config_exclusions.map((e) => e.node_name),
  };
}
