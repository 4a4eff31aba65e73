import { canContainData } from './roles.js';
import type { ClusterState, ShutdownRecord } from './cluster-state.js';

type Status = 'NOT_STARTED' | 'IN_PROGRESS' | 'STALLED' | 'COMPLETE';

/**
 * One entry of `GET /_nodes/shutdown` (service-facts 4.8; TransportGetShutdownStatusAction): RESTART
 * completes at once; REMOVE/REPLACE complete once no shard copy remains on the node, stall when a
 * copy has nowhere to go, and are NOT_STARTED while the node is not in the cluster. Pure.
 */
export function shutdownStatus(state: ClusterState, rec: ShutdownRecord): Record<string, unknown> {
  let migration: { status: Status; shard_migrations_remaining: number; explanation?: string };
  if (rec.type === 'RESTART' || rec.type === 'SIGTERM') {
    migration = { status: 'COMPLETE', shard_migrations_remaining: 0, explanation: 'no shard relocation is necessary for a node restart' };
  } else if (!state.nodes[rec.nodeId]) {
    migration = { status: 'NOT_STARTED', shard_migrations_remaining: 0, explanation: 'node is not currently part of the cluster' };
  } else {
    const remaining: { index: string; shard: number; primary: boolean }[] = [];
    for (const [index, shards] of Object.entries(state.routing)) {
      shards.forEach((s, sid) => {
        for (const c of s.copies) if (c.nodeId === rec.nodeId) remaining.push({ index, shard: sid, primary: c.primary });
      });
    }
    const otherData = Object.values(state.nodes).filter((n) => n.id !== rec.nodeId && canContainData(n.roles) && !state.metadata.shutdowns[n.id]);
    if (remaining.length === 0) {
      migration = { status: 'COMPLETE', shard_migrations_remaining: 0 };
    } else if (otherData.length === 0) {
      const first = remaining[0]!;
      migration = {
        status: 'STALLED',
        shard_migrations_remaining: remaining.length,
        explanation: `shard [${first.shard}] [${first.primary ? 'primary' : 'replica'}] of index [${first.index}] cannot move, see [node_allocation_decision] for details or use the cluster allocation explain API`,
      };
    } else {
      migration = { status: 'IN_PROGRESS', shard_migrations_remaining: remaining.length };
    }
  }
  const out: Record<string, unknown> = {
    node_id: rec.nodeId,
    type: rec.type,
    reason: rec.reason,
    shutdown_startedmillis: rec.startedAtMillis,
  };
  if (rec.allocationDelay !== undefined) out.allocation_delay = rec.allocationDelay;
  if (rec.targetNodeName !== undefined) out.target_node_name = rec.targetNodeName;
  out.status = migration.status;
  out.shard_migration = migration;
  out.persistent_tasks = { status: 'COMPLETE' };
  out.plugins = { status: 'COMPLETE' };
  return out;
}
