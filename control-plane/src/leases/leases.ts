import {
  checkRestartGates,
  clusterOfInstance,
  probeIsFresh,
  probeServes,
  type ClusterStatus,
  type GateResult,
  type InstancePlan,
  type Logger,
} from '@hactl/shared';
import { decideLease } from './decide.js';
import { healthWithoutIdleMember } from './idle-member.js';
import type { PeerViews } from './peer-views.js';
import type { Fleet } from '../reconcile/fleet.js';
import type { LeaseRow, Store } from '../store/store.js';

export interface Lease {
  id: string;
  cluster: string;
  instanceId: string;
  hostId: string;
  expiresAt: number;
  /** The reason it was granted for (`command <id>`): only that requester renews it. */
  reason: string;
}

export interface LeaseDecision {
  granted: boolean;
  leaseId: string;
  expiresAtMs: number;
  reason: string;
  retryAfterMs: number;
  gates: GateResult[];
}

export interface LeaseOptions {
  fleet: Fleet;
  store: Store;
  logger: Logger;
  now: () => number;
  /** A lease not released within this long expires (the agent vanished mid-restart). */
  ttlMs: number;
  retryAfterMs: number;
  /** Instances still waiting in a running rollout of the cluster (for the leader-last gate). */
  pendingFor: (cluster: string, except: string) => string[];
  /**
   * Why this instance may not be taken down now regardless of gates (e.g. no running rollout asked
   * for it, or the request's `reason` names a superseded command), or undefined. A reason starting
   * with "abandon:" tells the agent to give up.
   */
  authorize: (instanceId: string, reason: string) => string | undefined;
  newId: () => string;
  /**
   * The status the cluster-healthy gate judges instead of the cluster's own, or undefined for its
   * own: a membership procedure growing a one-member ensemble judges the member that holds the
   * data (membership/gates.ts). Asked before the idle-member rule (idle-member.ts).
   */
  gateStatus?: (cluster: string) => ClusterStatus | undefined;
  /**
   * Probes again the members whose views of their peers predate a lease request (peer-views.ts);
   * without it `acquireFresh` decides on the last reports alone.
   */
  peerViews?: Pick<PeerViews, 'refresh' | 'outcome'>;
  /** Told every decision `acquire` answers with (metrics); `renewed` when the holder renewed its lease. */
  onDecision?: (cluster: string, decision: LeaseDecision, renewed: boolean) => void;
}

/**
 * Restart leases: permission to take one instance down now. Granted only when the named gates
 * hold (architecture §4); a refusal carries every failing gate with its current values.
 *
 * Leases are written through to the store, each with its event in one transaction, and loaded
 * when the manager is made: a control plane that takes over — a replica that gained the leader
 * lease, or a restart — knows the leases granted before it, so a member that was granted one
 * and has not gone down yet is not joined by a second. On a shared store the write is fenced by
 * the leader's epoch, so a replica that lost the lease grants nothing.
 */
export class LeaseManager {
  private readonly leases = new Map<string, Lease>();
  readonly lastRefusal = new Map<string, string>();

  constructor(private readonly opts: LeaseOptions) {
    for (const r of opts.store.listLeases())
      this.leases.set(r.id, {
        id: r.id,
        cluster: r.cluster,
        instanceId: r.instance_id,
        hostId: r.host_id,
        expiresAt: r.expires_at,
        reason: r.reason,
      });
  }

  /** The lease's store row. */
  private static row(l: Lease): LeaseRow {
    return {
      id: l.id,
      cluster: l.cluster,
      instance_id: l.instanceId,
      host_id: l.hostId,
      expires_at: l.expiresAt,
      reason: l.reason,
    };
  }

