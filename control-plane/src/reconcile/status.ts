import {
  notFoundAmong,
  NotFoundError,
  lastProbeOf,
  serviceKind,
  type ClusterHealth,
  type ClusterSpecBase,
  type ClusterStatus,
  type InstancePlan,
  type MemberStatus,
  memberIsReady,
} from '@hactl/shared';
import { markOperatorStops } from '../actions/run-state.js';
import type { ClusterSummary, ClusterView, HostFacts, HostView } from '../api/contract.js';
import type { FleetSnapshot, SnapshotCluster } from './snapshot.js';
import { appliedUpTo, type AgentSessions } from './sessions.js';
import { checkDependencyHold } from './holds.js';
import { NO_HINT_FACTS, collectHintFacts, planClusterHint, type HintFacts } from './hints.js';

export interface StatusReaderOptions {
  snapshot: FleetSnapshot;
  sessions: AgentSessions;
  /** ms since epoch, control-plane clock. */
  now: number;
  /** A probe older than this counts as missing. */
  staleAfterMs: number;
  /** The cluster's running or paused rollout, for the hints. */
  activeRollout: (cluster: string) => { id: string; state: string; reason: string } | undefined;
  /** Instance count of a host's desired state (cached by the Fleet). */
  desiredCount: (hostId: string) => number;
}

/**
 * What a cluster's roll-up read: the sessions' `version` then, every host whose session, liveness
 * or reports it read (its members' and their reporters'), and the health of each cluster its
 * dependency hold read; and from the snapshot, the cluster itself (spec and plans), its facts,
 * the host names and each of those hosts' desired generation. A later reader keeps the roll-up
 * while these are unchanged (stillHolds), on the same snapshot or a later one.
 */
interface JudgedOn {
  version: number;
  hosts: readonly string[];
  deps: readonly (readonly [string, ClusterHealth | 'missing'])[];
  /** The snapshot's cluster object (withRevision keeps the objects of clusters it did not change). */
  cluster: SnapshotCluster;
  facts: Readonly<Record<string, string>> | undefined;
  hostNames: ReadonlyMap<string, string>;
  /** `hosts`' desired generations, in their order (the lagging check reads them). */
  generations: readonly number[];
}

/**
 * What a roll-up reads off a cluster's plans alone, derived once per snapshot cluster object (a
 * revision or a re-planning makes a new object, so it never goes stale): at 10,000 members
 * deriving these again at every roll-up was about a tenth of it (a CPU profile of roll-ups of
 * fleet-push's Storm cluster).
 */
interface PlanIndex {
  /** The planned instance ids, in plan order. */
  ids: readonly string[];
  /** Each planned host once, in plan order. */
  hosts: readonly string[];
  hostSet: ReadonlySet<string>;
  /** Hosts with a member planned to run (not `stopped`). */
  runsSomething: ReadonlySet<string>;
}

const planIndexes = new WeakMap<SnapshotCluster, PlanIndex>();

function planIndex(c: SnapshotCluster): PlanIndex {
  let idx = planIndexes.get(c);
  if (!idx) {
    const hostSet = new Set(c.plans.map((p) => p.hostId));
    idx = {
      ids: c.plans.map((p) => p.id),
      hosts: [...hostSet],
      hostSet,
      runsSomething: new Set(c.plans.filter((p) => p.runState !== 'stopped').map((p) => p.hostId)),
    };
    planIndexes.set(c, idx);
  }
  return idx;
}

/** A cluster's status before its hint, the members its hint names, and what it was judged on. */
interface RolledUp {
  status: ClusterStatus;
  hintFacts: HintFacts;
  /**
   * Absent when the kind's health rollup threw (rollUpGuarded): such a status gets no hint and is
   * never taken over by a later reader.
   */
  judgedOn?: JudgedOn;
}

