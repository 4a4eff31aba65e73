import { describe, it, expect } from 'vitest';
import { checkZookeeperHealth, describeSynced } from './health.js';
import { planZookeeper } from './plan.js';
import type { ZookeeperSpec } from './spec.js';
import type { ZookeeperProbe } from './parse.js';
import type { InstanceObservation } from '../../domain.js';

const NOW = 1_800_000_000_000;
const hosts = [1, 2, 3].map((i) => ({
  id: `zk${i}`,
  name: `zk${i}`,
  address: `127.0.0.1${i}`,
  dataRoot: '/d',
  labels: {},
}));
const spec: ZookeeperSpec = {
  name: 'zk',
  kind: 'zookeeper',
  distribution: { home: '/zk' },
  settings: {},
  members: [1, 2, 3].map((i) => ({ host: `zk${i}`, id: i })),
};
const plans = planZookeeper(spec, { hosts, clusters: new Map() });

const leader: ZookeeperProbe = { ok: true, serving: true, mode: 'leader', syncedFollowers: 2, learners: 2 };
const follower: ZookeeperProbe = { ok: true, serving: true, mode: 'follower' };
const notServing: ZookeeperProbe = { ok: true, serving: false, mode: 'unknown' };

function obs(i: number, probe: ZookeeperProbe | undefined, probeAgeMs = 500): InstanceObservation {
  return {
    id: `zk/zk-${i}`,
    hostId: `zk${i}`,
    process: probe ? 'running' : 'crashed',
    pid: 100 + i,
    restarts: 0,
    detail: '',
    restartPending: false,
    probeAt: probe ? NOW - probeAgeMs : 0,
    probe,
    reportedAt: NOW,
  };
}

function health(list: (InstanceObservation | undefined)[], lagging: string[] = []) {
  const observations = new Map(list.filter((o): o is InstanceObservation => !!o).map((o) => [o.id, o]));
  return checkZookeeperHealth({
    spec,
    plans,
    observations,
    lagging: new Set(lagging),
    hostNames: new Map(hosts.map((h) => [h.id, h.name])),
    now: NOW,
    staleAfterMs: 10_000,
  });
}

describe('zookeeper health rollup', () => {
  it('all serving, one leader, 2/2 synced → healthy', () => {
    const s = health([obs(1, follower), obs(2, leader), obs(3, follower)]);
    expect(s.health).toBe('healthy');
    expect(s.reason).toBe('leader 2, 2/2 followers synced');
    expect(s.members.map((m) => m.mode)).toEqual(['follower', 'leader', 'follower']);
  });
  it('right after a 5→3 shrink the leader still counts a removed follower: 3 synced → healthy, never "3/2"', () => {
    const s = health([obs(1, follower), obs(2, { ...leader, syncedFollowers: 3 }), obs(3, follower)]);
    expect(s.health).toBe('healthy');
    expect(s.reason).toBe(
      'leader 2, 3 followers synced (2 expected; the leader still counts 1 outside the current server list, e.g. a removed member not stopped yet)',
    );
  });
  it.each<[string, number | undefined, number, string]>([
    ['in sync', 2, 2, '2/2 followers synced'],
    ['behind', 1, 2, '1/2 followers synced'],
    ['unknown', undefined, 2, '?/2 followers synced'],
    [
      'more than the server list (shrink 5→3)',
      4,
      2,
      '4 followers synced (2 expected; the leader still counts 2 outside the current server list, e.g. a removed member not stopped yet)',
    ],
  ])('synced followers, %s → %s', (_n, synced, expected, want) => {
    expect(describeSynced(synced, expected)).toBe(want);
  });
  it('leader sees 1/2 synced followers → degraded', () => {
    expect(
      health([obs(1, follower), obs(2, { ...leader, syncedFollowers: 1 }), obs(3, follower)]).health,
    ).toBe('degraded');
  });
  it('one member crashed, quorum holds → degraded', () => {
    const s = health([obs(1, undefined), obs(2, { ...leader, syncedFollowers: 1 }), obs(3, follower)]);
    expect(s.health).toBe('degraded');
    expect(s.members[0]).toMatchObject({ process: 'crashed', mode: 'unknown' });
  });
  it('ruok-only liveness is not enough: members up but not serving → down', () => {
    expect(health([obs(1, notServing), obs(2, notServing), obs(3, notServing)]).health).toBe('down');
  });
  it('a stale leader probe does not count: followers serving, no leader seen → degraded, not healthy', () => {
    expect(health([obs(1, follower), obs(2, leader, 60_000), obs(3, follower)]).health).toBe('degraded');
  });
  it('every member serving as a follower (probes from before the last election) → degraded, not down', () => {
    // Seen right after a rolling restart: the old leader restarted as a follower and the new
    // leader's last probe was taken before it won the election.
    const s = health([obs(1, follower), obs(2, follower), obs(3, follower)]);
    expect([s.health, s.reason]).toEqual([
      'degraded',
      'no member reported leading yet (3/3 members serving as followers; their probes predate the last election)',
    ]);
  });
  it('a minority serving and no leader → down', () => {
    expect(health([obs(1, follower), obs(2, notServing), obs(3, notServing)]).health).toBe('down');
  });
  it('two leaders → degraded with both ids named', () => {
    expect(health([obs(1, leader), obs(2, leader), obs(3, follower)]).reason).toMatch(/ids 1, 2/);
  });
  it('nothing reported yet → pending', () => {
    expect(health([], ['zk1', 'zk2', 'zk3'])).toMatchObject({ health: 'pending' });
  });
});
