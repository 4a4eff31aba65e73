import { PROBE_QUERY, type Logger } from '@hactl/shared';
import { Fleet } from './reconcile/fleet.js';
import { LeaseManager } from './leases/leases.js';
import { fleetPeers, PeerViews } from './leases/peer-views.js';
import { RolloutEngine } from './rollout/engine.js';
import { Changes } from './changes/changes.js';
import { MembershipGates } from './membership/gates.js';
import { FailoverEngine } from './failover/engine.js';
import type { Store } from './store/store.js';
import { MemberActions } from './actions/member-actions.js';
import { CommandService } from './commands/service.js';
import { Metrics } from './metrics/metrics.js';
import { readFleetState } from './metrics/fleet-state.js';

export interface CoreOptions {
  store: Store;
  logger: Logger;
  now: () => number;
  reportIntervalMs: number;
  leaseTtlMs: number;
  /** Hosts whose desired states are written per event-loop turn (outbox.ts PUSH_SLICE_HOSTS by default). */
  pushSliceHosts?: number;
  /** Check every partial re-plan against a whole one (RevisionsOptions.checkReplan; tests). */
  checkReplan?: boolean;
  /** 22-character ids for generated facts (KRaft cluster ids). */
  randomId: () => string;
  /** Short ids for rollouts and leases. */
  newId: () => string;
}

export interface Core {
  fleet: Fleet;
  leases: LeaseManager;
  rollouts: RolloutEngine;
  /** Operator changes (apply, rollback, delete), each all or nothing. */
  changes: Changes;
  /** Storm nimbus failovers (architecture §5). */
  failovers: FailoverEngine;
  /** The operator's named member actions (restart, stop, start, files, host status). */
  actions: MemberActions;
  /** Remote commands over the agent streams (`hactl exec`, `hactl logs -f`). */
  commands: CommandService;
  /** This control plane's Prometheus metrics (its own registry), fed by the engines' hooks. */
  metrics: Metrics;
}

/**
 * The control plane's state machines wired together: the fleet, restart leases (granted only for
 * the step a running rollout asked for) and the rollout engine. The transports (gRPC, REST) and
 * tests build on this one wiring.
 */
export function createCore(o: CoreOptions): Core {
  const controlPlaneId = ensureControlPlaneId(o.store, o.randomId);
  const fleet = new Fleet({
    store: o.store,
    logger: o.logger,
    now: o.now,
    reportIntervalMs: o.reportIntervalMs,
    randomId: o.randomId,
    controlPlaneId,
    newId: o.newId,
    ...(o.pushSliceHosts === undefined ? {} : { pushSliceHosts: o.pushSliceHosts }),
    ...(o.checkReplan ? { checkReplan: true } : {}),
  });
  const membership = new MembershipGates({
    store: o.store,
    fleet,
    leases: (): LeaseManager => leases,
    now: o.now,
  });
  const metrics = new Metrics(() => readFleetState(fleet, rollouts));
  const rollouts: RolloutEngine = new RolloutEngine({
    store: o.store,
    fleet,
    leases: (): LeaseManager => leases,
    logger: o.logger,
    now: o.now,
    newId: o.newId,
    membership,
    onStepDone: (r, step, { timed }) => {
      leases.releaseInstance(step.instance_id);
      if (timed) metrics.onStepDone(r, step, o.now());
      actions.onStepDone(r, step);
    },
  });
  const leases: LeaseManager = new LeaseManager({
    fleet,
    store: o.store,
    logger: o.logger,
    now: o.now,
    ttlMs: o.leaseTtlMs,
    retryAfterMs: Math.min(1000, o.reportIntervalMs),
    pendingFor: (cluster, except) => rollouts.pendingFor(cluster, except),
    authorize: (instanceId, reason) => rollouts.authorizeLease(instanceId, reason),
    newId: o.newId,
    gateStatus: (cluster) => membership.gateStatus(cluster),
    peerViews: new PeerViews({
      members: (cluster) => fleetPeers(fleet, cluster),
      // The agent's report comes before its answer (shared PROBE_QUERY).
      probe: (hostId, instanceId, timeoutMs) =>
        fleet.queryAgent(hostId, { instanceId, action: PROBE_QUERY, args: [] }, timeoutMs),
      now: o.now,
      logger: o.logger,
      maxGapMs: o.reportIntervalMs,
      onProbed: (cluster, answered) => metrics.onPeerProbe(cluster, answered),
    }),
    onDecision: (cluster, d, renewed) => metrics.onLeaseDecision(cluster, d, renewed),
  });
  fleet.onCommandResult = (host, result) => rollouts.onCommandResult(host, result);
  fleet.rolloutsVersion = () => rollouts.version;
  fleet.activeRollout = (cluster) => {
    const r = rollouts.active(cluster);
    return r && { id: r.id, state: r.state, reason: r.reason, action: r.action };
  };
  fleet.activeRollouts = () => rollouts.activeByCluster();
  fleet.onAgentConnected = (host) => rollouts.onAgentConnected(host);
  const failovers = new FailoverEngine({
    store: o.store,
    fleet,
    rollouts,
    logger: o.logger,
    now: o.now,
    newId: o.newId,
    // Agents report every interval; two missed reports and a half make one silent. A silent agent
    // alone never fails over: the other Storm hosts must also find the nimbus gone (decide.ts).
    silentAfterMs: o.reportIntervalMs * 2 + 500,
    // A witness probing a host that no longer answers SYNs reports after its probe timeout (the
    // agent's default is 2 s): three reports plus that.
    witnessFreshMs: o.reportIntervalMs * 3 + 3000,
    onFinished: (f, outcome) => metrics.onFailoverFinished(f, outcome),
  });
  const actions: MemberActions = new MemberActions({
    store: o.store,
    fleet,
    rollouts,
    leases: (): LeaseManager => leases,
    logger: o.logger,
    now: o.now,
  });
  const commands = new CommandService({
    store: o.store,
    fleet,
    logger: o.logger,
    now: o.now,
    newId: o.newId,
  });
  fleet.onExecMessage = (host, msg) => commands.onAgentMessage(host, msg);
  fleet.onAgentDisconnected = (host) => commands.onAgentDisconnected(host);
  return {
    fleet,
    leases,
    rollouts,
    actions,
    changes: new Changes({ fleet, rollouts, logger: o.logger }),
    failovers,
    commands,
    metrics,
  };
}

const CONTROL_PLANE_ID = 'control_plane_id';

/**
 * This control plane's identity: generated at the first start and kept in the store, so it lives
 * exactly as long as the state it vouches for. Agents remember it and refuse desired states from a
 * control plane with another one (a fresh, empty control plane must not empty the fleet; issue 16 #6).
 */
export function ensureControlPlaneId(store: Store, randomId: () => string): string {
  return store.ensureMeta(CONTROL_PLANE_ID, randomId);
}
