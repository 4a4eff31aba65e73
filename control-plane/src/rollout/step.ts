import { abandonReason, restartRank, type GateResult, type MemberStatus } from '@hactl/shared';
import type { GateTimeoutPolicy, RolloutOptions } from './options.js';
import type { StepFailure, StepOp } from '../store/store.js';
import { STEP_OP_ORDER } from '../membership/plan.js';
import { checkHandover, handoverFirst, leadingAgain } from './handover.js';

/**
 * The rollout step decision: from one read of a rollout, its steps, the members' statuses, the
 * agents' last reports, the cluster's lease holders and the time, what the engine does next and why.
 * Pure: no store, no fleet, no clock; the engine (engine.ts) reads, calls this and applies the
 * result. The rules (as RolloutEngine.advance applied them inline before):
 *
 * - One member at a time (batch size 1, architecture §4): while a step is requested nothing else
 *   goes out.
 * - A step is finished by a new pid reported after the request that serves (its probe, taken on
 *   that pid, says so), even if the agent's result was lost (a control-plane crash), but not while
 *   the agent still holds the member's lease: then it is still finishing the step (readiness, the
 *   service's after-restart procedure) and its own result is awaited. A new pid alone is not
 *   enough: a lease can be gone before the agent's result (it expired: the agent vanished, or an
 *   agent that does not renew waited for readiness longer than the TTL), and a member restarted
 *   onto a config it cannot serve on (a ZooKeeper member on a member list no quorum shares) runs
 *   a new pid all the same. Such a step waits for the member to serve or for the agent's result
 *   (`describeUnservedRestart`, the status line's words too); past the gate timeout it fails and
 *   the rollout pauses (`fail-step`), whatever `onGateTimeout` says: a member restarted and not
 *   serving is a failed step, not a gate that held.
 * - A requested step that makes no progress within `gateTimeoutSec` pauses, aborts or rolls back the
 *   rollout (`onGateTimeout`); the reason names the lease's last refusal, i.e. the gate that held.
 *   It does not run out while the member holds its lease (restarting under it).
 * - Leader last, re-decided at every step: leadership can move during a rollout (a restarted leader
 *   hands over to a member that is still pending), so the next step is the pending member with the
 *   lowest restart rank now, then plan order; the plan's order is only the first guess. A step
 *   already requested whose member has since become the leader, and was refused its lease, is put
 *   back to pending (`requeue-step`) so a lower-ranked member goes first: the lease's leader-last
 *   gate would otherwise refuse it until the gate timeout.
 * - `pauseBetweenSec` counts from the last step that finished (done or failed).
 * - Membership procedures (issue 10): steps of a later phase wait until every step of the phase
 *   before is done; within a phase (STEP_OP_ORDER) a handover goes first (a removed member that
 *   leads now is restarted until another member leads, handover.ts; one that does not is done at
 *   once), held members start, then restarts (leader last), then removed members stop. When a
 *   removed member leads again after its handover, the handover is done again before anything
 *   else of the phase: a kept member's restart already requested but not begun (no lease, no new
 *   pid) is put back first (`handoverFirst`). A `start` is requested only when its gates
 *   hold (`startGates`, the same restart-lease gates, checked here since starting takes no member
 *   down and so asks no lease); it is done once the member runs and has answered a probe after the
 *   request. A start whose gates have not held for `gateTimeoutSec` (since the rollout last entered
 *   `running` or the last step finished) pauses the procedure, naming the gates. A `stop` is done
 *   on the agent's result, or once the member is reported stopped with its lease released.
 */

/** A rollout as the decision needs it. */
export interface RolloutInput {
  id: string;
  state: string;
  options: RolloutOptions;
  /**
   * ms since epoch the rollout last entered `running`: its start, or the operator's last resume
   * (the row's `updated_at`, which only state changes move). A start step's wait for its gates
   * counts from here or from the last finished step, whichever is later.
   */
  runningSince: number;
}

/** One planned restart of a rollout. */
export interface StepInput {
  idx: number;
  instance: string;
  /** pending, requested, done, failed or skipped. */
  state: string;
  /** The command id of the last request ('' before the first). */
  commandId: string;
  /** The member's pid when the step was requested (0: unknown or down). */
  pidBefore: number;
  requestedAt: number;
  finishedAt: number;
  /** What the step does to its member (`restart` when absent). */
  op?: StepOp;
  /** Its membership procedure phase (0 when absent). */
  phase?: number;
  /** Its stored note: for a handover awaiting its leader check, the agent's account of the restart. */
  note?: string;
  /** Who failed it, when it is `failed` (store.ts StepFailure). */
  failedBy?: StepFailure;
}

