import { describe, expect, it } from 'vitest';
import {
  planCommandResult,
  type CommandOutcome,
  type ResultDecision,
  type ResultRollout,
  type ResultStep,
} from './result.js';

const paused: ResultRollout = { id: 'r1', state: 'paused', action: 'apply', forceRemoval: false };
const running: ResultRollout = { ...paused, state: 'running' };
const NEVER_SERVED =
  'restarted (pid 101 → 201), holds no lease and is not serving yet; no result from its agent within 300s of the request';
const failedByTimeout: ResultStep = {
  idx: 0,
  instance: 'zk/zk-1',
  state: 'failed',
  op: 'restart',
  note: NEVER_SERVED,
};
const LATE =
  'zk/zk-1 restarted after all: its agent reported success after the step failed; ' +
  'the rollout stays paused (hactl rollout resume r1 goes on with the next member)';
/** The paused rollout's new reason after a late success: the failure it named no longer stands. */
const LATE_REASON =
  'step 0 (zk/zk-1) failed, then its agent reported the restart done after all; ' +
  'hactl rollout resume r1 goes on with the next member';
/** The agent gave its wait for the lease up on the control plane's word (step.ts checkLeaseRequest). */
const abandonedWait: CommandOutcome = {
  ok: false,
  output: '',
  error: 'abandon: no running rollout asks to restart zk/zk-1',
};
const ok: CommandOutcome = { ok: true, output: 'restarted in 410 s', error: '' };
/** What a step answered with `notReady` becomes, in time or after it was done on its new pid. */
const failedNotReady: ResultDecision = {
  do: 'fail',
  note: 'agent: zk/zk-1 not ready 180000 ms after its restart',
  reason: 'step 0 (zk/zk-1) failed: zk/zk-1 not ready 180000 ms after its restart',
};
const notReady: CommandOutcome = {
  ok: false,
  output: '',
  error: 'zk/zk-1 not ready 180000 ms after its restart',
};

describe('an agent result for a step (planCommandResult)', () => {
  it.each<[string, ResultRollout, Partial<ResultStep>, CommandOutcome, ResultDecision]>([
    [
      'requested, success → done with the agent account',
      running,
      { state: 'requested', note: '' },
      ok,
      { do: 'finish', note: 'restarted in 410 s' },
    ],
    [
      'requested, failure → failed, the rollout pauses on the reason',
      running,
      { state: 'requested', note: '' },
      notReady,
      failedNotReady,
    ],
    [
      'done on its new pid, then success → the agent account kept',
      running,
      { state: 'done', note: 'restarted (pid 101 → 201)' },
      ok,
      { do: 'note', note: 'restarted in 410 s' },
    ],
    [
      'done on its new pid, then failure → failed late',
      running,
      { state: 'done', note: 'restarted (pid 101 → 201)' },
      notReady,
      failedNotReady,
    ],
    [
      'done (its member restarted on its own while its agent waited for the lease), then that wait abandoned → ignored',
      running,
      { state: 'done', note: 'restarted (pid 101 → 201) and serves: done on resume, not restarted again' },
      abandonedWait,
      { do: 'ignore' },
    ],
    [
      'requested, its rollout paused, then the agent gives its wait for the lease up on that word → ignored (a resume finishes or asks it)',
      paused,
      { state: 'requested', note: '' },
      abandonedWait,
      { do: 'ignore' },
    ],
    [
      'fail-step at the gate timeout, then success → done late, with the failure kept; the rollout stays paused',
      paused,
      {},
      ok,
      {
        do: 'finish-late',
        note: `restarted in 410 s (the agent's result came after the step failed: ${NEVER_SERVED})`,
        message: LATE,
        reason: LATE_REASON,
      },
    ],
    [
      'fail-step, then success with no output → "restarted"',
      paused,
      {},
      { ...ok, output: '' },
      {
        do: 'finish-late',
        note: `restarted (the agent's result came after the step failed: ${NEVER_SERVED})`,
        message: LATE,
        reason: LATE_REASON,
      },
    ],
    ['fail-step, then failure → nothing more to say', paused, {}, notReady, { do: 'ignore' }],
    [
      'a failed step in a running rollout (not the paused one fail-step leaves) → ignored',
      running,
      {},
      ok,
      { do: 'ignore' },
    ],
    [
      'a failed stop, then success → ignored (only a restart fails without a result)',
      paused,
      { op: 'stop' },
      ok,
      { do: 'ignore' },
    ],
    ['skipped (aborted), then success → ignored', paused, { state: 'skipped' }, ok, { do: 'ignore' }],
    [
      'a handover, success → its account kept, the pass decides',
      running,
      { state: 'requested', op: 'handover', note: '' },
      ok,
      { do: 'note', note: 'restarted in 410 s' },
    ],
    [
      'a removal its kind refused → the hint to force it',
      running,
      { state: 'requested', op: 'stop', note: '' },
      { ok: false, output: '', error: 'partitions would go under-replicated' },
      {
        do: 'fail',
        note: 'agent: partitions would go under-replicated',
        reason:
          'step 0 (zk/zk-1) failed: partitions would go under-replicated; to stop it anyway: hactl rollout resume r1 --force-removal',
      },
    ],
  ])('%s', (_scenario, rollout, patch, result, want) => {
    expect(planCommandResult(rollout, { ...failedByTimeout, ...patch }, result)).toEqual(want);
  });
});
