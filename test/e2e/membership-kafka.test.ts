import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { Traffic } from '../src/lab/kafka-traffic.js';
import { Lab, type ClusterStatusBody, type RolloutView } from '../src/lab/fleet.js';
import { LAB_JVM_FLAGS, distHome } from '../src/lab/dist.js';
import { labZookeeperSpec } from '../src/lab/zookeeper.js';
import { waitFor } from '../src/lab/wait.js';

// Lab slice: 127.0.20.0/24 (reserved for membership e2e tests): ZooKeeper .1, brokers .11-.13.
const ZK = 'mk-zk1';
const BROKERS = [1, 2, 3].map((id) => [`mk-k${id}`, `127.0.20.${10 + id}`] as const);
const CLUSTER = 'mk-kafka';
const TOPIC = 'keep';

const kafkaSpec = (ids: readonly number[]) => ({
  name: CLUSTER,
  kind: 'kafka',
  distribution: { home: distHome('kafka') },
  zookeeper: 'mk-zk',
  brokers: ids.map((id) => ({ host: `mk-k${id}`, id })),
  settings: {
    'zookeeper.session.timeout.ms': 6000,
    'default.replication.factor': 1,
    // One consumer-offsets partition, on one broker, keeps the lab light. (The transaction log's
    // factors are left to hactl's defaults, which follow the broker count below three: adding a
    // broker changes them, and that must not restart the other brokers, kafka/change.ts.)
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'group.initial.rebalance.delay.ms': 0,
  },
  jvm: { heap: '256m', flags: [...LAB_JVM_FLAGS] },
});

/**
 * Issue 10 acceptance, Kafka: a broker is added without stopping any other; an empty broker is
 * removed through its lease; a broker that still holds partition replicas is not stopped, and the
 * refusal lists the topics, until the operator forces it. A producer (acks=all) and a consumer run
 * through every change; every acknowledged message is read back.
 *
 * On a control plane without membership procedures, removing broker 2 stops it at once, without a
 * lease, although it holds the replicas of `keep`; the refusal test fails there.
 */
