import { isAbandon } from '@hactl/shared';
import type { AgentCommandResult } from '../reconcile/sessions.js';
import type { StepInput } from './step.js';

/** A step whose command an agent answered, with its stored note (for a failed step: why it failed). */
export type ResultStep = Pick<StepInput, 'idx' | 'instance' | 'state' | 'op'> & { note: string };

/** The rollout the step belongs to. */
export interface ResultRollout {
  id: string;
  /** running, paused or completed (the engine hands no other rollout's steps to the decision). */
  state: string;
  /** restart, apply, stop, … (RolloutOptions.action). */
  action: string;
  /** Whether its stop steps stop removed members whatever their kind's pre-stop check says. */
  forceRemoval: boolean;
}

/** The agent's answer to a step's command. */
export type CommandOutcome = Pick<AgentCommandResult, 'ok' | 'output' | 'error'>;

export type ResultDecision =
  /** Nothing to store: the result is for a step no longer waiting for it. */
  | { do: 'ignore' }
  /** Keep the agent's account as the step's note; its state stays (a step already done, a handover). */
  | { do: 'note'; note: string }
  /** The step is done, with `note`. */
  | { do: 'finish'; note: string }
  /** The step failed: store it failed with `note` and pause the rollout (if running) with `reason`. */
  | { do: 'fail'; note: string; reason: string }
  /**
   * The step had failed without a word from its agent (`fail-step`: restarted, never served within
   * the gate timeout), and now the agent says that very restart succeeded: the step is done with
   * `note`, and the rollout stays paused (`message` for its event), its pause reason now `reason`
   * (the one it paused with named a failure that no longer stands).
   */
  | { do: 'finish-late'; note: string; message: string; reason: string };

/**
 * How a step's note starts when its agent failed it (planCommandResult's `fail`), for the reader;
 * which part failed a step is its `failed_by` (store.ts StepFailure), not this wording.
 */
const AGENT_FAILURE = 'agent: ';

/**
 * What the engine does with an agent's result for a step's command. Pure.
 *
 * - A requested step: done on success (a handover keeps the account and waits for leadership to
 *   move, handover.ts), failed on failure, which pauses the rollout at once rather than waiting out
 *   the gate timeout.
 * - A step already done on its observed new pid: a success keeps the agent's account (its timing)
 *   as the note; a failure (the member never became ready) fails it as in time, so the rollout
 *   pauses on the agent's reason instead of waiting out the next step's gates.
 * - An abandoned wait for the lease (`abandon:`) changes no step: nothing restarted.
 * - A restart failed by `fail-step` (step.ts: its member restarted and had not served by the gate
 *   timeout, and its lease was gone), then answered with success: the agent's restart of that
 *   command did finish (its readiness wait and after-restart procedure passed), just late. The
 *   step's record says so: done, with the failure kept in the note. The rollout stays paused: the
 *   decision to take down the next member on the strength of a late message is the operator's
 *   (`hactl rollout resume`, which then goes on with the next member instead of restarting this
 *   one again). A step fails without a result only by `fail-step`, and an agent answers a command
 *   once (its journal answers a resend with the first result), so a success for a failed step's
 *   command always follows a `fail-step`. Not while the rollout runs: it runs again only after a
 *   resume, which finishes such a step if its member serves by then and puts it back to pending
 *   if not (step.ts planResume).
 */
export function planCommandResult(
  rollout: ResultRollout,
  step: ResultStep,
  result: CommandOutcome,
): ResultDecision {
  const op = step.op ?? 'restart';
  if (step.state === 'done' && result.ok)
    // Not a handover's: its note names the member that leads now.
    return op === 'handover' ? { do: 'ignore' } : { do: 'note', note: result.output };
  if (step.state === 'failed' && result.ok && op === 'restart' && rollout.state === 'paused')
    return {
      do: 'finish-late',
      note: `${result.output || 'restarted'} (the agent's result came after the step failed: ${step.note})`,
      message:
        `${step.instance} restarted after all: its agent reported success after the step failed; ` +
        `the rollout stays paused (hactl rollout resume ${rollout.id} goes on with the next member)`,
      reason:
        `step ${step.idx} (${step.instance}) failed, then its agent reported the restart done after all; ` +
        `hactl rollout resume ${rollout.id} goes on with the next member`,
    };
  // An attempt the agent gave up on the control plane's word (`abandon:`, step.ts
  // checkLeaseRequest: no running rollout asks for it) restarted nothing, so it says nothing of
  // the step: a step done meanwhile (its member restarted on its own, a crash, while its agent
  // waited for the lease) stays done, and a requested one stays requested, for a resume to finish
  // (its member serving on a new pid) or ask again, as it would had the result not come. Failed
  // with the agent's name on it, a resume would always have asked it again (planResume).
  if (!result.ok && isAbandon(result.error)) return { do: 'ignore' };
  const failedLate = step.state === 'done' && !result.ok && rollout.state !== 'completed';
  if (step.state !== 'requested' && !failedLate) return { do: 'ignore' };
  // A handover is done once another member leads (handover.ts), which the agent cannot see: its
  // account is kept for the step's note and the next pass decides.
  if (result.ok && op === 'handover') return { do: 'note', note: result.output };
  if (result.ok) return { do: 'finish', note: result.output || 'restarted' };
  // The agent refused or failed the step; it left the member as it was (a missing distribution
  // never stops the running process). A removal its kind refused (a Kafka broker's replicas) is
  // the operator's call: say how to make it.
  const hint =
    op === 'stop' && rollout.action === 'stop'
      ? `; to stop it anyway: hactl stop ${step.instance} --force --reason TEXT`
      : op === 'stop' && !rollout.forceRemoval
        ? `; to stop it anyway: hactl rollout resume ${rollout.id} --force-removal`
        : '';
  return {
    do: 'fail',
    note: `${AGENT_FAILURE}${result.error}`,
    reason: `step ${step.idx} (${step.instance}) failed: ${result.error}${hint}`,
  };
}
