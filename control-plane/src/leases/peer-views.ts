import { serviceKind, type InstanceObservation, type InstancePlan, type Logger } from '@hactl/shared';

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
 * request to probe now (the agent's `probe` query sends its report before its answer), waits for
 * them, and decides again.
 *
 * `peersToProbe` is the pure choice; `PeerViews` is the shell that asks and limits how often.
 */

/** How long a refresh waits for the agents' answers before the lease is decided on what is in (ms). */
export const PEER_PROBE_TIMEOUT_MS = 3000;
/**
 * The least time between two refreshes of one cluster (ms): a restart refused for a health problem
 * that is real asks again every retry (at most 1 s, leases.ts), and its peers are probed at most
 * this often meanwhile, on top of their own report interval.
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
  /** Its agent last reported the process running (a stopped or crashed member has no view). */
  running: boolean;
  /** Its agent's stream is open now (a query to another would wait out the timeout). */
  connected: boolean;
  /** When its last reported probe was taken (ms, control-plane clock); 0 when never probed. */
  probeAt: number;
}

/**
 * Pure: the members whose views of their peers were taken before `askedAt` (ms, control-plane
 * clock: when the lease request arrived), and that an agent can probe now: they observe peers,
 * run, and their agent is connected. In `members`' order.
 */
export function peersToProbe(members: readonly PeerView[], askedAt: number): PeerView[] {
  return members.filter((m) => m.observesPeers && m.running && m.connected && m.probeAt < askedAt);
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
  /** Told each member asked, once its answer is in or its wait ended (metrics). */
  onProbed?(cluster: string, answered: boolean): void;
}

/**
 * Refreshes a cluster's peer views, at most once per PEER_PROBE_GAP_MS per cluster, with lease
 * requests that arrive during a refresh sharing it.
 */
export class PeerViews {
  private readonly running = new Map<string, Promise<boolean>>();
  private readonly lastStarted = new Map<string, number>();

  constructor(private readonly deps: PeerViewsDeps) {}

  /**
   * Probes the cluster's members whose views predate `askedAt` (`peersToProbe`) and resolves when
   * each has answered or PEER_PROBE_TIMEOUT_MS passed: true when any was asked, so a decision made
   * before is worth making again; false at once when none needs it or the cluster was refreshed
   * less than PEER_PROBE_GAP_MS ago. A refresh already running is joined. Never rejects.
   */
  refresh(cluster: string, askedAt: number): Promise<boolean> {
    const joined = this.running.get(cluster);
    if (joined) return joined;
    const now = this.deps.now();
    const last = this.lastStarted.get(cluster);
    if (last !== undefined && now - last < PEER_PROBE_GAP_MS) return Promise.resolve(false);
    const stale = peersToProbe(this.deps.members(cluster), askedAt);
    if (!stale.length) return Promise.resolve(false);
    this.lastStarted.set(cluster, now);
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
}

/** What `fleetPeers` reads of the fleet (Fleet fits). */
export interface PeerFleet {
  planCluster(name: string): readonly InstancePlan[];
  snapshot(): { clusters: ReadonlyMap<string, { spec: { kind: string } }> };
  observation(instanceId: string): InstanceObservation | undefined;
  isConnected(hostId: string): boolean;
}

/** The cluster's members as `peersToProbe` judges them, from the fleet's plans and last reports. */
export function fleetPeers(fleet: PeerFleet, cluster: string): PeerView[] {
  const kind = fleet.snapshot().clusters.get(cluster)?.spec.kind;
  const observes = kind === undefined ? undefined : serviceKind(kind)?.observesPeers;
  return fleet.planCluster(cluster).map((plan) => {
    const obs = fleet.observation(plan.id);
    return {
      id: plan.id,
      hostId: plan.hostId,
      observesPeers: observes ? observes(plan) : true,
      running: obs?.process === 'running',
      connected: fleet.isConnected(plan.hostId),
      probeAt: obs?.probeAt ?? 0,
    };
  });
}
