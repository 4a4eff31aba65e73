import { z } from 'zod';
import type { ClusterSpecBase, HostRecord, InstancePlan } from '../domain.js';
import { PlanError, type ErrorDetail } from '../errors.js';
import { addsNoClaim, checkClaims, plansNear } from './claims.js';
import type { FleetContext, ServiceKind, ZnodeRoot } from './types.js';
import { zookeeperKind } from './zookeeper/index.js';
import { stormKind } from './storm/index.js';
import { elasticsearchKind } from './elasticsearch/index.js';
import { kafkaKind } from './kafka/index.js';
import { nameSchema, zodDetails } from '../config-values.js';
import { overlay } from '../overlay-map.js';

/** Every service kind hactl manages. Adding a kind means one new folder and one line here. */
const KINDS: Record<string, ServiceKind<ClusterSpecBase, unknown>> = {
  zookeeper: zookeeperKind as unknown as ServiceKind<ClusterSpecBase, unknown>,
  storm: stormKind as unknown as ServiceKind<ClusterSpecBase, unknown>,
  elasticsearch: elasticsearchKind as unknown as ServiceKind<ClusterSpecBase, unknown>,
  kafka: kafkaKind as unknown as ServiceKind<ClusterSpecBase, unknown>,
};

export const PLANNED_KINDS: string[] = [];

export function serviceKind(kind: string): ServiceKind<ClusterSpecBase, unknown> | undefined {
  return Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
}

export function knownKinds(): string[] {
  return Object.keys(KINDS);
}

const envelope = z.object({ name: nameSchema, kind: z.string() }).passthrough();

/** What `validateClusterSpec` may be given beyond the raw spec and the fleet. */
export interface ValidateOptions {
  /**
   * Generates the cluster's initial facts (e.g. a KRaft cluster id) for real. Without it a
   * placeholder of the same form stands in (facts change no claim); with it, the plans returned
   * are the ones the cluster is stored with, so the caller need not plan it again.
   */
  randomId?: () => string;
  /**
   * Every other cluster's plans, per cluster in the fleet's cluster order; or a function that
   * answers, for the cluster's new plans, at least the other clusters' plans that can clash with
   * them (those with a plan on one of their hosts or at one of their hosts' addresses; more is
   * harmless), in that order: a fleet that indexes its plans by host gives those alone instead of
   * every cluster's. With them the clashes with their instances are checked in the same pass as
   * the cluster's own and returned as `clashes` (the spec itself is valid; the fleet refuses it).
   */
  otherPlans?:
    | readonly (readonly InstancePlan[])[]
    | ((plans: readonly InstancePlan[]) => Iterable<readonly InstancePlan[]>);
  /**
   * The cluster's current plans, when their claims were checked against exactly `fleet.hosts` and
   * the clusters of `otherPlans` (the control plane records when: snapshot.ts `claimsChecked`).
   * When the new plans claim nothing these did not (claims.ts addsNoClaim), the change cannot add
   * a clash and the claims are not checked again.
   */
  checkedPlans?: readonly InstancePlan[];
  /**
   * The names of the fleet's clusters that depend on cluster `name` (ServiceKind.dependencies; the
   * control plane's snapshot indexes them: snapshot.ts `dependents`). A cluster with a znode root
   * depends on the ZooKeeper cluster it names, so its root is checked against those alone instead
   * of every cluster of the fleet. Without it every cluster is looked at.
   */
  dependentsOf?: (name: string) => Iterable<string>;
}

/** A valid spec, its plans (against `fleet` and the initial facts) and the facts generated for them. */
export type ClusterValidation =
  | {
      ok: true;
      spec: ClusterSpecBase;
      /** The kind's plans for the spec, in the planner's order. */
      plans: InstancePlan[];
      /** The kind's initial facts for the spec (generated with `randomId`, or placeholders). */
      initialFacts: Record<string, string>;
      /** Clashes with `otherPlans` (none when they were not given). */
      clashes: ErrorDetail[];
      warnings?: ErrorDetail[];
    }
  | { ok: false; problems: ErrorDetail[] };

/**
 * Validates any cluster spec: the envelope first, then the kind's own validation, then the ports
 * and directories its instances claim (each kind's `claims()`, checked by checkClaims): no two
 * instances of the cluster, and no instance with itself, may share a port or an overlapping
 * directory on one host. Clashes are located at the member's field path (the kind's `memberPath`,
 * e.g. `members[1]`); the message names both instances and what each claims. Clashes with other
 * clusters are the control plane's check (it holds their plans and passes them as `otherPlans`).
 * A spec the kind accepts but cannot plan (PlanError, e.g. a zookeeper member host gone) is
 * refused with the planner's problem.
 */
