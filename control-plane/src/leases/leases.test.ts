import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nullLogger, type InstanceObservation } from '@hactl/shared';
import { Fleet, type AgentSession } from '../reconcile/fleet.js';
import { probingHello } from '../reconcile/testing.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { LeaseManager, type LeaseDecision, type LeaseOptions } from './leases.js';
import { fleetPeers, PeerViews } from './peer-views.js';

let dir: string;
let store: SqliteStore;
let fleet: Fleet;
let now = 1_800_000_000_000;
let authorized = true;
let pending: string[] = [];
let ids = 0;
const session: AgentSession = { sendDesired() {}, sendCommand() {}, close() {} };

function leases(ttlMs = 10_000, more: Partial<LeaseOptions> = {}) {
  return new LeaseManager({
    ...more,
    fleet,
    store,
    logger: nullLogger,
    now: () => now,
    ttlMs,
    retryAfterMs: 500,
    pendingFor: () => pending,
    authorize: (id) => (authorized ? undefined : `abandon: no running rollout asks to restart ${id}`),
    newId: () => `lease-${++ids}`,
  });
}

/** Every member reports serving; `leader` leads with 2 synced followers. */
function report(leader: number, synced = 2): void {
  for (const i of [1, 2, 3]) {
    const probe =
      i === leader
        ? { ok: true, serving: true, mode: 'leader', syncedFollowers: synced }
        : { ok: true, serving: true, mode: 'follower' };
    const inst: Omit<InstanceObservation, 'hostId' | 'reportedAt'> = {
      id: `zk/zk-${i}`,
      process: 'running',
      pid: 100 + i,
      restarts: 0,
      detail: '',
      restartPending: false,
      probeAt: now,
      probe,
    };
    fleet.recordStatus(`h${i}`, { appliedGeneration: 2, applyError: '', instances: [inst] });
  }
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-lease-'));
  store = new SqliteStore(path.join(dir, 'state.db'));
  fleet = new Fleet({
    store,
    logger: nullLogger,
    now: () => now,
    reportIntervalMs: 1000,
    randomId: () => 'AAAAAAAAAAAAAAAAAAAAAA',
    checkReplan: true,
  });
  for (const i of [1, 2, 3]) fleet.connectAgent(probingHello(`h${i}`, `127.0.0.1${i}`), session);
  fleet.applyCluster(
    'zk',
    {
      kind: 'zookeeper',
      distribution: { home: '/zk' },
      members: [1, 2, 3].map((i) => ({ host: `h${i}`, id: i })),
    },
    { author: 't', message: '' },
  );
  authorized = true;
  pending = [];
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('restart leases', () => {
  it('zookeeper: healthy ensemble → a follower gets the lease; a second member is refused while it is held', () => {
    report(2);
    const lm = leases();
    const a = lm.acquire('h1', 'zk/zk-1', 'test');
    expect(a).toMatchObject({ granted: true, leaseId: 'lease-1' });
    const b = lm.acquire('h3', 'zk/zk-3', 'test');
    expect(b.granted).toBe(false);
    expect(b.reason).toMatch(/one-at-a-time: waiting: zk\/zk-1 holds/);
    lm.release(a.leaseId);
    expect(lm.acquire('h3', 'zk/zk-3', 'test').granted).toBe(true);
  });

  it('zookeeper: 1/2 synced followers → refused with the gate values', () => {
    report(2, 1);
    const d = leases().acquire('h1', 'zk/zk-1', 'test');
    expect(d.granted).toBe(false);
    expect(d.reason).toMatch(/cluster-healthy: waiting: cluster is degraded: .*1\/2 followers synced/);
  });

  it('an expired lease frees the cluster (the agent vanished mid-restart) and is recorded', () => {
    report(2);
    const lm = leases(5_000);
    expect(lm.acquire('h1', 'zk/zk-1', 'test').granted).toBe(true);
    now += 4_000;
    report(2);
    expect(lm.acquire('h3', 'zk/zk-3', 'test').granted).toBe(false);
    now += 2_000;
    report(2);
    expect(lm.acquire('h3', 'zk/zk-3', 'test').granted).toBe(true);
    expect(store.listEvents({ cluster: 'zk', limit: 10 }).map((e) => e.type)).toContain('lease.expired');
  });

  it('holders() leaves an expired lease out without writing; expire() drops and records it', () => {
    report(2);
    const lm = leases(5_000);
    expect(lm.acquire('h1', 'zk/zk-1', 'test').granted).toBe(true);
    expect(lm.holders('zk').map((l) => l.instanceId)).toEqual(['zk/zk-1']);
    now += 6_000;
    const expired = () =>
      store.listEvents({ cluster: 'zk', limit: 10 }).filter((e) => e.type === 'lease.expired');
    expect(lm.holders('zk')).toEqual([]);
    expect(lm.gates('zk/zk-3').find((g) => g.gate === 'one-at-a-time')?.ok).toBe(true);
    expect(expired()).toEqual([]);
    lm.expire();
    expect(expired()).toHaveLength(1);
    lm.expire();
    expect(expired()).toHaveLength(1);
  });

  it('asking again while holding renews the same lease', () => {
    report(2);
    const lm = leases(5_000);
    const a = lm.acquire('h1', 'zk/zk-1', 'test');
    now += 4_000;
    const b = lm.acquire('h1', 'zk/zk-1', 'test');
    expect(b).toMatchObject({ granted: true, leaseId: a.leaseId });
    expect(b.expiresAtMs).toBe(now + 5_000);
  });

  it('the leader waits while followers are pending; without a rollout asking, the agent is told to abandon', () => {
    report(2);
    pending = ['zk/zk-1'];
    expect(leases().acquire('h2', 'zk/zk-2', 'test').reason).toMatch(/leader-last/);
    authorized = false;
    expect(leases().acquire('h1', 'zk/zk-1', 'test').reason).toMatch(/^abandon:/);
  });

  it('a host cannot take a lease for an instance it does not run', () => {
    report(2);
    expect(leases().acquire('h1', 'zk/zk-3', 'test')).toMatchObject({
      granted: false,
      reason: 'host h1 does not run zk/zk-3',
    });
  });
});

describe('acquireFresh: peer views probed again before a refusal for health', () => {
  /**
   * The leader's last report still counts 1/2 synced followers (taken while a follower was down);
   * asked to probe, its agent reports 2/2. `probes` lists the members asked, in order.
   */
  function setup(answer: (id: string) => void = () => report(2, 2)) {
    report(2, 1);
    now += 300;
    const probes: string[] = [];
    const decisions: LeaseDecision[] = [];
    const peerViews = new PeerViews({
      members: (cluster) => fleetPeers(fleet, cluster),
      probe: (hostId, instanceId) => {
        probes.push(`${hostId} ${instanceId}`);
        answer(instanceId);
        return Promise.resolve({ ok: true, error: '' });
      },
      now: () => now,
      logger: nullLogger,
      maxGapMs: 5000,
    });
    const lm = leases(10_000, { peerViews, onDecision: (_c, d) => decisions.push(d) });
    return { lm, probes, decisions };
  }

  it('refused on views older than the request → every member probed, then granted on the fresh report; one decision told', async () => {
    const s = setup();
    expect(s.lm.acquire('h1', 'zk/zk-1', 'test').granted).toBe(false);
    s.decisions.length = 0;
    const d = await s.lm.acquireFresh('h1', 'zk/zk-1', 'test');
    expect(d.granted).toBe(true);
    expect(s.lm.holders('zk').map((l) => l.id)).toEqual([d.leaseId]);
    // ZooKeeper does not say which members observe peers: any server may lead.
    expect(s.probes).toEqual(['h1 zk/zk-1', 'h2 zk/zk-2', 'h3 zk/zk-3']);
    expect(s.decisions).toEqual([d]);
  });

  it('still unhealthy after the probes → refused with the fresh values; the next refresh waits twice as long', async () => {
    const s = setup(() => report(2, 1));
    const d = await s.lm.acquireFresh('h1', 'zk/zk-1', 'test');
    expect(d.granted).toBe(false);
    expect(d.reason).toMatch(/cluster-healthy: .*1\/2 followers synced/);
    expect(s.probes).toHaveLength(3);
    now += 1999;
    expect((await s.lm.acquireFresh('h1', 'zk/zk-1', 'test')).granted).toBe(false);
    expect(s.probes).toHaveLength(3);
    now += 1;
    await s.lm.acquireFresh('h1', 'zk/zk-1', 'test');
    expect(s.probes).toHaveLength(6);
  });

  it('refused for health and on another gate at once → decided once, nothing probed (fresh views cannot move the other)', async () => {
    const s = setup();
    pending = ['zk/zk-1'];
    const d = await s.lm.acquireFresh('h2', 'zk/zk-2', 'test');
    expect(d.reason).toMatch(/cluster-healthy: .*leader-last: /);
    expect(s.probes).toEqual([]);
  });

  it('an agent whose hello does not list the probe query (an older agent) is not asked; the others are', async () => {
    const s = setup();
    fleet.disconnectAgent('h3', session);
    const { capabilities: _c, ...older } = probingHello('h3', '127.0.0.13');
    fleet.connectAgent(older, session);
    report(2, 1);
    now += 300;
    await s.lm.acquireFresh('h1', 'zk/zk-1', 'test');
    expect(s.probes).toEqual(['h1 zk/zk-1', 'h2 zk/zk-2']);
  });

  it('refused on another gate (leader-last, one-at-a-time, no rollout) → decided once, nothing probed', async () => {
    const s = setup();
    report(2, 2);
    pending = ['zk/zk-1'];
    expect((await s.lm.acquireFresh('h2', 'zk/zk-2', 'test')).reason).toMatch(/^leader-last: /);
    pending = [];
    authorized = false;
    expect((await s.lm.acquireFresh('h1', 'zk/zk-1', 'test')).reason).toMatch(/^abandon: /);
    expect(s.probes).toEqual([]);
  });

  it('a replica that stops leading during the probes → the guard throws and nothing is granted', async () => {
    const s = setup();
    let leading = true;
    const answer = s.lm.acquireFresh('h1', 'zk/zk-1', 'test', () => {
      if (!leading) throw new Error('not leading');
    });
    leading = false;
    await expect(answer).rejects.toThrow('not leading');
    expect(s.lm.holders('zk')).toEqual([]);
  });
});
