import { describe, expect, it } from 'vitest';
import { nullLogger } from '@hactl/shared';
import type { LeaseAnswer } from './lease-restart.js';
import { LeaseRemover, planRemoveStep, type RemoveHooks } from './lease-remove.js';

const granted: LeaseAnswer = { granted: true, leaseId: 'L1', reason: 'all gates hold', retryAfterMs: 0 };
const refused: LeaseAnswer = {
  granted: false,
  leaseId: '',
  reason: 'one-at-a-time: waiting: k/kafka-1 holds the lease',
  retryAfterMs: 500,
};

/** One removal's world: lease answers in order, a supervisor that records its stop, the kind's hooks. */
function world(o: {
  answers: LeaseAnswer[];
  hook?: RemoveHooks['beforeRemoval'];
  after?: RemoveHooks['afterRemoval'];
  stop?: RemoveHooks['beforeStop'];
  state?: string;
}) {
  const events: string[] = [];
  /** Every lease request's reason, in order (the first request and renewals alike). */
  const reasons: string[] = [];
  /** The renewal timers `every` armed and not cancelled, fired by a test as time passes. */
  const timers = new Set<() => void>();
  const sup = {
    state: o.state ?? 'running',
    pid: 100 as number | undefined,
    status() {
      return { state: this.state as 'running', pid: this.pid };
    },
    stop() {
      events.push('stop');
      this.state = 'stopped';
      return Promise.resolve();
    },
  };
  const answers = [...o.answers];
  const remover = new LeaseRemover({
    host: 'h2',
    leases: {
      acquireLease: (_h, id, reason) => {
        events.push(`acquire ${id}`);
        reasons.push(reason);
        return Promise.resolve(answers.shift() ?? granted);
      },
      releaseLease: (id) => {
        events.push(`release ${id}`);
        return Promise.resolve();
      },
    },
    instances: {
      instances: new Map([['k/kafka-2', { spec: { kind: 'kafka', inputs: {} }, supervisor: sup }]]),
    },
    kindOf: () => ({
      ...(o.hook ? { beforeRemoval: o.hook } : {}),
      ...(o.stop ? { beforeStop: o.stop } : {}),
      ...(o.after
        ? {
            afterRemoval: (i: unknown, opts: Parameters<NonNullable<RemoveHooks['afterRemoval']>>[1]) => {
              events.push('after');
              return o.after!(i, opts);
            },
          }
        : {}),
    }),
    now: () => 0,
    sleep: (ms) => {
      events.push(`sleep ${ms}`);
      return Promise.resolve();
    },
    every: (_ms, fn) => {
      timers.add(fn);
      return () => void timers.delete(fn);
    },
    stopping: () => false,
    waiting: new Map(),
    reportSoon: () => undefined,
    logger: nullLogger,
  });
  return { remover, events, sup, reasons, timers };
}

