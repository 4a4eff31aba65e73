import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nullLogger, serviceKind } from '@hactl/shared';
import { Fleet, type AgentSession } from './fleet.js';
import { desiredJson, readFleetSnapshot, type FleetSnapshot } from './snapshot.js';
import type { HostDesiredState } from './plan-fleet.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/store.js';

let dir: string;
let store: SqliteStore;
let fleet: Fleet;
/** Calls of the store methods a snapshot is read from, by method. */
const reads = new Map<string, number>();
const now = 1_800_000_000_000;
const latest = new Map<string, HostDesiredState>();
const session = (host: string): AgentSession => ({
  sendDesired: (_g, json) => latest.set(host, JSON.parse(json) as HostDesiredState),
  sendCommand() {},
  close() {},
});
const meta = { author: 't', message: '' };
const zk = (name: string, hosts: number[], extra: object = {}) => ({
  kind: 'zookeeper',
  distribution: { home: '/zk' },
  members: hosts.map((i, n) => ({ host: `h${i}`, id: n + 1 })),
  ...extra,
});

/** Member ports and dirs of the i-th extra ensemble on h1–h3, apart from zk-a's. */
const ports = (i: number) => ({
  members: [1, 2, 3].map((h) => ({
    host: `h${h}`,
    id: h,
    clientPort: 3000 + i,
    peerPort: 3100 + i,
    electionPort: 3200 + i,
    adminPort: 0,
    dataDir: `/data/zk-${i}`,
  })),
});