/**
 * How a reader takes over an earlier reader's roll-ups (Fleet.status decides which applies):
 * - `hints`: the same snapshot, observations and time; only the rollouts differ. The roll-ups
 *   are shared and only the hints (which read the rollouts) are planned again.
 * - `carry-over`: a later time, on the same snapshot or one derived from it, and nothing judged
 *   fresh has turned stale (AgentSessions.judgedAlike). A cluster none of whose hosts changed
 *   since its roll-up (AgentSessions.changedSince: every report since was a renewal), whose
 *   snapshot inputs are the ones it read (stillHolds: a revision of another cluster keeps its
 *   object, facts and its hosts' desired generations) and whose dependencies have the health its
 *   hold read keeps its verdicts: a renewal changes no member field but the probe time, so the
 *   roll-up is copied with its members' `lastProbe` read again instead of being rolled up again
 *   (10,000 Storm members listed in-process: 28 ms against 66-69 ms for a new roll-up, most of it
 *   reading each member's report and formatting its time). The other clusters are rolled up
 *   again: a report from one ZooKeeper member, or a revision of another cluster, does not roll up
 *   a 10,000-member Storm cluster on other hosts, unless the ensemble's health changed.
 */
export interface ReaderReuse {
  from: StatusReader;
  kind: 'hints' | 'carry-over';
}

/**
 * Status views over one snapshot and the live observations. Each cluster's rollup is computed at
 * most once per reader (a reader lives for one request or one pass), so listing N clusters that
 * share a ZooKeeper rolls that ZooKeeper up once, not N times: `GET /v1/clusters` is linear in
 * the fleet's members.
 */
export class StatusReader {
  private readonly views = new Map<string, ClusterView>();
  /**
   * Each cluster's roll-up before its hint (the one part that reads the rollouts), shared with a
   * reader made from this one (`reuse`).
   */
  private readonly rolledUp: Map<string, RolledUp>;
  /** Roll-ups of an earlier reader whose verdicts still hold, taken over with new probe times. */
  private readonly carried: ReadonlyMap<string, RolledUp> | undefined;

  /** @param reuse an earlier reader whose roll-ups this one takes over, and how (ReaderReuse). */
  constructor(
    private readonly o: StatusReaderOptions,
    reuse?: ReaderReuse,
  ) {
    if (reuse?.kind === 'hints') {
      this.rolledUp = reuse.from.rolledUp;
      this.carried = reuse.from.carried;
    } else {
      this.rolledUp = new Map();
      // What the earlier reader rolled up, and what it had carried and not yet asked for.
      this.carried = reuse && new Map([...(reuse.from.carried ?? []), ...reuse.from.rolledUp]);
    }
  }

  /** The cluster's view; throws NotFoundError when it does not exist. */
  cluster(name: string): ClusterView {
    const known = this.views.get(name);
    if (known) return known;
    const c = this.o.snapshot.clusters.get(name);
    if (!c) throw notFoundAmong('cluster', name, this.o.snapshot.clusters.keys());
    const view: ClusterView = {
      name,
      kind: c.kind,
      revision: c.revision,
      spec: c.spec,
      updatedAt: new Date(c.updatedAt).toISOString(),
      status: this.withHint(c),
    };
    this.views.set(name, view);
    return view;
  }

  /** A cluster's health, `missing` when it does not exist. */
  healthOf = (name: string): ClusterHealth | 'missing' =>
    this.o.snapshot.clusters.has(name) ? this.cluster(name).status.health : 'missing';

  /** Member statuses of a cluster by instance id, with its status and plans. */
  members(name: string): {
    status: ClusterStatus;
    members: Map<string, MemberStatus>;
    plans: readonly InstancePlan[];
  } {
    const c = this.o.snapshot.clusters.get(name);
    if (!c)
      return {
        status: { health: 'pending', reason: 'no such cluster', members: [] },
        members: new Map(),
        plans: [],
      };
    const { status } = this.cluster(name);
    return { status, members: new Map(status.members.map((m) => [m.instance, m])), plans: c.plans };
  }

  /**
   * The cluster's health as if it were planned as `plans` of `spec` (a membership procedure's
   * earlier phase, membership/gates.ts), judged on the same live observations; not cached.
   */
  statusOfPlans(name: string, spec: ClusterSpecBase, plans: readonly InstancePlan[]): ClusterStatus {
    const c = this.o.snapshot.clusters.get(name);
    if (!c) throw new NotFoundError('cluster', name);
    return this.withHint({ ...c, spec, plans }, false);
  }

