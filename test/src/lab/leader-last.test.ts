import { describe, expect, it } from 'vitest';
import type { AgentEvent } from './fleet.js';
import { checkLeaderLastAtStops } from './leader-last.js';

const stop = (host: string, at: number): AgentEvent => ({ host, at, msg: 'process_stopping' });
const started = (host: string, at: number): AgentEvent => ({ host, at, msg: 'process_started' });

/** Leadership as samples would record it: `a` until t=250, then `c`. */
const leaderAt = (at: number) => (at < 100 ? undefined : at < 250 ? 'a' : 'c');

describe('checkLeaderLastAtStops', () => {
  it('leader-last held: the leader at each stop is another member, the last one led', () => {
    const events = [stop('b', 120), started('b', 150), stop('a', 300), stop('c', 400)];
    // a was leader until 250, then c: a stopped at 300 did not lead then; c, last, did.
    expect(checkLeaderLastAtStops(events, ['b', 'a', 'c'], leaderAt, 'leader')).toEqual({
      said: 'b (leader then: a), a (leader then: c), c (leader then: c)',
      problems: [],
    });
  });

  it('an election mid-rollout: the old leader stopped after it lost the lead is not a fault', () => {
    const events = [stop('b', 200), stop('a', 260), stop('c', 300)];
    expect(checkLeaderLastAtStops(events, ['b', 'a', 'c'], leaderAt, 'leader').problems).toEqual([]);
  });

  it('a member stopped while it led, before the last step, is named', () => {
    const events = [stop('a', 200), stop('b', 300), stop('c', 400)];
    expect(checkLeaderLastAtStops(events, ['a', 'b', 'c'], leaderAt, 'controller').problems).toEqual([
      'a was stopped while it was the controller, before the last step',
    ]);
  });

  it('a stop without a record of who led before it fails (no sample is no evidence)', () => {
    const events = [stop('b', 50), stop('a', 300), stop('c', 400)];
    expect(checkLeaderLastAtStops(events, ['b', 'a', 'c'], leaderAt, 'master')).toEqual({
      said: 'b (master then: ?), a (master then: c), c (master then: c)',
      problems: ['no record of the master before b was stopped'],
    });
  });

  it('stops in another order than the steps, or an extra stop, are named', () => {
    const events = [stop('a', 300), stop('b', 310), stop('c', 400), stop('c', 500)];
    expect(checkLeaderLastAtStops(events, ['b', 'a', 'c'], leaderAt, 'leader').problems).toEqual([
      "stops in the order a, b, c, c, the rollout's steps b, a, c",
      // The first of c's two stops came while it led, with another stop after it.
      'c was stopped while it was the leader, before the last step',
    ]);
  });
});
