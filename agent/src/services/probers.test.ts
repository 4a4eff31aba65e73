import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { HttpNode } from './http.js';
import { createElasticsearchProber } from './elasticsearch/probe.js';
import { createKafkaProber, type KafkaAdminLike, type KafkaWireConnect } from './kafka/probe.js';
import type { KafkaWireConnection } from './kafka/wire-connection.js';
import type { kafka } from '@hactl/shared';
import { kraftInputs, zkInputs } from './kafka/test-inputs.js';
import { createStormProber } from './storm/probe.js';
import type { StormAgentInputs } from './storm/inputs.js';
import type { ZkConnection } from './zk-session.js';

const recorded = (kind: string, file: string) =>
  fs.readFileSync(
    path.resolve(
      path.dirname(fileURLToPath(import.meta.url)),
      '../../../shared/src/services',
      kind,
      'testdata',
      file,
    ),
    'utf8',
  );

/** A fake kept connection's `alive` and `close` (alive until closed; `onClose` hears of each close). */
function closable(onClose: () => void): { readonly alive: boolean; close(): void } {
  let open = true;
  return {
    get alive() {
      return open;
    },
    close: () => {
      open = false;
      onClose();
    },
  };
}

/** A fake ZooKeeper: counts sessions opened and closed; `fail` makes reads fail. */
function fakeZk(nodes: Record<string, string>, children: Record<string, string[]>) {
  const sessions = { opened: 0, closed: 0, fail: false };
  const connect = (): Promise<ZkConnection> => {
    sessions.opened++;
    // Object.assign onto the closable keeps its `alive` getter.
    return Promise.resolve(
      Object.assign(
        closable(() => sessions.closed++),
        {
          children: (p: string) =>
            sessions.fail ? Promise.reject(new Error('CONNECTION_LOSS')) : Promise.resolve(children[p] ?? []),
          data: (p: string) =>
            sessions.fail
              ? Promise.reject(new Error('CONNECTION_LOSS'))
              : Promise.resolve(nodes[p] === undefined ? undefined : Buffer.from(nodes[p])),
        },
      ),
    );
  };
  return { sessions, connect };
}

const kafkaInputs = zkInputs;

function fakeKafka() {
  const admins = { opened: 0, closed: 0 };
  let alive = true;
  const connect = (): Promise<KafkaAdminLike> => {
    admins.opened++;
    alive = true;
    return Promise.resolve({
      describeCluster: () =>
        Promise.resolve({ brokers: [{ nodeId: 1 }, { nodeId: 2 }], controller: 2, clusterId: 'c1' }),
      fetchTopicMetadata: () => Promise.resolve({ topics: [] }),
      get alive() {
        return alive;
      },
      disconnect: () => {
        admins.closed++;
        return Promise.resolve();
      },
    });
  };
  return { admins, connect, lose: () => (alive = false) };
}

// Recorded from Kafka 3.9.2 (shared testdata), moved to this test's address.
const registration = recorded('kafka', 'znode-brokers-ids-1-kafka3.9.2.json').replaceAll(
  '127.0.4.11',
  '127.0.0.11',
);
const zkNodes = {
  '/kafka-main/brokers/ids/1': registration,
  '/kafka-main/controller': '{"version":2,"brokerid":2,"timestamp":"1"}',
};
const zkChildren = { '/kafka-main/brokers/ids': ['1', '2'] };

/** A Kafka prober on a fake admin and a fake ZooKeeper holding a registered broker 1. */
function kafkaWorld() {
  const k = fakeKafka();
  const zk = fakeZk(zkNodes, zkChildren);
  return { k, zk, prober: createKafkaProber({ admin: k.connect, zk: zk.connect }) };
}