/** The agent's last report on a member. */
export interface ObservedProcess {
  process: string;
  pid: number;
  reportedAt: number;
  /** When the member was last probed (ms; 0 or absent: never). */
  probeAt?: number;
  /** Whether that probe found the service answering (probeAnswered), serving or not. */
  answered?: boolean;
  /**
   * Whether that probe found the service serving (probeServes). The agent reports a probe only
   * with the pid it was taken on (agent sync/reporter.ts), so a new pid's probe is the new process's.
   */
  serves?: boolean;
  /**
   * Whether the agent says the member runs an older config than the one rendered for it (its
   * restart is pending; absent: not reported). Read by a resume only (planResume).
   */
  restartPending?: boolean;
}

export interface RolloutStepInput {
  rollout: RolloutInput;
  /** The rollout's steps in plan order. */
  steps: readonly StepInput[];
  /** Member statuses by instance id (for the restart rank: leader last). */
  members: ReadonlyMap<string, MemberStatus>;
  /**
   * The agents' last reports, by instance id (a Map, or a lookup that reads them on demand: a pass
   * asks only for the requested step's member and the next one's).
   */
  observations: Pick<ReadonlyMap<string, ObservedProcess>, 'get'>;
  /** Instances of the cluster holding a restart lease now. */
  leaseHolders: readonly string[];
  /** The last reason a lease was refused, by instance id. */
  lastRefusal: ReadonlyMap<string, string>;
  /** The gates for starting each held member (membership procedures), by instance id. */
  startGates?: ReadonlyMap<string, readonly GateResult[]>;
  now: number;
}

export type RolloutDecision =
  /** The requested step restarted: mark it done with `note`. */
  | { type: 'finish-step'; step: number; note: string; reason: string }
  /**
   * The requested step failed without a word from its agent (its member restarted and never
   * served): mark it failed with `note` and pause the rollout with `reason`, as a failed result
   * from the agent does.
   */
  | { type: 'fail-step'; step: number; note: string; reason: string }
  /** Ask the member's agent to restart it under `commandId`. */
  | {
      type: 'request-step';
      step: number;
      commandId: string;
      pidBefore: number;
      /** The member ranked after the others (led its cluster) when requested; for status text. */
      ledAtRequest: boolean;
      op: StepOp;
      reason: string;
    }
  /**
   * Put a step back to pending (its command id kept, so the next request is a new attempt; its
   * request and finish times cleared). For a requested restart whose member now ranks after a
   * pending restart of its phase (it took over leadership after it was requested) and was refused
   * the lease, so the other goes first; and for a handover whose member leads again, requested or
   * already done (handover.ts), so it is asked again at once.
   */
  | { type: 'requeue-step'; step: number; note: string; reason: string }
  | { type: 'wait'; reason: string }
  /** Every step is done or skipped. */
  | { type: 'complete'; reason: string }
  /**
   * The requested step timed out. `pause` leaves the steps as they are; `abort` and `rollback` skip
   * `skip` (step indexes, with `skipNote`) and abort the rollout; `rollback` also rolls back the
   * members in `restarted` (empty for the other policies).
   */
  | {
      type: 'gate-timeout';
      policy: GateTimeoutPolicy;
      reason: string;
      skip: number[];
      skipNote: string;
      restarted: string[];
    };

/**
 * A new process runs, reported after the request: the restart happened. Shared with the step's
 * status text (step-status.ts), so "restarted" means the same in both.
 */
export function restartObserved(
  obs: ObservedProcess | undefined,
  pidBefore: number,
  requestedAt: number,
): boolean {
  return (
    obs !== undefined &&
    obs.process === 'running' &&
    obs.pid > 0 &&
    pidBefore > 0 &&
    obs.pid !== pidBefore &&
    obs.reportedAt > requestedAt
  );
}

/**
 * Nothing of a requested step has happened yet: its member holds no lease and runs, as last
 * reported, the very process it ran when the step was requested (`pidBefore`, known). Only such a
 * step may be put back for a handover to go first (handover.ts handoverFirst). Without a known
 * pid, or with the member down or on another pid, it may be half way through (stopped under a
 * lease that lapsed since, or restarted), and is not. Pure.
 */
