import { describe, it, expect } from 'vitest';
import { KRAFT_CLUSTER_ID_FACT, kafkaDependencies, kafkaInitialFacts, planKafka } from './plan.js';
import { renderKafkaFiles } from './render.js';
import { parseKafkaInputs } from './inputs.js';
import { validateKafkaSpec } from './spec.js';
import { kafkaKind } from './index.js';
import type { FleetContext } from '../types.js';
import type { ClusterSpecBase } from '../../domain.js';
import { goldenChecker } from '../../testing/golden.js';
import { PlanError, type ValidationError } from '../../errors.js';
import { clusterSpecMap } from '../fleet-context.js';

const golden = goldenChecker(import.meta.url);

const CLUSTER_ID = 'MkU3OEVBNTcwNTJENDM2Qg';
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
  members: [
    { host: 'zk3', id: 3 },
    { host: 'zk1', id: 1 },
    { host: 'zk2', id: 2, clientPort: 2182 },
  ],
};
const fleet: FleetContext = {
  hosts: [1, 2, 3].flatMap((i) => [host(`zk${i}`, `127.0.0.${i}`), host(`kafka${i}`, `127.0.0.1${i}`)]),
  clusters: clusterSpecMap([zk as unknown as ClusterSpecBase]),
  clusterFacts: new Map([['kafka-kraft', { [KRAFT_CLUSTER_ID_FACT]: CLUSTER_ID }]]),
};

function plan(spec: unknown, f: FleetContext = fleet) {
  const v = validateKafkaSpec(spec, f);
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return planKafka(v.spec, f);
}

const zkMode = {
  name: 'kafka-main',
  kind: 'kafka',
  distribution: { home: '/opt/kafka' },
  mode: 'zookeeper',
  zookeeper: 'zk-main',
  brokers: [
    { host: 'kafka1', id: 1, rack: 'r1' },
    { host: 'kafka2', id: 2, rack: 'r2', port: 9192, logDirs: ['/data1/kafka', '/data2/kafka'] },
    { host: 'kafka3', id: 3, rack: 'r3' },
  ],
  settings: {
    'default.replication.factor': 3,
    'min.insync.replicas': 2,
    'num.partitions': 6,
    'auto.create.topics.enable': false,
  },
  jvm: { heap: '1g' },
};

const kraftCombined = {
  name: 'kafka-kraft',
  kind: 'kafka',
  distribution: { home: '/opt/kafka' },
  mode: 'kraft',
  brokers: [1, 2, 3].map((i) => ({ host: `kafka${i}`, id: i, roles: ['broker', 'controller'] })),
  settings: { 'default.replication.factor': 3, 'min.insync.replicas': 2 },
};

// Three dedicated controllers (ids 1-3) and two broker-only nodes (ids 4-5) on the same hosts.
const kraftSplit = {
  ...kraftCombined,
  brokers: [
    ...[1, 2, 3].map((i) => ({ host: `kafka${i}`, id: i, roles: ['controller'], controllerPort: 9094 })),
    { host: 'kafka1', id: 4, roles: ['broker'], rack: 'r1' },
    { host: 'kafka2', id: 5, roles: ['broker'], rack: 'r2' },
  ],
  settings: { 'default.replication.factor': 2 },
};

