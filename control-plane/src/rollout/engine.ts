import {
  capList,
  ConflictError,
  HactlError,
  notFoundAmong,
  NotFoundError,
  clusterOfInstance,
  encodeRemoveArgs,
  serviceKind,
  probeAnswered,
  probeServes,
  type GateResult,
  type Logger,
} from '@hactl/shared';
import { describeStep } from './step-status.js';
import { orderStepsAsRun, stepLabels, viewRollout } from './view.js';
import { planCommandResult } from './result.js';
import { handoverFirst } from './handover.js';
import {
  carriesConfigChange,
  checkLeaseRequest,
  notBegun,
  planResume,
  pauseBetweenSteps,
  planRolloutPass,
  type ObservedProcess,
  type RolloutDecision,
  type StepInput,
} from './step.js';
import type { RolloutOptions } from './options.js';
import type { AgentCommandResult, Fleet } from '../reconcile/fleet.js';
import type { LeaseManager } from '../leases/leases.js';
import {
  pendingStepRow,
  type RolloutRow,
  type RolloutStepRow,
  type StepFailure,
  type StepOp,
  type Store,
} from '../store/store.js';
import { isProcedure } from '../membership/stored.js';
import type { MembershipGates } from '../membership/gates.js';

export { nextCommandId } from './step.js';
export {
  defaultRolloutOptions,
  parseRolloutRequest,
  type GateTimeoutPolicy,
  type RolloutAction,
  type RolloutOptions,
} from './options.js';

export type { RolloutStepView, RolloutView } from '../api/contract.js';
import type { RolloutView } from '../api/contract.js';

export interface RolloutEngineOptions {
  store: Store;
  fleet: Fleet;
  leases: () => LeaseManager;
  logger: Logger;
  now: () => number;
  newId: () => string;
  /** The gates of membership procedures (their start steps and the status their leases judge). */
  membership?: MembershipGates;
  /**
   * Called when a step is done, after it is stored (an operator's stop records the member's
   * stopped run state then: actions/member-actions.ts). `timed`: whether the step ended when the
   * control plane saw it end (false for a step found done on resume: the time since its request
   * includes the pause), so a duration measured to now is the step's.
   */
  onStepDone?: (rollout: RolloutRow, step: RolloutStepRow, o: { timed: boolean }) => void;
}

/** A rollout `insert` stored: its members in plan order (the engine picks the next one at each pass). */
export interface StoredRollout {
  id: string;
  cluster: string;
  action: string;
  /** Instance ids, in plan order (step.ts orderPendingSteps decides the restart order). */
  order: string[];
}

/**
 * Drives persisted rollouts one step at a time: asks the instance's agent to restart it (a
 * command with a stable id, so a resend after a crash is not a second restart), the agent waits
 * for its lease (the gates), restarts, waits for readiness and releases. A step is done when the
 * agent reports the command done or a new pid is observed; then the next step goes out.
 */
export class RolloutEngine {
  /** Whether each requested step's member led its cluster when requested, by command id (for status text only). */
  private readonly ledAtRequest = new Map<string, boolean>();
  /** Counts rollout starts and state changes, so status views that show rollouts know to refresh. */
  version = 0;

  constructor(private readonly o: RolloutEngineOptions) {}

  /** The cluster's running or paused rollout, if any (at most one exists outside an apply's transaction). */
  active(cluster: string): RolloutRow | undefined {
    return this.activeAll(cluster)[0];
  }

  /**
   * The cluster's running or paused rollouts, newest first: inside an apply's transaction the
   * membership procedure it just stored is there beside any that was already running.
   */
  activeAll(cluster: string): RolloutRow[] {
    return this.o.store.listRollouts({ cluster, states: ['running', 'paused'] });
  }

  /**
   * Every cluster's `active` rollout, by cluster, in one store read: a status listing asks for
   * each cluster's, and one query per cluster was nine tenths of listing 1,000 clusters
   * (bench/dist/cluster-count.js).
   */
  activeByCluster(): Map<string, RolloutRow> {
    const out = new Map<string, RolloutRow>();
    for (const r of this.o.store.listRollouts({ states: ['running', 'paused'] }))
      if (!out.has(r.cluster)) out.set(r.cluster, r);
    return out;
  }

  /**
   * Starts a rollout over the cluster's running members (or those of them in `only`, in its order), each step
   * doing `op` (a restart unless said otherwise; `stop` for an operator's stop of one member): stores
   * it (`insert`) and takes its first step now. Throws NotFoundError for an unknown cluster,
   * ConflictError while another rollout is running or paused.
   */
  start(cluster: string, opts: RolloutOptions, only?: readonly string[], op?: StepOp): RolloutView {
    const stored = this.insert(cluster, opts, only, op);
    this.logStarted(stored);
    this.tick();
    return this.view(stored.id);
  }

