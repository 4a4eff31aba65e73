import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lab, type RolloutView } from '../src/lab/fleet.js';
import { waitFor } from '../src/lab/wait.js';
import { LAB_JVM_FLAGS } from '../src/lab/dist.js';

// Lab slice 22 (.11-.13): a real three-member ZooKeeper ensemble. Issue 10: a rollout paused on a
// gate timeout continues after `resume` once the gate holds.
const HOSTS = [
  ['rr1', '127.0.22.11'],
  ['rr2', '127.0.22.12'],
  ['rr3', '127.0.22.13'],
] as const;
const ZK_HOME = process.env.ZK_HOME ?? '/usr/share/zookeeper';

describe('e2e: resume after a gate timeout', { timeout: 240_000 }, () => {
  let lab: Lab;
  let frozen: number | undefined;
  beforeAll(async () => {
    lab = await Lab.create('rollout-resume');
    await lab.startControlPlane();
    for (const [name, address] of HOSTS) await lab.startAgent(name, address);
    await lab.waitForHosts(HOSTS.map(([n]) => n));
    const put = await lab.api('PUT', '/v1/clusters/zk-rr', {
      kind: 'zookeeper',
      distribution: { home: ZK_HOME },
      settings: { tickTime: 500, initLimit: 20, syncLimit: 4 },
      jvm: { heap: '64m', flags: [...LAB_JVM_FLAGS] },
      members: HOSTS.map(([host], i) => ({ host, id: i + 1, adminPort: 0 })),
    });
    expect(put.status).toBe(200);
    await lab.waitForHealth('zk-rr', 'healthy', { timeoutMs: 90_000 });
  });
  afterAll(async () => {
    // The frozen member may be gone (restarted by its agent): a failed SIGCONT must not keep the
    // lab's processes alive, which is what an uncaught ESRCH here once did.
    try {
      if (frozen) process.kill(frozen, 'SIGCONT');
    } catch {
      // already gone
    }
    await lab?.destroy();
  });

  it('a follower frozen (SIGSTOP) holds the gate → paused; thawed and resumed → completes, every member restarted', async () => {
    const before = await lab.cluster('zk-rr');
    // The follower restarted last (plan order among followers): the frozen member itself serves
    // nobody, so its own restart would be granted on the others' health (MembershipGates
    // withoutIdleMember); the gate that holds is the serving follower's, which goes first.
    const follower = before.status.members
      .filter((m) => m.mode === 'follower')
      .sort((a, b) => Number(a.id) - Number(b.id))
      .at(-1)!;
    frozen = follower.pid;
    process.kill(frozen, 'SIGSTOP');
    await lab.waitForHealth('zk-rr', 'degraded', { timeoutMs: 60_000 });

    const started = await lab.api<RolloutView>('POST', '/v1/clusters/zk-rr/rollouts', {
      action: 'restart',
      gateTimeoutSec: 5,
      onGateTimeout: 'pause',
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const id = started.body.id;
    const get = async () => (await lab.api<RolloutView>('GET', `/v1/rollouts/${id}`)).body;
    const paused = await waitFor(
      'the gate timeout to pause the rollout',
      async () => {
        const r = await get();
        return r.state === 'paused' ? r : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(paused.reason).toMatch(/gate timeout/);
    expect(paused.steps.filter((s) => s.state === 'done')).toEqual([]);

    process.kill(frozen, 'SIGCONT');
    frozen = undefined;
    await lab.waitForHealth('zk-rr', 'healthy', { timeoutMs: 60_000 });
    const resumed = await lab.api<RolloutView>('POST', `/v1/rollouts/${id}/resume`);
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(200);
    const done = await waitFor(
      'the resumed rollout to complete',
      async () => {
        const r = await get();
        if (r.state === 'paused' || r.state === 'aborted') throw new Error(`rollout ${r.state}: ${r.reason}`);
        return r.state === 'completed' ? r : undefined;
      },
      { timeoutMs: 150_000 },
    );
    expect(done.steps.map((s) => s.state)).toEqual(['done', 'done', 'done']);
    const after = await lab.waitForHealth('zk-rr', 'healthy');
    for (const m of after.status.members)
      expect(m.pid, m.host).not.toBe(before.status.members.find((b) => b.host === m.host)!.pid);
  });
});
