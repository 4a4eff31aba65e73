import { describe, expect, it } from 'vitest';
import type { InstancePlan } from '../domain.js';
import { addsNoClaim } from './claims.js';
import './registry.js';

/** A ZooKeeper plan as its planner makes it, with the inputs claims() reads. */
function zk(id: number, hostId: string, over: Record<string, unknown> = {}): InstancePlan {
  return {
    id: `zk/zk-${id}`,
    cluster: 'zk',
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
