import {
  ConflictError,
  NotFoundError,
  ValidationError,
  notFoundAmong,
  classifyChange,
  describeDistribution,
  memberOfInstance,
  overlay,
  planRestartOrder,
  serviceKind,
  validateClusterSpec,
  type ClusterSpecBase,
  type FleetContext,
  type HostDesiredState,
  type InstanceObservation,
  type InstancePlan,
  type Logger,
  type MemberStatus,
} from '@hactl/shared';
import { applyOperatorStops } from '../actions/run-state.js';
import type { Store } from '../store/store.js';
import {
  clustersRevisedSince,
  diffHostDesired,
  hostsToReplan,
  planHostDesired,
  type PlannedFrom,
} from './plan-fleet.js';
import { compactDiff, diffLines } from './diff-text.js';
import { STARTED_FACT, checkDependencyHold } from './holds.js';
import { FORMED_FACT, checkFormed, checkIdentity } from './formed.js';
import { clusterNamesOn, planCluster, withDesired, withRevision, type FleetSnapshot } from './snapshot.js';
import type { StatusReader } from './status.js';
import { planProcedure, type PlannedProcedure } from '../membership/procedure.js';
import { MEMBERSHIP_ACTION, insertProcedure } from '../membership/stored.js';
import { describeMembershipSteps } from '../membership/plan.js';
import type { RolloutChoices } from '../rollout/options.js';

/** A host's new desired state, to send after the transaction that stored it commits. */
export interface DesiredPush {
  hostId: string;
  generation: number;
  json: string;
  /** The desired state `json` was made from, when it was just planned (sent without parsing `json`). */
  state?: HostDesiredState;
}

export interface PreviewInstance {
  instance: string;
  host: string;
  change: 'add' | 'remove' | 'update' | 'none';
  restart: boolean;
  files: { path: string; diff: string[] }[];
  /** The distribution before and after (home, package or java command); `changed` marks an upgrade. */
  distribution?: { from?: string; to: string; changed: boolean };
  /** For the dry run's host checks; not part of the REST answer. */
  hostId: string;
  kind: string;
  inputs: unknown;
}

export interface ClusterPreview {
  name: string;
  changed: boolean;
  nextRevision: number;
  instances: PreviewInstance[];
  restartOrder: string[];
  /** The kind's planNotes (e.g. a Kafka upgrade's inter-broker protocol advice). */
  notes: string[];
  /**
   * Validation's warnings (`path: message`, e.g. a Kafka min.insync.replicas equal to the
   * replication factor): a dry run lists them with the hosts' warnings, to read before applying.
   */
  warnings: string[];
  /** When the change adds or removes members: the membership procedure's steps, in order. */
  membershipSteps?: string[];
}

/** How an apply is staged (Revisions.stage). */
export interface StageOptions {
  /** Stop removed members although their kind's pre-stop check refuses (a Kafka broker's replicas). */
  forceRemoval?: boolean;
  /**
   * The operator's rollout options; a membership procedure takes the timings and refuses an
   * `onGateTimeout` other than pause (the config rollout's options are Changes' to apply).
   */
  rollout?: RolloutChoices;
}

export interface StagedApply {
  name: string;
  revision: number;
  changed: boolean;
  /** Host desired states to send after the commit. */
  pushes: DesiredPush[];
  /**
   * Running members whose inputs changed in a way that needs a restart (restartsFor), from the
   * plans as staged and the observations when called. Not needed to commit or push, so callers ask
   * after the push: comparing 10,000 members' inputs took about 30 ms of a fan-out.
   */
  restarts: () => string[];
  /** The membership procedure started for a change that adds or removes members (its rollout id). */
  procedure?: string;
  /** The procedure's steps in words (describeMembershipSteps). */
  procedureSteps?: string[];
  /**
   * Validation's warnings about the spec (a new revision, or the unchanged one) (`path: message`, e.g. a Kafka
   * min.insync.replicas equal to the replication factor), shown with the answer.
   */
  warnings: string[];
  /** The kind's planNotes for the change (e.g. a Kafka upgrade's inter-broker protocol advice). */
  notes: string[];
}

