import {
  hostDesiredJson,
  overlay,
  serviceKind,
  type ClusterSpecBase,
  type FleetContext,
  type HostRecord,
  type InstancePlan,
} from '@hactl/shared';
import { applyOperatorStops } from '../actions/run-state.js';
import { STARTED_FACT } from './holds.js';
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
  /**
   * The plans whose ports and directories the apply that stored them checked for clashes, and the
   * host list it checked them against. While both are still the snapshot's (`plans` and
   * `context.hosts`, by identity), the next apply may skip the check for a change that claims
   * nothing new (registry.ts `checkedPlans`). Absent after a read from the store.
   */
  claimsChecked?: { plans: readonly InstancePlan[]; hosts: readonly HostRecord[] };
}

/**
 * A host's stored desired state: the stored text itself after a read from the store, or the object
 * this control plane planned and stored (its text is `hostDesiredJson(state)`, byte for byte, and
 * is not kept: at 10,000 hosts those texts were 7 MB that the young-generation collections of
 * every apply copied, when nothing but the next comparison read them; desired-json.ts
 * sameDesiredJson compares the objects instead).
 */
export type SnapshotDesired =
  | { generation: number; json: string; state?: undefined }
  | { generation: number; json?: undefined; state: HostDesiredState };

/** The stored `host_desired.state_json` of `d`: what is sent to the agent, byte for byte. */
export function desiredJson(d: SnapshotDesired): string {
  return d.json ?? hostDesiredJson(d.state);
}

/**
 * Everything the control plane decides from, read from the store once: hosts, every cluster's
 * current spec and facts, every cluster's plans, and each host's stored desired state. Read by
 * everything else — validation, previews, status views, rollouts and leases — instead of each of
 * them re-reading SQLite and re-planning the fleet. Immutable once built; after a revision or
 * desired states are stored the Fleet derives the next one from it (`withRevision`,
 * `withDesired`), and when a host or a fact changes otherwise it drops it and reads a new one when
 * it is next needed (so a burst of agent registrations costs one rebuild, not one per hello).
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
  /**
   * Host id → the names of the clusters with a plan on it, sorted (the clusters' order); a host
   * with none is absent. What an apply reads to plan, compare and check the claims of only the
   * hosts it touches: without it each apply scanned every cluster's plans three times, so its cost
   * grew with the number of clusters (bench/dist/cluster-count.js --storm: at 6,000 clusters about
   * 10 ms of a 33 ms PUT). The order of the map itself means nothing.
   */
  clustersOnHost: ReadonlyMap<string, readonly string[]>;
  /** Host address → the ids of the hosts registered at it (ports are per address; hosts may share one). */
  hostsAtAddress: ReadonlyMap<string, readonly string[]>;
  /**
   * Cluster name → the clusters whose kind names it among their `dependencies` (whose planners
   * read its spec), sorted; the name need not be a cluster (a reference to a missing one).
   */
  dependents: ReadonlyMap<string, readonly string[]>;
  /**
   * The clusters with dependencies that were not released yet (no `hactl.started` fact, holds.ts)
   * → those dependencies: the only clusters a dependency hold can hold or release.
   */
  unreleased: ReadonlyMap<string, readonly string[]>;
  /**
   * Set by `withRevision` alone: the clusters map it derived this one's from and the names whose
   * entry differs between the two (the revised cluster and the dependents planned again). A re-plan
   * that last ran on that map re-plans the hosts of those clusters only (plan-fleet.ts
   * hostsToReplan). Undefined after a read and after any other derivation; always present, so
   * that every snapshot has the same fields (one object shape for V8).
   */
  derivedFrom: { clusters: ReadonlyMap<string, SnapshotCluster>; changed: readonly string[] } | undefined;
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
    clusters: new Map(specs.map((s) => [s.row.name, s.spec])),
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
  const hostsAtAddress = new Map<string, string[]>();
  for (const h of hosts) addTo(hostsAtAddress, h.address, h.id);
  return {
    hosts,
    hostById: new Map(hosts.map((h) => [h.id, h])),
    hostByName: new Map(hosts.map((h) => [h.name, h])),
    hostNames: new Map(hosts.map((h) => [h.id, h.name])),
    clusters,
    context,
    planById,
    desired,
    hostsAtAddress,
    ...indexClusters(clusters, context.clusterFacts),
    derivedFrom: undefined,
  };
}

