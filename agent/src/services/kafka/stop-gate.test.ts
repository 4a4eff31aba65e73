import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { kafka } from '@hactl/shared';
import type { ZkConnect, ZkConnection } from '../zk-session.js';
import { decodeDescribeMinIsrResponse, encodeDescribeMinIsrRequest } from './describe-configs.js';
import { decodeMetadataResponse, encodeMetadataRequest, metadataPartitionView } from './metadata.js';
import { readKafkaPartitionViews, readZookeeperPartitionView } from './partitions.js';
import { afterKafkaRemoval, beforeKafkaRemoval, readKafkaBrokerReplicas } from './removal.js';
import { afterKafkaRestart, beforeKafkaRestart } from './stop-gate.js';
import { kraftInputs, zkInputs } from './test-inputs.js';
import { BROKER_ID_NOT_REGISTERED, decodeUnregisterBrokerResponse } from './unregister.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const testdata = path.join(here, 'testdata');
const sharedTestdata = path.join(here, '../../../../shared/src/services/kafka/testdata');
const hex = (name: string) => Buffer.from(fs.readFileSync(path.join(testdata, name), 'utf8').trim(), 'hex');
const json = <T>(dir: string, name: string): T =>
  JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as T;

/** What test/e2e/kafka-stop-gate.test.ts recorded of ZooKeeper under the chroot /sg-kafka. */
interface Tree {
  children: Record<string, string[]>;
  data: Record<string, string>;
}
const healthy = json<Tree>(testdata, 'zk-tree-healthy-kafka3.9.2.json');
const broker2Stopped = json<Tree>(testdata, 'zk-tree-broker2-stopped-kafka3.9.2.json');

/**
 * A ZooKeeper that serves a recorded tree under /sg-kafka: `tree(n)` (asked on every read) in the
 * n-th session (1, 2, …; every read of the gate opens one). `/brokers/ids/<id>` exists when the tree lists the id.
 */
function fakeZk(tree: (session: number) => Tree): ZkConnect & { sessions: () => number } {
  let sessions = 0;
  const connect: ZkConnect = () => {
    const n = ++sessions;
    const rel = (p: string) => p.replace(/^\/sg-kafka/, '');
    const conn: ZkConnection = {
      alive: true,
      close: () => undefined,
      children: (p) => Promise.resolve(tree(n).children[rel(p)] ?? []),
      data: (p) => {
        const t = tree(n);
        const id = /^\/brokers\/ids\/(\d+)$/.exec(rel(p))?.[1];
        const d = id ? (t.children['/brokers/ids']?.includes(id) ? '{}' : undefined) : t.data[rel(p)];
        return Promise.resolve(d === undefined ? undefined : Buffer.from(d));
      },
    };
    return Promise.resolve(conn);
  };
  return Object.assign(connect, { sessions: () => sessions });
}

const inputs = (id: number): kafka.KafkaInputs => ({
  ...zkInputs,
  id,
  zookeeperConnect: '127.0.24.1:2181/sg-kafka',
  config: { 'min.insync.replicas': '2' },
});

/** The error `p` rejects with; fails the test when it resolves. */
async function failure(p: Promise<unknown>): Promise<Error & { code?: string; retriable?: boolean }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string; retriable?: boolean };
  }
  throw new Error('expected a rejection');
}

/** Fake time: `sleep` advances `now`. */
function clock() {
  let t = 0;
  return { now: () => t, sleep: (ms: number) => ((t += ms), Promise.resolve()) };
}

describe('kafka ZooKeeper partition reader (recorded Kafka 3.9.2 znodes)', () => {
  it('reads back exactly the view recorded from the live cluster', async () => {
    const zk = fakeZk(() => healthy);
    const [view] = await readKafkaPartitionViews(inputs(1), 1000, { zk });
    expect(view).toEqual(json(sharedTestdata, 'partition-view-zk-healthy-kafka3.9.2.json'));
    expect((await readKafkaPartitionViews(inputs(1), 1000, { zk: fakeZk(() => broker2Stopped) }))[0]).toEqual(
      json(sharedTestdata, 'partition-view-zk-broker2-stopped-kafka3.9.2.json'),
    );
  });

  it('a topic marked for deletion is left out; a partition without state yet is offline; /config/brokers/<default> sets the default', async () => {
    const tree: Tree = {
      children: { ...healthy.children, '/admin/delete_topics': ['solo'] },
      data: {
        ...healthy.data,
        '/config/brokers/<default>': '{"version":1,"config":{"min.insync.replicas":"3"}}',
      },
    };
    delete tree.data['/brokers/topics/pair/partitions/0/state'];
    const zk = fakeZk(() => tree);
    const view = await readZookeeperPartitionView(
      {
        children: (p) => zk('', 0).then((c) => c.children(p)),
        data: (p) => zk('', 0).then((c) => c.data(p)),
      },
      '/sg-kafka',
      2,
    );
    expect(view.partitions.map((p) => p.topic)).not.toContain('solo');
    expect(view.partitions.find((p) => p.topic === 'pair')).toMatchObject({ leader: -1, isr: [] });
    expect(view.minIsr).toEqual({ events: 3, pair: 1 });
  });

  it('garbage in a znode fails the read, naming the path', async () => {
    const tree: Tree = {
      ...healthy,
      data: { ...healthy.data, '/brokers/topics/events/partitions/1/state': 'x' },
    };
    await expect(readKafkaPartitionViews(inputs(1), 1000, { zk: fakeZk(() => tree) })).rejects.toThrow(
      /unexpected \/sg-kafka\/brokers\/topics\/events\/partitions\/1\/state data: x/,
    );
  });
});