  /**
   * Takes the first steps of rollouts a change just stored, once the change's desired states are
   * on their streams, not at the next timer pass: on an agent's stream its new files arrive before
   * the request to restart onto them (sessions.ts flushes a host's state before any command
   * anyway). Taking the step only after the push's last slice keeps its work (the cluster's steps
   * read back, the members' status) out of the push: at 5,000 members 17-24 ms that every later
   * slice waited for (bench/dist/apply-cost.js's first-step column). An operator's apply and a
   * gate timeout's rollback both call it after their commit and push.
   */
  stepAfterPush(): void {
    this.o.fleet.afterPush(() => this.tick());
  }

  /** The log line of a stored rollout, once its transaction committed. */
  logStarted(r: StoredRollout): void {
    this.o.logger.info(
      {
        cluster: r.cluster,
        rollout: r.id,
        action: r.action,
        steps: r.order.length,
        order: listSome(r.order),
      },
      'rollout started',
    );
  }

  /**
   * Stores a rollout as `start` does, without taking a step: inside a caller's transaction (an
   * apply stores a revision and the rollout that carries it out together), whose caller ticks after
   * the commit (and logs it: `logStarted`). Throws as `start` does.
   */
  insert(cluster: string, opts: RolloutOptions, only?: readonly string[], op?: StepOp): StoredRollout {
    const row = this.o.store.getCluster(cluster);
    if (!row) throw notFoundAmong('cluster', cluster, this.o.fleet.snapshot().clusters.keys());
    const running = this.active(cluster);
    if (running)
      throw new ConflictError(
        `cluster ${cluster} already has rollout ${running.id} (${running.state}); ` +
          (running.state === 'paused'
            ? 'resume or abort it first'
            : `wait for it (hactl rollout status ${running.id} -w), or pause or abort it first`),
      );
    // The steps are stored in `only`'s order when given (a failover's repoint puts the UI first),
    // else in plan order. Which one goes next, leader last, is decided at every pass
    // (orderPendingSteps), on the members' ranks then: deciding it here too rolled the cluster's
    // health up inside the apply's transaction, 10-13 ms of a 1,000-member PUT's 55-68 ms before
    // the push could start (bench/dist/fleet-push.js --change put), and the ranks were only a
    // first guess that a leader moving during the rollout overturns anyway.
    const plans = this.o.fleet.planCluster(cluster);
    const runs = new Set(plans.filter((p) => p.runState === 'running').map((p) => p.id));
    const order = (only ?? plans.map((p) => p.id)).filter((id) => runs.has(id));
    const now = this.o.now();
    const id = this.o.newId();
    const hostOf = new Map(plans.map((p) => [p.id, p.hostId]));
    const rollout: RolloutRow = {
      id,
      cluster,
      action: opts.action,
      revision: row.current_revision,
      state: order.length ? 'running' : 'completed',
      reason: order.length ? '' : 'no instance needs a restart',
      options_json: JSON.stringify(opts),
      created_at: now,
      updated_at: now,
    };
    const steps: RolloutStepRow[] = order.map((inst, idx) =>
      pendingStepRow({
        rollout_id: id,
        idx,
        instance_id: inst,
        host_id: hostOf.get(inst)!,
        op,
      }),
    );
    this.o.store.insertRollout(rollout, steps);
    this.version++;
    this.o.store.appendEvent({
      at: now,
      type: 'rollout.started',
      cluster,
      host: null,
      message: `rollout ${id} (${opts.action}) over ${listSome(order) || 'nothing'}`,
      data_json: JSON.stringify({ rollout: id, order }),
    });
    return { id, cluster, action: opts.action, order };
  }

  /**
   * The rollout's steps as `host (instance)` in the order they ran and will run now (view.ts
   * orderStepsAsRun: the pending ones by the members' current restart ranks, leader last): what an
   * apply answers as its `restartOrder`. Throws NotFoundError for an unknown rollout.
   */
  runOrder(id: string): string[] {
    const r = this.must(id);
    const { members } = this.o.fleet.memberMap(r.cluster);
    const steps = orderStepsAsRun(this.o.store.listRolloutSteps(id), members);
    return stepLabels(steps, this.o.fleet.snapshot().hostNames);
  }

  private opts(r: RolloutRow): RolloutOptions {
    return JSON.parse(r.options_json) as RolloutOptions;
  }

