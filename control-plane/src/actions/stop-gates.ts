import type { GateResult, InstancePlan } from '@hactl/shared';

/**
 * Whether an operator may stop a member now (`hactl stop`), and why not. A stop leaves the member
 * down until `hactl start`, so it must not take the cluster below what it can lose. The decision is
 * the restart-lease gates' (leases/leases.ts `gates`, shared restart-gates.ts): a member may go down
 * only while no other member is down for a restart (one at a time) and the cluster is healthy by its
 * kind's own strong signal (ZooKeeper: every server serving, one leader, N−1 synced followers —
 * with one server already down a second stop loses the quorum; Kafka: no under-replicated
 * partitions; Elasticsearch: green; Storm: every nimbus up). The agent asks the same gates again for
 * its lease before it stops the process, so a change between this answer and the stop is caught
 * there, and then runs its kind's `beforeStop` check, which needs the service's own data (Kafka:
 * `checkKafkaStop`, every partition on the broker keeps min.insync.replicas without it;
 * Elasticsearch: `checkElasticsearchNodeStop`, no shard has its only started copy on the node).
 *
 * Two differences from a restart, both because the member stays down:
 * - `leader-last` is dropped: it orders the steps of a rolling restart and says nothing about
 *   whether the cluster can lose the member;
 * - `sole-member` is added: the only running member of its role (the only nimbus, a one-server
 *   ensemble, a single broker) is never up to the gates' health check to protect, since the
 *   cluster is healthy right until it is gone.
 */
export function checkStopGates(input: {
  instanceId: string;
  /** The restart-lease gates for the member now, with their values. */
  restartGates: readonly GateResult[];
  /** The cluster's plans (their desired run states already include earlier operator stops). */
  plans: readonly InstancePlan[];
}): GateResult[] {
  const me = input.plans.find((p) => p.id === input.instanceId);
  const gates = input.restartGates.filter((g) => g.gate !== 'leader-last');
  if (!me) return gates;
  const others = input.plans.filter((p) => p.id !== me.id && p.role === me.role && p.runState === 'running');
  gates.push(
    others.length > 0
      ? {
          gate: 'sole-member',
          ok: true,
          reason: `${others.length} other running member(s) with role ${me.role}`,
        }
      : {
          gate: 'sole-member',
          ok: false,
          reason: `${me.id} is the only running ${me.role} of its cluster: stopping it stops the service`,
        },
  );
  return gates;
}

/**
 * The failing gates, each with its reason as a refusal says it (without a lease gate's `waiting:`
 * prefix): an error's details (path = gate). Pure.
 */
export function refusedGates(gates: readonly GateResult[]): { path: string; message: string }[] {
  return gates
    .filter((g) => !g.ok)
    .map((g) => ({ path: g.gate, message: g.reason.replace(/^waiting:\s*/, '') }));
}

/** The refusal text of the failing gates (refusedGates): `gate: reason; gate: reason`. Pure. */
export function describeRefusal(refused: readonly { path: string; message: string }[]): string {
  return refused.map((d) => `${d.path}: ${d.message}`).join('; ');
}