describe('kafka stop gate (beforeRestart / afterRestart) on recorded znodes', () => {
  it('opens once ZooKeeper has broker 2 back in every ISR, not before', async () => {
    const zk = fakeZk((n) => (n <= 3 ? broker2Stopped : healthy));
    const reason = await beforeKafkaRestart(inputs(1), 60_000, { zk, ...clock() });
    expect(reason).toBe(
      'zookeeper /sg-kafka: 5 partition(s) in sync; each of the 4 on broker 1 keeps min.insync.replicas without it',
    );
    expect(zk.sessions()).toBe(4);
  });

  it('times out with the reasons when the ISR never recovers', async () => {
    const err = await failure(
      beforeKafkaRestart(inputs(1), 2000, {
        zk: fakeZk(() => broker2Stopped),
        ...clock(),
      }),
    );
    expect(err).toMatchObject({ code: 'deadline_exceeded', retriable: true });
    expect(err.message).toMatch(
      /^broker 1 still not safe to stop after 2000 ms: zookeeper \/sg-kafka: events-0: under-replicated/,
    );
  });

  it('refuses at once when waiting cannot help (broker 3 is the only replica of solo-0)', async () => {
    const c = clock();
    const err = await failure(beforeKafkaRestart(inputs(3), 60_000, { zk: fakeZk(() => healthy), ...c }));
    expect(err).toMatchObject({ code: 'conflict', retriable: false });
    expect(err.message).toMatch(/^broker 3 must not stop: zookeeper \/sg-kafka: solo-0: replicas \[3\]/);
    expect(c.now()).toBe(0);
  });

  it('a ZooKeeper that cannot be reached counts as wait, with the cause as the reason', async () => {
    const down: ZkConnect = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.24.1:2181'));
    const err = await failure(beforeKafkaRestart(inputs(1), 1000, { zk: down, ...clock() }));
    expect(err.message).toMatch(/cannot read the partition state: connect ECONNREFUSED/);
  });

  it('after a restart: waits until every partition is whole', async () => {
    const zk = fakeZk((n) => (n <= 2 ? broker2Stopped : healthy));
    expect(await afterKafkaRestart(inputs(2), 60_000, { zk, ...clock() })).toBe(
      'zookeeper /sg-kafka: all 5 partition(s) in sync',
    );
  });

  it('a controller-only KRaft node has nothing to check', async () => {
    const controller = { ...kraftInputs, roles: ['controller' as const] };
    expect(await beforeKafkaRestart(controller, 1000)).toMatch(/controller-only/);
  });
});

