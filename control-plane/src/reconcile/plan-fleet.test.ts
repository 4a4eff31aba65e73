import { describe, it, expect } from 'vitest';
import { planHostDesired, diffHostDesired, hostsToReplan, clustersRevisedSince } from './plan-fleet.js';
import type { FleetSnapshot, SnapshotCluster } from './snapshot.js';
import {
  checkClaims as checkPlannedClaims,
  serviceKind,
  type ClusterSpecBase,
  type FleetContext,
  type InstancePlan,
} from '@hactl/shared';

const fleet: FleetContext = {
  hosts: [1, 2, 3, 4].map((i) => ({
    id: `h${i}`,
    name: `h${i}`,
    address: `127.0.0.1${i}`,
    dataRoot: '/d',
    labels: {},
  })),
  clusters: new Map(),
};
const zk = {
  name: 'zk',
  kind: 'zookeeper',
  distribution: { home: '/zk' },
  settings: {},
  members: [1, 2, 3].map((i) => ({ host: `h${i}`, id: i })),
} as unknown as ClusterSpecBase;

const plan = (spec: ClusterSpecBase) => ({
  name: spec.name,
  plans: serviceKind(spec.kind)!.plan(spec, fleet),
});
const planFleet = (specs: ClusterSpecBase[], held?: Map<string, string>) => ({
  byHost: planHostDesired(
    fleet.hosts.map((h) => h.id),
    specs.map(plan),
    held,
  ),
});
const checkClaims = (f: FleetContext, specs: ClusterSpecBase[], cluster: string) =>
  checkPlannedClaims(
    f.hosts,
    specs.map((s) => plan(s).plans),
    cluster,
  );

describe('fleet planning', () => {
  it('groups instances per host; a host without instances gets an empty desired state', () => {
    const { byHost } = planFleet([zk]);
    expect(byHost.get('h1')!.instances.map((i) => i.id)).toEqual(['zk/zk-1']);
    expect(byHost.get('h4')!.instances).toEqual([]);
  });

  it('bumps only the generations of hosts whose part changed', () => {
    const first = planFleet([zk]).byHost;
    const stored = new Map([...first].map(([h, v]) => [h, { generation: 3, json: JSON.stringify(v) }]));
    expect(diffHostDesired(stored, first)).toEqual([]);
    const grown = {
      ...zk,
      members: [
        ...(zk as unknown as { members: object[] }).members,
        { host: 'h4', id: 4 },
        { host: 'h4', id: 5, clientPort: 2182, peerPort: 2889, electionPort: 3889, adminPort: 0 },
      ],
    } as unknown as ClusterSpecBase;
    const changes = diffHostDesired(stored, planFleet([grown]).byHost);
    // every member's server list changed, so every host moves exactly one generation
    expect(changes.map((c) => [c.hostId, c.generation]).sort()).toEqual([
      ['h1', 4],
      ['h2', 4],
      ['h3', 4],
      ['h4', 4],
    ]);
  });

  it('a host seen for the first time starts at generation 1', () => {
    expect(diffHostDesired(new Map(), planFleet([]).byHost).map((c) => c.generation)).toEqual([1, 1, 1, 1]);
  });
});

