import type { MemberStatus } from '@hactl/shared';
import type { ObservedProcess, StepInput } from './step.js';

/**
 * Handovers in membership procedures (membership/plan.ts): a member about to be removed that
 * leads is restarted first, so the others elect a leader among themselves before they move onto
 * a member list without it. ZooKeeper's FastLeaderElection ignores the votes of servers missing
 * from a peer's own list, and a learner looks its leader up in its own view, so a kept member
 * restarted onto the new list can never follow the removed one; with it leading, that member
 * stays out of the quorum (`LOOKING`) for as long as it leads.
 *
 * A restart alone does not move leadership. When the others have not elected a leader by the
 * time the restarted member is back (an election slowed by a loaded machine; it takes seconds for
 * a JVM to start), it joins the election and, with the same zxid and the highest myid, wins it
 * again: seen in this project's CI, where the procedure then restarted a kept member onto the new
 * list and that member never rejoined. So a handover is done only when a probe of the member's new
 * process says it does not lead and a probe after the request says another member does; it is
 * done again, up to `MAX_HANDOVERS` times, while the member leads again after its restart.
 */

/** Restarts of one leading member per handover, before the procedure pauses and says why. */
export const MAX_HANDOVERS = 3;

/** What a requested handover's reports say now. */
export type HandoverOutcome =
  /** Another member leads: mark the step done with `note`. */
  | { do: 'finish'; note: string; reason: string }
  /** The member leads again after its restart: put the step back, to be asked again at once. */
  | { do: 'again'; note: string; reason: string }
  /** It led again after each of `MAX_HANDOVERS` restarts: pause the procedure with `reason`. */
  | { do: 'give-up'; reason: string }
  /** Restarted; waiting for a probe of its new process, or for the others' election. */
  | { do: 'wait'; reason: string };

/** The reports a handover is judged on. */
export interface HandoverFacts {
  /** Member statuses by instance id (`leading` from each member's last probe). */
  members: ReadonlyMap<string, MemberStatus>;
  observations: Pick<ReadonlyMap<string, ObservedProcess>, 'get'>;
  /** The member restarted: a new pid reported after the request, and no lease held. */
  restarted: boolean;
  /** Which attempt the step's command is (1 for the first request, commandAttempt in step.ts). */
  attempt: number;
}

/**
 * Whether a requested handover is done, to be done again, given up, or waited for; undefined while
 * its member has not restarted (the step's lease wait and gate timeout apply). Pure.
 *
 * Every judgement reads probes taken after the request: the agent reports a probe only with the
 * pid it probed (agent sync/reporter.ts), so the member's own probe there is of its new process,
 * and another member cannot have led before the request while this one did (never two leaders).
 */
export function checkHandover(step: StepInput, facts: HandoverFacts): HandoverOutcome | undefined {
  if (!facts.restarted) return undefined;
  const what = `step ${step.idx} (handover ${step.instance})`;
  const obs = facts.observations.get(step.instance);
  const restarted = `restarted (pid ${step.pidBefore} → ${obs?.pid ?? '-'})`;
  const probedSince = (instance: string): boolean =>
    (facts.observations.get(instance)?.probeAt ?? 0) > step.requestedAt;
  if (!probedSince(step.instance))
    return { do: 'wait', reason: `${what}: ${restarted}; waiting for a probe of its new process` };
  if (facts.members.get(step.instance)?.leading === true) {
    if (facts.attempt >= MAX_HANDOVERS)
      return {
        do: 'give-up',
        reason:
          `${what}: ${step.instance} led again after each of ${facts.attempt} restarts: the other members ` +
          `did not elect a leader among themselves while it was down. Their logs say why (leader election); ` +
          `resume the procedure to try again`,
      };
    return {
      do: 'again',
      note: `${restarted}, and it leads again: handing over again`,
      reason: `${what}: ${step.instance} won the election that followed its restart (attempt ${facts.attempt} of ${MAX_HANDOVERS})`,
    };
  }
  for (const [instance, m] of facts.members)
    if (instance !== step.instance && m.leading && probedSince(instance))
      return {
        do: 'finish',
        note: `${step.note || restarted}; ${instance} leads now`,
        reason: `${what}: ${step.instance} restarted and ${instance} leads`,
      };
  return { do: 'wait', reason: `${what}: ${restarted}; waiting for the other members to elect a leader` };
}

/**
 * A handover of phase `phase` already done whose member leads again (a probe after the step
 * finished says so): the kept members cannot follow it once they run the list without it, so the
 * procedure hands over again before any other step of the phase. Undefined when no such step
 * exists (always in a restart rollout, which has no handover). Pure.
 */
export function leadingAgain<S extends Pick<StepInput, 'instance' | 'state' | 'op' | 'finishedAt' | 'phase'>>(
  steps: readonly S[],
  phase: number,
  facts: Pick<HandoverFacts, 'members' | 'observations'>,
): S | undefined {
  return steps.find(
    (s) =>
      s.op === 'handover' &&
      (s.phase ?? 0) === phase &&
      s.state === 'done' &&
      facts.members.get(s.instance)?.leading === true &&
      (facts.observations.get(s.instance)?.probeAt ?? 0) > s.finishedAt,
  );
}

/**
 * The done handover to repeat before `step`, a kept member's restart that has not taken its member
 * down yet: one of the same phase whose member leads again (`leadingAgain`). Restarted onto the
 * phase's member list, the kept member could not follow that leader (see the module doc) and would
 * stay out of the quorum until the gate timeout failed its step; and with it out, the cluster is
 * not healthy, so the second handover's own lease would be refused too. So such a restart is put
 * back (step.ts) and refused its lease (engine.ts authorizeLease) until another member leads.
 * Undefined for a step that is not a restart, or when no such handover exists. Pure.
 */
export function handoverFirst<
  S extends Pick<StepInput, 'instance' | 'state' | 'op' | 'finishedAt' | 'phase'>,
>(step: S, steps: readonly S[], facts: Pick<HandoverFacts, 'members' | 'observations'>): S | undefined {
  if ((step.op ?? 'restart') !== 'restart') return undefined;
  return leadingAgain(steps, step.phase ?? 0, facts);
}