export function notBegun(
  step: Pick<StepInput, 'pidBefore'>,
  obs: Pick<ObservedProcess, 'process' | 'pid'> | undefined,
  leased: boolean,
): boolean {
  return !leased && step.pidBefore > 0 && obs?.process === 'running' && obs.pid === step.pidBefore;
}

/** What to do next with a rollout; one decision (see `planRolloutPass` for a whole pass). */
export function decideRolloutStep(input: RolloutStepInput): RolloutDecision {
  const { rollout, steps, now } = input;
  const opts = rollout.options;
  if (rollout.state !== 'running') return { type: 'wait', reason: `rollout is ${rollout.state}` };
  const requested = steps.find((s) => s.state === 'requested');
  if (requested) {
    const what = `step ${requested.idx} (${requested.instance})`;
    const leased = input.leaseHolders.includes(requested.instance);
    const obs = input.observations.get(requested.instance);
    const handover =
      requested.op === 'handover'
        ? checkHandover(requested, {
            members: input.members,
            observations: input.observations,
            restarted: !leased && restartObserved(obs, requested.pidBefore, requested.requestedAt),
            attempt: commandAttempt(rollout.id, requested.idx, requested.commandId),
          })
        : undefined;
    if (handover?.do === 'finish')
      return { type: 'finish-step', step: requested.idx, note: handover.note, reason: handover.reason };
    if (handover?.do === 'again')
      return { type: 'requeue-step', step: requested.idx, note: handover.note, reason: handover.reason };
    if (handover?.do === 'give-up')
      // A procedure is never aborted half-way: it pauses, whatever onGateTimeout says.
      return pauseOn(handover.reason);
    const done = finishedBy(requested, obs, leased);
    if (done) return { type: 'finish-step', step: requested.idx, ...done };
    // Restarted, and neither serving nor under its lease: half done, so never put back either (a
    // renewal refused after the lease lapsed leaves a refusal behind, as a refused request does).
    const unserved = restartedUnserved(requested, obs, leased);
    // A removed member leads again after its handover, and nothing of this kept member's restart
    // has happened: put it back, so the handover is done again first (handover.ts handoverFirst;
    // its lease is refused meanwhile, engine.ts authorizeLease).
    const again = notBegun(requested, obs, leased) ? handoverFirst(requested, steps, input) : undefined;
    // Restarted, and stranded by such a leader: half done, so not put back; said in its wait and
    // its failure, which a resume turns into done once another member leads (planResume).
    const stranded = unserved ? handoverFirst(requested, steps, input) : undefined;
    if (again)
      return {
        type: 'requeue-step',
        step: requested.idx,
        note: `put back: ${again.instance} leads again after its handover; it hands over first`,
        reason:
          `${what} has not restarted, and ${again.instance} leads again (step ${again.idx}, its handover, ` +
          `was done): restarted onto this phase's member list, ${requested.instance} could not follow it`,
      };
    const before = unserved ? undefined : overtakenBy(requested, steps, input, leased);
    if (before)
      return {
        type: 'requeue-step',
        step: requested.idx,
        note: `put back: ${requested.instance} leads now; ${before.instance} first`,
        reason:
          `${what} was requested when ${requested.instance} did not lead; it leads now (restart rank ` +
          `${restartRank(input.members.get(requested.instance))}), its lease was refused, and ` +
          `step ${before.idx} (${before.instance}) ranks before it`,
      };
    // The gate timeout bounds the wait for the gates, i.e. for the lease. Once the agent holds
    // the lease the gates held: the restart itself (stop, start, readiness, the kind's after-restart
    // procedure) or a removal's drain is the agent's, bounded by its own timeouts and the lease's
    // TTL, and must not pause the rollout "on a gate timeout" midway. An agent that vanished loses
    // its lease at the TTL, and the timeout applies again; to a member restarted and not serving
    // since, as a failed step (see the header).
    if (unserved && now - requested.requestedAt > opts.gateTimeoutSec * 1000) {
      const failure =
        `${describeUnserved(requested, unserved)}; no result from its agent within ${opts.gateTimeoutSec}s of the request` +
        (stranded
          ? `; ${describeStranded(stranded)}: once one does, a resume finds it serving and finishes the step`
          : '');
      return { type: 'fail-step', step: requested.idx, note: failure, reason: `${what} ${failure}` };
    }
    if (!leased && now - requested.requestedAt > opts.gateTimeoutSec * 1000) {
      const why = input.lastRefusal.get(requested.instance) ?? 'no progress';
      const reason = `gate timeout after ${opts.gateTimeoutSec}s on ${what}: ${why}`;
      const policy = opts.onGateTimeout;
      if (policy === 'pause')
        return { type: 'gate-timeout', policy, reason, skip: [], skipNote: '', restarted: [] };
      return {
        type: 'gate-timeout',
        policy,
        reason,
        skip: steps.filter((s) => s.state === 'pending' || s.state === 'requested').map((s) => s.idx),
        skipNote: `rollout ${policy === 'abort' ? 'aborted' : 'rolled back'} on gate timeout`,
        restarted:
          policy === 'rollback' ? steps.filter((s) => s.state === 'done').map((s) => s.instance) : [],
      };
    }
    return {
      type: 'wait',
      reason:
        handover?.reason ??
        (unserved
          ? `${what} ${describeUnservedRestart(requested, unserved, { now, gateTimeoutSec: opts.gateTimeoutSec }, stranded)}`
          : leased
            ? `${what} holds the restart lease: waiting for the agent's own result`
            : `${what} requested: waiting for the agent to take the lease and restart it`),
    };
  }
  const allPending = steps.filter((s) => s.state === 'pending');
  if (!allPending.length)
    return {
      type: 'complete',
      reason:
        opts.action === 'stop'
          ? `${steps.filter((s) => s.state === 'done').length} member(s) stopped`
          : steps.some((s) => s.op !== undefined && s.op !== 'restart')
            ? `${steps.filter((s) => s.state === 'done').length} membership step(s) done`
            : `${steps.filter((s) => s.state === 'done').length} member(s) restarted`,
    };
  const phase = Math.min(...allPending.map((s) => s.phase ?? 0));
  const pending = allPending.filter((s) => (s.phase ?? 0) === phase);
  const lastDone = Math.max(0, ...steps.map((s) => s.finishedAt));
  const pause = pauseBetweenSteps(lastDone, opts, now);
  if (pause) return { type: 'wait', reason: pause };
  const rank = (s: StepInput): number => restartRank(input.members.get(s.instance));
  const again = leadingAgain(steps, phase, input);
  if (again)
    return {
      type: 'requeue-step',
      step: again.idx,
      note: `${again.instance} leads again after its handover: handing over again`,
      reason: `step ${again.idx} (handover ${again.instance}) was done, and ${again.instance} leads again; the members kept in phase ${phase} cannot follow it`,
    };
  const next = orderPendingSteps(pending, input.members)[0]!;
  const op = next.op ?? 'restart';
  if (op === 'handover' && rank(next) === 0)
    return {
      type: 'finish-step',
      step: next.idx,
      note: 'does not lead: no handover needed',
      reason: `step ${next.idx} (${next.instance}) is a handover and ${next.instance} does not lead now`,
    };
  if (op === 'start') {
    const failing = (input.startGates?.get(next.instance) ?? []).filter((g) => !g.ok);
    if (failing.length) {
      const what = `step ${next.idx} (start ${next.instance})`;
      const gates = failing.map((g) => `${g.gate}: ${g.reason}`).join('; ');
      // Starting takes no member down, so the only harm in waiting is a procedure stalled without
      // a word: after the gate timeout it pauses (a procedure is never aborted half-way) and says
      // which gate held; the operator resumes it once the gate can hold, which re-arms the timeout.
      const waitedSec = Math.floor((now - Math.max(rollout.runningSince, lastDone)) / 1000);
      if (waitedSec > opts.gateTimeoutSec)
        return pauseOn(`gate timeout after ${opts.gateTimeoutSec}s on ${what}: ${gates}`);
      return {
        type: 'wait',
        reason: `${what} waits (${waitedSec}s of ${opts.gateTimeoutSec}s): ${gates}`,
      };
    }
  }
  return {
    type: 'request-step',
    step: next.idx,
    commandId: nextCommandId(rollout.id, next.idx, next.commandId),
    pidBefore: input.observations.get(next.instance)?.pid ?? 0,
    ledAtRequest: rank(next) > 0,
    op,
    reason:
      op === 'restart'
        ? `${next.instance} is the pending member with the lowest restart rank (${rank(next)}) now, then plan order; ${allPending.length - 1} more to go`
        : `${op} ${next.instance}: next step of phase ${phase}; ${allPending.length - 1} more to go`,
  };
}

