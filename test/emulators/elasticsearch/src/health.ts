import { canContainData } from './roles.js';
import type { ClusterState } from './cluster-state.js';

export type HealthStatus = 'green' | 'yellow' | 'red';

export interface ClusterHealth {
  cluster_name: string;
  status: HealthStatus;
  timed_out: boolean;
  number_of_nodes: number;
  number_of_data_nodes: number;
  active_primary_shards: number;
  active_shards: number;
  relocating_shards: number;
  initializing_shards: number;
  unassigned_shards: number;
  unassigned_primary_shards: number;
  delayed_unassigned_shards: number;
  number_of_pending_tasks: number;
  number_of_in_flight_fetch: number;
  task_max_waiting_in_queue_millis: number;
  active_shards_percent_as_number: number;
}

export const STATUS_RANK: Record<HealthStatus, number> = { green: 0, yellow: 1, red: 2 };

/**
 * `_cluster/health` from the routing table (ClusterStateHealth): green = every copy started,
 * yellow = every primary started but not every replica, red = a primary unassigned (service-facts 4.4).
 * `unassigned_primary_shards` is present because the emulated version is 8.17 (8.16+). Pure.
 */
export function computeHealth(state: ClusterState): ClusterHealth {
  let status: HealthStatus = 'green';
  let activePrimary = 0;
  let active = 0;
  let initializing = 0;
  let total = 0;
  let unassignedPrimary = 0;
  let delayed = 0;
  for (const meta of Object.values(state.metadata.indices)) {
    const shards = state.routing[meta.name] ?? [];
    for (let sid = 0; sid < meta.numberOfShards; sid++) {
      const shard = shards[sid] ?? { copies: [], delayed: [] };
      const copies = meta.numberOfReplicas + 1;
      total += copies;
      const started = shard.copies.filter((c) => c.state === 'STARTED');
      const init = shard.copies.filter((c) => c.state === 'INITIALIZING');
      active += started.length;
      initializing += init.length;
      const primary = shard.copies.find((c) => c.primary);
      let shardStatus: HealthStatus;
      if (!primary || primary.state !== 'STARTED') {
        shardStatus = 'red';
        if (!primary) unassignedPrimary++;
      } else {
        activePrimary++;
        shardStatus = started.length >= copies ? 'green' : 'yellow';
      }
      const unassigned = Math.max(0, copies - shard.copies.length);
      delayed += Math.min(unassigned, shard.delayed.length);
      if (STATUS_RANK[shardStatus] > STATUS_RANK[status]) status = shardStatus;
    }
  }
  const nodes = Object.values(state.nodes);
  return {
    cluster_name: state.clusterName,
    status,
    timed_out: false,
    number_of_nodes: nodes.length,
    number_of_data_nodes: nodes.filter((n) => canContainData(n.roles)).length,
    active_primary_shards: activePrimary,
    active_shards: active,
    relocating_shards: 0,
    initializing_shards: initializing,
    unassigned_shards: total - active - initializing,
    unassigned_primary_shards: unassignedPrimary,
    delayed_unassigned_shards: delayed,
    number_of_pending_tasks: 0,
    number_of_in_flight_fetch: 0,
    task_max_waiting_in_queue_millis: 0,
    active_shards_percent_as_number: total === 0 ? 100.0 : (active / total) * 100,
  };
}

/** Per-index status, as `_cat/indices` shows it. */
export function indexStatus(state: ClusterState, index: string): HealthStatus {
  const meta = state.metadata.indices[index];
  if (!meta) return 'red';
  let status: HealthStatus = 'green';
  const shards = state.routing[index] ?? [];
  for (let sid = 0; sid < meta.numberOfShards; sid++) {
    const shard = shards[sid] ?? { copies: [], delayed: [] };
    const primary = shard.copies.find((c) => c.primary && c.state === 'STARTED');
    const started = shard.copies.filter((c) => c.state === 'STARTED').length;
    const s: HealthStatus = !primary ? 'red' : started >= meta.numberOfReplicas + 1 ? 'green' : 'yellow';
    if (STATUS_RANK[s] > STATUS_RANK[status]) status = s;
  }
  return status;
}

/** `wait_for_nodes`: `N`, `>=N`, `<=N`, `>N`, `<N`, `ge(N)`, `le(N)`, `gt(N)`, `lt(N)`. */
export function nodesConditionMet(expr: string, count: number): boolean {
  const m = /^(>=|<=|>|<|ge\(|le\(|gt\(|lt\()?\s*(\d+)\)?$/.exec(expr.trim());
  if (!m) throw new Error(`cannot parse wait_for_nodes value [${expr}]`);
  const n = Number(m[2]);
  switch (m[1]) {
    case '>=':
    case 'ge(':
      return count >= n;
    case '<=':
    case 'le(':
      return count <= n;
    case '>':
    case 'gt(':
      return count > n;
    case '<':
    case 'lt(':
      return count < n;
    default:
      return count === n;
  }
}
