/**
 * The fleet the battery runs against: six simulated hosts and one valid cluster of each kind on
 * them, as deploy/examples/seed-topology.yaml lays them out.
 */
export const HOSTS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((name, i) => ({
  name,
  address: `127.0.16.${11 + i}`,
}));
/** The host the durability phase's clusters live on. */
export const DURABILITY_HOST = { name: 'd1', address: '127.0.16.21' };

export const zookeeper = {
  name: 'zk-main',
  kind: 'zookeeper',
  distribution: { home: '/usr/share/zookeeper' },
  settings: { tickTime: 2000, initLimit: 10, syncLimit: 5 },
  jvm: { heap: '256m' },
  members: [
    { host: 'h1', id: 1 },
    { host: 'h2', id: 2 },
    { host: 'h3', id: 3 },
  ],
};

export const kafka = {
  name: 'kafka-main',
  kind: 'kafka',
  distribution: { home: '/opt/kafka' },
  mode: 'zookeeper',
  zookeeper: 'zk-main',
  brokers: [
    { host: 'h1', id: 1, rack: 'r1' },
    { host: 'h2', id: 2, rack: 'r2' },
    { host: 'h3', id: 3, rack: 'r3' },
  ],
  settings: { 'default.replication.factor': 3, 'min.insync.replicas': 2 },
};

export const storm = {
  name: 'storm-main',
  kind: 'storm',
  distribution: { home: '/opt/storm' },
  zookeeper: 'zk-main',
  nimbus: { hosts: ['h4'] },
  supervisors: { hosts: ['h5', 'h6'], slots: [6700, 6701] },
  ui: { host: 'h4', port: 8081 },
  settings: { 'topology.message.timeout.secs': 30 },
};

export const elasticsearch = {
  name: 'es-main',
  kind: 'elasticsearch',
  distribution: { home: '/opt/elasticsearch' },
  nodes: [
    { host: 'h4', name: 'node-1' },
    { host: 'h5', name: 'node-2' },
    { host: 'h6', name: 'node-3', attributes: { rack: 'r1' } },
  ],
  settings: { thread_pool: { write: { queue_size: 1000 } } },
  heap: '1g',
};

/** The baseline clusters, in the order they can be applied (references first). */
export const BASELINE: { name: string; spec: unknown }[] = [zookeeper, kafka, storm, elasticsearch].map(
  (s) => ({
    name: s.name,
    spec: s,
  }),
);

/** ZooKeeper's default data dir for member `id` of zk-main on a host with the default data root. */
export const ZK_MAIN_DATA_DIR = (id: number) => `/var/lib/hactl/zookeeper/zk-main/${id}/data`;

export const SHA512 = 'a'.repeat(128);