  list(): ClusterSummary[] {
    return [...this.o.snapshot.clusters.keys()].map((name) => {
      const v = this.cluster(name);
      const active = this.o.activeRollout(name);
      return {
        name,
        kind: v.kind,
        revision: v.revision,
        health: v.status.health,
        reason: v.status.reason,
        ...(v.status.hint ? { hint: v.status.hint } : {}),
        members: v.status.members.length,
        ready: v.status.members.filter(memberIsReady).length,
        updatedAt: v.updatedAt,
        ...(active
          ? { rollout: { id: active.id, state: active.state === 'paused' ? 'paused' : 'running' } }
          : {}),
      };
    });
  }

  hosts(): HostView[] {
    const { snapshot, sessions } = this.o;
    return snapshot.hosts.map((h) => {
      const live = sessions.livenessOf(h.id);
      const lastSeen = live?.lastSeen || h.last_seen_at;
      return {
        id: h.id,
        name: h.name,
        address: h.address,
        connected: live?.connected ?? false,
        lastSeen: lastSeen ? new Date(lastSeen).toISOString() : null,
        generation: snapshot.desired.get(h.id)?.generation ?? 0,
        appliedGeneration: live?.applied ?? h.applied_generation,
        applyError: live?.applyError ?? '',
        instances: this.o.desiredCount(h.id),
        agentVersion: h.agent_version,
        labels: JSON.parse(h.labels_json) as Record<string, string>,
        facts: JSON.parse(h.facts_json) as HostFacts,
      };
    });
  }

  /**
   * A kind whose health rollup throws (a probe shape it did not expect) makes its own cluster
   * unhealthy, which also closes its restart gates, and leaves every other cluster's view intact.
   */
  private rollUpGuarded(c: SnapshotCluster): RolledUp {
    try {
      return this.rollUp(c);
    } catch (err) {
      return {
        status: {
          health: 'degraded',
          reason: `cannot judge health: ${err instanceof Error ? err.message : String(err)}`,
          members: [],
        },
        hintFacts: NO_HINT_FACTS,
      };
    }
  }

  /**
   * The cluster's status with its hint, which reads the cluster's active rollout. The roll-up
   * under it is kept per cluster (`cached`), and a status with a hint is a copy of it: the kept
   * one stays as it was for a reader that takes it over.
   */
  private withHint(c: SnapshotCluster, cached = true): ClusterStatus {
    let base = cached ? this.rolledUp.get(c.name) : undefined;
    if (!base) {
      const carried = cached ? this.carried?.get(c.name) : undefined;
      base = carried && this.stillHolds(carried, c) ? this.withProbeTimes(carried) : this.rollUpGuarded(c);
      if (cached) this.rolledUp.set(c.name, base);
    }
    if (!base.judgedOn) return base.status;
    const hint = planClusterHint({
      cluster: c.name,
      revision: c.revision,
      facts: base.hintFacts,
      rollout: this.o.activeRollout(c.name),
    });
    return hint ? { ...base.status, hint } : base.status;
  }

  /**
   * Whether an earlier roll-up's verdicts are still a new one's for `c` (ReaderReuse
   * `carry-over`): it was judged; `c` is the very cluster object it judged (no revision of it and
   * no re-planning since: a revision of a cluster it depends on re-plans it), with the same facts
   * and host names; none of the hosts it read changed since, in their sessions or their desired
   * generation; and each cluster it depends on has the health its dependency hold read then.
   */
  private stillHolds({ judgedOn: on }: RolledUp, c: SnapshotCluster): boolean {
    if (on === undefined) return false;
    const { snapshot, sessions } = this.o;
    return (
      on.cluster === c &&
      on.facts === snapshot.context.clusterFacts?.get(c.name) &&
      on.hostNames === snapshot.hostNames &&
      on.hosts.every((h, i) => (snapshot.desired.get(h)?.generation ?? 0) === on.generations[i]) &&
      !sessions.changedSince(on.hosts, on.version) &&
      on.deps.every(([name, health]) => this.healthOf(name) === health)
    );
  }

