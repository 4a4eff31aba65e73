import { pickPlannedMember } from '../commands/targets.js';
import {
  ConflictError,
  HactlError,
  NotFoundError,
  UnavailableError,
  ValidationError,
  nullLogger,
  serviceKind,
  type ErrorDetail,
  type Logger,
} from '@hactl/shared';
import type { ClusterPreview, Fleet, StageOptions, StagedApply } from '../reconcile/fleet.js';
import type { AppliedCluster } from '../api/contract.js';

export type { AppliedCluster } from '../api/contract.js';
import { defaultRolloutOptions, type RolloutEngine, type StoredRollout } from '../rollout/engine.js';
import type { RolloutChoices } from '../rollout/options.js';
import { checkPreviewHosts, type ClusterPreviewView } from './host-checks.js';

/** One cluster spec of a request, with the name it is applied under. */
export interface SpecDocument {
  name: string;
  spec: unknown;
}

export interface ChangeMeta {
  author: string;
  message: string;
}

/** What deleting a cluster stops, and the directories it leaves on each host. */
export interface DeletePreview {
  name: string;
  instances: { instance: string; host: string; dirs: string[] }[];
}

export interface ChangesOptions {
  fleet: Fleet;
  rollouts: RolloutEngine;
  logger?: Logger;
  /** How long a dry run waits for each agent's distribution check. */
  checkTimeoutMs?: number;
}

/** Thrown inside a transaction to roll a dry run back; never escapes this module. */
const ROLLBACK = Symbol('dry run');

/** How `Changes.apply` stores and rolls out. */
export interface ApplyOptions {
  /** Start a rollout of the members that need a restart (else leave them restart pending). */
  rollout: boolean;
  forceRemoval?: boolean;
  choices?: RolloutChoices;
  /**
   * One document's problems at its own paths (PUT /v1/clusters/{name}), not `clusters[0].…` as
   * POST /v1/apply names them whatever their number.
   */
  ownPaths?: boolean;
}

/**
 * Operator changes, each all or nothing: every spec of a request is validated (against the fleet
 * plus the request's earlier specs) and every precondition checked before anything is stored, in
 * one store transaction; agents hear of it only after the commit. A refused call changes nothing:
 * no revision, no desired state, no rollout. A dry run runs the same checks and rolls back.
 */
export class Changes {
  private readonly fleet: Fleet;
  private readonly rollouts: RolloutEngine;
  private readonly checkTimeoutMs: number;
  private readonly log: Logger;

  constructor(o: ChangesOptions) {
    this.fleet = o.fleet;
    this.rollouts = o.rollouts;
    this.log = o.logger ?? nullLogger;
    this.checkTimeoutMs = o.checkTimeoutMs ?? 3000;
  }

  /**
   * Stores every spec as a new revision (unchanged ones stay as they are) and, unless `rollout` is
   * false, starts one rollout per changed cluster over its members whose config changed, with the
   * operator's `choices` over the default options (a membership procedure takes their timings).
   * Everything is stored and the push has begun when the call returns; the promise settles once
   * the push has been written and each rollout's first step taken, with each rollout's
   * `restartOrder` as the engine orders its steps then (leader last, on the members' ranks now):
   * ordering before the push would have rolled the cluster's health up ahead of it.
   * @throws ValidationError when `choices` are given with `rollout: false` (they would be lost),
   *   or an `onGateTimeout` other than pause for a membership change; nothing is stored.
   */
  async apply(
    docs: readonly SpecDocument[],
    meta: ChangeMeta,
    opts: ApplyOptions,
  ): Promise<AppliedCluster[]> {
    const applied = this.commit(docs, meta, opts);
    const rolling = applied.filter((a) => a.rollout !== undefined && a.membershipSteps === undefined);
    if (!rolling.length) return applied;
    // After the rollouts' first steps (stepAfterPush asked first), or at once when the push was
    // dropped (this replica's term ended): the order is read from the store either way.
    await new Promise<void>((resolve) => this.fleet.afterPush(resolve, resolve));
    return applied.map((a) => (rolling.includes(a) ? this.withRestartOrder(a) : a));
  }

