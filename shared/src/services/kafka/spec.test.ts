import { describe, it, expect, vi } from 'vitest';
import { validateKafkaSpec } from './spec.js';
import type { FleetContext } from '../types.js';
import type { ClusterSpecBase } from '../../domain.js';
import { serviceKind, validateClusterSpec } from '../registry.js';
import { clusterSpecMap } from '../fleet-context.js';

const host = (name: string, address: string) => ({
  id: name,
  name,
  address,
  dataRoot: '/var/lib/hactl',
  labels: {},
});
const zk = {
  name: 'zk-main',
  kind: 'zookeeper',
  distribution: { home: '/usr/share/zookeeper' },
  settings: {},
  members: [1, 2, 3].map((i) => ({ host: `zk${i}`, id: i })),
};
const fleet: FleetContext = {
  hosts: [1, 2, 3].flatMap((i) => [host(`zk${i}`, `127.0.0.${i}`), host(`kafka${i}`, `127.0.0.1${i}`)]),
  clusters: clusterSpecMap([zk as unknown as ClusterSpecBase, { name: 'es-main', kind: 'elasticsearch' }]),
};

const good = () => ({
  name: 'kafka-main',
  kind: 'kafka',
  distribution: { home: '/opt/kafka' },
  mode: 'zookeeper',
  zookeeper: 'zk-main',
  brokers: [1, 2, 3].map((i) => ({ host: `kafka${i}`, id: i, rack: `r${i}` })) as Record<string, unknown>[],
  settings: { 'default.replication.factor': 3, 'min.insync.replicas': 2 } as Record<string, unknown>,
});

const kraft = () => ({
  name: 'kafka-kraft',
  kind: 'kafka',
  distribution: { home: '/opt/kafka' },
  mode: 'kraft',
  brokers: [1, 2, 3].map((i) => ({ host: `kafka${i}`, id: i, roles: ['broker', 'controller'] })) as Record<
    string,
    unknown
  >[],
  settings: {} as Record<string, unknown>,
});

type Spec = ReturnType<typeof good>;
type Case = [scenario: string, build: () => unknown, path: string, message: RegExp];
const withBroker = (s: Spec | ReturnType<typeof kraft>, i: number, over: Record<string, unknown>) => ({
  ...s,
  brokers: s.brokers.map((b, j) => (j === i ? { ...b, ...over } : b)),
});