/** A revision diff: the spec's and each instance's rendered files'. */
export interface RevisionDiff {
  from: number;
  to: number;
  spec: string[];
  instances: { instance: string; files: { path: string; diff: string[] }[] }[];
}

export interface RevisionsOptions {
  store: Store;
  logger: Logger;
  now: () => number;
  /** Random identifiers for generated facts (KRaft cluster ids): 22 base64url characters. */
  randomId: () => string;
  /** The current snapshot (rebuilt by the Fleet when dropped). */
  snapshot: () => FleetSnapshot;
  /** Drops the snapshot after a write to revisions, facts or hosts. */
  invalidate: () => void;
  /** Replaces the snapshot with one derived from it (after a write it fully accounts for). */
  replace: (snap: FleetSnapshot) => void;
  /** A status reader over the current snapshot. */
  status: () => StatusReader;
  observation: (instanceId: string) => InstanceObservation | undefined;
  activeRollout: (cluster: string) => { id: string; state: string; action?: string } | undefined;
  /** Ids for membership procedures (rollout ids). */
  newId: () => string;
  /** The snapshot with clusters under a membership procedure planned as its progress says (membership/stored.ts). */
  effective: (snap: FleetSnapshot) => FleetSnapshot;
  /**
   * Also plan every host at each re-plan and throw when a host the re-plan skipped (hostsToReplan)
   * would have changed: for tests, which run every path of the core through this check.
   */
  checkReplan?: boolean;
}

/**
 * A member that runs now (or crashed, or is starting) and so takes part in a rollout; a stopped
 * one picks its new config up when it starts. The one place this is decided.
 */
export function isUp(obs: InstanceObservation | undefined): boolean {
  return obs !== undefined && UP_PROCESS_STATES.has(obs.process);
}

/** The process states `isUp` counts (asked once per member of an apply). */
const UP_PROCESS_STATES: ReadonlySet<string> = new Set(['running', 'crashed', 'starting']);

/**
 * Revisions of cluster specs: check, preview, stage (apply inside the caller's transaction),
 * delete and diff, and the fleet's desired states that follow from them. Every write runs inside
 * a store transaction; nothing is sent to agents here (the Fleet pushes after the commit).
 */
export class Revisions {
  /** What the last re-plan stored: the snapshot after it and its holds (recomputeDesired). */
  private planned: PlannedFrom | undefined;

  constructor(private readonly o: RevisionsOptions) {}

  /** Validates a spec for `name` against the fleet (schema, references, port and dir clashes). */
  check(name: string, raw: unknown): ClusterSpecBase {
    return this.checkWithFacts(name, raw).spec;
  }