describe('fleet planning across clusters', () => {
  it('a held cluster is planned with every instance stopped', () => {
    const { byHost } = planFleet([zk], new Map([['zk', 'waiting for zk-base']]));
    expect([...byHost.values()].flatMap((v) => v.instances.map((i) => i.runState))).toEqual([
      'stopped',
      'stopped',
      'stopped',
    ]);
  });

  it('two clusters claiming the same port on one host clash; different ports do not', () => {
    const other = {
      ...zk,
      name: 'zk2',
      members: [{ host: 'h1', id: 1, dataDir: '/d/zookeeper/zk/1/data' }],
    } as unknown as ClusterSpecBase;
    const problems = checkClaims(fleet, [zk, other], 'zk2');
    // client, peer, election and AdminServer ports, and the data dir
    expect(problems.map((p) => p.path)).toEqual(['zk2/zk-1', 'zk2/zk-1', 'zk2/zk-1', 'zk2/zk-1', 'zk2/zk-1']);
    expect(problems[0]!.message).toMatch(
      /port 2181 on host h1 is claimed by both zk\/zk-1 \(zookeeper clientPort\) and zk2\/zk-1 \(zookeeper clientPort\)/,
    );
    expect(problems.at(-1)!.message).toMatch(/directory .* is used by both/);
    const apart = {
      ...zk,
      name: 'zk2',
      members: [
        {
          host: 'h1',
          id: 1,
          clientPort: 2182,
          peerPort: 2889,
          electionPort: 3889,
          adminPort: 0,
          dataDir: '/other',
        },
      ],
    } as unknown as ClusterSpecBase;
    expect(checkClaims(fleet, [zk, apart], 'zk2')).toEqual([]);
  });

  it.each<[scenario: string, dataDir: string, message: RegExp]>([
    [
      'the same dir spelled with a trailing slash',
      '/d/zookeeper/zk/1/data/',
      /directory \/d\/zookeeper\/zk\/1\/data on host h1 is used by both zk\/zk-1 and zk2\/zk-1$/,
    ],
    [
      "a dir inside the other cluster's data dir",
      '/d/zookeeper/zk/1/data/zk2',
      /directory \/d\/zookeeper\/zk\/1\/data\/zk2 of zk2\/zk-1 is inside directory \/d\/zookeeper\/zk\/1\/data of zk\/zk-1 on host h1/,
    ],
    [
      "a dir that contains the other cluster's data dir",
      '/d/zookeeper',
      /directory \/d\/zookeeper of zk2\/zk-1 contains directory \/d\/zookeeper\/zk\/1\/data of zk\/zk-1 on host h1/,
    ],
  ])(
    'dirs across clusters compare in normal form, nesting included (issue 16 #1): %s',
    (_s, dataDir, message) => {
      const other = {
        ...zk,
        name: 'zk2',
        members: [
          { host: 'h1', id: 1, clientPort: 2182, peerPort: 2889, electionPort: 3889, adminPort: 0, dataDir },
        ],
      } as unknown as ClusterSpecBase;
      const problems = checkClaims(fleet, [zk, other], 'zk2');
      expect(problems).toEqual([{ path: 'zk2/zk-1', message: expect.stringMatching(message) }]);
    },
  );

  it('a ZooKeeper transaction log dir (settings.dataLogDir) is claimed too', () => {
    const other = {
      ...zk,
      name: 'zk2',
      settings: { dataLogDir: '/d/zookeeper/zk/1/data/txlog' },
      members: [
        {
          host: 'h1',
          id: 1,
          clientPort: 2182,
          peerPort: 2889,
          electionPort: 3889,
          adminPort: 0,
          dataDir: '/zk2',
        },
      ],
    } as unknown as ClusterSpecBase;
    expect(checkClaims(fleet, [zk, other], 'zk2')).toEqual([
      {
        path: 'zk2/zk-1',
        message: expect.stringMatching(
          /txlog of zk2\/zk-1 is inside directory \/d\/zookeeper\/zk\/1\/data of zk\/zk-1/,
        ),
      },
    ]);
  });
});

describe('claims inside one cluster', () => {
  it('two members given one port on one host clash, located at the later member', () => {
    const crowded = {
      ...zk,
      members: [
        { host: 'h1', id: 1 },
        { host: 'h1', id: 2, dataDir: '/d/zk-2' },
        { host: 'h2', id: 3 },
      ],
    } as unknown as ClusterSpecBase;
    const problems = checkClaims(fleet, [crowded], 'zk');
    expect(problems.map((p) => p.path)).toEqual(['zk/zk-2', 'zk/zk-2', 'zk/zk-2', 'zk/zk-2']);
    expect(problems[0]!.message).toMatch(
      /port 2181 on host h1 is claimed by both zk\/zk-1 \(zookeeper clientPort\) and zk\/zk-2 \(zookeeper clientPort\)/,
    );
  });

  it("clashes between two other clusters are not this cluster's problem", () => {
    const other = { ...zk, name: 'zk2' } as unknown as ClusterSpecBase;
    expect(checkClaims(fleet, [zk, other], 'zk3')).toEqual([]);
  });
});

describe('clustersRevisedSince: the clusters one apply revised', () => {
  const c = new Map<string, SnapshotCluster>();
  const d = new Map<string, SnapshotCluster>();
  it.each<[string, Parameters<typeof clustersRevisedSince>[1], string[] | undefined]>([
    [
      'derived by one revision from the last map → its names',
      { clusters: d, derivedFrom: { clusters: c, changed: ['a'] } },
      ['a'],
    ],
    [
      'derived from another map → cannot say',
      { clusters: d, derivedFrom: { clusters: new Map(), changed: ['a'] } },
      undefined,
    ],
    ['read afresh (no derivedFrom) → cannot say', { clusters: d, derivedFrom: undefined }, undefined],
    // The periodic pass re-plans over the same clusters to release held ones: not "none revised".
    [
      'the same map → cannot say (holds may still change)',
      { clusters: c, derivedFrom: undefined },
      undefined,
    ],
  ])('%s', (_s, now, expected) => {
    expect(clustersRevisedSince({ clusters: c }, now)).toEqual(expected);
  });
});

