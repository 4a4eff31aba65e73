import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nullLogger, serviceKind, type InstanceObservation } from '@hactl/shared';
import { Fleet, receivedProbeAt, type AgentSession } from './fleet.js';
import type { HostDesiredState } from './plan-fleet.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { reportedInstance, plannedGeneration } from './testing.js';
import { toWireDesired } from '../agent-rpc/service.js';

let dir: string;
let store: SqliteStore;
let fleet: Fleet;
const now = 1_800_000_000_000;
/** The shared fleet's clock: `now` at the start of each test; a test may move it. */
let clock = now;
const latest = new Map<string, HostDesiredState>();
/** The session each host of the shared fleet connected with. */
const sessions = new Map<string, AgentSession>();
const session = (host: string): AgentSession => ({
  sendDesired: (_g, json) => latest.set(host, JSON.parse(json) as HostDesiredState),
  sendCommand() {},
  close() {},
});

function reportZk(leaderSynced: number | undefined, hosts: readonly number[] = [1, 2, 3]): void {
  for (const i of hosts) {
    const probe =
      leaderSynced === undefined
        ? { ok: true, serving: false, mode: 'unknown' }
        : i === 1
          ? { ok: true, serving: true, mode: 'leader', syncedFollowers: leaderSynced }
          : { ok: true, serving: true, mode: 'follower' };
    const inst: Omit<InstanceObservation, 'hostId' | 'reportedAt'> = {
      id: `zk/zk-${i}`,
      process: 'running',
      pid: 10 + i,
      restarts: 0,
      detail: '',
      restartPending: false,
      probeAt: clock,
      probe,
    };
    fleet.recordStatus(`h${i}`, {
      appliedGeneration: plannedGeneration(fleet, `h${i}`),
      applyError: '',
      instances: [inst],
    });
  }
}
/** Two more clusters on two more hosts: zk2, a standalone ZooKeeper on h4; kafka2 on h5, on zk (h1-h3). */
function twoMore(): void {
  const meta = { author: 't', message: '' };
  for (const i of [4, 5]) {
    sessions.set(`h${i}`, session(`h${i}`));
    fleet.connectAgent(
      { name: `h${i}`, address: `127.0.0.1${i}`, agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      sessions.get(`h${i}`)!,
    );
  }
  fleet.applyCluster(
    'zk2',
    { kind: 'zookeeper', distribution: { home: '/zk' }, members: [{ host: 'h4', id: 1 }] },
    meta,
  );
  fleet.applyCluster(
    'kafka2',
    { kind: 'kafka', distribution: { home: '/kafka' }, zookeeper: 'zk', brokers: [{ host: 'h5', id: 1 }] },
    meta,
  );
}
/** A ZooKeeper spec on hosts h<i> with a tickTime (a one-member ensemble's member has id 1). */
const zkSpec = (tickTime: number, hosts: readonly number[]) => ({
  kind: 'zookeeper',
  distribution: { home: '/zk' },
  settings: { tickTime },
  members: hosts.map((i) => ({ host: `h${i}`, id: hosts.length === 1 ? 1 : i })),
});
/** A Kafka spec on zk, brokers on hosts h<i> (ids from 1), with num.io.threads. */
const kafkaSpec = (threads: number, hosts: readonly number[]) => ({
  kind: 'kafka',
  distribution: { home: '/kafka' },
  zookeeper: 'zk',
  settings: { 'num.io.threads': threads },
  brokers: hosts.map((i, k) => ({ host: `h${i}`, id: k + 1 })),
});
/** A restarted control plane: a new Fleet on the shared store, which knows only what is stored. */
const restartedFleet = () =>
  new Fleet({
    store,
    logger: nullLogger,
    now: () => clock,
    reportIntervalMs: 1000,
    randomId: () => 'A',
    checkReplan: true,
  });
const kafkaRunState = () =>
  [1, 2, 3].map((i) => latest.get(`h${i}`)?.instances.find((x) => x.kind === 'kafka')?.runState);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-fleet-'));
  store = new SqliteStore(path.join(dir, 'state.db'));
  clock = now;
  fleet = new Fleet({
    store,
    logger: nullLogger,
    now: () => clock,
    reportIntervalMs: 1000,
    randomId: () => 'AAAAAAAAAAAAAAAAAAAAAA',
    checkReplan: true,
  });
  latest.clear();
  for (const i of [1, 2, 3]) {
    const s = session(`h${i}`);
    sessions.set(`h${i}`, s);
    fleet.connectAgent(
      { name: `h${i}`, address: `127.0.0.1${i}`, agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      s,
    );
  }
  fleet.applyCluster(
    'zk',
    {
      kind: 'zookeeper',
      distribution: { home: '/zk' },
      members: [1, 2, 3].map((i) => ({ host: `h${i}`, id: i })),
    },
    { author: 't', message: '' },
  );
  fleet.applyCluster(
    'kafka',
    {
      kind: 'kafka',
      distribution: { home: '/kafka' },
      zookeeper: 'zk',
      brokers: [1, 2, 3].map((i) => ({ host: `h${i}`, id: i })),
    },
    { author: 't', message: '' },
  );
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a (re)connecting agent is answered with its stored desired state', () => {
  const hello = {
    name: 'h2',
    address: '127.0.0.12',
    agentVersion: 't',
    dataRoot: '/d',
    labels: {},
    facts: {},
  };

  it('with the object it was planned as while this control plane holds it, else the stored JSON alone; the same wire message', () => {
    fleet.disconnectAgent('h2', sessions.get('h2')!);
    const again = fleet.connectAgent(hello, session('h2'));
    expect(again.stateJson).toBe(store.getHostDesired('h2')!.state_json);
    expect(again.state).toEqual(JSON.parse(again.stateJson));

    // A restarted control plane (a new Fleet on the same store) has only the stored JSON.
    const restarted = restartedFleet();
    const fresh = restarted.connectAgent(hello, session('h2'));
    expect(fresh.state).toBeUndefined();
    expect(fresh.stateJson).toBe(again.stateJson);
    expect(toWireDesired(fresh.generation, fresh.stateJson)).toEqual(
      toWireDesired(again.generation, '(not parsed)', again.state),
    );
  });
});

