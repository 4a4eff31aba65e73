import { describe, it, expect } from 'vitest';
import type { ClusterStatus, InstancePlan } from '@hactl/shared';
import {
  applyOperatorStops,
  encodeOperatorStop,
  markOperatorStops,
  readOperatorStop,
  stoppedFactKey,
} from './run-state.js';

const plan = (id: string, runState: 'running' | 'stopped' = 'running'): InstancePlan =>
  ({
    id,
    cluster: 'zk',
    kind: 'zookeeper',
    role: 'member',
    hostId: 'h',
    runState,
    inputs: {},
  }) as InstancePlan;
const stop = { by: 'alice', at: '2027-01-15T08:00:00.000Z', reason: 'disk swap', forced: false };

describe('operator stops (run-state)', () => {
  it('a member with a stop fact is planned stopped; the others, and the input, are left as they are', () => {
    const plans = [plan('zk/zk-1'), plan('zk/zk-2')];
    const out = applyOperatorStops(plans, { [stoppedFactKey('zk/zk-2')]: encodeOperatorStop(stop) });
    expect(out.map((p) => p.runState)).toEqual(['running', 'stopped']);
    expect(plans[1]!.runState).toBe('running');
  });

  it('an empty fact (started again), no facts, and a fact this code did not write stop nothing', () => {
    const plans = [plan('zk/zk-1')];
    expect(applyOperatorStops(plans, { [stoppedFactKey('zk/zk-1')]: '' })[0]!.runState).toBe('running');
    expect(applyOperatorStops(plans, undefined)[0]!.runState).toBe('running');
    expect(readOperatorStop({ 'hactl.stopped:zk-1': 'not json' }, 'zk/zk-1')).toBeUndefined();
    expect(readOperatorStop({ 'hactl.stopped:zk-1': '{"by":1}' }, 'zk/zk-1')).toBeUndefined();
  });

  it('round-trips who, when, why and force', () => {
    const facts = { [stoppedFactKey('zk/zk-1')]: encodeOperatorStop({ ...stop, forced: true }) };
    expect(readOperatorStop(facts, 'zk/zk-1')).toEqual({ ...stop, forced: true });
  });

  it('the cluster status names who stopped which member and why; the kind health stays', () => {
    const status: ClusterStatus = {
      health: 'degraded',
      reason: '2/3 members serving',
      members: [
        { instance: 'zk/zk-1', detail: 'not serving' },
        { instance: 'zk/zk-2', detail: 'follower' },
      ] as ClusterStatus['members'],
    };
    markOperatorStops(status, { [stoppedFactKey('zk/zk-1')]: encodeOperatorStop(stop) });
    expect(status.health).toBe('degraded');
    expect(status.reason).toBe('zk/zk-1 stopped by alice: disk swap; 2/3 members serving');
    expect(status.members[0]!.stoppedByOperator).toEqual(stop);
    expect(status.members[0]!.detail).toContain('hactl start zk/zk-1');
    expect(status.members[1]!.stoppedByOperator).toBeUndefined();
  });
});