  /** Stores a state change and logs it once stored. */
  private setState(r: RolloutRow, state: string, reason: string): void {
    this.storeState(r, state, reason);
    this.logState(r, state, reason);
  }

  /**
   * Stores a state change with its event, in one transaction (joining the caller's): apart, a
   * crash between them left a state change nobody was told of. A caller inside its own
   * transaction logs it (logState) after that commits.
   */
  private storeState(r: RolloutRow, state: string, reason: string): void {
    const now = this.o.now();
    this.o.store.transaction(() => {
      this.writeRollout(r, state, reason, now);
      this.o.store.appendEvent({
        at: now,
        type: `rollout.${state}`,
        cluster: r.cluster,
        host: null,
        message: `rollout ${r.id} ${state}${reason ? `: ${reason}` : ''}`,
        data_json: '{}',
      });
    });
  }

  /** Writes the rollout's state and reason, inside the caller's transaction. */
  private writeRollout(r: RolloutRow, state: string, reason: string, now: number): void {
    // Bumped with the write, not before it: a status reader made between the two would carry
    // the new version over the old state.
    this.version++;
    this.o.store.updateRollout(r.id, { state, reason, updated_at: now });
  }

  /**
   * Aborts the rollout with `skipped` (its steps' new rows) stored in the same transaction: all
   * skipped and aborted, or nothing. One commit, too, not one per step (a synced commit each:
   * aborting 1,000 steps took about 300 ms). Logged after the commit.
   */
  private abortSkipping(r: RolloutRow, skipped: readonly RolloutStepRow[], reason: string): void {
    this.o.store.transaction(() => this.storeAbort(r, skipped, reason));
    this.logState(r, 'aborted', reason);
  }

  /** The writes of an abort with `skipped` (its steps' new rows), inside the caller's transaction. */
  private storeAbort(r: RolloutRow, skipped: readonly RolloutStepRow[], reason: string): void {
    for (const s of skipped) this.o.store.updateRolloutStep(s);
    this.storeState(r, 'aborted', reason);
  }

  private logState(r: RolloutRow, state: string, reason: string): void {
    this.o.logger.info({ cluster: r.cluster, rollout: r.id, state, reason }, 'rollout state changed');
  }

  pause(id: string): RolloutView {
    const r = this.must(id);
    if (r.state !== 'running') throw new ConflictError(`rollout ${id} is ${r.state}, not running`);
    this.setState(r, 'paused', 'paused by operator');
    return this.view(id);
  }

  /**
   * Resumes a paused rollout. `forceRemoval` (membership procedures only) makes its stop steps stop
   * removed members even when their kind's pre-stop check refuses (e.g. a Kafka broker's replicas).
   */
  resume(id: string, o: { forceRemoval?: boolean } = {}): RolloutView {
    const r = this.must(id);
    if (r.state !== 'paused') throw new ConflictError(`rollout ${id} is ${r.state}, not paused`);
    if (o.forceRemoval && !isProcedure(r))
      throw new ConflictError(`rollout ${id} is not a membership procedure; forceRemoval does not apply`);
    const rows = this.o.store.listRolloutSteps(id);
    const now = this.o.now();
    const changes = planResume(r.id, rows.map(stepInput), {
      observations: this.observations(),
      members: this.o.fleet.memberMap(r.cluster).members,
      leaseHolders: this.o
        .leases()
        .holders(r.cluster)
        .map((l) => l.instanceId),
      configChange: carriesConfigChange(r.action),
      hostApplied: (instance) => {
        const host = rows.find((s) => s.instance_id === instance)?.host_id;
        return host !== undefined && this.o.fleet.hostApplied(host);
      },
      now,
    });
    const row = (idx: number): RolloutStepRow => rows.find((s) => s.idx === idx)!;
    const done: RolloutStepRow[] = [];
    // The options, the steps and the state in one transaction: a crash half-way must not leave a
    // paused rollout with steps re-planned for a resume that never happened.
    this.o.store.transaction(() => {
      if (o.forceRemoval)
        this.o.store.updateRolloutOptions(id, JSON.stringify({ ...this.opts(r), forceRemoval: true }));
      for (const c of changes) {
        const before = row(c.idx);
        const note = c.state === 'pending' ? `${c.note}; last attempt: ${before.note}` : c.note;
        const after: RolloutStepRow = {
          ...before,
          state: c.state,
          command_id: c.commandId,
          requested_at: c.requestedAt,
          finished_at: c.finishedAt || before.finished_at,
          note,
        };
        if (c.state !== 'done') this.o.store.updateRolloutStep(after);
        else {
          this.storeStep(r, after, `${after.instance_id} ${note}`, now);
          done.push(after);
        }
      }
      this.storeState(r, 'running', 'resumed by operator');
    });
    this.logState(r, 'running', 'resumed by operator');
    for (const s of done) this.afterStepDone(r, s, { timed: false });
    // After the state change: the agent's lease request for the resent command must find the
    // rollout running.
    // Re-read: `forceRemoval` may have changed the options the command is made from.
    const resumed = this.must(id);
    for (const c of changes.filter((x) => x.send)) {
      const row = this.o.store.listRolloutSteps(id).find((s) => s.idx === c.idx)!;
      // A start step is no command: its member starts from its host's desired state.
      if (row.op !== 'start') this.send(row, resumed);
    }
    this.tick();
    return this.view(id);
  }