describe('kafka planner', () => {
  it('ZooKeeper mode: resolved id, listeners, zookeeper.connect with the default chroot, default log dirs', () => {
    const plans = plan(zkMode);
    expect(plans.map((p) => [p.id, p.hostId, p.role])).toEqual([
      ['kafka-main/kafka-1', 'kafka1', 'broker'],
      ['kafka-main/kafka-2', 'kafka2', 'broker'],
      ['kafka-main/kafka-3', 'kafka3', 'broker'],
    ]);
    expect(plans[0]!.inputs).toMatchObject({
      id: 1,
      address: '127.0.0.11',
      port: 9092,
      listeners: 'PLAINTEXT://127.0.0.11:9092',
      advertisedListeners: 'PLAINTEXT://127.0.0.11:9092',
      // Sorted by myid, each member's own clientPort (same defaults as the ZooKeeper planner).
      zookeeperConnect: '127.0.0.1:2181,127.0.0.2:2182,127.0.0.3:2181/kafka-main',
      logDirs: ['/var/lib/hactl/kafka/kafka-main/1/data'],
      confDir: '/var/lib/hactl/kafka/kafka-main/1/conf',
      logDir: '/var/lib/hactl/kafka/kafka-main/1/logs',
      rack: 'r1',
      heap: '1g',
    });
    expect(plans[1]!.inputs).toMatchObject({
      port: 9192,
      listeners: 'PLAINTEXT://127.0.0.12:9192',
      logDirs: ['/data1/kafka', '/data2/kafka'],
    });
    expect(plan({ ...zkMode, chroot: '/clusters/main' })[0]!.inputs.zookeeperConnect).toMatch(
      /:2181\/clusters\/main$/,
    );
  });

  it('small clusters get internal-topic replication factors they can satisfy', () => {
    const one = plan({ ...zkMode, brokers: [{ host: 'kafka1', id: 1 }], settings: {} })[0]!.inputs.config;
    expect(one).toEqual({
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
    });
    expect(plan(zkMode)[0]!.inputs.config).not.toHaveProperty('offsets.topic.replication.factor');
  });

  it('KRaft: voters from the controllers sorted by id, the stored cluster id, controller listeners only on controllers', () => {
    const split = plan(kraftSplit);
    expect(split.map((p) => p.role)).toEqual(['controller', 'controller', 'controller', 'broker', 'broker']);
    const c1 = split[0]!.inputs;
    expect(c1).toMatchObject({
      clusterId: CLUSTER_ID,
      controllerPort: 9094,
      listeners: 'CONTROLLER://127.0.0.11:9094',
    });
    expect(c1).not.toHaveProperty('port');
    expect(c1).not.toHaveProperty('advertisedListeners');
    expect(c1.voters).toEqual([1, 2, 3].map((i) => ({ id: i, address: `127.0.0.1${i}`, port: 9094 })));
    expect(split[3]!.inputs).toMatchObject({
      id: 4,
      port: 9092,
      listeners: 'PLAINTEXT://127.0.0.11:9092',
      advertisedListeners: 'PLAINTEXT://127.0.0.11:9092',
    });
    // Replication-factor defaults count broker roles only (2 brokers here).
    expect(split[3]!.inputs.config['offsets.topic.replication.factor']).toBe('2');
  });

  it('KRaft without the stored cluster id fails clearly instead of guessing', () => {
    expect(() => plan(kraftCombined, { ...fleet, clusterFacts: new Map() })).toThrow(
      'cluster "kafka-kraft", facts.kafka.clusterId: KRaft cluster id not yet generated',
    );
    expect(() => plan(kraftCombined, { ...fleet, clusterFacts: new Map() })).toThrow(PlanError);
    expect(() =>
      plan(kraftCombined, {
        ...fleet,
        clusterFacts: new Map([['kafka-kraft', { [KRAFT_CLUSTER_ID_FACT]: 'short' }]]),
      }),
    ).toThrow(/22-character/);
  });

  it('initial facts, dependencies and claims', () => {
    const v = validateKafkaSpec(kraftCombined, fleet);
    const z = validateKafkaSpec(zkMode, fleet);
    if (!v.ok || !z.ok) throw new Error('invalid');
    expect(kafkaInitialFacts(v.spec, () => CLUSTER_ID)).toEqual({ 'kafka.clusterId': CLUSTER_ID });
    expect(kafkaInitialFacts(z.spec, () => CLUSTER_ID)).toEqual({});
    expect(() => kafkaInitialFacts(v.spec, () => 'not an id')).toThrow(/22-character/);
    expect(kafkaDependencies(z.spec)).toEqual(['zk-main']);
    expect(kafkaDependencies(v.spec)).toEqual([]);
    expect(kafkaKind.claims(plan(kraftCombined)[0]!.inputs)).toEqual({
      ports: [
        { port: 9092, what: 'kafka PLAINTEXT listener' },
        { port: 9093, what: 'kafka CONTROLLER listener' },
      ],
      dirs: ['/var/lib/hactl/kafka/kafka-kraft/1/data'],
    });
  });

  it('inputs survive the wire and garbage is refused', () => {
    for (const p of [...plan(zkMode), ...plan(kraftSplit)])
      expect(parseKafkaInputs(JSON.parse(JSON.stringify(p.inputs)))).toEqual(p.inputs);
    const i = plan(zkMode)[0]!.inputs;
    expect(() => parseKafkaInputs({ ...i, config: { 'num.partitions': '1\nbroker.id=7' } })).toThrow(
      /invalid kafka render inputs/,
    );
    expect(() => parseKafkaInputs({ ...i, zookeeperConnect: undefined })).toThrow(
      /invalid kafka render inputs/,
    );
    expect(() => parseKafkaInputs({ ...i, roles: ['broker', 'controller'] })).toThrow(
      /invalid kafka render inputs/,
    );
  });

  it('is deterministic', () => {
    expect(JSON.stringify(plan(kraftSplit))).toBe(JSON.stringify(plan(kraftSplit)));
  });
});