const cases: Case[] = [
  [
    'two garbage collectors in jvm.flags (the JVM refuses both)',
    () => ({ ...good(), jvm: { flags: ['-XX:+UseSerialGC', '-Xss1m', '-XX:+UseParallelGC'] } }),
    'jvm.flags[2]',
    /selects a second garbage collector \(flags\[0\] is -XX:\+UseSerialGC\)/,
  ],
  ['no brokers', () => ({ ...good(), brokers: [] }), 'brokers', /at least one broker/],
  [
    'duplicate broker ids',
    () => withBroker(good(), 1, { id: 1 }),
    'brokers[1].id',
    /duplicate id 1 \(also brokers\[0\]\.id\)/,
  ],
  [
    'broker.id above reserved.broker.max.id',
    () => withBroker(good(), 0, { id: 1001 }),
    'brokers[0].id',
    /outside 0-1000/,
  ],
  ['negative broker.id', () => withBroker(good(), 0, { id: -1 }), 'brokers[0].id', /outside 0-1000/],
  ['unknown host', () => withBroker(good(), 0, { host: 'nope' }), 'brokers[0].host', /unknown host "nope"/],
  [
    'port clash between two brokers on one host',
    () => withBroker(good(), 1, { host: 'kafka1' }),
    'brokers[1]',
    /port 9092 on host kafka1 is claimed by both kafka-main\/kafka-1 \(kafka PLAINTEXT listener\) and kafka-main\/kafka-2/,
  ],
  [
    'log dir clash on one host',
    () =>
      withBroker(withBroker(good(), 0, { logDirs: ['/d'] }), 1, {
        host: 'kafka1',
        port: 9093,
        logDirs: ['/d'],
      }),
    'brokers[1]',
    /directory \/d on host kafka1 is used by both kafka-main\/kafka-1 and kafka-main\/kafka-2/,
  ],
  [
    'unsafe rack',
    () => withBroker(good(), 0, { rack: 'r1\nbroker.id=9' }),
    'brokers[0].rack',
    /letters, digits/,
  ],
  [
    'relative log dir',
    () => withBroker(good(), 0, { logDirs: ['data'] }),
    'brokers[0].logDirs[0]',
    /absolute path/,
  ],
  [
    'missing zookeeper reference',
    () => ({ ...good(), zookeeper: undefined }),
    'zookeeper',
    /required in ZooKeeper mode/,
  ],
  [
    'dangling zookeeper reference',
    () => ({ ...good(), zookeeper: 'zk-other' }),
    'zookeeper',
    /unknown cluster "zk-other"/,
  ],
  [
    'zookeeper reference to another kind',
    () => ({ ...good(), zookeeper: 'es-main' }),
    'zookeeper',
    /elasticsearch cluster, not zookeeper/,
  ],
  ['bad chroot', () => ({ ...good(), chroot: 'kafka' }), 'chroot', /absolute znode path/],
  [
    'roles in ZooKeeper mode',
    () => withBroker(good(), 0, { roles: ['broker'] }),
    'brokers[0].roles',
    /only apply in KRaft/,
  ],
  [
    'replication factor above the broker count',
    () => ({ ...good(), settings: { 'default.replication.factor': 4 } }),
    'settings.default.replication.factor',
    /replication factor 4 is more than the 3 brokers/,
  ],
  [
    'offsets topic replication factor above the broker count',
    () => ({
      ...good(),
      brokers: good().brokers.slice(0, 1),
      settings: { 'offsets.topic.replication.factor': 3 },
    }),
    'settings.offsets.topic.replication.factor',
    /more than the 1 broker$/,
  ],
  [
    'min.insync.replicas above the replication factor',
    () => ({ ...good(), settings: { 'default.replication.factor': 2, 'min.insync.replicas': 3 } }),
    'settings.min.insync.replicas',
    /always fail/,
  ],
  [
    'min.insync.replicas above the default replication factor (1)',
    () => ({ ...good(), settings: { 'min.insync.replicas': 2 } }),
    'settings.min.insync.replicas',
    /default\.replication\.factor 1/,
  ],
  [
    'non-integer replication factor',
    () => ({ ...good(), settings: { 'default.replication.factor': 'three' } }),
    'settings.default.replication.factor',
    /non-negative integer/,
  ],
  [
    'managed broker.id',
    () => ({ ...good(), settings: { 'broker.id': 7 } }),
    'settings.broker.id',
    /managed by hactl/,
  ],
  [
    'managed listeners',
    () => ({ ...good(), settings: { listeners: 'PLAINTEXT://0.0.0.0:9092' } }),
    'settings.listeners',
    /managed by hactl/,
  ],
  [
    'managed zookeeper.connect',
    () => ({ ...good(), settings: { 'zookeeper.connect': 'evil:2181' } }),
    'settings.zookeeper.connect',
    /managed by hactl/,
  ],
  [
    'managed log.dirs',
    () => ({ ...good(), settings: { 'log.dirs': '/tmp/x' } }),
    'settings.log.dirs',
    /managed by hactl/,
  ],
  [
    'newline in a setting value',
    () => ({ ...good(), settings: { 'num.partitions': '3\nbroker.id=9' } }),
    'settings.num.partitions',
    /newlines/,
  ],
  [
    'backslash in a setting value',
    () => ({ ...good(), settings: { 'log.cleanup.policy': 'delete\\' } }),
    'settings.log.cleanup.policy',
    /backslash/,
  ],
  ['"=" in a setting key', () => ({ ...good(), settings: { 'a=b': 'x' } }), 'settings.a=b', /setting names/],
  [
    'unknown broker field',
    () => withBroker(good(), 0, { colour: 'red' }),
    'brokers[0].colour',
    /^unknown field$/,
  ],
  ['unknown mode', () => ({ ...good(), mode: 'raft' }), 'mode', /zookeeper|kraft/],
  [
    'kraft: zookeeper reference',
    () => ({ ...kraft(), zookeeper: 'zk-main' }),
    'zookeeper',
    /KRaft mode runs without ZooKeeper/,
  ],
  [
    'kraft: roles missing',
    () => withBroker(kraft(), 0, { roles: undefined }),
    'brokers[0].roles',
    /required in KRaft mode/,
  ],
  [
    'kraft: even controller quorum',
    () => withBroker(kraft(), 2, { roles: ['broker'] }),
    'brokers',
    /2 controllers is an even quorum/,
  ],
  [
    'kraft: no broker role',
    () => ({ ...kraft(), brokers: kraft().brokers.map((b) => ({ ...b, roles: ['controller'] })) }),
    'brokers',
    /at least one node with the broker role/,
  ],
  [
    'kraft: no controller role',
    () => ({ ...kraft(), brokers: kraft().brokers.map((b) => ({ ...b, roles: ['broker'] })) }),
    'brokers',
    /at least one node with the controller role/,
  ],
  [
    'kraft: controllerPort on a broker-only node',
    () => withBroker(kraft(), 0, { roles: ['broker'], controllerPort: 9094 }),
    'brokers[0].controllerPort',
    /controller role/,
  ],
  [
    'kraft: broker port on a controller-only node',
    () => withBroker(kraft(), 0, { roles: ['controller'], port: 9092 }),
    'brokers[0].port',
    /controller-only/,
  ],
  [
    'kraft: controller port clashes with the broker port',
    () => withBroker(kraft(), 0, { controllerPort: 9092 }),
    'brokers[0]',
    /port 9092 on host kafka1 is claimed by both kafka-kraft\/kafka-1 \(kafka PLAINTEXT listener\) and kafka-kraft\/kafka-1 \(kafka CONTROLLER listener\)/,
  ],
  [
    'kraft: managed controller.quorum.voters',
    () => ({ ...kraft(), settings: { 'controller.quorum.voters': '1@x:9093' } }),
    'settings.controller.quorum.voters',
    /managed by hactl/,
  ],
  [
    'kraft: managed process.roles',
    () => ({ ...kraft(), settings: { 'process.roles': 'broker' } }),
    'settings.process.roles',
    /managed by hactl/,
  ],
  [
    'kraft: zookeeper settings',
    () => ({ ...kraft(), settings: { 'zookeeper.session.timeout.ms': 6000 } }),
    'settings.zookeeper.session.timeout.ms',
    /do not apply in KRaft/,
  ],
  [
    'kraft: replication factor counts broker roles only',
    () => ({
      ...withBroker(kraft(), 0, { roles: ['controller'] }),
      settings: { 'default.replication.factor': 3 },
    }),
    'settings.default.replication.factor',
    /more than the 2 brokers/,
  ],
  // Issue 16 #1: a comma made log.dirs=/d1,/d2 (two dirs, past the clash check); "/" was a log dir.
  [
    'comma inside one log dir',
    () => withBroker(good(), 0, { logDirs: ['/d1,/d2'] }),
    'brokers[0].logDirs[0]',
    /found "," \(a comma splits Kafka log\.dirs/,
  ],
  [
    '"/" as a log dir',
    () => withBroker(good(), 0, { logDirs: ['/'] }),
    'brokers[0].logDirs[0]',
    /must not be "\/"/,
  ],
  [
    'same log dir spelled with a trailing slash',
    () =>
      withBroker(withBroker(good(), 0, { logDirs: ['/d/kafka'] }), 1, {
        host: 'kafka1',
        port: 9093,
        logDirs: ['/d//kafka/'],
      }),
    'brokers[1]',
    /directory \/d\/kafka on host kafka1 is used by both kafka-main\/kafka-1 and kafka-main\/kafka-2/,
  ],
  [
    "log dir inside another broker's",
    () =>
      withBroker(withBroker(good(), 0, { logDirs: ['/d/kafka'] }), 1, {
        host: 'kafka1',
        port: 9093,
        logDirs: ['/d/kafka/b2'],
      }),
    'brokers[1]',
    /directory \/d\/kafka\/b2 of kafka-main\/kafka-2 is inside directory \/d\/kafka of kafka-main\/kafka-1 on host kafka1/,
  ],
  [
    "a broker's own log dirs nested",
    () => withBroker(good(), 0, { logDirs: ['/d/kafka/x', '/d/kafka'] }),
    'brokers[0]',
    /directory \/d\/kafka of kafka-main\/kafka-1 contains directory \/d\/kafka\/x of kafka-main\/kafka-1 on host kafka1/,
  ],
  [
    'relative trust store location',
    () => ({ ...good(), settings: { 'ssl.truststore.location': 'truststore.jks' } }),
    'settings.ssl.truststore.location',
    /absolute path/,
  ],
  // Issue 16 #2: server.properties is read by Properties.load(InputStream), i.e. as ISO 8859-1.
  [
    'non-ASCII setting value',
    () => ({ ...good(), settings: { 'sasl.kerberos.service.name': 'kafkä' } }),
    'settings.sasl.kerberos.service.name',
    /printable ASCII.*ISO 8859-1/,
  ],
  [
    'C1 control in a setting value',
    () => ({ ...good(), settings: { 'log.cleanup.policy': 'delete\u0080' } }),
    'settings.log.cleanup.policy',
    /U\+0080/,
  ],
];

describe('kafka spec validation', () => {
  it('accepts the architecture §2 example (ZooKeeper mode)', () => {
    expect(validateKafkaSpec(good(), fleet)).toMatchObject({
      ok: true,
      spec: { mode: 'zookeeper', zookeeper: 'zk-main' },
    });
  });

  it('accepts KRaft combined nodes and a split quorum with broker-only nodes', () => {
    expect(validateKafkaSpec(kraft(), fleet).ok).toBe(true);
    const split = {
      ...kraft(),
      brokers: [
        ...kraft().brokers.map((b) => ({ ...b, roles: ['controller'] })),
        { host: 'zk1', id: 4, roles: ['broker'] },
      ],
    };
    expect(validateKafkaSpec(split, fleet).ok).toBe(true);
  });

  it('mode defaults to zookeeper', () => {
    const { mode: _mode, ...rest } = good();
    expect(validateKafkaSpec(rest, fleet)).toMatchObject({ ok: true, spec: { mode: 'zookeeper' } });
  });

  it.each(cases)('rejects: %s', (_scenario, build, path, message) => {
    const r = validateClusterSpec(build(), fleet);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const hit = r.problems.find((p) => p.path === path);
    expect(hit, JSON.stringify(r.problems)).toBeDefined();
    expect(hit!.message).toMatch(message);
  });

  it('min.insync.replicas equal to the replication factor is accepted with a warning', () => {
    const r = validateKafkaSpec(
      { ...good(), settings: { 'default.replication.factor': 3, 'min.insync.replicas': 3 } },
      fleet,
    );
    expect(r).toMatchObject({
      ok: true,
      warnings: [
        {
          path: 'settings.min.insync.replicas',
          message: expect.stringMatching(/one broker down blocks acks=all/),
        },
      ],
    });
    expect(validateKafkaSpec(good(), fleet)).not.toHaveProperty('warnings');
  });

  it('lists every problem at once', () => {
    const r = validateKafkaSpec(
      {
        ...good(),
        zookeeper: 'zk-other',
        settings: { listeners: 'x', 'default.replication.factor': 5 },
        brokers: [
          { host: 'nope', id: 1 },
          { host: 'kafka2', id: 1 },
        ],
      },
      fleet,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path).sort()).toEqual([
      'brokers[0].host',
      'brokers[1].id',
      'settings.default.replication.factor',
      'settings.listeners',
      'zookeeper',
    ]);
  });

  it('is reachable through the registry', () => {
    expect(validateClusterSpec(good(), fleet).ok).toBe(true);
    expect(validateClusterSpec({ ...good(), brokers: [] }, fleet)).toMatchObject({
      ok: false,
      problems: [{ path: 'brokers' }],
    });
  });
});

