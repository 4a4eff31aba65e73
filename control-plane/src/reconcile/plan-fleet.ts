import {
  DirClaims,
  normalisePath,
  serviceKind,
  type ClusterSpecBase,
  type ErrorDetail,
  type FleetContext,
  type InstancePlan,
} from '@hactl/shared';

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
export function planFleet(
  fleet: FleetContext,
  specs: readonly ClusterSpecBase[],
  /** Clusters held stopped (waiting for a dependency), with the reason. */
  held: ReadonlyMap<string, string> = new Map(),
): { byHost: Map<string, HostDesiredView>; plans: Map<string, InstancePlan[]> } {
  const byHost = new Map<string, HostDesiredView>();
  const plans = new Map<string, InstancePlan[]>();
  for (const h of fleet.hosts) byHost.set(h.id, { instances: [] });
  for (const spec of specs) {
    const kind = serviceKind(spec.kind);
    if (!kind) continue;
    const clusterPlans = kind.plan(spec, fleet);
    plans.set(spec.name, clusterPlans);
    for (const p of clusterPlans) {
      const runState = held.has(spec.name) ? 'stopped' : p.runState;
      byHost.get(p.hostId)?.instances.push({
        id: p.id,
        cluster: p.cluster,
        kind: p.kind,
        role: p.role,
        runState,
        inputs: p.inputs,
      });
    }
  }
  for (const view of byHost.values()) view.instances.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { byHost, plans };
}

/** A host's generation moves when its desired JSON differs from what is stored. */
export function diffHostDesired(
  stored: ReadonlyMap<string, { generation: number; json: string }>,
  planned: ReadonlyMap<string, HostDesiredView>,
): { hostId: string; generation: number; json: string }[] {
  const changes: { hostId: string; generation: number; json: string }[] = [];
  for (const [hostId, view] of planned) {
    const json = JSON.stringify(view);
    const prev = stored.get(hostId);
    if (!prev) changes.push({ hostId, generation: 1, json });
    else if (prev.json !== json) changes.push({ hostId, generation: prev.generation + 1, json });
  }
  return changes;
}

/**
 * Ports and directories claimed on each host by every cluster's instances; a clash that involves
 * `cluster` is a validation problem (e.g. ZooKeeper's AdminServer and the Storm UI both default to
 * 8080, service-facts §0.6). Directories are compared in normal form, and one inside another
 * clashes too (paths.ts DirClaims): `/data/zk/` is `/data/zk`, and a data dir inside another
 * cluster's log dir is still shared.
 */
export function checkClaims(
  fleet: FleetContext,
  specs: readonly ClusterSpecBase[],
  cluster: string,
): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const ports = new Map<string, string>();
  const dirs = new DirClaims();
  const hostName = new Map(fleet.hosts.map((h) => [h.id, h.name]));
  const addressOf = new Map(fleet.hosts.map((h) => [h.id, h.address]));
  for (const spec of specs) {
    const kind = serviceKind(spec.kind);
    if (!kind) continue;
    for (const plan of kind.plan(spec, fleet)) {
      const claims = kind.claims(plan.inputs);
      const owner = (what: string) => `${plan.id} (${what})`;
      for (const { port, what } of claims.ports) {
        const key = `${addressOf.get(plan.hostId)}:${port}`;
        const other = ports.get(key);
        if (
          other &&
          !other.startsWith(`${plan.cluster}/`) &&
          (plan.cluster === cluster || other.startsWith(`${cluster}/`))
        ) {
          problems.push({
            path: plan.cluster === cluster ? plan.id : other.split(' ')[0]!,
            message: `port ${port} on host ${hostName.get(plan.hostId)} is claimed by both ${other} and ${owner(what)}`,
          });
        } else if (!other) ports.set(key, owner(what));
      }
      for (const dir of claims.dirs) {
        // Clashes inside one cluster are its own validation's business.
        const clash = dirs
          .overlaps(plan.hostId, dir)
          .find(
            (o) =>
              !o.owner.startsWith(`${plan.cluster}/`) &&
              (plan.cluster === cluster || o.owner.startsWith(`${cluster}/`)),
          );
        if (clash) {
          const host = hostName.get(plan.hostId);
          const message =
            clash.relation === 'same'
              ? `directory ${clash.dir} on host ${host} is used by both ${clash.owner} and ${owner('data')}`
              : `directory ${normalisePath(dir)} of ${owner('data')} ${clash.relation === 'inside' ? 'is inside' : 'contains'} directory ${clash.dir} of ${clash.owner} on host ${host}`;
          problems.push({ path: plan.cluster === cluster ? plan.id : clash.owner.split(' ')[0]!, message });
        }
        dirs.add(plan.hostId, dir, owner('data'));
      }
    }
  }
  return problems;
}
