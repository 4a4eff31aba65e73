import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import zookeeper from 'node-zookeeper-client';
import { kafka } from '@hactl/shared';
import { Lab, REPO_ROOT, alive } from '../src/lab/fleet.js';
import { labZookeeperSpec } from '../src/lab/zookeeper.js';
import { distHome } from '../src/lab/dist.js';
import { waitFor } from '../src/lab/wait.js';
import { labKraftSpec } from '../src/lab/kafka.js';

// Lab slice: 127.0.24.0/24. ZooKeeper on .1, ZooKeeper-mode brokers .11-.13, KRaft combined nodes .21-.23.
const ZK = [['sg-zk1', '127.0.24.1']] as const;
const BROKERS = [
  ['sg-k1', '127.0.24.11'],
  ['sg-k2', '127.0.24.12'],
  ['sg-k3', '127.0.24.13'],
] as const;
const KRAFT = [
  ['sg-r1', '127.0.24.21'],
  ['sg-r2', '127.0.24.22'],
  ['sg-r3', '127.0.24.23'],
] as const;

/**
 * `HACTL_RECORD_KAFKA_TESTDATA=1` writes the replies the pure tests read (partition views, znodes,
 * a Metadata frame) into shared/src/services/kafka/testdata and agent/src/services/kafka/testdata.
 */
const RECORD = process.env.HACTL_RECORD_KAFKA_TESTDATA === '1';
const SHARED_TESTDATA = path.join(REPO_ROOT, 'shared/src/services/kafka/testdata');
const AGENT_TESTDATA = path.join(REPO_ROOT, 'agent/src/services/kafka/testdata');

function save(dir: string, name: string, data: unknown): void {
  if (!RECORD) return;
  const text = Buffer.isBuffer(data)
    ? `${data.toString('hex')}\n`
    : typeof data === 'string'
      ? `${data}\n`
      : `${JSON.stringify(data, null, 2)}\n`;
  fs.writeFileSync(path.join(dir, name), text);
  console.log(`recorded ${path.relative(REPO_ROOT, path.join(dir, name))}`);
}

type Inputs = kafka.KafkaInputs;
type View = kafka.KafkaPartitionView;
interface Peer {
  address: string;
  port: number;
}

/** The agent's own gate and removal code (built: `pnpm -s build` first), run from the test process. */
interface AgentKafka {
  readKafkaPartitionViews(inputs: Inputs, timeoutMs: number): Promise<View[]>;
  beforeKafkaRestart(inputs: Inputs, timeoutMs: number): Promise<string>;
  afterKafkaRestart(inputs: Inputs, timeoutMs: number): Promise<string>;
  readKafkaBrokerReplicas(
    inputs: Inputs,
    opts: { timeoutMs: number; peers?: Peer[] },
  ): Promise<kafka.BrokerReplicas>;
  beforeKafkaRemoval(
    inputs: Inputs,
    opts: { timeoutMs: number; force?: boolean; peers?: Peer[] },
  ): Promise<{ actions: string[] }>;
  afterKafkaRemoval(
    inputs: Inputs,
    opts: { timeoutMs: number; peers?: Peer[] },
  ): Promise<{ actions: string[] }>;
  metadataFrame(host: string, port: number, timeoutMs: number): Promise<Buffer>;
  describeMinIsrFrame(broker: Peer, topics: readonly string[], timeoutMs: number): Promise<Buffer>;
  unregisterBrokerFrame(host: string, port: number, brokerId: number, timeoutMs: number): Promise<Buffer>;
}

async function agentKafka(): Promise<AgentKafka> {
  const dist = path.join(REPO_ROOT, 'agent/dist/services/kafka');
  const mods = await Promise.all(
    [
      'partitions.js',
      'stop-gate.js',
      'removal.js',
      'metadata.js',
      'describe-configs.js',
      'unregister.js',
    ].map((f) => import(path.join(dist, f)) as Promise<object>),
  );
  return Object.assign({}, ...mods) as AgentKafka;
}

function admin(hosts: readonly (readonly [string, string])[]): Admin {
  return new Kafka({
    clientId: 'hactl-e2e-gate',
    brokers: hosts.map(([, a]) => `${a}:9092`),
    logLevel: logLevel.NOTHING,
    retry: { retries: 8 },
  }).admin();
}

