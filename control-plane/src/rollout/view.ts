import type { GateResult, MemberStatus } from '@hactl/shared';
import type { RolloutView } from '../api/contract.js';
import type { RolloutOptions } from './options.js';
import type { StepPhase } from './step-status.js';
import { orderPendingSteps } from './step.js';
import { stepTakenAt, type RolloutRow, type RolloutStepRow } from '../store/store.js';

/** What the engine found out about the step being worked on, for its view. */
export interface CurrentStepFacts {
  step: RolloutStepRow;
  phase: StepPhase;
  /** What the step waits for, in words (step-status.ts describeStep). */
  text: string;
  /** The restart gates with their current values. */
  gates: GateResult[];
}

/**
 * The steps in the order they ran and will run: those taken up (requested, done, failed, or skipped
 * after their request) by when they were, then the pending ones in the order the engine would
 * request them now (step.ts orderPendingSteps: phase, op, leader last, plan order), then those
 * skipped before they ran. The plan's order is only the first guess: the engine re-decides leader
 * last at every step. Pure.
 */
export function orderStepsAsRun(
  steps: readonly RolloutStepRow[],
  members: ReadonlyMap<string, MemberStatus>,
): RolloutStepRow[] {
  const pending = steps.filter((s) => s.state === 'pending');
  const taken = steps.filter((s) => s.state !== 'pending' && stepTakenAt(s) > 0);
  const never = steps.filter((s) => s.state !== 'pending' && stepTakenAt(s) === 0);
  const input = (s: RolloutStepRow) => ({ idx: s.idx, instance: s.instance_id, op: s.op, phase: s.phase, s });
  return [
    ...taken.sort((a, b) => stepTakenAt(a) - stepTakenAt(b) || a.idx - b.idx),
    ...orderPendingSteps(pending.map(input), members).map((x) => x.s),
    ...never,
  ];
}

/**
 * Each step as `host (instance)`, in the order given: the view's `plan` (steps in plan order) and
 * an apply's `restartOrder` (engine.ts runOrder: steps as `orderStepsAsRun` orders them). Pure.
 */
export function stepLabels(
  steps: readonly Pick<RolloutStepRow, 'host_id' | 'instance_id'>[],
  hostNames: ReadonlyMap<string, string>,
): string[] {
  return steps.map((s) => `${hostNames.get(s.host_id) ?? s.host_id} (${s.instance_id})`);
}

/**
 * A stored rollout as `GET /v1/rollouts/{id}` shows it: times as ISO strings, hosts by name, steps
 * in the order they ran and will run (`orderStepsAsRun`; `plan` keeps the order planned at the
 * start, and each step's `index` its place there), and the step being worked on saying what it does
 * now (not what it did when it was requested); its gates only while it waits for its lease, since
 * once the lease is held they no longer apply.
 *
 * `startedAt` is when the rollout's work began: its first step's request (a rollout is stored
 * running, but until then it only waits, e.g. for a start step's gates), as the store keeps it
 * (`started_at`, set once: a step asked again on resume does not move it). Null while no step has
 * been taken up.
 * Pure: `now` (ms) measures the running step's elapsed time; `members` (their restart ranks) order
 * the pending steps as the engine would.
 */
export function viewRollout(
  r: RolloutRow,
  steps: readonly RolloutStepRow[],
  o: {
    now: number;
    hostNames: ReadonlyMap<string, string>;
    current: CurrentStepFacts | null;
    members?: ReadonlyMap<string, MemberStatus>;
    /** What the running rollout waits for with no step in flight (the engine's last pass). */
    waiting?: string;
  },
): RolloutView {
  const host = (id: string) => o.hostNames.get(id) ?? id;
  const iso = (ms: number) => (ms ? new Date(ms).toISOString() : null);
  const c = o.current;

  return {
    id: r.id,
    cluster: r.cluster,
    action: r.action,
    revision: r.revision,
    state: r.state,
    reason: r.reason,
    options: JSON.parse(r.options_json) as RolloutOptions,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
    startedAt: r.started_at ? iso(r.started_at) : null,
    plan: stepLabels(steps, o.hostNames),
    steps: orderStepsAsRun(steps, o.members ?? new Map()).map((s) => ({
      index: s.idx,
      op: s.op ?? 'restart',
      phase: s.phase ?? 0,
      instance: s.instance_id,
      host: host(s.host_id),
      state: s.state,
      requestedAt: iso(s.requested_at),
      finishedAt: iso(s.finished_at),
      elapsedMs: s.requested_at ? (s.finished_at || o.now) - s.requested_at : null,
      note: c && s.idx === c.step.idx && c.text ? c.text : s.note,
    })),
    current: c
      ? {
          instance: c.step.instance_id,
          phase: c.phase,
          waitingFor: c.text,
          gates: c.phase === 'waiting-lease' ? c.gates : [],
        }
      : null,
    waiting: c ? null : (o.waiting ?? null),
  };
}
