import type { Prober } from '../services/types.js';
import type { SupervisorStatus } from '../supervisor/index.js';
import type { DesiredInstance } from './diff.js';

/**
 * An instance's last probe: when it was taken (ms), what it found, and the pid of the process it
 * probed (0: none ran when it began). A probe describes one process: the reporter sends it only
 * while that process still runs (reporter.ts), so a member restarted since its last probe is not
 * reported as its old process was (a leader restarted is not "still the leader").
 */
export interface LastProbe {
  at: number;
  result: unknown;
  pid: number;
}

/** What a probe reads and writes of a managed instance (InstanceManager's ManagedInstance fits). */
export interface ProbedInstance {
  spec: Pick<DesiredInstance, 'kind' | 'inputs'>;
  supervisor: { status(): Pick<SupervisorStatus, 'pid'> };
  lastProbe?: LastProbe;
}

/** How a kind probes (AgentServiceKind fits). */
export interface ProbeKind {
  createProber(): Prober;
}

export interface InstanceProbesDeps {
  instances: { readonly instances: ReadonlyMap<string, ProbedInstance> };
  kindOf: (kind: string) => ProbeKind | undefined;
  timeoutMs: number;
  now: () => number;
}

/**
 * Probes managed instances by id and records each result as the instance's last probe. Each
 * instance has one prober, made on its first probe and kept (with the client connections it holds)
 * until the instance is removed or the agent stops; the interval loop and a restart's readiness
 * wait share it.
 */
export class InstanceProbes {
  private readonly probers = new Map<string, { kind: string; prober: Prober }>();
  /** Probes begun so far, all instances: each probe's place in the order they began. */
  private began = 0;
  /** The place of the probe each instance's lastProbe came from. */
  private readonly recorded = new Map<string, number>();

  constructor(private readonly deps: InstanceProbesDeps) {}

  /** Resolves with the probe result, or undefined for an instance (or kind) this host does not have. */
  async probe(instanceId: string): Promise<unknown> {
    const m = this.deps.instances.instances.get(instanceId);
    const kind = m && this.deps.kindOf(m.spec.kind);
    if (!m || !kind) return undefined;
    let entry = this.probers.get(instanceId);
    if (entry?.kind !== m.spec.kind) {
      if (entry) await this.close(instanceId);
      entry = { kind: m.spec.kind, prober: kind.createProber() };
      this.probers.set(instanceId, entry);
    }
    // The pid before the probe: a restart while it runs leaves a result tagged with the old
    // process, which the reporter then drops.
    const pid = m.supervisor.status().pid ?? 0;
    // Stamped with when it began: its answer may describe any moment from then on, so a judgement
    // of "probed after X" (a restart's request, a peer's return: control-plane peer-views.ts)
    // counts it only if it began after X. A probe that began before the recorded one (a slow
    // periodic probe that a quicker one asked for later overtook) does not replace it; the order
    // is the order they began in, not the clock's, which may step back.
    const began = this.deps.now();
    const order = ++this.began;
    const result = await entry.prober.probe(m.spec.inputs, this.deps.timeoutMs);
    if ((this.recorded.get(instanceId) ?? 0) < order) {
      this.recorded.set(instanceId, order);
      m.lastProbe = { at: began, result, pid };
    }
    return result;
  }

  /** Closes the prober of an instance that is gone (its connections with it). */
  async close(instanceId: string): Promise<void> {
    const entry = this.probers.get(instanceId);
    this.probers.delete(instanceId);
    this.recorded.delete(instanceId);
    await entry?.prober.close();
  }

  /** Closes every prober whose instance is no longer managed. */
  async prune(): Promise<void> {
    for (const id of [...this.probers.keys()])
      if (!this.deps.instances.instances.has(id)) await this.close(id);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.probers.keys()].map((id) => this.close(id)));
  }
}