  /**
   * Drops the leases past their expiry (the agent vanished mid-restart), each with a warning and a
   * `lease.expired` event. Runs before every lease request and on the rollout engine's tick; the
   * queries (`holders`, `gates`) leave expired leases out without writing anything.
   */
  expire(): void {
    const now = this.opts.now();
    for (const [id, l] of this.leases) {
      if (l.expiresAt <= now) {
        this.opts.store.transaction(() => {
          this.opts.store.deleteLease(id);
          this.opts.store.appendEvent({
            at: now,
            type: 'lease.expired',
            cluster: l.cluster,
            host: l.hostId,
            message: `lease for ${l.instanceId} expired without release`,
            data_json: '{}',
          });
        });
        this.leases.delete(id);
        this.opts.logger.warn(
          { cluster: l.cluster, instance: l.instanceId, lease: id },
          'restart lease expired',
        );
      }
    }
  }

  /**
   * How long a granted or renewed lease lives from the answer unless renewed (ms). Its holder
   * renews it by asking again with the same reason (decide.ts rule 2) for as long as its member is
   * down (agent sync/lease-restart.ts holdLease), so a lease covers the whole disruption however
   * long the member takes to serve again, and its expiry means the holder is gone.
   */
  get ttlMs(): number {
    return this.opts.ttlMs;
  }

  /** The cluster's unexpired leases. */
  holders(cluster: string): Lease[] {
    const now = this.opts.now();
    return [...this.leases.values()].filter((l) => l.cluster === cluster && l.expiresAt > now);
  }

  /** Grants, renews or refuses a lease as `decideLease` (decide.ts) says, and records it. */
  acquire(hostId: string, instanceId: string, reason: string): LeaseDecision {
    const d = this.decide(hostId, instanceId, reason);
    this.opts.onDecision?.(clusterOfInstance(instanceId), d.decision, d.renewed);
    return d.decision;
  }

  /**
   * An agent's lease request: `acquire`, except that a refusal for the cluster's health judged on
   * views older than the request (peer-views.ts) is decided once more after those members were
   * probed again (at most PEER_PROBE_TIMEOUT_MS later). `guard` runs before each decision and
   * throws to stop it (a replica no longer sure it leads grants nothing).
   * @throws whatever `guard` throws; the store's errors, as `acquire`.
   */
  async acquireFresh(
    hostId: string,
    instanceId: string,
    reason: string,
    guard: () => void = () => {},
  ): Promise<LeaseDecision> {
    guard();
    const askedAt = this.opts.now();
    let d = this.decide(hostId, instanceId, reason);
    const cluster = clusterOfInstance(instanceId);
    const { peerViews } = this.opts;
    // Only a refusal for the cluster's health alone: fresh views cannot move another gate.
    const failing = d.decision.gates.filter((g) => !g.ok);
    if (
      peerViews &&
      failing.length === 1 &&
      failing[0]!.gate === 'cluster-healthy' &&
      (await peerViews.refresh(cluster, askedAt))
    ) {
      guard();
      d = this.decide(hostId, instanceId, reason);
      peerViews.outcome(cluster, d.decision.granted);
    } else if (peerViews && d.decision.granted && !d.renewed) peerViews.outcome(cluster, true);
    this.opts.onDecision?.(cluster, d.decision, d.renewed);
    return d.decision;
  }

