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
            failure: {
              exitCode: 1,
              signal: null,
              exitedAt: '2026-12-01T00:00:00.000Z',
              logFile: '/l/zk.log',
              logTail: [],
            },
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