export function validateClusterSpec(
  raw: unknown,
  fleet: FleetContext,
  opts: ValidateOptions = {},
): ClusterValidation {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problems: [{ path: '', message: 'a cluster spec must be an object' }] };
  }
  const env = envelope.safeParse(raw);
  if (!env.success) return { ok: false, problems: zodDetails(env.error) };
  const kind = serviceKind(env.data.kind);
  if (!kind) {
    const problems: ErrorDetail[] = [
      {
        path: 'kind',
        message: PLANNED_KINDS.includes(env.data.kind)
          ? `kind ${JSON.stringify(env.data.kind)} is not supported by this control plane yet (supported: ${knownKinds().join(', ')})`
          : `unknown kind ${JSON.stringify(env.data.kind)} (supported: ${knownKinds().join(', ')})`,
      },
    ];
    return { ok: false, problems };
  }
  const result = kind.validate(raw, fleet);
  if (!result.ok) return result;
  const spec = result.spec;
  const roots = checkZnodeRoots(kind, spec, fleet, opts.dependentsOf);
  if (roots.problems.length) return { ok: false, problems: roots.problems };
  const warnings = [...(result.warnings ?? []), ...roots.warnings];
  const initialFacts = kind.initialFacts?.(spec, opts.randomId ?? (() => PLACEHOLDER_ID)) ?? {};
  // Overlays, not copies: validating one cluster costs the same among 10 or 10,000 (overlay-map.ts).
  const stored = fleet.clusterFacts?.get(spec.name);
  const facts = overlay(fleet.clusterFacts ?? new Map<string, Readonly<Record<string, string>>>(), [
    [spec.name, { ...initialFacts, ...stored }],
  ]);
  let plans;
  try {
    // Planned as it will be stored: among the fleet's clusters, with its facts. (No planner reads
    // its own cluster from `clusters`; a spec that names itself as a reference fails validation.)
    plans = kind.plan(spec, {
      ...fleet,
      clusters: overlay(fleet.clusters, [[spec.name, spec]]),
      clusterFacts: facts,
    });
  } catch (err) {
    if (err instanceof PlanError) return { ok: false, problems: [...err.details] };
    throw err;
  }
  const { own, others } =
    opts.checkedPlans !== undefined && addsNoClaim(opts.checkedPlans, plans)
      ? { own: [], others: [] }
      : checkAllClaims(kind, spec, plans, fleet.hosts, opts.otherPlans);
  if (own.length) return { ok: false, problems: own };
  return { ...result, spec, plans, initialFacts, clashes: others, ...(warnings.length ? { warnings } : {}) };
}

/**
 * Another cluster of the fleet, of any kind, keeping its state under the same znode root as
 * `spec`, or one inside the other, on the same ZooKeeper cluster (ServiceKind.znodeRoot).
 * Two Kafka clusters under one chroot would register their brokers under one `/brokers/ids` and
 * elect one controller; two Storm clusters under one root would share the nimbus leader latch;
 * a root inside another cluster's would put znodes among its own (a chroot of
 * `/kafka-a/brokers/ids/9` is a phantom broker to kafka-a). Each is a problem located at the
 * field that sets `spec`'s root, unless `spec`'s current stored version (the same name in
 * `fleet.clusters`) had this very root on this ZooKeeper cluster and the other's root already
 * clashed with it: a fleet stored before this check existed is not stuck (a formed cluster cannot
 * move its root), and it gets a warning instead; moving the root, even within the clash, is a
 * new choice and refused. The clusters looked at are those depending on that ZooKeeper cluster
 * (`dependentsOf`, else every one); a stored spec its kind's schema does not accept is passed
 * over. Pure.
 */