describe(
  'e2e: Kafka brokers added and removed through the membership procedure (issue 10)',
  { timeout: 600_000 },
  () => {
    let lab: Lab;
    let kafka: Kafka;
    let producer: Producer;
    let consumer: Consumer;
    let traffic: Traffic;

    const apply = async (ids: readonly number[], query = '') => {
      const put = await lab.api<{ rollout?: string; membershipSteps?: string[] }>(
        'PUT',
        `/v1/clusters/${CLUSTER}${query}`,
        kafkaSpec(ids),
      );
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      return put.body;
    };
    const settled = (id: string, until: readonly string[]) =>
      lab.waitForRollout<RolloutView>(id, { until, timeoutMs: 240_000 });
    const pids = (c: ClusterStatusBody) => new Map(c.status.members.map((m) => [m.host, m.pid]));

    beforeAll(async () => {
      lab = await Lab.create('membership-kafka');
      await lab.startControlPlane();
      await lab.startAgent(ZK, '127.0.20.1');
      for (const [name, address] of BROKERS) await lab.startAgent(name, address);
      await lab.waitForHosts([ZK, ...BROKERS.map(([n]) => n)]);
      expect((await lab.api('PUT', '/v1/clusters/mk-zk', labZookeeperSpec('mk-zk', [ZK]))).status).toBe(200);
      expect((await lab.api('PUT', `/v1/clusters/${CLUSTER}`, kafkaSpec([1, 2]))).status).toBe(200);
      await lab.waitForHealth(CLUSTER, 'healthy', { timeoutMs: 180_000 });
      kafka = new Kafka({
        clientId: 'membership-e2e',
        brokers: ['127.0.20.11:9092', '127.0.20.12:9092'],
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      await admin.connect();
      // `keep` has a replica on brokers 1 and 2: broker 2 is "loaded".
      await admin.createTopics({
        topics: [{ topic: TOPIC, replicaAssignment: [{ partition: 0, replicas: [1, 2] }] }],
        waitForLeaders: true,
      });
      await admin.disconnect();
      producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      consumer = kafka.consumer({ groupId: 'membership-e2e' });
      await consumer.connect();
      traffic = new Traffic(kafka, producer, consumer, TOPIC);
      await traffic.startReading();
      traffic.startSending();
    });

    afterAll(async () => {
      await traffic?.stopSending();
      await producer?.disconnect().catch(() => undefined);
      await consumer?.disconnect().catch(() => undefined);
      await lab?.destroy();
    });

    it('adds broker 3 without stopping brokers 1 and 2', async () => {
      const before = pids(await lab.cluster(CLUSTER));
      const applied = await apply([1, 2, 3]);
      expect(applied.membershipSteps?.map((l) => l.replace(/ on mk-k\d$/, ''))).toEqual([
        `phase 1 (members kafka-1, kafka-2, kafka-3): start new member ${CLUSTER}/kafka-3`,
      ]);
      const done = await settled(applied.rollout!, ['completed']);
      expect(done.steps.map((s) => s.state)).toEqual(['done']);
      const after = await lab.waitForHealth(CLUSTER, 'healthy', {
        where: (c) => c.status.members.length === 3,
      });
      expect(pids(after).get('mk-k1')).toBe(before.get('mk-k1'));
      expect(pids(after).get('mk-k2')).toBe(before.get('mk-k2'));
      const admin = kafka.admin();
      await admin.connect();
      expect((await admin.describeCluster()).brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);
      await admin.disconnect();
    });

    it('removes the empty broker 3 through its lease', async () => {
      const applied = await apply([1, 2]);
      const done = await settled(applied.rollout!, ['completed']);
      // Checked in ZooKeeper before the stop; its registration gone after it.
      expect(done.steps[0]!.note).toMatch(
        /^stopped under lease .*broker 3 holds no partition replica \(zookeeper \/mk-kafka\).*\/mk-kafka\/brokers\/ids\/3 is gone/,
      );
      await lab.waitForHealth(CLUSTER, 'healthy', { where: (c) => c.status.members.length === 2 });
      await waitFor('broker 3 to leave the cluster', async () => {
        const admin = kafka.admin();
        await admin.connect();
        const ids = (await admin.describeCluster()).brokers.map((b) => b.nodeId).sort();
        await admin.disconnect();
        return ids.join(',') === '1,2' ? true : undefined;
      });
    });

    it('refuses to remove broker 2 while it holds replicas of keep, listing the topic; every acknowledged message is read back; --force-removal stops it', async () => {
      const before = pids(await lab.cluster(CLUSTER));
      const applied = await apply([1]);
      const paused = await settled(applied.rollout!, ['paused']);
      expect(paused.reason).toMatch(
        // __consumer_offsets (one partition, one replica) may be on broker 2 too.
        /broker 2 still holds \d+ partition replica\(s\) \(zookeeper \/mk-kafka\): (.*, )?keep \(1\)/,
      );
      expect(paused.reason).toContain('--force-removal');
      // Still running, same process, still a member.
      const c = await lab.cluster(CLUSTER);
      expect(c.status.members.map((m) => m.host).sort()).toEqual(['mk-k1', 'mk-k2']);
      expect(pids(c).get('mk-k2')).toBe(before.get('mk-k2'));
      expect(c.status.members.find((m) => m.host === 'mk-k2')?.process).toBe('running');

      // Every message acknowledged through the three changes is read back (before the forced stop
      // below, which may take the consumer group's coordinator with it: its offsets partition has
      // one replica, possibly on broker 2).
      await traffic.stopSending();
      console.log(await traffic.verify('kafka membership'));
      expect(traffic.acked.size).toBeGreaterThan(0);
      expect(traffic.lost()).toEqual([]);

      // The operator forces it: the broker is stopped and leaves the desired state.
      const resumed = await lab.api<RolloutView>(
        'POST',
        `/v1/rollouts/${applied.rollout}/resume?forceRemoval=true`,
        {},
      );
      expect(resumed.status, JSON.stringify(resumed.body)).toBe(200);
      const done = await settled(applied.rollout!, ['completed']);
      expect(done.steps[0]!.note).toMatch(
        /forced: broker 2 still holds \d+ replica\(s\) \((.*, )?keep \(1\)/,
      );
      await waitFor('broker 2 to leave the cluster status', async () =>
        (await lab.cluster(CLUSTER)).status.members.length === 1 ? true : undefined,
      );
    });
  },
);