describe('agent: stopping a removed member under a lease', () => {
  it.each<[string | undefined, string]>([
    [undefined, 'gone'],
    ['running', 'ask-lease'],
    ['starting', 'ask-lease'],
    ['crashed', 'stop-down'],
    ['stopped', 'stop-down'],
  ])('member %s → %s', (state, expected) => expect(planRemoveStep(state).do).toBe(expected));

  it('waits for the lease, runs the pre-stop procedure, stops, cleans up, releases', async () => {
    let peers: unknown;
    const w = world({
      answers: [refused, granted],
      hook: () => Promise.resolve({ actions: ['drained'] }),
      after: (_i, opts) => {
        peers = opts.peers;
        return Promise.resolve({ actions: ['exclusion cleared'] });
      },
    });
    const out = await w.remover.runCommand(
      { id: 'c1', action: 'remove', instanceId: 'k/kafka-2', args: ['peer=127.0.0.21:9200'] },
      () => Promise.resolve(),
    );
    expect(out).toEqual({
      id: 'c1',
      ok: true,
      output: 'stopped under lease (pid 100); drained; exclusion cleared',
      error: '',
    });
    expect(w.events).toEqual([
      'acquire k/kafka-2',
      'sleep 500',
      'acquire k/kafka-2',
      'stop',
      'after',
      'release L1',
    ]);
    expect(peers).toEqual([{ address: '127.0.0.21', port: 9200 }]);
  });

  it('a drain longer than the lease TTL: the lease is renewed under the removal\u2019s own reason, then released', async () => {
    const w: ReturnType<typeof world> = world({
      answers: [granted, granted, granted],
      // The drain outlasts two renewal periods: each renewal timer fires meanwhile.
      hook: async () => {
        for (let k = 0; k < 2; k++) {
          for (const fire of w.timers) fire();
          // Each renewal's answer settles before the next period (one renewal at a time).
          await new Promise((r) => setImmediate(r));
        }
        return { actions: ['drained'] };
      },
    });
    const out = await w.remover.runCommand(
      { id: 'c1', action: 'remove', instanceId: 'k/kafka-2', args: [] },
      () => Promise.resolve(),
    );
    expect(out.ok).toBe(true);
    // The grant and its renewals all name the removal: a renewal under another reason would be a
    // new request, refused by the gates while the member drains, and the lease would lapse.
    expect(w.reasons).toEqual(['command c1: removal', 'command c1: removal', 'command c1: removal']);
    expect(w.events.at(-1)).toBe('release L1');
    expect(w.timers.size).toBe(0);
  });

  it("an operator stop (stop-only) waits for the lease and stops, without the kind's removal procedures", async () => {
    const w = world({
      answers: [refused, granted],
      hook: () => Promise.reject(new Error('must not run: the broker stays in the cluster')),
      after: () => Promise.reject(new Error('must not run')),
    });
    const out = await w.remover.runCommand(
      { id: 'c9', action: 'remove', instanceId: 'k/kafka-2', args: ['stop-only', 'peer=127.0.0.21:9092'] },
      () => Promise.resolve(),
    );
    expect(out).toEqual({ id: 'c9', ok: true, output: 'stopped under lease (pid 100)', error: '' });
    expect(w.events).toEqual(['acquire k/kafka-2', 'sleep 500', 'acquire k/kafka-2', 'stop', 'release L1']);
  });

  it("an operator stop runs the kind's beforeStop check under the lease; its refusal leaves the member running", async () => {
    const w = world({ answers: [granted] });
    let check = (): Promise<string> =>
      Promise.reject(new Error('broker 2 must not stop: t-0 min.insync.replicas 2'));
    const kindOf = () => ({ beforeStop: () => check() });
    (w.remover as unknown as { deps: { kindOf: unknown } }).deps.kindOf = kindOf;
    const cmd = { id: 'c10', action: 'remove', instanceId: 'k/kafka-2', args: ['stop-only'] };
    const refused = await w.remover.runCommand(cmd, () => Promise.resolve());
    expect(refused).toMatchObject({ ok: false, error: expect.stringContaining('must not stop') as unknown });
    expect(w.sup.state).toBe('running');
    check = () => Promise.resolve('all 3 partition(s) in sync');
    const done = await w.remover.runCommand({ ...cmd, id: 'c11' }, () => Promise.resolve());
    expect(done).toMatchObject({
      ok: true,
      output: 'stopped under lease (pid 100); all 3 partition(s) in sync',
    });
    expect(w.events).toEqual(['acquire k/kafka-2', 'release L1', 'acquire k/kafka-2', 'stop', 'release L1']);
  });

  it('a failed clean-up fails the command after the stop; a retry finds the member stopped and cleans up without a lease', async () => {
    let fail = true;
    const w = world({
      answers: [granted],
      after: () =>
        fail ? Promise.reject(new Error('no peer answered')) : Promise.resolve({ actions: ['cleared'] }),
    });
    const cmd = { id: 'c6', action: 'remove', instanceId: 'k/kafka-2', args: [] };
    const first = await w.remover.runCommand(cmd, () => Promise.resolve());
    expect(first.ok).toBe(false);
    expect(first.error).toMatch(/stopped, but cleaning up after the removal failed: no peer answered/);
    expect(w.sup.state).toBe('stopped');
    fail = false;
    const again = await w.remover.runCommand({ ...cmd, id: 'c7' }, () => Promise.resolve());
    expect(again).toMatchObject({ ok: true, output: 'stopped (it was not running); cleared' });
    expect(w.events).toEqual(['acquire k/kafka-2', 'stop', 'after', 'release L1', 'stop', 'after']);
  });

  it('refuses arguments it does not know without asking a lease', async () => {
    const w = world({ answers: [] });
    const out = await w.remover.runCommand(
      { id: 'c8', action: 'remove', instanceId: 'k/kafka-2', args: ['peer=nowhere'] },
      () => Promise.resolve(),
    );
    expect(out.ok).toBe(false);
    expect(out.error).toMatch(/not HOST:PORT/);
    expect(w.events).toEqual([]);
  });

  it('a refusal of the pre-stop procedure leaves the member running, releases the lease and fails with the reason', async () => {
    const w = world({
      answers: [granted],
      hook: () => Promise.reject(new Error('refused: broker 2 still holds keep')),
    });
    const out = await w.remover.runCommand(
      { id: 'c2', action: 'remove', instanceId: 'k/kafka-2', args: [] },
      () => Promise.resolve(),
    );
    expect(out.ok).toBe(false);
    expect(out.error).toContain('refused: broker 2 still holds keep');
    expect(w.sup.state).toBe('running');
    expect(w.events).toEqual(['acquire k/kafka-2', 'release L1']);
  });

  it('`force` reaches the pre-stop procedure', async () => {
    let forced: boolean | undefined;
    const w = world({
      answers: [granted],
      hook: (_i, o) => {
        forced = o.force;
        return Promise.resolve({ actions: [] });
      },
    });
    await w.remover.runCommand({ id: 'c3', action: 'remove', instanceId: 'k/kafka-2', args: ['force'] }, () =>
      Promise.resolve(),
    );
    expect(forced).toBe(true);
  });

  it('an abandon from the control plane ends the removal without stopping anything', async () => {
    const w = world({
      answers: [{ ...refused, reason: 'abandon: no running rollout asks to restart k/kafka-2' }],
    });
    const out = await w.remover.runCommand(
      { id: 'c4', action: 'remove', instanceId: 'k/kafka-2', args: [] },
      () => Promise.resolve(),
    );
    expect(out.ok).toBe(false);
    expect(w.events).not.toContain('stop');
  });

  it('a member that is not running is stopped without a lease', async () => {
    const w = world({ answers: [], state: 'crashed' });
    const out = await w.remover.runCommand(
      { id: 'c5', action: 'remove', instanceId: 'k/kafka-2', args: [] },
      () => Promise.resolve(),
    );
    expect(out.output).toBe('stopped (it was not running)');
    expect(w.events).toEqual(['stop']);
  });
});
