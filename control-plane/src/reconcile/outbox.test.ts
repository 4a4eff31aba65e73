import { describe, expect, it } from 'vitest';
import { DesiredOutbox } from './outbox.js';
import type { DesiredPush } from './revisions.js';

const push = (hostId: string, generation: number): DesiredPush => ({
  hostId,
  generation,
  json: `{"g":${generation}}`,
});

/** An outbox whose later turns run only when the test says so. */
function harness(sliceHosts: number) {
  const sent: string[] = [];
  const turns: (() => void)[] = [];
  const errors: string[] = [];
  const outbox = new DesiredOutbox({
    send: (c) => {
      if (c.hostId === 'bad') throw new Error('stream gone');
      sent.push(`${c.hostId}@${c.generation}`);
    },
    onError: (err, c) => errors.push(`${c?.hostId ?? 'whenSent'}: ${String(err)}`),
    defer: (fn) => turns.push(fn),
    sliceHosts,
  });
  const nextTurn = () => turns.shift()?.();
  const runTurns = () => {
    while (turns.length) nextTurn();
  };
  /** What `whenSent` callbacks saw, in the order they ran. */
  const waited: string[] = [];
  const wait = (label: () => string) => outbox.whenSent(() => waited.push(label()));
  return { outbox, sent, turns, errors, nextTurn, runTurns, waited, wait };
}

