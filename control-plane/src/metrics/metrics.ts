/**
 * The control plane's Prometheus metrics (prom-client), one Registry per control-plane instance
 * (never prom-client's global default registry: tests and several control planes in one process
 * would share and clash over it).
 *
 * Gauges are read at scrape time by their collect() callbacks from the same views the REST API
 * answers with (samples.ts); no timer runs in the background. Counters and histograms are fed by
 * the core's hooks as things happen: lease decisions, finished failovers, finished rollout steps,
 * reconcile passes and gRPC calls.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LeaseDecision } from '../leases/leases.js';
import type { FailoverRow, RolloutRow, RolloutStepRow } from '../store/store.js';
import { GAUGES, planFleetSamples, type FleetState, type GaugeName, type Sample } from './samples.js';

/** Buckets for rollout steps (seconds): a member restart takes seconds to minutes; gates may hold it for up to the gate timeout. */
const STEP_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** Buckets for reconcile passes and gRPC handling (seconds): milliseconds normally, a second under load. */
const FAST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** A refusal that came before the gates were asked (no rollout asked, another attempt holds the lease, not the host's instance). */
export const NOT_ASKED_GATE = 'not-authorized';

/** The control plane's metrics: its registry, and the hooks the core calls. */
export class Metrics {
  /** This instance's registry; `GET /metrics` renders it. */
  readonly registry = new Registry();
  private readonly leaseGrants: Counter<'cluster'>;
  private readonly leaseRefusals: Counter<'cluster' | 'gate'>;
  private readonly failovers: Counter<'cluster' | 'trigger' | 'outcome'>;
  private readonly stepDuration: Histogram<'cluster' | 'action' | 'op'>;
  private readonly reconcileDuration: Histogram;
  private readonly holdCheckDuration: Histogram;
  private readonly peerProbes: Counter<'cluster' | 'outcome'>;
  private readonly grpcDuration: Histogram<'method' | 'code'>;
  private cached: Record<GaugeName, Sample[]> | undefined;

  /**
   * @param readState reads the fleet's views (cluster views, hosts, active rollouts) for one
   *   scrape; called once per scrape however many gauges read it.
   */
  constructor(private readonly readState: () => FleetState) {
    const registers = [this.registry];
    const samples = (name: GaugeName) => this.samples()[name];
    for (const [name, def] of Object.entries(GAUGES) as [GaugeName, (typeof GAUGES)[GaugeName]][]) {
      new Gauge({
        name,
        help: def.help,
        labelNames: def.labels,
        registers,
        collect() {
          this.reset();
          for (const s of samples(name)) this.set(s.labels, s.value);
        },
      });
    }
    this.leaseGrants = new Counter({
      name: 'hactl_lease_grants_total',
      help: 'Restart leases granted (renewals not counted).',
      labelNames: ['cluster'],
      registers,
    });
    this.leaseRefusals = new Counter({
      name: 'hactl_lease_refusals_total',
      help: `Restart lease refusals by failing gate (one per failing gate; "${NOT_ASKED_GATE}" when refused before the gates).`,
      labelNames: ['cluster', 'gate'],
      registers,
    });
    this.failovers = new Counter({
      name: 'hactl_failovers_total',
      help: 'Storm nimbus failovers finished, by trigger (auto, operator) and outcome (completed, failed).',
      labelNames: ['cluster', 'trigger', 'outcome'],
      registers,
    });
    this.stepDuration = new Histogram({
      name: 'hactl_rollout_step_duration_seconds',
      help: 'Time from a rollout step request to its end (lease wait, stop, start, probes answering).',
      labelNames: ['cluster', 'action', 'op'],
      buckets: STEP_BUCKETS,
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: 'hactl_reconcile_duration_seconds',
      help: 'Duration of one reconcile pass (desired states, rollouts, failovers).',
      buckets: FAST_BUCKETS,
      registers,
    });
    this.holdCheckDuration = new Histogram({
      name: 'hactl_hold_check_duration_seconds',
      help: "Duration of one hold pass a dependency's report asked for (held clusters released between reconcile passes); its count is how often they ran.",
      buckets: FAST_BUCKETS,
      registers,
    });
    this.peerProbes = new Counter({
      name: 'hactl_peer_probes_total',
      help: "Members asked to probe now before a restart lease was refused for the cluster's health on older views, by outcome (answered, unanswered).",
      labelNames: ['cluster', 'outcome'],
      registers,
    });
    this.grpcDuration = new Histogram({
      name: 'hactl_grpc_handling_seconds',
      help: 'Time the control plane spends handling an agent gRPC call (unary) or one Connect stream message.',
      labelNames: ['method', 'code'],
      buckets: FAST_BUCKETS,
      registers,
    });
  }

  /** Adds Node's process metrics (CPU, memory, event loop; prom-client's defaults) to the registry. For main.ts only: they are per process. */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The exposition text for `GET /metrics`, and its content type. */
  async render(): Promise<{ text: string; contentType: string }> {
    this.cached = undefined;
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  /** Records a lease decision (LeaseManager's onDecision). */
  onLeaseDecision(cluster: string, d: LeaseDecision, renewed: boolean): void {
    if (d.granted) {
      if (!renewed) this.leaseGrants.inc({ cluster });
      return;
    }
    const failing = d.gates.filter((g) => !g.ok).map((g) => g.gate);
    for (const gate of failing.length ? failing : [NOT_ASKED_GATE]) this.leaseRefusals.inc({ cluster, gate });
  }

  /** Records a finished failover (FailoverEngine's onFinished). */
  onFailoverFinished(f: Pick<FailoverRow, 'cluster' | 'trigger'>, outcome: 'completed' | 'failed'): void {
    this.failovers.inc({ cluster: f.cluster, trigger: f.trigger, outcome });
  }

  /**
   * Records a finished rollout step; `now` in ms (the core's clock). Steps never requested are not
   * timed, and the core does not call this for a step found done on resume (its end is not known).
   */
  onStepDone(r: Pick<RolloutRow, 'cluster' | 'action'>, step: RolloutStepRow, now: number): void {
    if (!step.requested_at) return;
    this.stepDuration.observe(
      { cluster: r.cluster, action: r.action, op: step.op ?? 'restart' },
      Math.max(0, now - step.requested_at) / 1000,
    );
  }

  /** Runs one reconcile pass and records its duration (also when it throws, which it rethrows). */
  timeReconcile<T>(pass: () => T): T {
    return timed(this.reconcileDuration, pass);
  }

  /** Runs one hold pass (term.ts releaseSoon) and records its duration (also when it throws, which it rethrows). */
  timeHoldCheck<T>(pass: () => T): T {
    return timed(this.holdCheckDuration, pass);
  }

  /** Records one member asked to probe before a lease decision (leases/peer-views.ts), answered or not. */
  onPeerProbe(cluster: string, answered: boolean): void {
    this.peerProbes.inc({ cluster, outcome: answered ? 'answered' : 'unanswered' });
  }

  /** Records the handling time of one gRPC call or stream message, in seconds. */
  observeGrpc(method: string, code: string, seconds: number): void {
    this.grpcDuration.observe({ method, code }, seconds);
  }

  /**
   * The gauges' samples of this scrape: read once, by the first gauge collected, and dropped when
   * the current task ends, so the next scrape reads the fleet again.
   */
  private samples(): Record<GaugeName, Sample[]> {
    if (!this.cached) {
      this.cached = planFleetSamples(this.readState());
      queueMicrotask(() => (this.cached = undefined));
    }
    return this.cached;
  }
}

/** Runs `pass` and observes its duration in `h` (seconds), also when it throws, which it rethrows. */
function timed<T>(h: Histogram, pass: () => T): T {
  const end = h.startTimer();
  try {
    return pass();
  } finally {
    end();
  }
}
