import { describe, expect, it } from 'vitest';
import type { GateResult } from '@hactl/shared';
import { zkMember } from './testing-member.js';
import { defaultRolloutOptions } from './options.js';
import { decideRolloutStep, type ObservedProcess, type RolloutStepInput, type StepInput } from './step.js';
import type { StepOp } from '../store/store.js';

const NOW = 1_800_000_000_000;

const step = (
  idx: number,
  phase: number,
  op: StepOp,
  instance: string,
  patch: Partial<StepInput> = {},
): StepInput => ({
  idx,
  instance,
  state: 'pending',
  commandId: '',
  pidBefore: 0,
  requestedAt: 0,
  finishedAt: 0,
  op,
  phase,
  ...patch,
});

const ok: GateResult = { gate: 'cluster-healthy', ok: true, reason: 'leader 1, 1/1 followers synced' };
const held: GateResult = { gate: 'cluster-healthy', ok: false, reason: 'waiting: cluster is degraded' };

/** zk-1 and zk-2 reporting their first pids (101, 102); zk-3 is held. */
const firstReports = new Map<string, ObservedProcess>([
  ['zk/zk-1', { process: 'running', pid: 101, reportedAt: NOW - 1000 }],
  ['zk/zk-2', { process: 'running', pid: 102, reportedAt: NOW - 1000 }],
]);

/** A procedure growing {1,2} to {1,2,3}: start zk-3, restart zk-1 and zk-2; zk-1 leads. */
const grow: RolloutStepInput = {
  rollout: {
    id: 'm1',
    state: 'running',
    options: defaultRolloutOptions('membership'),
    runningSince: NOW - 1000,
  },
  steps: [step(0, 1, 'start', 'zk/zk-3'), step(1, 1, 'restart', 'zk/zk-1'), step(2, 1, 'restart', 'zk/zk-2')],
  members: new Map([
    ['zk/zk-1', zkMember('leader')],
    ['zk/zk-2', zkMember('follower')],
  ]),
  observations: firstReports,
  leaseHolders: [],
  lastRefusal: new Map(),
  startGates: new Map([['zk/zk-3', [ok]]]),
  now: NOW,
};

