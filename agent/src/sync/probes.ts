import type { Prober } from '../services/types.js';
import type { DesiredInstance } from './diff.js';

/** What a probe reads and writes of a managed instance (InstanceManager's ManagedInstance fits). */
export interface ProbedInstance {
  spec: Pick<DesiredInstance, 'kind' | 'inputs'>;
  lastProbe?: { at: number; result: unknown };
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
    const result = await entry.prober.probe(m.spec.inputs, this.deps.timeoutMs);
    m.lastProbe = { at: this.deps.now(), result };
    return result;
  }

  /** Closes the prober of an instance that is gone (its connections with it). */
  async close(instanceId: string): Promise<void> {
    const entry = this.probers.get(instanceId);
    this.probers.delete(instanceId);
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