describe('desired-state outbox', () => {
  it('a push to fewer hosts than a slice goes out at once, in order, with no later slice', () => {
    const h = harness(3);
    h.outbox.enqueue([push('a', 1), push('b', 1)]);
    expect(h.sent).toEqual(['a@1', 'b@1']);
    expect(h.outbox.size).toBe(0);
    // One later turn, which only marks the frames as gone (whenSent's waiters run then).
    h.runTurns();
    expect(h.sent).toEqual(['a@1', 'b@1']);
  });

  it('a push to many hosts sends a slice per turn until none is left', () => {
    const h = harness(2);
    h.outbox.enqueue(['a', 'b', 'c', 'd', 'e'].map((x) => push(x, 1)));
    expect(h.sent).toEqual(['a@1', 'b@1']);
    h.nextTurn();
    expect(h.sent).toEqual(['a@1', 'b@1', 'c@1', 'd@1']);
    h.nextTurn();
    expect(h.sent).toEqual(['a@1', 'b@1', 'c@1', 'd@1', 'e@1']);
    // Left: the turn that marks the last slice's frames as gone; it sends nothing.
    expect(h.turns).toHaveLength(1);
    h.runTurns();
    expect(h.sent).toHaveLength(5);
  });

  it('a newer generation for a queued host replaces the older one and keeps its place; an older one is ignored', () => {
    const h = harness(1);
    h.outbox.enqueue([push('a', 1), push('b', 1), push('c', 1)]);
    h.outbox.enqueue([push('c', 2), push('b', 0), push('d', 1)]);
    while (h.turns.length) h.nextTurn();
    expect(h.sent).toEqual(['a@1', 'b@1', 'c@2', 'd@1']);
  });

  it('a second enqueue while a drain is scheduled does not start another drain', () => {
    const h = harness(1);
    h.outbox.enqueue([push('a', 1), push('b', 1)]);
    h.outbox.enqueue([push('c', 1)]);
    expect(h.turns).toHaveLength(1);
    h.nextTurn();
    h.nextTurn();
    expect(h.sent).toEqual(['a@1', 'b@1', 'c@1']);
    // Left: the turn that marks the last slice's frames as gone, not another drain.
    expect(h.turns).toHaveLength(1);
    h.runTurns();
    expect(h.sent).toHaveLength(3);
  });

  it('flush sends one host ahead of its slice (a step command must follow its desired state), once', () => {
    const h = harness(1);
    h.outbox.enqueue([push('a', 1), push('b', 1), push('c', 1)]);
    h.outbox.flush('c');
    h.outbox.flush('c');
    h.outbox.flush('zzz');
    expect(h.sent).toEqual(['a@1', 'c@1']);
    while (h.turns.length) h.nextTurn();
    expect(h.sent).toEqual(['a@1', 'c@1', 'b@1']);
  });

  it('drop forgets a host (reconnected: answered with its stored state) and clear forgets all', () => {
    const h = harness(1);
    h.outbox.enqueue([push('a', 1), push('b', 1), push('c', 1)]);
    h.outbox.drop('b');
    h.nextTurn();
    expect(h.sent).toEqual(['a@1', 'c@1']);
    h.outbox.enqueue([push('d', 1), push('e', 1)]);
    h.outbox.clear();
    while (h.turns.length) h.nextTurn();
    expect(h.sent).toEqual(['a@1', 'c@1', 'd@1']);
  });

  it('a send that throws is reported and the other hosts are still sent', () => {
    const h = harness(2);
    h.outbox.enqueue([push('a', 1), push('bad', 1), push('c', 1)]);
    while (h.turns.length) h.nextTurn();
    expect(h.sent).toEqual(['a@1', 'c@1']);
    expect(h.errors).toEqual(['bad: Error: stream gone']);
  });

  it('whenSent runs at once when nothing waits, else in the turn after the slice that empties the queue', () => {
    const h = harness(2);
    h.wait(() => 'idle');
    expect(h.waited).toEqual(['idle']);
    h.outbox.enqueue(['a', 'b', 'c', 'd', 'e'].map((x) => push(x, 1)));
    h.wait(() => `after ${h.sent.length} sent`);
    expect(h.waited).toEqual(['idle']);
    h.nextTurn();
    expect(h.waited).toEqual(['idle']);
    // Hosts queued while it waits are waited for too.
    h.outbox.enqueue([push('f', 1)]);
    h.nextTurn();
    expect(h.sent).toHaveLength(6);
    // The last slice's frames leave when its turn ends; the waiter runs in the next.
    expect(h.waited).toEqual(['idle']);
    h.nextTurn();
    expect(h.waited).toEqual(['idle', 'after 6 sent']);
    expect(h.turns).toHaveLength(0);
  });

  it('whenSent asked right after a push that fit one slice waits a turn: the frames leave when this turn ends', () => {
    const h = harness(3);
    h.outbox.enqueue([push('a', 1), push('b', 1)]);
    h.wait(() => `after ${h.sent.length} sent`);
    expect(h.waited).toEqual([]);
    h.nextTurn();
    expect(h.waited).toEqual(['after 2 sent']);
    // Nothing written since: the next waiter runs at once.
    h.wait(() => 'idle');
    expect(h.waited).toEqual(['after 2 sent', 'idle']);
  });

  it('whenSent: hosts queued between the last slice and its turn are waited for too', () => {
    const h = harness(1);
    h.outbox.enqueue([push('a', 1), push('b', 1)]);
    h.wait(() => `after ${h.sent.join(' ')}`);
    h.nextTurn();
    h.outbox.enqueue([push('c', 1), push('d', 1)]);
    h.runTurns();
    expect(h.waited).toEqual(['after a@1 b@1 c@1 d@1']);
  });

  it('whenSent: a flush that empties the queue does not run it early; a later turn does', () => {
    const h = harness(1);
    h.outbox.enqueue([push('a', 1), push('b', 1)]);
    h.wait(() => 'sent');
    h.outbox.flush('b');
    expect(h.waited).toEqual([]);
    h.runTurns();
    expect(h.waited).toEqual(['sent']);
  });

  it('whenSent: a callback that throws is reported and the others still run, each once', () => {
    const h = harness(1);
    h.outbox.enqueue([push('a', 1), push('b', 1)]);
    h.outbox.whenSent(() => {
      throw new Error('store gone');
    });
    h.wait(() => 'second');
    h.runTurns();
    expect(h.waited).toEqual(['second']);
    expect(h.errors).toEqual(['whenSent: Error: store gone']);
    h.outbox.enqueue([push('c', 1)]);
    h.runTurns();
    expect(h.waited).toEqual(['second']);
    expect(h.sent).toEqual(['a@1', 'b@1', 'c@1']);
  });

  it('whenSent: clear forgets what waited (a replica whose term ended must not take a rollout step)', () => {
    const h = harness(1);
    h.outbox.enqueue([push('a', 1), push('b', 1)]);
    h.wait(() => 'step');
    h.outbox.clear();
    h.runTurns();
    expect(h.waited).toEqual([]);
    expect(h.sent).toEqual(['a@1']);
    // Waiting afterwards, with nothing queued, runs at once.
    h.wait(() => 'later');
    expect(h.waited).toEqual(['later']);
  });

  it("whenSent: clear runs each waiter's `cleared` instead (an apply's answer must not wait forever), once", () => {
    const h = harness(1);
    const told: string[] = [];
    h.outbox.enqueue([push('a', 1), push('b', 1)]);
    h.outbox.whenSent(
      () => told.push('sent'),
      () => told.push('cleared'),
    );
    h.outbox.whenSent(() => told.push('step'));
    h.outbox.clear();
    h.runTurns();
    expect(told).toEqual(['cleared']);
    h.outbox.clear();
    expect(told).toEqual(['cleared']);
  });

  it('refuses a slice that is not a whole number of at least 1', () => {
    for (const sliceHosts of [0, 1.5, -1])
      expect(() => new DesiredOutbox({ send() {}, onError() {}, defer() {}, sliceHosts })).toThrow(
        /sliceHosts must be a whole number of at least 1/,
      );
  });
});
