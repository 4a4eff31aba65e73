import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  parseConfigZnode,
  parseMinIsr,
  parsePartitionStateZnode,
  parseTopicZnode,
  type KafkaPartitionView,
} from './partition-state.js';
import {
  checkKafkaPartitionsWhole,
  countKafkaPartitionTrouble,
  checkKafkaStop,
  combineKafkaStopDecisions,
  MAX_REASONS,
  summariseBrokerReplicas,
} from './stop-safety.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const text = (name: string) => fs.readFileSync(path.join(testdata, name), 'utf8').trim();
const load = <T>(name: string): T => JSON.parse(text(name)) as T;

// Recorded by test/e2e/kafka-stop-gate.test.ts (testdata/README.md): topics events (3 partitions,
// RF 3, min ISR 2), solo (only replica on broker 3, min ISR 2) and pair (brokers 1 and 2, min ISR 1).
const zkHealthy = load<KafkaPartitionView>('partition-view-zk-healthy-kafka3.9.2.json');
const zkBroker2Stopped = load<KafkaPartitionView>('partition-view-zk-broker2-stopped-kafka3.9.2.json');
const kraftHealthy = load<KafkaPartitionView[]>('partition-views-kraft-healthy-kafka4.1.1.json');
const kraftNode3Stopped = load<KafkaPartitionView[]>('partition-views-kraft-node3-stopped-kafka4.1.1.json');

/** A copy of `v` with partition `key` (`topic-p`) changed. */
function withPartition(
  v: KafkaPartitionView,
  key: string,
  change: Partial<KafkaPartitionView['partitions'][number]>,
): KafkaPartitionView {
  return {
    ...v,
    partitions: v.partitions.map((p) => (`${p.topic}-${p.partition}` === key ? { ...p, ...change } : p)),
  };
}

describe('kafka partition znodes (recorded from Kafka 3.9.2)', () => {
  it('topic assignment: partitions and (empty) reassignment maps', () => {
    const t = parseTopicZnode('events', text('znode-topic-events-kafka3.9.2.json'));
    expect([...t.partitions.keys()].sort()).toEqual([0, 1, 2]);
    for (const reps of t.partitions.values()) expect([...reps].sort()).toEqual([1, 2, 3]);
    expect(t.adding.size).toBe(0);
    expect(t.removing.size).toBe(0);
  });

  it('partition state: leader, isr, epochs', () => {
    const s = parsePartitionStateZnode('state', text('znode-partition-state-events-0-kafka3.9.2.json'));
    expect(s.isr.length).toBe(3);
    expect(s.isr).toContain(s.leader);
    expect(s.controllerEpoch).toBeGreaterThanOrEqual(1);
  });

  it('topic config override', () => {
    expect(parseConfigZnode('/config/topics/pair', text('znode-config-topic-pair-kafka3.9.2.json'))).toEqual({
      'min.insync.replicas': '1',
    });
  });

  it('a version-2 topic znode (Kafka ≤ 2.7: no reassignment maps, no topic id) parses', () => {
    const t = parseTopicZnode('old', '{"version":2,"partitions":{"0":[1,2]}}');
    expect(t.partitions.get(0)).toEqual([1, 2]);
  });

  it.each([
    ['not JSON', 'state', 'nope', /unexpected state data: nope/],
    [
      'isr missing',
      'state',
      '{"version":1,"leader":1,"leader_epoch":0,"controller_epoch":1}',
      /unexpected state/,
    ],
  ])('garbage is refused, naming the path: %s', (_, where, body, re) => {
    expect(() => parsePartitionStateZnode(where, body)).toThrow(re);
  });

  it('min.insync.replicas values: integers ≥ 1 only', () => {
    expect(parseMinIsr('x', '2')).toBe(2);
    expect(() => parseMinIsr('topic t', '0')).toThrow(
      /topic t: min.insync.replicas "0" is not an integer ≥ 1/,
    );
    expect(() => parseMinIsr('topic t', 'two')).toThrow(/not an integer/);
  });
});