describe('znode roots on one ZooKeeper cluster (registry checkZnodeRoots)', () => {
  /** The fleet with clusters already stored, as the control plane passes it (validated specs). */
  const withStored = (...stored: Record<string, unknown>[]): FleetContext => ({
    ...fleet,
    clusters: clusterSpecMap([...fleet.clusters.values(), ...(stored as unknown as ClusterSpecBase[])]),
  });
  const storedKafka = (over: Record<string, unknown>) => {
    const r = validateClusterSpec({ ...good(), ...over }, fleet);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    return r.spec as unknown as Record<string, unknown>;
  };
  const storm = (name: string, root?: string) => ({
    name,
    kind: 'storm',
    distribution: { home: '/opt/storm' },
    zookeeper: 'zk-main',
    nimbus: { hosts: ['kafka1'], failover: 'manual' },
    supervisors: { hosts: ['kafka2'] },
    settings: root === undefined ? {} : { 'storm.zookeeper.root': root },
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, string]>([
    [
      'a second Kafka cluster under the first one\u2019s default chroot',
      storedKafka({}),
      { name: 'kafka-b', chroot: '/kafka-main' },
      'kafka cluster kafka-main already uses /kafka-main on zk-main',
    ],
    [
      'two Kafka clusters given one chroot',
      storedKafka({ name: 'kafka-a', chroot: '/kafka' }),
      { name: 'kafka-b', chroot: '/kafka' },
      'kafka cluster kafka-a already uses /kafka on zk-main',
    ],
    [
      'a Kafka chroot that is a Storm cluster\u2019s root',
      storm('storm-main', '/shared'),
      { chroot: '/shared' },
      'storm cluster storm-main already uses /shared on zk-main',
    ],
  ])('refuses %s, at chroot', (_scenario, stored, over, message) => {
    const r = validateClusterSpec({ ...good(), ...over }, withStored(stored));
    expect(r).toEqual({
      ok: false,
      problems: [{ path: 'chroot', message: `${message}; give this cluster a root of its own` }],
    });
  });

  it('refuses a Storm root that is a Kafka cluster\u2019s chroot, at settings.storm.zookeeper.root', () => {
    const r = validateClusterSpec(storm('storm-b', '/kafka-main'), withStored(storedKafka({})));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems).toEqual([
      {
        path: 'settings.storm.zookeeper.root',
        message:
          'kafka cluster kafka-main already uses /kafka-main on zk-main; give this cluster a root of its own',
      },
    ]);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    [
      'another chroot on the same ensemble',
      storedKafka({ name: 'kafka-a', chroot: '/kafka' }),
      { chroot: '/kafka-b' },
    ],
    [
      'a sibling chroot under a common parent',
      storedKafka({ name: 'kafka-a', chroot: '/kafka/a' }),
      { chroot: '/kafka/b' },
    ],
    [
      'the same chroot on another ZooKeeper cluster',
      { ...storedKafka({ name: 'kafka-a', chroot: '/kafka' }), zookeeper: 'zk-other' },
      { chroot: '/kafka' },
    ],
    ['a KRaft cluster of the same name as the chroot', { ...kraft(), name: 'kafka' }, { chroot: '/kafka' }],
  ])('accepts %s', (_scenario, stored, over) => {
    const r = validateClusterSpec({ ...good(), ...over }, withStored(stored));
    expect(r.ok, JSON.stringify(!r.ok && r.problems)).toBe(true);
  });

  it.each<[string, string, string, string]>([
    [
      'inside another cluster\u2019s root',
      '/kafka',
      '/kafka/b',
      '/kafka/b is inside kafka cluster kafka-a\u2019s root /kafka',
    ],
    [
      'inside another cluster\u2019s own znodes (a phantom broker to it)',
      '/kafka',
      '/kafka/brokers/ids/9',
      '/kafka/brokers/ids/9 is inside kafka cluster kafka-a\u2019s root /kafka',
    ],
    [
      'containing another cluster\u2019s root',
      '/kafka/a',
      '/kafka',
      '/kafka contains kafka cluster kafka-a\u2019s root /kafka/a',
    ],
  ])('refuses a chroot %s', (_scenario, theirs, mine, message) => {
    const r = validateClusterSpec(
      { ...good(), chroot: mine },
      withStored(storedKafka({ name: 'kafka-a', chroot: theirs })),
    );
    expect(r).toEqual({
      ok: false,
      problems: [
        {
          path: 'chroot',
          message: `${message.replaceAll('\u2019', "'")} on zk-main; give this cluster a root of its own`,
        },
      ],
    });
  });

  it('a clash stored before the check existed does not refuse a re-apply (a formed cluster cannot move its root): a warning says it', () => {
    // kafka-main and a Storm cluster under its default chroot, both stored.
    const fleet = withStored(storedKafka({}), storm('storm-x', '/kafka-main'));
    const warning = {
      path: 'chroot',
      message:
        "storm cluster storm-x already uses /kafka-main on zk-main, as it did before this apply: the two clusters' znodes mix; move one of them to a root of its own",
    };
    expect(validateClusterSpec(good(), fleet)).toMatchObject({ ok: true, warnings: [warning] });
    // A change of something else is accepted the same way; a change of the root to another
    // clashing one is not a clash stored before.
    expect(
      validateClusterSpec({ ...good(), settings: { ...good().settings, 'num.io.threads': 4 } }, fleet),
    ).toMatchObject({ ok: true, warnings: [warning] });
    const moved = withStored(
      storedKafka({}),
      storm('storm-x', '/kafka-main'),
      storm('storm-y', '/elsewhere'),
    );
    expect(validateClusterSpec({ ...good(), chroot: '/elsewhere' }, moved).ok).toBe(false);
    // Nor is a root moved within the old clash: inside storm-x's root is a new choice.
    expect(validateClusterSpec({ ...good(), chroot: '/kafka-main/sub' }, fleet)).toEqual({
      ok: false,
      problems: [
        {
          path: 'chroot',
          message:
            "/kafka-main/sub is inside storm cluster storm-x's root /kafka-main on zk-main; give this cluster a root of its own",
        },
      ],
    });
  });

  it('with the fleet\u2019s index of dependents, only the clusters on the same ZooKeeper cluster are looked at', () => {
    const fleet = withStored(storedKafka({ name: 'kafka-a', chroot: '/shared' }));
    const asked: string[] = [];
    const dependentsOf = (zk: string) => {
      asked.push(zk);
      return zk === 'zk-main' ? ['kafka-a'] : [];
    };
    expect(validateClusterSpec({ ...good(), chroot: '/shared' }, fleet, { dependentsOf })).toMatchObject({
      ok: false,
      problems: [{ path: 'chroot' }],
    });
    expect(asked).toEqual(['zk-main']);
    // An index that does not list kafka-a (as for another ZooKeeper cluster) finds no clash.
    expect(validateClusterSpec({ ...good(), chroot: '/shared' }, fleet, { dependentsOf: () => [] }).ok).toBe(
      true,
    );
  });

  it('a stored spec is read for its root once, not on every apply on its ensemble', () => {
    const fleet = withStored(storm('storm-main', '/storm-main'));
    const parse = vi.spyOn(serviceKind('storm')!.specSchema, 'safeParse');
    try {
      for (let i = 0; i < 3; i++) expect(validateClusterSpec(good(), fleet).ok).toBe(true);
      // One read of the stored Storm spec; the applied Kafka spec is not a Storm spec.
      expect(parse).toHaveBeenCalledTimes(1);
      // A new stored spec (its cluster changed) is another object: read again.
      validateClusterSpec(good(), withStored(storm('storm-main', '/storm-main')));
      expect(parse).toHaveBeenCalledTimes(2);
    } finally {
      parse.mockRestore();
    }
  });

  it('a stored spec its kind cannot read a root from is passed over, not thrown on', () => {
    const { settings: _settings, ...unreadable } = storm('storm-old', '/kafka-main');
    expect(validateClusterSpec(good(), withStored(unreadable)).ok).toBe(true);
  });

  it('a re-apply of the same cluster does not clash with its own stored spec', () => {
    expect(validateClusterSpec(good(), withStored(storedKafka({}))).ok).toBe(true);
  });
});