/** Counts the whole-fleet reads (listClusters, listHosts, listHostDesired) a call causes. */
function counting(s: Store): Store {
  return new Proxy(s, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (prop === 'listClusters' || prop === 'listHosts' || prop === 'listHostDesired')
          reads.set(prop, (reads.get(prop) ?? 0) + 1);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-snapshot-'));
  store = new SqliteStore(path.join(dir, 'state.db'));
  fleet = new Fleet({
    store: counting(store),
    logger: nullLogger,
    now: () => now,
    reportIntervalMs: 1000,
    randomId: () => 'AAAAAAAAAAAAAAAAAAAAAA',
    checkReplan: true,
  });
  latest.clear();
  for (const i of [1, 2, 3, 4, 5, 6])
    fleet.connectAgent(
      { name: `h${i}`, address: `127.0.0.1${i}`, agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      session(`h${i}`),
    );
  fleet.applyCluster('zk-a', zk('zk-a', [1, 2, 3]), meta);
  fleet.applyCluster('zk-b', zk('zk-b', [4, 5, 6]), meta);
  reads.clear();
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('fleet snapshot', () => {
  it('reads: status views of every cluster come from one snapshot, read from the store once', () => {
    fleet.connectAgent(
      { name: 'h7', address: '127.0.0.27', agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      session('h7'),
    ); // a new host drops the snapshot
    fleet.listClusters();
    fleet.clusterStatus('zk-a');
    fleet.listHosts();
    fleet.memberMap('zk-b');
    expect(reads.get('listClusters')).toBe(1);
  });

  it('a revision replaces the snapshot: the next read sees the new spec, and nothing is read again', () => {
    fleet.listClusters();
    fleet.applyCluster('zk-a', zk('zk-a', [1, 2, 3], { settings: { tickTime: 3000 } }), meta);
    expect(fleet.clusterStatus('zk-a').revision).toBe(2);
    expect(fleet.planCluster('zk-a')[0]!.inputs).toMatchObject({ config: { tickTime: '3000' } });
    // the next snapshot is derived from the last one (withRevision), not read from the store
    expect(reads.get('listClusters')).toBeUndefined();
  });

  it('cost: a PUT that changes one of N independent clusters plans it once, not 2N+7 times', () => {
    for (let i = 0; i < 8; i++) fleet.applyCluster(`zk-${i}`, zk(`zk-${i}`, [1, 2, 3], ports(i)), meta);
    fleet.listClusters(); // a warm snapshot, as on a serving control plane
    const plan = vi.spyOn(serviceKind('zookeeper')!, 'plan');
    try {
      fleet.applyCluster('zk-3', zk('zk-3', [1, 2, 3], { ...ports(3), settings: { tickTime: 3000 } }), meta);
      fleet.listClusters();
      // 10 clusters: the changed spec planned once to validate it (with its stored facts; its
      // claims checked against its own members and the fleet's in one pass); the next snapshot
      // keeps every other cluster's plans (none depends on it) and the status views re-plan
      // nothing.
      expect(plan).toHaveBeenCalledTimes(1);
    } finally {
      plan.mockRestore();
    }
  });

  it('a revision derives the next snapshot: equal to a fresh read of the store, without one', () => {
    const storm = (extra: object = {}) => ({
      kind: 'storm',
      distribution: { home: '/storm' },
      zookeeper: 'zk-b',
      nimbus: { hosts: ['h4'] },
      supervisors: { hosts: ['h4', 'h5', 'h6'], slots: [6700] },
      ...extra,
    });
    const kraft = {
      kind: 'kafka',
      mode: 'kraft',
      distribution: { home: '/kafka' },
      brokers: [1, 2, 3].map((i) => ({ host: `h${i}`, id: i, roles: ['broker', 'controller'] })),
    };
    /**
     * Everything a fresh read holds, with the order of every map and list. A stored desired state's
     * planned object (`state`) and a cluster's record of its claims check (`claimsChecked`) are
     * what a fresh read cannot have; the JSON and the clusters without that record are compared.
     */
    // Native copies of every map: the derived snapshot's are overlays (overlay-map.ts), compared
    // entry for entry and in order, as a reader sees them. The indexes by host, dependency and
    // hold are compared by key (their order means nothing); `derivedFrom` says how a snapshot was
    // derived, which a fresh read cannot say.
    const byKey = <V>(m: ReadonlyMap<string, V>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const shape = ({ derivedFrom: _derived, ...s }: FleetSnapshot) => ({
      ...s,
      clustersOnHost: byKey(s.clustersOnHost),
      hostsAtAddress: byKey(s.hostsAtAddress),
      dependents: byKey(s.dependents),
      unreleased: byKey(s.unreleased),
      context: {
        ...s.context,
        clusters: byKey(s.context.clusters),
        clusterFacts: new Map(s.context.clusterFacts ?? []),
      },
      planById: new Map(s.planById),
      clusters: new Map([...s.clusters].map(([name, { claimsChecked: _checked, ...c }]) => [name, c])),
      desired: new Map(
        [...s.desired].map(([h, d]) => [h, { generation: d.generation, json: desiredJson(d) }]),
      ),
      order: {
        clusters: [...s.clusters.keys()],
        facts: [...(s.context.clusterFacts ?? new Map<string, Record<string, string>>())].map(([c, f]) => [
          c,
          Object.keys(f),
        ]),
        plans: [...s.planById.keys()],
      },
    });
    const steps: [scenario: string, apply: () => void][] = [
      ['a new cluster that depends on another', () => fleet.applyCluster('storm', storm(), meta)],
      [
        'a change of the cluster it depends on re-plans it (new ZooKeeper ports)',
        () =>
          fleet.applyCluster(
            'zk-b',
            zk('zk-b', [4, 5, 6], {
              members: ports(1).members.map((m) => ({
                ...m,
                host: `h${m.host.slice(1) === '1' ? 4 : m.host.slice(1) === '2' ? 5 : 6}`,
              })),
            }),
            meta,
          ),
      ],
      [
        'a change of the dependent alone',
        () => fleet.applyCluster('storm', storm({ settings: { 'topology.workers': 2 } }), meta),
      ],
      [
        'a new cluster sorted first, with generated facts (a KRaft id)',
        () => fleet.applyCluster('a-kafka', kraft, meta),
      ],
      [
        'a new cluster sorted between two',
        () => fleet.applyCluster('zk-ab', zk('zk-ab', [1, 2, 3], ports(2)), meta),
      ],
      [
        'a change of a cluster with facts',
        () => fleet.applyCluster('a-kafka', { ...kraft, settings: { 'num.io.threads': 4 } }, meta),
      ],
      ['an unchanged spec', () => fleet.applyCluster('zk-a', zk('zk-a', [1, 2, 3]), meta)],
    ];
    fleet.listClusters();
    for (const [scenario, apply] of steps) {
      reads.clear();
      apply();
      expect(reads.get('listClusters'), scenario).toBeUndefined();
      expect(shape(fleet.snapshot()), scenario).toEqual(shape(readFleetSnapshot(store)));
    }
    expect(fleet.planCluster('storm')[0]!.inputs).toMatchObject({ zookeeper: { port: 3001 } });
  });

  it('a registration burst costs no rebuild until something reads the snapshot', () => {
    fleet.listClusters();
    reads.clear();
    for (const i of [7, 8, 9])
      fleet.connectAgent(
        { name: `h${i}`, address: `127.0.0.2${i}`, agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
        session(`h${i}`),
      );
    expect(reads.get('listClusters')).toBeUndefined();
    expect(fleet.listHosts().map((h) => h.name)).toContain('h9');
    expect(reads.get('listClusters')).toBe(1);
  });

  it('a dry run that rolls back leaves no trace in the snapshot', () => {
    expect(() =>
      fleet.transaction(() => {
        fleet.stageApply('zk-a', zk('zk-a', [1, 2, 3], { settings: { tickTime: 3000 } }), meta);
        expect(fleet.clusterStatus('zk-a').revision).toBe(2); // the transaction sees its own write
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(fleet.clusterStatus('zk-a').revision).toBe(1);
    expect(fleet.currentSpecs().find((s) => s.name === 'zk-a')).not.toHaveProperty('settings.tickTime');
  });

  it('a stored spec its planner cannot plan: that cluster says why and keeps its members; the others plan on', () => {
    // A revision written behind the control plane's back (validation would refuse it): a member on
    // a host that is not registered.
    store.addRevision({
      cluster: 'zk-a',
      revision: 2,
      kind: 'zookeeper',
      spec_json: JSON.stringify({ name: 'zk-a', ...zk('zk-a', [1, 2, 99], { settings: {} }) }),
      author: 't',
      message: '',
      created_at: now,
    });
    const before = latest.get('h1');
    // The snapshot is read again (a new host drops it), and a change elsewhere re-plans the fleet.
    fleet.connectAgent(
      { name: 'h7', address: '127.0.0.27', agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      session('h7'),
    );
    fleet.applyCluster('zk-b', zk('zk-b', [4, 5, 6], { settings: { tickTime: 3000 } }), meta);
    expect(fleet.clusterStatus('zk-a').status.reason).toMatch(
      /^revision 2 cannot be planned \(cluster "zk-a", members\[2\]\.host: unknown host "h99" \(not registered\)\); members keep their last desired state/,
    );
    expect(latest.get('h1')).toEqual(before);
    expect(fleet.planCluster('zk-a').map((p) => p.id)).toEqual(['zk-a/zk-1', 'zk-a/zk-2', 'zk-a/zk-3']);
    expect(fleet.clusterStatus('zk-b').revision).toBe(2);
    expect(latest.get('h4')!.instances[0]!.inputs).toMatchObject({ config: { tickTime: '3000' } });
  });

  it("a kind's health rollup that throws marks only its own cluster degraded", () => {
    const kind = serviceKind('zookeeper')!;
    const real = kind.checkHealth.bind(kind);
    const health = vi.spyOn(kind, 'checkHealth').mockImplementation((input) => {
      if (input.spec.name === 'zk-a') throw new Error('unexpected probe shape');
      return real(input);
    });
    try {
      const rows = new Map(fleet.listClusters().map((c) => [c.name, c]));
      expect(rows.get('zk-a')).toMatchObject({
        health: 'degraded',
        reason: 'cannot judge health: unexpected probe shape',
      });
      expect(rows.get('zk-b')!.reason).not.toMatch(/cannot judge/);
    } finally {
      health.mockRestore();
    }
  });
});
