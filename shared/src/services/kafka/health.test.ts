import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkKafkaHealth } from './health.js';
import { KRAFT_CLUSTER_ID_FACT, planKafka } from './plan.js';
import {
  parseBrokerRegistration,
  parseControllerZnode,
  parseKafkaProbe,
  summariseCluster,
  summarisePartitions,
  type ClusterMetadataLike,
  type KafkaProbe,
  type TopicMetadataLike,
} from './parse.js';
import { validateKafkaSpec, type KafkaSpec } from './spec.js';
import type { InstanceObservation, ClusterSpecBase } from '../../domain.js';
import type { FleetContext } from '../types.js';
import { clusterSpecMap } from '../fleet-context.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const load = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(testdata, name), 'utf8')) as T;

const NOW = 1_800_000_000_000;
const host = (name: string, address: string) => ({ id: name, name, address, dataRoot: '/d', labels: {} });
const fleet: FleetContext = {
  hosts: [
    host('zk1', '127.0.4.1'),
    ...[1, 2, 3].flatMap((i) => [host(`kafka${i}`, `127.0.4.1${i}`), host(`kraft${i}`, `127.0.4.2${i}`)]),
  ],
  clusters: clusterSpecMap([
    {
      name: 'zk',
      kind: 'zookeeper',
      distribution: { home: '/zk' },
      settings: {},
      members: [{ host: 'zk1', id: 1 }],
    } as unknown as ClusterSpecBase,
  ]),
  clusterFacts: new Map([['kraft', { [KRAFT_CLUSTER_ID_FACT]: 'AAAAAAAAAAAAAAAAAAAAAA' }]]),
};
function validated(raw: unknown): KafkaSpec {
  const v = validateKafkaSpec(raw, fleet);
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.spec;
}
const zkSpec = validated({
  name: 'kafka-cap',
  kind: 'kafka',
  distribution: { home: '/k' },
  zookeeper: 'zk',
  brokers: [1, 2, 3].map((i) => ({ host: `kafka${i}`, id: i })),
});
const kraftSpec = validated({
  name: 'kraft',
  kind: 'kafka',
  distribution: { home: '/k' },
  mode: 'kraft',
  brokers: [1, 2, 3].map((i) => ({ host: `kraft${i}`, id: i, roles: ['broker', 'controller'] })),
});

function health(
  spec: KafkaSpec,
  probes: (KafkaProbe | undefined)[],
  opts: { lagging?: string[]; ageMs?: number } = {},
) {
  const plans = planKafka(spec, fleet);
  const observations = new Map<string, InstanceObservation>();
  plans.forEach((p, i) => {
    const probe = probes[i];
    if (probe === undefined && opts.lagging) return;
    observations.set(p.id, {
      id: p.id,
      hostId: p.hostId,
      process: probe?.ok ? 'running' : 'crashed',
      pid: 100 + i,
      restarts: 0,
      detail: '',
      restartPending: false,
      probeAt: probe ? NOW - (opts.ageMs ?? 500) : 0,
      probe,
      reportedAt: NOW,
    });
  });
  return checkKafkaHealth({
    spec,
    plans,
    observations,
    lagging: new Set(opts.lagging ?? []),
    hostNames: new Map(fleet.hosts.map((h) => [h.id, h.name])),
    now: NOW,
    staleAfterMs: 10_000,
  });
}

// Recorded from real Kafka 3.9.2 (ZooKeeper mode) and 4.1.1 (KRaft); testdata/README.md says how.
const ZK = 'kafka3.9.2';
const KRAFT = 'kafka4.1.1';

