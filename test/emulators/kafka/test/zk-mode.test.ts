import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startZkEnsemble, type ZkEnsemble } from '../../../src/lab/zookeeper.js';
import { waitFor } from '../../../src/lab/wait.js';
import { run, stopAll, tempDir, writeProps, ZkReader, type Proc } from './lab.js';
import { kafkaRequest } from '../src/protocol-client.js';
import { Reader } from '../src/wire.js';

// Address slice 127.0.1.0/24: ZooKeeper on .1–.3, brokers on .11–.13 (service-facts 2.1, 2.2, 2.5, 2.6, 5).
const ZK_HOSTS = ['127.0.1.1', '127.0.1.2', '127.0.1.3'];
const IDS = [1, 2, 3] as const;
const host = (id: number): string => `127.0.1.1${id}`;
const CHROOT = '/kafka-lab';
const TOPIC = 'orders';

interface BrokerReg {
  version: number;
  host: string | null;
  port: number;
  endpoints: string[];
  jmx_port: number;
  timestamp: unknown;
  rack?: string;
  features: Record<string, unknown>;
  listener_security_protocol_map: Record<string, string>;
}
interface PartitionStateJson {
  version: number;
  leader: number;
  leader_epoch: number;
  controller_epoch: number;
  isr: number[];
}