describe('rollout step decision: membership procedures', () => {
  it('a held member is started first, when its gates hold', () => {
    expect(decideRolloutStep(grow)).toMatchObject({ type: 'request-step', step: 0, op: 'start' });
  });

  it('a held member waits while a gate holds it, saying which', () => {
    expect(decideRolloutStep({ ...grow, startGates: new Map([['zk/zk-3', [held]]]) })).toEqual({
      type: 'wait',
      reason: 'step 0 (start zk/zk-3) waits (1s of 600s): cluster-healthy: waiting: cluster is degraded',
    });
  });

  describe('a start whose gates do not hold pauses the procedure after the gate timeout', () => {
    const gated = { ...grow, startGates: new Map([['zk/zk-3', [held]]]) };
    const timeout = defaultRolloutOptions('membership').gateTimeoutSec * 1000;
    const paused = {
      type: 'gate-timeout',
      policy: 'pause',
      reason:
        'gate timeout after 600s on step 0 (start zk/zk-3): cluster-healthy: waiting: cluster is degraded',
      skip: [],
      skipNote: '',
      restarted: [],
    };
    it.each([
      ['running for exactly the timeout: still waits', NOW - timeout, [], 'wait'],
      ['running for longer than the timeout: pauses', NOW - timeout - 1000, [], 'gate-timeout'],
      [
        'a step finished since then: the wait counts from it',
        NOW - timeout - 60_000,
        [step(9, 0, 'restart', 'zk/zk-9', { state: 'done', finishedAt: NOW - 5000 })],
        'wait',
      ],
      ['resumed a moment ago (runningSince moved): waits again', NOW - 2000, [], 'wait'],
    ] as const)('%s', (_name, runningSince, earlier, type) => {
      const decision = decideRolloutStep({
        ...gated,
        rollout: { ...gated.rollout, runningSince },
        steps: [...earlier, ...gated.steps],
      });
      expect(decision.type).toBe(type);
      if (type === 'gate-timeout') expect(decision).toEqual(paused);
    });

    it('never pauses a start whose gates hold, however long it waited', () => {
      expect(
        decideRolloutStep({ ...grow, rollout: { ...grow.rollout, runningSince: NOW - 10 * timeout } }),
      ).toMatchObject({ type: 'request-step', step: 0, op: 'start' });
    });
  });

  it.each<
    [
      string,
      { process: string; pid: number; reportedAt: number; probeAt?: number; answered?: boolean },
      string,
    ]
  >([
    [
      'running and answered a probe after the request → done',
      { process: 'running', pid: 103, reportedAt: NOW, probeAt: NOW - 10, answered: true },
      'finish-step',
    ],
    [
      'a probe that did not answer (still starting) → wait',
      { process: 'running', pid: 103, reportedAt: NOW, probeAt: NOW - 10, answered: false },
      'wait',
    ],
    [
      'a probe from before the request → wait',
      { process: 'running', pid: 103, reportedAt: NOW, probeAt: NOW - 5000, answered: true },
      'wait',
    ],
  ])('start requested: %s', (_s, obs, type) => {
    const steps = [
      step(0, 1, 'start', 'zk/zk-3', { state: 'requested', requestedAt: NOW - 1000 }),
      ...grow.steps.slice(1),
    ];
    const observations = new Map([...firstReports, ['zk/zk-3', obs]]);
    expect(decideRolloutStep({ ...grow, steps, observations }).type).toBe(type);
  });

  it('after the start, the follower restarts before the leader', () => {
    const steps = [
      step(0, 1, 'start', 'zk/zk-3', { state: 'done', finishedAt: NOW - 1 }),
      ...grow.steps.slice(1),
    ];
    expect(decideRolloutStep({ ...grow, steps })).toMatchObject({
      type: 'request-step',
      step: 2,
      op: 'restart',
    });
  });

  it('a later phase waits for the earlier one to finish', () => {
    const steps = [
      step(0, 1, 'restart', 'zk/zk-1', { state: 'requested', requestedAt: NOW - 1000, pidBefore: 101 }),
      step(1, 2, 'start', 'zk/zk-3'),
    ];
    expect(decideRolloutStep({ ...grow, steps }).type).toBe('wait');
  });

  describe('removing zk-2 from {1,2,3}', () => {
    const remove = (leader: string): RolloutStepInput => ({
      ...grow,
      steps: [
        step(0, 1, 'handover', 'zk/zk-2'),
        step(1, 1, 'restart', 'zk/zk-1'),
        step(2, 1, 'stop', 'zk/zk-2'),
      ],
      members: new Map(
        ['zk/zk-1', 'zk/zk-2', 'zk/zk-3'].map((id) => [id, zkMember(id === leader ? 'leader' : 'follower')]),
      ),
    });
    it('the removed member does not lead: the handover is done at once, then the others restart', () => {
      expect(decideRolloutStep(remove('zk/zk-1'))).toMatchObject({
        type: 'finish-step',
        step: 0,
        note: 'does not lead: no handover needed',
      });
    });
    it('the removed member leads: it is restarted first, so the others elect a leader that stays', () => {
      expect(decideRolloutStep(remove('zk/zk-2'))).toMatchObject({
        type: 'request-step',
        step: 0,
        op: 'handover',
      });
    });
    it('the stop is done only by the answer of its agent (after the clean-up), not by a stopped process without a lease', () => {
      const r = remove('zk/zk-1');
      const steps = [
        { ...r.steps[0]!, state: 'done' },
        { ...r.steps[1]!, state: 'done' },
        { ...r.steps[2]!, state: 'requested', requestedAt: NOW - 2000 },
      ];
      const stopped = new Map([['zk/zk-2', { process: 'stopped', pid: 0, reportedAt: NOW - 100 }]]);
      expect(decideRolloutStep({ ...r, steps, observations: stopped }).type).toBe('wait');
      expect(decideRolloutStep({ ...r, steps, observations: stopped, leaseHolders: ['zk/zk-2'] }).type).toBe(
        'wait',
      );
    });
  });
});