  /**
   * `a` with its rollout's restart order. The change is stored by now, so a failure to read the
   * order must not answer as if it were not: the answer goes without the order (the rollout's
   * view has it), and the failure is logged.
   */
  private withRestartOrder(a: AppliedCluster): AppliedCluster {
    try {
      return { ...a, restartOrder: this.rollouts.runOrder(a.rollout!) };
    } catch (err) {
      this.log.error(
        { cluster: a.name, rollout: a.rollout, err: err instanceof Error ? err.message : String(err) },
        'reading the restart order of a stored rollout failed',
      );
      return a;
    }
  }

  /** `apply`'s synchronous part: validates, stores and starts the push; no `restartOrder` yet. */
  private commit(docs: readonly SpecDocument[], meta: ChangeMeta, opts: ApplyOptions): AppliedCluster[] {
    const choices = opts.choices ?? {};
    const chosen = Object.keys(choices);
    if (!opts.rollout && chosen.length)
      throw new ValidationError('rollout options were given for an apply that starts no rollout', [
        ...chosen.map((path) => ({
          path,
          message:
            'applies to the rollout an apply starts; with rollout=false none starts (give it to hactl rollout start instead)',
        })),
      ]);
    const stage: StageOptions = {
      forceRemoval: opts.forceRemoval === true,
      ...(chosen.length ? { rollout: choices } : {}),
    };
    // Each revision and the rollout that carries it out are stored in one transaction: stored
    // apart, a crash between the two left the members "restart pending" with no rollout.
    const { staged, rolled } = this.fleet.transaction(() => {
      const staged = this.stageAll(docs, meta, false, stage, opts.ownPaths).staged;
      return { staged, rolled: staged.map((s) => this.stageRoll(s, opts.rollout, choices)) };
    });
    this.fleet.pushChanges(staged.flatMap((s) => s.pushes));
    for (const s of staged)
      if (s.changed)
        this.log.info(
          { cluster: s.name, revision: s.revision, author: meta.author },
          'cluster revision accepted',
        );
    for (const r of rolled) if (r.stored) this.rollouts.logStarted(r.stored);
    if (rolled.some((r) => r.applied.rollout !== undefined)) this.rollouts.stepAfterPush();
    return rolled.map((r) => r.applied);
  }

  /** What `apply` would do, with each affected host's answer on the new distribution; stores nothing. */
  async preview(
    docs: readonly SpecDocument[],
    meta: ChangeMeta,
    opts: Pick<ApplyOptions, 'ownPaths'> = {},
  ): Promise<ClusterPreviewView[]> {
    let previews: ClusterPreview[] = [];
    try {
      this.fleet.transaction(() => {
        previews = this.stageAll(docs, meta, true, {}, opts.ownPaths).previews;
        throw ROLLBACK;
      });
    } catch (err) {
      if (err !== ROLLBACK) throw err;
    }
    return Promise.all(
      previews.map((p) =>
        checkPreviewHosts(p, (hostId, q) => this.fleet.queryAgent(hostId, q, this.checkTimeoutMs)),
      ),
    );
  }

  /**
   * Makes revision `to`'s spec current again as a new revision, rolled out like any change (with
   * the operator's `choices` over the default rollout options).
   * @throws ValidationError for `onGateTimeout: rollback`, which would apply again the revision
   *   this rolls back from (a gate timeout's own rollback rollout only pauses, engine.ts).
   */
  async rollback(
    name: string,
    to: number,
    meta: ChangeMeta,
    choices: RolloutChoices = {},
  ): Promise<AppliedCluster> {
    if (choices.onGateTimeout === 'rollback')
      throw new ValidationError('invalid rollback request', [
        {
          path: 'onGateTimeout',
          message:
            'a rollback cannot roll back on a gate timeout: that would apply again the revision it leaves; use pause or abort',
        },
      ]);
    const spec = this.fleet.getRevisionSpec(name, to);
    const message = `rollback to revision ${to}${meta.message ? `: ${meta.message}` : ''}`.slice(0, 500);
    const [applied] = await this.apply(
      [{ name, spec }],
      { author: meta.author, message },
      { rollout: true, choices },
    );
    return applied!;
  }

