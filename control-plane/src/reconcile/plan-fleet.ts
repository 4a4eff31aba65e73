import { hostDesiredJson, sameDesiredJson, type HostDesiredState, type InstancePlan } from '@hactl/shared';

import type { FleetSnapshot, SnapshotDesired } from './snapshot.js';

export type { DesiredInstance, HostDesiredState } from '@hactl/shared';

/** A cluster's part in the fleet's desired state. */
export interface PlannedCluster {
  name: string;
  plans: readonly InstancePlan[];
}

/**
 * Groups every cluster's planned instances by host. Pure: the same inputs give byte-identical
 * JSON, so a host's generation moves only when its own part really changed. A cluster in `held`
 * (waiting for a dependency) has its instances stopped. (A cluster whose planner failed comes with
 * the plans its hosts were last given, snapshot.ts, so a planning error never stops or removes a
 * running member.)
 */
export function planHostDesired(
  hostIds: Iterable<string>,
  clusters: Iterable<PlannedCluster>,
  held: ReadonlyMap<string, string> = new Map(),
): Map<string, HostDesiredState> {
  const byHost = new Map<string, HostDesiredState>();
  for (const id of hostIds) byHost.set(id, { instances: [] });
  for (const c of clusters) {
    for (const p of c.plans) {
      const runState = held.has(c.name) ? 'stopped' : p.runState;
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
  return byHost;
}

/**
 * A host's generation moves when its desired JSON differs from what is stored. The JSON is
 * `JSON.stringify(view)`, made from each instance's inputs text (hostDesiredJson), which the apply
 * reuses to compare inputs and to send them. A stored state this control plane planned is compared
 * as objects (sameDesiredJson, the same answer), so only a changed host's JSON is made.
 */
export function diffHostDesired(
  stored: ReadonlyMap<string, SnapshotDesired>,
  planned: ReadonlyMap<string, HostDesiredState>,
): { hostId: string; generation: number; json: string; state: HostDesiredState }[] {
  const changes: { hostId: string; generation: number; json: string; state: HostDesiredState }[] = [];
  for (const [hostId, view] of planned) {
    const prev = stored.get(hostId);
    let json: string | undefined;
    if (prev?.state !== undefined) {
      if (sameDesiredJson(prev.state, view)) continue;
    } else if (prev) {
      json = hostDesiredJson(view);
      if (json === prev.json) continue;
    }
    changes.push({
      hostId,
      generation: (prev?.generation ?? 0) + 1,
      json: json ?? hostDesiredJson(view),
      state: view,
    });
  }
  return changes;
}

/** What a host's desired state was planned from: the snapshot's clusters and the holds. */
export interface PlannedFrom {
  snap: Pick<FleetSnapshot, 'hosts' | 'desired' | 'clusters'> & Partial<Pick<FleetSnapshot, 'derivedFrom'>>;
  held: ReadonlyMap<string, string>;
}

/**
 * When `now` is one revision after `last` (derived by withRevision from `last.clusters`, the usual
 * apply): the names whose entry differs (`now.derivedFrom`). Undefined otherwise, including when
 * nothing was revised: a re-plan then has more to judge than revised clusters (the periodic pass
 * re-plans to release held clusters, whose entries do not change). The one answer to "which
 * clusters did this apply revise", for the re-plan's hosts (hostsToReplan) and for the holds it
 * judges (revisions.ts recomputeDesired). Pure.
 */
export function clustersRevisedSince(
  last: Pick<FleetSnapshot, 'clusters'>,
  now: Pick<FleetSnapshot, 'clusters'> & Partial<Pick<FleetSnapshot, 'derivedFrom'>>,
): readonly string[] | undefined {
  return now.derivedFrom?.clusters === last.clusters ? now.derivedFrom.changed : undefined;
}

/**
 * The hosts whose desired state can differ from what is stored, when `now` follows `last` (the
 * snapshot the previous re-plan stored, and its holds); undefined when every host must be planned.
 *
 * planHostDesired reads each cluster's name, plans and hold, and nothing else; snapshots are
 * immutable, and a cluster whose plans did not change keeps the very same array. So when `now`
 * has `last`'s host list and stored desired states (the same objects: derived from it by new
 * revisions alone, with no re-read of the store in between), only the hosts of clusters whose
 * plans or hold changed, before or after (added and deleted clusters included), can plan
 * differently: none when the clusters map is the same, the clusters clustersRevisedSince names,
 * or every cluster compared when it cannot say; and those whose hold differs. After a re-read (a
 * host registered, a fact stored, a transaction rolled back) the host list and desired states
 * are new objects, and every host is planned. Without this each apply planned and compared every host of the fleet: at 3,000
 * three-member clusters, most of an apply's time (bench/dist/cluster-count.js). Pure.
 */
export function hostsToReplan(last: PlannedFrom | undefined, now: PlannedFrom): Set<string> | undefined {
  if (!last || now.snap.hosts !== last.snap.hosts || now.snap.desired !== last.snap.desired) return undefined;
  const hosts = new Set<string>();
  const add = (name: string) => {
    last.snap.clusters.get(name)?.plans.forEach((p) => hosts.add(p.hostId));
    now.snap.clusters.get(name)?.plans.forEach((p) => hosts.add(p.hostId));
  };
  for (const [name, reason] of now.held) if (last.held.get(name) !== reason) add(name);
  for (const name of last.held.keys()) if (!now.held.has(name)) add(name);
  const revised = now.snap.clusters === last.snap.clusters ? [] : clustersRevisedSince(last.snap, now.snap);
  if (revised) revised.forEach(add);
  else {
    for (const [name, c] of now.snap.clusters) if (last.snap.clusters.get(name)?.plans !== c.plans) add(name);
    for (const name of last.snap.clusters.keys()) if (!now.snap.clusters.has(name)) add(name);
  }
  return hosts;
}
