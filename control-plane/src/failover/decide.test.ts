import { describe, expect, it } from 'vitest';
import {
  checkNimbusLost,
  chooseTarget,
  noteNimbusStart,
  NIMBUS_START_GRACE_MS,
  planFailoverStep,
  type DetectInput,
  type StepInput,
} from './decide.js';

const NOW = 1_000_000;
const base: DetectInput = {
  active: { host: 'storm1', address: '10.0.0.1', reportedAt: NOW - 500, process: 'running' },
  witnesses: [
    { host: 'storm3', at: NOW - 400, reachable: true },
    { host: 'storm4', at: NOW - 300, reachable: true },
  ],
  detectAfterMs: 5000,
  silentAfterMs: 4000,
  witnessFreshMs: 6000,
  now: NOW,
};
const silent = { ...base.active, reportedAt: NOW - 10_000 };
const unreachable = base.witnesses.map((w) => ({ ...w, reachable: false }));

describe('checkNimbusLost', () => {
  it.each<[string, Partial<DetectInput>, string]>([
    ['healthy nimbus → serving', {}, 'serving'],
    [
      'never reported → serving (nothing to judge)',
      { active: { ...base.active, reportedAt: undefined } },
      'serving',
    ],
    ['frozen agent, nimbus answers its peers → serving (no false failover)', { active: silent }, 'serving'],
    [
      'agent silent, one peer still reaches the port → serving',
      { active: silent, witnesses: [unreachable[0]!, base.witnesses[1]!] },
      'serving',
    ],
    [
      'agent silent, no fresh witness → serving',
      { active: silent, witnesses: [{ host: 'storm3', at: NOW - 7000, reachable: false }] },
      'serving',
    ],
    [
      'agent silent, port unreachable from every peer → suspect first',
      { active: silent, witnesses: unreachable },
      'suspect',
    ],
    [
      'agent silent, unreachable for detectAfter → lost',
      { active: silent, witnesses: unreachable, lostSince: NOW - 5000 },
      'lost',
    ],
    [
      'agent reports nimbus crashed and peers cannot reach it, long enough → lost',
      { active: { ...base.active, process: 'crashed' }, witnesses: unreachable, lostSince: NOW - 6000 },
      'lost',
    ],
    [
      'agent holds nimbus stopped (a dependency hold, a desired state being applied) → serving',
      { active: { ...base.active, process: 'stopped' }, witnesses: unreachable, lostSince: NOW - 6000 },
      'serving',
    ],
    [
      'agent reports nimbus running (restarted within its policy), port not up yet → serving',
      { witnesses: unreachable, lostSince: NOW - 6000 },
      'serving',
    ],
  ])('%s', (_name, patch, state) => {
    const d = checkNimbusLost({ ...base, ...patch });
    expect(d.state).toBe(state);
    expect(d.reason).toContain('storm1');
  });

  const run = (ago: number, served = false) => ({ key: 'storm1/100', at: NOW - ago, served });
  const grace = { startGraceMs: NIMBUS_START_GRACE_MS };
  it.each<[string, Partial<DetectInput>, string, RegExp]>([
    [
      'first start under load: agent silent 2 s, port not open yet, 5 s into the run → serving (grace), not suspect',
      { ...grace, active: silent, witnesses: unreachable, start: run(5000) },
      'serving',
      /started 5 s ago and has not served yet: it has 20 s to open its port/,
    ],
    [
      'the same 25 s into a run that never served → suspect (the grace is over)',
      { ...grace, active: silent, witnesses: unreachable, start: run(25_000) },
      'suspect',
      /answers none of storm3, storm4; failing over/,
    ],
    [
      'a run that served, 5 s in, then silent and unreachable → suspect at once (no grace for a serving nimbus)',
      { ...grace, active: silent, witnesses: unreachable, start: run(5000, true) },
      'suspect',
      /answers none of/,
    ],
    [
      'a crash 5 s into a run → no grace: the agent says so itself',
      {
        ...grace,
        active: { ...base.active, process: 'crashed' },
        witnesses: unreachable,
        start: run(5000),
        lostSince: NOW - 6000,
      },
      'lost',
      /reports nimbus crashed/,
    ],
    [
      'no grace given → suspect as before',
      { active: silent, witnesses: unreachable, start: run(5000) },
      'suspect',
      /answers none of/,
    ],
  ])('start grace: %s', (_name, patch, state, reason) => {
    const d = checkNimbusLost({ ...base, ...patch });
    expect(d.state).toBe(state);
    expect(d.reason).toMatch(reason);
  });

  it('keeps the first time it saw the loss', () => {
    expect(
      checkNimbusLost({ ...base, active: silent, witnesses: unreachable, lostSince: NOW - 100 }).since,
    ).toBe(NOW - 100);
  });
});

