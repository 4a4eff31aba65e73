import { describe, it, expect } from 'vitest';
import { checkRestartGates, planRestartOrder } from './restart-gates.js';
import type { ClusterStatus } from '../domain.js';
import { zkMemberStatus } from '../testing/members.js';

const m = zkMemberStatus;
const members = new Map([
  ['zk/zk-1', m(1, 'follower')],
  ['zk/zk-2', m(2, 'leader')],
  ['zk/zk-3', m(3, 'follower')],
]);
const healthy: ClusterStatus = {
  health: 'healthy',
  reason: 'leader 2, 2/2 followers synced',
  members: [...members.values()],
};
const failing = (r: ReturnType<typeof checkRestartGates>) =>
  r.filter((g) => !g.ok).map((g) => `${g.gate}: ${g.reason}`);

describe('restart gates', () => {
  const stop = { by: 'alice', at: '2026-12-01T06:00:00.000Z', reason: 'disk swap', forced: false };
  const stoppedStatus = (stopped: number[]): ClusterStatus => ({
    health: 'degraded',
    reason: `${stopped.map((n) => `zk/zk-${n} stopped by alice: disk swap`).join('; ')}; ${3 - stopped.length}/3 members serving`,
    members: [...members.values()].map((x) =>
      stopped.includes(Number(x.id)) ? { ...x, process: 'stopped', stoppedByOperator: stop } : x,
    ),
  });
  it.each<[string, ClusterStatus, string]>([
    [
      'zookeeper: a member stopped by the operator keeps the cluster degraded → the gate says so and how to start it',
      stoppedStatus([3]),
      'cluster-healthy: waiting: cluster is degraded: zk/zk-3 was stopped by the operator ' +
        'and keeps it below healthy until started (hactl start zk/zk-3); ' +
        'zk/zk-3 stopped by alice: disk swap; 2/3 members serving',
    ],
    [
      'zookeeper: two stopped by the operator → both named, with a start command each',
      stoppedStatus([2, 3]),
      'cluster-healthy: waiting: cluster is degraded: zk/zk-2, zk/zk-3 were stopped by the operator ' +
        'and keep it below healthy until started (hactl start zk/zk-2; hactl start zk/zk-3); ' +
        'zk/zk-2 stopped by alice: disk swap; zk/zk-3' +
        ' stopped by alice: disk swap; 1/3 members serving',
    ],
    [
      'zookeeper: degraded with no operator stop → the kind reason alone',
      { ...healthy, health: 'degraded', reason: 'leader 2, 1/2 followers synced' },
      'cluster-healthy: waiting: cluster is degraded: leader 2, 1/2 followers synced',
    ],
  ])('%s', (_name, status, want) => {
    const gates = checkRestartGates({
      cluster: 'zk',
      status,
      members,
      instanceId: 'zk/zk-1',
      leasedBy: [],
      pending: [],
    });
    expect(failing(gates)).toEqual([want]);
  });

  it('zookeeper: healthy ensemble, follower, no other lease → granted', () => {
    expect(
      failing(
        checkRestartGates({
          cluster: 'zk',
          status: healthy,
          members,
          instanceId: 'zk/zk-1',
          leasedBy: [],
          pending: ['zk/zk-3', 'zk/zk-2'],
        }),
      ),
    ).toEqual([]);
  });
  it('zookeeper: 1/2 followers synced → lease refused with the values', () => {
    const degraded = {
      ...healthy,
      health: 'degraded' as const,
      reason: 'leader 2, 3/3 members serving, 1/2 followers synced',
    };
    expect(
      failing(
        checkRestartGates({
          cluster: 'zk',
          status: degraded,
          members,
          instanceId: 'zk/zk-1',
          leasedBy: [],
          pending: [],
        }),
      ),
    ).toEqual([
      'cluster-healthy: waiting: cluster is degraded: leader 2, 3/3 members serving, 1/2 followers synced',
    ]);
  });
  it('another member holds the lease → refused (never two down)', () => {
    expect(
      failing(
        checkRestartGates({
          cluster: 'zk',
          status: healthy,
          members,
          instanceId: 'zk/zk-3',
          leasedBy: ['zk/zk-1'],
          pending: [],
        }),
      )[0],
    ).toMatch(/^one-at-a-time: waiting: zk\/zk-1 holds/);
  });
  it('the leader asks while followers are still pending → refused: leader last', () => {
    expect(
      failing(
        checkRestartGates({
          cluster: 'zk',
          status: healthy,
          members,
          instanceId: 'zk/zk-2',
          leasedBy: [],
          pending: ['zk/zk-3'],
        }),
      ),
    ).toEqual(['leader-last: waiting: leader restarts later; 1 other member(s) first (zk/zk-3)']);
  });
  it('the leader after every follower → granted', () => {
    expect(
      failing(
        checkRestartGates({
          cluster: 'zk',
          status: healthy,
          members,
          instanceId: 'zk/zk-2',
          leasedBy: [],
          pending: [],
        }),
      ),
    ).toEqual([]);
  });
  it('plan order: followers in plan order, leader last (kafka controller and ES master alike)', () => {
    expect(planRestartOrder(['zk/zk-1', 'zk/zk-2', 'zk/zk-3'], members).order).toEqual([
      'zk/zk-1',
      'zk/zk-3',
      'zk/zk-2',
    ]);
    const kafka = new Map([
      ['k/b1', m(1, 'controller')],
      ['k/b2', m(2, 'broker')],
    ]);
    expect(planRestartOrder(['k/b1', 'k/b2'], kafka)).toEqual({
      order: ['k/b2', 'k/b1'],
      notes: ['k/b1 is controller: restarted last'],
    });
  });

  it('elasticsearch: data nodes (rank 0) before master-eligible (1), the elected master (2) last', () => {
    const es = new Map([
      ['es/node-1', { ...m(1, 'master'), restartRank: 2 }],
      ['es/node-2', { ...m(2, 'member'), restartRank: 1 }],
      ['es/node-4', { ...m(4, 'member'), restartRank: 0 }],
    ]);
    expect(planRestartOrder(['es/node-1', 'es/node-2', 'es/node-4'], es).order).toEqual([
      'es/node-4',
      'es/node-2',
      'es/node-1',
    ]);
    const status = { ...healthy, members: [...es.values()] };
    expect(
      failing(
        checkRestartGates({
          cluster: 'es',
          status,
          members: es,
          instanceId: 'es/node-2',
          leasedBy: [],
          pending: ['es/node-4', 'es/node-1'],
        }),
      ),
    ).toEqual(['leader-last: waiting: this member restarts later; 1 other member(s) first (es/node-4)']);
  });
});