/** Pause the rollout with `reason`, changing no step. */
function pauseOn(reason: string): RolloutDecision {
  return { type: 'gate-timeout', policy: 'pause', reason, skip: [], skipNote: '', restarted: [] };
}

/**
 * Why a rollout waits before its next step, when it does: `pauseBetweenSec` counted from the last
 * step that finished (`lastDone`, ms; 0 for none) ("pausing 20s between steps; 11s left"); undefined otherwise. The step
 * decision and a rollout's view (between steps) both read it. Pure.
 */
export function pauseBetweenSteps(
  lastDone: number,
  opts: Pick<RolloutOptions, 'pauseBetweenSec'>,
  now: number,
): string | undefined {
  const until = lastDone + opts.pauseBetweenSec * 1000;
  if (opts.pauseBetweenSec <= 0 || now >= until) return undefined;
  return `pausing ${opts.pauseBetweenSec}s between steps; ${Math.ceil((until - now) / 1000)}s left`;
}

/**
 * Steps not yet requested in the order the engine would request them now: by phase, then within a
 * phase by op (STEP_OP_ORDER), then by restart rank (leader last), then plan order. The one place
 * this order is decided: `decideRolloutStep` takes the first of the lowest phase, the rollout view
 * lists them in it. "Now": ranks are re-read at every step, so a leader that moves reorders them.
 * Pure.
 */
