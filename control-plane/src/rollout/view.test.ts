import { describe, expect, it } from 'vitest';
import type { MemberStatus } from '@hactl/shared';
import type { RolloutRow, RolloutStepRow } from '../store/store.js';
import { orderStepsAsRun, viewRollout } from './view.js';

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

  it("startedAt is the store's started_at (the first step taken up, kept), and null while none has been", () => {
    const base = { now: 10_000, hostNames: new Map<string, string>(), current: null };
    expect(viewRollout(r, [step(0, 'pending'), step(1, 'pending')], base).startedAt).toBeNull();
    // Step 1 was asked again (at 9000) after the rollout began at 4000: the start does not move.
    const steps = [step(0, 'done', { requested_at: 5000 }), step(1, 'requested', { requested_at: 9000 })];
    expect(viewRollout({ ...r, started_at: 4000 }, steps, base).startedAt).toBe(new Date(4000).toISOString());
  });
});

const leader = (instance: string): MemberStatus => ({ instance, restartRank: 1 }) as unknown as MemberStatus;

describe('rollout steps in run order', () => {
  const cases: {
    name: string;
    steps: RolloutStepRow[];
    members?: MemberStatus[];
    order: number[];
  }[] = [
    {
      name: 'zk: leadership moved from the planned last (step 2) to step 0 → step 0 is listed last',
      steps: [step(0, 'pending'), step(1, 'pending'), step(2, 'pending')],
      members: [leader('zk/zk-1')],
      order: [1, 2, 0],
    },
    {
      name: 'zk: steps taken up by their request time, not plan order; pending ones leader last',
      steps: [
        step(0, 'pending'),
        step(1, 'done', { requested_at: 5000, finished_at: 6000 }),
        step(2, 'requested', { requested_at: 7000 }),
        step(3, 'pending'),
      ],
      members: [leader('zk/zk-1')],
      order: [1, 2, 3, 0],
    },
    {
      name: 'membership: a handover done without a request counts from its finish; phases before ops',
      steps: [
        step(0, 'done', { op: 'handover', phase: 0, finished_at: 3000 }),
        step(1, 'pending', { op: 'stop', phase: 0 }),
        step(2, 'pending', { op: 'start', phase: 1 }),
        step(3, 'pending', { op: 'start', phase: 0 }),
      ],
      order: [0, 3, 1, 2],
    },
    {
      name: 'aborted: steps skipped before they ran come last',
      steps: [step(0, 'skipped'), step(1, 'done', { requested_at: 5000, finished_at: 6000 })],
      order: [1, 0],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const members = new Map((c.members ?? []).map((m) => [m.instance, m]));
      expect(orderStepsAsRun(c.steps, members).map((s) => s.idx)).toEqual(c.order);
    });
});
