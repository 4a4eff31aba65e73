import { serviceKind, type ClusterSpecBase, type FleetContext, type InstancePlan } from '@hactl/shared';

/** One instance in a host's desired state, as stored and sent (inputs stay structured here). */
export interface DesiredInstanceView {
  id: string;
  cluster: string;
  kind: string;
  role: string;
  runState: string;
  inputs: unknown;
}

export interface HostDesiredView {
  instances: DesiredInstanceView[];
}

/**
 * Plans every cluster and groups the instances by host. Pure: the same fleet gives byte-identical
 * JSON, so a host's generation moves only when its own part really changed.
 */
export function planFleet(fleet: FleetContext, specs: readonly ClusterSpecBase[]): { byHost: Map<string, HostDesiredView>; plans: Map<string, InstancePlan[]> } {
  const byHost = new Map<string, HostDesiredView>();
  const plans = new Map<string, InstancePlan[]>();
  for (const h of fleet.hosts) byHost.set(h.id, { instances: [] });
  for (const spec of specs) {
    const kind = serviceKind(spec.kind);
    if (!kind) continue;
    const clusterPlans = kind.plan(spec, fleet);
    plans.set(spec.name, clusterPlans);
    for (const p of clusterPlans) {
      byHost.get(p.hostId)?.instances.push({ id: p.id, cluster: p.cluster, kind: p.kind, role: p.role, runState: p.runState, inputs: p.inputs });
    }
  }
  for (const view of byHost.values()) view.instances.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { byHost, plans };
}

/** A host's generation moves when its desired JSON differs from what is stored. */
export function diffHostDesired(stored: ReadonlyMap<string, { generation: number; json: string }>, planned: ReadonlyMap<string, HostDesiredView>): { hostId: string; generation: number; json: string }[] {
  const changes: { hostId: string; generation: number; json: string }[] = [];
  for (const [hostId, view] of planned) {
    const json = JSON.stringify(view);
    const prev = stored.get(hostId);
    if (!prev) changes.push({ hostId, generation: 1, json });
    else if (prev.json !== json) changes.push({ hostId, generation: prev.generation + 1, json });
  }
  return changes;
}
