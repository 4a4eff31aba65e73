import crypto from 'node:crypto';
import type http from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { AgentServiceHandlers } from '@hactl/proto';
import type { Logger } from '@hactl/shared';
import type { ControlPlaneConfig } from '../config.js';
import { createCore, type Core } from '../core.js';
import type { Store } from '../store/store.js';
import type { TrustService } from '../trust/service.js';
import { createAgentServiceHandlers } from '../agent-rpc/service.js';
import { instrumentAgentHandlers } from '../metrics/grpc.js';
import { createApp } from '../api/app.js';
import { EventHub } from '../events/hub.js';
import { advertisedHost } from '../api/install-routes.js';
import { randomId } from '../random-id.js';
import type { ReplicaView } from '../api/contract.js';

/**
 * Hosts per liveness transaction in a timed flush: about 1-2 ms of SQLite writing each (10,000
 * hosts' flush alone took 20-25 ms as one transaction, 26-35 ms in slices of 500).
 */
const LIVENESS_SLICE = 500;

/**
 * How long a hold pass asked for by a held cluster's dependency waits, ms: long enough that the
 * reports of an ensemble's members, which arrive within moments of each other after a start,
 * share one pass; short beside the report interval the periodic pass keeps (5 s by default).
 */
const HOLD_CHECK_DELAY_MS = 100;

/** The least time between two hold passes, ms (releaseSoon says why). */
const HOLD_CHECK_GAP_MS = 1000;

export interface LeaderTermOptions {
  cfg: ControlPlaneConfig;
  store: Store;
  logger: Logger;
  now: () => number;
  trust: TrustService;
  /** Undefined under --insecure. */
  tls: boolean;
  /** The replicas' relay secret when several replicas share the store (replica/relay.ts). */
  relaySecret: string | undefined;
  /**
   * Whether this replica may still act as leader, judged locally (Leadership.leading): the loops
   * skip their pass and restart leases are refused once it may not. Always true for a lone control
   * plane.
   */
  mayAct: () => boolean;
  ports: { http: () => number; grpc: () => number };
  /**
   * On a shared store: the live replicas (GET /v1/replicas), whose gRPC endpoints install commands
   * give agents as their --server list. Absent for a lone control plane.
   */
  replicas?: () => ReplicaView[];
}

/**
 * One leadership term of a control plane: the core (fleet, leases, rollouts, failovers, actions,
 * commands, metrics) loaded from the store, the REST app and the agent service handlers over it,
 * and the loops (liveness flush, reconcile, rollouts, failovers). A lone control plane has one
 * term for its whole life; a replica on a shared store starts a term each time it gains the
 * leader lease and ends it when it loses the lease, so nothing it held in memory outlives its
 * leadership.
 */
export class LeaderTerm {
  readonly core: Core;
  readonly handlers: AgentServiceHandlers;
  /** The REST API as a Node request listener. */
  readonly listener: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  private readonly events: EventHub;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly logger: Logger;
  /** The control plane's clock (ms since the epoch), as the core reads it. */
  private readonly now: () => number;
  /** Set by `stop`: a liveness slice still queued then writes nothing. */
  private stopped = false;
  /** The hold pass a held cluster's dependency asked for (releaseSoon), while it waits. */
  private holdCheck: NodeJS.Timeout | undefined;
  /** When the last hold pass ran (ms since the epoch; 0 before the first). */
  private lastHoldCheck = 0;

  constructor(o: LeaderTermOptions) {
    const { cfg, logger } = o;
    this.logger = logger;
    this.now = o.now;
    this.core = createCore({
      store: o.store,
      logger,
      now: o.now,
      reportIntervalMs: cfg.reportIntervalMs,
      leaseTtlMs: cfg.leaseTtlMs,
      pushSliceHosts: cfg.pushSliceHosts,
      checkReplan: cfg.checkReplan,
      randomId,
      newId: () => crypto.randomBytes(6).toString('hex'),
    });
    const { fleet, leases, rollouts, changes, failovers, actions, commands, metrics } = this.core;
    metrics.collectProcessMetrics();
    const handlers = createAgentServiceHandlers({
      fleet,
      leases,
      logger,
      helloTimeoutMs: cfg.helloTimeoutMs,
      trust: o.tls ? o.trust : undefined,
      relaySecret: o.relaySecret,
      // Also false once this term has stopped: a lease request that waited for fresh peer views
      // (leases.ts acquireFresh) must not decide on this term's leases after a new term began
      // with its own (a regained lead keeps the holder, so the store's fence would let it write).
      mayGrant: () => !this.stopped && o.mayAct(),
    });
    this.handlers = instrumentAgentHandlers(handlers, metrics);
    // One fan-out for every console; status compared at the agents' report interval.
    this.events = new EventHub({
      feed: fleet,
      logger,
      statusIntervalMs: cfg.reportIntervalMs,
      bufferLimit: 1000,
    });
    const app = createApp({
      events: this.events,
      fleet,
      rollouts,
      changes,
      failovers,
      actions,
      commands,
      metrics,
      logger,
      trust: o.trust,
      install: {
        installScript: cfg.installScript,
        agentBundle: cfg.agentBundle,
        advertise: {
          host: advertisedHost(cfg.advertise, cfg.http.host),
          httpPort: o.ports.http,
          grpcPort: o.ports.grpc,
          ...(o.replicas ? { grpcEndpoints: () => o.replicas!().map((r) => r.grpc) } : {}),
        },
      },
      ...(o.replicas ? { replicas: o.replicas } : {}),
    });
    const handle = getRequestListener(app.fetch);
    this.listener = (req, res) => {
      // The listener answers every request itself, errors included (hono's error handler).
      void handle(req, res);
    };

    this.everyAfterPush(cfg.livenessFlushMs, 'liveness flush failed', () => {
      if (o.mayAct()) this.flushLivenessInSlices(() => o.mayAct());
    });
    fleet.onAwaitedChange = () => this.releaseSoon(() => o.mayAct());
    this.everyAfterPush(cfg.reportIntervalMs, 'reconcile pass failed', () => {
      if (!o.mayAct()) return;
      metrics.timeReconcile(() => {
        fleet.reconcileTick();
        rollouts.tick();
        failovers.tick();
      });
    });
  }