  abort(id: string): RolloutView {
    const r = this.must(id);
    if (r.state !== 'running' && r.state !== 'paused') throw new ConflictError(`rollout ${id} is ${r.state}`);
    // Half a membership change cannot be dropped: its held members would start and its removed ones
    // stop at once (the revision's plans), which is the fault the procedure exists to prevent.
    if (isProcedure(r))
      throw new ConflictError(
        `rollout ${id} is a membership procedure; it cannot be aborted half-way ` +
          `(held members would start and removed ones stop at once). ` +
          `Pause it (hactl rollout pause ${id}) and resume it when its gates can hold`,
      );
    const skipped = this.o.store.listRolloutSteps(id).flatMap((s): RolloutStepRow[] => {
      if (s.state !== 'pending' && s.state !== 'requested' && s.state !== 'failed') return [];
      const note =
        s.state === 'requested'
          ? 'aborted while waiting; the agent gives up at its next lease request'
          : s.state === 'failed'
            ? `aborted after: ${s.note}`
            : 'aborted';
      return [{ ...s, state: 'skipped', note }];
    });
    this.abortSkipping(r, skipped, 'aborted by operator');
    return this.view(id);
  }

  private must(id: string): RolloutRow {
    const r = this.o.store.getRollout(id);
    if (!r) throw new NotFoundError('rollout', id);
    return r;
  }

  /**
   * Why a lease request for `instanceId` made with `reason` must not be granted whatever the gates
   * say (an `abandon:` reason), or undefined: the one lease authorization (step.ts checkLeaseRequest).
   */
  authorizeLease(instanceId: string, reason: string): string | undefined {
    const found = this.requestedStep(instanceId);
    const refused = checkLeaseRequest(instanceId, found && { commandId: found.step.command_id }, reason);
    if (refused || !found || !isProcedure(found.rollout)) return refused;
    // The asker holds no lease (a holder renews before this is asked, leases/decide.ts). A member
    // down or on another pid may be half way through its restart: the usual gates judge it.
    const observations = this.observations();
    const step = stepInput(found.step);
    if (!notBegun(step, observations.get(instanceId), false)) return undefined;
    // Not "abandon": the agent asks again, and the next pass puts the step back (step.ts).
    const again = handoverFirst(step, found.steps.map(stepInput), {
      members: this.o.fleet.memberMap(found.rollout.cluster).members,
      observations,
    });
    return again
      ? `waiting: ${again.instance} leads again after its handover (step ${again.idx}); ` +
          `${instanceId} restarts onto a member list without it only once another member leads`
      : undefined;
  }

  /**
   * The instance a running rollout has asked to restart now, if any, with its rollout's steps (the
   * lease authorization).
   */
  requestedStep(
    instanceId: string,
  ): { rollout: RolloutRow; step: RolloutStepRow; steps: RolloutStepRow[] } | undefined {
    const cluster = clusterOfInstance(instanceId);
    for (const r of this.o.store.listRollouts({ cluster, states: ['running'] })) {
      const steps = this.o.store.listRolloutSteps(r.id);
      const step = steps.find((s) => s.instance_id === instanceId && s.state === 'requested');
      if (step) return { rollout: r, step, steps };
    }
    return undefined;
  }

  /**
   * Instances still to restart in the cluster's running rollout, except one (for its leader-last
   * gate). None for a procedure's handover: it restarts the leader before the others on purpose.
   */
  pendingFor(cluster: string, except: string): string[] {
    if (this.requestedStep(except)?.step.op === 'handover') return [];
    const out: string[] = [];
    for (const r of this.o.store.listRollouts({ cluster, states: ['running', 'paused'] })) {
      const open = this.o.store
        .listRolloutSteps(r.id)
        .filter((s) => s.state === 'pending' || s.state === 'requested' || s.state === 'failed');
      // A procedure's leader-last rule is about the restarts of its current phase: members that later
      // phases add or restart do not run yet (or do not run that list yet).
      const phase = Math.min(...open.map((s) => s.phase ?? 0));
      for (const s of open)
        if (s.instance_id !== except && (s.phase ?? 0) === phase && (s.op ?? 'restart') === 'restart')
          out.push(s.instance_id);
    }
    return out;
  }

