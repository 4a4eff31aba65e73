import { resolveDistribution } from '../../distribution.js';
import type { InstancePlan } from '../../domain.js';
import type { FleetContext } from '../types.js';
import { instanceId } from '../instance-id.js';
import { requireHost } from '../hosts.js';
import { resolveZookeeperRef } from '../zookeeper-endpoints.js';
import { PlanError } from '../../errors.js';
import { isKafkaPathKey, resolveBroker, type KafkaSpec, type ResolvedBroker } from './spec.js';
import { normalisePath } from '../../paths.js';
import { KRAFT_CLUSTER_ID_RE, type KafkaInputs } from './inputs.js';
import { kafkaChroot } from './identity.js';
import { hostPort } from '../../address.js';

/** Stored cluster fact: the KRaft cluster id, generated once (`kafka-storage.sh random-uuid` format). */
export const KRAFT_CLUSTER_ID_FACT = 'kafka.clusterId';

export function instanceIdFor(cluster: string, id: number): string {
  return instanceId(cluster, `kafka-${id}`);
}

/** `PLAINTEXT://a:9092` and, on controllers, `CONTROLLER://a:9093` (service-facts §2.3 combined sample). */
export function listenersFor(
  r: Pick<ResolvedBroker, 'port' | 'controllerPort'>,
  address: string,
): { listeners: string; advertised?: string } {
  const plain = r.port !== undefined ? `PLAINTEXT://${hostPort(address, r.port)}` : undefined;
  const ctrl =
    r.controllerPort !== undefined ? `CONTROLLER://${hostPort(address, r.controllerPort)}` : undefined;
  // Brokers advertise only the client listener: a broker must not advertise controller listeners;
  // controllers are found through controller.quorum.voters (service-facts §2.3).
  return { listeners: [plain, ctrl].filter(Boolean).join(','), ...(plain ? { advertised: plain } : {}) };
}

/**
 * `h1:2181,h2:2181,h3:2181/chroot` from the referenced hactl ZooKeeper cluster, members sorted by
 * myid. Throws a PlanError (field `zookeeper`) when the reference no longer resolves or a member's
 * host is no longer registered: a connect string without it would be a different ensemble.
 */
export function zookeeperConnectFor(spec: KafkaSpec, fleet: FleetContext): string {
  const ref = resolveZookeeperRef(spec.zookeeper ?? '', fleet);
  if (!ref.ok) throw new PlanError(spec.name, 'zookeeper', ref.problem);
  if (ref.missingHosts.length)
    throw new PlanError(
      spec.name,
      'zookeeper',
      `member host ${ref.missingHosts.map((h) => JSON.stringify(h)).join(', ')} of zookeeper cluster ${JSON.stringify(spec.zookeeper)} is not registered`,
    );
  const servers = [...ref.endpoints]
    .sort((a, b) => a.id - b.id)
    .map((e) => hostPort(e.address, e.clientPort));
  return `${servers.join(',')}${kafkaChroot(spec)}`;
}

/**
 * Defaults hactl sets unless the spec does. Internal topics default to replication factor 3
 * (`offsets.topic.replication.factor`, `transaction.state.log.replication.factor`; service-facts
 * §2.1), which a smaller cluster can never satisfy: consumer groups and transactions would fail.
 */
function defaultConfig(brokers: number): Record<string, string> {
  if (brokers >= 3) return {};
  return {
    'offsets.topic.replication.factor': String(brokers),
    'transaction.state.log.replication.factor': String(brokers),
    'transaction.state.log.min.isr': String(Math.min(2, brokers)),
  };
}

/**
 * Spec → one instance per broker/controller with fully resolved inputs. Assumes a validated spec;
 * throws a PlanError for a host or ZooKeeper cluster no longer registered, or a KRaft cluster id
 * that is not stored or malformed.
 */