/**
 * Three topics that give each broker a different answer: `events` (3 partitions, RF 3, the
 * cluster's min.insync.replicas 2), `solo` (1 partition, its only replica on broker 3) and `pair`
 * (1 partition on brokers 1 and 2, min.insync.replicas 1). Waits until every partition has its
 * full ISR in the metadata kafkajs reads.
 */
async function createTopics(a: Admin): Promise<void> {
  // Retried: on a loaded machine a broker may briefly drop out of the registered set (e.g. an RF-3
  // topic refused with INVALID_REPLICATION_FACTOR); a topic created by an earlier try is skipped.
  await waitFor(
    'the three topics created',
    async () => {
      try {
        await a.createTopics({
          topics: [
            { topic: 'events', numPartitions: 3, replicationFactor: 3 },
            { topic: 'solo', replicaAssignment: [{ partition: 0, replicas: [3] }] },
            {
              topic: 'pair',
              replicaAssignment: [{ partition: 0, replicas: [1, 2] }],
              configEntries: [{ name: 'min.insync.replicas', value: '1' }],
            },
          ],
          // Not kafkajs's own wait: it gives up when another broker does not know a new topic yet
          // (UNKNOWN_TOPIC_OR_PARTITION, seen on 4.1.1); the poll below retries through that.
          waitForLeaders: false,
        });
        return true;
      } catch (err) {
        const causes = (err as { errors?: { type?: string; message?: string }[] }).errors ?? [];
        throw new Error(`${(err as Error).message}: ${causes.map((c) => c.type ?? c.message).join(', ')}`);
      }
    },
    { timeoutMs: 60_000, intervalMs: 1000 },
  );
  await waitFor(
    'every partition of events, solo and pair with its full ISR',
    async () => {
      const { topics } = await a.fetchTopicMetadata({ topics: ['events', 'solo', 'pair'] });
      const whole = topics.every((t) => t.partitions.every((p) => p.isr.length === p.replicas.length));
      return whole && topics.length === 3 ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

/**
 * Applies the Kafka cluster `spec` (named `name`) on `hosts`, waits until it is healthy, and
 * returns each broker's applied inputs (in `hosts` order) and a connected admin client on which
 * the test topics exist.
 */
async function formKafka(
  lab: Lab,
  name: string,
  spec: Record<string, unknown>,
  hosts: readonly (readonly [string, string])[],
  timeoutMs: number,
): Promise<{ inputs: Inputs[]; admin: Admin }> {
  const put = await lab.api('PUT', `/v1/clusters/${name}`, { name, kind: 'kafka', ...spec });
  expect(put.status).toBe(200);
  await lab.waitForHealth(name, 'healthy', { timeoutMs });
  const inputs = hosts.map(([host]) => lab.appliedInputs<Inputs>(host, 'kafka'));
  const a = admin(hosts);
  await a.connect();
  await createTopics(a);
  return { inputs, admin: a };
}

/** ZooKeeper's own partition state, read with a separate client: `<topic>-<p>` → ISR (sorted). */
async function zkIsr(connect: string, chroot: string): Promise<Record<string, number[]>> {
  const client = zookeeper.createClient(connect, { sessionTimeout: 10_000 });
  await new Promise<void>((resolve) => {
    client.once('connected', () => resolve());
    client.connect();
  });
  const children = (p: string) =>
    new Promise<string[]>((res, rej) => client.getChildren(p, (e, c) => (e ? rej(e) : res(c))));
  const data = (p: string) =>
    new Promise<string>((res, rej) => client.getData(p, (e, d) => (e ? rej(e) : res(d.toString('utf8')))));
  try {
    const out: Record<string, number[]> = {};
    for (const t of await children(`${chroot}/brokers/topics`))
      for (const p of await children(`${chroot}/brokers/topics/${t}/partitions`))
        out[`${t}-${p}`] = (
          JSON.parse(await data(`${chroot}/brokers/topics/${t}/partitions/${p}/state`)) as { isr: number[] }
        ).isr.sort();
    return out;
  } finally {
    client.close();
  }
}

/**
 * What the gate's ZooKeeper reader reads under `chroot`, as `{ children: {path: [...]}, data:
 * {path: text} }` (paths chroot-relative), for the reader's offline test.
 */
async function zkTree(
  connect: string,
  chroot: string,
): Promise<{ children: Record<string, string[]>; data: Record<string, string> }> {
  const client = zookeeper.createClient(connect, { sessionTimeout: 10_000 });
  await new Promise<void>((resolve) => {
    client.once('connected', () => resolve());
    client.connect();
  });
  const NO_NODE = zookeeper.Exception.NO_NODE;
  const missing = (e: unknown) => e instanceof zookeeper.Exception && e.getCode() === NO_NODE;
  const children = (p: string) =>
    new Promise<string[] | undefined>((res, rej) =>
      client.getChildren(chroot + p, (e, c) => (e ? (missing(e) ? res(undefined) : rej(e)) : res(c.sort()))),
    );
  const data = (p: string) =>
    new Promise<string | undefined>((res, rej) =>
      client.getData(chroot + p, (e, d) =>
        e ? (missing(e) ? res(undefined) : rej(e)) : res(d.toString('utf8')),
      ),
    );
  const tree = { children: {} as Record<string, string[]>, data: {} as Record<string, string> };
  const list = async (p: string) => {
    const c = await children(p);
    if (c) tree.children[p] = c;
    return c ?? [];
  };
  const read = async (p: string) => {
    const d = await data(p);
    if (d !== undefined) tree.data[p] = d;
  };
  try {
    await list('/brokers/ids');
    await list('/admin/delete_topics');
    await read('/config/brokers/<default>');
    for (const t of await list('/brokers/topics')) {
      await read(`/brokers/topics/${t}`);
      await read(`/config/topics/${t}`);
      for (const p of await list(`/brokers/topics/${t}/partitions`))
        await read(`/brokers/topics/${t}/partitions/${p}/state`);
    }
    return tree;
  } finally {
    client.close();
  }
}

/** Raw znode data, for testdata. */
async function znode(connect: string, p: string): Promise<string> {
  const client = zookeeper.createClient(connect, { sessionTimeout: 10_000 });
  await new Promise<void>((resolve) => {
    client.once('connected', () => resolve());
    client.connect();
  });
  try {
    return await new Promise<string>((res, rej) =>
      client.getData(p, (e, d) => (e ? rej(e) : res(d.toString('utf8')))),
    );
  } finally {
    client.close();
  }
}

const sortedIsr = (v: View) =>
  Object.fromEntries(v.partitions.map((p) => [`${p.topic}-${p.partition}`, [...p.isr].sort()]));

describe('e2e: the Kafka 3.9 stop gate and removal check read ZooKeeper', { timeout: 400_000 }, () => {
  let lab: Lab;
  let a: Admin;
  let agent: AgentKafka;
  let inputs: Inputs[] = [];
  const zkConnect = `${ZK[0][1]}:2181`;
  const CHROOT = '/sg-kafka';

  beforeAll(async () => {
    agent = await agentKafka();
    lab = await Lab.create('kafka-stop-gate');
    await lab.startControlPlane();
    for (const [name, address] of [...ZK, ...BROKERS]) await lab.startAgent(name, address);
    await lab.waitForHosts(
      [...ZK, ...BROKERS].map(([n]) => n),
      90_000,
    );
    expect(
      (
        await lab.api(
          'PUT',
          '/v1/clusters/sg-zk',
          labZookeeperSpec(
            'sg-zk',
            ZK.map(([h]) => h),
          ),
        )
      ).status,
    ).toBe(200);
    await lab.waitForHealth('sg-zk', 'healthy', { timeoutMs: 90_000 });
    ({ inputs, admin: a } = await formKafka(
      lab,
      'sg-kafka',
      {
        distribution: { home: distHome('kafka') },
        mode: 'zookeeper',
        zookeeper: 'sg-zk',
        brokers: BROKERS.map(([host], i) => ({ host, id: i + 1 })),
        settings: {
          'default.replication.factor': 3,
          'min.insync.replicas': 2,
          'zookeeper.session.timeout.ms': 6000,
        },
        jvm: { heap: '256m' },
      },
      BROKERS,
      120_000,
    ));
  }, 400_000);

  afterAll(async () => {
    await a?.disconnect();
    await lab?.destroy();
  });

  it('the reader returns what ZooKeeper holds: assignments, ISRs, leaders, per-topic min.insync.replicas, brokers', async () => {
    const views = await agent.readKafkaPartitionViews(inputs[0]!, 5000);
    expect(views).toHaveLength(1);
    const v = views[0]!;
    save(SHARED_TESTDATA, 'partition-view-zk-healthy-kafka3.9.2.json', v);
    save(AGENT_TESTDATA, 'zk-tree-healthy-kafka3.9.2.json', await zkTree(zkConnect, CHROOT));
    save(
      SHARED_TESTDATA,
      'znode-topic-events-kafka3.9.2.json',
      await znode(zkConnect, `${CHROOT}/brokers/topics/events`),
    );
    save(
      SHARED_TESTDATA,
      'znode-partition-state-events-0-kafka3.9.2.json',
      await znode(zkConnect, `${CHROOT}/brokers/topics/events/partitions/0/state`),
    );
    save(
      SHARED_TESTDATA,
      'znode-config-topic-pair-kafka3.9.2.json',
      await znode(zkConnect, `${CHROOT}/config/topics/pair`),
    );
    expect(v.source).toBe(`zookeeper ${CHROOT}`);
    expect(v.brokers).toEqual([1, 2, 3]);
    expect(v.minIsr).toEqual({ events: 2, pair: 1, solo: 2 });
    expect(sortedIsr(v)).toEqual(await zkIsr(zkConnect, CHROOT));
    // The same assignment and leaders as the brokers report once everything has settled.
    // kafkajs may ask a broker that has not heard of a new topic yet (UNKNOWN_TOPIC_OR_PARTITION): retry.
    const { topics } = await waitFor(
      'kafkajs metadata of the three topics',
      () => a.fetchTopicMetadata({ topics: ['events', 'solo', 'pair'] }),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const fromKafka = topics
      .flatMap((t) =>
        t.partitions.map((p) => ({
          k: `${t.name}-${p.partitionId}`,
          replicas: p.replicas,
          leader: p.leader,
        })),
      )
      .sort((x, y) => (x.k < y.k ? -1 : 1));
    expect(
      v.partitions.map((p) => ({ k: `${p.topic}-${p.partition}`, replicas: p.replicas, leader: p.leader })),
    ).toEqual(fromKafka);
  });

  it('kafka: whole cluster → broker 1 may stop; broker 3 is refused at once (solo-0 has no other replica)', async () => {
    const reason = await agent.beforeKafkaRestart(inputs[0]!, 10_000);
    expect(reason).toMatch(
      /zookeeper \/sg-kafka: 5 partition\(s\) in sync; each of the 4 on broker 1 keeps min.insync.replicas/,
    );
    const started = Date.now();
    const refused = await agent
      .beforeKafkaRestart(inputs[2]!, 30_000)
      .catch((e: unknown) => e as Error & { code: string });
    expect(refused).toBeInstanceOf(Error);
    expect((refused as { code: string }).code).toBe('conflict');
    expect((refused as Error).message).toMatch(
      /broker 3 must not stop: .*solo-0: replicas \[3\] with min.insync.replicas 2: without broker 3 it is offline/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('kafka removal: the topics each broker still holds; a loaded broker is refused unless forced', async () => {
    const held = await Promise.all(inputs.map((i) => agent.readKafkaBrokerReplicas(i, { timeoutMs: 5000 })));
    expect(held.map((h) => h.topics)).toEqual([
      [
        { topic: 'events', partitions: 3 },
        { topic: 'pair', partitions: 1 },
      ],
      [
        { topic: 'events', partitions: 3 },
        { topic: 'pair', partitions: 1 },
      ],
      [
        { topic: 'events', partitions: 3 },
        { topic: 'solo', partitions: 1 },
      ],
    ]);
    const refused = await agent
      .beforeKafkaRemoval(inputs[2]!, { timeoutMs: 5000 })
      .catch((e: unknown) => e as Error);
    expect((refused as Error).message).toBe(
      `broker 3 still holds 4 partition replica(s) (zookeeper ${CHROOT}): events (3), solo (1); move them off with kafka-reassign-partitions.sh first, or force the removal`,
    );
    const forced = await agent.beforeKafkaRemoval(inputs[2]!, { timeoutMs: 5000, force: true });
    expect(forced.actions[0]).toMatch(/^forced: broker 3 still holds 4 replica\(s\)/);
  });

  it('kafka: broker 2 stopped → the gate waits for broker 1 (events under-replicated in ZooKeeper), lets it go once broker 2 is back in every ISR', async () => {
    const victim = BROKERS[1];
    const pid = (await lab.cluster('sg-kafka')).status.members.find((m) => m.host === victim[0])!.pid;
    await lab.stopAgent(victim[0]);
    // SIGTERM: Kafka's controlled shutdown takes broker 2 out of every ISR before it exits.
    process.kill(pid, 'SIGTERM');
    await waitFor(
      'broker 2 out of every ISR in ZooKeeper',
      async () =>
        Object.values(await zkIsr(zkConnect, CHROOT)).some((isr) => isr.length === 2) ? true : undefined,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    await waitFor('broker 2 JVM gone', () => (alive(pid) ? undefined : true), { timeoutMs: 60_000 });

    // ZooKeeper mode: the registration is ephemeral; the removal's after-step sees it gone.
    const after = await agent.afterKafkaRemoval(inputs[1]!, { timeoutMs: 30_000 });
    expect(after.actions).toEqual([`${CHROOT}/brokers/ids/2 is gone: broker 2 has left`]);

    const v = (await agent.readKafkaPartitionViews(inputs[0]!, 5000))[0]!;
    save(SHARED_TESTDATA, 'partition-view-zk-broker2-stopped-kafka3.9.2.json', v);
    save(AGENT_TESTDATA, 'zk-tree-broker2-stopped-kafka3.9.2.json', await zkTree(zkConnect, CHROOT));
    expect(v.brokers).toEqual([1, 3]);
    const d = kafka.checkKafkaStop(v, 1);
    expect(d.verdict).toBe('wait');
    expect(d.reasons.join('\n')).toMatch(/events-\d: under-replicated, isr \[\d,\d\] of replicas/);
    const timedOut = await agent.beforeKafkaRestart(inputs[0]!, 1500).catch((e: unknown) => e as Error);
    expect((timedOut as { code?: string }).code).toBe('deadline_exceeded');
    expect((timedOut as Error).message).toMatch(
      /broker 1 still not safe to stop after 1500 ms: .*under-replicated/,
    );

    // Broker 2 comes back (its agent starts it again); the gate opens only once ZooKeeper has it in every ISR.
    let opened = 0;
    const gate = agent.beforeKafkaRestart(inputs[0]!, 180_000).then((r) => {
      opened = Date.now();
      return r;
    });
    const restartedAt = Date.now();
    await lab.startAgent(victim[0], victim[1]);
    const reason = await gate;
    const isrAtOpen = await zkIsr(zkConnect, CHROOT);
    expect(reason).toMatch(/5 partition\(s\) in sync/);
    for (const [k, isr] of Object.entries(isrAtOpen))
      expect(isr, k).toEqual(k.startsWith('solo') ? [3] : k.startsWith('pair') ? [1, 2] : [1, 2, 3]);
    console.log(
      `kafka 3.9 stop gate: broker 2's agent restarted → gate for broker 1 open after ${opened - restartedAt} ms`,
    );
    expect(await agent.afterKafkaRestart(inputs[1]!, 10_000)).toMatch(/all 5 partition\(s\) in sync/);
  });
});

describe(
  'e2e: the Kafka 4.1 (KRaft) stop gate reads every broker; a removed broker is unregistered',
  { timeout: 400_000 },
  () => {
    let lab: Lab;
    let a: Admin;
    let agent: AgentKafka;
    let inputs: Inputs[] = [];

    beforeAll(async () => {
      agent = await agentKafka();
      lab = await Lab.create('kraft-stop-gate');
      await lab.startControlPlane();
      for (const [name, address] of KRAFT) await lab.startAgent(name, address);
      await lab.waitForHosts(
        KRAFT.map(([n]) => n),
        90_000,
      );
      ({ inputs, admin: a } = await formKafka(
        lab,
        'sg-kraft',
        labKraftSpec('sg-kraft', KRAFT),
        KRAFT,
        150_000,
      ));
    }, 400_000);

    afterAll(async () => {
      await a?.disconnect();
      await lab?.destroy();
    });

    it('one view per broker, each pinned to it, all agreeing with the cluster; per-topic min.insync.replicas from DescribeConfigs', async () => {
      const frame = await agent.metadataFrame(KRAFT[0][1], 9092, 5000);
      save(AGENT_TESTDATA, 'metadata-v5-kraft-kafka4.1.1.hex', frame);
      save(
        AGENT_TESTDATA,
        'describeconfigs-v1-min-isr-kraft-kafka4.1.1.hex',
        await agent.describeMinIsrFrame(
          { address: KRAFT[0][1], port: 9092 },
          ['events', 'pair', 'solo', 'nope'],
          5000,
        ),
      );
      const views = await waitFor(
        'three views with all five partitions, every one whole',
        async () => {
          const vs = await agent.readKafkaPartitionViews(inputs[0]!, 5000);
          // A broker that has not learned the topics yet answers no partitions, which are "whole"
          // too (seen in CI): each view must have them all.
          return vs.every(
            (v) => v.partitions.length === 5 && kafka.checkKafkaPartitionsWhole(v).verdict === 'stop',
          )
            ? vs
            : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      save(SHARED_TESTDATA, 'partition-views-kraft-healthy-kafka4.1.1.json', views);
      expect(views.map((v) => v.source)).toEqual([
        'metadata of broker 1',
        'metadata of broker 2',
        'metadata of broker 3',
      ]);
      for (const v of views) {
        expect(v.brokers).toEqual([1, 2, 3]);
        expect(v.minIsr).toEqual({ events: 2, pair: 1, solo: 2 });
        expect(v.partitions.map((p) => `${p.topic}-${p.partition}`)).toEqual([
          'events-0',
          'events-1',
          'events-2',
          'pair-0',
          'solo-0',
        ]);
      }
      expect(await agent.beforeKafkaRestart(inputs[0]!, 10_000)).toMatch(/metadata of broker 1: 5 partition/);
      const held = await agent.readKafkaBrokerReplicas(inputs[2]!, { timeoutMs: 5000 });
      expect(held.topics).toEqual([
        { topic: 'events', partitions: 3 },
        { topic: 'solo', partitions: 1 },
      ]);
    });

    it('kraft: node 3 stopped → node 1 waits; the stopped broker is read through a peer and unregistered', async () => {
      const victim = KRAFT[2];
      const pid = (await lab.cluster('sg-kraft')).status.members.find((m) => m.host === victim[0])!.pid;
      await lab.stopAgent(victim[0]);
      process.kill(pid, 'SIGTERM');
      // Its controlled shutdown once took over 60 s on the loaded lab machine; what is tested here
      // starts once it is gone, however it went.
      const sigkilled = await waitFor('node 3 JVM gone', () => (alive(pid) ? undefined : false), {
        timeoutMs: 60_000,
      }).catch(() => {
        process.kill(pid, 'SIGKILL');
        return true;
      });
      await waitFor('node 3 JVM gone', () => (alive(pid) ? undefined : true), { timeoutMs: 30_000 });
      if (sigkilled) console.log('kraft: node 3 did not exit within 60 s of SIGTERM; SIGKILLed');
      const peers = [{ address: KRAFT[0][1], port: 9092 }];
      const views = await waitFor(
        'the brokers to see node 3 out of the ISRs',
        async () => {
          const vs = await agent.readKafkaPartitionViews(inputs[0]!, 5000);
          if (
            vs.length === 2 &&
            vs.every((v) => v.partitions.some((p) => p.topic === 'events' && p.isr.length === 2))
          )
            return vs;
          throw new Error(
            `views: ${JSON.stringify(vs.map((v) => [v.source, v.brokers, v.partitions.map((p) => `${p.topic}-${p.partition}:${p.leader}:${p.isr.join(',')}`)]))}`,
          );
        },
        { timeoutMs: 60_000, intervalMs: 300 },
      );
      save(SHARED_TESTDATA, 'partition-views-kraft-node3-stopped-kafka4.1.1.json', views);
      const d = kafka.combineKafkaStopDecisions(views.map((v) => kafka.checkKafkaStop(v, 1)));
      expect(d.verdict).toBe('wait');
      // Its own listener is gone: the replicas it still holds are read through the peer.
      const held = await agent.readKafkaBrokerReplicas(inputs[2]!, { timeoutMs: 5000, peers });
      expect(held.topics).toEqual([
        { topic: 'events', partitions: 3 },
        { topic: 'solo', partitions: 1 },
      ]);
      const first = await agent.afterKafkaRemoval(inputs[2]!, { timeoutMs: 10_000, peers });
      expect(first.actions).toEqual([`broker 3 unregistered through ${peers[0]!.address}:9092`]);
      const again = await agent.afterKafkaRemoval(inputs[2]!, { timeoutMs: 10_000, peers });
      expect(again.actions).toEqual(['broker 3 was not registered (any more)']);
      save(
        AGENT_TESTDATA,
        'unregisterbroker-v0-not-registered-kraft-kafka4.1.1.hex',
        await agent.unregisterBrokerFrame(peers[0]!.address, 9092, 3, 5000),
      );
    });
  },
);
