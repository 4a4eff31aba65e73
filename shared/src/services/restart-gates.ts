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
  /** Instance id → member status. */
  members: ReadonlyMap<string, MemberStatus>;
  instanceId: string;
  /** Instances of this cluster holding a lease now, other than the asker. */
  leasedBy: readonly string[];
  /** Instances still waiting for their restart in the same rollout (the asker excluded). */
  pending: readonly string[];
}

/** Whether the member leads its cluster now (MemberStatus.leading); an unknown member does not. */
export function isLeading(m: MemberStatus | undefined): boolean {
  return m?.leading === true;
}

/** Restart order rank, lower first (MemberStatus.restartRank); an unknown member ranks 0. */
export function restartRank(m: MemberStatus | undefined): number {
  return m?.restartRank ?? 0;
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
      : {
          gate: 'one-at-a-time',
          ok: false,
          reason: `waiting: ${leasedBy.join(', ')} holds the cluster's restart lease`,
        },
  );
  results.push(
    status.health === 'healthy'
      ? { gate: 'cluster-healthy', ok: true, reason: status.reason }
      : {
          gate: 'cluster-healthy',
          ok: false,
          reason: `waiting: cluster is ${status.health}: ${operatorStopsFirst(status, instanceId)}${status.reason}`,
        },
  );
  const me = members.get(instanceId);
  const myRank = restartRank(me);
  const earlier = pending.filter((id) => restartRank(members.get(id)) < myRank);
  if (myRank > 0) {
    const what = isLeading(me) ? me!.mode : 'this member';
    results.push(
      earlier.length === 0
        ? { gate: 'leader-last', ok: true, reason: `${what} goes after the others and they are done` }
        : {
            gate: 'leader-last',
            ok: false,
            reason: `waiting: ${what} restarts later; ${earlier.length} other member(s) first (${earlier.join(', ')})`,
          },
    );
  }
  return results;
}

/**
 * What keeps the cluster below healthy on the operator's word, before the kind's reason: members
 * the operator stopped (`hactl stop`) stay stopped until `hactl start`, so a rollout would wait out
 * its gate timeout for nothing the cluster can do itself ('' when there are none besides the asker).
 * The status reason still says who stopped them (run-state.ts markOperatorStops); this says that it
 * is why the gate waits and the command that ends the wait.
 */
function operatorStopsFirst(status: ClusterStatus, asker: string): string {
  const stopped = status.members.filter((m) => m.stoppedByOperator && m.instance !== asker);
  if (!stopped.length) return '';
  const names = stopped.map((m) => m.instance);
  const starts = names.map((n) => `hactl start ${n}`).join('; ');
  return `${names.join(', ')} ${names.length > 1 ? 'were' : 'was'} stopped by the operator and ${names.length > 1 ? 'keep' : 'keeps'} it below healthy until started (${starts}); `;
}

/** Orders instances for a rolling restart: non-leading members first (in plan order), the leader last. */
export function planRestartOrder(
  ids: readonly string[],
  members: ReadonlyMap<string, MemberStatus>,
): { order: string[]; notes: string[] } {
  const order = [...ids].sort((a, b) => restartRank(members.get(a)) - restartRank(members.get(b)));
  const notes = order
    .filter((id) => isLeading(members.get(id)))
    .map((id) => `${id} is ${members.get(id)!.mode}: restarted last`);
  return { order, notes };
}