  /**
   * One liveness flush, written LIVENESS_SLICE hosts per transaction with the event loop free in
   * between: at 10,000 agents one transaction of every host took 20-25 ms alone and 50-90 ms on a
   * loaded machine (bench/dist/fleet-push.js profile), and every status report that arrived meanwhile
   * waited behind it. A slice is written only while the term runs and may act.
   */
  private flushLivenessInSlices(mayAct: () => boolean): void {
    if (this.stopped || !mayAct()) return;
    if (this.core.fleet.flushLiveness(LIVENESS_SLICE) < LIVENESS_SLICE) return;
    // The next slice also waits for a push that started meanwhile (everyAfterPush says why).
    setImmediate(() =>
      this.core.fleet.afterPush(() =>
        this.logged('liveness flush failed', () => this.flushLivenessInSlices(mayAct)),
      ),
    );
  }

  /**
   * A held cluster's dependency reported a change (Fleet.onAwaitedChange): `Fleet.releaseHeld`
   * judges the holds HOLD_CHECK_DELAY_MS later instead of at the next periodic pass, up to a report
   * interval away, so a Kafka or Storm cluster starts as soon as its ZooKeeper ensemble is healthy.
   * The reports that arrive meanwhile (an ensemble's members report within moments of each other)
   * share the one pass, which like the periodic ones waits for a push still being written. Passes
   * are at least HOLD_CHECK_GAP_MS apart: an unhealthy ensemble's reports keep changing (a
   * ZooKeeper probe carries the zxid, a crash-looping member a new pid), and each pass may read
   * the fleet again (a hello drops the snapshot).
   */
  private releaseSoon(mayAct: () => boolean): void {
    if (this.holdCheck !== undefined || this.stopped) return;
    const pass = () => {
      this.holdCheck = undefined;
      if (this.stopped || !mayAct()) return;
      this.lastHoldCheck = this.now();
      this.logged('hold release failed', () =>
        this.core.metrics.timeHoldCheck(() => this.core.fleet.releaseHeld()),
      );
    };
    const wait = Math.max(HOLD_CHECK_DELAY_MS, this.lastHoldCheck + HOLD_CHECK_GAP_MS - this.now());
    this.holdCheck = setTimeout(() => this.core.fleet.afterPush(pass, pass), wait);
    this.holdCheck.unref();
  }

  private every(ms: number, failure: string, fn: () => void): void {
    const t = setInterval(() => this.logged(failure, fn), ms);
    t.unref();
    this.timers.push(t);
  }

  /**
   * `every`, but a pass that falls due while a push is being written waits for its last slice
   * (Fleet.afterPush; at once when none is): the timer's passes are not part of the change, and at
   * 10,000 hosts a rollout pass (its steps read back, the cluster rolled up, 40-140 ms in a CPU
   * profile of bench/dist/fleet-push.js) or a liveness flush (a commit per 500 hosts) that ran
   * between two slices held back every later slice. A push to 10,000 hosts is written within
   * about a second, so a pass still waiting when the next interval falls due has waited a whole
   * interval for pushes that keep coming: that interval runs it at once, between slices, so a
   * gate timeout or a failover waits at most one interval longer. A pass dropped with the push
   * (the outbox is cleared when the term ends) is not run: the term is over.
   */
  private everyAfterPush(ms: number, failure: string, fn: () => void): void {
    let waiting = false;
    this.every(ms, failure, () => {
      if (waiting) return fn();
      waiting = true;
      this.core.fleet.afterPush(() => {
        waiting = false;
        if (!this.stopped) this.logged(failure, fn);
      });
    });
  }

  /** Runs a loop's pass; an error is logged as `failure` and the loop goes on. */
  private logged(failure: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, failure);
    }
  }

  /**
   * Ends the term: the loops stop, every agent stream ends with `reason` (the agents reconnect and
   * meet the next leader), open event streams close. `flush`: write the liveness still in memory
   * (a clean shutdown while leading; a replica that lost the lease writes nothing more).
   */
  stop(reason: string, flush: boolean): void {
    this.stopped = true;
    for (const t of this.timers.splice(0)) clearInterval(t);
    clearTimeout(this.holdCheck);
    this.core.fleet.closeAllSessions(reason);
    this.core.commands.stop();
    this.events.close();
    if (flush) this.core.fleet.flushLiveness();
  }
}
