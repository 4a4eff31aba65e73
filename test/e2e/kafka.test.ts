import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lab, REPO_ROOT, alive, type ClusterStatusBody } from '../src/lab/fleet.js';

// Lab slice: 127.0.4.0/24. ZooKeeper zk1..3 on .1-.3, ZooKeeper-mode brokers kafka1..3 on .11-.13,
// KRaft combined nodes kraft1..3 on .21-.23.
const ZK_HOSTS = [['zk1', '127.0.4.1'], ['zk2', '127.0.4.2'], ['zk3', '127.0.4.3']] as const;
const KAFKA_HOSTS = [['kafka1', '127.0.4.11'], ['kafka2', '127.0.4.12'], ['kafka3', '127.0.4.13']] as const;
const KRAFT_HOSTS = [['kraft1', '127.0.4.21'], ['kraft2', '127.0.4.22'], ['kraft3', '127.0.4.23']] as const;

/** A real distribution when KAFKA_HOME is set, else the emulator (test/emulators/kafka). */
const KAFKA_DIST = process.env.KAFKA_HOME ?? `${REPO_ROOT}/test/emulators/kafka`;
const TOPIC = 'events';

const zkSpec = {
  name: 'zk-kafka',
  kind: 'zookeeper',
  distribution: { home: process.env.ZK_HOME ?? '/usr/share/zookeeper' },
  // Short ticks keep elections fast; small heaps and the serial GC keep the JVMs light on 2 cores.
  settings: { tickTime: 500, initLimit: 20, syncLimit: 10 },
  jvm: { heap: '128m', flags: ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'] },
  members: ZK_HOSTS.map(([host], i) => ({ host, id: i + 1, adminPort: 0 })),
};

const kafkaSpec = {
  name: 'kafka-main',
  kind: 'kafka',
  distribution: { home: KAFKA_DIST },
  mode: 'zookeeper',
  zookeeper: 'zk-kafka',
  brokers: KAFKA_HOSTS.map(([host], i) => ({ host, id: i + 1, rack: `r${i + 1}` })),
  settings: {
    'default.replication.factor': 3,
    'min.insync.replicas': 2,
    // A killed broker's registration lingers for the session timeout (18 s by default, service-facts §2.1).
    'zookeeper.session.timeout.ms': 6000,
    'emulator.topics': `${TOPIC}:3:3`,
  },
  jvm: { heap: '256m' },
};

const kraftSpec = {
  name: 'kafka-kraft',
  kind: 'kafka',
  distribution: { home: KAFKA_DIST },
  mode: 'kraft',
  brokers: KRAFT_HOSTS.map(([host], i) => ({ host, id: i + 1, roles: ['broker', 'controller'] })),
  settings: {
    'default.replication.factor': 3,
    'min.insync.replicas': 2,
    // Fast KRaft timings for the lab (the emulator honours these, README "Emulator-only settings").
    'broker.heartbeat.interval.ms': 300,
    'broker.session.timeout.ms': 2000,
    'controller.quorum.election.timeout.ms': 500,
    'controller.quorum.fetch.timeout.ms': 1000,
    'emulator.topics': `${TOPIC}:3:3`,
  },
  jvm: { heap: '256m' },
};

const member = (c: ClusterStatusBody, host: string) => c.status.members.find((m) => m.host === host)!;
const controllers = (c: ClusterStatusBody) => c.status.members.filter((m) => m.mode === 'controller');
const urp = (c: ClusterStatusBody) => Math.max(0, ...c.status.members.map((m) => (typeof m.underReplicated === 'number' ? m.underReplicated : 0)));

describe('e2e: Kafka in ZooKeeper mode on a hactl ZooKeeper ensemble', { timeout: 180_000 }, () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.create('kafka');
    await lab.startControlPlane();
    for (const [name, address] of [...ZK_HOSTS, ...KAFKA_HOSTS]) await lab.startAgent(name, address);
    await lab.waitForHosts([...ZK_HOSTS, ...KAFKA_HOSTS].map(([n]) => n));
    expect((await lab.api('PUT', '/v1/clusters/zk-kafka', zkSpec)).status).toBe(200);
    await lab.waitForHealth('zk-kafka', 'healthy', { timeoutMs: 90_000 });
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('apply → healthy: 3 brokers registered, one controller, 0 under-replicated', async () => {
    const started = Date.now();
    const put = await lab.api<{ name: string; revision: number }>('PUT', '/v1/clusters/kafka-main', kafkaSpec);
    expect(put.status).toBe(200);
    const c = await lab.waitForHealth('kafka-main', 'healthy', { timeoutMs: 90_000 });
    console.log(`kafka apply → healthy: ${Date.now() - started} ms`);
    expect(controllers(c)).toHaveLength(1);
    expect(c.status.members.filter((m) => m.mode === 'broker')).toHaveLength(2);
    expect(c.status.members.map((m) => m.id).sort()).toEqual([1, 2, 3]);
    expect(c.status.reason).toMatch(/^3\/3 brokers, controller \d, 0 under-replicated$/);
    for (const m of c.status.members) {
      expect(m).toMatchObject({ role: 'broker', process: 'running' });
      // A broker whose last probe could not read partition metadata reports no count; none may report URP.
      expect([m.underReplicated ?? 0, m.offline ?? 0]).toEqual([0, 0]);
      expect(m.pid).toBeGreaterThan(0);
    }
  });

  it('SIGKILL of a broker → degraded with under-replicated partitions, the agent restarts it, back to healthy', async () => {
    const before = await lab.waitForHealth('kafka-main', 'healthy');
    const victim = before.status.members.find((m) => m.mode === 'broker')!;
    // Watch every status while the broker is gone: the window between its ZooKeeper session expiring
    // (ISR shrinks) and the restarted broker rejoining can be short with the emulator.
    const seen: ClusterStatusBody[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        seen.push(await lab.cluster('kafka-main'));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    process.kill(victim.pid, 'SIGKILL');
    try {
      const degraded = await lab.waitForHealth('kafka-main', 'degraded', { timeoutMs: 60_000, where: (c) => urp(c) > 0 }).catch(() => undefined);
      const after = await lab.waitForHealth('kafka-main', 'healthy', {
        timeoutMs: 90_000,
        where: (c) => member(c, victim.host).pid > 0 && member(c, victim.host).pid !== victim.pid,
      });
      watching = false;
      await watcher;
      const sawUrp = degraded ?? seen.find((c) => c.status.health === 'degraded' && urp(c) > 0);
      expect(sawUrp, `statuses seen: ${JSON.stringify(seen.map((c) => c.status.reason))}`).toBeDefined();
      expect(sawUrp!.status.reason).toMatch(/[1-9]\d* under-replicated/);
      expect(alive(victim.pid)).toBe(false);
      expect(member(after, victim.host).restarts).toBeGreaterThanOrEqual(1);
      expect(controllers(after)).toHaveLength(1);
      expect(urp(after)).toBe(0);
    } finally {
      watching = false;
      await watcher;
    }
  });

  it('bad Kafka specs are rejected with every problem at once', async () => {
    const bad = {
      ...kafkaSpec,
      zookeeper: 'no-such-zk',
      brokers: [{ host: 'kafka1', id: 1 }, { host: 'kafka2', id: 1 }],
      settings: { 'default.replication.factor': 3, listeners: 'PLAINTEXT://0.0.0.0:9092' },
    };
    const res = await lab.api<{ error: { details: { path: string }[] } }>('PUT', '/v1/clusters/kafka-main', bad);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d) => d.path).sort()).toEqual(['brokers[1].id', 'settings.default.replication.factor', 'settings.listeners', 'zookeeper']);
    expect((await lab.cluster('kafka-main')).revision).toBe(1);
  });
});

describe('e2e: Kafka in KRaft mode, three combined nodes', { timeout: 180_000 }, () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.create('kraft');
    await lab.startControlPlane();
    for (const [name, address] of KRAFT_HOSTS) await lab.startAgent(name, address);
    await lab.waitForHosts(KRAFT_HOSTS.map(([n]) => n));
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('apply → the quorum forms: healthy, one active controller, 3/3 voters', async () => {
    const started = Date.now();
    const put = await lab.api('PUT', '/v1/clusters/kafka-kraft', kraftSpec);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const c = await lab.waitForHealth('kafka-kraft', 'healthy', { timeoutMs: 90_000 });
    console.log(`kraft apply → healthy: ${Date.now() - started} ms`);
    expect(controllers(c)).toHaveLength(1);
    expect(c.status.reason).toMatch(/^3\/3 nodes, quorum leader \d \(epoch \d+\), 3\/3 voters, 0 under-replicated$/);
    for (const m of c.status.members) expect(m).toMatchObject({ role: 'broker,controller', process: 'running', underReplicated: 0 });
  });
});
