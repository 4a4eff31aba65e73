import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lab, alive, type ClusterStatusBody } from '../src/lab/fleet.js';
import { zkMode } from '../src/lab/four-letter.js';
import { waitFor } from '../src/lab/wait.js';
import { LAB_JVM_FLAGS } from '../src/lab/dist.js';

// Lab slice: 127.0.0.11-13, the three "servers" zk1..zk3 of the foundation acceptance test.
const HOSTS = [
  ['zk1', '127.0.0.11'],
  ['zk2', '127.0.0.12'],
  ['zk3', '127.0.0.13'],
] as const;

const spec = {
  name: 'zk-main',
  kind: 'zookeeper',
  distribution: { home: process.env.ZK_HOME ?? '/usr/share/zookeeper' },
  // Short ticks keep elections fast in the lab; small heaps and the serial GC keep 3 JVMs light on 2 cores.
  settings: { tickTime: 500, initLimit: 20, syncLimit: 10 },
  jvm: { heap: '128m', flags: [...LAB_JVM_FLAGS] },
  members: HOSTS.map(([host], i) => ({ host, id: i + 1, adminPort: 0 })),
};

const leaders = (c: ClusterStatusBody) => c.status.members.filter((m) => m.mode === 'leader');
const member = (c: ClusterStatusBody, host: string) => c.status.members.find((m) => m.host === host)!;

describe('e2e: control plane + 3 agents run a real ZooKeeper ensemble', { timeout: 120_000 }, () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.create('zk');
    await lab.startControlPlane();
    for (const [name, address] of HOSTS) await lab.startAgent(name, address);
    await lab.waitForHosts(HOSTS.map(([n]) => n));
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('apply → healthy with exactly one leader and N−1 synced followers', async () => {
    const started = Date.now();
    const put = await lab.api<{ name: string; revision: number; changed: boolean }>(
      'PUT',
      '/v1/clusters/zk-main',
      spec,
    );
    expect(put).toEqual({
      status: 200,
      body: { name: 'zk-main', revision: 1, changed: true, restartPending: [] },
    });
    const c = await lab.waitForHealth('zk-main', 'healthy');
    console.log(`apply → healthy: ${Date.now() - started} ms`);
    expect(leaders(c)).toHaveLength(1);
    expect(c.status.members.filter((m) => m.mode === 'follower')).toHaveLength(2);
    expect(leaders(c)[0]!.syncedFollowers).toBe(2);
    // The API agrees with ZooKeeper itself.
    const modes = await Promise.all(HOSTS.map(([, a]) => zkMode(a)));
    expect(modes.filter((m) => m === 'leader')).toHaveLength(1);
  });

  it('SIGKILL of the leader JVM → new leader elected, agent restarts the member, back to healthy', async () => {
    const before = await lab.waitForHealth('zk-main', 'healthy');
    // The leader is the one ZooKeeper names at the kill, not the health view's: that view is an
    // agent's probe from up to a report ago, and on a loaded machine an election can come in between
    // (the kill would then hit a follower and "a new leader elected" would hold without one).
    const leading = await waitFor(
      'one member to answer srvr as leader',
      async () => {
        const modes = await Promise.all(HOSTS.map(([, a]) => zkMode(a)));
        return modes.filter((m) => m === 'leader').length === 1
          ? HOSTS[modes.indexOf('leader')]![0]
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const old = member(before, leading);
    if (leaders(before)[0]?.host !== leading)
      console.log(
        `zk: the leader moved from ${leaders(before)[0]?.host} to ${leading} since the health view`,
      );
    const survivors = HOSTS.filter(([h]) => h !== old.host).map(([, a]) => a);
    process.kill(old.pid, 'SIGKILL');
    // The survivors elect a leader among themselves (seen from ZooKeeper directly).
    await waitFor(
      'a survivor to become leader',
      async () =>
        (await Promise.all(survivors.map((a) => zkMode(a)))).includes('leader') ? true : undefined,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const after = await lab.waitForHealth('zk-main', 'healthy', {
      where: (c) => member(c, old.host).pid !== old.pid && member(c, old.host).pid > 0,
    });
    expect(member(after, old.host).restarts).toBeGreaterThanOrEqual(1);
    expect(alive(old.pid)).toBe(false);
    expect(leaders(after)).toHaveLength(1);
  });

  it('restarting an agent re-adopts its ZooKeeper process (same pid)', async () => {
    const before = await lab.waitForHealth('zk-main', 'healthy');
    const pid = member(before, 'zk2').pid;
    await lab.stopAgent('zk2');
    expect(alive(pid)).toBe(true);
    await lab.startAgent('zk2', '127.0.0.12');
    await lab.waitForHosts(['zk2']);
    const after = await lab.waitForHealth('zk-main', 'healthy', {
      where: (c) => member(c, 'zk2').process === 'running' && member(c, 'zk2').lastProbe !== null,
    });
    expect(member(after, 'zk2').pid).toBe(pid);
  });

  it('restarting the control plane (SIGKILL) → agents reconnect, state intact, ZooKeeper untouched', async () => {
    const before = await lab.waitForHealth('zk-main', 'healthy');
    const pids = before.status.members.map((m) => m.pid);
    await lab.stopControlPlane('SIGKILL');
    // The ensemble keeps serving while the control plane is away.
    expect((await Promise.all(HOSTS.map(([, a]) => zkMode(a)))).filter((m) => m === 'leader')).toHaveLength(
      1,
    );
    await lab.startControlPlane();
    await lab.waitForHosts(HOSTS.map(([n]) => n));
    const after = await lab.waitForHealth('zk-main', 'healthy');
    expect(after.revision).toBe(1);
    expect(after.status.members.map((m) => m.pid)).toEqual(pids);
    const { body } = await lab.api<{
      hosts: { name: string; generation: number; appliedGeneration: number }[];
    }>('GET', '/v1/hosts');
    for (const h of body.hosts) expect(h.appliedGeneration).toBe(h.generation);
  });

  it('bad specs against the live control plane are rejected without touching the ensemble', async () => {
    const res = await lab.api<{ error: { code: string; details: { path: string }[] } }>(
      'PUT',
      '/v1/clusters/zk-main',
      { ...spec, members: spec.members.slice(0, 2) },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d) => d.path)).toEqual(['members']);
    const raw = await fetch(`${lab.server}/v1/clusters/zk-main`, {
      method: 'PUT',
      body: '{"oops',
      headers: { 'content-type': 'application/json', ...lab.authHeaders() },
    });
    expect(raw.status).toBe(400);
    expect((await lab.cluster('zk-main')).revision).toBe(1);
  });
});