  /**
   * Validation plus what the spec would be planned with: stored facts, and the kind's initial
   * facts generated now for a cluster that has none yet (stored by `stage` exactly as generated
   * here, so validation, preview and the stored plan agree), and its plans.
   */
  private checkWithFacts(
    name: string,
    raw: unknown,
  ): {
    spec: ClusterSpecBase;
    newFacts: Record<string, string>;
    fleet: FleetContext;
    plans: InstancePlan[];
    /** Validation's caveats (`path: message`), which do not refuse the spec. */
    warnings: string[];
  } {
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
      const body = raw as Record<string, unknown>;
      if (body.name === undefined) raw = { ...body, name };
      else if (body.name !== name) {
        throw new ValidationError('spec name does not match the URL', [
          {
            path: 'name',
            message: `is ${JSON.stringify(body.name)} but the request is for ${JSON.stringify(name)}`,
          },
        ]);
      }
    }
    const snap = this.o.snapshot();
    // Validation plans the spec with the real initial facts and checks its claims against every
    // other cluster's plans in the same pass, so its plans are the ones stored (planned once). The
    // fleet it is given holds the cluster's current spec too (validateClusterSpec plans the new one
    // in its place; a kind's checks skip their own name): a context without it, derived by deleting
    // one key, made the new spec's insertion copy the map (overlay-map.ts moves a deleted key that
    // is set again to the end, which folds the overlay), a cost that grew with the clusters.
    const current = snap.clusters.get(name);
    const checked = current?.claimsChecked;
    const result = validateClusterSpec(raw, snap.context, {
      randomId: this.o.randomId,
      otherPlans: (plans) => plansOnHostsOf(snap, plans, name),
      dependentsOf: (zk) => snap.dependents.get(zk) ?? [],
      // Its current plans' claims were checked against these very hosts (SnapshotCluster.claimsChecked).
      ...(checked && checked.plans === current.plans && checked.hosts === snap.context.hosts
        ? { checkedPlans: current.plans }
        : {}),
    });
    if (!result.ok) {
      const n = result.problems.length;
      throw new ValidationError(
        `cluster spec ${JSON.stringify(name)} is invalid (${n} problem${n === 1 ? '' : 's'})`,
        result.problems,
      );
    }
    const spec = result.spec;
    if (result.clashes.length)
      throw new ValidationError(
        `cluster spec ${JSON.stringify(name)} clashes with other instances on shared hosts`,
        result.clashes,
      );
    const stored = snap.context.clusterFacts?.get(name) ?? {};
    const identity = current ? checkIdentity(current, { spec, plans: result.plans }, stored) : [];
    if (identity.length)
      throw new ConflictError(
        `cluster ${name} has formed (its members have run), and this spec changes what it or its members are; nothing was stored`,
        identity,
      );
    const newFacts: Record<string, string> = {};
    for (const [k, v] of Object.entries(result.initialFacts)) if (stored[k] === undefined) newFacts[k] = v;
    // An overlay, not a copy: an apply's cost stays off the number of clusters (overlay-map.ts).
    const facts = overlay(snap.context.clusterFacts ?? new Map<string, Record<string, string>>(), [
      [name, { ...stored, ...newFacts }],
    ]);
    const fleet: FleetContext = {
      ...snap.context,
      clusters: overlay(snap.context.clusters, [[name, spec]]),
      clusterFacts: facts,
    };
    // Members the operator stopped stay stopped on a re-apply (actions/run-state.ts).
    return {
      spec,
      newFacts,
      fleet,
      plans: applyOperatorStops(result.plans, stored),
      warnings: (result.warnings ?? []).map((w) => `${w.path}: ${w.message}`),
    };
  }

  /**
   * What applying `raw` would change, without storing anything: which instances on which hosts,
   * the rendered-file diffs (same renderers the agents use) and which running members would need a
   * restart, in rollout order.
   */
  preview(name: string, raw: unknown): ClusterPreview {
    const { spec, plans: after, fleet, warnings } = this.checkWithFacts(name, raw);
    const kind = serviceKind(spec.kind)!;
    const snap = this.o.snapshot();
    const current = snap.clusters.get(name);
    const before = new Map((current?.plans ?? []).map((p) => [p.id, p]));
    const instances: PreviewInstance[] = [];
    const restarts = new Set(this.restartsFor(current?.plans ?? [], after));
    for (const p of after) {
      const old = before.get(p.id);
      const [from, to] = [old ? describeDistribution(old.inputs) : undefined, describeDistribution(p.inputs)];
      const distribution =
        to === undefined ? undefined : { ...(from === undefined ? {} : { from }), to, changed: from !== to };
      instances.push({
        instance: p.id,
        host: snap.hostNames.get(p.hostId) ?? p.hostId,
        hostId: p.hostId,
        kind: p.kind,
        inputs: p.inputs,
        change: !old ? 'add' : classifyChange(p.kind, old.inputs, p.inputs) === 'none' ? 'none' : 'update',
        restart: restarts.has(p.id),
        files: fileDiffs(old, p),
        ...(distribution ? { distribution } : {}),
      });
    }
    for (const [id, old] of before) {
      if (!after.some((p) => p.id === id))
        instances.push({
          instance: id,
          host: snap.hostNames.get(old.hostId) ?? old.hostId,
          hostId: old.hostId,
          kind: old.kind,
          inputs: old.inputs,
          change: 'remove',
          restart: false,
          files: [],
        });
    }
    const members = () => (current ? this.o.status().members(name).members : new Map<string, MemberStatus>());
    const procedure = current ? planProcedure(current, { spec, plans: after }, fleet, members) : undefined;
    // A membership procedure restarts members as its own steps (membershipSteps), not as a rollout.
    const restartOrder = procedure ? [] : instances.filter((i) => i.restart).map((i) => i.instance);
    return {
      name,
      changed: current === undefined || JSON.stringify(current.spec) !== JSON.stringify(spec),
      nextRevision: this.o.store.maxRevision(name) + 1,
      instances,
      restartOrder: planRestartOrder(restartOrder, members()).order,
      notes: kind.planNotes?.(current?.spec, spec) ?? [],
      warnings,
      ...(procedure ? { membershipSteps: describeProcedure(procedure, snap.hostNames) } : {}),
    };
  }

  /**
   * Running members of `after` whose change from `before` needs a restart (classifyChange), the
   * members a rollout restarts. The one place this is decided for the preview and the apply.
   */
  private restartsFor(before: readonly InstancePlan[], after: readonly InstancePlan[]): string[] {
    const old = new Map(before.map((p) => [p.id, p]));
    const restarts: string[] = [];
    for (const p of after) {
      const o = old.get(p.id);
      if (o === undefined || o.inputs === p.inputs) continue;
      if (classifyChange(p.kind, o.inputs, p.inputs) === 'restart' && isUp(this.o.observation(p.id)))
        restarts.push(p.id);
    }
    return restarts;
  }

  /**
   * The store half of applying a spec: validates it, stores the new revision and the hosts' new
   * desired states. Must run inside the caller's store transaction; nothing is sent to agents, so
   * a caller may still roll the whole batch back.
   */
  stage(
    name: string,
    raw: unknown,
    meta: { author: string; message: string },
    opts: StageOptions = {},
  ): StagedApply {
    const { spec, newFacts, fleet, plans, warnings } = this.checkWithFacts(name, raw);
    const specJson = JSON.stringify(spec);
    const now = this.o.now();
    const existing = this.o.snapshot().clusters.get(name);
    if (existing && existing.kind !== spec.kind) {
      throw new ConflictError(
        `cluster ${name} is of kind ${existing.kind}; a cluster cannot change kind (delete it first)`,
        [{ path: 'kind', message: `cannot change from ${existing.kind} to ${spec.kind}` }],
      );
    }
    if (existing && JSON.stringify(existing.spec) === specJson)
      return {
        name,
        revision: existing.revision,
        changed: false,
        pushes: [],
        restarts: () => [],
        // Validation's warnings are about the spec, so they hold for an unchanged one too (a
        // re-apply warned nothing, where the first apply and a dry run did); notes are about a change.
        warnings,
        notes: [],
      };
    const before = existing?.plans ?? [];
    const revision = this.o.store.maxRevision(name) + 1;
    // A change that adds or removes members is carried out by a membership procedure (issue 10):
    // new members are held and removed ones keep running until their steps. Planned (and refused)
    // before anything is written.
    const procedure = existing
      ? planProcedure(existing, { spec, plans }, fleet, () => this.o.status().members(name).members)
      : undefined;
    const policy = opts.rollout?.onGateTimeout;
    if (procedure && policy !== undefined && policy !== 'pause')
      throw new ValidationError(
        `cluster ${name}: this change adds or removes members, which a membership procedure carries out, and a procedure pauses on a gate timeout; nothing was stored`,
        [
          {
            path: 'onGateTimeout',
            message: `is ${policy}, but a half-done membership change cannot be undone by applying the old spec at once: leave it out or use pause`,
          },
        ],
      );
    for (const [key, value] of Object.entries(newFacts)) this.o.store.setClusterFact(name, key, value, now);
    this.o.store.addRevision({
      cluster: name,
      revision,
      kind: spec.kind,
      spec_json: specJson,
      author: meta.author,
      message: meta.message,
      created_at: now,
    });
    this.o.store.appendEvent({
      at: now,
      type: 'cluster.revision',
      cluster: name,
      host: null,
      message: `revision ${revision} accepted from ${meta.author}${meta.message ? `: ${meta.message}` : ''}`,
      data_json: JSON.stringify({ revision }),
    });
    const procedureId = procedure ? this.o.newId() : undefined;
    if (procedure)
      insertProcedure(this.o.store, {
        id: procedureId!,
        cluster: name,
        revision,
        now,
        forceRemoval: opts.forceRemoval === true,
        ...(opts.rollout ? { timings: opts.rollout } : {}),
        planned: procedure,
      });
    // Only this cluster's revision and facts changed: the next snapshot is derived from this one,
    // with the plans validation made, instead of re-reading and re-planning the fleet.
    const derived = withRevision(this.o.snapshot(), {
      name,
      kind: spec.kind,
      revision,
      updatedAt: now,
      spec: JSON.parse(specJson) as ClusterSpecBase,
      facts: fleet.clusterFacts?.get(name) ?? {},
      plans,
      claimsCheckedAgainst: fleet.hosts,
    });
    this.o.replace(procedure ? this.o.effective(derived) : derived);
    const pushes = this.recomputeDesired(now);
    const notes = serviceKind(spec.kind)?.planNotes?.(existing?.spec, spec) ?? [];
    if (procedure) {
      this.o.store.appendEvent({
        at: now,
        type: 'membership.planned',
        cluster: name,
        host: null,
        message: `membership procedure ${procedureId} for revision ${revision}: ${procedure.steps.length} step(s)`,
        data_json: JSON.stringify({
          rollout: procedureId,
          steps: describeProcedure(procedure, this.o.snapshot().hostNames),
        }),
      });
      return {
        name,
        revision,
        changed: true,
        pushes,
        restarts: () => [],
        procedure: procedureId!,
        procedureSteps: describeProcedure(procedure, this.o.snapshot().hostNames),
        warnings,
        notes,
      };
    }
    const after = this.o.snapshot().clusters.get(name)?.plans ?? [];
    return {
      name,
      revision,
      changed: true,
      pushes,
      restarts: () => this.restartsFor(before, after),
      warnings,
      notes,
    };
  }

  /**
   * Throws when `name` cannot be deleted now: it does not exist, another cluster depends on it, or
   * a rollout of it is running or paused. Changes nothing.
   */
  checkDeletable(name: string): void {
    const snap = this.o.snapshot();
    if (!snap.clusters.has(name)) throw notFoundAmong('cluster', name, snap.clusters.keys());
    const dependents = snap.dependents.get(name) ?? [];
    if (dependents.length)
      throw new ConflictError(`cluster ${name} is used by ${dependents.join(', ')}; delete those first`);
    const active = this.o.activeRollout(name);
    // A membership procedure does not stop a delete: deleting stops every member anyway, and the
    // procedure cannot be aborted on its own (stageDelete ends it).
    if (active && active.action !== MEMBERSHIP_ACTION)
      throw new ConflictError(
        `cluster ${name} has rollout ${active.id} (${active.state}); abort it first (hactl rollout abort ${active.id})`,
      );
  }

  /** Deletes the cluster inside the caller's transaction; returns what to push after the commit. */
  stageDelete(name: string, meta: { author: string }): DesiredPush[] {
    this.checkDeletable(name);
    const procedure = this.o.activeRollout(name);
    if (procedure?.action === MEMBERSHIP_ACTION)
      this.o.store.updateRollout(procedure.id, {
        state: 'aborted',
        reason: `cluster deleted by ${meta.author}`,
        updated_at: this.o.now(),
      });
    const cluster = this.o.snapshot().clusters.get(name);
    const facts = this.o.snapshot().context.clusterFacts?.get(name) ?? {};
    this.o.store.deleteCluster(name);
    this.o.store.deleteClusterFacts(name);
    const now = this.o.now();
    // Facts the members' data keeps (a KRaft cluster id in meta.properties) outlive the delete, so
    // a cluster re-created under this name over that data is planned with them, not stranded.
    for (const key of (cluster && serviceKind(cluster.kind)?.durableFacts) ?? [])
      if (facts[key] !== undefined) this.o.store.setClusterFact(name, key, facts[key], now);
    this.o.store.appendEvent({
      at: now,
      type: 'cluster.deleted',
      cluster: name,
      host: null,
      message: `deleted by ${meta.author}`,
      data_json: '{}',
    });
    this.o.invalidate();
    return this.recomputeDesired(now);
  }

  /**
   * Re-plans the fleet's desired states inside the caller's transaction: records the release of
   * clusters whose dependencies became healthy (the `hactl.started` fact), holds the others
   * stopped, stores each host whose desired state changed, and returns them to push after commit.
   *
   * Which holds are judged: those of every unreleased cluster (snapshot.ts `unreleased`; every
   * other cluster is free), except after one revision derived from the snapshot of the last
   * re-plan (an apply): then only the revised cluster's and its dependents', and every other
   * unreleased cluster keeps the hold it had. A dependency's health moves with reports and time,
   * not with another cluster's revision: a changed report from a dependency's member asks for
   * `releaseHeld` (Fleet.onAwaitedChange), and the periodic pass (`learn`, then a whole re-plan)
   * releases a held cluster within one reconcile interval anyway. Judging every hold at each apply rolled
   * up every held cluster's dependencies: with 3,000 Storm clusters waiting for their ensembles,
   * 3,000 roll-ups per apply (bench/dist/cluster-count.js --storm).
   */
  recomputeDesired(now: number): DesiredPush[] {
    let snap = this.o.snapshot();
    // Made on the first cluster that has dependencies: a status reader takes over the last one's
    // roll-ups, O(clusters + hosts), which a fleet without dependencies never needs here.
    let status: StatusReader | undefined;
    const healthOf = (name: string) => (status ??= this.o.status()).healthOf(name);
    const held = new Map<string, string>();
    let released = false;
    const last = this.planned;
    const revised = last && clustersRevisedSince(last.snap, snap);
    if (revised)
      for (const [name, reason] of last.held)
        if (snap.unreleased.has(name) && !revised.includes(name)) held.set(name, reason);
    for (const name of revised ?? snap.unreleased.keys()) {
      const c = snap.unreleased.has(name) ? snap.clusters.get(name) : undefined;
      if (!c) continue;
      const hold = checkDependencyHold(c.spec, snap.context.clusterFacts?.get(c.name), healthOf);
      if (hold.state === 'held') held.set(c.name, hold.reason);
      if (hold.state === 'release') {
        this.o.store.setClusterFact(c.name, STARTED_FACT, '1', now);
        released = true;
      }
    }
    if (released) {
      this.o.invalidate();
      snap = this.o.snapshot();
    }
    // Only the hosts whose clusters changed since the last re-plan, when nothing else did.
    const touched = hostsToReplan(this.planned, { snap, held });
    const only = touched && [...touched].filter((id) => snap.hostById.has(id));
    const byHost = planHostDesired(
      only ?? snap.hostById.keys(),
      only ? clusterNamesOn(snap, only).map((name) => snap.clusters.get(name)!) : snap.clusters.values(),
      held,
    );
    const changes = diffHostDesired(snap.desired, byHost);
    if (only && this.o.checkReplan) {
      const all = diffHostDesired(
        snap.desired,
        planHostDesired(snap.hostById.keys(), snap.clusters.values(), held),
      );
      const missed = all.filter((c) => !touched!.has(c.hostId)).map((c) => c.hostId);
      if (missed.length)
        throw new Error(`re-plan skipped hosts whose desired state changed: ${missed.join(', ')}`);
    }
    this.o.store.setHostDesired(
      changes.map((c) => ({
        host_id: c.hostId,
        generation: c.generation,
        state_json: c.json,
        updated_at: now,
      })),
    );
    const after = withDesired(snap, changes);
    this.o.replace(after);
    this.planned = { snap: after, held };
    return changes;
  }

  /**
   * Stores `facts` for cluster `name` (e.g. the Storm failover engine's active nimbus and fencing
   * epoch) inside the caller's transaction, re-plans, and stores the hosts' new desired states.
   * Returns what to push after the commit and the running members whose change needs a restart
   * (the same `restartsFor` an apply uses). Throws NotFoundError for an unknown cluster.
   */
  stageFacts(
    name: string,
    facts: Readonly<Record<string, string>>,
    now: number,
  ): { pushes: DesiredPush[]; changedInstances: string[] } {
    const { clusters } = this.o.snapshot();
    const current = clusters.get(name);
    if (!current) throw notFoundAmong('cluster', name, clusters.keys());
    for (const [k, v] of Object.entries(facts)) this.o.store.setClusterFact(name, k, v, now);
    this.o.invalidate();
    const pushes = this.recomputeDesired(now);
    const after = this.o.snapshot().clusters.get(name)?.plans ?? [];
    return { pushes, changedInstances: this.restartsFor(current.plans, after) };
  }

  /**
   * Clusters that should be re-planned now: a held cluster whose dependencies became healthy, or
   * a kind that learned a new fact from its health (e.g. an Elasticsearch cluster uuid, stored and
   * recorded as an event here). Runs inside the caller's transaction; true when anything changed.
   */
  learn(now: number): boolean {
    const snap = this.o.snapshot();
    const status = this.o.status();
    let changed = this.holdReleasable(snap);
    for (const c of snap.clusters.values()) {
      const facts = snap.context.clusterFacts?.get(c.name);
      const formed = checkFormed(facts, () => status.cluster(c.name).status.members);
      if (formed.formed) {
        this.o.store.setClusterFact(c.name, FORMED_FACT, new Date(now).toISOString(), now);
        this.o.store.appendEvent({
          at: now,
          type: 'cluster.formed',
          cluster: c.name,
          host: null,
          message: `formed: ${formed.by} ran; identity changes are refused from now on`,
          data_json: JSON.stringify({ by: formed.by }),
        });
        changed = true;
      }
      const learn = serviceKind(c.kind)?.learnFacts;
      if (!learn) continue;
      let learned: Record<string, string>;
      try {
        learned = learn(c.spec, status.cluster(c.name).status);
      } catch (err) {
        // One kind's bug must not stop the fleet's pass: the other clusters still learn and start.
        this.o.logger.error({ cluster: c.name, err: String(err) }, 'learning cluster facts failed');
        continue;
      }
      for (const [k, v] of Object.entries(learned)) {
        if (facts?.[k] === v) continue;
        this.o.store.setClusterFact(c.name, k, v, now);
        this.o.store.appendEvent({
          at: now,
          type: 'cluster.fact',
          cluster: c.name,
          host: null,
          message: `learned ${k}=${v}`,
          data_json: '{}',
        });
        this.o.logger.info({ cluster: c.name, fact: k, value: v }, 'cluster fact learned');
        changed = true;
      }
    }
    if (changed) this.o.invalidate();
    return changed;
  }

  /**
   * Re-plans when an unreleased cluster's dependencies are all healthy now (which records its
   * release, recomputeDesired), inside the caller's transaction; else changes nothing. Returns
   * what to push after the commit.
   */
  releaseHeld(now: number): DesiredPush[] {
    return this.holdReleasable(this.o.snapshot()) ? this.recomputeDesired(now) : [];
  }

  /**
   * Whether some unreleased cluster of `snap` may be released now (holds.ts `release`). The status
   * reader is made only when there is one (it is O(clusters + hosts) to make).
   */
  private holdReleasable(snap: FleetSnapshot): boolean {
    let status: StatusReader | undefined;
    const healthOf = (name: string) => (status ??= this.o.status()).healthOf(name);
    for (const name of snap.unreleased.keys()) {
      const c = snap.clusters.get(name);
      if (
        c &&
        checkDependencyHold(c.spec, snap.context.clusterFacts?.get(name), healthOf).state === 'release'
      )
        return true;
    }
    return false;
  }

  /** Spec diff and rendered-file diffs per instance between two revisions (current fleet layout). */
  diff(name: string, from: number, to: number): RevisionDiff {
    const a = this.revisionSpec(name, from) as ClusterSpecBase;
    const b = this.revisionSpec(name, to) as ClusterSpecBase;
    const fleet = this.o.snapshot().context;
    const plan = (s: ClusterSpecBase) => new Map(planCluster(s, fleet).plans.map((p) => [p.id, p]));
    const [pa, pb] = [plan(a), plan(b)];
    const instances = [...new Set([...pa.keys(), ...pb.keys()])]
      .sort()
      .map((id) => ({ instance: id, files: fileDiffs(pa.get(id), pb.get(id)) }))
      .filter((i) => i.files.length);
    return {
      from,
      to,
      spec: compactDiff(diffLines(JSON.stringify(a, null, 2), JSON.stringify(b, null, 2))),
      instances,
    };
  }

  /**
   * The spec stored as `name`'s revision `revision`.
   * @throws NotFoundError naming the cluster's revisions (or the fleet's clusters, for a cluster
   *   without any).
   */
  revisionSpec(name: string, revision: number): unknown {
    const rev = this.o.store.getRevision(name, revision);
    if (rev) return JSON.parse(rev.spec_json) as unknown;
    const last = this.o.store.maxRevision(name);
    if (last === 0) throw notFoundAmong('cluster', name, this.o.snapshot().clusters.keys());
    throw new NotFoundError(
      'revision',
      `${name}@${revision}`,
      `${name} has ${last === 1 ? 'only revision 1' : `revisions 1 to ${last}`} (hactl history ${name})`,
    );
  }
}