  /** What `delete` would stop and leave on disk; throws exactly as `delete` would refuse. */
  previewDelete(name: string): DeletePreview {
    this.fleet.checkDeletable(name);
    const hostNames = this.fleet.snapshot().hostNames;
    return {
      name,
      instances: this.fleet.planCluster(name).map((p) => ({
        instance: p.id,
        host: hostNames.get(p.hostId) ?? p.hostId,
        dirs: instanceDirs(p.kind, p.inputs),
      })),
    };
  }

  /** Deletes the cluster: its instances are stopped and forgotten; their directories stay on the hosts. */
  delete(name: string, meta: { author: string }): DeletePreview {
    const preview = this.previewDelete(name);
    this.fleet.deleteCluster(name, meta);
    return preview;
  }

  /**
   * The last lines of a member's log, read by its agent: `which` is `service` (the service's own
   * log, e.g. zookeeper.log) or `out` (its captured stdout/stderr). `member` is a host name, a
   * member id, or the instance's name inside the cluster (`zk-1`).
   */
  async logs(
    cluster: string,
    member: string,
    which: 'service' | 'out',
    lines: number,
  ): Promise<{
    cluster: string;
    instance: string;
    host: string;
    file: string;
    files: string[];
    text: string;
  }> {
    if (!this.fleet.snapshot().clusters.has(cluster)) throw new NotFoundError('cluster', cluster);
    const { members, plans } = this.fleet.memberMap(cluster);
    const plan = pickPlannedMember(cluster, member, { members, plans });
    const host = members.get(plan.id)?.host ?? plan.hostId;
    const r = await this.fleet.queryAgent(
      plan.hostId,
      { instanceId: plan.id, action: 'logs', args: [which, String(lines)] },
      5000,
    );
    if (!r.ok) throw new UnavailableError(`cannot read the log of ${plan.id} on ${host}: ${r.error}`);
    let answer: { file: string; files: string[]; text: string };
    try {
      answer = JSON.parse(r.output) as typeof answer;
    } catch {
      throw new UnavailableError(
        `the agent on ${host} answered the log request with something that is not JSON`,
      );
    }
    return { cluster, instance: plan.id, host, file: answer.file, files: answer.files, text: answer.text };
  }