export function orderPendingSteps<S extends Pick<StepInput, 'idx' | 'instance' | 'op' | 'phase'>>(
  steps: readonly S[],
  members: ReadonlyMap<string, MemberStatus>,
): S[] {
  const rank = (s: S): number => restartRank(members.get(s.instance));
  const order = (s: S): number => STEP_OP_ORDER[s.op ?? 'restart'];
  return [...steps].sort(
    (a, b) => (a.phase ?? 0) - (b.phase ?? 0) || order(a) - order(b) || rank(a) - rank(b) || a.idx - b.idx,
  );
}

/**
 * The pending step that must go before the requested one, if any: leader last is decided when a
 * step is requested, but leadership can move to its member afterwards (a restarted leader hands
 * over to a member whose restart was just requested). The lease's leader-last gate then refuses
 * that member for as long as another member of the phase is pending, and since nothing else is
 * requested while a step is, the rollout would wait for the gate timeout. Only a restart whose
 * member holds no lease and whose last lease answer was a refusal is put back: a member refused
 * since its last grant has not been taken down for this step (a grant clears the refusal), so the
 * step is not half done. Pure.
 */
function overtakenBy(
  requested: StepInput,
  steps: readonly StepInput[],
  input: RolloutStepInput,
  leased: boolean,
): StepInput | undefined {
  if ((requested.op ?? 'restart') !== 'restart' || leased) return undefined;
  if (!input.lastRefusal.has(requested.instance)) return undefined;
  const rank = (s: StepInput): number => restartRank(input.members.get(s.instance));
  const mine = rank(requested);
  const phase = requested.phase ?? 0;
  const others = steps.filter(
    (s) =>
      s.state === 'pending' &&
      (s.phase ?? 0) === phase &&
      (s.op ?? 'restart') === 'restart' &&
      rank(s) < mine,
  );
  return orderPendingSteps(others, input.members)[0];
}

/**
 * Whether the requested step is finished by what the agent reports, with the note and why. Pure.
 * - restart: a new process runs, reported after the request, serves, and the member holds no
 *   lease (a lease gone is not a restart finished: `restartedUnserved`);
 * - start: the member runs and answered a probe taken after the request (not necessarily serving: a
 *   ZooKeeper member added to a standalone server cannot serve before that server restarts);
 * - stop: the member is reported stopped after the request and holds no lease.
 */
