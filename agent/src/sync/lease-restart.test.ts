import { describe, expect, it } from 'vitest';
import { nullLogger } from '@hactl/shared';
import {
  LeaseRestarter,
  planLeaseAnswer,
  planRestartStep,
  READY_TIMEOUT_MS,
  type LeaseAnswer,
  type RestartHooks,
  type RestartView,
} from './lease-restart.js';

/** A supervisor that only reports; the fake host changes its state. */
class FakeSupervisor {
  state: 'running' | 'crashed' | 'stopped' = 'running';
  pid: number | undefined = 100;
  reason: string | undefined;
  status() {
    return { state: this.state, pid: this.pid, reason: this.reason };
  }
}

/** One test's world: a fake connection (lease answers), a fake instance manager, a clock and a sleep. */
function world(opts: {
  answers?: (LeaseAnswer | Error)[];
  restart?: () => Promise<void>;
  ready?: () => boolean;
  hooks?: RestartHooks;
  instance?: Partial<RestartView>;
}) {
  const events: string[] = [];
  const sleeps: { ms: number; waiting: string | undefined }[] = [];
  const sup = new FakeSupervisor();
  const m: RestartView = {
    spec: { kind: 'zookeeper', runState: 'running', inputs: {} },
    supervisor: sup,
    restartPending: true,
    ...opts.instance,
  };
  const instances = new Map([['zk/zk-1', m]]);
  const answers = [...(opts.answers ?? [])];
  let clock = 1_000_000;
  /** The fake clock's time at each lease request (first grant and renewals alike). */
  const askedAt: number[] = [];
  /** Repeating timers (`every`), fired by the fake sleep as the fake clock passes them. */
  const timers = new Set<{ ms: number; next: number; fn: () => void }>();
  let reports = 0;
  let exhausted = false;
  const waiting = new Map<string, string>();
  const restarter = new LeaseRestarter({
    host: 'h1',
    leases: {
      acquireLease: (host, instanceId, reason) => {
        events.push(`acquire ${host} ${instanceId} (${reason})`);
        askedAt.push(clock);
        const a = answers.shift();
        if (!a) {
          // A restart that asks more often than the scenario answers ends as if the agent stopped.
          exhausted = true;
          return Promise.reject(new Error('the test ran out of lease answers'));
        }
        return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
      },
      releaseLease: (leaseId) => {
        events.push(`release ${leaseId}`);
        return Promise.resolve();
      },
    },
    instances: {
      instances,
      checkRestartable: () => Promise.resolve(),
      restart: async (id) => {
        events.push(`restart ${id}`);
        await (opts.restart ?? (() => Promise.resolve()))();
        sup.state = 'running';
        sup.pid = (sup.pid ?? 0) + 1;
      },
    },
    kindOf: () => opts.hooks ?? {},
    probe: (id) => {
      events.push(`probe ${id}`);
      return Promise.resolve({ ok: opts.ready ? opts.ready() : true });
    },
    now: () => clock,
    sleep: (ms) => {
      sleeps.push({ ms, waiting: waiting.get('zk/zk-1') });
      clock += ms;
      for (const t of [...timers])
        while (timers.has(t) && clock >= t.next) {
          t.next += t.ms;
          t.fn();
        }
      return Promise.resolve();
    },
    every: (ms, fn) => {
      const t = { ms, next: clock + ms, fn };
      timers.add(t);
      return () => void timers.delete(t);
    },
    stopping: () => exhausted,
    waiting,
    reportSoon: () => void reports++,
    logger: nullLogger,
  });
  return {
    restarter,
    events,
    sleeps,
    sup,
    waiting,
    askedAt,
    reports: () => reports,
    timers: () => timers.size,
    now: () => clock,
  };
}

const granted: LeaseAnswer = { granted: true, leaseId: 'L1', reason: '', retryAfterMs: 0 };
const refused = (reason: string, retryAfterMs = 1500): LeaseAnswer => ({
  granted: false,
  leaseId: '',
  reason,
  retryAfterMs,
});

