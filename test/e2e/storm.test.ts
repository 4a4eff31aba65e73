import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import path from 'node:path';
import { Lab, REPO_ROOT, alive, type ClusterStatusBody } from '../src/lab/fleet.js';
import { waitFor } from '../src/lab/wait.js';

// Lab slice: 127.0.5.0/24 — ZooKeeper on zk1..3 (.1-.3), Storm on storm1..4 (.11-.14).
const ZK_HOSTS = [
  ['zk1', '127.0.5.1'],
  ['zk2', '127.0.5.2'],
  ['zk3', '127.0.5.3'],
] as const;
const STORM_HOSTS = [
  ['storm1', '127.0.5.11'],
  ['storm2', '127.0.5.12'],
  ['storm3', '127.0.5.13'],
  ['storm4', '127.0.5.14'],
] as const;
const ALL = [...ZK_HOSTS, ...STORM_HOSTS];

const zkSpec = {
  name: 'zk-main',
  kind: 'zookeeper',
  distribution: { home: process.env.ZK_HOME ?? '/usr/share/zookeeper' },
  // Short ticks keep elections fast; small heaps and the serial GC keep 3 JVMs light on 2 cores;
  // adminPort 0 keeps the AdminServer off 8080, the Storm UI's port (service-facts §0.6).
  settings: { tickTime: 500, initLimit: 20, syncLimit: 10 },
  jvm: { heap: '128m', flags: ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'] },
  members: ZK_HOSTS.map(([host], i) => ({ host, id: i + 1, adminPort: 0 })),
};

const stormSpec = {
  name: 'storm-main',
  kind: 'storm',
  distribution: { home: process.env.STORM_HOME ?? path.join(REPO_ROOT, 'test/emulators/storm') },
  zookeeper: 'zk-main',
  nimbus: { hosts: ['storm1', 'storm2'], failover: 'manual' },
  supervisors: { hosts: ['storm3', 'storm4'], slots: [6700, 6701, 6702] },
  ui: { host: 'storm1', port: 8080 },
  // A short session makes a dead supervisor's ephemeral registration vanish within seconds
  // (service-facts §3.5: 20 s by default); a 1 s heartbeat re-creates it quickly after a restart.
  settings: { 'storm.zookeeper.session.timeout': 4000, 'storm.zookeeper.connection.timeout': 4000, 'supervisor.heartbeat.frequency.secs': 1 },
};

const member = (c: ClusterStatusBody, id: string) => c.status.members.find((m) => m.id === id)!;

describe('e2e: control plane + 7 agents run ZooKeeper and a Storm cluster on it', { timeout: 180_000 }, () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.create('storm');
    await lab.startControlPlane();
    for (const [name, address] of ALL) await lab.startAgent(name, address);
    await lab.waitForHosts(ALL.map(([n]) => n));
    const put = await lab.api('PUT', '/v1/clusters/zk-main', zkSpec);
    expect(put.status).toBe(200);
    await lab.waitForHealth('zk-main', 'healthy');
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('apply → healthy: one leader, the standby nimbus held stopped, 2 supervisors, 6 slots', async () => {
    const started = Date.now();
    const put = await lab.api<{ name: string; revision: number; changed: boolean }>('PUT', '/v1/clusters/storm-main', stormSpec);
    expect(put).toMatchObject({ status: 200, body: { name: 'storm-main', revision: 1, changed: true } });
    const c = await lab.waitForHealth('storm-main', 'healthy');
    console.log(`storm apply → healthy: ${Date.now() - started} ms`);
    expect(c.status.reason).toBe('nimbus leader storm1, 2/2 supervisors, 6 slots');
    expect(c.status.members.map((m) => [m.id, m.role, m.mode])).toEqual([
      ['nimbus-storm1', 'nimbus', 'leader'],
      ['nimbus-storm2', 'nimbus', 'standby'],
      ['supervisor-storm3', 'supervisor', 'registered'],
      ['supervisor-storm4', 'supervisor', 'registered'],
      ['ui', 'ui', 'serving'],
    ]);
    expect(member(c, 'nimbus-storm2')).toMatchObject({ process: 'stopped', pid: 0 });
    expect(member(c, 'supervisor-storm3').slots).toBe(3);
    // The UI agrees, straight from Storm's REST API.
    const nimbus = (await (await fetch('http://127.0.5.11:8080/api/v1/nimbus/summary')).json()) as { nimbuses: { host: string; status: string }[] };
    expect(nimbus.nimbuses).toEqual([expect.objectContaining({ host: '127.0.5.11', status: 'Leader' })]);
    const cluster = (await (await fetch('http://127.0.5.11:8080/api/v1/cluster/summary')).json()) as { supervisors: number; slotsTotal: number };
    expect(cluster).toMatchObject({ supervisors: 2, slotsTotal: 6 });
  });

  it('SIGKILL of a supervisor → the agent restarts it → healthy with a new pid', async () => {
    const before = await lab.waitForHealth('storm-main', 'healthy');
    const old = member(before, 'supervisor-storm3');
    process.kill(old.pid, 'SIGKILL');
    const after = await lab.waitForHealth('storm-main', 'healthy', {
      where: (c) => member(c, 'supervisor-storm3').pid !== old.pid && member(c, 'supervisor-storm3').pid > 0,
    });
    expect(alive(old.pid)).toBe(false);
    expect(member(after, 'supervisor-storm3').restarts).toBeGreaterThanOrEqual(1);
    expect(after.status.reason).toBe('nimbus leader storm1, 2/2 supervisors, 6 slots');
  });

  it('a supervisor dead with nobody to restart it → degraded once its session expires; its agent returns → healthy', async () => {
    const before = await lab.waitForHealth('storm-main', 'healthy');
    const old = member(before, 'supervisor-storm4');
    // With the agent gone the dead supervisor stays dead: the state is observable, not a race.
    await lab.stopAgent('storm4');
    process.kill(old.pid, 'SIGKILL');
    const degraded = await lab.waitForHealth('storm-main', 'degraded', { where: (c) => /1\/2 supervisors, 3\/6 slots/.test(c.status.reason) });
    expect(degraded.status.reason).toMatch(/^nimbus leader storm1, 1\/2 supervisors, 3\/6 slots; supervisor storm4 is not registered/);
    expect(member(degraded, 'supervisor-storm4').mode).toBe('unknown');
    await lab.startAgent('storm4', '127.0.5.14');
    await lab.waitForHosts(['storm4']);
    const after = await lab.waitForHealth('storm-main', 'healthy', { where: (c) => member(c, 'supervisor-storm4').pid !== old.pid && member(c, 'supervisor-storm4').pid > 0 });
    expect(after.status.reason).toBe('nimbus leader storm1, 2/2 supervisors, 6 slots');
  });

  it('bad specs are rejected with every problem listed, without touching the cluster', async () => {
    const res = await lab.api<{ error: { details: { path: string }[] } }>('PUT', '/v1/clusters/storm-main', {
      ...stormSpec,
      zookeeper: 'zk-nope',
      supervisors: { hosts: ['storm3'], slots: [6700, 6700] },
      settings: { 'nimbus.seeds': ['127.0.5.99'] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d) => d.path).sort()).toEqual(['settings.nimbus.seeds', 'supervisors.slots[1]', 'zookeeper']);
    expect((await lab.cluster('storm-main')).revision).toBe(1);
    await waitFor('the cluster to stay healthy', async () => ((await lab.cluster('storm-main')).status.health === 'healthy' ? true : undefined), { timeoutMs: 10_000 });
  });
});
