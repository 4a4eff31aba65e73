import { describe, expect, it } from 'vitest';
import type { HostRecord, InstancePlan } from '../domain.js';
import { addsNoClaim, checkClaims, plansNear } from './claims.js';
import './registry.js';

/** A ZooKeeper plan as its planner makes it, with the inputs claims() reads. */
function zk(id: number, hostId: string, over: Record<string, unknown> = {}, cluster = 'zk'): InstancePlan {
  return {
    id: `${cluster}/zk-${id}`,
    cluster,
    kind: 'zookeeper',
    hostId,
    role: 'member',
    runState: 'running',
    inputs: {
      clientPort: 2181,
      peerPort: 2888,
      electionPort: 3888,
      adminPort: 8080,
      dataDir: `/d/zk/${id}/data`,
      config: { tickTime: '2000' },
      ...over,
    },
  } as InstancePlan;
}

const before = [zk(1, 'h1'), zk(2, 'h2'), zk(3, 'h3')];

describe('addsNoClaim: a change that claims nothing new skips the clash check', () => {
  it.each<[scenario: string, after: InstancePlan[], expected: boolean]>([
    ['the same plans', before, true],
    [
      'a setting changed on every member',
      before.map((p, i) => zk(i + 1, p.hostId, { config: { tickTime: '3000' } })),
      true,
    ],
    ['a member removed', before.slice(0, 2), true],
    ['a member added', [...before, zk(4, 'h4')], false],
    ['a member moved to another host', [zk(1, 'h1'), zk(2, 'h2'), zk(3, 'h4')], false],
    ['a port changed', [zk(1, 'h1', { clientPort: 2182 }), zk(2, 'h2'), zk(3, 'h3')], false],
    [
      'a transaction log dir added',
      [zk(1, 'h1', { config: { dataLogDir: '/d/zk/1/txlog' } }), zk(2, 'h2'), zk(3, 'h3')],
      false,
    ],
    ['a directory changed', [zk(1, 'h1'), zk(2, 'h2', { dataDir: '/e/zk/2/data' }), zk(3, 'h3')], false],
  ])('%s → %s', (_s, after, expected) => {
    expect(addsNoClaim(before, after)).toBe(expected);
  });
});

describe('plansNear: only plans that share a host or an address can clash', () => {
  // h1-h4 are separate servers; h5 is a second agent at h1's address (a lab).
  const hosts: HostRecord[] = [1, 2, 3, 4, 5].map((n) => ({
    id: `h${n}`,
    name: `n${n}`,
    address: n === 5 ? '10.0.0.1' : `10.0.0.${n}`,
    dataRoot: '/d',
    labels: {},
  }));
  const mine = [zk(1, 'h1', {}, 'new'), zk(2, 'h2', {}, 'new')];
  const others = [
    // a: one member on h2 (same dirs, same ports: clashes), one on h3 (elsewhere).
    [zk(1, 'h2', { dataDir: '/d/zk/2/data' }, 'a'), zk(2, 'h3', {}, 'a')],
    // b: on h5, whose address is h1's: its ports clash, its dirs (another host) do not.
    [zk(1, 'h5', {}, 'b')],
    // c: only on h4.
    [zk(1, 'h4', {}, 'c'), zk(2, 'h4', { clientPort: 2182 }, 'c')],
  ];

  it('keeps the plans on the same hosts or addresses, in order, and drops clusters with none', () => {
    expect(plansNear(hosts, others, mine).map((c) => c.map((p) => p.id))).toEqual([['a/zk-1'], ['b/zk-1']]);
  });

  it('checkClaims finds exactly the same clashes among the plans kept as among them all', () => {
    const all = checkClaims(hosts, [...others, mine], 'new');
    expect(all.length).toBeGreaterThan(0);
    expect(checkClaims(hosts, [...plansNear(hosts, others, mine), mine], 'new')).toEqual(all);
  });
});