  /**
   * Validates and stages every document inside the caller's transaction, collecting every problem
   * of every document, named `clusters[i].…` (the CLI finds each one's file and line from them),
   * or for one document with `ownPaths` its own error unchanged (PUT /v1/clusters/{name}); then
   * checks the preconditions. Throws (rolling everything back) on any.
   */
  private stageAll(
    docs: readonly SpecDocument[],
    meta: ChangeMeta,
    withPreviews = false,
    opts: StageOptions = {},
    ownPaths = false,
  ): { staged: StagedApply[]; previews: ClusterPreview[] } {
    const staged: StagedApply[] = [];
    const previews: ClusterPreview[] = [];
    const problems: ErrorDetail[] = [];
    const failed = new Set<number>();
    let invalid = false;
    const seen = new Map<string, number>();
    docs.forEach((d, i) => {
      const prefix = `clusters[${i}]`;
      const first = seen.get(d.name);
      if (first !== undefined) {
        problems.push({
          path: `${prefix}.name`,
          message: `cluster ${JSON.stringify(d.name)} is already in this request (clusters[${first}])`,
        });
        failed.add(i);
        invalid = true;
        return;
      }
      seen.set(d.name, i);
      try {
        if (withPreviews) previews.push(this.fleet.previewApply(d.name, d.spec));
        staged.push(this.fleet.stageApply(d.name, d.spec, meta, opts));
      } catch (err) {
        if (!(err instanceof HactlError) || (err.code !== 'invalid_argument' && err.code !== 'conflict'))
          throw err;
        // One document of PUT /v1/clusters/{name}: its own error, unchanged.
        if (ownPaths) throw err;
        failed.add(i);
        if (err.code === 'invalid_argument') invalid = true;
        if (err.details.length) {
          // A conflict's message says why (a formed cluster's identity, a change of kind), its
          // details where: both are kept. A validation error's message only counts its details.
          if (err.code === 'conflict') problems.push({ path: prefix, message: err.message });
          problems.push(
            ...err.details.map((x) => ({
              path: x.path ? `${prefix}.${x.path}` : prefix,
              message: x.message,
            })),
          );
        } else problems.push({ path: prefix, message: err.message });
      }
    });
    if (problems.length) {
      const message = `${failed.size} of ${docs.length} cluster specs cannot be applied; nothing was stored`;
      throw invalid ? new ValidationError(message, problems) : new ConflictError(message, problems);
    }
    // A new revision under a running rollout would change what that rollout restarts members onto
    // (the old rollout would finish on the new spec): refuse, changing nothing.
    for (const s of staged) {
      // The membership procedure this very change started is not a rollout in its way; any other is.
      const active = s.changed
        ? this.rollouts.activeAll(s.name).find((r) => r.id !== s.procedure)
        : undefined;
      if (active) {
        throw new ConflictError(
          active.state === 'paused'
            ? `cluster ${s.name} has rollout ${active.id} (paused); nothing was stored. ` +
                `A paused rollout does not finish on its own: resume it (hactl rollout resume ${active.id}) ` +
                `or abort it first (hactl rollout abort ${active.id})`
            : `cluster ${s.name} has rollout ${active.id} (${active.state}); nothing was stored. ` +
                `Wait for it to finish (hactl rollout status ${active.id} -w) ` +
                `or abort it first (hactl rollout abort ${active.id})`,
        );
      }
    }
    return { staged, previews };
  }

  /**
   * Inside the apply's transaction: stores the cluster's rollout (`stored`, logged after the
   * commit), or lists the members left restart pending. Its first step is taken after the commit
   * (`apply`).
   */
  private stageRoll(
    s: StagedApply,
    rolloutWanted: boolean,
    choices: RolloutChoices,
  ): { applied: AppliedCluster; stored?: StoredRollout } {
    const base = {
      name: s.name,
      revision: s.revision,
      changed: s.changed,
      ...(s.warnings.length ? { warnings: s.warnings } : {}),
      ...(s.notes.length ? { notes: s.notes } : {}),
    };
    // A membership change is carried out by its procedure whatever `rolloutWanted` says: its held
    // and removed members move only through the procedure's steps.
    if (s.procedure)
      return { applied: { ...base, rollout: s.procedure, membershipSteps: s.procedureSteps ?? [] } };
    // The running members that need a restart (revisions.ts restartsFor); stopped ones pick the
    // config up when they start.
    const members = s.restarts();
    if (!rolloutWanted || members.length === 0)
      return { applied: { ...base, restartPending: rolloutWanted ? [] : members } };
    const stored = this.rollouts.insert(s.name, { ...defaultRolloutOptions('apply'), ...choices }, members);
    return { applied: { ...base, rollout: stored.id }, stored };
  }
}

/** Directories an instance owns on its host (data, logs, config), which deleting it leaves in place. Pure. */
export function instanceDirs(kind: string, inputs: unknown): string[] {
  const dirs = new Set(serviceKind(kind)?.claims(inputs).dirs ?? []);
  const i = (typeof inputs === 'object' && inputs !== null ? inputs : {}) as Record<string, unknown>;
  for (const key of ['confDir', 'logDir']) if (typeof i[key] === 'string') dirs.add(i[key]);
  return [...dirs];
}