describe('kafka stop safety (checkKafkaStop) on recorded views', () => {
  it('ZooKeeper mode, all in sync: broker 1 may stop (events and pair keep their min ISR without it)', () => {
    expect(checkKafkaStop(zkHealthy, 1)).toEqual({
      verdict: 'stop',
      reasons: [
        'zookeeper /sg-kafka: 5 partition(s) in sync; each of the 4 on broker 1 keeps min.insync.replicas without it',
      ],
    });
  });

  it('ZooKeeper mode: broker 3 is refused: solo-0 has no other replica, and waiting cannot change that', () => {
    expect(checkKafkaStop(zkHealthy, 3)).toEqual({
      verdict: 'refuse',
      reasons: [
        'zookeeper /sg-kafka: solo-0: replicas [3] with min.insync.replicas 2: without broker 3 it is offline until the broker is back, however long one waits',
      ],
    });
  });

  it('ZooKeeper mode, broker 2 stopped: broker 1 waits (events and pair under-replicated)', () => {
    const d = checkKafkaStop(zkBroker2Stopped, 1);
    expect(d.verdict).toBe('wait');
    expect(d.reasons).toHaveLength(4);
    for (const r of d.reasons)
      expect(r).toMatch(/^zookeeper \/sg-kafka: (events-\d|pair-0): under-replicated, isr/);
  });

  it('a partition whose only missing replica is the broker itself does not hold it back (a stuck broker may restart)', () => {
    // From broker 2's side the same view only lacks broker 2: stopping it changes nothing.
    expect(checkKafkaStop(zkBroker2Stopped, 2).verdict).toBe('stop');
  });

  it('RF = min.insync.replicas: acks=all writes would fail while the broker is down → refuse', () => {
    const v = { ...zkHealthy, minIsr: { ...zkHealthy.minIsr, pair: 2 } };
    expect(checkKafkaStop(v, 1)).toEqual({
      verdict: 'refuse',
      reasons: [
        'zookeeper /sg-kafka: pair-0: replicas [1,2] with min.insync.replicas 2: without broker 1 acks=all writes fail until the broker is back, however long one waits',
      ],
    });
  });

  it('another replica of a partition on the broker out of sync → wait (stopping it would leave the partition short)', () => {
    // events-0 with only brokers 1 and 3 in sync: broker 1 out would leave 1 < 2.
    const v = withPartition(zkHealthy, 'events-0', { isr: [1, 3] });
    const d = checkKafkaStop(v, 1);
    expect(d.verdict).toBe('wait');
    expect(d.reasons).toEqual([
      'zookeeper /sg-kafka: events-0: under-replicated, isr [1,3] of replicas [1,3,2]',
    ]);
  });

  it('an offline partition anywhere → wait', () => {
    const v = withPartition(zkHealthy, 'pair-0', { leader: -1, isr: [1] });
    expect(checkKafkaStop(v, 3)).toMatchObject({ verdict: 'refuse' }); // solo-0 still refuses first
    const d = checkKafkaStop(v, 1);
    expect(d).toEqual({
      verdict: 'wait',
      reasons: ['zookeeper /sg-kafka: pair-0: offline (no leader; isr [1] of replicas [1,2])'],
    });
  });

  it('a reassignment in progress → wait', () => {
    const v = withPartition(zkHealthy, 'events-1', { adding: [4], removing: [2] });
    expect(checkKafkaStop(v, 1)).toEqual({
      verdict: 'wait',
      reasons: ['zookeeper /sg-kafka: events-1: reassignment in progress (adding [4], removing [2])'],
    });
  });

  it('a single-broker cluster may always stop (nothing to keep available)', () => {
    const v: KafkaPartitionView = {
      source: 'zookeeper /one',
      brokers: [1],
      minIsr: { t: 1 },
      partitions: [{ topic: 't', partition: 0, replicas: [1], isr: [1], leader: 1 }],
    };
    expect(checkKafkaStop(v, 1)).toEqual({
      verdict: 'stop',
      reasons: [
        "zookeeper /one: broker 1 is the cluster's only broker; its 1 partition(s) are offline until it is back",
      ],
    });
  });

  it(`reasons are capped at ${MAX_REASONS}, then counted`, () => {
    const partitions = Array.from({ length: 12 }, (_, i) => ({
      topic: 'big',
      partition: i,
      replicas: [1, 2, 3],
      isr: [1, 3],
      leader: 1,
    }));
    const d = checkKafkaStop({ source: 's', brokers: [1, 3], minIsr: { big: 2 }, partitions }, 1);
    expect(d.reasons).toHaveLength(MAX_REASONS + 1);
    expect(d.reasons.at(-1)).toBe('… and 4 more');
  });

  it('KRaft, every broker whole: node 1 may stop in every view', () => {
    const d = combineKafkaStopDecisions(kraftHealthy.map((v) => checkKafkaStop(v, 1)));
    expect(d.verdict).toBe('stop');
    expect(d.reasons.map((r) => r.split(':')[0])).toEqual([
      'metadata of broker 1',
      'metadata of broker 2',
      'metadata of broker 3',
    ]);
  });

  it('KRaft, node 3 stopped: node 1 waits (events under-replicated, solo offline) in both remaining views', () => {
    const d = combineKafkaStopDecisions(kraftNode3Stopped.map((v) => checkKafkaStop(v, 1)));
    expect(d.verdict).toBe('wait');
    expect(d.reasons).toContain('metadata of broker 2: solo-0: offline (no leader; isr [] of replicas [3])');
  });

  it('views combine to the worst: one lagging broker that still sees the ISR short holds the gate', () => {
    const lagging = withPartition(kraftHealthy[1]!, 'events-2', { isr: [1, 2] });
    const d = combineKafkaStopDecisions(
      [kraftHealthy[0]!, lagging, kraftHealthy[2]!].map((v) => checkKafkaStop(v, 1)),
    );
    expect(d.verdict).toBe('wait');
    expect(d.reasons).toEqual([
      'metadata of broker 2: events-2: under-replicated, isr [1,2] of replicas [2,3,1]',
    ]);
    expect(combineKafkaStopDecisions([])).toEqual({
      verdict: 'wait',
      reasons: ['no view of the partitions was read'],
    });
  });
});

