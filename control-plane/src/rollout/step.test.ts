import { describe, expect, it } from 'vitest';
import { zkMember } from './testing-member.js';
import { defaultRolloutOptions } from './options.js';
import type { RolloutOptions } from './options.js';
import {
  checkLeaseRequest,
  decideRolloutStep,
  planResume,
  type ResumeInput,
  planRolloutPass,
  type RolloutDecision,
  type RolloutInput,
  type ObservedProcess,
  type RolloutStepInput,
  type StepInput,
} from './step.js';

const NOW = 1_800_000_000_000;

const member = zkMember;

/** Member statuses with `leader` leading and the others following. */
const leading = (leader: string) =>
  new Map(['zk/zk-1', 'zk/zk-2', 'zk/zk-3'].map((id) => [id, member(id === leader ? 'leader' : 'follower')]));

/** The plan made while zk-2 led: zk-1, zk-3, then the leader zk-2. */
const PLAN = ['zk/zk-1', 'zk/zk-3', 'zk/zk-2'];

const step = (idx: number, patch: Partial<StepInput> = {}): StepInput => ({
  idx,
  instance: PLAN[idx]!,
  state: 'pending',
  commandId: '',
  pidBefore: 0,
  requestedAt: 0,
  finishedAt: 0,
  ...patch,
});

/** zk-3 requested 10 s ago (pid 103 then); zk-1 done a minute ago; zk-2 pending. */
const requested = (patch: Partial<StepInput> = {}): StepInput =>
  step(1, { state: 'requested', commandId: 'r1.1', pidBefore: 103, requestedAt: NOW - 10_000, ...patch });
const doneStep = step(0, {
  state: 'done',
  commandId: 'r1.0',
  requestedAt: NOW - 90_000,
  finishedAt: NOW - 60_000,
});

const rolloutWith = (options: Partial<RolloutOptions>, state = 'running'): RolloutInput => ({
  id: 'r1',
  state,
  options: { ...defaultRolloutOptions('apply'), ...options },
  runningSince: NOW - 60_000,
});
/** The requested step, asked 31 s ago: past a 30 s gate timeout. */
const timedOut = [doneStep, requested({ requestedAt: NOW - 31_000 }), step(2)];

/** Every member reporting its first pid (101..103). */
const firstReports = new Map<string, ObservedProcess>(
  [1, 2, 3].map((i) => [`zk/zk-${i}`, { process: 'running', pid: 100 + i, reportedAt: NOW - 1000 }]),
);

/** A ZooKeeper ensemble of three, zk-2 leading, every member reporting its first pid (101..103). */
const base: RolloutStepInput = {
  rollout: rolloutWith({}),
  steps: [step(0), step(1), step(2)],
  members: leading('zk/zk-2'),
  observations: firstReports,
  leaseHolders: [],
  lastRefusal: new Map(),
  now: NOW,
};

const running = (pid: number, reportedAt = NOW - 1000): ObservedProcess => ({
  process: 'running',
  pid,
  reportedAt,
});
/** Running `pid` and probed on it at `probeAt`: answered, and serving unless `serves` is false. */
const probed = (pid: number, serves = true, probeAt = NOW - 1000): ObservedProcess => ({
  ...running(pid),
  probeAt,
  answered: true,
  serves,
});
const withObs = (id: string, obs: ObservedProcess) => new Map([...firstReports, [id, obs]]);
/** What a restarted zk-3 that holds no lease and has not served says when its step fails. */
const UNSERVED = 'restarted (pid 103 → 203), holds no lease and is not serving yet';
/** What such a step, requested 10 s ago, waits for (the same words as its status line). */
const waitsToServe = (probe: 'is not serving yet' | 'has not been probed since') =>
  `step 1 (zk/zk-3) restarted (pid 103 → 203), holds no lease and ${probe}: ` +
  "waiting for it to serve or for the agent's result; the step fails in 590s (gate timeout 600s)";

/**
 * The expected request of plan step `idx`, with `left` more pending after it; by default its first
 * attempt, its member at the pid it was reported with (100 + its number) and following (rank 0).
 */
