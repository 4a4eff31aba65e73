import { describe, it, expect } from 'vitest';
import { KRAFT_CLUSTER_ID_FACT, planKafka } from './plan.js';
import { validateKafkaSpec } from './spec.js';
import { checkKafkaIdentityChange } from './identity.js';
import type { FleetContext } from '../types.js';
import type { ClusterSpecBase } from '../../domain.js';
import { clusterSpecMap } from '../fleet-context.js';

const host = (name: string, address: string) => ({ id: name, name, address, dataRoot: '/d', labels: {} });
const zkSpec = (name: string) =>
  ({
    name,
    kind: 'zookeeper',
    distribution: { home: '/zk' },
    settings: {},
    members: [{ host: 'zk1', id: 1 }],
  }) as unknown as ClusterSpecBase;
const fleet: FleetContext = {
  hosts: [host('zk1', '127.0.0.1'), ...[1, 2, 3, 4].map((i) => host(`k${i}`, `127.0.0.1${i}`))],
  clusters: clusterSpecMap([zkSpec('zk-a'), zkSpec('zk-b')]),
  clusterFacts: new Map([['kafka-main', { [KRAFT_CLUSTER_ID_FACT]: 'MkU3OEVBNTcwNTJENDM2Qg' }]]),
};

function view(raw: Record<string, unknown>) {
  const v = validateKafkaSpec(
    { name: 'kafka-main', kind: 'kafka', distribution: { home: '/k' }, ...raw },
    fleet,
  );
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return { spec: v.spec, plans: planKafka(v.spec, fleet) };
}
const brokers = (ids: number[], logDirs?: (id: number) => string[]) =>
  ids.map((id, i) => ({ host: `k${i + 1}`, id, ...(logDirs ? { logDirs: logDirs(id) } : {}) }));
const zkMode = (extra: Record<string, unknown> = {}) => ({
  zookeeper: 'zk-a',
  brokers: brokers([1, 2, 3], () => ['/data/kafka']),
  ...extra,
});
const kraft = (roles: string[][], extra: Record<string, unknown> = {}) => ({
  mode: 'kraft',
  brokers: roles.map((r, i) => ({ host: `k${i + 1}`, id: i + 1, roles: r })),
  ...extra,
});
const check = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  checkKafkaIdentityChange(view(a), view(b)).map((p) => p.path);

describe('kafka identity changes on a formed cluster', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>, string[]]>([
    ['a setting change is no identity change', zkMode(), zkMode({ settings: { 'num.partitions': 3 } }), []],
    [
      'broker id 2 → 7 over the same log dirs → refused at its id',
      zkMode(),
      { ...zkMode(), brokers: brokers([1, 7, 3], () => ['/data/kafka']) },
      ['brokers[1].id'],
    ],
    [
      'broker id 2 → 7 on default log dirs (they contain the id) → not an identity change',
      { zookeeper: 'zk-a', brokers: brokers([1, 2, 3]) },
      { zookeeper: 'zk-a', brokers: brokers([1, 7, 3]) },
      [],
    ],
    [
      'a new broker on another host over the same path → not an identity change',
      zkMode(),
      {
        ...zkMode(),
        brokers: [
          ...brokers([1, 2, 3], () => ['/data/kafka']),
          { host: 'k4', id: 4, logDirs: ['/data/kafka'] },
        ],
      },
      [],
    ],
    ['another zookeeper cluster → refused', zkMode(), zkMode({ zookeeper: 'zk-b' }), ['zookeeper']],
    [
      'an explicit chroot equal to the default → not a change',
      zkMode(),
      zkMode({ chroot: '/kafka-main' }),
      [],
    ],
    ['another chroot → refused', zkMode(), zkMode({ chroot: '/other' }), ['chroot']],
    [
      'zookeeper mode → KRaft → refused at mode',
      zkMode(),
      kraft([['broker', 'controller'], ['broker'], ['broker']]),
      ['mode'],
    ],
    [
      'KRaft controller set [1] → [1, 2, 3] → refused',
      kraft([['broker', 'controller'], ['broker'], ['broker']]),
      kraft([
        ['broker', 'controller'],
        ['broker', 'controller'],
        ['broker', 'controller'],
      ]),
      ['brokers'],
    ],
    [
      'KRaft broker-only node gains nothing, controllers kept → accepted',
      kraft([['controller'], ['broker'], ['broker']]),
      kraft([['controller'], ['broker'], ['broker']], { settings: { 'num.partitions': 2 } }),
      [],
    ],
  ])('%s', (_name, before, after, paths) => {
    expect(check(before, after)).toEqual(paths);
  });

  it('the refusal names the stored id, the dirs and what to do instead', () => {
    const [p] = checkKafkaIdentityChange(
      view(zkMode()),
      view({ ...zkMode(), brokers: brokers([1, 7, 3], () => ['/data/kafka']) }),
    );
    expect(p?.message).toContain('broker.id=2');
    expect(p?.message).toContain('/data/kafka');
    expect(p?.message).toContain('Keep id 2');
  });
});
