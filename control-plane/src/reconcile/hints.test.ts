import { describe, expect, it } from 'vitest';
import type { InstanceObservation, MemberStatus } from '@hactl/shared';
import { collectHintFacts, planClusterHint, type HintInput } from './hints.js';
import { reportedInstance } from './testing.js';

const members = [1, 2, 3].map((i): MemberStatus => ({
  instance: `zk/zk-${i}`,
  host: `zk${i}`,
  id: i,
  address: '',
  port: 0,
  role: 'member',
  mode: 'follower',
  process: 'running',
  lastProbe: null,
  detail: '',
  pid: 0,
  restarts: 0,
  leading: false,
  restartRank: 0,
}));
const obs = (i: number, o: Partial<InstanceObservation>): [string, InstanceObservation] => [
  `zk/zk-${i}`,
  { ...reportedInstance(`zk/zk-${i}`, { pid: 100 + i }), hostId: `h${i}`, reportedAt: 0, ...o },
];
/** An exit the agent still reports as the member's failure (its log at /l/zk.log). */
const exited = (
  exitCode: number | null,
  signal: string | null,
): NonNullable<InstanceObservation['failure']> => ({
  exitCode,
  signal,
  exitedAt: '2026-12-01T00:00:00.000Z',
  logFile: '/l/zk.log',
  logTail: [],
});
/** A hint's input as the status reader has it before collecting its facts. */
type TestInput = Omit<HintInput, 'facts'> & {
  members: readonly MemberStatus[];
  observations: ReadonlyMap<string, InstanceObservation>;
};
const input = (o: Partial<TestInput>): TestInput => ({
  cluster: 'zk',
  revision: 4,
  members,
  observations: new Map(),
  rollout: undefined,
  ...o,
});

describe('cluster hints', () => {
  it.each<[string, Partial<TestInput>, string | undefined]>([
    ['all in order → none', {}, undefined],
    [
      'members left restart pending, no rollout → the command that restarts exactly them',
      { observations: new Map([obs(1, { restartPending: true }), obs(3, { restartPending: true })]) },
      '2 member(s) run an older config than revision 4 (restart pending on zk1, zk3): restart them one at a time, under the gates, with `hactl rollout start zk --action apply`',
    ],
    [
      'a pending member whose restart is blocked → says to fix that first',
      {
        observations: new Map([
          obs(2, { restartPending: true, detail: 'restart blocked: /opt/zk/bin/zkServer.sh does not exist' }),
        ]),
      },
      '1 member(s) run an older config than revision 4 (restart pending on zk2): ' +
        'restart them one at a time, under the gates, with `hactl rollout start zk --action apply`; ' +
        'first fix what blocks the restart on zk2 (see DETAIL)',
    ],
    [
      'a rollout running → none (it is handling them)',
      {
        rollout: { id: 'ab', state: 'running', reason: '' },
        observations: new Map([obs(1, { restartPending: true })]),
      },
      undefined,
    ],
    [
      'a paused rollout → resume or abort, with its reason',
      {
        rollout: { id: 'ab', state: 'paused', reason: 'gate timeout' },
        observations: new Map([obs(1, { restartPending: true })]),
      },
      'rollout ab is paused (gate timeout): continue with `hactl rollout resume ab` or stop it with `hactl rollout abort ab`',
    ],
    [
      'a crashed member → where its cause is',
      { observations: new Map([obs(2, { process: 'crashed' })]) },
      'zk2 crashed: its cause is in its log, `hactl logs zk zk2`',
    ],
    [
      'a member running again right after a crash (its exit still reported as a failure) → where its cause is',
      {
        observations: new Map([
          obs(2, {
            process: 'starting',
            failure: exited(1, null),
          }),
        ]),
      },
      'zk2 crashed: its cause is in its log, `hactl logs zk zk2`',
    ],
    [
      'a member up and running again after it was killed (its exit still reported) → restarted, not crashed',
      {
        observations: new Map([
          obs(2, {
            process: 'running',
            failure: exited(null, 'SIGKILL'),
          }),
        ]),
      },
      'zk2 exited unexpectedly and was restarted: DETAIL says how it exited, `hactl logs zk zk2` what it logged',
    ],
    [
      'running again after an exit but not yet probed in a mode (a crash loop runs for a moment) → crashed',
      {
        members: members.map((m) => (m.host === 'zk2' ? { ...m, mode: 'unknown' } : m)),
        observations: new Map([
          obs(2, {
            process: 'running',
            failure: exited(1, null),
          }),
        ]),
      },
      'zk2 crashed: its cause is in its log, `hactl logs zk zk2`',
    ],
    [
      'a member whose start failed before the process ran (stopped, the command output as its failure) → no crash hint',
      {
        observations: new Map([
          obs(2, {
            process: 'stopped',
            failure: {
              exitCode: 1,
              signal: null,
              exitedAt: '2026-12-01T00:00:00.000Z',
              logFile: '',
              logTail: ['Stored node id 1 does not match previous node id 7'],
            },
          }),
        ]),
      },
      undefined,
    ],
  ])('%s', (_scenario, patch, hint) => {
    const { members: ms, observations, ...rest } = input(patch);
    expect(planClusterHint({ ...rest, facts: collectHintFacts(ms, observations) })).toBe(hint);
  });
});

describe('cluster hints of large clusters', () => {
  const many = (n: number) =>
    Array.from({ length: n }, (_, i): MemberStatus => ({
      ...members[0]!,
      instance: `big/m-${i}`,
      host: `h${i}`,
    }));
  const observed = (n: number, o: Partial<InstanceObservation>) =>
    new Map(
      Array.from({ length: n }, (_, i): [string, InstanceObservation] => [
        `big/m-${i}`,
        { ...reportedInstance(`big/m-${i}`), hostId: `h${i}`, reportedAt: 0, ...o },
      ]),
    );
  const hint = (n: number, o: Partial<InstanceObservation>) =>
    planClusterHint({
      cluster: 'big',
      revision: 2,
      rollout: undefined,
      facts: collectHintFacts(many(n), observed(n, o)),
    });

  it('10,000 members restart pending → the count, ten of them by name and how many more', () => {
    expect(hint(10_000, { restartPending: true, detail: 'restart blocked: waiting' })).toBe(
      '10000 member(s) run an older config than revision 2 (restart pending on h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, … and 9990 more): ' +
        'restart them one at a time, under the gates, with `hactl rollout start big --action apply`; ' +
        'first fix what blocks the restart on h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, … and 9990 more (see DETAIL)',
    );
  });

  it('three crashed members → a hint each; four → one hint that counts them', () => {
    expect(hint(3, { process: 'crashed' })).toBe(
      'h0 crashed: its cause is in its log, `hactl logs big h0`; ' +
        'h1 crashed: its cause is in its log, `hactl logs big h1`; ' +
        'h2 crashed: its cause is in its log, `hactl logs big h2`',
    );
    expect(hint(4, { process: 'crashed' })).toBe(
      "4 members crashed (h0, h1, h2, h3): each one's cause is in its log, `hactl logs big HOST`",
    );
  });
});
