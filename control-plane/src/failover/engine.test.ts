import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { storm, type InstanceObservation } from '@hactl/shared';
import type { AgentSession } from '../reconcile/fleet.js';
import type { Core } from '../core.js';
import { createTestCore } from '../test-core.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { STARTED_FACT } from '../reconcile/holds.js';
import { plannedGeneration } from '../reconcile/testing.js';

let dir: string;
let store: SqliteStore;
let now = 1_800_000_000_000;
let ids = 0;
const session: AgentSession = { sendDesired() {}, sendCommand() {}, close() {} };
const HOSTS = {
  zk1: '127.0.9.1',
  zk2: '127.0.9.2',
  zk3: '127.0.9.3',
  s1: '127.0.9.11',
  s2: '127.0.9.12',
  s3: '127.0.9.13',
};

function core(): Core {
  const c = createTestCore(store, {
    now: () => now,
    leaseTtlMs: 60_000,
    newId: () => `f${(++ids).toString(16).padStart(4, '0')}`.replace('f', 'a'),
  });
  for (const [name, address] of Object.entries(HOSTS))
    c.fleet.connectAgent(
      { name, address, agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      session,
    );
  return c;
}

type Inst = Omit<InstanceObservation, 'hostId' | 'reportedAt'>;
const inst = (id: string, process: Inst['process'], probe?: unknown, restartPending = false): Inst => ({
  id: `storm-main/${id}`,
  process,
  pid: process === 'running' ? 100 : 0,
  restarts: 0,
  detail: '',
  restartPending,
  probeAt: probe ? now : 0,
  probe: probe ?? null,
});
const nimbusProbe = (isLeader: boolean) => ({
  role: 'nimbus',
  ok: true,
  listening: true,
  registered: true,
  isLeader,
});
const supProbe = (seed: string, reachable: boolean) => ({
  role: 'supervisor',
  ok: true,
  listening: true,
  registered: true,
  slots: [6700],
  seeds: [{ address: seed, reachable }],
});
const report = (c: Core, host: string, instances: Inst[]) =>
  c.fleet.recordStatus(host, {
    appliedGeneration: plannedGeneration(c.fleet, host),
    applyError: '',
    instances,
  });

/** zk-main and storm-main (nimbus s1, s2; a supervisor on s3), with `extra` spec fields for storm-main. */
function setUp(c: Core, extra: Record<string, unknown> = {}): void {
  c.fleet.applyCluster(
    'zk-main',
    {
      kind: 'zookeeper',
      distribution: { home: '/zk' },
      settings: {},
      members: [1, 2, 3].map((i) => ({ host: `zk${i}`, id: i })),
    },
    { author: 't', message: '' },
  );
  c.fleet.applyCluster(
    'storm-main',
    {
      kind: 'storm',
      distribution: { home: '/opt/storm' },
      zookeeper: 'zk-main',
      nimbus: { hosts: ['s1', 's2'], failover: 'manual', detectAfterSec: 2 },
      supervisors: { hosts: ['s3'], slots: [6700] },
      settings: { 'blobstore.dir': '/shared/blobs' },
      ...extra,
    },
    { author: 't', message: '' },
  );
  // Storm is past its first start (its ZooKeeper was healthy once): no dependency hold.
  c.fleet.setClusterFacts('storm-main', { [STARTED_FACT]: '1' });
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-failover-'));
  store = new SqliteStore(path.join(dir, 'state.db'));
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const runState = (c: Core, id: string) =>
  c.fleet.planCluster('storm-main').find((p) => p.id === `storm-main/${id}`)!.runState;

describe('failover engine', () => {
  it('operator failover: fence moves the facts and desired states at once; a restarted control plane resumes at promote; repoint starts a rollout; an aborted one fails the failover', () => {
    const c = core();
    setUp(c);
    report(c, 's1', [inst('nimbus-s1', 'running', nimbusProbe(true))]);
    report(c, 's2', [inst('nimbus-s2', 'stopped')]);
    const f = c.failovers.request('storm-main', { to: 's2', reason: 'maintenance' }, 'op');
    expect(f).toMatchObject({
      trigger: 'operator',
      from: 's1',
      to: 's2',
      epoch: 2,
      state: 'running',
      step: 'promote',
    });
    expect(f.steps.map((s) => s.step)).toEqual(['requested', 'fence']);
    expect(c.fleet.clusterFacts('storm-main')).toMatchObject({
      [storm.ACTIVE_NIMBUS_FACT]: 's2',
      [storm.FENCING_EPOCH_FACT]: '2',
    });
    expect([runState(c, 'nimbus-s1'), runState(c, 'nimbus-s2')]).toEqual(['stopped', 'running']);
    expect((c.fleet.planCluster('storm-main')[1]!.inputs as storm.StormInputs).fence).toMatchObject({
      epoch: 2,
      active: HOSTS.s2,
    });

    // The control plane restarts: a new core on the same store picks the failover up where it was.
    now += 1000;
    const c2 = core();
    c2.failovers.tick();
    expect(c2.failovers.get(f.id)).toMatchObject({ state: 'running', step: 'promote' });
    expect(c2.failovers.get(f.id).waiting).toMatch(/waiting for nimbus on s2 to lead/);
    // While a failover runs, its view moves with the clock (elapsedMs): each read makes it anew.
    const running = c2.failovers.clusterView('storm-main');
    now += 10;
    const later = c2.failovers.clusterView('storm-main');
    expect(later).not.toBe(running);
    expect(later.status.lastFailover!.elapsedMs).toBeGreaterThan(running.status.lastFailover!.elapsedMs);
    now += 1000;
    report(c2, 's2', [inst('nimbus-s2', 'running', nimbusProbe(true))]);
    report(c2, 's3', [inst('supervisor-s3', 'running', supProbe(HOSTS.s2, true), true)]);
    c2.failovers.tick();
    const v = c2.failovers.get(f.id);
    expect(v).toMatchObject({ step: 'repoint' });
    expect(v.rollout).not.toBeNull();
    expect(c2.rollouts.view(v.rollout!).plan).toEqual(['s3 (storm-main/supervisor-s3)']);
    c2.rollouts.abort(v.rollout!);
    c2.failovers.tick();
    const done = c2.failovers.get(f.id);
    expect(done).toMatchObject({ state: 'failed', step: 'done' });
    expect(done.steps.at(-1)!.reason).toMatch(/was aborted/);
    const settled = c2.failovers.clusterView('storm-main');
    expect(settled.status).toMatchObject({
      activeNimbus: 's2',
      lastFailover: { id: f.id, state: 'failed' },
    });
    // Settled and nothing reported since: the same view object, so REST stringifies it once.
    expect(c2.failovers.clusterView('storm-main')).toBe(settled);
  });

  it("repoint with a UI: the UI (answering 500 on the old seeds, so the cluster is degraded) restarts first, its lease granted on the other members' health; the supervisors wait for it", () => {
    const c = core();
    setUp(c, { ui: { host: 's2' } });
    report(c, 's1', [inst('nimbus-s1', 'running', nimbusProbe(true))]);
    report(c, 's2', [
      inst('nimbus-s2', 'stopped'),
      inst('ui', 'running', { role: 'ui', ok: true, serving: true }),
    ]);
    const f = c.failovers.request('storm-main', { to: 's2', reason: 'maintenance' }, 'op');
    now += 1000;
    // The UI still asks the old seed (s1, stopped by the fence): NimbusLeaderNotFoundException, 500.
    const uiDown = { role: 'ui', ok: true, serving: false, error: 'HTTP 500: NimbusLeaderNotFoundException' };
    report(c, 's1', [inst('nimbus-s1', 'stopped')]);
    report(c, 's2', [inst('nimbus-s2', 'running', nimbusProbe(true)), inst('ui', 'running', uiDown, true)]);
    report(c, 's3', [inst('supervisor-s3', 'running', supProbe(HOSTS.s2, true), true)]);
    c.failovers.tick();
    const v = c.failovers.get(f.id);
    expect(v).toMatchObject({ step: 'repoint' });
    expect(c.fleet.clusterStatus('storm-main').status.health).toBe('degraded');
    const rollout = c.rollouts.view(v.rollout!);
    expect(rollout.plan).toEqual(['s2 (storm-main/ui)', 's3 (storm-main/supervisor-s3)']);
    // The supervisor serves: the degraded cluster refuses it (and the UI goes first anyway).
    expect(
      c.leases.gates('storm-main/supervisor-s3').find((g) => g.gate === 'cluster-healthy'),
    ).toMatchObject({
      ok: false,
    });
    const lease = c.leases.acquire('s2', 'storm-main/ui', `command ${v.rollout}.0`);
    expect(lease).toMatchObject({ granted: true });
    expect(lease.gates.find((g) => g.gate === 'cluster-healthy')!.reason).toMatch(
      /^storm-main\/ui serves nobody; the other members are healthy: nimbus leader s2/,
    );
  });

  it('refuses a failover to the active nimbus, to a silent host, and on a native cluster', () => {
    const c = core();
    setUp(c);
    report(c, 's1', [inst('nimbus-s1', 'running', nimbusProbe(true))]);
    expect(() => c.failovers.request('storm-main', { to: 's1' }, 'op')).toThrow(/active nimbus already/);
    expect(() => c.failovers.request('storm-main', { to: 's2' }, 'op')).toThrow(/not reporting/);
    expect(() => c.failovers.request('zk-main', {}, 'op')).toThrow(
      /not a Storm cluster with failover: manual/,
    );
    expect(() => c.failovers.request('nope', {}, 'op')).toThrow(/nope/);
  });

  it('auto: a frozen agent whose nimbus its peers still reach never fails over; silent and unreachable for detectAfterSec does', () => {
    const c = core();
    setUp(c);
    const peers = (reachable: boolean) => {
      report(c, 's2', [inst('nimbus-s2', 'stopped')]);
      report(c, 's3', [inst('supervisor-s3', 'running', supProbe(HOSTS.s1, reachable))]);
    };
    report(c, 's1', [inst('nimbus-s1', 'running', nimbusProbe(true))]);
    peers(true);
    c.failovers.tick();
    // s1's agent goes silent for 20 s; its nimbus keeps answering the supervisor.
    for (let t = 0; t < 20; t++) {
      now += 1000;
      peers(true);
      c.failovers.tick();
    }
    expect(c.failovers.clusterView('storm-main').status.lastFailover).toBeUndefined();
    // Now the supervisor cannot reach it either: suspect, then lost after 2 s.
    peers(false);
    c.failovers.tick();
    expect(c.failovers.clusterView('storm-main').status.lastFailover).toBeUndefined();
    now += 2100;
    peers(false);
    c.failovers.tick();
    const last = c.failovers.clusterView('storm-main').status.lastFailover!;
    expect(last).toMatchObject({ trigger: 'auto', from: 's1', to: 's2', step: 'promote' });
    expect(last.steps[0]!.reason).toMatch(/silent for \d+ s, and its Thrift port answers none of s3/);
  });

  it('auto: a first start under load (agent silent, port not open yet) raises no failover.suspect within the start grace; a run that never serves is suspect after it', () => {
    const c = core();
    setUp(c);
    const suspects = () =>
      store.listEvents({ cluster: 'storm-main', limit: 100 }).filter((e) => e.type === 'failover.suspect');
    report(c, 's1', [inst('nimbus-s1', 'running', { ...nimbusProbe(false), listening: false })]);
    report(c, 's2', [inst('nimbus-s2', 'stopped')]);
    c.failovers.tick();
    // s1's agent misses its reports; the supervisor cannot reach the port nimbus has not opened yet.
    for (let t = 0; t < 15; t++) {
      now += 1000;
      report(c, 's2', [inst('nimbus-s2', 'stopped')]);
      report(c, 's3', [inst('supervisor-s3', 'running', supProbe(HOSTS.s1, false))]);
      c.failovers.tick();
    }
    expect(suspects()).toEqual([]);
    expect(c.failovers.clusterView('storm-main').status.lastFailover).toBeUndefined();
    now += 6000;
    report(c, 's2', [inst('nimbus-s2', 'stopped')]);
    report(c, 's3', [inst('supervisor-s3', 'running', supProbe(HOSTS.s1, false))]);
    c.failovers.tick();
    expect(suspects()).toHaveLength(1);
  });
});