describe('probers keep their connections between probes (fake client factories)', () => {
  it('kafka, ZooKeeper mode: three probes → one admin and one ZooKeeper session, same result each time', async () => {
    const { k, zk, prober } = kafkaWorld();
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await prober.probe(kafkaInputs, 1000));
    expect(results[0]).toMatchObject({
      ok: true,
      brokers: [1, 2],
      controller: 2,
      registered: true,
      zkController: 2,
      zkBrokers: [1, 2],
    });
    expect(results[2]).toEqual(results[0]);
    expect(k.admins.opened).toBe(1);
    expect(zk.sessions.opened).toBe(1);
    await prober.close();
    expect(k.admins.closed).toBe(1);
    expect(zk.sessions.closed).toBe(1);
  });

  it("kafka: the node's own connection closed between probes → a new admin", async () => {
    const { k, prober } = kafkaWorld();
    await prober.probe(kafkaInputs, 1000);
    k.lose();
    await prober.probe(kafkaInputs, 1000);
    expect(k.admins.opened).toBe(2);
    expect(k.admins.closed).toBe(1);
  });

  it('kafka: a ZooKeeper read fails → that probe reports it, the next one opens a new session', async () => {
    const { zk, prober } = kafkaWorld();
    zk.sessions.fail = true;
    expect(await prober.probe(kafkaInputs, 1000)).toMatchObject({
      ok: true,
      error: 'zookeeper: CONNECTION_LOSS',
    });
    zk.sessions.fail = false;
    expect(await prober.probe(kafkaInputs, 1000)).toMatchObject({ ok: true, registered: true });
    expect(zk.sessions.opened).toBe(2);
    expect(zk.sessions.closed).toBe(1);
    await prober.close();
  });

  it('kafka: the controller broker also counts under-replicated partitions from ZooKeeper (recorded znodes)', async () => {
    // What ZooKeeper held while broker 2 was stopped (agent testdata, chroot /sg-kafka), moved to /kafka-main.
    const tree = JSON.parse(
      fs.readFileSync(
        path.resolve(
          path.dirname(fileURLToPath(import.meta.url)),
          'kafka/testdata/zk-tree-broker2-stopped-kafka3.9.2.json',
        ),
        'utf8',
      ),
    ) as { children: Record<string, string[]>; data: Record<string, string> };
    const under = (o: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [`/kafka-main${k}`, v]));
    const nodes = {
      ...(under(tree.data) as Record<string, string>),
      '/kafka-main/brokers/ids/1': registration,
      '/kafka-main/controller': '{"version":2,"brokerid":1,"timestamp":"1"}',
    };
    const zk = fakeZk(nodes, under(tree.children) as Record<string, string[]>);
    const prober = createKafkaProber({ admin: fakeKafka().connect, zk: zk.connect });
    // The brokers' metadata (the fake admin) lists no topic at all; ZooKeeper has 4 partitions short.
    expect(await prober.probe(kafkaInputs, 1000)).toMatchObject({
      ok: true,
      zkController: 1,
      underReplicated: 4,
      offline: 0,
    });
    // A broker that is not the controller leaves the partition state to the controller's agent.
    const other = createKafkaProber({ admin: fakeKafka().connect, zk: zk.connect });
    expect(await other.probe({ ...kafkaInputs, id: 2 }, 1000)).toMatchObject({ underReplicated: 0 });
    await Promise.all([prober.close(), other.close()]);
  });

  it('kafka KRaft, a controller-only follower: the leader is found once and its connection kept; a moved leader is found again', async () => {
    // DescribeQuorum answers recorded from a Kafka 4.1.1 quorum (node 3 led; 1 and 2 answered
    // NOT_LEADER_OR_FOLLOWER), served by whichever node leads in this test.
    const answer = (id: number) =>
      Buffer.from(
        fs
          .readFileSync(
            path.resolve(
              path.dirname(fileURLToPath(import.meta.url)),
              `kafka/testdata/describequorum-v1-controller-${id}-kafka4.1.1.hex`,
            ),
            'utf8',
          )
          .trim(),
        'hex',
      );
    const leaderView = answer(3);
    const followerView = answer(1);
    let leader = 3;
    const opened: number[] = [];
    const closed: number[] = [];
    const wire: KafkaWireConnect = (_host, port) => {
      const node = port - 9090; // voter n listens on 909n
      opened.push(node);
      const conn = Object.assign(
        closable(() => closed.push(node)),
        {
          request: () => Promise.resolve(node === leader ? leaderView : followerView),
        },
      );
      return Promise.resolve(conn as unknown as KafkaWireConnection);
    };
    const voters = [1, 2, 3].map((id) => ({ id, address: `127.0.0.1${id}`, port: 9090 + id }));
    const inputs: kafka.KafkaInputs = {
      ...kraftInputs,
      roles: ['controller'],
      port: undefined,
      controllerPort: 9091,
      voters,
    };
    const prober = createKafkaProber({ wire });
    for (let i = 0; i < 3; i++)
      expect(await prober.probe(inputs, 1000)).toMatchObject({ ok: true, quorum: { leaderId: 3 } });
    // Its own listener once, voter 2 once on the first walk (not the leader), voter 3 kept.
    expect(opened).toEqual([1, 2, 3]);
    expect(closed).toEqual([2]);

    // Leadership moves to voter 2 (this test serves voter 2 the leader's answer): the kept
    // connection to 3 is asked first, then 2, whose connection is kept from then on.
    leader = 2;
    for (let i = 0; i < 3; i++) await prober.probe(inputs, 1000);
    expect(opened).toEqual([1, 2, 3, 2]);
    expect(closed).toEqual([2, 3]);
    await prober.close();
    expect(closed.sort()).toEqual([1, 2, 2, 3]);
  });

  it('storm nimbus: three probes → one ZooKeeper session', async () => {
    const zk = fakeZk(
      { '/leader-lock/_c_x-latch-0000000001': '127.0.0.21:6627:0' },
      { '/nimbuses': ['127.0.0.21'], '/leader-lock': ['_c_x-latch-0000000001'] },
    );
    const inputs = {
      role: 'nimbus',
      address: '127.0.0.21',
      nimbusPort: 6627,
      zookeeper: { servers: ['127.0.0.1'], port: 2181, root: '/storm' },
    } as StormAgentInputs;
    const prober = createStormProber(zk.connect);
    for (let i = 0; i < 3; i++)
      expect(await prober.probe(inputs, 300)).toMatchObject({ ok: true, registered: true, isLeader: true });
    expect(zk.sessions.opened).toBe(1);
    await prober.close();
    expect(zk.sessions.closed).toBe(1);
  });

  it('elasticsearch: three probes → one set of connections; GET / with no HTTP answer → new ones', async () => {
    let opened = 0;
    let closed = 0;
    let refuse = false;
    // Answers recorded from Elasticsearch 8.19.21 (shared testdata).
    const es = (f: string) => JSON.parse(recorded('elasticsearch', `${f}-es8.19.21.json`)) as unknown;
    const answers: Record<string, string> = {
      '/': 'root-formed',
      '/_cluster/health': 'health-green',
      '/_cat/nodes': 'cat-nodes-5',
    };
    const open = (): HttpNode => {
      opened++;
      return {
        request: (_method, path) =>
          refuse
            ? Promise.reject(new Error('connect ECONNREFUSED'))
            : Promise.resolve({ status: 200, body: es(answers[path.split('?')[0]!]!) }),
        close: () => {
          closed++;
        },
      };
    };
    const prober = createElasticsearchProber(open);
    const inputs = { address: '127.0.0.31', httpPort: 9200 } as Parameters<typeof prober.probe>[0];
    for (let i = 0; i < 3; i++)
      expect(await prober.probe(inputs, 500)).toMatchObject({ ok: true, master: 'node-3' });
    expect(opened).toBe(1);
    refuse = true;
    expect(await prober.probe(inputs, 500)).toMatchObject({ ok: false, error: 'connect ECONNREFUSED' });
    refuse = false;
    await prober.probe(inputs, 500);
    expect(opened).toBe(2);
    await prober.close();
    expect(closed).toBe(2);
  });
});