function finishedBy(
  step: StepInput,
  obs: ObservedProcess | undefined,
  leased: boolean,
): { note: string; reason: string } | undefined {
  const what = `step ${step.idx} (${step.instance})`;
  if (!obs) return undefined;
  const op = step.op ?? 'restart';
  if (op === 'start')
    return obs.process === 'running' &&
      obs.pid > 0 &&
      obs.answered === true &&
      (obs.probeAt ?? 0) > step.requestedAt
      ? { note: `started (pid ${obs.pid})`, reason: `${what} runs and answered a probe after its start` }
      : undefined;
  // A stop is done when its agent answers: the answer comes after the kind's clean-up (an
  // Elasticsearch exclusion cleared, a KRaft broker unregistered), which a stopped process without
  // a lease does not show; the agent releases the lease just before it answers.
  if (op === 'stop') return undefined;
  // A handover is done when leadership moved (checkHandover), not by the restart alone.
  if (op === 'handover') return undefined;
  return !leased &&
    restartObserved(obs, step.pidBefore, step.requestedAt) &&
    servesAfter(obs, step.requestedAt)
    ? {
        note: `restarted (pid ${step.pidBefore} → ${obs.pid})`,
        reason: `${what} runs a new process that serves, and holds no lease`,
      }
    : undefined;
}

/**
 * The member's last probe, taken after `since` (ms), found it serving: what finishes a restart
 * without its agent's result (and what the step's status line calls serving). Pure.
 */
export function servesAfter(obs: Pick<ObservedProcess, 'serves' | 'probeAt'>, since: number): boolean {
  return obs.serves === true && (obs.probeAt ?? 0) > since;
}

/**
 * `obs` when a requested restart's member runs a new process, holds no lease and has not served
 * since (the lease expired, or was released just before a result still on its way); else
 * undefined. Such a step is not done (finishedBy): the disruption the lease covered has not
 * ended. Pure.
 */
function restartedUnserved(
  step: StepInput,
  obs: ObservedProcess | undefined,
  leased: boolean,
): ObservedProcess | undefined {
  if ((step.op ?? 'restart') !== 'restart' || leased || !obs) return undefined;
  return restartObserved(obs, step.pidBefore, step.requestedAt) && !servesAfter(obs, step.requestedAt)
    ? obs
    : undefined;
}

/**
 * Such a restart (restartedUnserved) in words: the one wording of it, which its wait, its failure
 * and its status line begin with. Pure.
 */
function describeUnserved(
  step: Pick<StepInput, 'pidBefore' | 'requestedAt'>,
  obs: Pick<ObservedProcess, 'pid' | 'probeAt'>,
): string {
  // The agent reports a probe only with the pid it was taken on: one taken after the request is
  // the new process's, and says it does not serve (else the step would be done).
  const probed = (obs.probeAt ?? 0) > step.requestedAt;
  return (
    `restarted (pid ${step.pidBefore} → ${obs.pid}), holds no lease and ` +
    (probed ? 'is not serving yet' : 'has not been probed since')
  );
}

/** A running rollout's clock, for a requested step's wait: now (ms) and its gate timeout (s). */
export interface StepClock {
  now: number;
  gateTimeoutSec: number;
}

/**
 * What a requested restart waits for once its member runs a new process (`obs`, reported after the
 * request) and holds no lease, and has not served since (`describeUnserved`): its new process to
 * serve (which finishes the step) or its agent's result; with `clock` (a running rollout's), how long until the gate
 * timeout fails the step (`fail-step`), rounded up to whole seconds. The one wording of that wait:
 * the decision's reason says it, and so does the step's status line (step-status.ts). Pure.
 */
export function describeUnservedRestart(
  step: Pick<StepInput, 'pidBefore' | 'requestedAt'>,
  obs: Pick<ObservedProcess, 'pid' | 'probeAt'>,
  clock?: StepClock,
  strandedBy?: Pick<StepInput, 'idx' | 'instance'>,
): string {
  const text =
    `${describeUnserved(step, obs)}: waiting for it to serve or for the agent's result` +
    (strandedBy ? `; ${describeStranded(strandedBy)}` : '');
  if (!clock) return text;
  const leftMs = step.requestedAt + clock.gateTimeoutSec * 1000 - clock.now;
  return leftMs > 0
    ? `${text}; the step fails in ${Math.ceil(leftMs / 1000)}s (gate timeout ${clock.gateTimeoutSec}s)`
    : `${text}; the gate timeout (${clock.gateTimeoutSec}s) has passed: the step fails at the next pass`;
}

/**
 * Why a kept member restarted onto its phase's member list cannot serve while `handover`'s member
 * leads again (handover.ts handoverFirst, the module doc there): one wording for the step's wait,
 * its failure and its status line. Pure.
 */
export function describeStranded(handover: Pick<StepInput, 'idx' | 'instance'>): string {
  return (
    `${handover.instance} leads again after its handover (step ${handover.idx}), and a member on this ` +
    `phase's member list cannot follow it: it rejoins once another member leads`
  );
}