  /**
   * An earlier roll-up whose verdicts still hold, with each member's probe time as reported now:
   * the one field a renewal moves (sessions.ts isRenewal). Members whose time did not move are
   * shared; the earlier roll-up is not changed.
   */
  private withProbeTimes(base: RolledUp): RolledUp {
    const { sessions } = this.o;
    const members = base.status.members.map((m) => {
      const lastProbe = lastProbeOf(sessions.current(m.instance));
      return lastProbe === m.lastProbe ? m : { ...m, lastProbe };
    });
    return { ...base, status: { ...base.status, members } };
  }

  private rollUp(c: SnapshotCluster): Required<RolledUp> {
    const { snapshot, sessions } = this.o;
    const version = sessions.version;
    const kind = serviceKind(c.spec.kind);
    if (!kind)
      throw new Error(`cluster ${c.name} has kind ${c.spec.kind}, which this control plane does not know`);
    const lagging = new Set<string>();
    for (const p of c.plans) {
      const live = sessions.livenessOf(p.hostId);
      if (!appliedUpTo(live, snapshot.desired.get(p.hostId)?.generation ?? 0)) lagging.add(p.hostId);
    }
    // A silent host whose members of this cluster are all planned stopped does not hold the cluster
    // back: it serves nothing the cluster counts on, and what it may still run is fenced by the kind
    // (a failed-over Storm nimbus stops itself). Without this, a re-point after the loss of a nimbus
    // host waited on the dead host forever.
    // (Hosts with a member planned running, collected once: right after a change every host lags,
    // and a scan of the plans per lagging host was quadratic, seconds at 10,000 members.)
    const plansOf = planIndex(c);
    for (const hostId of [...lagging]) {
      const live = sessions.livenessOf(hostId);
      const silent = !live || this.o.now - live.lastSeen > this.o.staleAfterMs;
      if (silent && !plansOf.runsSomething.has(hostId)) lagging.delete(hostId);
    }
    const observations = sessions.currentOf(plansOf.ids);
    const status = kind.checkHealth({
      spec: c.spec,
      plans: c.plans,
      observations,
      lagging,
      hostNames: snapshot.hostNames,
      now: this.o.now,
      staleAfterMs: this.o.staleAfterMs,
    });
    const deps: (readonly [string, ClusterHealth | 'missing'])[] = [];
    const hold = checkDependencyHold(c.spec, snapshot.context.clusterFacts?.get(c.name), (name) => {
      const health = this.healthOf(name);
      deps.push([name, health]);
      return health;
    });
    if (hold.state === 'held') {
      status.health = 'pending';
      status.reason = hold.reason;
    } else if (hold.state === 'release') {
      status.health = 'pending';
      status.reason = 'dependencies are healthy; starting';
    }
    if (status.health === 'healthy' && lagging.size > 0) {
      status.health = 'degraded';
      status.reason += `; ${lagging.size} host(s) have not applied the latest desired state`;
    }
    if (c.planError !== undefined) {
      if (status.health === 'healthy') status.health = 'degraded';
      status.reason = `revision ${c.revision} cannot be planned (${c.planError}); members keep their last desired state; ${status.reason}`;
    }
    markOperatorStops(status, snapshot.context.clusterFacts?.get(c.name));
    // The hosts read: the planned ones, and any host an observation came from that plans none of
    // this cluster any more (shared with other roll-ups of the same plans when there is none).
    let elsewhere: Set<string> | undefined;
    for (const obs of observations.values())
      if (!plansOf.hostSet.has(obs.hostId)) (elsewhere ??= new Set()).add(obs.hostId);
    const hosts = elsewhere ? [...plansOf.hosts, ...elsewhere] : plansOf.hosts;
    return {
      status,
      hintFacts: collectHintFacts(status.members, observations),
      judgedOn: {
        version,
        hosts,
        deps,
        cluster: c,
        facts: snapshot.context.clusterFacts?.get(c.name),
        hostNames: snapshot.hostNames,
        generations: hosts.map((h) => snapshot.desired.get(h)?.generation ?? 0),
      },
    };
  }
}
