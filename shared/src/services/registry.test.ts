import { describe, it, expect } from 'vitest';
import { checkClaims } from './claims.js';
import { serviceKind, validateClusterSpec } from './registry.js';
import type { FleetContext } from './types.js';

const fleet: FleetContext = {
  hosts: [
    { id: 'h1', name: 'h1', address: '127.0.0.11', dataRoot: '/var/lib/hactl', labels: {} },
    { id: 'h2', name: 'h2', address: '127.0.0.12', dataRoot: '/var/lib/hactl', labels: {} },
  ],
  clusters: new Map(),
};

const zk = (name: string, members: Record<string, unknown>[]) => ({
  name,
  kind: 'zookeeper',
  distribution: { home: '/usr/share/zookeeper' },
  members,
});

/** Another cluster's plans: one member on h1 with the default ports. */
const other = (() => {
  const r = validateClusterSpec(zk('zk-other', [{ host: 'h1', id: 1, dataDir: '/other/data' }]), fleet);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plans;
})();

const apart = { clientPort: 2191, peerPort: 2898, electionPort: 3898, adminPort: 0 };

describe('validateClusterSpec with the fleet’s other plans', () => {
  it('clean: one pass over the fleet finds nothing; the plans are the kind’s own', () => {
    const spec = zk('zk', [{ host: 'h2', id: 1 }]);
    const r = validateClusterSpec(spec, fleet, { otherPlans: [other] });
    expect(r).toMatchObject({ ok: true, clashes: [] });
    if (!r.ok) return;
    expect(r.plans).toEqual(serviceKind('zookeeper')!.plan(r.spec, fleet));
  });

  it('a clash only with another cluster: the spec is valid, the clash is returned at the member', () => {
    const r = validateClusterSpec(zk('zk', [{ host: 'h1', id: 1, ...apart, clientPort: 2181 }]), fleet, {
      otherPlans: [other],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.clashes).toEqual(
      checkClaims(fleet.hosts, [other, r.plans], 'zk').map((c) => ({ ...c, path: 'members[0]' })),
    );
    expect(r.clashes).toEqual([
      { path: 'members[0]', message: expect.stringMatching(/port 2181 on host h1 .* zk-other\/zk-1/) },
    ]);
  });

  it('a clash among its own members that another cluster also claims: reported at the member paths, as without the other plans', () => {
    const spec = zk('zk', [
      { host: 'h1', id: 1 },
      { host: 'h1', id: 2, ...apart, clientPort: 2181 },
    ]);
    const alone = validateClusterSpec(spec, fleet);
    const withOthers = validateClusterSpec(spec, fleet, { otherPlans: [other] });
    expect(alone.ok).toBe(false);
    expect(withOthers).toEqual(alone);
  });

  it('randomId: the plans carry the generated initial facts (a KRaft cluster id)', () => {
    const kafka = {
      name: 'kf',
      kind: 'kafka',
      mode: 'kraft',
      distribution: { home: '/opt/kafka' },
      brokers: [{ host: 'h1', id: 1, roles: ['broker', 'controller'] }],
    };
    const r = validateClusterSpec(kafka, fleet, { randomId: () => 'B'.repeat(22) });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    expect(r.initialFacts).toEqual({ 'kafka.clusterId': 'B'.repeat(22) });
    expect(JSON.stringify(r.plans)).toContain('B'.repeat(22));
  });
});