function request(
  idx: number,
  left: number,
  o: { commandId?: string; pidBefore?: number; rank?: number } = {},
): RolloutDecision {
  const instance = PLAN[idx]!;
  const rank = o.rank ?? 0;
  return {
    type: 'request-step',
    step: idx,
    commandId: o.commandId ?? `r1.${idx}`,
    pidBefore: o.pidBefore ?? 100 + Number(instance.slice(-1)),
    ledAtRequest: rank > 0,
    op: 'restart',
    reason: `${instance} is the pending member with the lowest restart rank (${rank}) now, then plan order; ${left} more to go`,
  };
}

describe('rollout step decision', () => {
  it.each<[string, Partial<RolloutStepInput>, RolloutDecision]>([
    [
      'zookeeper: leader pending with followers pending → request a follower first',
      {
        // Planned before an election moved the lead to zk-1: plan order alone would restart the leader first.
        members: leading('zk/zk-1'),
      },
      {
        type: 'request-step',
        step: 1,
        commandId: 'r1.1',
        pidBefore: 103,
        ledAtRequest: false,
        op: 'restart',
        reason:
          'zk/zk-3 is the pending member with the lowest restart rank (0) now, then plan order; 2 more to go',
      },
    ],
    ['followers only pending → plan order', {}, request(0, 2)],
    [
      'leadership moved to a pending member → it goes last',
      {
        steps: [doneStep, step(1), step(2)],
        members: leading('zk/zk-3'),
      },
      request(2, 1),
    ],
    [
      'only the leader left → it is requested, marked as leading',
      { steps: [doneStep, step(1, { state: 'done', finishedAt: NOW - 30_000 }), step(2)] },
      request(2, 0, { rank: 2 }),
    ],
    [
      'a step retried after a failure → a new command id; a member down → pid before unknown (0)',
      {
        steps: [step(0, { commandId: 'r1.0' }), step(1), step(2)],
        observations: withObs('zk/zk-1', { process: 'crashed', pid: 0, reportedAt: NOW - 1000 }),
      },
      request(0, 2, { commandId: 'r1.0.2', pidBefore: 0 }),
    ],
    [
      'new pid observed after request, serving, and no lease held → finish step',
      { steps: [doneStep, requested(), step(2)], observations: withObs('zk/zk-3', probed(203)) },
      {
        type: 'finish-step',
        step: 1,
        note: 'restarted (pid 103 → 203)',
        reason: 'step 1 (zk/zk-3) runs a new process that serves, and holds no lease',
      },
    ],
    [
      'zookeeper: lease expired, new pid reported but never probed serving (a member list no quorum shares) → not done, wait',
      { steps: [doneStep, requested(), step(2)], observations: withObs('zk/zk-3', running(203)) },
      { type: 'wait', reason: waitsToServe('has not been probed since') },
    ],
    [
      'lease expired, new pid answers its probe but does not serve (no quorum) → not done, wait',
      { steps: [doneStep, requested(), step(2)], observations: withObs('zk/zk-3', probed(203, false)) },
      { type: 'wait', reason: waitsToServe('is not serving yet') },
    ],
    [
      'lease gone, new pid, its serving probe taken before the request → not done, wait',
      {
        steps: [doneStep, requested(), step(2)],
        observations: withObs('zk/zk-3', probed(203, true, NOW - 20_000)),
      },
      { type: 'wait', reason: waitsToServe('has not been probed since') },
    ],
    [
      'lease expired, restarted, not serving, at the gate timeout to the ms → still waits, and says the step fails at the next pass',
      {
        steps: [doneStep, requested({ requestedAt: NOW - 600_000 }), step(2)],
        observations: withObs('zk/zk-3', probed(203, false)),
      },
      {
        type: 'wait',
        reason:
          'step 1 (zk/zk-3) restarted (pid 103 → 203), holds no lease and is not serving yet: ' +
          "waiting for it to serve or for the agent's result; the gate timeout (600s) has passed: " +
          'the step fails at the next pass',
      },
    ],
    [
      'lease expired, restarted, not serving past the gate timeout → the step fails and the rollout pauses, even with onGateTimeout=rollback',
      {
        rollout: rolloutWith({ onGateTimeout: 'rollback' }),
        steps: [doneStep, requested({ requestedAt: NOW - 601_000 }), step(2)],
        observations: withObs('zk/zk-3', probed(203, false)),
      },
      {
        type: 'fail-step',
        step: 1,
        note: `${UNSERVED}; no result from its agent within 600s of the request`,
        reason: `step 1 (zk/zk-3) ${UNSERVED}; no result from its agent within 600s of the request`,
      },
    ],
    [
      'lease lapsed, its renewal refused, and the member now leads → restarted already: never put back',
      {
        steps: [doneStep, requested(), step(2)],
        members: leading('zk/zk-3'),
        observations: withObs('zk/zk-3', running(203)),
        lastRefusal: new Map([['zk/zk-3', 'leader-last: waiting']]),
      },
      { type: 'wait', reason: waitsToServe('has not been probed since') },
    ],
    [
      'lease held, new pid not serving yet → wait for the agent, no timeout while it holds the lease',
      {
        steps: [doneStep, requested({ requestedAt: NOW - 601_000 }), step(2)],
        observations: withObs('zk/zk-3', probed(203, false)),
        leaseHolders: ['zk/zk-3'],
      },
      {
        type: 'wait',
        reason: "step 1 (zk/zk-3) holds the restart lease: waiting for the agent's own result",
      },
    ],
    [
      "lease still held → wait for the agent's own result",
      {
        steps: [doneStep, requested(), step(2)],
        observations: withObs('zk/zk-3', running(203)),
        leaseHolders: ['zk/zk-3'],
      },
      {
        type: 'wait',
        reason: "step 1 (zk/zk-3) holds the restart lease: waiting for the agent's own result",
      },
    ],
    [
      'requested step with pid unchanged → wait',
      { steps: [doneStep, requested(), step(2)] },
      {
        type: 'wait',
        reason: 'step 1 (zk/zk-3) requested: waiting for the agent to take the lease and restart it',
      },
    ],
    [
      'new pid reported before the request → not this restart, wait',
      {
        steps: [doneStep, requested(), step(2)],
        observations: withObs('zk/zk-3', running(203, NOW - 20_000)),
      },
      {
        type: 'wait',
        reason: 'step 1 (zk/zk-3) requested: waiting for the agent to take the lease and restart it',
      },
    ],
    [
      'new pid but the member was down at the request (pid before unknown) → wait for the result',
      {
        steps: [doneStep, requested({ pidBefore: 0 }), step(2)],
        observations: withObs('zk/zk-3', running(203)),
      },
      {
        type: 'wait',
        reason: 'step 1 (zk/zk-3) requested: waiting for the agent to take the lease and restart it',
      },
    ],
    [
      'gate timeout with onGateTimeout=pause → pause with the last refusal',
      {
        steps: [doneStep, requested({ requestedAt: NOW - 601_000 }), step(2)],
        lastRefusal: new Map([['zk/zk-3', 'cluster-healthy: waiting: cluster is degraded']]),
      },
      {
        type: 'gate-timeout',
        policy: 'pause',
        reason: 'gate timeout after 600s on step 1 (zk/zk-3): cluster-healthy: waiting: cluster is degraded',
        skip: [],
        skipNote: '',
        restarted: [],
      },
    ],
    [
      'past the gate timeout but the member holds its lease (restarting under it) → wait, no timeout',
      {
        steps: [doneStep, requested({ requestedAt: NOW - 601_000 }), step(2)],
        leaseHolders: ['zk/zk-3'],
      },
      {
        type: 'wait',
        reason: "step 1 (zk/zk-3) holds the restart lease: waiting for the agent's own result",
      },
    ],
    [
      'a new pid serving wins over a gate timeout reached at the same moment → finish step',
      {
        steps: [doneStep, requested({ requestedAt: NOW - 601_000 }), step(2)],
        observations: withObs('zk/zk-3', probed(203)),
      },
      {
        type: 'finish-step',
        step: 1,
        note: 'restarted (pid 103 → 203)',
        reason: 'step 1 (zk/zk-3) runs a new process that serves, and holds no lease',
      },
    ],
    [
      'zookeeper: the requested follower took over leadership and was refused its lease → put back, a follower first',
      {
        steps: [doneStep, requested(), step(2)],
        members: leading('zk/zk-3'),
        lastRefusal: new Map([
          ['zk/zk-3', 'leader-last: waiting: leader restarts later; 1 other member(s) first (zk/zk-2)'],
        ]),
      },
      {
        type: 'requeue-step',
        step: 1,
        note: 'put back: zk/zk-3 leads now; zk/zk-2 first',
        reason:
          'step 1 (zk/zk-3) was requested when zk/zk-3 did not lead; it leads now (restart rank 2), its lease was refused, and step 2 (zk/zk-2) ranks before it',
      },
    ],
    [
      'the requested member leads now but has not asked for its lease yet → wait (the gate may still let it go)',
      { steps: [doneStep, requested(), step(2)], members: leading('zk/zk-3') },
      {
        type: 'wait',
        reason: 'step 1 (zk/zk-3) requested: waiting for the agent to take the lease and restart it',
      },
    ],
    [
      'the requested member leads now and holds its lease (restarting) → wait, never put back',
      {
        steps: [doneStep, requested(), step(2)],
        members: leading('zk/zk-3'),
        leaseHolders: ['zk/zk-3'],
        lastRefusal: new Map([['zk/zk-3', 'leader-last: waiting']]),
      },
      {
        type: 'wait',
        reason: "step 1 (zk/zk-3) holds the restart lease: waiting for the agent's own result",
      },
    ],
    [
      'the requested member leads and was refused, but no pending member ranks before it → wait',
      {
        steps: [doneStep, requested(), step(2, { state: 'done', finishedAt: NOW - 30_000 })],
        members: leading('zk/zk-3'),
        lastRefusal: new Map([['zk/zk-3', 'cluster-healthy: waiting: 1/2 followers synced']]),
      },
      {
        type: 'wait',
        reason: 'step 1 (zk/zk-3) requested: waiting for the agent to take the lease and restart it',
      },
    ],
    [
      'pause between steps not elapsed → wait',
      {
        rollout: rolloutWith({ pauseBetweenSec: 90 }),
        steps: [doneStep, step(1), step(2)],
      },
      { type: 'wait', reason: 'pausing 90s between steps; 30s left' },
    ],
    [
      'pause between steps elapsed → request the next',
      {
        rollout: rolloutWith({ pauseBetweenSec: 60 }),
        steps: [doneStep, step(1), step(2)],
      },
      request(1, 1),
    ],
    [
      'no pending steps → complete with count',
      {
        steps: [doneStep, step(1, { state: 'skipped' }), step(2, { state: 'done', finishedAt: NOW - 1000 })],
      },
      { type: 'complete', reason: '2 member(s) restarted' },
    ],
    [
      'a paused rollout → nothing to do',
      { rollout: rolloutWith({}, 'paused') },
      { type: 'wait', reason: 'rollout is paused' },
    ],
  ])('%s', (_scenario, patch, decision) => {
    expect(decideRolloutStep({ ...base, ...patch })).toEqual(decision);
  });

  it.each([
    ['rollback', 'rolled back', ['zk/zk-1']],
    ['abort', 'aborted', []],
  ] as const)(
    'gate timeout with onGateTimeout=%s → abort, skip pending, roll back the done members only on rollback',
    (policy, verb, restarted) => {
      expect(
        decideRolloutStep({
          ...base,
          rollout: rolloutWith({ gateTimeoutSec: 30, onGateTimeout: policy }),
          steps: timedOut,
        }),
      ).toEqual({
        type: 'gate-timeout',
        policy,
        reason: 'gate timeout after 30s on step 1 (zk/zk-3): no progress',
        skip: [1, 2],
        skipNote: `rollout ${verb} on gate timeout`,
        restarted,
      });
    },
  );
});