describe('restart under lease (fake supervisor, fake connection)', () => {
  it('refused twice, then granted → the restart happens only after the grant, then the lease is released', async () => {
    const w = world({ answers: [refused('zk-2 not synced'), refused('zk-2 not synced'), granted] });
    const out = await w.restarter.restart('zk/zk-1', 'command c1');
    expect(w.events).toEqual([
      'acquire h1 zk/zk-1 (command c1)',
      'acquire h1 zk/zk-1 (command c1)',
      'acquire h1 zk/zk-1 (command c1)',
      'restart zk/zk-1',
      'probe zk/zk-1',
      'release L1',
    ]);
    expect(out).toMatch(/^restarted \(pid 100 → 101\), ready in \d+ ms$/);
  });

  it('a refused lease → waits retryAfterMs, explaining in the status what it waits for', async () => {
    const w = world({ answers: [refused('gate: follower zk-2 behind by 12 txns', 2500), granted] });
    await w.restarter.restart('zk/zk-1', 'command c1');
    expect(w.sleeps[0]).toEqual({
      ms: 2500,
      waiting: 'restart waiting for lease: gate: follower zk-2 behind by 12 txns',
    });
    expect(w.reports()).toBeGreaterThanOrEqual(1);
  });

  it('a refusal without a retry hint → waits at least 200 ms, never spins', async () => {
    const w = world({ answers: [refused('busy', 0), granted] });
    await w.restarter.restart('zk/zk-1', 'command c1');
    expect(w.sleeps[0]?.ms).toBe(200);
  });

  it('the control plane unreachable → waits 1 s and says why, without restarting', async () => {
    const w = world({ answers: [new Error('14 UNAVAILABLE: connection refused'), granted] });
    await w.restarter.restart('zk/zk-1', 'command c1');
    expect(w.sleeps[0]).toEqual({
      ms: 1000,
      waiting: 'waiting for the control plane to grant a restart lease: 14 UNAVAILABLE: connection refused',
    });
    expect(w.events.filter((e) => e.startsWith('restart'))).toHaveLength(1);
  });

  it('the restart throws → the lease is still released and the error is the result', async () => {
    const w = world({ answers: [granted], restart: () => Promise.reject(new Error('pre-start failed')) });
    await expect(w.restarter.restart('zk/zk-1', 'command c1')).rejects.toThrow('pre-start failed');
    expect(w.events.at(-1)).toBe('release L1');
  });

  it('readiness times out → the lease is still released', async () => {
    const w = world({ answers: [granted], ready: () => false });
    await expect(w.restarter.restart('zk/zk-1', 'command c1')).rejects.toThrow(
      `zk/zk-1 not ready ${READY_TIMEOUT_MS} ms after its restart`,
    );
    expect(w.events.at(-1)).toBe('release L1');
    expect(w.events.filter((e) => e.startsWith('release'))).toHaveLength(1);
    expect(w.timers()).toBe(0);
    // Polled on the injected clock, every 250 ms, for the whole timeout.
    expect(w.sleeps.every((s) => s.ms === 250)).toBe(true);
    expect(w.sleeps.length).toBeGreaterThanOrEqual(READY_TIMEOUT_MS / 250);
  });

  it('zookeeper: a member slow to serve again (longer than the lease TTL) → the lease is renewed under the same reason all along, then released', async () => {
    // The incident: restarted onto a new member list, the member served only after the lease's
    // TTL; unrenewed, the lease expired mid-restart and the control plane counted the step done.
    const ttlMs = 60_000;
    const lease = { ...granted, ttlMs };
    let start = 0;
    const w = world({
      answers: Array<LeaseAnswer>(30).fill(lease),
      restart: () => Promise.resolve(void (start = w.now())),
      ready: () => start > 0 && w.now() - start >= 3.5 * ttlMs,
    });
    const out = await w.restarter.restart('zk/zk-1', 'command c1');
    expect(out).toMatch(/^restarted \(pid 100 → 101\)/);
    expect(w.events.filter((e) => e.startsWith('acquire')).every((e) => e.endsWith('(command c1)'))).toBe(
      true,
    );
    // Renewed every third of the TTL while down: never a TTL without a renewal.
    const asked = w.askedAt;
    expect(asked.length).toBeGreaterThanOrEqual(1 + 10);
    const gaps = asked.slice(1).map((t, i) => t - asked[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(ttlMs / 3 + 250);
    expect(w.now() - asked.at(-1)!).toBeLessThan(ttlMs);
    // Released last, once; no renewal after it.
    expect(w.events.at(-1)).toBe('release L1');
    expect(w.events.filter((e) => e.startsWith('release'))).toHaveLength(1);
    expect(w.timers()).toBe(0);
  });

  it('the lease lapsed and a renewal is granted again under a new id → the new lease is the one released', async () => {
    const w = world({
      answers: [
        { ...granted, ttlMs: 3000 },
        { ...granted, leaseId: 'L2', ttlMs: 3000 },
        ...Array<LeaseAnswer>(10).fill({ ...granted, leaseId: 'L2', ttlMs: 3000 }),
      ],
      ready: () => w.now() >= 1_000_000 + 5000,
    });
    await w.restarter.restart('zk/zk-1', 'command c1');
    expect(w.events.at(-1)).toBe('release L2');
    expect(w.events).not.toContain('release L1');
  });

  it('renewals refused or failing (control plane away) → the restart goes on to readiness and the lease is still released', async () => {
    const w = world({
      answers: [
        { ...granted, ttlMs: 3000 },
        new Error('14 UNAVAILABLE: connection refused'),
        refused('cluster-healthy: waiting: 1/2 followers synced'),
        ...Array<LeaseAnswer>(10).fill({ ...granted, ttlMs: 3000 }),
      ],
      ready: () => w.now() >= 1_000_000 + 5000,
    });
    expect(await w.restarter.restart('zk/zk-1', 'command c1')).toMatch(/^restarted/);
    expect(w.events.filter((e) => e.startsWith('acquire')).length).toBeGreaterThanOrEqual(4);
    expect(w.events.at(-1)).toBe('release L1');
  });

  it('the kind after-restart step fails → the lease is still released', async () => {
    const w = world({
      answers: [granted],
      hooks: { afterRestart: () => Promise.reject(new Error('cluster not green')) },
    });
    await expect(w.restarter.restart('zk/zk-1', 'command c1')).rejects.toThrow('cluster not green');
    expect(w.events.at(-1)).toBe('release L1');
  });

  it('the kind stop gate refuses (e.g. Kafka: a partition would go offline) → nothing is stopped, the lease is released', async () => {
    const w = world({
      answers: [granted],
      hooks: { beforeRestart: () => Promise.reject(new Error('broker 3 must not stop: solo-0 ...')) },
    });
    await expect(w.restarter.restart('zk/zk-1', 'command c1')).rejects.toThrow('broker 3 must not stop');
    expect(w.events).toEqual(['acquire h1 zk/zk-1 (command c1)', 'release L1']);
  });

  it('"abandon:" from the control plane → the wait ends, nothing restarts, the command fails with the reason', async () => {
    const w = world({ answers: [refused('gate: zk-2 down'), refused('abandon: rollout r7 cancelled')] });
    const result = await w.restarter.runCommand(
      { id: 'c1', action: 'restart', instanceId: 'zk/zk-1', args: [] },
      () => Promise.resolve(),
    );
    expect(result).toEqual({ id: 'c1', ok: false, output: '', error: 'abandon: rollout r7 cancelled' });
    expect(w.events.some((e) => e.startsWith('restart') || e.startsWith('release'))).toBe(false);
  });

  it('a member already down → started on the current config without asking for a lease', async () => {
    const w = world({});
    w.sup.state = 'crashed';
    w.sup.reason = 'exit code 1';
    expect(await w.restarter.restart('zk/zk-1', 'command c1')).toBe(
      'started on the current config (was crashed: exit code 1)',
    );
    expect(w.events.some((e) => e.startsWith('acquire'))).toBe(false);
  });

  it('if-pending on a member that runs the current config → no lease, no restart', async () => {
    const w = world({ instance: { restartPending: false } });
    const result = await w.restarter.runCommand(
      { id: 'c2', action: 'restart', instanceId: 'zk/zk-1', args: ['if-pending'] },
      () => Promise.resolve(),
    );
    expect(result).toMatchObject({ ok: true, output: 'not restarted: already runs the current config' });
    expect(w.events).toEqual([]);
  });

  it('the command waits for the desired state sent before it to be applied', async () => {
    const w = world({ answers: [granted] });
    const order: string[] = [];
    await w.restarter.runCommand({ id: 'c3', action: 'restart', instanceId: 'zk/zk-1', args: [] }, () => {
      order.push(`applied before ${w.events.length} events`);
      return Promise.resolve();
    });
    expect(order).toEqual(['applied before 0 events']);
  });
});

describe('restart decisions (pure)', () => {
  const view = (state: 'running' | 'crashed', over: Partial<RestartView> = {}): RestartView => ({
    spec: { kind: 'kafka', runState: 'running', inputs: {} },
    supervisor: { status: () => ({ state, pid: state === 'running' ? 7 : undefined, reason: undefined }) },
    restartPending: false,
    ...over,
  });
  it.each<[string, RestartView | undefined, boolean, ReturnType<typeof planRestartStep>]>([
    ['not on this host → fails', undefined, false, { do: 'fail', error: 'this host does not run k/b1' }],
    ['running → asks for a lease', view('running'), false, { do: 'ask-lease', pid: 7 }],
    [
      'running, nothing pending, if-pending → done',
      view('running'),
      true,
      { do: 'done', output: 'not restarted: already runs the current config' },
    ],
    [
      'running, waiting for a package (target), if-pending → asks for a lease',
      view('running', { target: {} }),
      true,
      { do: 'ask-lease', pid: 7 },
    ],
    ['crashed → starts without a lease', view('crashed'), false, { do: 'start-down', was: 'crashed' }],
    [
      'crashed but desired stopped → not started',
      view('crashed', { spec: { kind: 'kafka', runState: 'stopped', inputs: {} } }),
      false,
      { do: 'done', output: 'not started: the desired state of k/b1 is stopped' },
    ],
  ])('%s', (_scenario, m, onlyIfPending, step) => {
    expect(planRestartStep('k/b1', m, onlyIfPending)).toEqual(step);
  });

  it.each<[string, LeaseAnswer, number, ReturnType<typeof planLeaseAnswer>]>([
    ['granted → restart', granted, 0, { do: 'restart', leaseId: 'L1' }],
    ['abandon → abandon', refused('abandon: superseded'), 0, { do: 'abandon', error: 'abandon: superseded' }],
    [
      'refused before the deadline → wait the hint',
      refused('held', 900),
      0,
      { do: 'wait', waiting: 'restart waiting for lease: held', delayMs: 900 },
    ],
    [
      'refused after the deadline → give up',
      refused('held', 900),
      11,
      {
        do: 'give-up',
        waiting: 'restart waiting for lease: held',
        error: 'gave up waiting for a lease: held',
      },
    ],
  ])('lease answer: %s', (_scenario, answer, now, step) => {
    expect(planLeaseAnswer(answer, now, 10)).toEqual(step);
  });
});
