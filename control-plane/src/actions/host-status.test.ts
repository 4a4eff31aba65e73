import { describe, it, expect } from 'vitest';
import type { InstanceObservation, InstancePlan } from '@hactl/shared';
import { buildHostProcesses } from './host-status.js';

const now = 1_800_000_000_000;
const plan = (id: string, runState: 'running' | 'stopped' = 'running'): InstancePlan =>
  ({
    id,
    cluster: 'zk',
    kind: 'zookeeper',
    role: 'member',
    hostId: 'h1',
    runState,
    inputs: {},
  }) as InstancePlan;
const obs = (id: string, o: Partial<InstanceObservation> = {}): InstanceObservation => ({
  id,
  hostId: 'h1',
  process: 'running',
  pid: 4242,
  restarts: 1,
  detail: 'follower, 2 connections',
  restartPending: false,
  probeAt: now - 2000,
  probe: {},
  reportedAt: now - 1000,
  ...o,
});

describe('host status rows', () => {
  it('the live answer gives pid and uptime; the last report gives the last probe', () => {
    const [row] = buildHostProcesses({
      plans: [plan('zk/zk-1')],
      live: [
        {
          instance: 'zk/zk-1',
          kind: 'zookeeper',
          runState: 'running',
          state: 'running',
          pid: 4242,
          startedAt: now - 3_723_000,
          restarts: 1,
          adopted: false,
          reason: '',
        },
      ],
      observations: new Map([['zk/zk-1', obs('zk/zk-1')]]),
      operatorStops: new Map(),
      now,
    });
    expect(row).toEqual({
      instance: 'zk/zk-1',
      kind: 'zookeeper',
      runState: 'running',
      state: 'running',
      pid: 4242,
      startedAt: new Date(now - 3_723_000).toISOString(),
      uptimeSec: 3723,
      restarts: 1,
      lastProbe: new Date(now - 2000).toISOString(),
      probe: 'follower, 2 connections',
      reason: '',
    });
  });

  it('an agent that did not answer: the last report stands in, no uptime; an operator stop is the reason', () => {
    const rows = buildHostProcesses({
      plans: [plan('zk/zk-1'), plan('zk/zk-2', 'stopped')],
      live: undefined,
      observations: new Map([['zk/zk-1', obs('zk/zk-1')]]),
      operatorStops: new Map([['zk/zk-2', 'zk/zk-2 stopped by alice: disk swap']]),
      now,
    });
    expect(rows.map((r) => [r.instance, r.state, r.pid, r.uptimeSec, r.reason])).toEqual([
      ['zk/zk-1', 'running (last report)', 4242, null, ''],
      ['zk/zk-2', 'unknown', 0, null, 'zk/zk-2 stopped by alice: disk swap'],
    ]);
  });
});
