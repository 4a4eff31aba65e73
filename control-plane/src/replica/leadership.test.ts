import { describe, it, expect } from 'vitest';
import { pino } from 'pino';
import {
  Leadership,
  nextRole,
  type Election,
  type ElectionAnswer,
  type LeaderRecord,
  type Role,
} from './leadership.js';

const other: LeaderRecord = {
  holder: 'b',
  epoch: 4,
  expiresInMs: 3000,
  grpc: '127.0.0.2:7443',
  http: '127.0.0.2:7080',
};
const leading = (epoch: number): { answer: ElectionAnswer } => ({
  answer: { leading: true, epoch, current: undefined },
});
const following = (current: LeaderRecord | undefined): { answer: ElectionAnswer } => ({
  answer: { leading: false, epoch: current?.epoch ?? 0, current },
});
const leader = (epoch: number): Role => ({ type: 'leader', epoch });
const follower = (l?: LeaderRecord): Role => ({ type: 'follower', leader: l });

// ttl 3000, margin 600: a leader that last renewed (sent) at 1000 may act until 3400.
describe('nextRole: one lease round decides the role', () => {
  const cases: {
    name: string;
    prev: Role;
    round: Parameters<typeof nextRole>[1];
    now: number;
    role: Role;
    change: string;
  }[] = [
    {
      name: 'a follower that wins the lease starts a term',
      prev: follower(),
      round: leading(1),
      now: 2000,
      role: leader(1),
      change: 'gained',
    },
    {
      name: 'a leader renewing at its epoch keeps its term',
      prev: leader(3),
      round: leading(3),
      now: 2000,
      role: leader(3),
      change: 'none',
    },
    {
      name: 'a leader that comes back with a higher epoch lost the lease in between: a new term',
      prev: leader(3),
      round: leading(5),
      now: 2000,
      role: leader(5),
      change: 'regained',
    },
    {
      name: 'a leader that finds another holder steps down',
      prev: leader(3),
      round: following(other),
      now: 2000,
      role: follower(other),
      change: 'lost',
    },
    {
      name: 'a leader whose round failed keeps leading while its lease certainly holds',
      prev: leader(3),
      round: { error: 'connection refused' },
      now: 3399,
      role: leader(3),
      change: 'none',
    },
    {
      name: 'a leader whose round failed steps down the margin before its lease could expire',
      prev: leader(3),
      round: { error: 'connection refused' },
      now: 3400,
      role: follower(),
      change: 'lost',
    },
    {
      name: 'a follower learns the leader',
      prev: follower(),
      round: following(other),
      now: 2000,
      role: follower(other),
      change: 'leader-changed',
    },
    {
      name: 'a follower sees the same leader',
      prev: follower(other),
      round: following(other),
      now: 2000,
      role: follower(other),
      change: 'none',
    },
    {
      name: 'a follower sees a new epoch of the same holder as a change',
      prev: follower(other),
      round: following({ ...other, epoch: 5 }),
      now: 2000,
      role: follower({ ...other, epoch: 5 }),
      change: 'leader-changed',
    },
    {
      name: 'a follower whose round failed keeps the leader it knew',
      prev: follower(other),
      round: { error: 'timeout' },
      now: 2000,
      role: follower(other),
      change: 'none',
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const r = nextRole(c.prev, c.round, 1000, c.now, 3000, 600);
      expect(r.role).toEqual(c.role);
      expect(r.change).toBe(c.change);
      expect(r.reason.length).toBeGreaterThan(0);
    });
});

/** An election whose answers the test scripts; records resigns. */
function scripted(answers: (ElectionAnswer | Error)[]): Election & { resigned: string[] } {
  const resigned: string[] = [];
  return {
    resigned,
    tryLead() {
      const a = answers.shift();
      if (!a) throw new Error('no scripted answer left');
      if (a instanceof Error) throw a;
      return a;
    },
    currentLeader() {
      return undefined;
    },
    announceReplica() {},
    resign(holder, epoch) {
      resigned.push(`${holder}@${epoch}`);
    },
    setFence() {},
  };
}

describe('Leadership: the lease loop around nextRole', () => {
  it('tells each change once, judges leading() by the time the last good round was sent, and resigns on stop', () => {
    let t = 0;
    const changes: string[] = [];
    const election = scripted([
      { leading: true, epoch: 1, current: undefined },
      { leading: true, epoch: 1, current: undefined },
      new Error('store down'),
      { leading: false, epoch: 2, current: { ...other, epoch: 2 } },
      { leading: true, epoch: 3, current: undefined },
    ]);
    const l = new Leadership({
      election,
      holder: 'a',
      endpoints: { grpc: 'g', http: 'h' },
      ttlMs: 3000,
      now: () => t,
      logger: pino({ level: 'silent' }),
      onChange: (c) => changes.push(c),
    });
    l.round();
    expect(l.leading()).toBe(true);
    t = 1000;
    l.round();
    t = 2000;
    l.round(); // failed: still within the lease sent at 1000 (until 1000 + 3000 - 600)
    expect(l.leading()).toBe(true);
    t = 3400;
    expect(l.leading()).toBe(false); // judged locally, before any round says so
    l.round();
    expect(l.role).toEqual({ type: 'follower', leader: { ...other, epoch: 2 } });
    t = 9000;
    l.round();
    expect(changes).toEqual(['gained', 'lost', 'gained']);
    l.stop();
    expect(election.resigned).toEqual(['a@3']);
    expect(l.leading()).toBe(false);
  });
});

describe('Leadership.nextLeader: where a request goes, waiting through an election', () => {
  // The wait runs on real timers, so these loops read the real monotonic clock.
  const loop = (answers: (ElectionAnswer | Error)[]) => ({
    l: new Leadership({
      election: scripted(answers),
      holder: 'a',
      endpoints: { grpc: 'g', http: 'h' },
      ttlMs: 3000,
      now: () => performance.now(),
      logger: pino({ level: 'silent' }),
      onChange: () => undefined,
    }),
  });

  it('waits until a round learns the leader, then answers it; self once this replica leads', async () => {
    const { l } = loop([
      { leading: false, epoch: 0, current: other },
      { leading: true, epoch: 5, current: undefined },
    ]);
    const waiting = l.nextLeader(60_000);
    l.round(); // woken by the change, not by a timer
    expect(await waiting).toEqual(other);
    const skipping = l.nextLeader(60_000, (r) => r.holder === other.holder);
    l.round();
    expect(await skipping).toBe('self');
  });

  it('undefined when no leader appears within the wait', async () => {
    const { l } = loop([]);
    expect(await l.nextLeader(20)).toBeUndefined();
  });
});
