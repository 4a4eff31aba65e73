import {
  PROBE_QUERY,
  serviceKind,
  type InstanceObservation,
  type InstancePlan,
  type Logger,
} from '@hactl/shared';

/**
 * Fresh peer views before a lease is refused for the cluster's health.
 *
 * The cluster-healthy gate judges a cluster from its members' last reports, and some of those
 * reports carry one member's view of the others (ServiceKind.observesPeers): the ZooKeeper
 * leader's zk_synced_followers, each Kafka broker's under-replicated partitions, the Elasticsearch
 * master's cluster health, the Storm UI's supervisor count. A view is as old as its member's last
 * report (one report interval: 5 s by default), so right after a member returns from its restart
 * the next member's lease was refused on a view taken while the first was still down ("2/3 members
 * serving"), and the rollout lost up to an interval per member. So before such a refusal stands,
 * the lease path (leases.ts `acquireFresh`) asks the agents of the members whose views predate the
 * request to probe now (shared PROBE_QUERY: the agent sends its report before its answer), waits
 * for them, and decides again. Only when the cluster-healthy gate alone refuses; only when every
 * member planned to run runs (else the cluster is unhealthy for that); only agents that list the
 * query in their hello; and apart by a gap per cluster that doubles while its leases stay refused.
 *
 * A grant is not held back for fresh views: a view older than a member's return may also read
 * healthy, and what keeps that safe is each kind's wait after its own restart (Kafka: every
 * partition in sync again; Elasticsearch: green; a ZooKeeper follower serves only once synced).
 *
 * `peersToProbe` is the pure choice; `PeerViews` is the shell that asks and limits how often.
 */

/** How long a refresh waits for the agents' answers before the lease is decided on what is in (ms). */
export const PEER_PROBE_TIMEOUT_MS = 3000;
/**
 * The least time between two refreshes of one cluster (ms) after a lease was granted. A restart
 * refused for a health problem that is real (a Kafka broker's replicas catching up, an
 * Elasticsearch cluster yellow while shards recover) asks again every retry (at most 1 s,
 * leases.ts); each refresh after which the lease is still refused doubles the gap, up to the
 * report interval (PeerViewsDeps.maxGapMs), so a long wait probes the peers at most twice as
 * often as their own reports do.
 */
export const PEER_PROBE_GAP_MS = 1000;

/** A member of the cluster as the refresh sees it. */
export interface PeerView {
  /** The instance id (`<cluster>/<member>`). */
  id: string;
  /** The host whose agent runs it (the one asked to probe). */
  hostId: string;
  /** The kind's `observesPeers` for its plan (true when the kind does not say). */
  observesPeers: boolean;
  /** Its desired run state is running (a standby nimbus in `failover: manual` is not). */
  plannedRunning: boolean;
  /** Its agent last reported the process running (a stopped or crashed member has no view). */
  running: boolean;
  /**
   * Its agent's stream is open and it answers the probe query (Hello.capabilities): a query to a
   * host that is not connected would wait out the timeout, and an older agent does not know it.
   */
  probeable: boolean;
  /** When its last reported probe was taken (ms, control-plane clock); 0 when never probed. */
  probeAt: number;
}

/**
 * Pure: the members whose views of their peers were taken before `askedAt` (ms, control-plane
 * clock: when the lease request arrived), and that an agent can probe now: they observe peers,
 * run, and their agent answers the probe query. In `members`' order. None while a member planned
 * to run does not: the cluster is unhealthy for that, whatever fresh views would say.
 */
export function peersToProbe(members: readonly PeerView[], askedAt: number): PeerView[] {
  if (members.some((m) => m.plannedRunning && !m.running)) return [];
  return members.filter((m) => m.observesPeers && m.running && m.probeable && m.probeAt < askedAt);
}

export interface PeerViewsDeps {
  /** The cluster's members now (empty for a cluster that does not exist). */
  members(cluster: string): PeerView[];
  /**
   * Asks the host's agent to probe the instance and report (sessions.ts `query`, action `probe`).
   * Resolves once the answer is in (its report recorded before it) or with ok false on a timeout
   * or a closed stream; never rejects.
   */
  probe(hostId: string, instanceId: string, timeoutMs: number): Promise<{ ok: boolean; error: string }>;
  now(): number;
  logger: Logger;
  /** The longest gap between two refreshes of one cluster (ms; the report interval, at least PEER_PROBE_GAP_MS). */
  maxGapMs: number;
  /** Told each member asked, once its answer is in or its wait ended (metrics). */
  onProbed?(cluster: string, answered: boolean): void;
}