describe("a hello with another host's address", () => {
  const hello = (name: string, address: string) => ({
    name,
    address,
    agentVersion: 't',
    dataRoot: '/d',
    labels: {},
    facts: {},
  });

  it('is refused while that host is connected, naming the field; accepted once it is not; the host itself may keep it', () => {
    expect(() => fleet.connectAgent(hello('twin', '127.0.0.12'), session('twin'))).toThrow(
      expect.objectContaining({
        code: 'already_exists',
        message: expect.stringMatching(/^address 127\.0\.0\.12 is that of host h2, whose agent is connected/),
        details: [{ path: 'hello.address', message: "is host h2's address" }],
      }),
    );
    expect(store.getHostByName('twin')).toBeUndefined();

    // h2 reconnecting with its own address is not a twin of itself.
    fleet.disconnectAgent('h2', sessions.get('h2')!);
    expect(fleet.connectAgent(hello('h2', '127.0.0.12'), session('h2')).hostId).toBe('h2');

    // A replaced server: h3's agent is gone, a new host takes its address.
    fleet.disconnectAgent('h3', sessions.get('h3')!);
    expect(fleet.connectAgent(hello('h3-new', '127.0.0.13'), session('h3-new')).hostId).toBe('h3-new');
  });
});

describe('an applied generation ahead of the desired state', () => {
  it("counts as nothing applied (another store's state): the host shows 0, and its clusters are not healthy until it applies ours", () => {
    reportZk(2);
    expect(fleet.clusterStatus('zk').status.health).toBe('healthy');
    const planned = plannedGeneration(fleet, 'h2');
    const probe = { ok: true, serving: true, mode: 'follower' };
    const report = (appliedGeneration: number) =>
      fleet.recordStatus('h2', {
        appliedGeneration,
        applyError: '',
        instances: [reportedInstance('zk/zk-2', { pid: 12, probeAt: clock, probe })],
      });

    report(planned + 1);
    expect(fleet.listHosts().find((h) => h.name === 'h2')).toMatchObject({
      generation: planned,
      appliedGeneration: 0,
    });
    expect(fleet.clusterStatus('zk').status).toMatchObject({
      health: 'degraded',
      reason: 'leader 1, 2/2 followers synced; 1 host(s) have not applied the latest desired state',
    });

    report(planned);
    expect(fleet.listHosts().find((h) => h.name === 'h2')!.appliedGeneration).toBe(planned);
    expect(fleet.clusterStatus('zk').status.health).toBe('healthy');
  });

  it('is judged without reading the fleet again: a hello drops the snapshot, and the reports after it do not rebuild it', () => {
    // 10,000 agents registering and reporting rebuilt the snapshot per report when this check
    // read it, and registrations stalled (bench/dist/fleet-push.js: 8,299 of 10,000 in 210 s).
    const planned = plannedGeneration(fleet, 'h1');
    sessions.set('h9', session('h9'));
    fleet.connectAgent(
      { name: 'h9', address: '127.0.0.19', agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      sessions.get('h9')!,
    );
    const reads = vi.spyOn(store, 'listClusters');
    try {
      const zk1 = reportedInstance('zk/zk-1', {
        pid: 11,
        probeAt: clock,
        probe: { ok: true, serving: true, mode: 'leader' },
      });
      fleet.recordStatus('h1', { appliedGeneration: planned, applyError: '', instances: [zk1] });
      fleet.recordStatus('h9', { appliedGeneration: 5, applyError: '', instances: [] });
      expect(reads).not.toHaveBeenCalled();
    } finally {
      reads.mockRestore();
    }
    const hosts = fleet.listHosts();
    expect(hosts.find((h) => h.name === 'h1')!.appliedGeneration).toBe(planned);
    expect(hosts.find((h) => h.name === 'h9')!.appliedGeneration).toBe(0);
  });
});

describe('start ordering across clusters', () => {
  it('kafka is held stopped, pending with the reason, until its zookeeper is healthy; then released for good', () => {
    expect(kafkaRunState()).toEqual(['stopped', 'stopped', 'stopped']);
    expect(fleet.clusterStatus('kafka').status).toMatchObject({
      health: 'pending',
      reason: expect.stringMatching(
        /^waiting for zk \((pending|down)\) to be healthy before the first start$/,
      ),
    });

    reportZk(1); // a quorum serves but one follower is not synced: degraded, still held
    fleet.reconcileTick();
    expect(kafkaRunState()).toEqual(['stopped', 'stopped', 'stopped']);
    expect(fleet.clusterStatus('kafka').status.reason).toMatch(/zk \(degraded\)/);

    reportZk(2);
    expect(fleet.reconcileTick()).toBe(3);
    expect(kafkaRunState()).toEqual(['running', 'running', 'running']);

    // A later ZooKeeper outage does not stop brokers that already started.
    reportZk(undefined);
    fleet.reconcileTick();
    fleet.applyCluster('kafka', kafkaSpec(4, [1, 2, 3]), { author: 't', message: '' });
    expect(kafkaRunState()).toEqual(['running', 'running', 'running']);
  });

  it('an apply judges the holds of the clusters it revises; a held cluster it does not revise waits for the periodic pass', () => {
    const meta = { author: 't', message: '' };
    sessions.set('h4', session('h4'));
    fleet.connectAgent(
      { name: 'h4', address: '127.0.0.14', agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      sessions.get('h4')!,
    );
    fleet.applyCluster('zk2', zkSpec(2000, [4]), meta); // the first re-plan since h4 registered: every hold judged
    expect(kafkaRunState()).toEqual(['stopped', 'stopped', 'stopped']);
    reportZk(2); // zk healthy: kafka may start, but nothing has judged it since
    // A revision of zk2 (on h4, unrelated to kafka) judges zk2's hold alone.
    fleet.applyCluster('zk2', zkSpec(2500, [4]), meta);
    expect(kafkaRunState()).toEqual(['stopped', 'stopped', 'stopped']);
    // The periodic pass releases it.
    expect(fleet.reconcileTick()).toBe(3);
    expect(kafkaRunState()).toEqual(['running', 'running', 'running']);
  });

  it('the periodic pass releases a cluster held while its dependency was down, once it is healthy again', () => {
    reportZk(2);
    expect(fleet.reconcileTick()).toBe(3); // zk formed and healthy: kafka released
    reportZk(undefined); // zk down
    twoMore(); // kafka2 on zk: held
    const kafka2 = () => latest.get('h5')?.instances.find((x) => x.cluster === 'kafka2')?.runState;
    expect(kafka2()).toBe('stopped');
    reportZk(2); // zk healthy again; it has formed already, so the pass learns no new fact
    expect(fleet.reconcileTick()).toBe(1);
    expect(kafka2()).toBe('running');
  });

  it("tells the term when a held cluster's dependency reports something new, not when it renews or once released", () => {
    const told = vi.fn();
    fleet.onAwaitedChange = told;
    reportZk(undefined); // zk's members report for the first time: kafka waits on zk
    expect(told).toHaveBeenCalledTimes(3);
    reportZk(undefined); // the same again: renewals
    expect(told).toHaveBeenCalledTimes(3);
    const broker = reportedInstance('kafka/kafka-1', { pid: 21, probeAt: clock, probe: { ok: true } });
    fleet.recordStatus('h1', {
      appliedGeneration: plannedGeneration(fleet, 'h1'),
      applyError: '',
      instances: [broker],
    });
    expect(told).toHaveBeenCalledTimes(3); // kafka itself is not awaited
    reportZk(2); // serving now
    expect(told).toHaveBeenCalledTimes(6);
    expect(fleet.reconcileTick()).toBe(3); // released: kafka started
    reportZk(undefined); // zk goes down; nothing waits on it any more
    expect(told).toHaveBeenCalledTimes(6);
  });

  it('knows what is awaited after the snapshot was dropped: a hello drops it, and the reports after it do not rebuild it', () => {
    const told = vi.fn();
    fleet.onAwaitedChange = told;
    const planned = plannedGeneration(fleet, 'h1');
    fleet.connectAgent(
      { name: 'h9', address: '127.0.0.19', agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      session('h9'),
    );
    const reads = vi.spyOn(store, 'listClusters');
    try {
      // kafka's broker: nothing waits on kafka, and that is still known after the hello.
      const broker = reportedInstance('kafka/kafka-1', { pid: 21, probeAt: clock, probe: { ok: true } });
      fleet.recordStatus('h1', { appliedGeneration: planned, applyError: '', instances: [broker] });
      expect(told).not.toHaveBeenCalled();
      const probe = { ok: true, serving: true, mode: 'leader', syncedFollowers: 2 };
      const zk1 = reportedInstance('zk/zk-1', { pid: 11, probeAt: clock, probe });
      fleet.recordStatus('h1', { appliedGeneration: planned, applyError: '', instances: [zk1] });
      expect(reads).not.toHaveBeenCalled();
    } finally {
      reads.mockRestore();
    }
    expect(told).toHaveBeenCalledTimes(1);
  });

  it('releaseHeld re-plans only when a hold is released', () => {
    const replans = vi.spyOn(store, 'setHostDesired');
    reportZk(1); // degraded: still held
    expect(fleet.releaseHeld()).toBe(0);
    expect(replans).not.toHaveBeenCalled();
    expect(kafkaRunState()).toEqual(['stopped', 'stopped', 'stopped']);
    reportZk(2);
    expect(fleet.releaseHeld()).toBe(3);
    expect(replans).toHaveBeenCalledTimes(1);
    expect(kafkaRunState()).toEqual(['running', 'running', 'running']);
    expect(fleet.releaseHeld()).toBe(0);
    expect(replans).toHaveBeenCalledTimes(1);
    replans.mockRestore();
  });

  it('after a transaction rolled back, what is awaited is unknown until the next snapshot: any changed report tells', () => {
    const told = vi.fn();
    fleet.onAwaitedChange = told;
    const generation = plannedGeneration(fleet, 'h1');
    const broker = (pid: number) =>
      fleet.recordStatus('h1', {
        appliedGeneration: generation,
        applyError: '',
        instances: [reportedInstance('kafka/kafka-1', { pid, probeAt: clock, probe: { ok: true } })],
      });
    broker(21);
    expect(told).not.toHaveBeenCalled(); // kafka waits on zk; nothing waits on kafka
    expect(() =>
      fleet.transaction(() => {
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    broker(22);
    expect(told).toHaveBeenCalledTimes(1);
    fleet.snapshot(); // read again: known again
    broker(23);
    expect(told).toHaveBeenCalledTimes(1);
  });

  it('an apply of the held cluster itself judges its hold: released once its dependency is healthy', () => {
    reportZk(2);
    fleet.applyCluster('kafka', kafkaSpec(4, [1, 2, 3]), { author: 't', message: '' });
    expect(kafkaRunState()).toEqual(['running', 'running', 'running']);
  });

  it('a new host gets an empty generation 1 and every other host keeps its generation', () => {
    const before = store.listHostDesired().map((r) => [r.host_id, r.generation]);
    fleet.connectAgent(
      { name: 'h9', address: '127.0.0.19', agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      session('h9'),
    );
    expect(store.getHostDesired('h9')).toMatchObject({ generation: 1, state_json: '{"instances":[]}' });
    expect(
      store
        .listHostDesired()
        .filter((r) => r.host_id !== 'h9')
        .map((r) => [r.host_id, r.generation]),
    ).toEqual(before);
  });
});

describe('clocks and sessions (issue 16 #8)', () => {
  const YEAR = 365 * 24 * 3600_000;
  let clock: { now: number };
  let solo: Fleet;
  const soloSession: AgentSession = { sendDesired() {}, sendCommand() {}, close() {} };
  const report = (probeAt: number, sentAt: number) =>
    solo.recordStatus('s1', {
      appliedGeneration: 2,
      applyError: '',
      sentAt,
      instances: [
        {
          id: 'solo/zk-1',
          process: 'running',
          pid: 7,
          restarts: 0,
          detail: '',
          restartPending: false,
          probeAt,
          probe: { ok: true, serving: true, mode: 'standalone' },
        },
      ],
    });

  beforeEach(() => {
    clock = { now };
    solo = new Fleet({
      store,
      logger: nullLogger,
      now: () => clock.now,
      reportIntervalMs: 1000,
      randomId: () => 'AAAAAAAAAAAAAAAAAAAAAA',
      checkReplan: true,
    });
    solo.connectAgent(
      { name: 's1', address: '127.0.0.31', agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      soloSession,
    );
    solo.applyCluster(
      'solo',
      {
        kind: 'zookeeper',
        distribution: { home: '/zk' },
        members: [{ host: 's1', id: 1, clientPort: 2190, peerPort: 2890, electionPort: 3890, adminPort: 0 }],
      },
      { author: 't', message: '' },
    );
  });

  it.each<[string, string, number, number]>([
    [
      'an agent clock a year ahead (probe and send stamped in the future)',
      'the probe counts as 200 ms old',
      now + YEAR - 200,
      now + YEAR,
    ],
    ['a probe stamped in the future, sent on time', 'the probe counts as taken on receipt', now + YEAR, now],
  ])('%s: %s; once reports stop it goes stale like any other', (_scenario, _expected, probeAt, sentAt) => {
    report(probeAt, sentAt);
    const fresh = solo.clusterStatus('solo').status;
    expect(fresh.health).toBe('healthy');
    expect(Date.parse(fresh.members[0]!.lastProbe!)).toBeLessThanOrEqual(now);
    clock.now += 10_000; // > 3 report intervals + 1 s without a report
    expect(solo.clusterStatus('solo').status).toMatchObject({
      health: 'down',
      members: [{ mode: 'unknown', detail: expect.stringMatching(/no recent probe/) }],
    });
  });

  it('every agent disconnected → their members have no current probe at once, whatever their last report said', () => {
    report(now + YEAR, now + YEAR);
    expect(solo.clusterStatus('solo').status.health).toBe('healthy');
    solo.disconnectAgent('s1', soloSession);
    const st = solo.clusterStatus('solo').status;
    expect(st.health).toBe('down');
    expect(st.members[0]).toMatchObject({
      mode: 'unknown',
      lastProbe: null,
      detail: expect.stringMatching(/agent disconnected; its last probe was at /),
    });
  });

  it.each<[string, number, number | undefined, number, number]>([
    ['never probed', 0, 5, 100, 0],
    ['500 ms old at sending → 500 ms before receipt', 1_000, 1_500, 10_000, 9_500],
    ['stamped after it was sent (future) → receipt', 2_000, 1_500, 10_000, 10_000],
    ['no send time (in-process report) → against receipt', 9_000, undefined, 10_000, 9_000],
  ])('receivedProbeAt: %s', (_s, probeAt, sentAt, receivedAt, expected) => {
    expect(receivedProbeAt(probeAt, sentAt, receivedAt)).toBe(expected);
  });
});

describe('start-up failures are visible', () => {
  it("a member's reported exit failure shows in its member status; the next report without one clears it", () => {
    const failure = {
      exitCode: 2,
      signal: null,
      exitedAt: '2027-01-15T08:00:00.000Z',
      logFile: '/d/zk/2/logs/zookeeper.log',
      logTail: ['Invalid config, exiting abnormally'],
    };
    const report = (f?: typeof failure) =>
      fleet.recordStatus('h2', {
        appliedGeneration: plannedGeneration(fleet, 'h2'),
        applyError: '',
        instances: [reportedInstance('zk/zk-2', { process: 'crashed', ...(f ? { failure: f } : {}) })],
      });
    report(failure);
    const member = () => fleet.clusterStatus('zk').status.members.find((m) => m.instance === 'zk/zk-2');
    expect(member()?.failure).toEqual(failure);
    report();
    expect(member()?.failure).toBeUndefined();
  });
});

describe('status views while a fleet reports steadily', () => {
  it('a report that renews the last one reuses the status reader; one that changes a probe result rolls up again', () => {
    reportZk(2);
    const view = fleet.clusterStatus('zk');
    expect(view.status.health).toBe('healthy');
    reportZk(2); // the same content again: a renewal
    expect(fleet.clusterStatus('zk')).toBe(view);
    reportZk(1); // the leader now syncs one follower: a change
    const next = fleet.clusterStatus('zk');
    expect(next).not.toBe(view);
    expect(next.status.health).toBe('degraded');
  });
});

describe('status views past their reuse window, the fleet only renewing its reports', () => {
  it('take over the verdicts with the new probe times (no roll-up); a changed report rolls up again', () => {
    const checkHealth = vi.spyOn(serviceKind('zookeeper')!, 'checkHealth');
    try {
      reportZk(2);
      const first = fleet.clusterStatus('zk');
      expect(first.status.health).toBe('healthy');
      const rolledUp = checkHealth.mock.calls.length;
      // Past the one-second window, with every report since a renewal: a new view, the same
      // verdicts, each member's probe time moved to its renewal's.
      clock += 1_500;
      reportZk(2);
      const later = fleet.clusterStatus('zk');
      expect(later).not.toBe(first);
      expect(checkHealth.mock.calls.length).toBe(rolledUp);
      const strip = (v: typeof first) => v.status.members.map(({ lastProbe: _, ...m }) => m);
      expect(strip(later)).toEqual(strip(first));
      expect({ ...later.status, members: [] }).toEqual({ ...first.status, members: [] });
      expect(later.status.members.map((m) => m.lastProbe)).toEqual(
        [1, 2, 3].map(() => new Date(clock).toISOString()),
      );
      expect(first.status.members.map((m) => m.lastProbe)).toEqual(
        [1, 2, 3].map(() => new Date(clock - 1_500).toISOString()),
      );
      // A report that changes a verdict's input is rolled up.
      reportZk(1);
      expect(fleet.clusterStatus('zk').status.health).toBe('degraded');
      expect(checkHealth.mock.calls.length).toBeGreaterThan(rolledUp);
    } finally {
      checkHealth.mockRestore();
    }
  });
});

describe('status views roll up again only the clusters whose hosts changed', () => {
  const reportZk2 = (serving: boolean) =>
    fleet.recordStatus('h4', {
      appliedGeneration: plannedGeneration(fleet, 'h4'),
      applyError: '',
      instances: [
        {
          ...reportedInstance('zk2/zk-1', { pid: 41 }),
          probeAt: clock,
          probe: { ok: true, serving, mode: serving ? 'standalone' : 'unknown' },
        },
      ],
    });
  /** The clusters each kind's health rollup was asked for, in order. */
  function rollUps(): { names: () => string[]; restore: () => void } {
    const spies = ['zookeeper', 'kafka'].map((k) => vi.spyOn(serviceKind(k)!, 'checkHealth'));
    return {
      names: () =>
        spies
          .flatMap((s) =>
            s.mock.invocationCallOrder.map((order, i) => [order, s.mock.calls[i]![0].spec.name] as const),
          )
          .sort((a, b) => a[0] - b[0])
          .map(([, name]) => name),
      restore: () => spies.forEach((s) => s.mockRestore()),
    };
  }

  it("a changed report on zk2's host rolls up zk2 alone; zk keeps its verdicts with new probe times", () => {
    twoMore();
    reportZk(2);
    reportZk2(true);
    expect(fleet.clusterStatus('zk').status.health).toBe('healthy');
    expect(fleet.clusterStatus('zk2').status.health).toBe('healthy');
    const seen = rollUps();
    try {
      clock += 500;
      reportZk(2); // renewals
      reportZk2(false); // a change: zk2's member stops serving
      expect(fleet.clusterStatus('zk2').status.health).not.toBe('healthy');
      const zk = fleet.clusterStatus('zk');
      expect(zk.status.health).toBe('healthy');
      expect(zk.status.members.map((m) => m.lastProbe)).toEqual(
        [1, 2, 3].map(() => new Date(clock).toISOString()),
      );
      expect(seen.names()).toEqual(['zk2']);
    } finally {
      seen.restore();
    }
  });

  it("kafka2 on another host is rolled up again when zk's health changes (its dependency hold reads it), not when zk only renews", () => {
    twoMore();
    reportZk(2);
    const before = fleet.clusterStatus('kafka2').status;
    const seen = rollUps();
    try {
      clock += 500;
      reportZk(2); // renewals: nothing of zk or kafka2 rolled up again
      expect(fleet.clusterStatus('kafka2').status).toEqual(before);
      expect(seen.names()).toEqual([]);
      clock += 500;
      reportZk(1); // zk degraded: zk, then kafka2, which depends on it
      const after = fleet.clusterStatus('kafka2').status;
      expect(seen.names()).toEqual(['zk', 'kafka2']);
      expect(after.reason).not.toBe(before.reason);
    } finally {
      seen.restore();
    }
  });
});

describe('status views across a revision of another cluster', () => {
  it("a revision of zk2 rolls up zk2 alone; one of kafka, on zk's hosts, rolls zk up too (they lag); one of zk re-plans kafka and kafka2, which are rolled up with it", () => {
    twoMore();
    reportZk(2);
    const meta = { author: 't', message: '' };
    // The periodic pass once zk is healthy releases kafka and kafka2 (their started fact is stored,
    // the snapshot read again, their hosts given new desired states): out of the way first.
    expect(fleet.reconcileTick()).toBeGreaterThan(0);
    fleet.applyCluster('zk2', zkSpec(2200, [4]), meta);
    reportZk(2);
    const views = () => ['zk', 'kafka', 'zk2', 'kafka2'].map((n) => fleet.clusterStatus(n).status.health);
    views();
    const spies = ['zookeeper', 'kafka'].map((k) => vi.spyOn(serviceKind(k)!, 'checkHealth'));
    const names = () => spies.flatMap((sp) => sp.mock.calls.map((c) => c[0].spec.name)).sort();
    try {
      clock += 500;
      fleet.applyCluster('zk2', zkSpec(2500, [4]), meta);
      spies.forEach((sp) => sp.mockClear());
      views();
      expect(names()).toEqual(['zk2']);

      // kafka shares zk's hosts: its revision gives them new desired states, which they have not
      // applied yet, so zk is rolled up too (and shown lagging), not carried.
      clock += 500;
      fleet.applyCluster('kafka', kafkaSpec(9, [1, 2, 3]), meta);
      spies.forEach((sp) => sp.mockClear());
      expect(views()[0]).toBe('degraded');
      expect(fleet.clusterStatus('zk').status.reason).toMatch(
        /3 host\(s\) have not applied the latest desired state$/,
      );
      expect(names()).toEqual(['kafka', 'zk']);
      reportZk(2);

      clock += 500;
      fleet.applyCluster('zk', zkSpec(2500, [1, 2, 3]), meta);
      spies.forEach((sp) => sp.mockClear());
      views();
      // kafka and kafka2 plan with zk's spec (their zookeeper.connect), so the revision re-planned
      // them; zk2 is carried.
      expect(names()).toEqual(['kafka', 'kafka2', 'zk']);
    } finally {
      spies.forEach((sp) => sp.mockRestore());
    }
  });
});

describe('a status view that takes over roll-ups judges as a new one would', () => {
  it('over 400 seeded steps of reports, renewals, silences, revisions of other clusters, reconnects and clock moves: the same verdicts as a reader built afresh', () => {
    twoMore();
    // A small deterministic generator (mulberry32), so a failure replays.
    let seed = 20261204;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const zkProbe = (i: number, synced: number | undefined) =>
      synced === undefined
        ? { ok: true, serving: false, mode: 'unknown' }
        : i === 1
          ? { ok: true, serving: true, mode: 'leader', syncedFollowers: synced }
          : { ok: true, serving: true, mode: 'follower' };
    const report = (hostId: string, id: string, probe: object, process: 'running' | 'crashed' = 'running') =>
      fleet.recordStatus(hostId, {
        appliedGeneration: plannedGeneration(fleet, hostId),
        applyError: '',
        instances: [{ ...reportedInstance(id, { pid: 7, process }), probeAt: clock, probe }],
      });
    const names = ['zk', 'kafka', 'zk2', 'kafka2'];
    const verdicts = () =>
      names.map((n) => {
        const { hint, ...st } = fleet.clusterStatus(n).status;
        return { ...st, hint, members: st.members.map(({ lastProbe: _, ...m }) => m) };
      });
    const cache = fleet as unknown as { statusCache: unknown };
    let synced: number | undefined = 2;
    const down = new Set<number>();
    for (let step = 0; step < 400; step++) {
      const op = random();
      if (op < 0.35) {
        // Every ZooKeeper member reports; a third of the time the leader's count moves (a change).
        if (random() < 0.33) synced = pick([undefined, 0, 1, 2]);
        for (const i of [1, 2, 3]) if (!down.has(i)) report(`h${i}`, `zk/zk-${i}`, zkProbe(i, synced));
      } else if (op < 0.5) {
        report('h4', 'zk2/zk-1', { ok: true, serving: random() < 0.7, mode: 'standalone' });
      } else if (op < 0.6) {
        report('h5', 'kafka2/kafka-1', { ok: true }, pick(['running', 'crashed'] as const));
      } else if (op < 0.7) {
        // A ZooKeeper host falls silent (its reports stop) or speaks again.
        const i = pick([1, 2, 3]);
        if (down.has(i)) down.delete(i);
        else down.add(i);
      } else if (op < 0.74) {
        // A revision of one cluster: the snapshot is derived, the others' roll-ups may be carried
        // (kafka shares zk's hosts and gives them new desired states; kafka2 depends on zk).
        const tickTime = pick([2000, 2500, 3000]);
        const which = random();
        const meta = { author: 't', message: '' };
        if (which < 0.3) fleet.applyCluster('kafka', kafkaSpec(tickTime / 250, [1, 2, 3]), meta);
        else if (which < 0.65) fleet.applyCluster('zk2', zkSpec(tickTime, [4]), meta);
        else fleet.applyCluster('kafka2', kafkaSpec(tickTime / 250, [5]), meta);
      } else if (op < 0.8) {
        fleet.disconnectAgent('h4', sessions.get('h4')!);
        const s = session('h4');
        sessions.set('h4', s);
        fleet.connectAgent(
          { name: 'h4', address: '127.0.0.14', agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
          s,
        );
      } else {
        clock += pick([100, 400, 1_100, 2_500, 5_000]);
      }
      const reused = verdicts();
      const saved = cache.statusCache;
      cache.statusCache = undefined;
      const fresh = verdicts();
      cache.statusCache = saved;
      expect(reused, `step ${step}`).toEqual(fresh);
    }
  });
});

describe('a reused status view judges freshness as a new one would', () => {
  it('a reader reused across renewals is dropped when a probe it judged fresh turns stale', () => {
    reportZk(2);
    const first = fleet.clusterStatus('zk');
    expect(first.status.health).toBe('healthy');
    // Within a report interval, renewals keep the view.
    clock += 500;
    reportZk(2);
    expect(fleet.clusterStatus('zk')).toBe(first);
    // zk-3 falls silent; the others renew every second. The staleness threshold is 4 s
    // (three report intervals and a second): zk-3's probe from `now + 500` is stale from
    // `now + 4501` on, and no view judges it fresh after that.
    for (let t = 1_000; t <= 4_000; t += 1_000) {
      clock = now + t;
      reportZk(2, [1, 2]);
      expect(fleet.clusterStatus('zk').status.health).toBe('healthy');
    }
    clock = now + 4_501;
    const after = fleet.clusterStatus('zk');
    expect(after.status.health).not.toBe('healthy');
    expect(after.status.members.find((m) => m.instance === 'zk/zk-3')?.detail).toMatch(/no recent probe/);
  });
});

describe('the claims check of an apply', () => {
  const zk2 = (settings: Record<string, number>) => ({
    kind: 'zookeeper',
    distribution: { home: '/zk' },
    settings,
    members: [{ host: 'h4', id: 1 }],
  });
  const hello = (address: string) => ({
    name: 'h4',
    address,
    agentVersion: 't',
    dataRoot: '/d',
    labels: {},
    facts: {},
  });

  it('is recorded with the plans and hosts it checked; a read from the store has no record', () => {
    const zk = fleet.snapshot().clusters.get('zk')!;
    expect(zk.claimsChecked?.plans).toBe(zk.plans);
    expect(zk.claimsChecked?.hosts).toBe(fleet.snapshot().context.hosts);
    const restarted = restartedFleet();
    expect(restarted.snapshot().clusters.get('zk')!.claimsChecked).toBeUndefined();
  });

  it('a host that moved onto another host’s address: the next settings-only change is refused for the port clash', () => {
    const s4 = session('h4');
    fleet.connectAgent(hello('127.0.0.14'), s4);
    fleet.applyCluster('zk2', zk2({ tickTime: 2000 }), { author: 't', message: '' });
    // A settings change while the hosts are the ones checked claims nothing new and is accepted;
    // a change that claims something new (the member on h1, beside zk's) is checked and refused.
    const meta = { author: 't', message: '' };
    expect(fleet.applyCluster('zk2', zk2({ tickTime: 2500 }), meta).changed).toBe(true);
    expect(fleet.snapshot().clusters.get('zk2')!.claimsChecked).toBeDefined();
    const onH1 = { ...zk2({ tickTime: 2500 }), members: [{ host: 'h1', id: 1 }] };
    expect(() => fleet.applyCluster('zk2', onH1, meta)).toThrow(/clashes with other instances/);
    // The host's new address drops the snapshot, and with it the record: the next apply checks all.
    // (A hello refuses a connected host's address; h1's agent is away, so h4 may take it.)
    fleet.disconnectAgent('h4', s4);
    fleet.disconnectAgent('h1', sessions.get('h1')!);
    fleet.connectAgent(hello('127.0.0.11'), session('h4'));
    expect(() => fleet.applyCluster('zk2', zk2({ tickTime: 3000 }), { author: 't', message: '' })).toThrow(
      /clashes with other instances/,
    );
  });
});