describe('kafka emulator, ZooKeeper mode: 3 brokers on a real 3-node ensemble', () => {
  let zk: ZkEnsemble;
  let reader: ZkReader;
  let dir: string;
  const brokers = new Map<number, Proc>();
  const configs = new Map<number, string>();

  const start = (id: number): Proc => {
    const p = run('kafka-server-start.sh', [configs.get(id)!]);
    brokers.set(id, p);
    return p;
  };
  const registered = async (): Promise<number[]> => ((await reader.children(`${CHROOT}/brokers/ids`)) ?? []).map(Number).sort();
  const controllerId = async (): Promise<number | undefined> =>
    (await reader.json<{ brokerid: number }>(`${CHROOT}/controller`))?.brokerid;
  const states = async (): Promise<Map<number, PartitionStateJson>> => {
    const out = new Map<number, PartitionStateJson>();
    for (const p of [0, 1, 2]) {
      const s = await reader.json<PartitionStateJson>(`${CHROOT}/brokers/topics/${TOPIC}/partitions/${p}/state`);
      if (s) out.set(p, s);
    }
    return out;
  };
  const admin = (ids: readonly number[]) =>
    new Kafka({ clientId: 'conformance', brokers: ids.map((id) => `${host(id)}:9092`), logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
  const topicMetadata = async (ids: readonly number[]) => {
    const a = admin(ids);
    await a.connect();
    try {
      return (await a.fetchTopicMetadata({ topics: [TOPIC] })).topics[0]!.partitions;
    } finally {
      await a.disconnect();
    }
  };
  const healed = async (): Promise<boolean | undefined> => {
    const s = await states();
    return s.size === 3 && [...s.values()].every((x) => x.isr.length === 3 && x.leader !== -1) ? true : undefined;
  };

  beforeAll(async () => {
    zk = await startZkEnsemble(ZK_HOSTS);
    reader = await ZkReader.connect(zk.connectString);
    dir = tempDir('hactl-kafka-zk-');
    for (const id of IDS) {
      configs.set(
        id,
        writeProps(dir, `server-${id}.properties`, {
          'broker.id': id,
          listeners: `PLAINTEXT://${host(id)}:9092`,
          'log.dirs': path.join(dir, `logs-${id}`),
          'zookeeper.connect': `${zk.connectString}${CHROOT}`,
          'zookeeper.session.timeout.ms': 6000,
          'broker.rack': `r${id}`,
          'emulator.topics': `${TOPIC}:3:3`,
          'leader.imbalance.check.interval.seconds': 1,
        }),
      );
      start(id);
    }
    await waitFor('3 brokers registered and topic created', async () => ((await registered()).length === 3 && (await healed()) ? true : undefined), {
      timeoutMs: 30_000,
    });
  });

  afterAll(async () => {
    reader?.close();
    await stopAll();
    await zk?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('registers every broker with the real ephemeral /brokers/ids JSON (version 5)', async () => {
    expect(await registered()).toEqual([1, 2, 3]);
    for (const id of IDS) {
      const node = await reader.data(`${CHROOT}/brokers/ids/${id}`);
      expect(node?.ephemeral).toBe(true);
      const reg = JSON.parse(node!.text) as BrokerReg;
      expect(reg.version).toBe(5);
      expect(typeof reg.timestamp).toBe('string');
      expect(Number(reg.timestamp)).toBeGreaterThan(1_600_000_000_000);
      expect(reg.jmx_port).toBe(-1);
      expect(reg.endpoints).toEqual([`PLAINTEXT://${host(id)}:9092`]);
      expect(reg.host).toBe(host(id));
      expect(reg.port).toBe(9092);
      expect(reg.rack).toBe(`r${id}`);
      expect(reg.features).toEqual({});
      expect(reg.listener_security_protocol_map).toEqual({ PLAINTEXT: 'PLAINTEXT' });
    }
  });

  it('creates the chroot and the persistent paths, /cluster/id and meta.properties v0', async () => {
    const top = (await reader.children(CHROOT))!.sort();
    for (const p of ['admin', 'brokers', 'cluster', 'config', 'consumers', 'controller', 'controller_epoch', 'feature', 'isr_change_notification', 'latest_producer_id_block', 'log_dir_event_notification']) {
      expect(top).toContain(p);
    }
    expect((await reader.children(`${CHROOT}/config`))!.sort()).toEqual(['brokers', 'changes', 'clients', 'ips', 'topics', 'users']);
    expect((await reader.children(`${CHROOT}/brokers`))!.sort()).toEqual(['ids', 'seqid', 'topics']);
    const cluster = await reader.json<{ version: unknown; id: string }>(`${CHROOT}/cluster/id`);
    expect(cluster?.version).toBe('1');
    expect(cluster?.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    for (const id of IDS) {
      const meta = fs.readFileSync(path.join(dir, `logs-${id}`, 'meta.properties'), 'utf8');
      expect(meta).toMatch(/^version=0$/m);
      expect(meta).toMatch(new RegExp(`^broker\\.id=${id}$`, 'm'));
      expect(meta).toMatch(new RegExp(`^cluster\\.id=${cluster!.id}$`, 'm'));
    }
  });

  it('elects exactly one controller through the ephemeral /controller (version 2) and bumps /controller_epoch', async () => {
    const node = await reader.data(`${CHROOT}/controller`);
    expect(node?.ephemeral).toBe(true);
    const ctrl = JSON.parse(node!.text) as { version: number; brokerid: number; timestamp: unknown; kraftControllerEpoch: number };
    expect(ctrl.version).toBe(2);
    expect(ctrl.kraftControllerEpoch).toBe(-1);
    expect(typeof ctrl.timestamp).toBe('string');
    expect(await registered()).toContain(ctrl.brokerid);
    const epoch = (await reader.data(`${CHROOT}/controller_epoch`))!.text;
    expect(epoch).toMatch(/^\d+$/);
    expect(Number(epoch)).toBeGreaterThanOrEqual(1);
  });

  it('writes topic and partition state znodes as Kafka does, with isr ⊆ replicas and leader ∈ isr', async () => {
    const topic = await reader.json<{ version: number; partitions: Record<string, number[]>; topic_id: string; adding_replicas: object; removing_replicas: object }>(
      `${CHROOT}/brokers/topics/${TOPIC}`,
    );
    expect(topic?.version).toBe(3);
    expect(Object.keys(topic!.partitions).sort()).toEqual(['0', '1', '2']);
    expect(topic!.topic_id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(topic!.adding_replicas).toEqual({});
    const epoch = Number((await reader.data(`${CHROOT}/controller_epoch`))!.text);
    for (const [p, s] of await states()) {
      const replicas = topic!.partitions[String(p)]!;
      expect(replicas).toHaveLength(3);
      expect(s.version).toBe(1);
      expect(s.controller_epoch).toBeLessThanOrEqual(epoch);
      expect(s.isr.every((r) => replicas.includes(r))).toBe(true);
      expect(s.isr).toContain(s.leader);
    }
  });

  it('answers kafkajs admin: describeCluster, listTopics, fetchTopicMetadata from every broker', async () => {
    const cluster = await reader.json<{ id: string }>(`${CHROOT}/cluster/id`);
    for (const id of IDS) {
      const a = admin([id]);
      await a.connect();
      const desc = await a.describeCluster();
      expect(desc.brokers.map((b) => [b.nodeId, b.host, b.port]).sort()).toEqual(IDS.map((i) => [i, host(i), 9092]));
      expect(desc.controller).toBe(await controllerId());
      expect(desc.clusterId).toBe(cluster!.id);
      expect(await a.listTopics()).toEqual([TOPIC]);
      await a.disconnect();
    }
    const parts = await topicMetadata([1]);
    expect(parts).toHaveLength(3);
    for (const p of parts) {
      expect(p.isr.sort()).toEqual([...p.replicas].sort());
      expect(p.offlineReplicas).toEqual([]);
    }
  });

  it('speaks the wire protocol like a broker: ApiVersions v2, v0 fallback with error 35, closes on unknown API keys', async () => {
    const v2 = new Reader(await kafkaRequest({ host: host(1), port: 9092, apiKey: 18, apiVersion: 2, body: Buffer.alloc(0) }));
    expect(v2.int16()).toBe(0);
    const apis = v2.array((r) => ({ key: r.int16(), min: r.int16(), max: r.int16() }))!;
    expect(apis.find((a) => a.key === 18)).toEqual({ key: 18, min: 0, max: 2 });
    expect(apis.find((a) => a.key === 3)!.max).toBeGreaterThanOrEqual(6);
    expect(v2.int32()).toBe(0); // throttle_time_ms

    const tooNew = new Reader(
      await kafkaRequest({ host: host(1), port: 9092, apiKey: 18, apiVersion: 3, body: Buffer.from([0, 0, 0]), flexible: true, flexibleResponseHeader: false }),
    );
    expect(tooNew.int16()).toBe(35);
    expect(tooNew.array((r) => r.int16() + (r.int16(), r.int16(), 0))).toContain(18);

    await expect(kafkaRequest({ host: host(1), port: 9092, apiKey: 9999, apiVersion: 0, body: Buffer.alloc(0) })).rejects.toThrow(/closed/);
  });

  it('broker failure: after its ZK session expires the controller shrinks ISRs (visible via kafkajs), and a restart heals them', async () => {
    const ctrl = (await controllerId())!;
    const victim = IDS.find((id) => id !== ctrl)!;
    const survivors = IDS.filter((id) => id !== victim);
    brokers.get(victim)!.child.kill('SIGKILL');
    await brokers.get(victim)!.exited;
    await waitFor(`broker ${victim} to leave /brokers/ids`, async () => (!(await registered()).includes(victim) ? true : undefined), { timeoutMs: 20_000 });
    const parts = await waitFor(
      'under-replicated partitions in kafkajs metadata',
      async () => {
        const ps = await topicMetadata(survivors);
        return ps.every((p) => !p.isr.includes(victim) && p.replicas.includes(victim)) ? ps : undefined;
      },
      { timeoutMs: 10_000 },
    );
    for (const p of parts) {
      expect(p.isr.length).toBeLessThan(p.replicas.length);
      expect(p.offlineReplicas).toEqual([victim]);
      expect(survivors).toContain(p.leader);
    }
    start(victim);
    await waitFor('ISR to heal after restart', healed, { timeoutMs: 20_000 });
    // Every broker's metadata cache catches up on its own schedule: wait for the survivors' view too.
    const after = await waitFor('the survivors to see the healed ISR', async () => {
      const ps = await topicMetadata(survivors);
      return ps.every((p) => p.isr.length === p.replicas.length) ? ps : undefined;
    }, { timeoutMs: 20_000 });
    for (const p of after) expect([...p.isr].sort()).toEqual([...p.replicas].sort());
  });

  it('controller failure: SIGKILL the controller, a survivor takes /controller after session expiry with a higher epoch', async () => {
    const old = (await controllerId())!;
    const oldEpoch = Number((await reader.data(`${CHROOT}/controller_epoch`))!.text);
    brokers.get(old)!.child.kill('SIGKILL');
    await brokers.get(old)!.exited;
    const next = await waitFor(
      'a new controller',
      async () => {
        const c = await controllerId();
        return c !== undefined && c !== old ? c : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(IDS.filter((id) => id !== old)).toContain(next);
    expect(Number((await reader.data(`${CHROOT}/controller_epoch`))!.text)).toBe(oldEpoch + 1);
    const desc = await (async () => {
      const a = admin([next]);
      await a.connect();
      try {
        return await a.describeCluster();
      } finally {
        await a.disconnect();
      }
    })();
    expect(desc.controller).toBe(next);
    expect(desc.brokers.map((b) => b.nodeId)).not.toContain(old);
    start(old);
    await waitFor('old controller back and ISR healed', async () => ((await registered()).length === 3 && (await healed()) ? true : undefined), {
      timeoutMs: 20_000,
    });
    expect(await controllerId()).toBe(next);
  });

  it('SIGTERM: controlled shutdown moves leadership away, deregisters at once and exits 0 within 2 s', async () => {
    // Wait until preferred leaders are back so the victim leads something.
    const victim = 1;
    await waitFor('broker 1 to lead a partition', async () => ([...(await states()).values()].some((s) => s.leader === victim) ? true : undefined), {
      timeoutMs: 15_000,
    });
    const p = brokers.get(victim)!;
    p.child.kill('SIGTERM');
    const { code } = await p.exited;
    expect(code).toBe(0);
    expect(await registered()).not.toContain(victim);
    for (const s of (await states()).values()) {
      expect(s.leader).not.toBe(victim);
      expect(s.isr).not.toContain(victim);
    }
    expect(p.output()).toMatch(/INFO \[KafkaServer id=1\] shutting down \(kafka\.server\.KafkaServer\)/);
    expect(p.output()).toMatch(/\[KafkaServer id=1\] shut down completed/);
    start(victim);
    await waitFor('ISR heals after restart', healed, { timeoutMs: 20_000 });
  });

  it('refuses a second broker with a registered broker.id (NodeExists on /brokers/ids/<id>)', async () => {
    const d = tempDir('hactl-kafka-dup-');
    const cfg = writeProps(d, 'server.properties', {
      'broker.id': 2,
      listeners: 'PLAINTEXT://127.0.1.18:9092',
      'log.dirs': d,
      'zookeeper.connect': `${zk.connectString}${CHROOT}`,
    });
    const p = run('kafka-server-start.sh', [cfg]);
    const { code } = await p.exited;
    expect(code).toBe(1);
    expect(p.output()).toMatch(/Error while creating ephemeral at \/brokers\/ids\/2, node already exists and owner '\d+' does not match current session '\d+'/);
    expect(p.output()).toMatch(/ERROR Exiting Kafka due to fatal exception during startup\. \(kafka\.Kafka\$\)/);
    expect(await registered()).toEqual([1, 2, 3]);
    fs.rmSync(d, { recursive: true, force: true });
  });

  it('refuses to start when meta.properties holds another cluster id', async () => {
    const d = tempDir('hactl-kafka-badmeta-');
    fs.writeFileSync(path.join(d, 'meta.properties'), 'version=0\nbroker.id=7\ncluster.id=AAAAAAAAAAAAAAAAAAAAAA\n');
    const cfg = writeProps(d, 'server.properties', {
      'broker.id': 7,
      listeners: 'PLAINTEXT://127.0.1.17:9092',
      'log.dirs': d,
      'zookeeper.connect': `${zk.connectString}${CHROOT}`,
    });
    const p = run('kafka-server-start.sh', [cfg]);
    const { code } = await p.exited;
    expect(code).not.toBe(0);
    expect(p.output()).toMatch(/InconsistentClusterIdException: The Cluster ID \S+ doesn't match stored clusterId Some\(AAAAAAAAAAAAAAAAAAAAAA\) in meta\.properties/);
    expect(await registered()).not.toContain(7);
    fs.rmSync(d, { recursive: true, force: true });
  });
});