describe('kafka parsers over recorded responses', () => {
  it('summarises kafkajs fetchTopicMetadata: healthy, then broker 3 dead (real metadata lists partitions and ISRs in no particular order)', () => {
    expect(
      summarisePartitions(
        load<{ topics: TopicMetadataLike[] }>(`kafkajs-fetchTopicMetadata-zk-healthy-${ZK}.json`).topics,
      ),
    ).toEqual({ topics: 1, partitions: 3, underReplicated: 0, offline: 0 });
    expect(
      summarisePartitions(
        load<{ topics: TopicMetadataLike[] }>(`kafkajs-fetchTopicMetadata-zk-broker3-dead-${ZK}.json`).topics,
      ),
    ).toEqual({ topics: 1, partitions: 3, underReplicated: 3, offline: 0 });
  });
  it('counts a partition without a leader as offline', () => {
    expect(
      summarisePartitions([
        { name: 't', partitions: [{ partitionId: 0, leader: -1, replicas: [1, 2], isr: [1] }] },
      ]),
    ).toMatchObject({ underReplicated: 1, offline: 1 });
  });
  it('summarises kafkajs describeCluster: brokers sorted (real order 2,3,1), Metadata controller_id, cluster id', () => {
    expect(summariseCluster(load<ClusterMetadataLike>(`kafkajs-describeCluster-zk-${ZK}.json`))).toEqual({
      brokers: [1, 2, 3],
      controller: 2,
      clusterId: 't07TIO_qR16S78WygTmFFA',
    });
    // KRaft: controller_id is a random live broker (2 here), not the quorum leader (3 in the probes recorded with it).
    expect(
      summariseCluster(load<ClusterMetadataLike>(`kafkajs-describeCluster-kraft-${KRAFT}.json`)),
    ).toEqual({ brokers: [1, 2, 3], controller: 2, clusterId: 'zor_bCxGCdAIdyZK2F4Wlw' });
  });
  it('reads /controller and /brokers/ids/<id> znodes', () => {
    const read = (n: string) => fs.readFileSync(path.join(testdata, n), 'utf8');
    expect(parseControllerZnode(read(`znode-controller-${ZK}.json`))).toBe(2);
    expect(parseControllerZnode('{"version":1,"brokerid":2,"timestamp":"1673382716473"}')).toBe(2);
    expect(parseBrokerRegistration(read(`znode-brokers-ids-1-${ZK}.json`))).toEqual({
      endpoints: ['PLAINTEXT://127.0.4.11:9092'],
      rack: 'r1',
      version: 5,
    });
    expect(() => parseControllerZnode('{"version":2}')).toThrow(/unexpected \/controller/);
  });
  it('probe schema accepts the recorded probes and refuses garbage', () => {
    for (const f of [
      `probe-zk-healthy-${ZK}.json`,
      `probe-zk-broker3-dead-${ZK}.json`,
      `probe-kraft-healthy-${KRAFT}.json`,
    ])
      for (const p of load<unknown[]>(f)) expect(() => parseKafkaProbe(p)).not.toThrow();
    expect(() => parseKafkaProbe({ ok: true, id: 1, extra: 1 })).toThrow();
    expect(() => parseKafkaProbe({ ok: 'yes', id: 1 })).toThrow();
  });
});