  /**
   * An agent's result for a step's command (sessions.ts hands every result that answers no query
   * here): what it does to the step is decided by `planCommandResult` (result.ts); then a pass.
   */
  onCommandResult(hostId: string, result: AgentCommandResult): void {
    for (const r of this.o.store.listRollouts({ states: ['running', 'paused', 'completed'] })) {
      const step = this.o.store
        .listRolloutSteps(r.id)
        .find((s) => s.command_id === result.id && s.host_id === hostId);
      if (!step) continue;
      const d = planCommandResult(
        { id: r.id, state: r.state, action: r.action, forceRemoval: this.opts(r).forceRemoval === true },
        { ...stepInput(step), note: step.note },
        result,
      );
      if (d.do === 'note') this.o.store.updateRolloutStep({ ...step, note: d.note });
      else if (d.do === 'finish') this.finishStep(r, step, d.note);
      else if (d.do === 'fail') this.failStep(r, step, d.note, d.reason, 'agent');
      else if (d.do === 'finish-late') {
        this.finishStep(r, step, d.note, { message: d.message, pauseReason: d.reason });
        this.o.logger.warn(
          { cluster: r.cluster, rollout: r.id, instance: step.instance_id },
          'rollout step succeeded after it failed; the rollout stays paused',
        );
      }
    }
    this.tick();
  }

  /**
   * Marks a step failed with `note` and, while the rollout runs, pauses it with `reason`, in one
   * transaction (a failed step in a rollout still running would send out the next one): for the
   * operator to look at the member and resume (which asks for the step again) or abort.
   */
  private failStep(r: RolloutRow, step: RolloutStepRow, note: string, reason: string, by: StepFailure): void {
    const pause = r.state === 'running';
    this.o.store.transaction(() => {
      this.o.store.updateRolloutStep({
        ...step,
        state: 'failed',
        finished_at: this.o.now(),
        note,
        failed_by: by,
      });
      if (pause) this.storeState(r, 'paused', reason);
    });
    if (pause) this.logState(r, 'paused', reason);
  }

  onAgentConnected(hostId: string): void {
    for (const r of this.o.store.listRollouts({ states: ['running'] })) {
      for (const s of this.o.store.listRolloutSteps(r.id)) {
        if (s.state === 'requested' && s.host_id === hostId && s.op !== 'start') this.send(s, r);
      }
    }
  }

  private send(step: RolloutStepRow, r: RolloutRow): void {
    // A removed member is stopped by its agent under a lease, after its kind's pre-stop procedure
    // (agent sync/lease-remove.ts); `force` skips a refusal of that procedure (forceRemoval).
    const remove = step.op === 'stop';
    // A config rollout restarts a member only if it still runs an older config: after a rollback,
    // members the aborted rollout never reached already run the spec again (the agent knows). A
    // handover restarts a leading member whose inputs did not change, so unconditionally.
    // An operator's stop (`stop` rollout) keeps the member in the cluster: no removal procedures.
    const args = remove
      ? encodeRemoveArgs({
          force: this.opts(r).forceRemoval === true,
          stopOnly: r.action === 'stop',
          peers: this.peersOf(r.cluster, step),
        })
      : r.action === 'restart' || step.op === 'handover'
        ? []
        : ['if-pending'];
    const sent = this.o.fleet.sendCommand(step.host_id, {
      id: step.command_id,
      instanceId: step.instance_id,
      action: remove ? 'remove' : 'restart',
      args,
    });
    if (!sent)
      this.o.logger.info(
        { host: step.host_id, instance: step.instance_id },
        'rollout step waits for its agent to connect',
      );
  }

  /**
   * The client endpoints of the cluster's members other than the step's (ServiceKind.clientEndpoint),
   * through which the removed member's agent reaches the cluster once the member has stopped.
   */
  private peersOf(cluster: string, step: RolloutStepRow): { address: string; port: number }[] {
    const { plans } = this.o.fleet.memberMap(cluster);
    const kind = plans[0] ? serviceKind(plans[0].kind) : undefined;
    if (!kind?.clientEndpoint) return [];
    return plans.flatMap((p) => {
      if (p.id === step.instance_id) return [];
      const e = kind.clientEndpoint!(p.inputs);
      return e ? [e] : [];
    });
  }