describe('rollout pass', () => {
  it('a finished step is followed at once by the next request (the leader last)', () => {
    const pass = planRolloutPass({
      ...base,
      steps: [doneStep, requested(), step(2)],
      observations: withObs('zk/zk-3', probed(203)),
    });
    expect(pass.map((d) => [d.type, 'step' in d ? d.step : null])).toEqual([
      ['finish-step', 1],
      ['request-step', 2],
    ]);
  });

  it('the last step finished → complete, counting it', () => {
    const pass = planRolloutPass({
      ...base,
      steps: [doneStep, requested(), step(2, { state: 'done', finishedAt: NOW - 30_000 })],
      observations: withObs('zk/zk-3', probed(203)),
    });
    expect(pass.at(-1)).toEqual({ type: 'complete', reason: '3 member(s) restarted' });
  });

  it('a finished step starts the pause between steps', () => {
    const pass = planRolloutPass({
      ...base,
      rollout: rolloutWith({ pauseBetweenSec: 5 }),
      steps: [doneStep, requested(), step(2)],
      observations: withObs('zk/zk-3', probed(203)),
    });
    expect(pass).toHaveLength(2);
    expect(pass[1]).toEqual({ type: 'wait', reason: 'pausing 5s between steps; 5s left' });
  });

  it('a step put back is followed at once by the request of the member that now goes first', () => {
    const pass = planRolloutPass({
      ...base,
      steps: [doneStep, requested(), step(2)],
      members: leading('zk/zk-3'),
      lastRefusal: new Map([['zk/zk-3', 'leader-last: waiting']]),
    });
    expect(pass.map((d) => [d.type, 'step' in d ? d.step : null])).toEqual([
      ['requeue-step', 1],
      ['request-step', 2],
    ]);
    // And the one put back is asked again later under a new attempt's command id.
    const later = decideRolloutStep({
      ...base,
      steps: [doneStep, step(1, { commandId: 'r1.1' }), step(2, { state: 'done', finishedAt: NOW - 1 })],
      members: leading('zk/zk-3'),
    });
    expect(later).toMatchObject({ type: 'request-step', step: 1, commandId: 'r1.1.2', ledAtRequest: true });
  });

  it('a failed step (restarted, never served, no lease, past the gate timeout) → a single decision: nothing goes out after it', () => {
    const pass = planRolloutPass({
      ...base,
      steps: [doneStep, requested({ requestedAt: NOW - 601_000 }), step(2)],
      observations: withObs('zk/zk-3', running(203)),
    });
    expect(pass.map((d) => d.type)).toEqual(['fail-step']);
  });

  it('no finish → a single decision', () => {
    expect(planRolloutPass({ ...base, steps: [doneStep, requested(), step(2)] })).toHaveLength(1);
  });
});