describe('kafka health rollup', () => {
  const zkHealthy = load<KafkaProbe[]>(`probe-zk-healthy-${ZK}.json`);
  const zkDead = load<KafkaProbe[]>(`probe-zk-broker3-dead-${ZK}.json`);
  const kraftHealthy = load<KafkaProbe[]>(`probe-kraft-healthy-${KRAFT}.json`);

  it('ZooKeeper mode, recorded healthy probes → healthy with the /controller broker as controller', () => {
    const s = health(zkSpec, zkHealthy);
    expect(s).toMatchObject({ health: 'healthy', reason: '3/3 brokers, controller 2, 0 under-replicated' });
    expect(s.members.map((m) => m.mode)).toEqual(['broker', 'controller', 'broker']);
    expect(s.members[0]).toMatchObject({
      id: 1,
      address: '127.0.4.11',
      port: 9092,
      role: 'broker',
      underReplicated: 0,
      offline: 0,
    });
  });
  it('ZooKeeper mode, recorded broker 3 killed → degraded with 3 under-replicated, member 3 unknown', () => {
    const s = health(zkSpec, zkDead);
    expect(s).toMatchObject({ health: 'degraded', reason: '2/3 brokers, controller 2, 3 under-replicated' });
    expect(s.members[2]).toMatchObject({
      mode: 'unknown',
      process: 'crashed',
      detail: expect.stringMatching(/ECONNREFUSED/),
    });
  });
  it('a broker that answers but is not registered in ZooKeeper is not healthy', () => {
    expect(health(zkSpec, [{ ...zkHealthy[0]!, registered: false }, zkHealthy[1], zkHealthy[2]]).health).toBe(
      'degraded',
    );
  });
  it('/controller pointing at a dead broker → down', () => {
    const s = health(
      zkSpec,
      [zkDead[0]!, zkDead[1]!, zkDead[2]!].map((p) => (p.ok ? { ...p, zkController: 3 } : p)),
    );
    expect(s).toMatchObject({
      health: 'down',
      reason: expect.stringMatching(/controller 3 is not a live broker/),
    });
  });
  it('no controller → down; no broker answers → down', () => {
    expect(
      health(
        zkSpec,
        zkHealthy.map((p) => ({ ...p, zkController: null })),
      ).health,
    ).toBe('down');
    expect(
      health(
        zkSpec,
        [1, 2, 3].map((id) => ({ ok: false, id, error: 'ECONNREFUSED' })),
      ).health,
    ).toBe('down');
  });
  it('unknown partition state is never healthy; offline partitions degrade', () => {
    expect(
      health(
        zkSpec,
        zkHealthy.map(({ underReplicated: _u, ...p }) => p),
      ).health,
    ).toBe('degraded');
    expect(
      health(
        zkSpec,
        zkHealthy.map((p) => ({ ...p, offline: 1 })),
      ).reason,
    ).toMatch(/1 offline$/);
  });
  it('a live broker whose own metadata read failed is named, and the cluster is not healthy', () => {
    const { underReplicated: _u, offline: _o, ...blind } = zkHealthy[0]!;
    const s = health(zkSpec, [{ ...blind, error: 'The request timed out' }, zkHealthy[1], zkHealthy[2]]);
    expect(s).toMatchObject({
      health: 'degraded',
      reason: '3/3 brokers, controller 2, 0 under-replicated, no partition view from 1',
    });
    expect(s.members[0]).toMatchObject({ detail: expect.stringMatching(/The request timed out/) });
  });
  it('stale probes do not count; nothing reported yet → pending', () => {
    expect(health(zkSpec, zkHealthy, { ageMs: 60_000 }).health).toBe('down');
    expect(
      health(zkSpec, [undefined, undefined, undefined], { lagging: ['kafka1', 'kafka2', 'kafka3'] }).health,
    ).toBe('pending');
  });
  it('KRaft, recorded healthy probes → healthy with the quorum leader as controller (not Metadata controller_id)', () => {
    // The recorded Metadata controller_id differs between probes (3, 2, 3): a random live broker.
    expect(new Set(kraftHealthy.map((p) => p.controller)).size).toBeGreaterThan(1);
    const s = health(kraftSpec, kraftHealthy);
    expect(s).toMatchObject({
      health: 'healthy',
      reason: '3/3 nodes, quorum leader 3 (epoch 1), 3/3 voters, 0 under-replicated',
    });
    expect(s.members.map((m) => [m.mode, m.role])).toEqual([
      ['broker', 'broker,controller'],
      ['broker', 'broker,controller'],
      ['controller', 'broker,controller'],
    ]);
  });
  it('KRaft, one follower voter down → degraded; the leader down → down; two down → down (no majority)', () => {
    const down = (id: number): KafkaProbe => ({ ok: false, id, error: 'ECONNREFUSED' });
    expect(health(kraftSpec, [down(1), kraftHealthy[1], kraftHealthy[2]]).health).toBe('degraded');
    expect(health(kraftSpec, [kraftHealthy[0], kraftHealthy[1], down(3)])).toMatchObject({
      health: 'down',
      reason: expect.stringMatching(/quorum leader 3 not confirmed/),
    });
    expect(health(kraftSpec, [down(1), down(2), kraftHealthy[2]])).toMatchObject({
      health: 'down',
      reason: expect.stringMatching(/1\/3 voters live, a majority is 2/),
    });
  });
});
