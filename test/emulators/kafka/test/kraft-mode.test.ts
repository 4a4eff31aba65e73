import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { waitFor } from '../../../src/lab/wait.js';
import { run, runToEnd, stopAll, tempDir, writeProps, type Proc } from './lab.js';
import { kafkaRequest } from '../src/protocol-client.js';
import { decodeDescribeQuorumResponse, encodeDescribeQuorumRequest } from '../src/messages.js';

// Address slice 127.0.1.0/24: combined KRaft nodes on .21–.23 (service-facts 2.3, surprise 9, 5).
const IDS = [1, 2, 3] as const;
const host = (id: number): string => `127.0.1.2${id}`;
const VOTERS = IDS.map((id) => `${id}@${host(id)}:9093`).join(',');
const TOPIC = 'events';

async function describeQuorum(h: string, port: number) {
  const body = await kafkaRequest({ host: h, port, apiKey: 55, apiVersion: 1, body: encodeDescribeQuorumRequest(), flexible: true, timeoutMs: 3000 });
  return decodeDescribeQuorumResponse(1, body);
}

describe('kafka emulator, KRaft mode: a 3-node combined quorum', () => {
  let dir: string;
  let clusterId: string;
  const nodes = new Map<number, Proc>();
  const configs = new Map<number, string>();
  const start = (id: number): Proc => {
    const p = run('kafka-server-start.sh', [configs.get(id)!]);
    nodes.set(id, p);
    return p;
  };
  const admin = (ids: readonly number[]) =>
    new Kafka({ clientId: 'conformance', brokers: ids.map((id) => `${host(id)}:9092`), logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
  const withAdmin = async <T>(ids: readonly number[], fn: (a: ReturnType<typeof admin>) => Promise<T>): Promise<T> => {
    const a = admin(ids);
    await a.connect();
    try {
      return await fn(a);
    } finally {
      await a.disconnect();
    }
  };
  const leaderOf = async (ids: readonly number[]): Promise<number | undefined> => {
    for (const id of ids) {
      try {
        const q = await describeQuorum(host(id), 9093);
        if (q.errorCode === 0 && q.leaderId !== -1) return q.leaderId;
      } catch {
        // not reachable or no leader yet
      }
    }
    return undefined;
  };

  beforeAll(async () => {
    dir = tempDir('hactl-kafka-kraft-');
    const uuid = await runToEnd('kafka-storage.sh', ['random-uuid']);
    clusterId = uuid.out.trim();
    for (const id of IDS) {
      configs.set(
        id,
        writeProps(dir, `server-${id}.properties`, {
          'process.roles': 'broker,controller',
          'node.id': id,
          'controller.quorum.voters': VOTERS,
          listeners: `PLAINTEXT://${host(id)}:9092,CONTROLLER://${host(id)}:9093`,
          'advertised.listeners': `PLAINTEXT://${host(id)}:9092`,
          'controller.listener.names': 'CONTROLLER',
          'inter.broker.listener.name': 'PLAINTEXT',
          'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
          'log.dirs': path.join(dir, `data-${id}`),
          'broker.heartbeat.interval.ms': 300,
          'broker.session.timeout.ms': 2000,
          'controller.quorum.election.timeout.ms': 500,
          'controller.quorum.fetch.timeout.ms': 1000,
          'emulator.topics': `${TOPIC}:3:3`,
        }),
      );
      const f = await runToEnd('kafka-storage.sh', ['format', '-t', clusterId, '-c', configs.get(id)!]);
      expect(f.code).toBe(0);
    }
    for (const id of IDS) start(id);
    await waitFor('3 brokers in kafkajs metadata', async () => {
      const d = await withAdmin([1], (a) => a.describeCluster()).catch(() => undefined);
      return d && d.brokers.length === 3 ? true : undefined;
    }, { timeoutMs: 30_000 });
  });

  afterAll(async () => {
    await stopAll();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('format wrote meta.properties v1 with node.id, directory.id and the cluster id', () => {
    expect(clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    for (const id of IDS) {
      const meta = fs.readFileSync(path.join(dir, `data-${id}`, 'meta.properties'), 'utf8');
      expect(meta).toMatch(/^version=1$/m);
      expect(meta).toMatch(new RegExp(`^node\\.id=${id}$`, 'm'));
      expect(meta).toMatch(new RegExp(`^cluster\\.id=${clusterId}$`, 'm'));
      expect(meta).toMatch(/^directory\.id=[A-Za-z0-9_-]{22}$/m);
    }
  });

  it('forms a quorum with one leader; DescribeQuorum (key 55) reports it on controller and broker listeners', async () => {
    const leader = await waitFor('a quorum leader', () => leaderOf(IDS), { timeoutMs: 10_000 });
    const q = await describeQuorum(host(leader), 9093);
    expect(q.topic).toBe('__cluster_metadata');
    expect(q.errorCode).toBe(0);
    expect(IDS).toContain(q.leaderId);
    expect(q.leaderEpoch).toBeGreaterThanOrEqual(1);
    expect(q.voters.map((v) => v.replicaId).sort()).toEqual([1, 2, 3]);
    expect(q.highWatermark).toBeGreaterThan(0n);
    for (const id of IDS) {
      const viaBroker = await describeQuorum(host(id), 9092);
      expect(viaBroker.leaderId).toBe(leader);
    }
    const follower = IDS.find((id) => id !== leader)!;
    expect((await describeQuorum(host(follower), 9093)).errorCode).toBe(6); // NOT_LEADER_OR_FOLLOWER
  });

  it('answers kafkajs: 3 brokers, the formatted cluster id, controller_id a live broker (surprise 9)', async () => {
    // Brokers learn metadata asynchronously (as real KRaft brokers do from the metadata log).
    const d = await waitFor('node 2 to see 3 brokers', async () => {
      const x = await withAdmin([2], (a) => a.describeCluster());
      return x.brokers.length === 3 ? x : undefined;
    });
    expect(d.clusterId).toBe(clusterId);
    expect(d.brokers.map((b) => [b.nodeId, b.host, b.port]).sort()).toEqual(IDS.map((id) => [id, host(id), 9092]));
    expect(IDS).toContain(d.controller);
    const parts = await withAdmin([3], async (a) => (await a.fetchTopicMetadata({ topics: [TOPIC] })).topics[0]!.partitions);
    expect(parts).toHaveLength(3);
    for (const p of parts) expect([...p.isr].sort()).toEqual([...p.replicas].sort());
  });

  it('quorum leader SIGKILL: a new leader with a higher epoch; its partitions become under-replicated, then heal on restart', async () => {
    const old = (await leaderOf(IDS))!;
    const oldEpoch = (await describeQuorum(host(old), 9093)).leaderEpoch;
    nodes.get(old)!.child.kill('SIGKILL');
    await nodes.get(old)!.exited;
    const rest = IDS.filter((id) => id !== old);
    const next = await waitFor('a new leader', async () => {
      const l = await leaderOf(rest);
      return l !== undefined && l !== old ? l : undefined;
    }, { timeoutMs: 10_000 });
    expect(rest).toContain(next);
    expect((await describeQuorum(host(next), 9093)).leaderEpoch).toBeGreaterThan(oldEpoch);
    const urp = await waitFor('under-replicated partitions', async () => {
      const ps = await withAdmin(rest, async (a) => (await a.fetchTopicMetadata({ topics: [TOPIC] })).topics[0]!.partitions);
      return ps.every((p) => !p.isr.includes(old)) ? ps : undefined;
    }, { timeoutMs: 10_000 });
    for (const p of urp) {
      expect(p.isr.length).toBeLessThan(p.replicas.length);
      expect(p.offlineReplicas).toEqual([old]);
    }
    start(old);
    await waitFor('ISR healed', async () => {
      const ps = await withAdmin(rest, async (a) => (await a.fetchTopicMetadata({ topics: [TOPIC] })).topics[0]!.partitions).catch(() => undefined);
      return ps?.every((p) => p.isr.length === 3) ? true : undefined;
    }, { timeoutMs: 15_000 });
  });

  it('SIGTERM: controlled shutdown exits 0 within 2 s and the node leaves the broker list', async () => {
    const victim = 3;
    const p = nodes.get(victim)!;
    p.child.kill('SIGTERM');
    const { code } = await p.exited;
    expect(code).toBe(0);
    // The active controller fenced it before acknowledging; brokers see that on a following metadata fetch.
    await waitFor('node 1 to drop broker 3', async () => {
      const x = await withAdmin([1], (a) => a.describeCluster());
      return x.brokers.some((b) => b.nodeId === victim) ? undefined : true;
    }, { timeoutMs: 15_000 });
    const parts = await waitFor('partitions to move off broker 3', async () => {
      const ps = await withAdmin([1], async (a) => (await a.fetchTopicMetadata({ topics: [TOPIC] })).topics[0]!.partitions);
      return ps.every((part) => part.leader !== victim && !part.isr.includes(victim)) ? ps : undefined;
    }, { timeoutMs: 15_000 });
    for (const part of parts) {
      expect(part.leader).not.toBe(victim);
      expect(part.isr).not.toContain(victim);
    }
    expect(p.output()).toMatch(/\[KafkaRaftServer nodeId=3\] shut down completed/);
  });
});
