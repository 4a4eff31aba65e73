import type { ClusterStatus } from '@hactl/shared';

/** What `healthWithoutIdleMember` decides from, read by the lease manager. */
export interface IdleMemberQuestion {
  /** The member asked to go down (`<cluster>/<member>`). */
  instanceId: string;
  /** The cluster's own health, as the kind rolled it up from every member. */
  status: ClusterStatus;
  /** The member is in the cluster's current plans. */
  planned: boolean;
  /** The member's process runs and its fresh probe says it serves (probeServes). */
  serves: boolean;
  /**
   * The kind's health of the cluster without the member (its plans minus this one). Asked only
   * when the decision reaches it: a rollup over every other member.
   */
  others: () => ClusterStatus;
}

/**
 * The health the cluster-healthy gate judges for taking down a member that serves nobody, or
 * undefined for the cluster's own. A member whose probe does not answer, or answers not serving,
 * costs nothing to take down (the agent starts a down member without a lease), so when the cluster
 * is degraded the other members are judged instead: if they are healthy without it, the gate
 * holds. Without this, a member that degrades its cluster *because* it needs this very restart
 * would never be granted one:
 *
 * - a ZooKeeper ensemble growing {1,2} → {1,2,3}: once member 2 restarts onto the three-server
 *   list, members 2 and 3 elect a leader and member 1, still on {1,2}, cannot follow it until it
 *   restarts too;
 * - a Storm failover's repoint: the UI on the old `nimbus.seeds` finds no leader and answers 500
 *   (NimbusLeaderNotFoundException) until it restarts onto the new ones.
 *
 * Kafka and Elasticsearch rarely qualify: the others' own health still counts the partitions or
 * shards that had a copy on the idle member. Pure.
 */
export function healthWithoutIdleMember(q: IdleMemberQuestion): ClusterStatus | undefined {
  if (q.status.health === 'healthy' || q.serves || !q.planned) return undefined;
  const others = q.others();
  if (others.health !== 'healthy') return undefined;
  return {
    ...q.status,
    health: 'healthy',
    reason: `${q.instanceId} serves nobody; the other members are healthy: ${others.reason}`,
  };
}
