import { describe, it, expect } from 'vitest';
import type { ClusterSpecBase, FleetContext, InstancePlan, MemberStatus } from '@hactl/shared';
import {
  checkMovedMembers,
  currentPhase,
  isMembershipChange,
  planEffectivePlans,
  planMembershipSteps,
  type StepProgress,
} from './plan.js';
import { planProcedure } from './procedure.js';

/** A plan of member `id` whose inputs carry the server list it runs with. */
const plan = (id: number, servers: number[], host = `h${id}`): InstancePlan => ({
  id: `zk/zk-${id}`,
  cluster: 'zk',
  kind: 'zookeeper',
  hostId: host,
  role: 'member',
  runState: 'running',
  inputs: { myid: id, servers },
});
const phase = (ids: number[]) => ids.map((id) => plan(id, ids));
const leading = (id: number): ReadonlyMap<string, MemberStatus> =>
  new Map([[`zk/zk-${id}`, { instance: `zk/zk-${id}`, leading: true, restartRank: 2 } as MemberStatus]]);
const brief = (s: { phase: number; op: string; instance: string }) => `${s.phase} ${s.op} ${s.instance}`;

describe('membership procedure plan', () => {
  it('a change of inputs only is not a membership change; adding or removing a member is', () => {
    expect(isMembershipChange(phase([1, 2, 3]), phase([1, 2, 3]))).toBe(false);
    expect(isMembershipChange(phase([1, 2, 3]), phase([1, 2, 3, 4]))).toBe(true);
    expect(isMembershipChange(phase([1, 2, 3]), phase([1, 2, 4]))).toBe(true);
    // The same members listed in another order; one removed and one added at equal length.
    expect(isMembershipChange(phase([1, 2, 3]), phase([3, 1, 2]))).toBe(false);
    expect(isMembershipChange(phase([1, 2, 3]), phase([1, 3, 3]))).toBe(true);
  });

  it('a member that moves host under the same id is named (refused by the procedure)', () => {
    expect(checkMovedMembers([plan(1, [1]), plan(2, [1])], [plan(1, [1]), plan(2, [1], 'h9')])).toEqual([
      'zk/zk-2: host h2 → h9',
    ]);
  });

  it('zookeeper 1 → 3 (phases {1,2}, {1,2,3}): start the new member, then restart the others, leader last', () => {
    const steps = planMembershipSteps([phase([1]), phase([1, 2]), phase([1, 2, 3])], leading(1));
    expect(steps.map(brief)).toEqual([
      '1 start zk/zk-2',
      '1 restart zk/zk-1',
      '2 start zk/zk-3',
      '2 restart zk/zk-2',
      '2 restart zk/zk-1',
    ]);
  });

  it('zookeeper 4 → 3 removing the leader: the others restart onto the list without it, then it stops', () => {
    const steps = planMembershipSteps([phase([1, 2, 3, 4]), phase([1, 2, 3])], leading(4));
    expect(steps.map(brief)).toEqual([
      '1 restart zk/zk-1',
      '1 restart zk/zk-2',
      '1 restart zk/zk-3',
      '1 stop zk/zk-4',
    ]);
  });

  it('with handover (zookeeper), a removed member is first restarted if it leads, except when one member remains (standalone)', () => {
    const steps = planMembershipSteps(
      [phase([1, 2, 3, 4]), phase([1, 2, 3]), phase([1, 2]), phase([1])],
      leading(4),
      {
        handover: true,
      },
    );
    expect(steps.map(brief)).toEqual([
      '1 handover zk/zk-4',
      '1 restart zk/zk-1',
      '1 restart zk/zk-2',
      '1 restart zk/zk-3',
      '1 stop zk/zk-4',
      '2 handover zk/zk-3',
      '2 restart zk/zk-1',
      '2 restart zk/zk-2',
      '2 stop zk/zk-3',
      '3 restart zk/zk-1',
      '3 stop zk/zk-2',
    ]);
  });

  it('a member whose inputs do not change is not restarted (Kafka: a new broker changes no other broker)', () => {
    const broker = (id: number) => ({ ...plan(id, []), id: `k/b-${id}`, kind: 'kafka' as const });
    const steps = planMembershipSteps(
      [
        [broker(1), broker(2)],
        [broker(1), broker(2), broker(3)],
      ],
      new Map(),
    );
    expect(steps.map(brief)).toEqual(['1 start k/b-3']);
  });
});