describe('hostsToReplan: after a revision, only the hosts of the clusters that changed', () => {
  const p = (cluster: string, host: string) => ({ id: `${cluster}/${host}`, hostId: host }) as InstancePlan;
  const hosts = fleet.hosts.map((h) => ({ ...h }) as unknown as FleetSnapshot['hosts'][number]);
  const desired = new Map();
  const cluster = (name: string, plans: InstancePlan[]) => ({ name, plans }) as unknown as SnapshotCluster;
  const a = cluster('a', [p('a', 'h1'), p('a', 'h2')]);
  const b = cluster('b', [p('b', 'h3')]);
  const last = {
    snap: {
      hosts,
      desired,
      clusters: new Map([
        ['a', a],
        ['b', b],
      ]),
    },
    held: new Map<string, string>(),
  };
  const after = (clusters: [string, SnapshotCluster][], held = new Map<string, string>()) => ({
    snap: { hosts, desired, clusters: new Map(clusters) },
    held,
  });
  /** `clusters` as withRevision derives them from `from`, saying `changed` changed. */
  const derived = (
    clusters: [string, SnapshotCluster][],
    from: ReadonlyMap<string, SnapshotCluster>,
    changed: string[],
  ) => ({
    snap: { hosts, desired, clusters: new Map(clusters), derivedFrom: { clusters: from, changed } },
    held: new Map<string, string>(),
  });
  const movedA = cluster('a', [p('a', 'h1'), p('a', 'h4')]);

  it.each<[string, ReturnType<typeof after>, string[] | undefined, typeof last?]>([
    [
      'nothing changed → none',
      after([
        ['a', a],
        ['b', b],
      ]),
      [],
    ],
    [
      'a re-planned onto h1 and h4 → its hosts before and after',
      after([
        ['a', cluster('a', [p('a', 'h1'), p('a', 'h4')])],
        ['b', b],
      ]),
      ['h1', 'h2', 'h4'],
    ],
    [
      'b held now → its hosts (its members stop)',
      after(
        [
          ['a', a],
          ['b', b],
        ],
        new Map([['b', 'zk down']]),
      ),
      ['h3'],
    ],
    ['a deleted → its hosts', after([['b', b]]), ['h1', 'h2']],
    [
      'b released (held before, not now) → its hosts',
      after([
        ['a', a],
        ['b', b],
      ]),
      ['h3'],
      { ...last, held: new Map([['b', 'zk down']]) },
    ],
    [
      'derived from the last clusters by one revision of a → only the clusters it names are compared',
      derived(
        [
          ['a', movedA],
          // A new object with the same plans: compared, it would add h3; not named, it is not.
          ['b', cluster('b', [p('b', 'h3')])],
        ],
        last.snap.clusters,
        ['a'],
      ),
      ['h1', 'h2', 'h4'],
    ],
    [
      'derived from another clusters map → every cluster compared, as without',
      derived(
        [
          ['a', movedA],
          ['b', cluster('b', [p('b', 'h2')])],
        ],
        new Map(),
        ['a'],
      ),
      ['h1', 'h2', 'h3', 'h4'],
    ],
    [
      'c added on h4 → h4',
      after([
        ['a', a],
        ['b', b],
        ['c', cluster('c', [p('c', 'h4')])],
      ]),
      ['h4'],
    ],
    [
      'the store was read again (a new host list) → every host',
      {
        snap: {
          hosts: [...hosts],
          desired,
          clusters: new Map([
            ['a', a],
            ['b', b],
          ]),
        },
        held: new Map(),
      },
      undefined,
    ],
    [
      'desired states not the ones the last re-plan left → every host',
      {
        snap: {
          hosts,
          desired: new Map(),
          clusters: new Map([
            ['a', a],
            ['b', b],
          ]),
        },
        held: new Map(),
      },
      undefined,
    ],
  ])('%s', (_s, now, expected, before = last) => {
    const got = hostsToReplan(before, now);
    expect(got && [...got].sort()).toEqual(expected);
  });

  it('no re-plan before → every host', () => {
    expect(hostsToReplan(undefined, last)).toBeUndefined();
  });
});