/** The rendered files of `before` and `after` (either may be absent), as compact line diffs. Pure. */
function fileDiffs(
  before: InstancePlan | undefined,
  after: InstancePlan | undefined,
): { path: string; diff: string[] }[] {
  const render = (p: InstancePlan | undefined) =>
    new Map((p ? (serviceKind(p.kind)?.render(p.inputs) ?? []) : []).map((f) => [f.path, f.content]));
  const [a, b] = [render(before), render(after)];
  return [...new Set([...a.keys(), ...b.keys()])].sort().flatMap((path) => {
    const diff = compactDiff(diffLines(a.get(path) ?? '', b.get(path) ?? ''));
    return diff.length ? [{ path, diff }] : [];
  });
}

/** A procedure's steps in words, each phase with its member ids when the kind has them (ZooKeeper myids). Pure. */
function describeProcedure(p: PlannedProcedure, hostNames: ReadonlyMap<string, string>): string[] {
  const lists = new Map<number, string>();
  p.phases.forEach((plans, k) => {
    if (k > 0) lists.set(k, `members ${plans.map((x) => memberOfInstance(x.id)).join(', ')}`);
  });
  return describeMembershipSteps(p.steps, hostNames, lists);
}

/**
 * The plans of the clusters other than `except` with a plan on a host of `plans` or at one of
 * their addresses (the `clustersOnHost` and `hostsAtAddress` indexes), per cluster in the
 * snapshot's cluster order (by name): what validateClusterSpec's claims check needs of the fleet
 * (claims.ts plansNear keeps the same plans of every cluster's). A plan on a host that is not
 * registered is at its host id as an address there, and so here.
 */
function plansOnHostsOf(
  snap: FleetSnapshot,
  plans: readonly InstancePlan[],
  except: string,
): (readonly InstancePlan[])[] {
  const hostIds = new Set<string>();
  for (const p of plans) {
    const address = snap.hostById.get(p.hostId)?.address ?? p.hostId;
    hostIds.add(p.hostId).add(address);
    for (const id of snap.hostsAtAddress.get(address) ?? []) hostIds.add(id);
  }
  return clusterNamesOn(snap, hostIds)
    .filter((name) => name !== except)
    .map((name) => snap.clusters.get(name)!.plans);
}
