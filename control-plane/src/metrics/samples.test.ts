import { describe, it, expect } from 'vitest';
import { goldenChecker } from '@hactl/shared/testing/golden';
import type { ClusterView, HostView, MemberStatus, RolloutView } from '../api/contract.js';
import { Metrics } from './metrics.js';
import { planFleetSamples, type FleetState } from './samples.js';

const golden = goldenChecker(import.meta.url);

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
  name = 'c',
): ClusterView {
  return {
    name,
    kind,
    revision: 1,
    spec: { name, kind } as ClusterView['spec'],
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

/**
 * The whole `GET /metrics` text of the fleet gauges for one state holding every kind of sample (a
 * ZooKeeper leader and follower, Kafka brokers, an Elasticsearch node, Storm daemons one of them
 * unprobed, hosts, a rollout at its current step), pinned byte for byte: names, help, label order,
 * sample order and values. Captured before the probe gauges became one table in samples.ts.
 */
describe('GET /metrics fleet gauges', () => {
  const host = (name: string, connected: boolean) => ({ name, connected }) as HostView;
  const rollout = {
    id: 'r1',
    cluster: 'kafka-main',
    action: 'restart',
    state: 'running',
    steps: [
      { index: 0, instance: 'kafka-main/kafka-1', state: 'done', elapsedMs: 4000 },
      { index: 1, instance: 'kafka-main/kafka-2', state: 'requested', elapsedMs: 2500 },
      { index: 2, instance: 'kafka-main/kafka-3', state: 'pending', elapsedMs: null },
    ],
    current: { instance: 'kafka-main/kafka-2', phase: 'restarting' },
  } as unknown as RolloutView;
  const fleet: FleetState = {
    clusters: [
      cluster(
        'zookeeper',
        'healthy',
        [
          member(1, { mode: 'follower', syncedFollowers: 0, restarts: 2 }),
          member(2, { mode: 'leader', leading: true, syncedFollowers: 1 }),
        ],
        'zk-main',
      ),
      cluster(
        'kafka',
        'degraded',
        [
          member(1, { mode: 'controller', leading: true, underReplicated: 3 }),
          member(2, { underReplicated: 0 }),
          member(3, { process: 'crashed', mode: 'unknown' }),
        ],
        'kafka-main',
      ),
      cluster(
        'elasticsearch',
        'degraded',
        [member('node-1', { leading: true, clusterStatus: 'yellow', unassignedShards: 4 })],
        'es-main',
      ),
      cluster(
        'storm',
        'down',
        [
          member('nimbus-h1', { role: 'nimbus', mode: 'unknown' }),
          member('supervisor-h2', { role: 'supervisor', process: 'stopped' }),
        ],
        'storm-main',
      ),
    ],
    hosts: [host('h1', true), host('h2', false), host('h3', true)],
    rollouts: [rollout],
  };

  it('one state with every kind of sample → the same exposition text, byte for byte', async () => {
    const { text } = await new Metrics(() => fleet).render();
    golden('fleet-gauges.prom', text);
  });
});
