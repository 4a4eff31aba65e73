import { distHome } from './dist.js';

/**
 * A lab Kafka 4.1 (KRaft only) cluster spec: every host a combined broker + controller with node
 * ids 1..N in `hosts` order, replication factor 3 with min.insync.replicas 2, and a dead broker
 * fenced and a controller election held faster than upstream's defaults (2 s heartbeats, 9 s
 * session), so failure tests finish in seconds. `hosts` are [host name, address] pairs.
 */
export function labKraftSpec(name: string, hosts: readonly (readonly [string, string])[]) {
  return {
    name,
    kind: 'kafka',
    distribution: { home: distHome('kafka4') },
    mode: 'kraft',
    brokers: hosts.map(([host], i) => ({ host, id: i + 1, roles: ['broker', 'controller'] })),
    settings: {
      'default.replication.factor': 3,
      'min.insync.replicas': 2,
      'broker.heartbeat.interval.ms': 300,
      'broker.session.timeout.ms': 2000,
      'controller.quorum.election.timeout.ms': 500,
      'controller.quorum.fetch.timeout.ms': 1000,
    },
    // A collector other than upstream's G1: the agent swaps it into KAFKA_JVM_PERFORMANCE_OPTS
    // (with it in KAFKA_OPTS only, the JVM refuses "Multiple garbage collectors selected").
    jvm: { heap: '256m', flags: ['-XX:+UseSerialGC'] },
  };
}
