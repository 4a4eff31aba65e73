import { describe, it, expect } from 'vitest';
import type { ClusterSpecBase } from '../domain.js';
import type { FleetContext } from './types.js';
import { knownKinds, serviceKind, validateClusterSpec } from './registry.js';
import { classifyChange } from './change.js';
import { clusterOfInstance, instanceId, memberOfInstance } from './instance-id.js';
import { clusterSpecMap } from './fleet-context.js';

/**
 * The contract every registered kind keeps, checked on a minimal valid spec of each. A new kind
 * registered in registry.ts without a spec here fails the first test: add one, and the kind is
 * held to the same contract as the others.
 */
const hosts = [1, 2, 3].map((i) => ({
  id: `h${i}`,
  name: `host${i}`,
  address: `127.0.0.1${i}`,
  dataRoot: '/d',
  labels: {},
}));
const zookeeper = {
  name: 'zk-main',
  kind: 'zookeeper',
  distribution: { home: '/opt/zookeeper' },
  members: [1, 2, 3].map((id) => ({ host: `host${id}`, id })),
};
const minimal: Record<string, Record<string, unknown>> = {
  zookeeper,
  kafka: {
    name: 'kafka-main',
    kind: 'kafka',
    distribution: { home: '/opt/kafka' },
    zookeeper: 'zk-main',
    brokers: [1, 2, 3].map((id) => ({ host: `h${id}`, id })),
  },
  storm: {
    name: 'storm-main',
    kind: 'storm',
    distribution: { home: '/opt/storm' },
    zookeeper: 'zk-main',
    nimbus: { hosts: ['host1', 'host2'] },
    supervisors: { hosts: ['host2', 'host3'] },
    ui: { host: 'host3' },
  },
  elasticsearch: {
    name: 'es-main',
    kind: 'elasticsearch',
    distribution: { home: '/opt/elasticsearch' },
    nodes: [1, 2, 3].map((i) => ({ host: `h${i}`, name: `node-${i}` })),
  },
};
const fleet: FleetContext = { hosts, clusters: clusterSpecMap([zookeeper as unknown as ClusterSpecBase]) };

describe('service kind contract', () => {
  it('every registered kind has a minimal spec in this test', () => {
    expect(knownKinds().filter((k) => minimal[k] === undefined)).toEqual([]);
  });

  describe.each(knownKinds())('%s', (kindName) => {
    const kind = serviceKind(kindName)!;
    const raw = minimal[kindName] ?? {};
    const planned = () => {
      const v = validateClusterSpec(raw, fleet);
      if (!v.ok) throw new Error(JSON.stringify(v.problems));
      const facts = kind.initialFacts?.(v.spec, () => 'A'.repeat(22)) ?? {};
      const spec = v.spec;
      return { spec, plans: kind.plan(spec, { ...fleet, clusterFacts: new Map([[spec.name, facts]]) }) };
    };

    it('plans one instance per member, ids `<cluster>/<member>`, each located at a spec member', () => {
      const { spec, plans } = planned();
      expect(plans.length).toBeGreaterThan(0);
      expect(new Set(plans.map((p) => p.id)).size).toBe(plans.length);
      for (const p of plans) {
        expect(memberOfInstance(p.id)).not.toBe('');
        expect(p.id).toBe(instanceId(spec.name, memberOfInstance(p.id)));
        expect(clusterOfInstance(p.id)).toBe(spec.name);
        expect(p).toMatchObject({ cluster: spec.name, kind: kindName });
        expect(kind.memberPath(spec, p, hosts), p.id).toMatch(/^[a-z]+(\.[a-z]+)*(\[\d+\])?$/i);
      }
    });

    it('render inputs survive the wire and a plan compared with itself is no change', () => {
      for (const p of planned().plans) {
        const wire: unknown = JSON.parse(JSON.stringify(p.inputs));
        expect(kind.parseInputs(wire)).toEqual(p.inputs);
        expect(classifyChange(kindName, p.inputs, wire)).toBe('none');
        expect(kind.render(kind.parseInputs(wire)).length).toBeGreaterThan(0);
      }
    });

    it('a znode root lies on a ZooKeeper cluster the kind names among its dependencies (the clash check reads only those)', () => {
      const { spec } = planned();
      const root = kind.znodeRoot?.(spec);
      // The minimal specs of the kinds with a root all keep one (Kafka's is in ZooKeeper mode).
      if (root) expect(kind.dependencies?.(spec) ?? []).toContain(root.zookeeper);
      else expect(kind.znodeRoot).toBeUndefined();
    });

    it('health: one member per plan, matched by instance id, with typed leading and restartRank', () => {
      const { spec, plans } = planned();
      const status = kind.checkHealth({
        spec,
        plans,
        observations: new Map(),
        lagging: new Set(),
        hostNames: new Map(hosts.map((h) => [h.id, h.name])),
        now: 1_000_000,
        staleAfterMs: 30_000,
      });
      expect(status.health).toBe('pending');
      expect(status.members.map((m) => m.instance).sort()).toEqual(plans.map((p) => p.id).sort());
      for (const m of status.members) {
        expect(typeof m.leading).toBe('boolean');
        expect(typeof m.restartRank).toBe('number');
      }
    });
  });
});
