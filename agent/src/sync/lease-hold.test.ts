import { describe, expect, it } from 'vitest';
import { nullLogger } from '@hactl/shared';
import {
  holdLease,
  planLeaseRenewal,
  renewEveryMs,
  RENEW_EVERY_DEFAULT_MS,
  type HeldLease,
  type RenewStep,
} from './lease-hold.js';
import type { LeaseAnswer } from './lease-restart.js';

const answer = (o: Partial<LeaseAnswer>): LeaseAnswer => ({
  granted: true,
  leaseId: 'L1',
  reason: 'lease renewed',
  retryAfterMs: 0,
  ...o,
});

describe('lease renewal decisions (pure)', () => {
  it.each<[string, number | undefined, number]>([
    ['the control plane says 180 s (its default) → every 60 s', 180_000, 60_000],
    ['a test control plane says 1 s → every 333 ms', 1000, 333],
    ['a TTL of 150 ms → never more often than every 100 ms', 150, 100],
    ['an older control plane says nothing (0) → every 30 s', 0, RENEW_EVERY_DEFAULT_MS],
    ['no TTL at all → every 30 s', undefined, RENEW_EVERY_DEFAULT_MS],
  ])('%s', (_scenario, ttlMs, every) => {
    expect(renewEveryMs(ttlMs)).toBe(every);
  });

  it.each<[string, LeaseAnswer, RenewStep]>([
    ['renewed → keep the same lease', answer({}), { do: 'keep', leaseId: 'L1' }],
    [
      'it had lapsed and the gates granted it again → keep the new one, with a warning',
      answer({ leaseId: 'L2', reason: 'all gates hold' }),
      { do: 'keep', leaseId: 'L2', warning: 'lease L1 had lapsed; granted again as L2' },
    ],
    [
      'it had lapsed and the gates refuse (its own member is down) → lost',
      answer({ granted: false, leaseId: '', reason: 'cluster-healthy: waiting: 1/2 followers synced' }),
      {
        do: 'lost',
        warning: 'lease L1 lapsed and was not granted again: cluster-healthy: waiting: 1/2 followers synced',
      },
    ],
    [
      'lapsed while the rollout was paused → abandoned (the work goes on: the member is down already; no more renewals)',
      answer({ granted: false, leaseId: '', reason: 'abandon: no running rollout asks to restart zk/zk-1' }),
      {
        do: 'abandoned',
        warning:
          'lease L1 lapsed and was not granted again: abandon: no running rollout asks to restart zk/zk-1',
      },
    ],
  ])('renewal answer: %s', (_scenario, a, step) => {
    expect(planLeaseRenewal(a, 'L1')).toEqual(step);
  });
});

describe('holding a lease (fake lease client, manual timer)', () => {
  const held: HeldLease = { instanceId: 'zk/zk-1', reason: 'command c1', leaseId: 'L1', ttlMs: 3000 };

  /** A lease client whose answers the test settles by hand, and one repeating timer it fires. */
  function world() {
    const events: string[] = [];
    const pending: ((a: LeaseAnswer) => void)[] = [];
    let tick: (() => void) | undefined;
    let everyMs = 0;
    const deps = {
      host: 'h1',
      leases: {
        acquireLease: (_host: string, id: string, reason: string) => {
          events.push(`acquire ${id} (${reason})`);
          return new Promise<LeaseAnswer>((r) => pending.push(r));
        },
        releaseLease: (id: string) => {
          events.push(`release ${id}`);
          return Promise.resolve();
        },
      },
      every: (ms: number, fn: () => void) => {
        everyMs = ms;
        tick = fn;
        return () => {
          events.push('renewals stopped');
          tick = undefined;
        };
      },
      logger: nullLogger,
    };
    return { deps, events, pending, fire: () => tick?.(), everyMs: () => everyMs };
  }

  it('renews on each tick with the grant reason, one renewal at a time, and releases when the work ends', async () => {
    const w = world();
    let finish!: (v: string) => void;
    const done = holdLease(w.deps, held, () => new Promise<string>((r) => (finish = r)));
    expect(w.everyMs()).toBe(1000);
    w.fire();
    w.fire(); // the first renewal has not answered: no second one
    expect(w.events).toEqual(['acquire zk/zk-1 (command c1)']);
    w.pending.shift()!(answer({}));
    await new Promise((r) => setImmediate(r));
    w.fire();
    w.pending.shift()!(answer({}));
    finish('ready');
    expect(await done).toBe('ready');
    expect(w.events).toEqual([
      'acquire zk/zk-1 (command c1)',
      'acquire zk/zk-1 (command c1)',
      'renewals stopped',
      'release L1',
    ]);
  });

  it('a lapsed lease answered "abandon" → renewals stop (the work goes on), and the release at the end still names it', async () => {
    const w = world();
    let finish!: () => void;
    const done = holdLease(w.deps, held, () => new Promise<void>((r) => (finish = r)));
    w.fire();
    w.pending.shift()!(
      answer({ granted: false, leaseId: '', reason: 'abandon: no running rollout asks to restart zk/zk-1' }),
    );
    await new Promise((r) => setImmediate(r));
    expect(w.events).toEqual(['acquire zk/zk-1 (command c1)', 'renewals stopped']);
    w.fire(); // no timer any more: nothing asked
    finish();
    await done;
    expect(w.events.filter((e) => e.startsWith('acquire'))).toHaveLength(1);
    expect(w.events.at(-1)).toBe('release L1');
  });

  it('a renewal in flight when the work ends → its answer is awaited, and the lease it names is released', async () => {
    const w = world();
    let finish!: () => void;
    const done = holdLease(w.deps, held, () => new Promise<void>((r) => (finish = r)));
    w.fire();
    finish();
    // The work is over but the renewal has not answered: nothing is released yet.
    await new Promise((r) => setImmediate(r));
    expect(w.events).toEqual(['acquire zk/zk-1 (command c1)', 'renewals stopped']);
    w.pending.shift()!(answer({ leaseId: 'L2', reason: 'all gates hold' }));
    await done;
    expect(w.events.at(-1)).toBe('release L2');
    w.fire(); // a tick after the end renews nothing
    expect(w.events.filter((e) => e.startsWith('acquire'))).toHaveLength(1);
  });

  it('the work fails → renewals stop, the lease is released, the failure is what it rejects with', async () => {
    const w = world();
    await expect(
      holdLease(w.deps, held, () =>
        Promise.reject(new Error('zk/zk-1 not ready 300000 ms after its restart')),
      ),
    ).rejects.toThrow('not ready');
    expect(w.events).toEqual(['renewals stopped', 'release L1']);
  });
});
