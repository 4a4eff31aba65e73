import type { ClusterStatus, MemberStatus } from '../domain.js';

/** One named safety check for taking an instance down now, with its current values. */
export interface GateResult {
  gate: string;
  ok: boolean;
  reason: string;
}

export interface RestartGateInput {
  cluster: string;
  status: ClusterStatus;
  /** Instance id → member status (same order as the cluster's plans). */
  members: ReadonlyMap<string, MemberStatus>;
  instanceId: string;
  /** Instances of this cluster holding a lease now, other than the asker. */
  leasedBy: readonly string[];
  /** Instances still waiting for their restart in the same rollout (the asker excluded). */
  pending: readonly string[];
}

/** Modes that mean "this member leads": ZooKeeper leader, Kafka controller, ES elected master, Storm leader nimbus. */
const LEADING = new Set(['leader', 'controller', 'master']);

export function isLeading(m: MemberStatus | undefined): boolean {
  return !!m && LEADING.has(m.mode);
}

/**
 * The gates every kind shares (architecture §4):
 * - one at a time: never two members of a cluster down on purpose at once;
 * - cluster healthy: the service's own strong signal (ZooKeeper: every member serving, one leader,
 *   N−1 synced followers; Kafka: no under-replicated partitions; ES: green) — so the previous
 *   member has fully rejoined before the next goes down;
 * - leader last: followers/brokers/data nodes before the leader/controller/master, since restarting
 *   the leader forces an election each time (ZooKeeper admin guide practice; Kafka "controller
 *   last"; ES "master-eligible nodes last"), and doing it once, at the end, costs one election.
 * Pure: the caller supplies the current status and leases.
 */
export function checkRestartGates(input: RestartGateInput): GateResult[] {
  const { status, members, instanceId, leasedBy, pending } = input;
  const results: GateResult[] = [];
  results.push(
    leasedBy.length === 0
      ? { gate: 'one-at-a-time', ok: true, reason: 'no other member of the cluster is down for a restart' }
      : { gate: 'one-at-a-time', ok: false, reason: `waiting: ${leasedBy.join(', ')} holds the cluster's restart lease` },
  );
  results.push(
    status.health === 'healthy'
      ? { gate: 'cluster-healthy', ok: true, reason: status.reason }
      : { gate: 'cluster-healthy', ok: false, reason: `waiting: cluster is ${status.health}: ${status.reason}` },
  );
  const me = members.get(instanceId);
  if (isLeading(me)) {
    const others = pending.filter((id) => !isLeading(members.get(id)));
    results.push(
      others.length === 0
        ? { gate: 'leader-last', ok: true, reason: `${me!.mode} goes last and every other member is done` }
        : { gate: 'leader-last', ok: false, reason: `waiting: ${me!.mode} restarts last; ${others.length} other member(s) first (${others.join(', ')})` },
    );
  }
  return results;
}

/** Orders instances for a rolling restart: non-leading members first (in plan order), the leader last. */
export function planRestartOrder(ids: readonly string[], members: ReadonlyMap<string, MemberStatus>): { order: string[]; notes: string[] } {
  const first = ids.filter((id) => !isLeading(members.get(id)));
  const last = ids.filter((id) => isLeading(members.get(id)));
  const notes = last.map((id) => `${id} is ${members.get(id)!.mode}: restarted last`);
  return { order: [...first, ...last], notes };
}