export function planKafka(spec: KafkaSpec, fleet: FleetContext): InstancePlan<KafkaInputs>[] {
  const nodes = spec.brokers.map((b, i) =>
    resolveBroker(spec, b, requireHost(fleet.hosts, b.host, spec.name, `brokers[${i}].host`)),
  );
  const kraft = spec.mode === 'kraft';

  let clusterId: string | undefined;
  let voters: KafkaInputs['voters'];
  let zookeeperConnect: string | undefined;
  if (kraft) {
    // The control plane generates the id once (initialFacts) and stores it; a plan without it would
    // format each node with a different cluster id, so refuse rather than guess.
    clusterId = fleet.clusterFacts?.get(spec.name)?.[KRAFT_CLUSTER_ID_FACT];
    const fact = `facts.${KRAFT_CLUSTER_ID_FACT}`;
    if (clusterId === undefined) throw new PlanError(spec.name, fact, 'KRaft cluster id not yet generated');
    if (!KRAFT_CLUSTER_ID_RE.test(clusterId))
      throw new PlanError(
        spec.name,
        fact,
        `stored KRaft cluster id ${JSON.stringify(clusterId)} is not a 22-character base64url id`,
      );
    voters = nodes
      .filter((r) => r.controllerPort !== undefined)
      .map((r) => ({ id: r.id, address: r.host.address, port: r.controllerPort! }))
      .sort((a, b) => a.id - b.id);
  } else {
    zookeeperConnect = zookeeperConnectFor(spec, fleet);
  }

  const brokerCount = nodes.filter((r) => r.roles.includes('broker')).length;
  const config: Record<string, string> = { ...defaultConfig(brokerCount) };
  for (const [k, v] of Object.entries(spec.settings))
    config[k] = isKafkaPathKey(k) ? normalisePath(String(v)) : String(v);
  const jvmFlags = spec.jvm?.flags ?? [];

  return nodes.map((r) => {
    const base = normalisePath(`${r.host.dataRoot}/kafka/${spec.name}/${r.id}`);
    const { listeners, advertised } = listenersFor(r, r.host.address);
    const inputs: KafkaInputs = {
      cluster: spec.name,
      mode: spec.mode,
      id: r.id,
      roles: r.roles,
      address: r.host.address,
      ...(r.port !== undefined ? { port: r.port } : {}),
      ...(r.controllerPort !== undefined ? { controllerPort: r.controllerPort } : {}),
      listeners,
      ...(advertised ? { advertisedListeners: advertised } : {}),
      ...(zookeeperConnect ? { zookeeperConnect } : {}),
      ...(voters ? { voters } : {}),
      ...(clusterId ? { clusterId } : {}),
      ...(r.rack ? { rack: r.rack } : {}),
      logDirs: r.logDirs,
      confDir: `${base}/conf`,
      logDir: `${base}/logs`,
      ...resolveDistribution(spec.distribution, r.host.dataRoot, 'kafka'),
      config,
      ...(spec.jvm?.heap ? { heap: spec.jvm.heap } : {}),
      jvmFlags,
    };
    return {
      id: instanceIdFor(spec.name, r.id),
      cluster: spec.name,
      kind: 'kafka' as const,
      hostId: r.host.id,
      role: r.roles.join(','),
      runState: 'running' as const,
      inputs,
    };
  });
}

/** Clusters that must be healthy before the first start: the ZooKeeper ensemble in ZooKeeper mode. */
export function kafkaDependencies(spec: KafkaSpec): string[] {
  return spec.mode === 'zookeeper' && spec.zookeeper ? [spec.zookeeper] : [];
}

/** KRaft: the cluster id, generated once by the control plane (`randomId` gives the 22-char format). */
export function kafkaInitialFacts(spec: KafkaSpec, randomId: () => string): Record<string, string> {
  if (spec.mode !== 'kraft') return {};
  const id = randomId();
  if (!KRAFT_CLUSTER_ID_RE.test(id))
    throw new Error(`kafka: generated cluster id ${JSON.stringify(id)} is not a 22-character base64url id`);
  return { [KRAFT_CLUSTER_ID_FACT]: id };
}