/**
 * Refreshes a cluster's peer views, with lease requests that arrive during a refresh sharing it,
 * and refreshes of one cluster apart by a gap that grows while its leases stay refused.
 */
export class PeerViews {
  private readonly running = new Map<string, Promise<boolean>>();
  /**
   * Per cluster: when its last refresh began, the gap before the next one (ms), and whether a
   * refusal after it has doubled the gap already (requests that joined it share one doubling).
   */
  private readonly last = new Map<string, { at: number; gapMs: number; doubled: boolean }>();

  constructor(private readonly deps: PeerViewsDeps) {}

  /**
   * Probes the cluster's members whose views predate `askedAt` (`peersToProbe`) and resolves when
   * each has answered or PEER_PROBE_TIMEOUT_MS passed: true when any was asked, so a decision made
   * before is worth making again; false at once when none needs it or the cluster's last refresh
   * began less than its gap ago (`outcome`). A refresh already running is joined. Never rejects.
   */
  refresh(cluster: string, askedAt: number): Promise<boolean> {
    const joined = this.running.get(cluster);
    if (joined) return joined;
    const now = this.deps.now();
    const last = this.last.get(cluster);
    if (last && now - last.at < last.gapMs) return Promise.resolve(false);
    let stale: PeerView[];
    try {
      stale = peersToProbe(this.deps.members(cluster), askedAt);
    } catch (err) {
      // A fleet read that fails leaves the decision to the views it has.
      this.deps.logger.warn({ cluster, err: String(err) }, 'peer views not read before a lease decision');
      return Promise.resolve(false);
    }
    if (!stale.length) return Promise.resolve(false);
    this.last.set(cluster, { at: now, gapMs: last?.gapMs ?? PEER_PROBE_GAP_MS, doubled: false });
    const done = Promise.all(
      stale.map(async (m) => {
        const r = await this.deps.probe(m.hostId, m.id, PEER_PROBE_TIMEOUT_MS);
        this.deps.onProbed?.(cluster, r.ok);
        // Decided on the member's older report then; worth a line, not a failure.
        if (!r.ok)
          this.deps.logger.info(
            { cluster, instance: m.id, host: m.hostId, error: r.error },
            'peer view not refreshed before a lease decision',
          );
      }),
    ).then(
      () => true,
      () => true,
    );
    this.running.set(cluster, done);
    void done.finally(() => this.running.delete(cluster));
    return done;
  }

  /**
   * What the decision after a refresh (or without one) gave: a grant puts the cluster's gap back
   * to PEER_PROBE_GAP_MS (and forgets the cluster until its next refresh); a refusal after a
   * refresh doubles it, up to `maxGapMs`, once however many requests shared the refresh.
   */
  outcome(cluster: string, granted: boolean): void {
    if (granted) {
      this.last.delete(cluster);
      return;
    }
    const last = this.last.get(cluster);
    if (!last || last.doubled) return;
    last.doubled = true;
    last.gapMs = Math.min(last.gapMs * 2, Math.max(PEER_PROBE_GAP_MS, this.deps.maxGapMs));
  }
}

/** What `fleetPeers` reads of the fleet (Fleet fits). */
export interface PeerFleet {
  snapshot(): { clusters: ReadonlyMap<string, { spec: { kind: string }; plans: readonly InstancePlan[] }> };
  observation(instanceId: string): InstanceObservation | undefined;
  agentAnswers(hostId: string, capability: string): boolean;
}

/** The cluster's members as `peersToProbe` judges them, from the fleet's plans and last reports. */
export function fleetPeers(fleet: PeerFleet, cluster: string): PeerView[] {
  const c = fleet.snapshot().clusters.get(cluster);
  if (!c) return [];
  const observes = serviceKind(c.spec.kind)?.observesPeers;
  return c.plans.map((plan) => {
    const obs = fleet.observation(plan.id);
    return {
      id: plan.id,
      hostId: plan.hostId,
      observesPeers: observes ? observes(plan) : true,
      plannedRunning: plan.runState === 'running',
      running: obs?.process === 'running',
      probeable: fleet.agentAnswers(plan.hostId, PROBE_QUERY),
      probeAt: obs?.probeAt ?? 0,
    };
  });
}