describe('kafka partitions whole (after a restart)', () => {
  it('recorded: whole when healthy, not while broker 2 is out', () => {
    expect(checkKafkaPartitionsWhole(zkHealthy)).toEqual({
      verdict: 'stop',
      reasons: ['zookeeper /sg-kafka: all 5 partition(s) in sync'],
    });
    const d = checkKafkaPartitionsWhole(zkBroker2Stopped);
    expect(d.verdict).toBe('wait');
    expect(d.reasons).toHaveLength(4);
  });
});

describe('kafka replicas on a broker (removal)', () => {
  it('recorded ZooKeeper view: topics and partition counts per broker', () => {
    expect(summariseBrokerReplicas(zkHealthy, 3)).toEqual({
      brokerId: 3,
      topics: [
        { topic: 'events', partitions: 3 },
        { topic: 'solo', partitions: 1 },
      ],
      replicas: 4,
      source: 'zookeeper /sg-kafka',
    });
    expect(summariseBrokerReplicas(zkHealthy, 7)).toEqual({
      brokerId: 7,
      topics: [],
      replicas: 0,
      source: 'zookeeper /sg-kafka',
    });
  });

  it('KRaft: a stopped broker still holds its assignment (read from a peer)', () => {
    expect(summariseBrokerReplicas(kraftNode3Stopped[0]!, 3).topics).toEqual([
      { topic: 'events', partitions: 3 },
      { topic: 'solo', partitions: 1 },
    ]);
  });

  it('a reassignment target counts as held', () => {
    const v = withPartition(zkHealthy, 'pair-0', { adding: [3] });
    expect(summariseBrokerReplicas(v, 3).topics).toEqual([
      { topic: 'events', partitions: 3 },
      { topic: 'pair', partitions: 1 },
      { topic: 'solo', partitions: 1 },
    ]);
  });
});

describe('countKafkaPartitionTrouble (the controller agent probe counts from ZooKeeper)', () => {
  it('counts what the recorded ZooKeeper views hold: none healthy, 4 of 5 under-replicated with broker 2 stopped', () => {
    expect(countKafkaPartitionTrouble(zkHealthy)).toEqual({ underReplicated: 0, offline: 0 });
    expect(countKafkaPartitionTrouble(zkBroker2Stopped)).toEqual({ underReplicated: 4, offline: 0 });
  });
  it('an offline partition counts as offline and, its ISR short of its replicas, as under-replicated', () => {
    const v = withPartition(zkHealthy, 'pair-0', { leader: -1, isr: [1] });
    expect(countKafkaPartitionTrouble(v)).toEqual({ underReplicated: 1, offline: 1 });
  });
});
