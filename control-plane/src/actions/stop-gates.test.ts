import { describe, it, expect } from 'vitest';
import type { GateResult, InstancePlan } from '@hactl/shared';
import { checkStopGates, describeRefusal, refusedGates } from './stop-gates.js';

const plan = (id: string, role: string, runState: 'running' | 'stopped' = 'running'): InstancePlan =>
  ({
    id,
    cluster: id.split('/')[0]!,
    kind: 'storm',
    role,
    hostId: 'h',
    runState,
    inputs: {},
  }) as InstancePlan;
const ok = (gate: string): GateResult => ({ gate, ok: true, reason: 'fine' });
const healthy = [ok('one-at-a-time'), ok('cluster-healthy')];
const zk = ['zk/zk-1', 'zk/zk-2', 'zk/zk-3'].map((id) => plan(id, 'member'));

describe('stop gates', () => {
  const cases: {
    name: string;
    instanceId: string;
    restartGates: GateResult[];
    plans: InstancePlan[];
    refused: string[];
  }[] = [
    {
      name: 'zookeeper: healthy ensemble of three → a follower may stop',
      instanceId: 'zk/zk-1',
      restartGates: healthy,
      plans: zk,
      refused: [],
    },
    {
      name: 'zookeeper: one server already down → the cluster-healthy gate refuses a second',
      instanceId: 'zk/zk-1',
      restartGates: [
        ok('one-at-a-time'),
        { gate: 'cluster-healthy', ok: false, reason: 'waiting: cluster is degraded: zk-3 not serving' },
      ],
      plans: zk,
      refused: ['cluster-healthy'],
    },
    {
      name: 'leader-last orders a rolling restart and does not hold a stop',
      instanceId: 'zk/zk-2',
      restartGates: [...healthy, { gate: 'leader-last', ok: false, reason: 'waiting: later' }],
      plans: zk,
      refused: [],
    },
    {
      name: 'storm: the only nimbus may not stop; a supervisor beside another may',
      instanceId: 's/nimbus-a',
      restartGates: healthy,
      plans: [
        plan('s/nimbus-a', 'nimbus'),
        plan('s/supervisor-b', 'supervisor'),
        plan('s/supervisor-c', 'supervisor'),
      ],
      refused: ['sole-member'],
    },
    {
      name: 'a member whose peers of its role were all stopped by the operator is the last one',
      instanceId: 'zk/zk-1',
      restartGates: healthy,
      plans: [
        plan('zk/zk-1', 'member'),
        plan('zk/zk-2', 'member', 'stopped'),
        plan('zk/zk-3', 'member', 'stopped'),
      ],
      refused: ['sole-member'],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const gates = checkStopGates(c);
      expect(gates.filter((g) => !g.ok).map((g) => g.gate)).toEqual(c.refused);
      expect(gates.some((g) => g.gate === 'leader-last')).toBe(false);
    });

  it('a refusal names each failing gate without the "waiting:" prefix', () => {
    const refused = refusedGates([
      ok('one-at-a-time'),
      { gate: 'cluster-healthy', ok: false, reason: 'waiting: cluster is degraded: zk-3 not serving' },
      { gate: 'sole-member', ok: false, reason: 'only one' },
    ]);
    expect(refused).toEqual([
      { path: 'cluster-healthy', message: 'cluster is degraded: zk-3 not serving' },
      { path: 'sole-member', message: 'only one' },
    ]);
    expect(describeRefusal(refused)).toBe(
      'cluster-healthy: cluster is degraded: zk-3 not serving; sole-member: only one',
    );
    expect(describeRefusal(refusedGates(healthy))).toBe('');
  });
});