/** The snapshot's indexes of `clusters` (in name order), as a fresh read builds them. */
function indexClusters(
  clusters: ReadonlyMap<string, SnapshotCluster>,
  facts: FleetContext['clusterFacts'],
): Pick<FleetSnapshot, 'clustersOnHost' | 'dependents' | 'unreleased'> {
  const clustersOnHost = new Map<string, string[]>();
  const dependents = new Map<string, string[]>();
  const unreleased = new Map<string, readonly string[]>();
  for (const c of clusters.values()) {
    for (const hostId of hostsOf(c.plans)) addTo(clustersOnHost, hostId, c.name);
    const deps = dependenciesOf(c);
    for (const d of deps) addTo(dependents, d, c.name);
    if (isUnreleased(deps, facts?.get(c.name))) unreleased.set(c.name, deps);
  }
  return { clustersOnHost, dependents, unreleased };
}

/**
 * The clusters some unreleased cluster depends on (the dependencies in `unreleased`): a report from
 * one of their members may release a hold (Fleet.onAwaitedChange). Pure.
 */
export function awaitedClusters(snap: Pick<FleetSnapshot, 'unreleased'>): Set<string> {
  const awaited = new Set<string>();
  for (const deps of snap.unreleased.values()) for (const d of deps) awaited.add(d);
  return awaited;
}

/** Appends `value` to `index`'s list at `key`, starting the list when there is none. */
function addTo(index: Map<string, string[]>, key: string, value: string): void {
  const list = index.get(key);
  if (list) list.push(value);
  else index.set(key, [value]);
}

/** The distinct hosts of `plans`. */
function hostsOf(plans: readonly InstancePlan[]): Set<string> {
  return new Set(plans.map((p) => p.hostId));
}

/** The clusters `c`'s kind says it depends on (and whose specs its planner reads). */
function dependenciesOf(c: { kind: string; spec: ClusterSpecBase }): readonly string[] {
  return serviceKind(c.kind)?.dependencies?.(c.spec) ?? [];
}

/** Whether a cluster with `deps` can still be held: it has some, and was not released (holds.ts). */
function isUnreleased(deps: readonly string[], facts: Readonly<Record<string, string>> | undefined): boolean {
  return deps.length > 0 && facts?.[STARTED_FACT] !== '1';
}

/**
 * `index` (name lists per key, each sorted) after `name` moved from the keys `before` to the keys
 * `after`: it leaves the lists of the keys only in `before` (a key left with no name is deleted)
 * and joins those of the keys only in `after`. Pure.
 */
function moveName(
  index: ReadonlyMap<string, readonly string[]>,
  name: string,
  before: Iterable<string>,
  after: Iterable<string>,
): ReadonlyMap<string, readonly string[]> {
  const [was, now] = [new Set(before), new Set(after)];
  const sets: [string, readonly string[]][] = [];
  const deletes: string[] = [];
  for (const key of was) {
    if (now.has(key)) continue;
    const names = (index.get(key) ?? []).filter((n) => n !== name);
    if (names.length) sets.push([key, names]);
    else deletes.push(key);
  }
  for (const key of now) if (!was.has(key)) sets.push([key, [...(index.get(key) ?? []), name].sort(byText)]);
  return sets.length || deletes.length ? overlay(index, sets, deletes) : index;
}

/** Orders strings as the store orders names (binary). */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The names of the clusters with a plan on one of `hostIds` (the `clustersOnHost` index), sorted:
 * the snapshot's cluster order.
 */
export function clusterNamesOn(snap: FleetSnapshot, hostIds: Iterable<string>): string[] {
  const names = new Set<string>();
  for (const id of hostIds) for (const name of snap.clustersOnHost.get(id) ?? []) names.add(name);
  return [...names].sort(byText);
}

/**
 * The same snapshot with some hosts' stored desired states replaced (after they were written):
 * storing desired states changes no spec, fact or plan, so nothing is re-read or re-planned. Pure.
 */