  /**
   * Stores a step's new row and its `rollout.step` event (`message` after "rollout ID step N: ")
   * in one transaction, joining the caller's: apart, a crash between them left a step changed that
   * nobody was told of.
   */
  private storeStep(r: RolloutRow, step: RolloutStepRow, message: string, at: number): void {
    this.o.store.transaction(() => {
      this.o.store.updateRolloutStep(step);
      this.o.store.appendEvent({
        at,
        type: 'rollout.step',
        cluster: r.cluster,
        host: step.host_id,
        message: `rollout ${r.id} step ${step.idx}: ${message}`,
        data_json: '{}',
      });
    });
  }

  /**
   * Marks a step done with `note`; its event says `late.message`, else `<instance> <note>`. With
   * `late` (a success after the step failed, result.ts `finish-late`) the paused rollout's reason
   * becomes `late.pauseReason` in the same transaction: the one it paused with names the failure
   * this result overturns.
   */
  private finishStep(
    r: RolloutRow,
    step: RolloutStepRow,
    note: string,
    late?: { message: string; pauseReason: string },
  ): void {
    const now = this.o.now();
    const row: RolloutStepRow = { ...step, state: 'done', finished_at: now, note };
    this.o.store.transaction(() => {
      this.storeStep(r, row, late?.message ?? `${step.instance_id} ${note}`, now);
      if (late) this.writeRollout(r, 'paused', late.pauseReason, now);
    });
    this.afterStepDone(r, step, { timed: true });
  }

  /**
   * What follows a step stored done, after its commit. A procedure's progress is what its members'
   * desired states are made from: a stopped member leaves its host's desired state, a finished
   * phase gives the next one's inputs; after the commit, since refreshDesired pushes what it
   * stores. Then `onStepDone`, with `timed` false for a step whose end the control plane did not
   * see when it came (done on resume).
   */
  private afterStepDone(r: RolloutRow, step: RolloutStepRow, o: { timed: boolean }): void {
    if (isProcedure(r)) this.o.fleet.refreshDesired();
    this.o.onStepDone?.(r, step, o);
  }

  /**
   * One pass over every running rollout. Idempotent; called on a timer and on events. Expired
   * restart leases are dropped first (and recorded), so the pass and the gates see the same leases.
   */
  tick(): void {
    this.attempt(undefined, () => this.o.leases().expire());
    for (const r of this.o.store.listRollouts({ states: ['running'] }))
      this.attempt(r, () => this.advance(r));
  }

  /**
   * Runs one part of a pass. The next tick retries what failed, unless the error says that the same
   * call cannot succeed later (`retriable: false`, errors.ts): then the rollout pauses with the error
   * as its reason, for the operator to see and resume, instead of failing the same way every tick.
   */
  private attempt(r: RolloutRow | undefined, part: () => void): void {
    try {
      part();
    } catch (err) {
      const retriable = !(err instanceof HactlError) || err.retriable;
      const message = err instanceof Error ? err.message : String(err);
      this.o.logger.error({ rollout: r?.id, err: message, retriable }, 'rollout pass failed');
      if (retriable || !r) return;
      const current = this.o.store.getRollout(r.id);
      if (current?.state === 'running') this.setState(current, 'paused', `rollout pass failed: ${message}`);
    }
  }

  /**
   * The shell around `planRolloutPass` (step.ts): reads the rollout, its steps, the members, the
   * step instances' last reports and the cluster's leases once, then applies each decision.
   */
  private advance(r: RolloutRow): void {
    const rows = this.o.store.listRolloutSteps(r.id);
    const { members } = this.o.fleet.memberMap(r.cluster);
    const observations = this.observations();
    const leases = this.o.leases();
    const now = this.o.now();
    const startGates = new Map<string, GateResult[]>();
    if (isProcedure(r) && this.o.membership)
      for (const s of rows)
        if (s.op === 'start' && s.state === 'pending')
          startGates.set(s.instance_id, this.o.membership.startGates(r.cluster, s.instance_id));
    const decisions = planRolloutPass({
      rollout: { id: r.id, state: r.state, options: this.opts(r), runningSince: r.updated_at },
      steps: rows.map(stepInput),
      members,
      observations,
      leaseHolders: leases.holders(r.cluster).map((l) => l.instanceId),
      lastRefusal: leases.lastRefusal,
      startGates,
      now,
    });
    const row = (idx: number): RolloutStepRow => rows.find((s) => s.idx === idx)!;
    for (const d of decisions) this.apply(r, d, row, now);
  }

