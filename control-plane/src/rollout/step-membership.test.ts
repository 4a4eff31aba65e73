import { describe, expect, it } from 'vitest';
import type { GateResult } from '@hactl/shared';
import { zkMemberStatus } from '@hactl/shared/testing/members';
import { zkMember } from './testing-member.js';
import { defaultRolloutOptions } from './options.js';
import {
  decideRolloutStep,
  planRolloutPass,
  type ObservedProcess,
  type RolloutStepInput,
  type StepInput,
} from './step.js';
import { MAX_HANDOVERS } from './handover.js';
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

  describe('a handover is done when another member leads, not when its member restarted', () => {
    // Removing zk-5 from {1..5}: the handover of zk-5 (leader, pid 105) was requested 10 s ago;
    // then zk-1 restarts onto {1,2,3,4}, which it could never do while zk-5 leads.
    const REQ = NOW - 10_000;
    const members = (leader: number | undefined) =>
      new Map(
        [1, 2, 3, 4, 5].map((n) => [`zk/zk-${n}`, zkMemberStatus(n, n === leader ? 'leader' : 'follower')]),
      );
    const reports = (zk5: Partial<ObservedProcess>, others: Partial<ObservedProcess> = {}) =>
      new Map<string, ObservedProcess>(
        [1, 2, 3, 4, 5].map((n) => [
          `zk/zk-${n}`,
          {
            process: 'running',
            pid: 100 + n,
            reportedAt: NOW - 500,
            probeAt: NOW - 500,
            ...others,
            ...(n === 5 ? zk5 : {}),
          },
        ]),
      );
    const handover = (
      leader: number | undefined,
      zk5: Partial<ObservedProcess>,
      patch: Partial<StepInput> = {},
    ) => ({
      ...grow,
      rollout: { ...grow.rollout, id: 'p' },
      steps: [
        step(0, 1, 'handover', 'zk/zk-5', {
          state: 'requested',
          requestedAt: REQ,
          pidBefore: 105,
          commandId: 'p.0',
          ...patch,
        }),
        step(1, 1, 'restart', 'zk/zk-1'),
        step(2, 1, 'stop', 'zk/zk-5'),
      ],
      members: members(leader),
      observations: reports(zk5),
    });
    const restarted = { pid: 205, reportedAt: NOW - 500, probeAt: NOW - 500 };

    it.each([
      {
        name: 'restarted, zk-4 leads (probed after the request) → done, naming the new leader',
        input: handover(4, restarted),
        want: { type: 'finish-step', step: 0, note: 'restarted (pid 105 → 205); zk/zk-4 leads now' },
      },
      {
        name: "the agent's account arrived first → it is the note, with the new leader",
        input: handover(4, restarted, { note: 'restarted (pid 105 → 205), ready in 6218 ms' }),
        want: { note: 'restarted (pid 105 → 205), ready in 6218 ms; zk/zk-4 leads now' },
      },
      {
        name: 'restarted and it leads again (it won the election that followed) → put back, to hand over again',
        input: handover(5, restarted),
        want: {
          type: 'requeue-step',
          step: 0,
          note: 'restarted (pid 105 → 205), and it leads again: handing over again',
        },
      },
      {
        name: 'restarted, the others still electing (no leader probed) → wait, saying so',
        input: handover(undefined, restarted),
        want: {
          type: 'wait',
          reason:
            'step 0 (handover zk/zk-5): restarted (pid 105 → 205); waiting for the other members to elect a leader',
        },
      },
      {
        name: 'restarted, its new process not probed yet (the report carries no probe) → wait',
        input: handover(5, { ...restarted, probeAt: 0 }),
        want: { type: 'wait', reason: expect.stringContaining('waiting for a probe of its new process') },
      },
      {
        name: 'still holding its lease (readiness, after-restart procedure) → wait for the agent',
        input: { ...handover(4, restarted), leaseHolders: ['zk/zk-5'] },
        want: { type: 'wait', reason: expect.stringContaining('holds the restart lease') },
      },
      {
        name: 'not restarted yet (same pid) → wait for the lease and the restart',
        input: handover(5, { pid: 105 }),
        want: { type: 'wait', reason: expect.stringContaining('waiting for the agent to take the lease') },
      },
      {
        name: `it led again after ${MAX_HANDOVERS} restarts → the procedure pauses and says why`,
        input: handover(5, restarted, { commandId: `p.0.${MAX_HANDOVERS}` }),
        want: {
          type: 'gate-timeout',
          policy: 'pause',
          reason: expect.stringContaining(`zk/zk-5 led again after each of ${MAX_HANDOVERS} restarts`),
        },
      },
    ])('$name', ({ input, want }) => {
      expect(decideRolloutStep(input)).toMatchObject(want);
    });

    it('another member seen leading only before the request does not count (no probe since)', () => {
      const input = handover(4, restarted);
      const stale = new Map(input.observations);
      stale.set('zk/zk-4', { ...stale.get('zk/zk-4')!, probeAt: REQ - 1 });
      expect(decideRolloutStep({ ...input, observations: stale }).type).toBe('wait');
    });

    it('put back → asked again at once, under the next command id, from its new pid', () => {
      expect(planRolloutPass(handover(5, restarted))).toMatchObject([
        { type: 'requeue-step', step: 0 },
        { type: 'request-step', step: 0, op: 'handover', commandId: 'p.0.2', pidBefore: 205 },
      ]);
    });

    it('a done handover whose member leads again (probed since) → handed over again before the next restart', () => {
      const done = handover(5, restarted, { state: 'done', finishedAt: NOW - 2000 });
      expect(planRolloutPass(done)).toMatchObject([
        {
          type: 'requeue-step',
          step: 0,
          note: 'zk/zk-5 leads again after its handover: handing over again',
        },
        { type: 'request-step', step: 0, op: 'handover' },
      ]);
      // Led only in a probe older than the finish (before the election settled): no second handover.
      const older = handover(
        5,
        { ...restarted, probeAt: NOW - 3000 },
        { state: 'done', finishedAt: NOW - 2000 },
      );
      expect(decideRolloutStep(older)).toMatchObject({ type: 'request-step', step: 1, op: 'restart' });
    });

    describe('a kept member asked to restart while the removed member leads again (handoverFirst)', () => {
      // The handover of zk-5 was done 2 s ago (zk-4 led); zk-1 was then asked to restart onto
      // {1,2,3,4} (command p.1, pid 101), and zk-5 has won an election since (probed 0.5 s ago).
      const kept = (zk1: Partial<StepInput>, zk1Report: Partial<ObservedProcess> = {}, leader = 5) => {
        const input = handover(leader, restarted, { state: 'done', finishedAt: NOW - 2000 });
        const observations = new Map(input.observations);
        observations.set('zk/zk-1', { ...observations.get('zk/zk-1')!, ...zk1Report });
        return {
          ...input,
          observations,
          steps: input.steps.map((s) =>
            s.idx === 1
              ? {
                  ...s,
                  state: 'requested',
                  commandId: 'p.1',
                  pidBefore: 101,
                  requestedAt: NOW - 1000,
                  ...zk1,
                }
              : s,
          ),
        };
      };

      it('not gone down yet → put back, the handover requeued and asked again, before zk-1', () => {
        expect(planRolloutPass(kept({}))).toMatchObject([
          {
            type: 'requeue-step',
            step: 1,
            note: 'put back: zk/zk-5 leads again after its handover; it hands over first',
          },
          { type: 'requeue-step', step: 0 },
          { type: 'request-step', step: 0, op: 'handover' },
        ]);
      });

      it.each([
        ['zk-1 holds its lease (it is going down for this restart)', kept({}), ['zk/zk-1']],
        [
          'zk-1 restarted already (a new pid since the request): half done, never put back',
          kept({}, { pid: 201, reportedAt: NOW - 500 }),
          [],
        ],
        ['zk-4 leads (no removed member leads again)', kept({}, {}, 4), []],
        [
          'zk-1 down (stopped under a lease that lapsed since): maybe half way through',
          kept({}, { process: 'stopped', pid: 0, reportedAt: NOW - 500 }),
          [],
        ],
        ['zk-1 requested with no known pid (pidBefore 0)', kept({ pidBefore: 0 }), []],
      ] as const)('%s → not put back', (_name, input, leaseHolders) => {
        const d = decideRolloutStep({ ...input, leaseHolders });
        expect(d.type).not.toBe('requeue-step');
      });

      // zk-1 restarted onto {1,2,3,4} (pid 201) and its probe since says it does not serve.
      const stranded = (leader: number) =>
        kept({}, { pid: 201, reportedAt: NOW - 500, probeAt: NOW - 500, serves: false }, leader);
      const why =
        "zk/zk-5 leads again after its handover (step 0), and a member on this phase's member list " +
        'cannot follow it: it rejoins once another member leads';

      it('zk-1 restarted already and stranded by zk-5: its wait says why, and so does its failure at the gate timeout', () => {
        const input = stranded(5);
        const wait = decideRolloutStep(input);
        expect(wait).toMatchObject({ type: 'wait' });
        expect(wait.reason).toContain(
          `waiting for it to serve or for the agent's result; ${why}; the step fails in `,
        );
        const timeout = input.rollout.options.gateTimeoutSec * 1000;
        expect(decideRolloutStep({ ...input, now: NOW + timeout })).toEqual({
          type: 'fail-step',
          step: 1,
          note:
            'restarted (pid 101 → 201), holds no lease and is not serving yet; ' +
            `no result from its agent within ${timeout / 1000}s of the request; ${why}: once one does, a resume finds it serving and finishes the step`,
          reason:
            'step 1 (zk/zk-1) restarted (pid 101 → 201), holds no lease and is not serving yet; ' +
            `no result from its agent within ${timeout / 1000}s of the request; ${why}: once one does, a resume finds it serving and finishes the step`,
        });
      });

      it('zk-1 restarted already and not serving while zk-4 leads: its wait names no handover', () => {
        const wait = decideRolloutStep(stranded(4));
        expect(wait).toMatchObject({ type: 'wait' });
        expect(wait.reason).not.toContain('handover');
      });
    });
  });
});