export function withDesired(
  snap: FleetSnapshot,
  changes: readonly { hostId: string; generation: number; json: string; state?: HostDesiredState }[],
): FleetSnapshot {
  // What `snap` was derived from is of no use past its re-plan, which stored these (hostsToReplan
  // reads it of the snapshot derived next), and would keep the clusters before the revision, every
  // plan and inputs object of the changed cluster included, alive until the next apply.
  if (changes.length === 0) return snap.derivedFrom ? { ...snap, derivedFrom: undefined } : snap;
  const desired = overlay(
    snap.desired,
    changes.map((c): [string, SnapshotDesired] => [
      c.hostId,
      c.state === undefined
        ? { generation: c.generation, json: c.json }
        : { generation: c.generation, state: c.state },
    ]),
  );
  return { ...snap, desired, derivedFrom: undefined };
}

/** One cluster's new revision as `withRevision` takes it: what was just stored, and its plans. */
export interface StoredRevision {
  name: string;
  kind: string;
  revision: number;
  /** ms since epoch the revision was stored at (the cluster row's `updated_at`). */
  updatedAt: number;
  /** The spec as stored (parsed back from its `spec_json`, as a fresh read holds it). */
  spec: ClusterSpecBase;
  /** The cluster's facts after the write (stored ones and any generated with the revision). */
  facts: Readonly<Record<string, string>>;
  /** The spec's plans against the fleet with those facts (validation planned them). */
  plans: readonly InstancePlan[];
  /** The host list validation checked the plans' claims against (SnapshotCluster.claimsChecked). */
  claimsCheckedAgainst: readonly HostRecord[];
}

/**
 * The snapshot after one cluster's new revision (and its facts) was stored, derived from `snap`
 * instead of re-reading and re-planning the whole fleet: the cluster takes its new spec, facts and
 * plans, and only the clusters whose planners read its spec (those naming it among their kind's
 * `dependencies`, the `dependents` index) are planned again. Every other cluster keeps its plans:
 * a planner reads only the hosts, its own facts and the specs it depends on, and none of those
 * changed. Equal to `readFleetSnapshot` of the store after the write (snapshot.test.ts), with
 * `derivedFrom` saying what changed. Pure.
 */
export function withRevision(snap: FleetSnapshot, rev: StoredRevision): FleetSnapshot {
  const changed: SnapshotCluster = {
    name: rev.name,
    kind: rev.kind,
    revision: rev.revision,
    updatedAt: rev.updatedAt,
    spec: rev.spec,
    plans: rev.plans,
    claimsChecked: { plans: rev.plans, hosts: rev.claimsCheckedAgainst },
  };
  // The store lists clusters and facts by name (ORDER BY name, SQLite's binary collation). A
  // cluster that exists keeps its place, so only a new one makes the maps be rebuilt in order;
  // changing one entry of an overlay (overlay-map.ts), not a copy, keeps an apply's cost off the
  // number of clusters (bench/dist/cluster-count.js).
  const byName = ([a]: [string, unknown], [b]: [string, unknown]) => byText(a, b);
  const before = snap.clusters.get(rev.name);
  let clusters = before
    ? overlay(snap.clusters, [[rev.name, changed]])
    : new Map([...snap.clusters, [rev.name, changed] as [string, SnapshotCluster]].sort(byName));
  const facts = snap.context.clusterFacts ?? new Map<string, Record<string, string>>();
  const hasFacts = Object.keys(rev.facts).length > 0;
  const clusterFacts =
    !hasFacts || facts.has(rev.name)
      ? overlay(facts, hasFacts ? [[rev.name, sortedKeys(rev.facts)]] : [], hasFacts ? [] : [rev.name])
      : new Map(
          [...facts, [rev.name, sortedKeys(rev.facts)] as [string, Record<string, string>]].sort(byName),
        );
  const context: FleetContext = {
    hosts: snap.context.hosts,
    clusters: overlay(snap.context.clusters, [[rev.name, rev.spec]]),
    clusterFacts,
  };
  const depsBefore = before ? dependenciesOf(before) : [];
  const deps = dependenciesOf(changed);
  const dependents = moveName(snap.dependents, rev.name, depsBefore, deps);
  const unreleased = isUnreleased(deps, rev.facts)
    ? overlay(snap.unreleased, [[rev.name, deps]])
    : overlay(snap.unreleased, [], [rev.name]);
  const replans: [string, SnapshotCluster][] = [];
  for (const name of dependents.get(rev.name) ?? []) {
    const c = clusters.get(name);
    if (c && name !== rev.name) replans.push([name, replanned(c, context, snap.desired)]);
  }
  if (replans.length) clusters = overlay(clusters, replans);
  const names = [rev.name, ...replans.map(([name]) => name)];
  return {
    ...snap,
    clusters,
    context,
    ...reindexPlans(snap, clusters, names),
    dependents,
    unreleased,
    derivedFrom: { clusters: snap.clusters, changed: names },
  };
}