describe('kafka paths and characters (issue 16)', () => {
  it('log dirs are rendered and claimed in normal form', () => {
    const messy = plan({
      ...zkMode,
      brokers: [
        zkMode.brokers[0],
        { ...zkMode.brokers[1], logDirs: ['/data1//kafka/', '/data2/kafka/'] },
        zkMode.brokers[2],
      ],
    })[1]!.inputs;
    expect(renderKafkaFiles(messy)).toEqual(renderKafkaFiles(plan(zkMode)[1]!.inputs));
    expect(kafkaKind.claims(messy).dirs).toEqual(['/data1/kafka', '/data2/kafka']);
  });

  it('render inputs from the wire: a comma in a log dir, "/" or a non-ASCII value is refused with the field', () => {
    const inputs = plan(zkMode)[0]!.inputs;
    const refused = (raw: unknown) => {
      try {
        parseKafkaInputs(raw);
      } catch (err) {
        return (err as ValidationError).details.map((d) => d.path);
      }
      return [];
    };
    expect(refused({ ...inputs, logDirs: ['/d1,/d2'] })).toEqual(['inputs.logDirs[0]']);
    expect(refused({ ...inputs, logDirs: ['/'] })).toEqual(['inputs.logDirs[0]']);
    expect(refused({ ...inputs, config: { ...inputs.config, 'ssl.keystore.location': '/a:b' } })).toEqual([
      'inputs.config.ssl.keystore.location',
    ]);
    expect(
      refused({ ...inputs, config: { ...inputs.config, 'sasl.kerberos.service.name': 'kafkä' } }),
    ).toEqual(['inputs.config.sasl.kerberos.service.name']);
  });
});

describe('kafka renderer (golden files)', () => {
  it('ZooKeeper-mode broker', () => {
    const files = renderKafkaFiles(plan(zkMode)[0]!.inputs);
    expect(files.map((f) => f.path)).toEqual(['/var/lib/hactl/kafka/kafka-main/1/conf/server.properties']);
    golden('zk-broker-1.server.properties', files[0]!.content);
    expect(files[0]!.content).not.toMatch(/^(controller\.|process\.roles|node\.id)/m);
  });

  it('ZooKeeper-mode broker with a custom port and two log dirs', () => {
    golden('zk-broker-2-custom.server.properties', renderKafkaFiles(plan(zkMode)[1]!.inputs)[0]!.content);
  });

  it('KRaft combined node', () => {
    const content = renderKafkaFiles(plan(kraftCombined)[1]!.inputs)[0]!.content;
    golden('kraft-combined-2.server.properties', content);
    expect(content).not.toMatch(/^zookeeper\./m);
  });

  it('KRaft controller-only node: only the CONTROLLER listener', () => {
    const content = renderKafkaFiles(plan(kraftSplit)[0]!.inputs)[0]!.content;
    golden('kraft-controller-1.server.properties', content);
    expect(content).toMatch(/^listeners=CONTROLLER:\/\/127\.0\.0\.11:9094$/m);
    expect(content).not.toMatch(/^advertised\.listeners=/m);
  });

  it('KRaft broker-only node: no CONTROLLER listener, but the name is mapped', () => {
    const content = renderKafkaFiles(plan(kraftSplit)[3]!.inputs)[0]!.content;
    golden('kraft-broker-4.server.properties', content);
    expect(content).toMatch(/^listeners=PLAINTEXT:\/\/127\.0\.0\.11:9092$/m);
    expect(content).toMatch(/^listener\.security\.protocol\.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT$/m);
  });
});

describe('IPv6 broker addresses (golden)', () => {
  const v6: FleetContext = {
    hosts: [1, 2, 3].flatMap((i) => [host(`zk${i}`, `fd00:22::${i}`), host(`kafka${i}`, `fd00:22::1${i}`)]),
    clusters: clusterSpecMap([zk as unknown as ClusterSpecBase]),
    clusterFacts: fleet.clusterFacts,
  };
  it('ZooKeeper mode: listeners, advertised.listeners and zookeeper.connect in brackets', () => {
    const inputs = plan(zkMode, v6)[0]!.inputs;
    expect(parseKafkaInputs(JSON.parse(JSON.stringify(inputs)))).toEqual(inputs);
    const props = renderKafkaFiles(inputs)[0]!.content;
    golden('ipv6-zk-mode.server.properties', props);
    expect(props).toContain('listeners=PLAINTEXT://[fd00:22::11]:9092\n');
    expect(props).toContain(
      'zookeeper.connect=[fd00:22::1]:2181,[fd00:22::2]:2182,[fd00:22::3]:2181/kafka-main\n',
    );
  });
  it('KRaft: controller.quorum.voters and the CONTROLLER listener in brackets', () => {
    const props = renderKafkaFiles(plan(kraftCombined, v6)[0]!.inputs)[0]!.content;
    golden('ipv6-kraft.server.properties', props);
    expect(props).toMatch(/^controller\.quorum\.voters=1@\[fd00:22::11\]:9093,/m);
  });
});
