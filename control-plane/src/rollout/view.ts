import type { GateResult } from '@hactl/shared';
import type { RolloutView } from '../api/contract.js';
import type { RolloutOptions } from './options.js';
import type { StepPhase } from './step-status.js';
import type { RolloutRow, RolloutStepRow } from '../store/store.js';

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
 * A stored rollout as `GET /v1/rollouts/{id}` shows it: times as ISO strings, hosts by name, and
 * the step being worked on saying what it does now (not what it did when it was requested); its
 * gates only while it waits for its lease, since once the lease is held they no longer apply.
 * Pure: `now` (ms) measures the running step's elapsed time.
 */
export function viewRollout(
  r: RolloutRow,
  steps: readonly RolloutStepRow[],
  o: { now: number; hostNames: ReadonlyMap<string, string>; current: CurrentStepFacts | null },
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
    plan: steps.map((s) => `${host(s.host_id)} (${s.instance_id})`),
    steps: steps.map((s) => ({
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
  };
}
