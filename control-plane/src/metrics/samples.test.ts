import { describe, it, expect } from 'vitest';
import type { ClusterView, MemberStatus } from '../api/contract.js';
import { planFleetSamples } from './samples.js';

function member(id: number | string, o: Partial<MemberStatus> = {}): MemberStatus {
  return {
    instance: `c/${id}`,
    host: `h${id}`,
    id,
    address: '127.0.0.1',
    port: 1,
    role: 'member',
    mode: 'member',
    leading: false,
    restartRank: 0,
    process: 'running',
    lastProbe: null,
    detail: '',
    pid: 1,
    restarts: 0,
    ...o,
  };
}

function cluster(
  kind: string,
  health: ClusterView['status']['health'],
  members: MemberStatus[],
): ClusterView {
  return {
    name: 'c',
    kind,
    revision: 1,
    spec: { name: 'c', kind } as ClusterView['spec'],
    updatedAt: '2027-01-01T00:00:00.000Z',
    status: { health, reason: '', members },
  };
}

const samples = (c: ClusterView) => planFleetSamples({ clusters: [c], hosts: [], rollouts: [] });

describe('planFleetSamples', () => {
  it('kafka: each broker’s under-replicated partitions; the controller leads', () => {
    const s = samples(
      cluster('kafka', 'degraded', [
        member(1, { underReplicated: 3, leading: true, mode: 'controller' }),
        member(2, { underReplicated: 0 }),
      ]),
    );
    expect(s.hactl_kafka_under_replicated_partitions).toEqual([
      { labels: { cluster: 'c', member: '1' }, value: 3 },
      { labels: { cluster: 'c', member: '2' }, value: 0 },
    ]);
    expect(s.hactl_cluster_leader_present).toEqual([{ labels: { cluster: 'c', kind: 'kafka' }, value: 1 }]);
    expect(s.hactl_cluster_health.find((x) => x.value === 1)?.labels.health).toBe('degraded');
  });

  it('elasticsearch: status as a state set and unassigned shards per node', () => {
    const s = samples(
      cluster('elasticsearch', 'degraded', [
        member('node-1', { clusterStatus: 'yellow', unassignedShards: 4 }),
      ]),
    );
    expect(s.hactl_elasticsearch_cluster_status).toEqual([
      { labels: { cluster: 'c', member: 'node-1', status: 'green' }, value: 0 },
      { labels: { cluster: 'c', member: 'node-1', status: 'yellow' }, value: 1 },
      { labels: { cluster: 'c', member: 'node-1', status: 'red' }, value: 0 },
    ]);
    expect(s.hactl_elasticsearch_unassigned_shards).toEqual([
      { labels: { cluster: 'c', member: 'node-1' }, value: 4 },
    ]);
  });

  it('storm: no leader nimbus → leader_present 0; an unprobed member is not up and has no probe series', () => {
    const s = samples(
      cluster('storm', 'down', [
        member('nimbus-h1', { mode: 'unknown', role: 'nimbus' }),
        member('supervisor-h2', { process: 'crashed', role: 'supervisor' }),
      ]),
    );
    expect(s.hactl_cluster_leader_present[0]?.value).toBe(0);
    expect(s.hactl_member_up.map((x) => x.value)).toEqual([0, 0]);
    expect(s.hactl_cluster_members_ready[0]?.value).toBe(0);
    expect(s.hactl_zookeeper_synced_followers).toEqual([]);
  });

  it('zookeeper: synced followers only from the leader (a follower’s mntr has none to report)', () => {
    const s = samples(
      cluster('zookeeper', 'healthy', [
        member(1, { syncedFollowers: 0 }),
        member(2, { leading: true, mode: 'leader', syncedFollowers: 2 }),
      ]),
    );
    expect(s.hactl_zookeeper_synced_followers).toEqual([{ labels: { cluster: 'c', member: '2' }, value: 2 }]);
  });
});
