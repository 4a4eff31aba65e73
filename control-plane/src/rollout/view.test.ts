import { describe, expect, it } from 'vitest';
import type { RolloutRow, RolloutStepRow } from '../store/store.js';
import { viewRollout } from './view.js';

const r: RolloutRow = {
  id: 'r1',
  cluster: 'zk',
  action: 'restart',
  revision: 3,
  state: 'running',
  reason: '',
  options_json: JSON.stringify({ action: 'restart', batchSize: 1 }),
  created_at: 1000,
  updated_at: 2000,
};
const step = (idx: number, state: string, o: Partial<RolloutStepRow> = {}): RolloutStepRow => ({
  rollout_id: 'r1',
  idx,
  instance_id: `zk/zk-${idx + 1}`,
  host_id: `h${idx + 1}`,
  state,
  command_id: '',
  pid_before: 0,
  requested_at: 0,
  finished_at: 0,
  note: `note ${idx}`,
  ...o,
});
const gate = { gate: 'cluster-healthy', ok: false, reason: 'waiting: cluster is degraded' };

describe('rollout view', () => {
  it('the step being worked on says what it waits for now, with its gates while it waits for its lease', () => {
    const steps = [
      step(0, 'done', { requested_at: 5000, finished_at: 6500 }),
      step(1, 'requested', { requested_at: 7000 }),
    ];
    const v = viewRollout(r, steps, {
      now: 10_000,
      hostNames: new Map([['h1', 'zk1']]),
      current: { step: steps[1]!, phase: 'waiting-lease', text: 'waiting for the lease', gates: [gate] },
    });
    expect(v.plan).toEqual(['zk1 (zk/zk-1)', 'h2 (zk/zk-2)']);
    expect(v.steps.map((s) => [s.note, s.elapsedMs])).toEqual([
      ['note 0', 1500],
      ['waiting for the lease', 3000],
    ]);
    expect(v.current).toEqual({
      instance: 'zk/zk-2',
      phase: 'waiting-lease',
      waitingFor: 'waiting for the lease',
      gates: [gate],
    });
  });

  it('once the lease is held the gates no longer apply and are not shown', () => {
    const steps = [step(0, 'requested', { requested_at: 7000 })];
    const v = viewRollout(r, steps, {
      now: 8000,
      hostNames: new Map(),
      current: { step: steps[0]!, phase: 'restarting', text: 'restarting', gates: [gate] },
    });
    expect(v.current?.gates).toEqual([]);
  });
});
