import { describe, it, expect } from 'vitest';
import { runCli } from './run.js';
import { fakeIo } from './fake-io.js';

const S = 'http://127.0.0.1:7080';
const view = (state: string, steps: [string, string][]) => ({
  id: 'ab12',
  cluster: 'zk-main',
  action: 'restart',
  revision: 2,
  state,
  reason: state === 'paused' ? 'gate timeout' : '',
  startedAt: '2026-12-01T06:00:00.000Z',
  plan: ['zk1 (zk-main/zk-1)', 'zk3 (zk-main/zk-3)'],
  steps: steps.map(([host, st], i) => ({
    index: i,
    instance: `zk-main/${host.replace('zk', 'zk-')}`,
    host,
    state: st,
    elapsedMs: st === 'pending' ? null : 1500,
    note: '',
  })),
  current:
    state === 'running'
      ? {
          instance: 'zk-main/zk-3',
          phase: 'waiting-lease',
          waitingFor:
            'waiting for the restart lease: cluster-healthy: cluster is degraded: leader 3, 1/2 followers synced',
          gates: [
            {
              gate: 'cluster-healthy',
              ok: false,
              reason: 'waiting: cluster is degraded: leader 3, 1/2 followers synced',
            },
          ],
        }
      : null,
});

describe('hactl rollout / history / diff / rollback', () => {
  it('rollout status --cluster of a cluster without rollouts: exit 1 (the state things are in, not a usage error)', async () => {
    const io = fakeIo({ [`GET ${S}/v1/clusters/zk-main/rollouts`]: { body: { rollouts: [] } } });
    expect(await runCli(['rollout', 'status', '--cluster', 'zk-main'], io)).toBe(1);
    expect(io.err()).toBe('error: cluster zk-main has no rollouts\n');
  });

  it('rollout start posts the options and prints the order the engine takes the members in, not the stored plan', async () => {
    const io = fakeIo({
      [`POST ${S}/v1/clusters/zk-main/rollouts`]: {
        status: 201,
        // Stored zk1, zk3 (`plan`); zk1 leads, so the engine takes zk3 first.
        body: view('running', [
          ['zk3', 'requested'],
          ['zk1', 'pending'],
        ]),
      },
    });
    expect(
      await runCli(['rollout', 'start', 'zk-main', '--gate-timeout', '60', '--on-gate-timeout', 'abort'], io),
    ).toBe(0);
    expect(io.requests[0]!.body).toEqual({ action: 'restart', gateTimeoutSec: 60, onGateTimeout: 'abort' });
    expect(io.out()).toBe(
      'rollout/ab12 started: restart of zk-main (revision 2)\norder: zk3 (zk-main/zk-3) → zk1 (zk-main/zk-1)\n',
    );
  });

  it('rollout status shows progress, the gate being waited on and why, and elapsed time per step', async () => {
    const io = fakeIo({
      [`GET ${S}/v1/rollouts/ab12`]: {
        body: view('running', [
          ['zk1', 'done'],
          ['zk3', 'requested'],
        ]),
      },
    });
    expect(await runCli(['rollout', 'status', 'ab12'], io)).toBe(0);
    const out = io.out();
    expect(out).toContain('Progress: [##########----------] 1/2');
    expect(out).toContain(
      'Current:  zk-main/zk-3: waiting for the restart lease: cluster-healthy: cluster is degraded: leader 3, 1/2 followers synced',
    );
    expect(out).toContain('WAIT cluster-healthy: cluster is degraded: leader 3, 1/2 followers synced');
    expect(out).not.toMatch(/waiting for waiting/);
    expect(out).toMatch(/1\s+zk1\s+zk-main\/zk-1\s+done\s+1\.5s/);
    expect(out).toContain('Started:  2026-12-01T06:00:00.000Z');
    expect(out).toContain('Steps (in run order, the pending ones as the engine would take them now;');
  });

  it('rollout status between steps says what the rollout waits for', async () => {
    const between = {
      ...view('running', [
        ['zk1', 'done'],
        ['zk3', 'pending'],
      ]),
      current: null,
      waiting: 'pausing 20s between steps; 11s left',
    };
    const io = fakeIo({ [`GET ${S}/v1/rollouts/ab12`]: { body: between } });
    expect(await runCli(['rollout', 'status', 'ab12'], io)).toBe(0);
    expect(io.out()).toContain('Waiting:  pausing 20s between steps; 11s left\n');
    expect(io.out()).not.toContain('Current:');
  });

  it('rollout status says when no step has started yet, and which order a finished rollout lists', async () => {
    const waiting = fakeIo({
      [`GET ${S}/v1/rollouts/ab12`]: { body: { ...view('running', [['zk1', 'pending']]), startedAt: null } },
    });
    expect(await runCli(['rollout', 'status', 'ab12'], waiting)).toBe(0);
    expect(waiting.out()).toContain('Started:  not yet (its first step waits)');
    const done = fakeIo({ [`GET ${S}/v1/rollouts/ab12`]: { body: view('completed', [['zk1', 'done']]) } });
    expect(await runCli(['rollout', 'status', 'ab12'], done)).toBe(0);
    expect(done.out()).toContain('Steps (in run order; #: place in the plan):');
  });

  it('rollout status -w follows until completion and exits 0; a paused rollout exits 1 with the reason', async () => {
    const io = fakeIo({
      [`GET ${S}/v1/rollouts/ab12`]: [
        {
          body: view('running', [
            ['zk1', 'done'],
            ['zk3', 'requested'],
          ]),
        },
        {
          body: view('completed', [
            ['zk1', 'done'],
            ['zk3', 'done'],
          ]),
        },
      ],
    });
    expect(await runCli(['rollout', 'status', 'ab12', '-w'], io)).toBe(0);
    expect(io.out()).toContain('2/2');
    const paused = fakeIo({
      [`GET ${S}/v1/rollouts/ab12`]: {
        body: view('paused', [
          ['zk1', 'done'],
          ['zk3', 'requested'],
        ]),
      },
    });
    expect(await runCli(['rollout', 'status', 'ab12', '-w'], paused)).toBe(1);
    expect(paused.err()).toContain('is paused: gate timeout');
  });

  it('pause/resume/abort post to the rollout', async () => {
    const io = fakeIo({
      [`POST ${S}/v1/rollouts/ab12/abort`]: {
        body: view('aborted', [
          ['zk1', 'done'],
          ['zk3', 'skipped'],
        ]),
      },
    });
    expect(await runCli(['rollout', 'abort', 'ab12'], io)).toBe(0);
    expect(io.out()).toBe('rollout/ab12 aborted\n');
  });

  it('history, diff and rollback', async () => {
    const io = fakeIo({
      [`GET ${S}/v1/clusters/zk-main/revisions`]: {
        body: {
          revisions: [{ revision: 1, author: 'api', message: '', createdAt: '2025-01-01T00:00:00.000Z' }],
        },
      },
      [`GET ${S}/v1/clusters/zk-main/diff?from=1&to=2`]: {
        body: {
          from: 1,
          to: 2,
          spec: ['-  "tickTime": 2000', '+  "tickTime": 500'],
          instances: [
            {
              instance: 'zk-main/zk-1',
              files: [{ path: '/d/zoo.cfg', diff: ['-tickTime=2000', '+tickTime=500'] }],
            },
          ],
        },
      },
      [`POST ${S}/v1/clusters/zk-main/rollback`]: {
        body: {
          name: 'zk-main',
          revision: 3,
          changed: true,
          rollout: 'cd34',
          restartOrder: ['zk1 (zk-main/zk-1)'],
        },
      },
    });
    expect(await runCli(['history', 'zk-main'], io)).toBe(0);
    expect(io.out()).toMatch(/REVISION\s+CREATED\s+AUTHOR\s+MESSAGE\n1\s+2025-01-01T00:00:00.000Z\s+api\s+-/);
    expect(await runCli(['diff', 'zk-main', '--from', '1', '--to', '2'], io)).toBe(0);
    expect(io.out()).toContain('zk-main/zk-1: /d/zoo.cfg\n-tickTime=2000\n+tickTime=500');
    expect(
      await runCli(
        ['rollback', 'zk-main', '--to', '1', '--message', 'tickTime 500 starved the followers'],
        io,
      ),
    ).toBe(0);
    expect(io.requests.at(-1)!.body).toEqual({ to: 1, message: 'tickTime 500 starved the followers' });
    expect(io.out()).toContain('rolled back to revision 1 as revision 3');
    expect(await runCli(['rollback', 'zk-main', '--to', 'x'], io)).toBe(2);
  });
});