function checkZnodeRoots(
  kind: ServiceKind<ClusterSpecBase, unknown>,
  spec: ClusterSpecBase,
  fleet: FleetContext,
  dependentsOf: ValidateOptions['dependentsOf'],
): { problems: ErrorDetail[]; warnings: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  const warnings: ErrorDetail[] = [];
  const mine = kind.znodeRoot?.(spec);
  if (!mine) return { problems, warnings };
  const current = fleet.clusters.get(spec.name);
  const before = current ? rootOf(current) : undefined;
  const kept = before?.zookeeper === mine.zookeeper && before.root === mine.root;
  const names = dependentsOf ? dependentsOf(mine.zookeeper) : fleet.clusters.keys();
  for (const name of names) {
    const other = name === spec.name ? undefined : fleet.clusters.get(name);
    const theirs = other && rootOf(other);
    if (!other || theirs?.zookeeper !== mine.zookeeper) continue;
    const relation = nesting(mine.root, theirs.root);
    if (!relation) continue;
    const where = `${other.kind} cluster ${other.name}'s root ${theirs.root} on ${mine.zookeeper}`;
    const message =
      relation === 'same'
        ? `${other.kind} cluster ${other.name} already uses ${mine.root} on ${mine.zookeeper}`
        : `${mine.root} ${relation === 'inside' ? 'is inside' : 'contains'} ${where}`;
    if (kept)
      warnings.push({
        path: mine.path,
        message: `${message}, as it did before this apply: the two clusters' znodes mix; move one of them to a root of its own`,
      });
    else problems.push({ path: mine.path, message: `${message}; give this cluster a root of its own` });
  }
  return { problems, warnings };
}

/**
 * The znode roots of stored specs already read, by spec object (null: none). A fleet's stored
 * specs are the same objects from one apply to the next until their cluster changes (the control
 * plane's snapshot keeps them), so each is parsed once instead of on every apply and dry run of
 * a cluster on the same ensemble. Specs are never changed in place, so an entry cannot go stale.
 */
const rootsRead = new WeakMap<ClusterSpecBase, ZnodeRoot | null>();

/**
 * A stored spec's znode root, or undefined when its kind has none or its schema does not accept
 * the spec: stored specs were validated, with their defaults, when stored, and one that was not
 * (written by hand into the store) must not make every apply on its ZooKeeper cluster throw.
 */
function rootOf(c: ClusterSpecBase): ZnodeRoot | undefined {
  const known = rootsRead.get(c);
  if (known !== undefined) return known ?? undefined;
  const kind = serviceKind(c.kind);
  if (!kind?.znodeRoot) return undefined;
  const parsed = kind.specSchema.safeParse(c);
  const root = parsed.success ? kind.znodeRoot(parsed.data as ClusterSpecBase) : undefined;
  rootsRead.set(c, root ?? null);
  return root;
}

/** How znode path `a` relates to `b`: the same, inside it, containing it, or apart (undefined). */
function nesting(a: string, b: string): 'same' | 'inside' | 'containing' | undefined {
  if (a === b) return 'same';
  if (a.startsWith(`${b}/`)) return 'inside';
  if (b.startsWith(`${a}/`)) return 'containing';
  return undefined;
}

/**
 * Stands in for `randomId` when validation plans a cluster whose initial facts are not generated
 * yet (a KRaft cluster id): the 22-character base64url form the injected randomId gives. Facts do
 * not change what an instance claims.
 */
const PLACEHOLDER_ID = 'A'.repeat(22);

/**
 * The cluster's clashes among its own instances (`own`, located at member paths) and, when those
 * are none, with `otherPlans` (`others`, located at member paths too). One checkClaims pass over the
 * whole fleet answers both when nothing clashes, the usual case: a clash among the cluster's own
 * instances also shows in the whole fleet's pass (the second claimant meets the first, or both
 * meet an earlier claimant of another cluster). Only when that pass finds something is the
 * cluster checked alone, so the problems are exactly those of the two checks run one after the
 * other.
 */
function checkAllClaims(
  kind: ServiceKind<ClusterSpecBase, unknown>,
  spec: ClusterSpecBase,
  plans: readonly InstancePlan[],
  hosts: readonly HostRecord[],
  otherPlans: ValidateOptions['otherPlans'],
): { own: ErrorDetail[]; others: ErrorDetail[] } {
  const others = typeof otherPlans === 'function' ? otherPlans(plans) : otherPlans;
  const all = others ? checkClaims(hosts, [...plansNear(hosts, others, plans), plans], spec.name) : undefined;
  if (all?.length === 0) return { own: [], others: [] };
  const byId = new Map(plans.map((p) => [p.id, p]));
  // Located at the member's field path, so a spec file's line can be found (the message names
  // both instances); a clash with another cluster as well as one among its own members.
  const atMember = (problem: ErrorDetail): ErrorDetail => {
    const plan = byId.get(problem.path);
    const path = plan && kind.memberPath(spec, plan, hosts);
    return path === undefined ? problem : { ...problem, path };
  };
  const own = checkClaims(hosts, [plans], spec.name).map(atMember);
  return { own, others: own.length ? [] : (all ?? []).map(atMember) };
}