/**
 * One pass: the decision, and after a finished or requeued step the decision that follows it at
 * the same moment (the next request, the completion or the pause between steps). Those are the
 * only decisions followed by another: they leave no step requested, so no second requeue can
 * follow, and each finish leaves one step fewer pending; a pass ends.
 */
export function planRolloutPass(input: RolloutStepInput): RolloutDecision[] {
  const first = decideRolloutStep(input);
  const after: Partial<StepInput> | undefined =
    first.type === 'finish-step'
      ? { state: 'done', finishedAt: input.now }
      : first.type === 'requeue-step'
        ? { state: 'pending', requestedAt: 0, pidBefore: 0, finishedAt: 0 }
        : undefined;
  if (!after || !('step' in first)) return [first];
  const steps = input.steps.map((s) => (s.idx === first.step ? { ...s, ...after } : s));
  return [first, ...planRolloutPass({ ...input, steps })];
}

/**
 * The command id for a step's next request: `<rollout>.<step>` the first time, then `.2`, `.3`, …
 * for retries after a failure. Stable per attempt: a resend after a crash keeps the id, so the
 * agent's journal makes it idempotent.
 */
export function nextCommandId(rolloutId: string, idx: number, previous: string): string {
  if (!previous) return `${rolloutId}.${idx}`;
  return `${rolloutId}.${idx}.${commandAttempt(rolloutId, idx, previous) + 1}`;
}

/** Which attempt a step's command id is: 1 for `<rollout>.<step>`, N for `….N` (0: none yet). Pure. */
export function commandAttempt(rolloutId: string, idx: number, commandId: string): number {
  if (!commandId) return 0;
  const base = `${rolloutId}.${idx}`;
  return commandId === base ? 1 : Number(commandId.slice(base.length + 1)) || 1;
}

/** A step as `planResume` changes it. */
export interface ResumedStep {
  idx: number;
  state: 'pending' | 'requested' | 'done';
  commandId: string;
  requestedAt: number;
  /** ms; set for a step done on resume (0 otherwise: its stored value is kept). */
  finishedAt: number;
  note: string;
  /** Send the step's command to its agent again (under `commandId`). */
  send: boolean;
}

/**
 * What a resume knows of the members besides the steps: the same reads as a pass (the agents'
 * last reports with `restartPending`, who leads, the lease holders, the time), and whether the
 * member runs the rollout's config.
 */
export interface ResumeInput extends Pick<
  RolloutStepInput,
  'observations' | 'members' | 'leaseHolders' | 'now'
> {
  /**
   * Whether the rollout carries a config change (action `apply`, a rollback's rollout): then a
   * member done on resume must also run the config rendered for it: its host has applied the
   * desired state planned now (`hostApplied`) and its agent reports no restart pending against it.
   * False for an operator's `restart`, which has no config to run.
   */
  configChange: boolean;
  /**
   * Whether the member's host has applied the desired state planned for it now, with no apply
   * error (Fleet.hostApplied): until it has, "no restart pending" is measured against an older
   * one (an upgrade's package still downloading, files that failed to write).
   */
  hostApplied: (instance: string) => boolean;
}

/**
 * What resuming a paused rollout does to its steps. Pure.
 *
 * - A requested restart, or one failed without a word from its agent (`fail-step`), whose member
 *   already restarted is done, not asked again: its member runs a new process (not the step's
 *   `pidBefore`), reported after the request, that served on a probe taken after the request,
 *   holds no lease and, for a config change, runs the config the rollout carries (its host applied
 *   the desired state planned now, and reports no restart pending). This is the agent's result
 *   that never came (a control-plane crash, a stream cut), or `fail-step`'s gate timeout that ran
 *   out before the member served: the pass would have finished it (finishedBy), and asking again
 *   would take the member down a second time for nothing. A step its agent failed is not: the
 *   agent's restart includes its kind's after-restart procedure, which asked again runs. A requested handover is done the same way once its member restarted and
 *   another member leads (checkHandover's finish): asked again, a removed member that no longer
 *   leads would be restarted for nothing. A start or a stop is asked again as before.
 * - Any other requested step (paused on a gate timeout) is asked again at once, under a new command
 *   id, with a fresh clock: while the rollout was paused its agent was told to abandon the restart
 *   (no running rollout asked for it, core.ts), and a resend under the old id would only be
 *   answered from the agent's journal with that abandonment. A lease request still made under the
 *   old id is now superseded (`checkLeaseRequest`), so the old and the new attempt never both
 *   restart it.
 * - Any other failed step (its agent refused it, e.g. a missing distribution) goes back to pending;
 *   the next request gives it a new command id too.
 * Other steps are left as they are.
 */