  private decide(
    hostId: string,
    instanceId: string,
    reason: string,
  ): { decision: LeaseDecision; renewed: boolean } {
    this.expire();
    const now = this.opts.now();
    const cluster = clusterOfInstance(instanceId);
    const held = [...this.leases.values()].find((l) => l.instanceId === instanceId);
    const v = decideLease({
      runsInstance: this.opts.fleet.kindOfInstance(hostId, instanceId) !== undefined,
      hostId,
      instanceId,
      held: held && { id: held.id, sameRequester: held.reason === reason, reason: held.reason },
      denied: () => this.opts.authorize(instanceId, reason),
      gates: () => this.gates(instanceId),
      now,
      ttlMs: this.opts.ttlMs,
    });
    if (v.type === 'refuse') {
      this.lastRefusal.set(instanceId, v.reason);
      const { retryAfterMs } = this.opts;
      return {
        decision: {
          granted: false,
          leaseId: '',
          expiresAtMs: 0,
          reason: v.reason,
          retryAfterMs,
          gates: v.gates,
        },
        renewed: false,
      };
    }
    if (v.type === 'renew') {
      if (held) {
        this.opts.store.putLease(LeaseManager.row({ ...held, expiresAt: v.expiresAt }));
        held.expiresAt = v.expiresAt;
      }
      return {
        decision: {
          granted: true,
          leaseId: v.leaseId,
          expiresAtMs: v.expiresAt,
          reason: v.reason,
          retryAfterMs: 0,
          gates: [],
        },
        renewed: true,
      };
    }
    const lease: Lease = {
      id: this.opts.newId(),
      cluster,
      instanceId,
      hostId,
      expiresAt: v.expiresAt,
      reason,
    };
    // Stored before it is held or answered: a grant the store refused (a fenced replica, a full
    // disk) was never made.
    this.opts.store.transaction(() => {
      this.opts.store.putLease(LeaseManager.row(lease));
      this.opts.store.appendEvent({
        at: now,
        type: 'lease.granted',
        cluster,
        host: hostId,
        message: `restart lease for ${instanceId} (${reason || 'no reason given'})`,
        data_json: JSON.stringify({ gates: v.gates }),
      });
    });
    this.leases.set(lease.id, lease);
    this.lastRefusal.delete(instanceId);
    this.opts.logger.info(
      { cluster, instance: instanceId, host: hostId, lease: lease.id, reason },
      'restart lease granted',
    );
    return {
      decision: {
        granted: true,
        leaseId: lease.id,
        expiresAtMs: lease.expiresAt,
        reason: v.reason,
        retryAfterMs: 0,
        gates: v.gates,
      },
      renewed: false,
    };
  }

  /** The named gates for taking `instanceId` down now, with their current values (grants nothing). */
  gates(instanceId: string): GateResult[] {
    const cluster = clusterOfInstance(instanceId);
    const { status, members, plans } = this.opts.fleet.memberMap(cluster);
    return checkRestartGates({
      cluster,
      status:
        this.opts.gateStatus?.(cluster) ??
        this.withoutIdleMember(cluster, instanceId, status, plans) ??
        status,
      members,
      instanceId,
      leasedBy: this.holders(cluster)
        .filter((l) => l.instanceId !== instanceId)
        .map((l) => l.instanceId),
      pending: this.opts.pendingFor(cluster, instanceId),
    });
  }

  /** The idle-member rule (idle-member.ts) over this control plane's observations and plans. */
  private withoutIdleMember(
    cluster: string,
    instanceId: string,
    status: ClusterStatus,
    plans: readonly InstancePlan[],
  ): ClusterStatus | undefined {
    const { fleet } = this.opts;
    const obs = fleet.observation(instanceId);
    return healthWithoutIdleMember({
      instanceId,
      status,
      planned: plans.some((p) => p.id === instanceId),
      serves:
        obs?.process === 'running' &&
        probeIsFresh(obs, this.opts.now(), fleet.probeStaleAfterMs) &&
        probeServes(obs.probe),
      others: () => {
        const spec = fleet.snapshot().clusters.get(cluster)?.spec;
        const rest = plans.filter((p) => p.id !== instanceId);
        // A cluster gone from the snapshot has no one else to judge: its own health stands.
        return spec ? fleet.status().statusOfPlans(cluster, spec, rest) : status;
      },
    });
  }

  release(leaseId: string, how = 'released'): boolean {
    const l = this.leases.get(leaseId);
    if (!l) return false;
    this.opts.store.transaction(() => {
      this.opts.store.deleteLease(leaseId);
      this.opts.store.appendEvent({
        at: this.opts.now(),
        type: 'lease.released',
        cluster: l.cluster,
        host: l.hostId,
        message: `restart lease for ${l.instanceId} ${how}`,
        data_json: '{}',
      });
    });
    this.leases.delete(leaseId);
    return true;
  }

  /**
   * Releases the leases on `instanceId` once its rollout step is done: the agent's own release may
   * have been lost with the control plane it was sent to (a replica that died), and a lease left
   * behind would hold the next member until it expired. The cluster-healthy gate still judges the
   * member itself.
   */
  releaseInstance(instanceId: string): void {
    for (const l of [...this.leases.values()])
      if (l.instanceId === instanceId) this.release(l.id, 'released: its rollout step is done');
  }
}
