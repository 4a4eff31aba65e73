import { describe, expect, it } from 'vitest';
import type { InstanceObservation } from '../domain.js';
import { lastProbeOf, memberStatus } from './member.js';

const plan = { id: 'zk/zk-1', hostId: 'h-1', role: 'member' };
const hostNames = new Map([['h-1', 'zk1']]);
const obs: InstanceObservation = {
  id: 'zk/zk-1',
  hostId: 'h-1',
  reportedAt: 0,
  process: 'running',
  pid: 4242,
  restarts: 1,
  detail: '',
  restartPending: false,
  probeAt: Date.UTC(2026, 11, 1, 12, 0, 0),
  probe: undefined,
};
const fields = { id: 1, address: '127.0.0.11', port: 2181, mode: 'leader', leading: true, detail: '' };

describe('memberStatus (the one shape every kind builds member statuses in)', () => {
  it('keys in the order the REST views have always shown, then the probe values; undefined ones left out', () => {
    const s = memberStatus(plan, obs, hostNames, fields, { syncedFollowers: 2, offline: undefined });
    expect(Object.keys(s)).toEqual([
      'instance',
      'host',
      'role',
      'process',
      'lastProbe',
      'pid',
      'restarts',
      'id',
      'address',
      'port',
      'mode',
      'leading',
      'restartRank',
      'detail',
      'syncedFollowers',
    ]);
    expect(s).toMatchObject({
      instance: 'zk/zk-1',
      host: 'zk1',
      process: 'running',
      lastProbe: '2026-12-01T12:00:00.000Z',
      pid: 4242,
      restarts: 1,
      syncedFollowers: 2,
    });
  });

  it('restart rank: the leader goes last (2), others first (0), unless the kind ranks itself', () => {
    expect(memberStatus(plan, obs, hostNames, fields).restartRank).toBe(2);
    expect(memberStatus(plan, obs, hostNames, { ...fields, leading: false }).restartRank).toBe(0);
    expect(
      memberStatus(plan, obs, hostNames, { ...fields, leading: false, restartRank: 1 }).restartRank,
    ).toBe(1);
  });

  it("the agent's log files and last unexpected exit come last, and only when reported", () => {
    const failure = {
      exitCode: 1,
      signal: null,
      exitedAt: '2026-12-01T11:59:58.000Z',
      logFile: '/var/log/zk/zookeeper.log',
      logTail: ['java.net.BindException: Address already in use'],
    };
    const s = memberStatus(
      plan,
      { ...obs, logFiles: ['/var/log/zk/zookeeper.log'], failure },
      hostNames,
      fields,
      { syncedFollowers: 2 },
    );
    expect(Object.keys(s).slice(-3)).toEqual(['syncedFollowers', 'logs', 'failure']);
    expect(s.logs).toEqual(['/var/log/zk/zookeeper.log']);
    expect(s.failure).toBe(failure);
    const quiet = memberStatus(plan, { ...obs, logFiles: [] }, hostNames, fields);
    expect('logs' in quiet || 'failure' in quiet).toBe(false);
  });

  it('never reported: process unknown, no probe time; an unregistered host shows its id; a kind may name the host', () => {
    const s = memberStatus(plan, undefined, new Map(), fields);
    expect(s).toMatchObject({ host: 'h-1', process: 'unknown', lastProbe: null, pid: 0, restarts: 0 });
    expect(memberStatus(plan, undefined, hostNames, { ...fields, host: 'storm1' }).host).toBe('storm1');
  });
});

describe('lastProbeOf: the ISO time of a probe, each time formatted once', () => {
  it('never probed, or no current probe → null', () => {
    expect(lastProbeOf(undefined)).toBeNull();
    expect(lastProbeOf({ probeAt: 0 })).toBeNull();
  });

  it('gives each time its own text, across more times than it keeps', () => {
    const base = Date.UTC(2026, 11, 5, 0, 0, 0);
    // 60,000 distinct times: past the memo's bound, so it is cleared and refilled on the way.
    for (let k = 0; k < 60_000; k += 1) {
      const at = base + k * 7;
      if (k % 997 === 0 || k === 59_999)
        expect(lastProbeOf({ probeAt: at })).toBe(new Date(at).toISOString());
      else lastProbeOf({ probeAt: at });
    }
    expect(lastProbeOf({ probeAt: base })).toBe('2026-12-05T00:00:00.000Z');
  });
});