export function planResume(rolloutId: string, steps: readonly StepInput[], seen: ResumeInput): ResumedStep[] {
  return steps.flatMap((s): ResumedStep[] => {
    if (s.state !== 'requested' && s.state !== 'failed') return [];
    const note = doneBefore(s, seen);
    if (note)
      return [
        {
          idx: s.idx,
          state: 'done',
          commandId: s.commandId,
          requestedAt: s.requestedAt,
          finishedAt: seen.now,
          note,
          send: false,
        },
      ];
    if (s.state === 'requested')
      return [
        {
          idx: s.idx,
          state: 'requested',
          commandId: nextCommandId(rolloutId, s.idx, s.commandId),
          requestedAt: seen.now,
          finishedAt: 0,
          note: `asked again on resume (was ${s.commandId})`,
          send: true,
        },
      ];
    return [
      {
        idx: s.idx,
        state: 'pending',
        commandId: s.commandId,
        requestedAt: s.requestedAt,
        finishedAt: 0,
        note: 'retrying',
        send: false,
      },
    ];
  });
}

/**
 * The note of a requested or failed step that already happened, as `planResume` finds it, or
 * undefined when it has not (see there): a restart whose member serves on a new process, or a
 * requested handover whose member restarted and another member leads (checkHandover, as a pass
 * would find it). Pure.
 */
function doneBefore(s: StepInput, seen: ResumeInput): string | undefined {
  const op = s.op ?? 'restart';
  const obs = seen.observations.get(s.instance);
  const leased = seen.leaseHolders.includes(s.instance);
  if (op === 'handover' && s.state === 'requested') {
    const h = checkHandover(s, {
      members: seen.members,
      observations: seen.observations,
      restarted: !leased && restartObserved(obs, s.pidBefore, s.requestedAt),
      // Read only when the member leads again, which asks it again here anyway.
      attempt: 0,
    });
    return h?.do === 'finish' ? `${h.note} (found on resume)` : undefined;
  }
  if (op !== 'restart' || !obs || !finishedBy(s, obs, leased)) return undefined;
  // The agent's own failure stands: its restart is more than a process that serves (an
  // Elasticsearch node's allocation is restored only by its after-restart procedure), and a
  // restart asked again runs the whole of it. Only a failure no agent reported is overturned.
  if (s.state === 'failed' && s.failedBy === 'agent') return undefined;
  if (seen.configChange && (obs.restartPending !== false || !seen.hostApplied(s.instance))) return undefined;
  return (
    `restarted (pid ${s.pidBefore} → ${obs.pid}) and serves: done on resume, not restarted again ` +
    `(${s.state === 'failed' ? `it had failed: ${s.note ?? ''}` : 'no result from its agent yet'})`
  );
}

/**
 * Whether a rollout of `action` carries a config change (ResumeInput.configChange): every action
 * but an operator's `restart` (apply, upgrade, a rollback's rollout) restarts members onto config
 * rendered for them. Pure.
 */
export function carriesConfigChange(action: string): boolean {
  return action !== 'restart';
}

/** The command a lease request was made for: the agent asks with the reason `command <id>` (lease-restart.ts). */
export function commandOfLeaseReason(reason: string): string | undefined {
  return /^command (\S+)$/.exec(reason)?.[1];
}

/**
 * Whether a lease request for `instance` comes from the attempt a running rollout asks for now:
 * `step` is that rollout's requested step for the instance (undefined when none). Undefined when
 * it does; otherwise an `abandon:` reason, which makes the agent give the attempt up: no running
 * rollout asks for the instance (paused, aborted, finished), or the step was asked again under a
 * newer command (a resume) and this request is the older attempt's. A request that names no
 * command is judged by the step alone. Pure.
 */
export function checkLeaseRequest(
  instance: string,
  step: { commandId: string } | undefined,
  reason: string,
): string | undefined {
  if (!step) return abandonReason(`no running rollout asks to restart ${instance}`);
  const command = commandOfLeaseReason(reason);
  if (command !== undefined && command !== step.commandId)
    return abandonReason(`command ${command} was superseded by ${step.commandId} (the rollout was resumed)`);
  return undefined;
}
