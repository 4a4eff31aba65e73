import type { DesiredInstanceSpec } from './diff.js';

/** What a probe reads and writes of a managed instance (InstanceManager's ManagedInstance fits). */
export interface ProbedInstance {
  spec: Pick<DesiredInstanceSpec, 'kind' | 'inputs'>;
  lastProbe?: { at: number; result: unknown };
}

/** How a kind probes (AgentServiceKind fits). */
export interface ProbeKind {
  probe(inputs: unknown, timeoutMs: number): Promise<unknown>;
}

export interface InstanceProbesDeps {
  instances: { readonly instances: ReadonlyMap<string, ProbedInstance> };
  kindOf: (kind: string) => ProbeKind | undefined;
  timeoutMs: number;
  now: () => number;
}

/** Probes managed instances by id and records each result as the instance's last probe. */
export class InstanceProbes {
  constructor(private readonly deps: InstanceProbesDeps) {}

  /** Resolves with the probe result, or undefined for an instance (or kind) this host does not have. */
  async probe(instanceId: string): Promise<unknown> {
    const m = this.deps.instances.instances.get(instanceId);
    const kind = m && this.deps.kindOf(m.spec.kind);
    if (!m || !kind) return undefined;
    const result = await kind.probe(m.spec.inputs, this.deps.timeoutMs);
    m.lastProbe = { at: this.deps.now(), result };
    return result;
  }
}