describe('kafka raw requests (recorded Kafka 4.1.1 replies)', () => {
  it('Metadata v5: brokers, cluster id and every partition; the view is sorted', () => {
    expect(encodeMetadataRequest(1).subarray(4, 8)).toEqual(Buffer.from([0, 3, 0, 5]));
    const { correlationId, metadata } = decodeMetadataResponse(hex('metadata-v5-kraft-kafka4.1.1.hex'));
    expect(correlationId).toBe(1);
    expect(metadata.brokers.map((b) => [b.nodeId, b.host, b.port]).sort()).toEqual([
      [1, '127.0.24.21', 9092],
      [2, '127.0.24.22', 9092],
      [3, '127.0.24.23', 9092],
    ]);
    expect(metadata.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const view = metadataPartitionView('metadata of broker 1', metadata, { events: 2, pair: 1, solo: 2 });
    expect(view.partitions.map((p) => `${p.topic}-${p.partition}:${p.replicas.length}`)).toEqual([
      'events-0:3',
      'events-1:3',
      'events-2:3',
      'pair-0:2',
      'solo-0:1',
    ]);
  });

  it('Metadata: a truncated frame is refused', () => {
    const f = hex('metadata-v5-kraft-kafka4.1.1.hex');
    expect(() => decodeMetadataResponse(f.subarray(0, f.length - 7))).toThrow(/Metadata response truncated/);
  });

  it('DescribeConfigs v1: the effective min.insync.replicas per topic; an unknown topic is left out', () => {
    expect(encodeDescribeMinIsrRequest(['events'], 1).subarray(4, 8)).toEqual(Buffer.from([0, 32, 0, 1]));
    expect(decodeDescribeMinIsrResponse(hex('describeconfigs-v1-min-isr-kraft-kafka4.1.1.hex'))).toEqual({
      correlationId: 1,
      minIsr: { events: 2, pair: 1, solo: 2 },
    });
  });

  it('UnregisterBroker v0: BROKER_ID_NOT_REGISTERED for a broker already unregistered', () => {
    expect(
      decodeUnregisterBrokerResponse(hex('unregisterbroker-v0-not-registered-kraft-kafka4.1.1.hex')),
    ).toMatchObject({
      correlationId: 1,
      errorCode: BROKER_ID_NOT_REGISTERED,
    });
  });
});

describe('kafka removal pieces', () => {
  it('ZooKeeper mode: the topics broker 3 holds; refused unless forced; an empty broker passes', async () => {
    const zk = fakeZk(() => healthy);
    expect((await readKafkaBrokerReplicas(inputs(3), { timeoutMs: 1000 }, { zk })).topics).toEqual([
      { topic: 'events', partitions: 3 },
      { topic: 'solo', partitions: 1 },
    ]);
    await expect(beforeKafkaRemoval(inputs(3), { timeoutMs: 1000 }, { zk })).rejects.toMatchObject({
      code: 'conflict',
      message:
        'broker 3 still holds 4 partition replica(s) (zookeeper /sg-kafka): events (3), solo (1); move them off with kafka-reassign-partitions.sh first, or force the removal',
    });
    expect(
      (await beforeKafkaRemoval(inputs(3), { timeoutMs: 1000, force: true }, { zk })).actions[0],
    ).toMatch(/^forced: broker 3 still holds 4 replica\(s\)/);
    expect(await beforeKafkaRemoval(inputs(4), { timeoutMs: 1000 }, { zk })).toEqual({
      actions: ['broker 4 holds no partition replica (zookeeper /sg-kafka)'],
    });
  });

  it('ZooKeeper mode after the stop: waits until /brokers/ids/<id> is gone', async () => {
    const c = clock();
    const zk = fakeZk(() => (c.now() < 1500 ? healthy : broker2Stopped));
    expect(await afterKafkaRemoval(inputs(2), { timeoutMs: 10_000 }, { zk, ...c })).toEqual({
      actions: ['/sg-kafka/brokers/ids/2 is gone: broker 2 has left'],
    });
    await expect(
      afterKafkaRemoval(inputs(1), { timeoutMs: 3000 }, { zk: fakeZk(() => healthy), ...clock() }),
    ).rejects.toThrow(/\/sg-kafka\/brokers\/ids\/1 still exists 3000 ms after broker 1 was removed/);
  });

  it('KRaft after the stop: unregisters through the first peer that answers', async () => {
    const asked: string[] = [];
    const unregister = (host: string, port: number, id: number) => {
      asked.push(`${host}:${port}/${id}`);
      return host === '10.0.0.1'
        ? Promise.reject(new Error('connect ECONNREFUSED'))
        : Promise.resolve('unregistered' as const);
    };
    const peers = [
      { address: '10.0.0.1', port: 9092 },
      { address: '10.0.0.2', port: 9092 },
    ];
    expect(
      await afterKafkaRemoval({ ...kraftInputs, id: 3 }, { timeoutMs: 1000, peers }, { unregister }),
    ).toEqual({
      actions: ['broker 3 unregistered through 10.0.0.2:9092'],
    });
    expect(asked).toEqual(['10.0.0.1:9092/3', '10.0.0.2:9092/3']);
    await expect(
      afterKafkaRemoval({ ...kraftInputs, id: 3 }, { timeoutMs: 1000 }, { unregister }),
    ).rejects.toThrow(/could not unregister broker 3: no peers given/);
  });

  it('KRaft: a stopped broker is read through the bootstrap peers, one view per live broker', async () => {
    const { metadata } = decodeMetadataResponse(hex('metadata-v5-kraft-kafka4.1.1.hex'));
    const live = { ...metadata, brokers: metadata.brokers.filter((b) => b.nodeId !== 3) };
    const asked: string[] = [];
    const deps = {
      bootstrap: [{ address: '127.0.24.21', port: 9092 }],
      metadata: (host: string) => {
        asked.push(host);
        return host === '127.0.24.23' ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve(live);
      },
      minIsr: () => Promise.resolve({ events: 2, pair: 1 }),
    };
    const stopped = { ...kraftInputs, id: 3, address: '127.0.24.23' };
    const views = await readKafkaPartitionViews(stopped, 1000, deps);
    expect(asked[0]).toBe('127.0.24.23');
    expect(views.map((v) => v.source)).toEqual(['metadata of broker 1', 'metadata of broker 2']);
    // solo: not answered by DescribeConfigs → the rendered default (none here → Kafka's 1).
    expect(views[0]!.minIsr).toEqual({ events: 2, pair: 1, solo: 1 });
    // A listed broker that does not answer fails the read: no decision on fewer views than brokers.
    await expect(
      readKafkaPartitionViews(stopped, 1000, {
        ...deps,
        metadata: (h: string) => deps.metadata(h).then(() => metadata),
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