  /**
   * The agents' last reports as the step decision and the status line read them (with whether the
   * last probe answered and served), by instance id. Read on demand: a
   * pass looks at one or two members' reports; reading and copying every step's report first
   * meant 5,000 of each per pass of a rollout over 5,000 members (the lookups alone 1.5 ms of a
   * 20 ms pass in a CPU profile of bench/dist/apply-cost.js).
   */
  private observations(): Pick<ReadonlyMap<string, ObservedProcess & { detail: string }>, 'get'> {
    return {
      get: (instance: string) => {
        const obs = this.o.fleet.observation(instance);
        return obs && { ...obs, answered: probeAnswered(obs.probe), serves: probeServes(obs.probe) };
      },
    };
  }

  private apply(r: RolloutRow, d: RolloutDecision, row: (idx: number) => RolloutStepRow, now: number): void {
    switch (d.type) {
      case 'wait':
        return;
      case 'finish-step':
        return this.finishStep(r, row(d.step), d.note);
      case 'fail-step':
        this.o.logger.warn(
          { cluster: r.cluster, rollout: r.id, instance: row(d.step).instance_id, reason: d.reason },
          'rollout step failed',
        );
        return this.failStep(r, row(d.step), d.note, d.reason, 'control-plane');
      case 'complete':
        return this.setState(r, 'completed', d.reason);
      case 'requeue-step': {
        // The command id stays: the next request of the step is `.2`, and the agent's lease request
        // under the old id is now answered "abandon" (no running rollout asks for the member).
        const step: RolloutStepRow = {
          ...row(d.step),
          state: 'pending',
          pid_before: 0,
          requested_at: 0,
          // A done handover put back is not finished any more (its pause between steps, its view).
          finished_at: 0,
          note: d.note,
        };
        this.storeStep(r, step, d.note, now);
        this.o.logger.info(
          { cluster: r.cluster, rollout: r.id, instance: step.instance_id, reason: d.reason },
          'rollout step put back',
        );
        return;
      }
      case 'request-step': {
        const step: RolloutStepRow = {
          ...row(d.step),
          state: 'requested',
          command_id: d.commandId,
          pid_before: d.pidBefore,
          requested_at: now,
          finished_at: 0,
          note: '',
        };
        // A held member starts when its host's desired state plans it (membership/plan.ts): no
        // command, nothing is taken down; its step is stored with an event, and the desired
        // states refreshed after that commit.
        if (d.op === 'start') this.storeStep(r, step, `starting ${step.instance_id} (${d.reason})`, now);
        else this.o.store.updateRolloutStep(step);
        this.ledAtRequest.set(step.command_id, d.ledAtRequest);
        this.o.logger.info(
          { cluster: r.cluster, rollout: r.id, instance: step.instance_id, op: d.op, reason: d.reason },
          'rollout step requested',
        );
        if (d.op === 'start') {
          this.o.fleet.refreshDesired();
          return;
        }
        return this.send(step, r);
      }
      case 'gate-timeout': {
        if (d.policy === 'pause') return this.setState(r, 'paused', d.reason);
        const skipped = d.skip.map((idx): RolloutStepRow => ({
          ...row(idx),
          state: 'skipped',
          note: d.skipNote,
        }));
        if (d.policy === 'rollback') return this.abortRollingBack(r, skipped, d.restarted, d.reason);
        return this.abortSkipping(r, skipped, d.reason);
      }
    }
  }

  /**
   * Gate timeout with `onGateTimeout: rollback`: the rollout is aborted (`skipped` stored), the
   * previous revision's spec becomes current again as a new revision, and the members this rollout
   * already restarted (`restarted`) get a rollout of their own back onto it, in the same safe order
   * (paused on its own gate timeout, never rolled back again). Members it never reached keep
   * running the old config.
   *
   * All of it is one transaction: stored apart, a crash after the abort left the cluster on the
   * new revision with some members restarted and no rollback, which is what the operator chose
   * this policy to avoid. If the rollback cannot be stored (the previous spec no longer fits the
   * fleet: a host it names is gone), nothing is: the pass fails, and `attempt` pauses the rollout
   * with the reason (or retries a retriable failure). Agents hear of the new revision after the
   * commit, and the rollback's first step waits for that push (as an apply's does).
   */
  private abortRollingBack(
    r: RolloutRow,
    skipped: readonly RolloutStepRow[],
    restarted: string[],
    reason: string,
  ): void {
    const previous =
      r.action === 'restart'
        ? undefined
        : this.o.fleet
            .listRevisions(r.cluster)
            .map((x) => x.revision)
            .filter((n) => n < r.revision)
            .at(-1);
    if (previous === undefined) {
      this.abortSkipping(r, skipped, reason);
      this.o.logger.warn(
        { cluster: r.cluster, rollout: r.id },
        r.action === 'restart'
          ? 'restart rollout timed out; nothing to roll back'
          : 'no earlier revision to roll back to',
      );
      return;
    }
    const { staged, back } = this.o.fleet.transaction(() => {
      this.storeAbort(r, skipped, reason);
      const staged = this.o.fleet.stageApply(r.cluster, this.o.fleet.getRevisionSpec(r.cluster, previous), {
        author: 'hactl',
        message: `rollback to revision ${previous} after rollout ${r.id}: ${reason}`.slice(0, 500),
      });
      this.o.store.appendEvent({
        at: this.o.now(),
        type: 'rollout.rollback',
        cluster: r.cluster,
        host: null,
        message: `rollout ${r.id} rolled back to revision ${previous} as revision ${staged.revision}`,
        data_json: JSON.stringify({ restarted }),
      });
      const back = restarted.length
        ? this.insert(r.cluster, { ...this.opts(r), action: 'apply', onGateTimeout: 'pause' }, restarted)
        : undefined;
      return { staged, back };
    });
    this.logState(r, 'aborted', reason);
    this.o.fleet.pushChanges(staged.pushes);
    this.o.logger.info(
      { cluster: r.cluster, revision: staged.revision, rollout: r.id },
      'cluster rolled back after a gate timeout',
    );
    if (back) {
      this.logStarted(back);
      this.stepAfterPush();
    }
  }

