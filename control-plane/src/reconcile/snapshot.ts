import {
  serviceKind,
  type ClusterSpecBase,
  type FleetContext,
  type HostRecord,
  type InstancePlan,
} from '@hactl/shared';
import type { ClusterRow, HostRow, Store } from '../store/store.js';
import type { HostDesiredState } from './plan-fleet.js';

/** One accepted cluster as the snapshot holds it: its current spec and its plans, planned once. */
export interface SnapshotCluster {
  name: string;
  kind: string;
  revision: number;
  /** ms since epoch of the cluster's last revision. */
  updatedAt: number;
  spec: ClusterSpecBase;
  /**
   * The kind's plans for the current spec and fleet, in the planner's order. When the planner
   * failed: the instances its hosts were last given (from their stored desired states), so they
   * keep running as they are.
   */
  plans: readonly InstancePlan[];
  /**
   * Why the kind's planner threw for this cluster (a PlanError's message, or any error's);
   * undefined when it planned. The cluster's status says so, and the rest of the fleet is planned,
   * shown and rolled as usual.
   */
  planError?: string;
}

/** A host's stored desired state. */
export interface SnapshotDesired {
  generation: number;
  /** Exactly the stored `host_desired.state_json`: what is sent to the agent, byte for byte. */
  json: string;
}

/**
 * Everything the control plane decides from, read from the store once: hosts, every cluster's
 * current spec and facts, every cluster's plans, and each host's stored desired state. Read by
 * everything else — validation, previews, status views, rollouts and leases — instead of each of
 * them re-reading SQLite and re-planning the fleet. Immutable once built; the Fleet drops it when a
 * revision, a host, a fact or a desired state changes and reads a new one when it is next needed
 * (so a burst of agent registrations costs one rebuild, not one per hello).
 */
export interface FleetSnapshot {
  hosts: readonly HostRow[];
  hostById: ReadonlyMap<string, HostRow>;
  hostByName: ReadonlyMap<string, HostRow>;
  /** Host id → name, as the kinds' health rollups want it. */
  hostNames: ReadonlyMap<string, string>;
  /** Clusters by name, in the store's order. */
  clusters: ReadonlyMap<string, SnapshotCluster>;
  /** What the kinds validate and plan against (hosts, every current spec, stored facts). */
  context: FleetContext;
  /** Instance id → its plan, across every cluster. */
  planById: ReadonlyMap<string, InstancePlan>;
  /** Host id → its stored desired state. */
  desired: ReadonlyMap<string, SnapshotDesired>;
}

/**
 * Reads the store once and plans every cluster once. A planner that throws is caught per cluster
 * (recorded as `planError`), so one bad cluster does not stop the fleet's other clusters from
 * being planned, shown or rolled. Throws only when the store is inconsistent (a cluster whose
 * current revision is missing), which no transaction can leave behind.
 */
export function readFleetSnapshot(store: Store): FleetSnapshot {
  const hosts = store.listHosts();
  const records = hosts.map(hostRecord);
  const rows = store.listClusters();
  const specs = rows.map((row) => ({ row, spec: currentSpec(store, row) }));
  const context: FleetContext = {
    hosts: records,
    clusters: specs.map((s) => s.spec),
    clusterFacts: store.listClusterFacts(),
  };
  const desired = new Map<string, SnapshotDesired>();
  for (const r of store.listHostDesired())
    desired.set(r.host_id, { generation: r.generation, json: r.state_json });
  const clusters = new Map<string, SnapshotCluster>();
  const planById = new Map<string, InstancePlan>();
  for (const { row, spec } of specs) {
    const planned = planCluster(spec, context);
    const plans =
      planned.planError === undefined ? planned.plans : lastGivenPlans(row.name, desired.entries());
    clusters.set(row.name, {
      name: row.name,
      kind: row.kind,
      revision: row.current_revision,
      updatedAt: row.updated_at,
      spec,
      plans,
      ...(planned.planError === undefined ? {} : { planError: planned.planError }),
    });
    for (const p of plans) planById.set(p.id, p);
  }
  return {
    hosts,
    hostById: new Map(hosts.map((h) => [h.id, h])),
    hostByName: new Map(hosts.map((h) => [h.name, h])),
    hostNames: new Map(hosts.map((h) => [h.id, h.name])),
    clusters,
    context,
    planById,
    desired,
  };
}

/**
 * The same snapshot with some hosts' stored desired states replaced (after they were written):
 * storing desired states changes no spec, fact or plan, so nothing is re-read or re-planned. Pure.
 */
export function withDesired(
  snap: FleetSnapshot,
  changes: readonly { hostId: string; generation: number; json: string }[],
): FleetSnapshot {
  if (changes.length === 0) return snap;
  const desired = new Map(snap.desired);
  for (const c of changes) desired.set(c.hostId, { generation: c.generation, json: c.json });
  return { ...snap, desired };
}

/**
 * One cluster's plans against `context`, or why its planner failed. Pure.
 */
export function planCluster(
  spec: ClusterSpecBase,
  context: FleetContext,
): { plans: InstancePlan[]; planError?: string } {
  const kind = serviceKind(spec.kind);
  if (!kind) return { plans: [], planError: `kind ${spec.kind} is not known to this control plane` };
  try {
    return { plans: kind.plan(spec, context) };
  } catch (err) {
    return { plans: [], planError: err instanceof Error ? err.message : String(err) };
  }
}

/** The instances of `cluster` that hosts were last given, as plans (for a cluster that cannot be planned). */
function lastGivenPlans(cluster: string, desired: Iterable<[string, SnapshotDesired]>): InstancePlan[] {
  const plans: InstancePlan[] = [];
  for (const [hostId, d] of desired) {
    for (const i of (JSON.parse(d.json) as HostDesiredState).instances) {
      if (i.cluster !== cluster) continue;
      plans.push({
        ...i,
        kind: i.kind as InstancePlan['kind'],
        runState: i.runState as InstancePlan['runState'],
        hostId,
      });
    }
  }
  return plans;
}

function currentSpec(store: Store, row: ClusterRow): ClusterSpecBase {
  const rev = store.getRevision(row.name, row.current_revision);
  if (!rev) throw new Error(`store: cluster ${row.name} points at missing revision ${row.current_revision}`);
  return JSON.parse(rev.spec_json) as ClusterSpecBase;
}

/** A host row as the kinds see it. */
export function hostRecord(h: HostRow): HostRecord {
  return {
    id: h.id,
    name: h.name,
    address: h.address,
    dataRoot: h.data_root,
    labels: JSON.parse(h.labels_json) as Record<string, string>,
  };
}