describe('noteNimbusStart', () => {
  const seen = (o: Partial<DetectInput['active']> = {}) => ({ ...base.active, pid: 100, ...o });
  const listening = { at: NOW - 100, listening: true, isLeader: true };
  it.each<[string, Parameters<typeof noteNimbusStart>[0], DetectInput['active'], unknown]>([
    ['never reported → no run', undefined, seen({ reportedAt: undefined }), undefined],
    [
      'first report → a run from that report, not served',
      undefined,
      seen(),
      { key: 'storm1/100', at: NOW - 500, served: false },
    ],
    [
      'same pid, probe listening → served',
      { key: 'storm1/100', at: NOW - 9000, served: false },
      seen({ probe: listening }),
      { key: 'storm1/100', at: NOW - 9000, served: true },
    ],
    [
      'a new pid (restart) → a new run, not served',
      { key: 'storm1/100', at: NOW - 9000, served: true },
      seen({ pid: 200 }),
      { key: 'storm1/200', at: NOW - 500, served: false },
    ],
    [
      'another host (failover) → a new run, listening in its first report → served',
      { key: 'storm1/100', at: NOW - 9000, served: true },
      seen({ host: 'storm2', probe: listening }),
      { key: 'storm2/100', at: NOW - 500, served: true },
    ],
  ])('%s', (_name, prev, active, want) => {
    expect(noteNimbusStart(prev, active)).toEqual(want);
  });
});

describe('chooseTarget', () => {
  const hosts = ['storm1', 'storm2', 'storm5'];
  it.each<[string, string | undefined, string[], string | undefined, string]>([
    ['the next host after the active one', 'storm1', ['storm2', 'storm5'], undefined, 'storm2'],
    ['skips a silent standby', 'storm1', ['storm5'], undefined, 'storm5'],
    ['wraps around', 'storm5', ['storm1', 'storm2'], undefined, 'storm1'],
    ['the requested host', 'storm1', ['storm2', 'storm5'], 'storm5', 'storm5'],
  ])('%s', (_n, active, reporting, requested, want) => {
    expect(chooseTarget(hosts, active, new Set(reporting), requested)).toEqual({ host: want });
  });
  it.each<[string, string | undefined, string[], string | undefined, RegExp]>([
    ['no standby reports', 'storm1', ['storm1'], undefined, /no standby nimbus host reports/],
    ['requested host is the active one', 'storm1', ['storm1', 'storm2'], 'storm1', /active nimbus already/],
    ['requested host is no nimbus', 'storm1', ['storm2'], 'storm9', /not one of the nimbus hosts/],
    ['requested host silent', 'storm1', ['storm5'], 'storm2', /not reporting/],
  ])('refused: %s', (_n, active, reporting, requested, problem) => {
    const r = chooseTarget(hosts, active, new Set(reporting), requested);
    expect('problem' in r && r.problem).toMatch(problem);
  });
});

const step: StepInput = {
  step: 'fence',
  epoch: 3,
  from: 'storm1',
  to: { host: 'storm2', address: '10.0.0.2', reportedAt: NOW - 100, process: 'stopped' },
  facts: { epoch: 2, active: 'storm1' },
  stepStartedAt: NOW - 1000,
  now: NOW,
  promoteTimeoutMs: 120_000,
  repointMembers: ['storm-main/supervisor-storm3', 'storm-main/supervisor-storm4'],
};
const leading = { at: NOW - 10, listening: true, isLeader: true };

describe('planFailoverStep', () => {
  it.each<[string, Partial<StepInput>, string, string?]>([
    ['fence: facts not moved yet → fence', {}, 'fence'],
    [
      'fence: facts already moved (resumed after a crash) → advance to promote',
      { facts: { epoch: 3, active: 'storm2' } },
      'advance',
      'promote',
    ],
    ['promote: no probe since the fence → wait', { step: 'promote' }, 'wait'],
    [
      'promote: a probe from before the fence does not count → wait',
      { step: 'promote', to: { ...step.to, probe: { ...leading, at: NOW - 2000 } } },
      'wait',
    ],
    [
      'promote: leads and answers → advance to repoint',
      { step: 'promote', to: { ...step.to, probe: leading } },
      'advance',
      'repoint',
    ],
    [
      'promote: answers but not the leader past the timeout → fail',
      {
        step: 'promote',
        stepStartedAt: NOW - 200_000,
        to: { ...step.to, probe: { ...leading, isLeader: false } },
      },
      'fail',
    ],
    ['repoint: members pending → start a rollout', { step: 'repoint' }, 'start-rollout'],
    ['repoint: nothing pending → complete', { step: 'repoint', repointMembers: [] }, 'complete'],
    [
      'repoint: rollout running → wait',
      { step: 'repoint', rollout: { id: 'r1', state: 'running', reason: '' } },
      'wait',
    ],
    [
      'repoint: rollout paused → wait (an operator resumes it)',
      { step: 'repoint', rollout: { id: 'r1', state: 'paused', reason: 'gate' } },
      'wait',
    ],
    [
      'repoint: rollout completed → complete',
      { step: 'repoint', rollout: { id: 'r1', state: 'completed', reason: '' } },
      'complete',
    ],
    [
      'repoint: rollout aborted → fail',
      { step: 'repoint', rollout: { id: 'r1', state: 'aborted', reason: 'x' } },
      'fail',
    ],
  ])('%s', (_name, patch, action, next) => {
    const a = planFailoverStep({ ...step, ...patch });
    expect(a.do).toBe(action);
    if (next) expect(a).toMatchObject({ to: next });
    expect(a.reason.length).toBeGreaterThan(0);
  });

  it('says what the target shows while promoting times out', () => {
    const timedOut = { step: 'promote' as const, stepStartedAt: NOW - 200_000 };
    const a = planFailoverStep({
      ...step,
      ...timedOut,
      to: { ...step.to, probe: { ...leading, isLeader: false } },
    });
    expect(a.reason).toBe(
      "nimbus on storm2 did not lead within 120 s (Thrift answers, not the leader); see the cluster's health for why",
    );
  });
});
