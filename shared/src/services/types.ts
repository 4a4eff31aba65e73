import type { z } from 'zod';
import type { ErrorDetail } from '../errors.js';
import type {
  ClusterHealth,
  ClusterSpecBase,
  ClusterStatus,
  HostRecord,
  InstanceObservation,
  InstancePlan,
  RenderedFile,
} from '../domain.js';

/** What validation and planning know about the fleet. */
export interface FleetContext {
  /** Registered hosts, looked up by name or id. */
  hosts: readonly HostRecord[];
  /**
   * Accepted clusters by name, for cross-cluster references (a client kind's ZooKeeper ensemble)
   * and clash checks. A map, not a list: an apply of one cluster derives it with one entry changed
   * (overlay-map.ts) where a list was rebuilt and searched per apply, a cost that grew with the
   * number of clusters (bench/dist/cluster-count.js). Its order means nothing to a kind.
   */
  clusters: ReadonlyMap<string, ClusterSpecBase>;
  /**
   * Facts the control plane created or learned per cluster and stored (e.g. a KRaft cluster id
   * generated once, an Elasticsearch cluster uuid once the cluster formed). Absent in previews.
   */
  clusterFacts?: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** What one instance holds on its host: checked across every cluster for clashes. */
export interface InstanceClaims {
  /** TCP ports bound on the host's address, with what they are for (e.g. "clientPort"). */
  ports: { port: number; what: string }[];
  /** Directories the instance owns exclusively (data dirs, log dirs). */
  dirs: string[];
}

/**
 * What a change of an instance's render inputs takes: `none` (same inputs), `reload` (new files
 * are written and the running process keeps running: it reads them at its next start or rereads
 * them itself) or `restart` (the process must restart, under a lease, to take them).
 */
export type ChangeClass = 'none' | 'reload' | 'restart';

export type ValidationResult<S> =
  /**
   * `warnings`: caveats about the spec that do not refuse it, each at its field, shown as
   * `warning: path: message` with a dry run and an apply's answer.
   */
  { ok: true; spec: S; warnings?: ErrorDetail[] } | { ok: false; problems: ErrorDetail[] };

/** Observations of a cluster's instances at one point in time, input to the health rollup. */
export interface HealthInput<S> {
  spec: S;
  plans: readonly InstancePlan[];
  observations: ReadonlyMap<string, InstanceObservation>;
  /** Hosts whose agent has not yet applied the generation that contains this cluster's revision. */
  lagging: ReadonlySet<string>;
  hostNames: ReadonlyMap<string, string>;
  now: number;
  /** A probe older than this is treated as missing. */
  staleAfterMs: number;
}

/** A znode subtree a cluster keeps its state under (ServiceKind.znodeRoot). */
export interface ZnodeRoot {
  /** The hactl ZooKeeper cluster (the spec's `zookeeper` field). */
  zookeeper: string;
  /** The subtree's absolute path, e.g. `/kafka-main`. */
  root: string;
  /** The spec field that sets it, where a clash is reported (`chroot`). */
  path: string;
}

/**
 * The pure half of a service kind. Everything here takes data and returns data; the agent's
 * effectful half (process launch, probes) lives in agent/src/services/<kind>/.
 */
export interface ServiceKind<S extends ClusterSpecBase = ClusterSpecBase, I = unknown> {
  readonly kind: S['kind'];
  /**
   * The zod schema of the kind's spec, as `validate` parses it first (cross-field rules such as
   * ensemble sizes are `validate`'s alone). Its JSON Schema is `hactl schema KIND` (json-schema.ts).
   */
  readonly specSchema: z.ZodType;
  /** Checks a raw spec; reports every problem at once with field paths. */
  validate(raw: unknown, fleet: FleetContext): ValidationResult<S>;
  /** Spec → instances per host, with fully resolved render inputs. */
  plan(spec: S, fleet: FleetContext): InstancePlan<I>[];
  /** Checks render inputs received over the wire (the agent trusts nothing). */
  parseInputs(raw: unknown): I;
  /** Inputs → config files, byte-stable. */
  render(inputs: I): RenderedFile[];
  /** Parses the probe JSON an agent reported; throws on garbage. */
  parseProbe(raw: unknown): unknown;
  /** Rolls member observations up into the cluster's health with a reason. */
  checkHealth(input: HealthInput<S>): ClusterStatus;
  /**
   * What moving a running instance from `before` to `after` inputs (which differ) takes; the
   * default is `restart`. A kind answers `reload` for settings the service reads only once or
   * rereads itself (e.g. Elasticsearch's cluster.initial_master_nodes, used only at the first
   * election). Callers use `classifyChange` (change.ts), never this directly.
   */
  classifyChange?(before: I, after: I): ChangeClass;
  /**
   * A change of the cluster's members (added or removed instances) as the specs to move through,
   * in order, ending with `after`; each phase is carried out as start new members, restart the
   * others onto it (leader last), stop removed members, each through the restart-lease gates
   * (control-plane/src/membership). Without it the change is one phase. ZooKeeper answers one
   * server per phase (zookeeper/membership.ts). Pure.
   */
  planMembership?(before: S, after: S): S[];
  /**
   * Members cannot follow a leader that is missing from their own member list (ZooKeeper with
   * static configuration): a membership procedure restarts a removed member that leads before the
   * others move onto the list without it (control-plane/src/membership/plan.ts).
   */
  readonly handoverBeforeRemoval?: boolean;
  /**
   * Notes on a change from `before` (undefined: a new cluster) to `after`, shown as `note:` with
   * its dry run and its apply's answer, e.g. Kafka's protocol-version steps for an upgrade. What
   * is wrong with `after` itself, whatever came before, is a validation warning at its field
   * instead (ValidationResult), e.g. Storm's standby nimbus without a shared blobstore.dir.
   */
  planNotes?(before: S | undefined, after: S): string[];
  /**
   * Ports and directories an instance holds on its host. The one source for clash checks, inside
   * the cluster (validateClusterSpec) and across clusters (the control plane): a kind writes no
   * clash loop of its own.
   */
  claims(inputs: I): InstanceClaims;
  /**
   * The spec field path of the member a plan comes from (e.g. `members[1]` for `zk-main/zk-2`),
   * where problems found on plans (claims clashes) are reported; undefined when no member matches.
   */
  memberPath(spec: S, plan: InstancePlan<I>, hosts: readonly HostRecord[]): string | undefined;
  /**
   * Clusters that must be healthy before this one first starts (e.g. Kafka in ZooKeeper mode and
   * Storm wait for their ZooKeeper). The control plane holds the instances stopped until then.
   * They are also the only clusters whose specs `plan` may read: when one of them changes, the
   * control plane re-plans this cluster and keeps every other cluster's plans.
   */
  dependencies?(spec: S): string[];
  /**
   * Where this cluster keeps its state in a hactl ZooKeeper cluster (Kafka in ZooKeeper mode: its
   * chroot; Storm: `storm.zookeeper.root`); undefined when it keeps none there. Two clusters under
   * one root of one ensemble would be one cluster to the service (two Kafka clusters under one
   * chroot share `/controller` and `/brokers/ids`; two Storm clusters share the nimbus leader
   * latch), so validateClusterSpec refuses the second, whatever the kinds. The root's ZooKeeper
   * cluster must be among `dependencies`: the check compares only the clusters that depend on
   * that ZooKeeper cluster (the snapshot's `dependents` index; contract.test.ts holds every kind to
   * it). Called on stored specs too. Pure.
   */
  znodeRoot?(spec: S): ZnodeRoot | undefined;
  /** Facts to create once, when the cluster is first accepted (e.g. a KRaft cluster id). `randomId` is injected. */
  initialFacts?(spec: S, randomId: () => string): Record<string, string>;
  /** Facts learned from a health rollup (e.g. the ES cluster uuid once formed); stored when they change. */
  learnFacts?(spec: S, status: ClusterStatus): Record<string, string>;
  /**
   * Changes from `before` to `after` that would change what a formed cluster, or one of its
   * members, is (identity.ts `checkIdentityChange` says when a cluster is formed): each problem is
   * located at the field of `after` that makes it and says why it cannot be rolled (what is on disk
   * or in ZooKeeper) and what to do instead. Empty when nothing changes identity. Pure.
   */
  checkIdentityChange?(before: IdentityView<S, I>, after: IdentityView<S, I>): ErrorDetail[];
  /**
   * Names of facts that outlive a delete of the cluster, because the members' data on disk keeps
   * them (e.g. the KRaft cluster id in every log dir's meta.properties): a cluster re-created under
   * the same name over that data reuses them instead of generating new ones that the data refuses.
   */
  durableFacts?: readonly string[];
  /**
   * Where clients reach this member (Kafka: the PLAINTEXT listener; Elasticsearch: HTTP);
   * undefined when it serves no clients (a KRaft controller-only node). A member's removal talks
   * to the cluster through the others' endpoints once it has stopped (the agent's `afterRemoval`).
   */
  clientEndpoint?(inputs: I): { address: string; port: number } | undefined;
  /**
   * Whether this member's probe reports on its peers, so that `checkHealth` judges other members
   * from it: the ZooKeeper leader's zk_synced_followers (any server may lead), every Kafka broker's
   * count of under-replicated partitions, the Elasticsearch master's cluster health and node list,
   * the Storm UI's supervisor count and nimbus's leader latch. Such a view is as old as the member's last
   * report, so it goes stale when a peer returns from a restart; before a restart lease is refused
   * for the cluster's health, the control plane has these members probed again (control-plane
   * leases/peer-views.ts). Absent: every member does. Pure.
   */
  observesPeers?(plan: InstancePlan<I>): boolean;
}

/** A cluster's spec with its plans, as the identity check compares them. */
export interface IdentityView<S = ClusterSpecBase, I = unknown> {
  spec: S;
  plans: readonly InstancePlan<I>[];
}

export type { ClusterHealth };