  view(id: string): RolloutView {
    const r = this.must(id);
    const steps = this.o.store.listRolloutSteps(id);
    const hostNames = this.o.fleet.snapshot().hostNames;
    const current = steps.find((s) => s.state === 'requested');
    const active = r.state === 'running' || r.state === 'paused';
    if (!active) return viewRollout(r, steps, { now: this.o.now(), hostNames, current: null });
    // The members' restart ranks order the pending steps as the next pass would (leader last).
    const { status, members } = this.o.fleet.memberMap(r.cluster);
    if (!current) {
      // Between steps: the pause the next pass would wait out, as it decides it (step.ts).
      const waiting =
        r.state === 'running'
          ? pauseBetweenSteps(Math.max(0, ...steps.map((s) => s.finished_at)), this.opts(r), this.o.now())
          : undefined;
      return viewRollout(r, steps, {
        now: this.o.now(),
        hostNames,
        current: null,
        members,
        ...(waiting ? { waiting } : {}),
      });
    }
    const gates = this.o.leases().gates(current.instance_id);
    const observations = this.observations();
    const strandedBy = isProcedure(r)
      ? handoverFirst(stepInput(current), steps.map(stepInput), { members, observations })
      : undefined;
    const d = describeStep({
      op: current.op ?? 'restart',
      host: hostNames.get(current.host_id) ?? current.host_id,
      connected: this.o.fleet.isConnected(current.host_id),
      leaseHeld: this.o
        .leases()
        .holders(r.cluster)
        .some((l) => l.instanceId === current.instance_id),
      pidBefore: current.pid_before,
      requestedAt: current.requested_at,
      obs: observations.get(current.instance_id),
      // Only a running rollout's steps time out (a paused one's is finished or asked again on resume).
      clock:
        r.state === 'running'
          ? { now: this.o.now(), gateTimeoutSec: this.opts(r).gateTimeoutSec }
          : undefined,
      member: members.get(current.instance_id),
      ledAtRequest: this.ledAtRequest.get(current.command_id) ?? false,
      configChange: carriesConfigChange(r.action),
      clusterHealth: status.health,
      gates,
      ...(strandedBy ? { strandedBy } : {}),
    });
    return viewRollout(r, steps, {
      now: this.o.now(),
      hostNames,
      current: { step: current, phase: d.phase, text: d.text, gates },
      members,
    });
  }

  list(cluster: string): RolloutView[] {
    return this.o.store.listRollouts({ cluster }).map((r) => this.view(r.id));
  }
}

function stepInput(s: RolloutStepRow): StepInput {
  return {
    idx: s.idx,
    instance: s.instance_id,
    state: s.state,
    commandId: s.command_id,
    pidBefore: s.pid_before,
    requestedAt: s.requested_at,
    finishedAt: s.finished_at,
    op: s.op ?? 'restart',
    phase: s.phase ?? 0,
    note: s.note,
    failedBy: s.failed_by || undefined,
  };
}

/**
 * `ids` joined with `, `, the first ten of them and then `… and N more` (capList): a rollout of
 * every member of a 5,000-member cluster made a 150 KB log line and event message. The event's
 * data keeps the whole order.
 */
export function listSome(ids: readonly string[]): string {
  return capList(ids, 10).join(', ');
}
