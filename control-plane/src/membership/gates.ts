import {
  checkRestartGates,
  probeAnswered,
  probeIsFresh,
  type ClusterStatus,
  type GateResult,
} from '@hactl/shared';
import type { Fleet } from '../reconcile/fleet.js';
import type { LeaseManager } from '../leases/leases.js';
import type { Store } from '../store/store.js';
import { currentPhase } from './plan.js';
import { loadProcedure, type LoadedProcedure } from './stored.js';

export interface MembershipGatesOptions {
  store: Store;
  fleet: Fleet;
  leases: () => LeaseManager;
  now: () => number;
}

/**
 * The restart-lease gates as membership procedures apply them. Every step goes through the same
 * named gates as a restart (one-at-a-time, cluster-healthy, leader-last; shared
 * restart-gates.ts); two things differ:
 *
 * - A `start` takes nothing down, so no agent asks a lease for it: the engine checks the same
 *   gates for the held member before it plans it (`startGates`).
 * - A phase that grows a one-member cluster judges cluster-healthy on the member that holds the
 *   data, plus the started new members running and answering probes (`gateStatus`). A single
 *   ZooKeeper server runs standalone (service-facts §0.5) and the new member cannot serve until
 *   that server restarts onto the two-server list: the cluster's own health is `degraded` until
 *   the very restart the gate is asked for, which would otherwise never be granted. The outage of
 *   that restart is inherent in leaving standalone mode (an election once both run).
 */
export class MembershipGates {
  constructor(private readonly o: MembershipGatesOptions) {}

  /**
   * The status cluster-healthy judges for taking a member of `cluster` down (or for starting a
   * held member) instead of the cluster's own, or undefined for its own: a procedure growing a
   * one-member cluster (see above). (A member that serves nobody is judged on the others' health
   * for every restart lease, in a procedure or not: leases/idle-member.ts.)
   */
  gateStatus(cluster: string): ClusterStatus | undefined {
    const p = loadProcedure(this.o.store, this.o.fleet.snapshot(), cluster);
    if (!p || p.planError !== undefined) return undefined;
    const last = p.phases.length - 1;
    const k = currentPhase(p.steps, last);
    if (k >= 1 && k <= last && p.phases[k - 1]!.length === 1 && p.phases[k]!.length > 1)
      return this.growingFromOne(cluster, p, k);
    return undefined;
  }

  /** Growing a one-member cluster (see the class doc). */
  private growingFromOne(cluster: string, p: LoadedProcedure, k: number): ClusterStatus {
    const base = this.o.fleet.status().statusOfPlans(cluster, p.specs[k - 1]!, p.phases[k - 1]!);
    const now = this.o.now();
    const started = p.steps.filter((s) => s.phase === k && s.op === 'start' && s.state !== 'pending');
    const down = started
      .map((s) => s.instance)
      .filter((id) => {
        const obs = this.o.fleet.observation(id);
        return (
          obs?.process !== 'running' ||
          !probeIsFresh(obs, now, this.o.fleet.probeStaleAfterMs) ||
          !probeAnswered(obs.probe)
        );
      });
    const who = p.phases[k - 1]![0]!.id;
    if (base.health !== 'healthy')
      return {
        ...base,
        reason: `growing from one member: ${who} (the data holder) is ${base.health}: ${base.reason}`,
      };
    if (down.length)
      return {
        ...base,
        health: 'degraded',
        reason: `growing from one member: new member(s) ${down.join(', ')} not running and answering probes yet`,
      };
    const joined = started.map((s) => s.instance);
    return {
      ...base,
      reason: `growing from one member: ${who} serves (${base.reason})${joined.length ? `; ${joined.join(', ')} running` : ''}`,
    };
  }

  /** The gates for starting the held member `instanceId` now (a procedure's `start` step). */
  startGates(cluster: string, instanceId: string): GateResult[] {
    const { status, members } = this.o.fleet.memberMap(cluster);
    return checkRestartGates({
      cluster,
      status: this.gateStatus(cluster) ?? status,
      members,
      instanceId,
      leasedBy: this.o
        .leases()
        .holders(cluster)
        .map((l) => l.instanceId),
      pending: [],
    });
  }
}