describe('resume (pure)', () => {
  const step = (idx: number, state: string, commandId = ''): StepInput => ({
    idx,
    instance: `zk/zk-${idx + 1}`,
    state,
    commandId,
    pidBefore: 100,
    requestedAt: 5,
    finishedAt: 0,
  });
  /** Every member still on the pid it ran when its step was requested (100). */
  const unchanged: ResumeInput = {
    observations: new Map(
      [1, 2, 3, 4].map((i): [string, ObservedProcess] => [
        `zk/zk-${i}`,
        { process: 'running', pid: 100, reportedAt: 50, probeAt: 50, serves: true, restartPending: true },
      ]),
    ),
    members: leading('zk/zk-2'),
    leaseHolders: [],
    configChange: true,
    hostApplied: () => true,
    now: 99,
  };
  it('a requested step is asked again under a new command id with a fresh clock; a failed one goes back to pending; others stay', () => {
    expect(
      planResume(
        'r1',
        [
          step(0, 'done', 'r1.0'),
          step(1, 'requested', 'r1.1'),
          step(2, 'failed', 'r1.2'),
          step(3, 'pending'),
        ],
        unchanged,
      ),
    ).toEqual([
      {
        idx: 1,
        state: 'requested',
        commandId: 'r1.1.2',
        requestedAt: 99,
        finishedAt: 0,
        note: 'asked again on resume (was r1.1)',
        send: true,
      },
      {
        idx: 2,
        state: 'pending',
        commandId: 'r1.2',
        requestedAt: 5,
        finishedAt: 0,
        note: 'retrying',
        send: false,
      },
    ]);
  });

  /** zk-1's report: a new pid (200) reported at 50, after the request at 5, serving on a probe at 40. */
  const restarted: ObservedProcess = {
    process: 'running',
    pid: 200,
    reportedAt: 50,
    probeAt: 40,
    serves: true,
    restartPending: false,
  };
  it.each<[string, Partial<StepInput>, Partial<ObservedProcess>, Partial<ResumeInput>, string]>([
    ['requested, restarted and serving on the new config → done', {}, {}, {}, 'done'],
    [
      'failed by its gate timeout (no word from its agent), restarted and serving since → done',
      {
        state: 'failed',
        note: 'restarted (pid 100 → 200), holds no lease and is not serving yet',
        failedBy: 'control-plane',
      },
      {},
      {},
      'done',
    ],
    [
      'failed by its agent (readiness, after-restart procedure) → pending: its restart runs again',
      { state: 'failed', note: 'agent: not ready', failedBy: 'agent' },
      {},
      {},
      'pending',
    ],
    [
      "failed by its agent, whatever the note's wording → pending (who failed it is stored, not read from the note)",
      { state: 'failed', note: 'not ready', failedBy: 'agent' },
      {},
      {},
      'pending',
    ],
    [
      'its host has not applied the desired state planned now (a package still downloading) → asked again',
      {},
      {},
      { hostApplied: () => false },
      'requested',
    ],
    [
      'an operator restart: the host applying nothing new is not asked',
      {},
      {},
      { configChange: false, hostApplied: () => false },
      'done',
    ],
    [
      'an operator restart (no config change): restart pending not asked',
      {},
      { restartPending: true },
      { configChange: false },
      'done',
    ],
    [
      'still on an older config (restart pending) → asked again',
      {},
      { restartPending: true },
      {},
      'requested',
    ],
    ['restart pending not reported → asked again', {}, { restartPending: undefined }, {}, 'requested'],
    ['on the pid it ran when requested → asked again', {}, { pid: 100 }, {}, 'requested'],
    ['the pid before the request unknown → asked again', { pidBefore: 0 }, {}, {}, 'requested'],
    ['the new pid reported before the request → asked again', { requestedAt: 60 }, {}, {}, 'requested'],
    ['not serving → asked again', {}, { serves: false }, {}, 'requested'],
    ['serving on a probe before the request → asked again', {}, { probeAt: 4 }, {}, 'requested'],
    ['stopped → asked again', {}, { process: 'stopped' }, {}, 'requested'],
    [
      'holds its lease (the agent is still at it) → asked again',
      {},
      {},
      { leaseHolders: ['zk/zk-1'] },
      'requested',
    ],
    ['failed and not restarted → pending', { state: 'failed' }, { pid: 100 }, {}, 'pending'],
    [
      'a requested handover: restarted, and zk-2 leads (probed since) → done',
      { op: 'handover' },
      {},
      {},
      'done',
    ],
    [
      'a requested handover whose member leads again → asked again',
      { op: 'handover' },
      {},
      { members: leading('zk/zk-1') },
      'requested',
    ],
    [
      'a requested handover not restarted yet → asked again',
      { op: 'handover' },
      { pid: 100 },
      {},
      'requested',
    ],
    [
      'a failed handover → pending (the pass decides)',
      { op: 'handover', state: 'failed' },
      {},
      {},
      'pending',
    ],
    ['a requested stop → asked again', { op: 'stop' }, { process: 'stopped', pid: 0 }, {}, 'requested'],
  ])('%s', (_name, patch, obs, seen, state) => {
    const s: StepInput = { ...step(0, 'requested', 'r1.0'), note: 'agent: not ready', ...patch };
    const [c] = planResume('r1', [s], {
      ...unchanged,
      observations: new Map([
        ['zk/zk-1', { ...restarted, ...obs }],
        ['zk/zk-2', { process: 'running', pid: 102, reportedAt: 50, probeAt: 50, serves: true }],
      ]),
      ...seen,
    });
    expect(c?.state).toBe(state);
    if (state !== 'done') return;
    expect(c).toMatchObject({ commandId: 'r1.0', requestedAt: 5, finishedAt: 99, send: false });
    expect(c!.note).toBe(
      s.op === 'handover'
        ? 'agent: not ready; zk/zk-2 leads now (found on resume)'
        : `restarted (pid 100 → 200) and serves: done on resume, not restarted again (${
            s.state === 'failed' ? `it had failed: ${s.note}` : 'no result from its agent yet'
          })`,
    );
  });

  it.each<[string, { commandId: string } | undefined, string, string | undefined]>([
    [
      'no running rollout asks → abandon',
      undefined,
      'command r1.0',
      'abandon: no running rollout asks to restart zk/zk-1',
    ],
    ['the current command → allowed', { commandId: 'r1.0.2' }, 'command r1.0.2', undefined],
    [
      'a superseded command → abandon',
      { commandId: 'r1.0.2' },
      'command r1.0',
      'abandon: command r1.0 was superseded by r1.0.2 (the rollout was resumed)',
    ],
    ['a request naming no command → judged by the step alone', { commandId: 'r1.0' }, 'operator', undefined],
  ])('lease request: %s', (_n, s, reason, verdict) => {
    expect(checkLeaseRequest('zk/zk-1', s, reason)).toBe(verdict);
  });
});
