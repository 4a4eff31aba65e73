import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NotFoundError, UnavailableError, ValidationError, type InstanceObservation } from '@hactl/shared';
import type { AgentCommand, AgentSession, Fleet } from '../reconcile/fleet.js';
import { createTestCore } from '../test-core.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { LeaseManager } from '../leases/leases.js';
import {
  defaultRolloutOptions,
  listSome,
  nextCommandId,
  parseRolloutRequest,
  type RolloutEngine,
} from './engine.js';
import { plannedGeneration } from '../reconcile/testing.js';
import type { Metrics } from '../metrics/metrics.js';

let dir: string;
let store: SqliteStore;
let now = 1_800_000_000_000;
const sent: AgentCommand[] = [];
const pids = new Map<string, number>([
  ['zk/zk-1', 101],
  ['zk/zk-2', 102],
  ['zk/zk-3', 103],
]);
const session: AgentSession = { sendDesired() {}, sendCommand: (c) => sent.push(c), close() {} };
let ids = 0;

function world(): { fleet: Fleet; engine: RolloutEngine; leases: LeaseManager; metrics: Metrics } {
  const {
    fleet,
    rollouts: engine,
    leases,
    metrics,
  } = createTestCore(store, { now: () => now, leaseTtlMs: 60_000, newId: () => `r${++ids}` });
  for (const i of [1, 2, 3])
    fleet.connectAgent(
      { name: `h${i}`, address: `127.0.0.1${i}`, agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      session,
    );
  return { fleet, engine, leases, metrics };
}

/** Agents report: all serving but those in `notServing` (answering, no quorum), member `leader` (2 unless said) leads. */
function report(fleet: Fleet, leader = 2, notServing: readonly string[] = []): void {
  for (const i of [1, 2, 3]) {
    const id = `zk/zk-${i}`;
    const probe = notServing.includes(id)
      ? { ok: true, serving: false, mode: 'looking' }
      : i === leader
        ? { ok: true, serving: true, mode: 'leader', syncedFollowers: 2 }
        : { ok: true, serving: true, mode: 'follower' };
    const inst: Omit<InstanceObservation, 'hostId' | 'reportedAt'> = {
      id,
      process: 'running',
      pid: pids.get(id)!,
      restarts: 0,
      detail: '',
      restartPending: false,
      probeAt: now,
      probe,
    };
    fleet.recordStatus(`h${i}`, {
      appliedGeneration: plannedGeneration(fleet, `h${i}`),
      applyError: '',
      instances: [inst],
    });
  }
}

const spec = (tick: number) => ({
  kind: 'zookeeper',
  distribution: { home: '/zk' },
  settings: { tickTime: tick },
  members: [1, 2, 3].map((i) => ({ host: `h${i}`, id: i })),
});

/** zk applied at tickTime 2000, its agents reporting (zk-2 leads). */
function zkReporting(): { fleet: Fleet; engine: RolloutEngine } {
  const { fleet, engine } = world();
  fleet.applyCluster('zk', spec(2000), { author: 't', message: '' });
  report(fleet);
  return { fleet, engine };
}

/**
 * zk applied at tickTime 2000 with its agents reporting, then changed to 3000 with a rollout of
 * every member (30 s gate timeout, `onGateTimeout` as given) started and its first step requested.
 */
function changedUnder(onGateTimeout: 'abort' | 'rollback'): {
  fleet: Fleet;
  engine: RolloutEngine;
  r: { id: string };
} {
  const { fleet, engine } = world();
  fleet.applyCluster('zk', spec(2000), { author: 't', message: '' });
  report(fleet);
  const changed = fleet.applyCluster('zk', spec(3000), { author: 't', message: '' });
  expect(changed.changedInstances).toEqual(['zk/zk-1', 'zk/zk-2', 'zk/zk-3']);
  const r = engine.start(
    'zk',
    { ...defaultRolloutOptions('apply'), gateTimeoutSec: 30, onGateTimeout },
    changed.changedInstances,
  );
  return { fleet, engine, r };
}

/**
 * zk applied with its agents reporting, a restart rollout of every member started (zk-1 first),
 * and a second later zk-1 reported on a new pid (201; the test sets it back to 101).
 */
function zk1Restarted(): { fleet: Fleet; engine: RolloutEngine; r: { id: string } } {
  const { fleet, engine } = world();
  fleet.applyCluster('zk', spec(2000), { author: 't', message: '' });
  report(fleet);
  const r = engine.start('zk', defaultRolloutOptions('restart'));
  now += 1000;
  pids.set('zk/zk-1', 201);
  report(fleet);
  return { fleet, engine, r };
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-engine-'));
  store = new SqliteStore(path.join(dir, 'state.db'));
  sent.length = 0;
  // A test that failed before putting back the pid it changed must not fail the next ones.
  for (const i of [1, 2, 3]) pids.set(`zk/zk-${i}`, 100 + i);
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('rollout engine', () => {
  it('plans followers first and the leader last, one step requested at a time with a stable command id', () => {
    const { engine } = zkReporting();
    const r = engine.start('zk', defaultRolloutOptions('restart'));
    expect(r.steps.map((s) => s.instance)).toEqual(['zk/zk-1', 'zk/zk-3', 'zk/zk-2']);
    expect(sent).toEqual([{ id: `${r.id}.0`, instanceId: 'zk/zk-1', action: 'restart', args: [] }]);
    engine.tick();
    expect(sent).toHaveLength(1);
  });

  it('between steps the view says what the rollout waits for (the pause between steps); none while a step is in flight', () => {
    const { fleet, engine } = zkReporting();
    const r = engine.start('zk', { ...defaultRolloutOptions('restart'), pauseBetweenSec: 20 });
    expect(engine.view(r.id)).toMatchObject({ waiting: null, current: { instance: 'zk/zk-1' } });
    now += 1000;
    pids.set('zk/zk-1', 201);
    report(fleet);
    engine.tick();
    expect(engine.view(r.id)).toMatchObject({
      current: null,
      waiting: 'pausing 20s between steps; 20s left',
    });
    now += 9000;
    engine.tick();
    expect(engine.view(r.id).waiting).toBe('pausing 20s between steps; 11s left');
    // Paused: it waits for the operator, not the pause; resumed, the pass says it again.
    engine.pause(r.id);
    expect(engine.view(r.id).waiting).toBeNull();
    engine.resume(r.id);
    expect(engine.view(r.id).waiting).toBe('pausing 20s between steps; 11s left');
    now += 11_000;
    report(fleet);
    engine.tick();
    expect(engine.view(r.id)).toMatchObject({ waiting: null, current: { instance: 'zk/zk-3' } });
    pids.set('zk/zk-1', 101);
  });

  it('a pause and resume that asks the first step again keeps when the rollout began', () => {
    const { fleet, engine } = zkReporting();
    const began = now;
    const r = engine.start('zk', defaultRolloutOptions('restart'));
    expect(engine.view(r.id).startedAt).toBe(new Date(began).toISOString());
    engine.pause(r.id);
    now += 15_000;
    report(fleet);
    engine.resume(r.id);
    const v = engine.view(r.id);
    // The step was asked again at the resume; the rollout still began at its first request.
    expect(v.steps[0]).toMatchObject({ state: 'requested', requestedAt: new Date(now).toISOString() });
    expect(v.startedAt).toBe(new Date(began).toISOString());
  });

  it("a new pid finishes a step even if the agent's result was lost; a control-plane restart resumes at the next step", () => {
    const w1 = world();
    w1.fleet.applyCluster('zk', spec(2000), { author: 't', message: '' });
    report(w1.fleet);
    const r = w1.engine.start('zk', defaultRolloutOptions('restart'));
    // The control plane "crashes" here: a new Fleet and engine over the same store.
    const w2 = world();
    now += 1000;
    pids.set('zk/zk-1', 201);
    report(w2.fleet);
    w2.engine.tick();
    const v = w2.engine.view(r.id);
    expect(v.steps.map((s) => s.state)).toEqual(['done', 'requested', 'pending']);
    expect(v.steps[0]!.note).toBe('restarted (pid 101 → 201)');
    // The resent command for the requested step keeps its id, so the agent's journal makes it idempotent.
    w2.engine.onAgentConnected('h3');
    // Steps are stored in plan order (zk-3 is step 2); the engine takes them leader last.
    expect(sent.at(-1)).toEqual({ id: `${r.id}.2`, instanceId: 'zk/zk-3', action: 'restart', args: [] });
    pids.set('zk/zk-1', 101);
  });

  it('a finished step is stored with its event: when the event cannot be written the step stays requested, and the next pass finishes it', () => {
    const { engine, r } = zk1Restarted();
    const appendEvent = store.appendEvent.bind(store);
    store.appendEvent = (e) => {
      if (e.type === 'rollout.step') throw new Error('disk I/O error');
      appendEvent(e);
    };
    engine.tick(); // the pass fails (logged, retried at the next tick)
    expect(engine.view(r.id).steps.map((s) => s.state)).toEqual(['requested', 'pending', 'pending']);
    store.appendEvent = appendEvent;
    engine.tick();
    expect(engine.view(r.id).steps.map((s) => s.state)).toEqual(['done', 'requested', 'pending']);
    expect(
      store.listEvents({ cluster: 'zk', limit: 50 }).filter((e) => e.type === 'rollout.step'),
    ).toHaveLength(1);
    pids.set('zk/zk-1', 101);
  });

  it("a rollout row's updated_at moves only when its state does (a start step's gate timeout counts from it: runningSince)", () => {
    const { fleet, engine } = zkReporting();
    const startedAt = now;
    const r = engine.start('zk', defaultRolloutOptions('restart'));
    const updatedAt = () => store.getRollout(r.id)!.updated_at;
    // Steps requested and finished, reports, ticks: the row's updated_at stays at the start.
    now += 1000;
    pids.set('zk/zk-1', 201);
    report(fleet);
    engine.tick();
    expect(engine.view(r.id).steps.map((s) => s.state)).toEqual(['done', 'requested', 'pending']);
    now += 1000;
    engine.tick();
    expect(updatedAt()).toBe(startedAt);
    // A pause and a resume are state changes: it moves to each.
    engine.pause(r.id);
    expect(updatedAt()).toBe(now);
    now += 5000;
    engine.resume(r.id);
    expect(updatedAt()).toBe(now);
    pids.set('zk/zk-1', 101);
  });

  it('a gate timeout that aborts skips its steps and aborts in one transaction: a failing write leaves the rollout running, the next pass aborts it', () => {
    const { fleet, engine, r } = changedUnder('abort');
    now += 31_000;
    report(fleet); // zk-1 never restarted: its gate times out at the next pass
    const before = engine.view(r.id).steps.map((s) => s.state);
    expect(before).toEqual(['requested', 'pending', 'pending']);
    const updateRollout = store.updateRollout.bind(store);
    store.updateRollout = () => {
      throw new Error('disk I/O error');
    };
    engine.tick();
    expect(engine.view(r.id).state).toBe('running');
    expect(engine.view(r.id).steps.map((s) => s.state)).toEqual(before);
    store.updateRollout = updateRollout;
    engine.tick();
    expect(engine.view(r.id)).toMatchObject({
      state: 'aborted',
      reason: expect.stringMatching(/^gate timeout after 30s on step 0/),
    });
    expect(engine.view(r.id).steps.map((s) => s.state)).toEqual(['skipped', 'skipped', 'skipped']);
  });

  it('gate timeout with rollback is all or nothing: a store failure half-way leaves the rollout running on its revision, and the next pass rolls back', () => {
    const { fleet, engine, r } = changedUnder('rollback');
    now += 1000;
    pids.set('zk/zk-1', 301);
    report(fleet);
    engine.tick(); // step 0 done, step 1 (zk-3) requested
    now += 31_000;
    report(fleet);
    const stepsBefore = engine.view(r.id).steps.map((s) => [s.instance, s.state]);
    // The rollback rollout's steps are the last write of the transaction: it fails after the
    // abort, the new revision and the rollback event were written.
    const insertRollout = store.insertRollout.bind(store);
    store.insertRollout = () => {
      throw new Error('disk I/O error');
    };
    engine.tick();
    expect(engine.view(r.id)).toMatchObject({ state: 'running', reason: '' });
    expect(engine.view(r.id).steps.map((s) => [s.instance, s.state])).toEqual(stepsBefore);
    expect(fleet.listRevisions('zk').map((x) => x.revision)).toEqual([1, 2]);
    expect(engine.list('zk')).toHaveLength(1);
    expect(store.listEvents({ cluster: 'zk', limit: 100 }).map((e) => e.type)).not.toContain(
      'rollout.rollback',
    );

    store.insertRollout = insertRollout;
    engine.tick();
    expect(engine.view(r.id).state).toBe('aborted');
    expect(fleet.listRevisions('zk').map((x) => x.revision)).toEqual([1, 2, 3]);
    expect(fleet.getRevisionSpec('zk', 3)).toEqual(fleet.getRevisionSpec('zk', 1));
    const back = engine.list('zk').find((x) => x.id !== r.id)!;
    expect(back).toMatchObject({ action: 'apply', state: 'running' });
    expect(back.steps.map((s) => s.instance)).toEqual(['zk/zk-1']);
    pids.set('zk/zk-1', 101);
  });

  it('gate timeout with rollback onto a spec the fleet refuses now: nothing is stored, the rollout pauses with the reason', () => {
    const { fleet, engine, r } = changedUnder('rollback');
    now += 31_000;
    report(fleet); // zk-1 never restarted: its gate times out at the next pass
    // The previous spec no longer validates (as when a host it names is gone): not retriable.
    fleet.stageApply = () => {
      throw new ValidationError('cluster spec is invalid', [
        { path: 'members[2].host', message: 'unknown host h3' },
      ]);
    };
    engine.tick();
    expect(engine.view(r.id)).toMatchObject({
      state: 'paused',
      reason: 'rollout pass failed: cluster spec is invalid',
    });
    expect(engine.view(r.id).steps.map((s) => s.state)).toEqual(['requested', 'pending', 'pending']);
    expect(fleet.listRevisions('zk').map((x) => x.revision)).toEqual([1, 2]);
    expect(engine.list('zk')).toHaveLength(1);
  });

  it('abort and resume are all or nothing: a store failure half-way changes no step and not the state', () => {
    const { engine } = zkReporting();
    const r = engine.start('zk', defaultRolloutOptions('restart'));
    engine.tick();
    const stepsBefore = engine.view(r.id).steps.map((s) => [s.instance, s.state]);
    expect(stepsBefore.filter(([, state]) => state === 'pending').length).toBeGreaterThan(1);
    const updateRolloutStep = store.updateRolloutStep.bind(store);
    let calls = 0;
    // The second step's write fails, after the first one's went through.
    store.updateRolloutStep = (row) => {
      if (++calls === 2) throw new Error('disk I/O error');
      updateRolloutStep(row);
    };
    expect(() => engine.abort(r.id)).toThrow('disk I/O error');
    expect(engine.view(r.id).state).toBe('running');
    expect(engine.view(r.id).steps.map((s) => [s.instance, s.state])).toEqual(stepsBefore);

    // Paused, then a resume whose state change fails after its step was re-planned (the requested
    // step gets a new command): still paused, steps as they were.
    store.updateRolloutStep = updateRolloutStep;
    engine.pause(r.id);
    now += 1000;
    const pausedSteps = store.listRolloutSteps(r.id);
    let stepWrites = 0;
    store.updateRolloutStep = (row) => {
      stepWrites++;
      updateRolloutStep(row);
    };
    const updateRollout = store.updateRollout.bind(store);
    store.updateRollout = () => {
      throw new Error('disk I/O error');
    };
    expect(() => engine.resume(r.id)).toThrow('disk I/O error');
    expect(stepWrites).toBeGreaterThan(0);
    expect(engine.view(r.id).state).toBe('paused');
    expect(store.listRolloutSteps(r.id)).toEqual(pausedSteps);

    store.updateRolloutStep = updateRolloutStep;
    store.updateRollout = updateRollout;
    expect(engine.abort(r.id).state).toBe('aborted');
    expect(engine.view(r.id).steps.every((s) => s.state === 'done' || s.state === 'skipped')).toBe(true);
  });

  it('a second rollout on a cluster with one running is refused; bad requests list every problem', () => {
    const { engine } = zkReporting();
    const first = engine.start('zk', defaultRolloutOptions('restart'));
    // A running one is waited for (or paused, or aborted); "resume" is for a paused one.
    expect(() => engine.start('zk', defaultRolloutOptions('restart'))).toThrow(
      `cluster zk already has rollout ${first.id} (running); wait for it (hactl rollout status ${first.id} -w), or pause or abort it first`,
    );
    engine.pause(first.id);
    expect(() => engine.start('zk', defaultRolloutOptions('restart'))).toThrow(
      `cluster zk already has rollout ${first.id} (paused); resume or abort it first`,
    );
    expect(() => engine.start('kafka', defaultRolloutOptions('restart'))).toThrow(
      `cluster "kafka" not found; there are zk`,
    );
    expect(() =>
      parseRolloutRequest({ action: 'reboot', batchSize: 2, gateTimeoutSec: 1, extra: true }),
    ).toThrow(
      expect.objectContaining({
        details: expect.arrayContaining([
          expect.objectContaining({ path: 'action' }),
          expect.objectContaining({ path: 'batchSize' }),
          expect.objectContaining({ path: 'gateTimeoutSec' }),
          expect.objectContaining({ path: 'extra' }),
        ]),
      }),
    );
  });

  it('a step the agent fails pauses the rollout at once (no gate-timeout wait); resume retries it under a new command id', () => {
    const { fleet, engine } = zkReporting();
    const changed = fleet.applyCluster('zk', spec(3000), { author: 't', message: '' });
    const r = engine.start('zk', defaultRolloutOptions('apply'), changed.changedInstances);
    // A config rollout asks agents to restart only members still on an older config.
    expect(sent.at(-1)).toEqual({
      id: `${r.id}.0`,
      instanceId: 'zk/zk-1',
      action: 'restart',
      args: ['if-pending'],
    });
    engine.onCommandResult('h1', {
      id: `${r.id}.0`,
      ok: false,
      output: '',
      error: 'not restarted, the running process was left alone: /zk/bin/zkServer.sh does not exist',
    });
    const paused = engine.view(r.id);
    expect(paused.state).toBe('paused');
    expect(paused.reason).toBe(
      'step 0 (zk/zk-1) failed: not restarted, the running process was left alone: /zk/bin/zkServer.sh does not exist',
    );
    expect(paused.steps[0]).toMatchObject({
      state: 'failed',
      note: 'agent: not restarted, the running process was left alone: /zk/bin/zkServer.sh does not exist',
    });
    engine.resume(r.id);
    expect(sent.at(-1)).toEqual({
      id: `${r.id}.0.2`,
      instanceId: 'zk/zk-1',
      action: 'restart',
      args: ['if-pending'],
    });
    expect(engine.view(r.id).steps[0]!.state).toBe('requested');
  });

  it.each([
    [
      // The agent released its lease after the readiness wait ran out, so the pass saw a new pid
      // and no lease before the agent's (failed) result arrived.
      "the agent's result says the member never became ready → paused on that reason",
      'zk/zk-1 not ready 180000 ms after its restart',
      {
        rollout: {
          state: 'paused',
          reason: 'step 0 (zk/zk-1) failed: zk/zk-1 not ready 180000 ms after its restart',
        },
        step: { state: 'failed', note: 'agent: zk/zk-1 not ready 180000 ms after its restart' },
      },
    ],
    [
      // zk-1 restarted on its own (a crash) while its agent waited for the lease; that wait ends
      // with the control plane's word, and restarted nothing.
      'its agent reports its wait for the lease abandoned → the step stays done, the rollout runs',
      'abandon: no running rollout asks to restart zk/zk-1',
      { rollout: { state: 'running', reason: '' }, step: { state: 'done' } },
    ],
  ])('a step finished on its new pid, then %s', (_name, error, expected) => {
    const { engine, r } = zk1Restarted();
    engine.tick();
    expect(engine.view(r.id).steps.map((s) => s.state)).toEqual(['done', 'requested', 'pending']);
    engine.onCommandResult('h1', { id: `${r.id}.0`, ok: false, output: '', error });
    const after = engine.view(r.id);
    expect(after).toMatchObject(expected.rollout);
    expect(after.steps[0]).toMatchObject(expected.step);
    // Who failed it is stored with it (a resume asks an agent's failure again).
    expect(store.listRolloutSteps(r.id)[0]?.failed_by).toBe(expected.step.state === 'failed' ? 'agent' : '');
    pids.set('zk/zk-1', 101);
  });

  /**
   * The incident: zk-1 restarted under its lease onto a new pid that never serves (no quorum on its
   * member list). Its agent renews the lease while it waits, then vanishes; the lease expires (TTL
   * 60 s here). Returns the world once the lease is gone.
   */
  function leaseExpiredUnserved(gateTimeoutSec: number) {
    const { fleet, engine, leases, metrics } = world();
    fleet.applyCluster('zk', spec(2000), { author: 't', message: '' });
    report(fleet);
    const r = engine.start('zk', {
      ...defaultRolloutOptions('restart'),
      gateTimeoutSec,
      onGateTimeout: 'rollback',
    });
    const reason = `command ${r.id}.0`;
    expect(leases.acquire('h1', 'zk/zk-1', reason).granted).toBe(true);
    pids.set('zk/zk-1', 201);
    // Renewed while the member is down: the lease outlives its TTL, and the step waits for the agent.
    for (let t = 0; t < 3; t++) {
      now += 40_000;
      report(fleet, 2, ['zk/zk-1']);
      expect(leases.acquire('h1', 'zk/zk-1', reason)).toMatchObject({
        granted: true,
        reason: 'lease renewed',
      });
      engine.tick();
    }
    expect(leases.holders('zk').map((l) => l.instanceId)).toEqual(['zk/zk-1']);
    // The agent vanishes: no renewal, the lease expires.
    now += 61_000;
    report(fleet, 2, ['zk/zk-1']);
    engine.tick();
    expect(leases.holders('zk')).toEqual([]);
    return { fleet, engine, r, metrics };
  }

  /** How many restart steps of zk's `restart` rollouts the step-duration histogram has counted. */
  async function timedSteps(metrics: Metrics): Promise<number | undefined> {
    const hist = await metrics.registry.getSingleMetric('hactl_rollout_step_duration_seconds')!.get();
    return hist.values.find(
      (v) =>
        (v as { metricName?: string }).metricName === 'hactl_rollout_step_duration_seconds_count' &&
        v.labels.cluster === 'zk' &&
        v.labels.action === 'restart',
    )?.value;
  }

  it('zookeeper: lease expired, member restarted and not serving → the step is not done, nothing else goes out; at the gate timeout it fails and the rollout pauses (not rolled back)', () => {
    const { fleet, engine, r } = leaseExpiredUnserved(300);
    expect(engine.view(r.id).steps.map((s) => s.state)).toEqual(['requested', 'pending', 'pending']);
    // Its status line says what the pass waits for, in the decision's words, and until when.
    expect(engine.view(r.id).current).toMatchObject({
      phase: 'finishing',
      waitingFor:
        'restarted (pid 101 → 201), holds no lease and is not serving yet: ' +
        "waiting for it to serve or for the agent's result; the step fails in 119s (gate timeout 300s)",
    });
    expect(sent).toHaveLength(1);
    now += 120_000;
    report(fleet, 2, ['zk/zk-1']);
    engine.tick();
    const v = engine.view(r.id);
    expect(v).toMatchObject({
      state: 'paused',
      reason:
        'step 0 (zk/zk-1) restarted (pid 101 → 201), holds no lease and is not serving yet; ' +
        'no result from its agent within 300s of the request',
    });
    expect(v.steps[0]).toMatchObject({ state: 'failed' });
    // The engine failed it, without a word from the agent: a resume may find it done after all.
    expect(store.listRolloutSteps(r.id)[0]?.failed_by).toBe('control-plane');
    expect(sent).toHaveLength(1);
    pids.set('zk/zk-1', 101);
  });

  it("zookeeper: a step failed at the gate timeout, then its agent's success → done with both accounts; paused, nothing goes out until resumed", async () => {
    const { fleet, engine, r, metrics } = leaseExpiredUnserved(300);
    now += 120_000;
    report(fleet, 2, ['zk/zk-1']);
    engine.tick();
    const failed = engine.view(r.id);
    expect(failed.state).toBe('paused');
    expect(failed.steps.map((s) => s.state)).toEqual(['failed', 'pending', 'pending']);
    const failedNote = failed.steps[0]!.note;
    // The agent comes back: its restart of that command finished (the member serves).
    now += 5000;
    report(fleet);
    engine.onCommandResult('h1', { id: `${r.id}.0`, ok: true, output: 'restarted in 410 s', error: '' });
    const v = engine.view(r.id);
    expect(v.state).toBe('paused');
    expect(v.steps.map((s) => s.state)).toEqual(['done', 'pending', 'pending']);
    expect(v.steps[0]!.note).toBe(
      `restarted in 410 s (the agent's result came after the step failed: ${failedNote})`,
    );
    // The pause's reason no longer names the failure the result overturned.
    expect(v.reason).toBe(
      `step 0 (zk/zk-1) failed, then its agent reported the restart done after all; ` +
        `hactl rollout resume ${r.id} goes on with the next member`,
    );
    expect(
      store
        .listEvents({ cluster: 'zk', limit: 50 })
        .filter((e) => e.type === 'rollout.step')
        .map((e) => e.message),
    ).toContain(
      `rollout ${r.id} step 0: zk/zk-1 restarted after all: its agent reported success after the step ` +
        `failed; the rollout stays paused (hactl rollout resume ${r.id} goes on with the next member)`,
    );
    // Timed from the request to the agent's success: how long that restart took.
    expect(await timedSteps(metrics)).toBe(1);
    // Passes take no step on the strength of the late result.
    engine.tick();
    expect(sent).toHaveLength(1);
    // The operator resumes: the next member goes out; zk-1 is not restarted again.
    engine.resume(r.id);
    const resumed = engine.view(r.id);
    expect(resumed.state).toBe('running');
    expect(resumed.steps.map((s) => s.state)).toEqual(['done', 'requested', 'pending']);
    expect(sent.map((c) => c.instanceId)).toEqual(['zk/zk-1', resumed.steps[1]!.instance]);
    pids.set('zk/zk-1', 101);
  });

  it('zookeeper: a step failed at the gate timeout and no result from its agent ever came; its member serves since → resume marks it done instead of restarting it again, and goes on', async () => {
    const { fleet, engine, r, metrics } = leaseExpiredUnserved(300);
    now += 120_000;
    report(fleet, 2, ['zk/zk-1']);
    engine.tick();
    expect(engine.view(r.id)).toMatchObject({ state: 'paused' });
    const failedNote = engine.view(r.id).steps[0]!.note;
    // The member serves on its new pid (a later probe); its agent's result is lost.
    now += 5000;
    report(fleet);
    engine.resume(r.id);
    const v = engine.view(r.id);
    expect(v.state).toBe('running');
    expect(v.steps.map((s) => s.state)).toEqual(['done', 'requested', 'pending']);
    expect(v.steps[0]!.note).toBe(
      `restarted (pid 101 → 201) and serves: done on resume, not restarted again (it had failed: ${failedNote})`,
    );
    // zk-1 got no second command; the next member's went out.
    expect(sent.map((c) => c.instanceId)).toEqual(['zk/zk-1', v.steps[1]!.instance]);
    // Its duration is not known (the time since its request includes the pause): not timed.
    expect(await timedSteps(metrics)).toBeUndefined();
    pids.set('zk/zk-1', 101);
  });

  it.each([
    [
      'its host applied the new config and nothing is pending → done on resume, not restarted again',
      0,
      false,
      'done',
    ],
    ['its host has not applied the desired state planned now → asked again', -1, false, 'requested'],
    ['its agent reports a restart still pending → asked again', 0, true, 'requested'],
  ] as const)(
    'a config rollout paused while zk-1 restarted with no result yet: %s',
    (_name, lag, pending, state) => {
      const { fleet, engine, leases } = world();
      fleet.applyCluster('zk', spec(2000), { author: 't', message: '' });
      report(fleet);
      const changed = fleet.applyCluster('zk', spec(3000), { author: 't', message: '' });
      // The hosts applied the new files (their members' restarts pending).
      report(fleet);
      const r = engine.start('zk', defaultRolloutOptions('apply'), changed.changedInstances);
      const first = sent.at(-1)!;
      expect(first).toMatchObject({ instanceId: 'zk/zk-1', args: ['if-pending'] });
      // zk-1's agent restarts it under its lease; its result is lost. The operator pauses.
      const lease = leases.acquire('h1', 'zk/zk-1', `command ${first.id}`);
      expect(lease).toMatchObject({ granted: true });
      leases.release(lease.leaseId);
      engine.pause(r.id);
      now += 5000;
      pids.set('zk/zk-1', 201);
      report(fleet);
      fleet.recordStatus('h1', {
        appliedGeneration: plannedGeneration(fleet, 'h1') + lag,
        applyError: '',
        instances: [
          {
            id: 'zk/zk-1',
            process: 'running',
            pid: 201,
            restarts: 0,
            detail: '',
            restartPending: pending,
            probeAt: now,
            probe: { ok: true, serving: true, mode: 'follower' },
          },
        ],
      });
      engine.resume(r.id);
      expect(engine.view(r.id).steps[0]).toMatchObject({ instance: 'zk/zk-1', state });
      // Done: the next member's command goes out; asked again: zk-1's, under a new command id.
      expect(sent.at(-1)!.instanceId).toBe(
        state === 'done' ? engine.view(r.id).steps[1]!.instance : 'zk/zk-1',
      );
      expect(sent).toHaveLength(2);
      pids.set('zk/zk-1', 101);
    },
  );

  it('lease expired, member restarted and serving later → the step is done then, and the next one goes out', () => {
    const { fleet, engine, r } = leaseExpiredUnserved(600);
    expect(engine.view(r.id).steps[0]).toMatchObject({ state: 'requested' });
    now += 5000;
    report(fleet);
    engine.tick();
    expect(engine.view(r.id).steps.map((s) => s.state)).toEqual(['done', 'requested', 'pending']);
    expect(sent).toHaveLength(2);
    pids.set('zk/zk-1', 101);
  });

  it("a status listing reads every cluster's rollout in one store query, and its hint names a paused one", () => {
    const { fleet, engine } = world();
    fleet.applyCluster('zk', spec(2000), { author: 't', message: '' });
    // A second ensemble on the same hosts, on ports and a data dir of its own.
    const other = [1, 2, 3].map((i) => ({
      host: `h${i}`,
      id: i,
      clientPort: 2182,
      peerPort: 2889,
      electionPort: 3889,
      adminPort: 8081,
      dataDir: `/d/zk-b/${i}`,
    }));
    fleet.applyCluster('zk-b', { ...spec(2000), members: other }, { author: 't', message: '' });
    report(fleet);
    const r = engine.start('zk', defaultRolloutOptions('restart'));
    engine.pause(r.id);
    const listRollouts = store.listRollouts.bind(store);
    const reads: unknown[] = [];
    store.listRollouts = (filter) => {
      reads.push(filter);
      return listRollouts(filter);
    };
    // Later, the agents renewed their reports: a new status reader.
    now += 60_000;
    report(fleet);
    const listed = fleet.listClusters();
    expect(reads).toEqual([{ states: ['running', 'paused'] }]);
    expect(listed.map((c) => c.name)).toEqual(['zk', 'zk-b']);
    expect(fleet.clusterStatus('zk').status.hint).toContain(`rollout ${r.id} is paused`);
  });

  it.each([
    [
      'an error that says a retry cannot succeed → the rollout pauses with it',
      new NotFoundError('cluster', 'zk'),
      'paused',
    ],
    ['a retriable error → the next tick tries again', new UnavailableError('store busy'), 'running'],
    ['an unclassified error → the next tick tries again', new Error('boom'), 'running'],
  ])('a failed pass: %s', (_scenario, error, state) => {
    const { fleet, engine } = zkReporting();
    const r = engine.start('zk', defaultRolloutOptions('restart'));
    fleet.observation = () => {
      throw error;
    };
    engine.tick();
    expect(store.getRollout(r.id)).toMatchObject({
      state,
      reason: state === 'paused' ? `rollout pass failed: ${error.message}` : '',
    });
  });

  it.each([
    ['first request', '', 'ab.3'],
    ['first retry', 'ab.3', 'ab.3.2'],
    ['later retry', 'ab.3.2', 'ab.3.3'],
  ])('command ids: %s', (_scenario, previous, next) => {
    expect(nextCommandId('ab', 3, previous)).toBe(next);
  });

  it('resume after a gate timeout sends the step again under a new command; the superseded attempt is abandoned, the new one gets the lease', () => {
    const { fleet, engine, leases } = world();
    fleet.applyCluster('zk', spec(2000), { author: 't', message: '' });
    report(fleet);
    const r = engine.start('zk', {
      ...defaultRolloutOptions('restart'),
      gateTimeoutSec: 30,
      onGateTimeout: 'pause',
    });
    const first = `${r.id}.0`;
    expect(sent.at(-1)).toMatchObject({ id: first, instanceId: 'zk/zk-1' });
    // No lease was taken in time (the gate held the agent back): paused on the gate timeout.
    now += 31_000;
    report(fleet);
    engine.tick();
    expect(engine.view(r.id).state).toBe('paused');
    // While paused the waiting agent is told to give up.
    const word = leases.acquire('h1', 'zk/zk-1', `command ${first}`).reason;
    expect(word).toMatch(/^abandon: no running rollout/);
    // It says so in its result, which changes neither the step nor why the rollout paused.
    const paused = engine.view(r.id);
    engine.onCommandResult('h1', { id: first, ok: false, output: '', error: word });
    expect(engine.view(r.id)).toMatchObject({ state: 'paused', reason: paused.reason });
    expect(engine.view(r.id).steps[0]).toMatchObject({ state: 'requested', note: paused.steps[0]!.note });

    const resumed = engine.resume(r.id);
    const second = nextCommandId(r.id, 0, first);
    expect(sent.at(-1)).toEqual({ id: second, instanceId: 'zk/zk-1', action: 'restart', args: [] });
    expect(resumed.steps[0]).toMatchObject({ state: 'requested' });
    // The old attempt, should it still ask, is superseded; the new one is granted once the gates hold.
    expect(leases.acquire('h1', 'zk/zk-1', `command ${first}`).reason).toBe(
      `abandon: command ${first} was superseded by ${second} (the rollout was resumed)`,
    );
    const granted = leases.acquire('h1', 'zk/zk-1', `command ${second}`);
    expect(granted.granted).toBe(true);
    // A second attempt cannot share that lease.
    expect(leases.acquire('h1', 'zk/zk-1', 'command other').granted).toBe(false);
    // The restart happens: the step finishes and the next one goes out.
    pids.set('zk/zk-1', 301);
    now += 1000;
    leases.release(granted.leaseId);
    report(fleet);
    engine.tick();
    expect(engine.view(r.id).steps.map((s) => s.state)).toEqual(['done', 'requested', 'pending']);
    pids.set('zk/zk-1', 101);
  });

  it('a requested follower that then takes over leadership is put back: the other follower goes first, the old command is abandoned', () => {
    const { fleet, engine, leases } = world();
    fleet.applyCluster('zk', spec(2000), { author: 't', message: '' });
    report(fleet);
    const r = engine.start('zk', defaultRolloutOptions('restart'));
    // zk-1 restarts; zk-3 (a follower) is requested next.
    pids.set('zk/zk-1', 201);
    now += 1000;
    report(fleet);
    engine.tick();
    expect(sent.at(-1)).toMatchObject({ id: `${r.id}.2`, instanceId: 'zk/zk-3' });
    // Leadership moves to zk-3 before its agent asks: the leader-last gate refuses it while zk-2 is pending.
    now += 1000;
    report(fleet, 3);
    expect(leases.acquire('h3', 'zk/zk-3', `command ${r.id}.2`).reason).toMatch(/^leader-last: /);
    engine.tick();
    // Put back, and zk-2 asked in the same pass: no wait for the gate timeout. (The view lists the
    // requested step before the pending ones.)
    expect(engine.view(r.id).steps.map((s) => [s.instance, s.state])).toEqual([
      ['zk/zk-1', 'done'],
      ['zk/zk-2', 'requested'],
      ['zk/zk-3', 'pending'],
    ]);
    expect(sent.at(-1)).toEqual({ id: `${r.id}.1`, instanceId: 'zk/zk-2', action: 'restart', args: [] });
    expect(leases.acquire('h3', 'zk/zk-3', `command ${r.id}.2`).reason).toBe(
      'abandon: no running rollout asks to restart zk/zk-3',
    );
    // zk-2 restarts under its lease; then the leader zk-3 is asked under a new attempt's id.
    const granted = leases.acquire('h2', 'zk/zk-2', `command ${r.id}.1`);
    expect(granted.granted).toBe(true);
    pids.set('zk/zk-2', 202);
    now += 1000;
    leases.release(granted.leaseId);
    report(fleet, 3);
    engine.tick();
    expect(sent.at(-1)).toEqual({ id: `${r.id}.2.2`, instanceId: 'zk/zk-3', action: 'restart', args: [] });
    expect(leases.acquire('h3', 'zk/zk-3', `command ${r.id}.2.2`).granted).toBe(true);
    pids.set('zk/zk-1', 101);
    pids.set('zk/zk-2', 102);
  });
});

describe('a rollout names its members in its log line and event message', () => {
  it.each([
    ['none', 0, ''],
    ['three: all of them', 3, 's/m-0, s/m-1, s/m-2'],
    ['ten: all of them', 10, 's/m-0, s/m-1, s/m-2, s/m-3, s/m-4, s/m-5, s/m-6, s/m-7, s/m-8, s/m-9'],
    [
      'eleven: ten, then how many more',
      11,
      's/m-0, s/m-1, s/m-2, s/m-3, s/m-4, s/m-5, s/m-6, s/m-7, s/m-8, s/m-9, … and 1 more',
    ],
  ])('%s', (_name, n, text) => {
    expect(listSome(Array.from({ length: n }, (_, i) => `s/m-${i}`))).toBe(text);
  });

  it('5,000 members: ten named and the count, not a 150 KB line', () => {
    const text = listSome(Array.from({ length: 5000 }, (_, i) => `storm-bench/supervisor-b${i}`));
    expect(text.endsWith(', … and 4990 more')).toBe(true);
    expect(text.length).toBeLessThan(400);
  });
});
