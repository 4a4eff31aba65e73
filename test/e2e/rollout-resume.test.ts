import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lab, type RolloutView } from '../src/lab/fleet.js';
import { waitFor } from '../src/lab/wait.js';
import { LAB_JVM_FLAGS } from '../src/lab/dist.js';

// Lab slice 22 (.11-.13): a real three-member ZooKeeper ensemble. Issue 10: a rollout paused on a
// gate timeout continues after `resume` once the gate holds. Issue 9: a gate timeout with
// `onGateTimeout: rollback` puts the previous spec back and restarts only the member it reached.
const HOSTS = [
  ['rr1', '127.0.22.11'],
  ['rr2', '127.0.22.12'],
  ['rr3', '127.0.22.13'],
] as const;
const ZK_HOME = process.env.ZK_HOME ?? '/usr/share/zookeeper';

const spec = (settings: Record<string, number>) => ({
  kind: 'zookeeper',
  distribution: { home: ZK_HOME },
  settings: { tickTime: 500, initLimit: 20, syncLimit: 4, ...settings },
  jvm: { heap: '64m', flags: [...LAB_JVM_FLAGS] },
  members: HOSTS.map(([host], i) => ({ host, id: i + 1, adminPort: 0 })),
});

describe('e2e: resume after a gate timeout; rollback on a gate timeout', { timeout: 240_000 }, () => {
  let lab: Lab;
  let frozen: number | undefined;
  beforeAll(async () => {
    lab = await Lab.create('rollout-resume');
    await lab.startControlPlane();
    for (const [name, address] of HOSTS) await lab.startAgent(name, address);
    await lab.waitForHosts(HOSTS.map(([n]) => n));
    const put = await lab.api('PUT', '/v1/clusters/zk-rr', spec({}));
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
  it('an apply with onGateTimeout=rollback times out at a gate → the previous spec as a new revision, only the member the rollout restarted restarted back', async () => {
    const before = await lab.waitForHealth('zk-rr', 'healthy', { timeoutMs: 90_000 });
    const pidBefore = new Map(before.status.members.map((m) => [m.instance, m.pid]));
    const revisions = async () =>
      (
        await lab.api<{ revisions: { revision: number; message: string }[] }>(
          'GET',
          '/v1/clusters/zk-rr/revisions',
        )
      ).body.revisions;
    const first = (await revisions()).at(-1)!.revision;

    // The new revision with the policy an operator picks for a risky change, chosen on the apply
    // itself: `hactl apply --gate-timeout 5 --on-gate-timeout rollback --pause-between 15`.
    // pauseBetweenSec leaves time to freeze the member the first step restarted before the second
    // step asks for its lease.
    const stored = await lab.api<{ revision: number; rollout?: string }>(
      'PUT',
      '/v1/clusters/zk-rr?gateTimeoutSec=5&onGateTimeout=rollback&pauseBetweenSec=15',
      spec({ maxClientCnxns: 77 }),
    );
    expect(stored.status, JSON.stringify(stored.body)).toBe(200);
    expect(stored.body.revision).toBe(first + 1);
    expect(stored.body.rollout).toEqual(expect.any(String));
    const id = stored.body.rollout!;
    const get = async (rid: string) => (await lab.api<RolloutView>('GET', `/v1/rollouts/${rid}`)).body;

    const reached = await waitFor(
      'the first step to finish',
      async () => {
        const r = await get(id);
        if (r.state !== 'running') throw new Error(`rollout ${r.state}: ${r.reason}`);
        return r.steps[0]?.state === 'done' ? r.steps[0] : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    // The restarted member hangs on its new config (a frozen JVM): it stops answering, the ensemble
    // is below healthy, and the next step's lease is refused until the gate timeout.
    const restarted = await waitFor(
      `${reached.instance} to report its new process`,
      async () => {
        const m = (await lab.cluster('zk-rr')).status.members.find((x) => x.instance === reached.instance);
        return m && m.process === 'running' && m.pid > 0 && m.pid !== pidBefore.get(reached.instance)
          ? m
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    frozen = restarted.pid;
    process.kill(frozen, 'SIGSTOP');
    await lab.waitForHealth('zk-rr', 'degraded', { timeoutMs: 60_000 });
    // Else the second step took its lease while the ensemble was still healthy, and the gate the
    // test is about never held.
    expect((await get(id)).steps.filter((s) => s.state !== 'pending').map((s) => s.instance)).toEqual([
      reached.instance,
    ]);

    const aborted = await waitFor(
      'the gate timeout to abort the rollout',
      async () => {
        const r = await get(id);
        return r.state === 'aborted' ? r : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(aborted.reason).toMatch(
      /^gate timeout after 5s on step \d+ \(zk-rr\/zk-\d\): cluster-healthy: waiting: cluster is degraded: .*2\/3 members serving/,
    );
    expect(aborted.steps.map((s) => s.state)).toEqual(['done', 'skipped', 'skipped']);

    // One new revision holding the first one's spec, and a rollback rollout over the one member.
    const back = await revisions();
    expect(back.map((r) => r.revision)).toEqual(Array.from({ length: first + 2 }, (_, k) => k + 1));
    expect(back.at(-1)!.message).toMatch(
      new RegExp(`^rollback to revision ${first} after rollout ${id}: gate timeout`),
    );
    const specOf = async (n: number) =>
      (await lab.api<{ spec: unknown }>('GET', `/v1/clusters/zk-rr/revisions/${n}`)).body.spec;
    expect(await specOf(first + 2)).toEqual(await specOf(first));
    const listed = await lab.api<{ rollouts: { id: string; revision: number }[] }>(
      'GET',
      '/v1/clusters/zk-rr/rollouts',
    );
    const rollback = listed.body.rollouts.find((r) => r.revision === first + 2);
    expect(rollback, JSON.stringify(listed.body)).toBeDefined();

    // The frozen member serves nobody, so its restart back takes nothing more down (the idle-member
    // rule grants its lease on the others' health); the agent's stop thaws it (SIGTERM, SIGCONT).
    const done = await waitFor(
      'the rollback rollout to complete',
      async () => {
        const r = await get(rollback!.id);
        if (r.state === 'paused' || r.state === 'aborted')
          throw new Error(`rollback ${r.state}: ${r.reason}`);
        return r.state === 'completed' ? r : undefined;
      },
      { timeoutMs: 120_000 },
    );
    frozen = undefined;
    expect(done.steps.map((s) => [s.instance, s.state])).toEqual([[reached.instance, 'done']]);
    // The frozen JVM was thawed by the stop and shut down on SIGTERM, not killed after the grace.
    const stops = lab
      .agentEvents([reached.host], 'zk-rr', Date.parse(aborted.updatedAt))
      .map((e) => e.msg)
      .filter((m) => m.startsWith('process_stop') || m === 'stop_grace_expired_killing');
    expect(stops).toContain('process_stopping');
    expect(stops).not.toContain('stop_grace_expired_killing');

    const after = await lab.waitForHealth('zk-rr', 'healthy', { timeoutMs: 90_000 });
    for (const m of after.status.members) {
      // The members the rollout never reached were never restarted: they ran the spec again.
      if (m.instance !== reached.instance)
        expect([m.instance, m.pid]).toEqual([m.instance, pidBefore.get(m.instance)]);
      else expect([pidBefore.get(m.instance), restarted.pid]).not.toContain(m.pid);
      expect(m.detail).not.toMatch(/restart pending/);
    }
    // Every member's zoo.cfg is the first revision's again.
    for (const m of after.status.members) {
      const cfg = fs.readFileSync(
        path.join(
          lab.agents.get(m.host)!.stateDir,
          'data',
          'zookeeper',
          'zk-rr',
          String(m.id),
          'conf',
          'zoo.cfg',
        ),
        'utf8',
      );
      expect(cfg, m.instance).toContain('syncLimit=4');
      expect(cfg, m.instance).not.toContain('maxClientCnxns');
    }
  });
});
