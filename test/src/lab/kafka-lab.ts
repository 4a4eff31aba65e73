import type { Lab } from './fleet.js';
import { LAB_JVM_FLAGS, distHome } from './dist.js';

/** A lab ZooKeeper ensemble's spec: one member per host, ids from 1, small heaps and fast ticks. */
export function zkLabSpec(name: string, hosts: readonly string[]): Record<string, unknown> {
  return {
    name,
    kind: 'zookeeper',
    distribution: { home: distHome('zookeeper') },
    settings: { tickTime: 500, initLimit: 20, syncLimit: 10 },
    jvm: { heap: '128m', flags: [...LAB_JVM_FLAGS] },
    members: hosts.map((host, i) => ({ host, id: i + 1, adminPort: 0 })),
  };
}

/** A lab Kafka cluster's spec in ZooKeeper mode: one broker per host, ids from 1, RF 3, min ISR 2. */
export function kafkaLabSpec(
  name: string,
  zookeeper: string,
  hosts: readonly string[],
  extra: Record<string, number> = {},
): Record<string, unknown> {
  return {
    name,
    kind: 'kafka',
    distribution: { home: distHome('kafka') },
    zookeeper,
    brokers: hosts.map((host, i) => ({ host, id: i + 1 })),
    settings: {
      'zookeeper.session.timeout.ms': 6000,
      'default.replication.factor': 3,
      'min.insync.replicas': 2,
      // The consumer group's offsets topic: 3 partitions instead of 50 keep the lab light; no 3 s
      // initial rebalance delay (group.initial.rebalance.delay.ms) before the consumer starts.
      'offsets.topic.num.partitions': 3,
      'group.initial.rebalance.delay.ms': 0,
      ...extra,
    },
    jvm: { heap: '256m', flags: [...LAB_JVM_FLAGS] },
  };
}

/** Applies a ZooKeeper ensemble and a Kafka cluster on it (lab hosts already connected) and waits until both are healthy. */
export async function startZkAndKafka(
  lab: Lab,
  zk: { name: string; hosts: readonly string[] },
  kafka: { name: string; hosts: readonly string[] },
): Promise<void> {
  for (const [name, spec] of [
    [zk.name, zkLabSpec(zk.name, zk.hosts)],
    [kafka.name, kafkaLabSpec(kafka.name, zk.name, kafka.hosts)],
  ] as const) {
    const put = await lab.api('PUT', `/v1/clusters/${name}`, spec);
    if (put.status !== 200) throw new Error(`PUT ${name}: HTTP ${put.status} ${JSON.stringify(put.body)}`);
    await lab.waitForHealth(name, 'healthy', { timeoutMs: 120_000 });
  }
}