/**
 * The snapshot with the entries of some existing clusters replaced (new plans or a plan error,
 * same names and specs; membership/stored.ts withProcedures), its plan indexes kept in step. No
 * `derivedFrom` (undefined): hostsToReplan then compares every cluster. Pure.
 */
export function withClusters(snap: FleetSnapshot, replaced: readonly SnapshotCluster[]): FleetSnapshot {
  if (replaced.length === 0) return snap;
  const clusters = overlay(
    snap.clusters,
    replaced.map((c): [string, SnapshotCluster] => [c.name, c]),
  );
  return {
    ...snap,
    clusters,
    ...reindexPlans(
      snap,
      clusters,
      replaced.map((c) => c.name),
    ),
    derivedFrom: undefined,
  };
}

/**
 * `planById` and `clustersOnHost` after the clusters `names` took their entries in `clusters`
 * (from `snap.clusters`, where a new one is missing). Plans by id keep the order a fresh read
 * makes (cluster order): a cluster whose plans are the same instances as before takes its new
 * plans in place, and any other change rebuilds the map.
 */
function reindexPlans(
  snap: FleetSnapshot,
  clusters: ReadonlyMap<string, SnapshotCluster>,
  names: readonly string[],
): Pick<FleetSnapshot, 'planById' | 'clustersOnHost'> {
  const planSets: [string, InstancePlan][] = [];
  let rebuild = false;
  let clustersOnHost = snap.clustersOnHost;
  for (const name of names) {
    const was = snap.clusters.get(name)?.plans ?? [];
    const now = clusters.get(name)?.plans ?? [];
    if (was === now) continue;
    if (snap.clusters.has(name) && sameInstances(was, now)) {
      for (const p of now) planSets.push([p.id, p]);
      // The usual change (settings of every member): the same instances on the same hosts.
      if (now.every((p, i) => p.hostId === was[i]!.hostId)) continue;
    } else rebuild = true;
    clustersOnHost = moveName(clustersOnHost, name, hostsOf(was), hostsOf(now));
  }
  let planById: ReadonlyMap<string, InstancePlan>;
  if (rebuild) {
    const all = new Map<string, InstancePlan>();
    for (const c of clusters.values()) for (const p of c.plans) all.set(p.id, p);
    planById = all;
  } else planById = overlay(snap.planById, planSets);
  return { planById, clustersOnHost };
}

/** The same instance ids in the same order. */
function sameInstances(a: readonly InstancePlan[], b: readonly InstancePlan[]): boolean {
  return a.length === b.length && a.every((p, i) => p.id === b[i]!.id);
}

/** `c` planned again against `context`, exactly as `readFleetSnapshot` plans it. */
function replanned(
  c: SnapshotCluster,
  context: FleetContext,
  desired: ReadonlyMap<string, SnapshotDesired>,
): SnapshotCluster {
  const planned = planCluster(c.spec, context);
  const { planError: _dropped, ...rest } = c;
  if (planned.planError === undefined) return { ...rest, plans: planned.plans };
  return { ...rest, plans: lastGivenPlans(c.name, desired.entries()), planError: planned.planError };
}

function sortedKeys(facts: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(facts).sort()) out[k] = facts[k]!;
  return out;
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
    // Members the operator stopped (hactl stop) are planned stopped in every plan made (actions/run-state.ts).
    return { plans: applyOperatorStops(kind.plan(spec, context), context.clusterFacts?.get(spec.name)) };
  } catch (err) {
    return { plans: [], planError: err instanceof Error ? err.message : String(err) };
  }
}

/** The instances of `cluster` that hosts were last given, as plans (for a cluster that cannot be planned). */
function lastGivenPlans(cluster: string, desired: Iterable<[string, SnapshotDesired]>): InstancePlan[] {
  const plans: InstancePlan[] = [];
  for (const [hostId, d] of desired) {
    for (const i of (d.state ?? (JSON.parse(d.json) as HostDesiredState)).instances) {
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
