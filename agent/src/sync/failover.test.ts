import { describe, expect, it } from 'vitest';
import {
  STEADY_MS,
  drawOfName,
  planAfterLoss,
  planFirstAddress,
  planNextAttempt,
  type FailoverState,
} from './failover.js';

const backoff = { baseMs: 500, maxMs: 30_000 };

/** Runs `events` from `start` on `count` addresses with a fixed draw; returns each step's index and delay. */
function run(start: FailoverState, events: ('failed' | 'welcomed')[], count: number, random = 0.5) {
  let state = start;
  return events.map((e) => {
    const step = planNextAttempt(state, e, count, random, backoff);
    state = step.state;
    return { index: state.index, delayMs: step.delayMs };
  });
}

describe('control plane address rotation (issue 15)', () => {
  it.each<[string, number, number, number]>([
    ['draw 0 → the first address', 3, 0, 0],
    ['draw 0.5 → the middle one of three', 3, 0.5, 1],
    ['draw just below 1 → the last address', 3, 0.999999, 2],
    ['one address → always it', 1, 0.7, 0],
  ])('start: %s', (_s, count, random, index) => {
    expect(planFirstAddress(count, random)).toEqual({ index, failedInRound: 0, failedRounds: 0 });
  });

  it('a host name always draws the same start, and 3,000 names spread evenly over three replicas', () => {
    expect(drawOfName('kafka-1')).toBe(drawOfName('kafka-1'));
    expect(drawOfName('kafka-1')).not.toBe(drawOfName('kafka-2'));
    const perReplica = [0, 0, 0];
    for (let i = 0; i < 3000; i++) {
      const d = drawOfName(`host-${i}`);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(1);
      perReplica[planFirstAddress(3, d).index]! += 1;
    }
    expect(perReplica).toEqual([985, 1012, 1003]);
  });

  it('three replicas, the second one is down: failures within a round move on at once, no wait', () => {
    expect(run(planFirstAddress(3, 0.5), ['failed', 'failed'], 3)).toEqual([
      { index: 2, delayMs: 0 },
      { index: 0, delayMs: 0 },
    ]);
  });

  it('every replica down: backoff only after each full round, full jitter under a cap doubling per round up to maxMs', () => {
    const steps = run(planFirstAddress(2, 0), Array<'failed'>(14).fill('failed'), 2, 0.5);
    expect(steps.map((s) => s.delayMs)).toEqual([
      0, 250, 0, 500, 0, 1000, 0, 2000, 0, 4000, 0, 8000, 0, 15_000,
    ]);
    expect(steps.map((s) => s.index)).toEqual([1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
  });

  it('full jitter: the draw spans [0, cap) of the round', () => {
    const all = (random: number) =>
      planNextAttempt({ index: 0, failedInRound: 0, failedRounds: 6 }, 'failed', 1, random, backoff).delayMs;
    expect([all(0), all(0.999)]).toEqual([0, 29_970]);
  });

  it('one address: every failure is a full round, so every reconnect backs off', () => {
    expect(run(planFirstAddress(1, 0), ['failed', 'failed', 'failed'], 1, 1 - 1e-9)).toEqual([
      { index: 0, delayMs: 499 },
      { index: 0, delayMs: 999 },
      { index: 0, delayMs: 1999 },
    ]);
  });

  it('a welcome resets: the replica it was on dies → the next one at once, and the backoff starts over', () => {
    const steps = run(
      planFirstAddress(3, 0),
      ['failed', 'failed', 'failed', 'failed', 'welcomed', 'failed', 'failed', 'failed'],
      3,
    );
    expect(steps).toEqual([
      { index: 1, delayMs: 0 },
      { index: 2, delayMs: 0 },
      { index: 0, delayMs: 250 },
      { index: 1, delayMs: 0 },
      { index: 1, delayMs: 0 },
      { index: 2, delayMs: 0 },
      { index: 0, delayMs: 0 },
      { index: 1, delayMs: 250 },
    ]);
  });
});

describe('a lost stream that had been welcomed (planAfterLoss)', () => {
  const flapping = { index: 1, failedInRound: 1, failedRounds: 2 };
  it.each<[string, number | undefined, { index: number; delayMs: number; failedRounds: number }]>([
    [
      'never welcomed → a failure: the round completes, backoff',
      undefined,
      { index: 0, delayMs: 1000, failedRounds: 3 },
    ],
    [
      'welcomed and dropped within STEADY_MS (a replica that cannot keep it) → a failure like any other',
      STEADY_MS - 1,
      { index: 0, delayMs: 1000, failedRounds: 3 },
    ],
    [
      'welcomed and kept STEADY_MS → a fresh round: the next address at once',
      STEADY_MS,
      { index: 0, delayMs: 0, failedRounds: 0 },
    ],
  ])('%s', (_s, welcomedForMs, want) => {
    const { state, delayMs } = planAfterLoss(flapping, welcomedForMs, 2, 0.5, backoff);
    expect({ index: state.index, delayMs, failedRounds: state.failedRounds }).toEqual(want);
  });
});