describe('membership procedure: the plans hosts are given as it progresses', () => {
  const phases = [phase([1]), phase([1, 2]), phase([1, 2, 3])];
  const steps = (states: string[]): StepProgress[] =>
    [
      { phase: 1, op: 'start' as const, instance: 'zk/zk-2' },
      { phase: 1, op: 'restart' as const, instance: 'zk/zk-1' },
      { phase: 2, op: 'start' as const, instance: 'zk/zk-3' },
      { phase: 2, op: 'restart' as const, instance: 'zk/zk-2' },
      { phase: 2, op: 'restart' as const, instance: 'zk/zk-1' },
    ].map((s, i) => ({ ...s, state: states[i]! }));
  const view = (plans: InstancePlan[]) =>
    plans.map((p) => `${p.id}:${(p.inputs as { servers: number[] }).servers.join('')}`).sort();

  it.each<[string, string[], number, string[]]>([
    [
      'nothing started: the new member is held (not planned), member 1 is given phase 1 (restart pending)',
      ['pending', 'pending', 'pending', 'pending', 'pending'],
      1,
      ['zk/zk-1:12'],
    ],
    [
      'the start of member 2 requested: it is planned on phase 1',
      ['requested', 'pending', 'pending', 'pending', 'pending'],
      1,
      ['zk/zk-1:12', 'zk/zk-2:12'],
    ],
    [
      'phase 1 done: phase 2 for members 1 and 2, member 3 still held',
      ['done', 'done', 'pending', 'pending', 'pending'],
      2,
      ['zk/zk-1:123', 'zk/zk-2:123'],
    ],
    [
      'all done: the revision’s plans',
      ['done', 'done', 'done', 'done', 'done'],
      3,
      ['zk/zk-1:123', 'zk/zk-2:123', 'zk/zk-3:123'],
    ],
  ])('%s', (_s, states, current, expected) => {
    expect(currentPhase(steps(states), 2)).toBe(current);
    expect(view(planEffectivePlans(phases, steps(states)))).toEqual(expected);
  });

  it('a removed member stays planned on its previous inputs until its stop step is done', () => {
    const shrink = [phase([1, 2, 3, 4]), phase([1, 2, 3])];
    const s = (stop: string): StepProgress[] => [
      { phase: 1, op: 'restart', instance: 'zk/zk-1', state: 'done' },
      { phase: 1, op: 'stop', instance: 'zk/zk-4', state: stop },
    ];
    expect(view(planEffectivePlans(shrink, s('requested')))).toEqual([
      'zk/zk-1:123',
      'zk/zk-2:123',
      'zk/zk-3:123',
      'zk/zk-4:1234',
    ]);
    expect(view(planEffectivePlans(shrink, s('done')))).toEqual([
      'zk/zk-1:123',
      'zk/zk-2:123',
      'zk/zk-3:123',
    ]);
  });
});

describe('planProcedure', () => {
  /** Enough of a ZooKeeper spec for planZookeeperMembership: the members' ids. */
  const spec = (ids: number[]) =>
    ({
      name: 'zk',
      kind: 'zookeeper',
      members: ids.map((id) => ({ id, host: `h${id}` })),
    }) as ClusterSpecBase;
  const fleet: FleetContext = { hosts: [], clusters: new Map() };

  it('a settings-only change reads no member status (rolling a large cluster up was most of an apply)', () => {
    const members = () => {
      throw new Error('member statuses read for a change that adds and removes nobody');
    };
    const three = { spec: spec([1, 2, 3]), plans: phase([1, 2, 3]) };
    expect(planProcedure(three, three, fleet, members)).toBe(undefined);
  });

  it('a membership change reads the member statuses once, for leader-last ordering', () => {
    let reads = 0;
    const members = () => {
      reads++;
      return leading(1);
    };
    const before = { spec: spec([1]), plans: phase([1]) };
    const p = planProcedure(before, { spec: spec([1, 2]), plans: phase([1, 2]) }, fleet, members);
    expect(p?.steps.map(brief)).toEqual(['1 start zk/zk-2', '1 restart zk/zk-1']);
    expect(reads).toBe(1);
  });
});
