import type { ErrorDetail } from '../../errors.js';
import type { IdentityView } from '../types.js';
import type { KafkaSpec } from './spec.js';
import type { KafkaInputs } from './inputs.js';
import { indexPath } from '../member.js';

type View = IdentityView<KafkaSpec, KafkaInputs>;

/** The chroot a ZooKeeper-mode cluster's znodes live under (`/<cluster name>` unless set; plan.ts). */
export function kafkaChroot(spec: KafkaSpec): string {
  return spec.chroot ?? `/${spec.name}`;
}

/**
 * Changes a formed Kafka cluster cannot take by a rolling restart (service-facts §2.2, §2.3, §2.4):
 * - `mode`: ZooKeeper mode → KRaft is a migration (KIP-866), not a config change;
 * - `zookeeper` / `chroot`: the cluster's metadata (topics, partition assignments and the
 *   `/cluster/id` every broker's meta.properties must match) lives under the old chroot of the old
 *   ensemble; the brokers would refuse the new one (InconsistentClusterIdException, KafkaServer), or
 *   start an empty cluster there;
 * - the KRaft controller set: hactl renders a static `controller.quorum.voters`, and a static voter
 *   set cannot change (KAFKA-16538; only KIP-853 dynamic quorums add or remove controllers);
 * - a broker id over log dirs another id used on the same host: each log dir's meta.properties
 *   holds `broker.id`/`node.id`, and Kafka refuses to start with another id over it
 *   (InconsistentBrokerIdException in ZooKeeper mode, "Stored node id … doesn't match" in KRaft).
 * Pure.
 */
export function checkKafkaIdentityChange(before: View, after: View): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const [a, b] = [before.spec, after.spec];
  if (a.mode !== b.mode) {
    problems.push({
      path: 'mode',
      message:
        `cannot change from ${a.mode} to ${b.mode}: the brokers' log dirs and metadata belong to a ${a.mode}-mode cluster, ` +
        `and moving a formed cluster to KRaft is a migration (KIP-866) that hactl does not run; create a new cluster instead`,
    });
    return problems;
  }
  if (a.mode === 'zookeeper') {
    if (a.zookeeper !== b.zookeeper)
      problems.push({
        path: 'zookeeper',
        message:
          `cannot move from ${a.zookeeper ?? '(none)'} to ${b.zookeeper ?? '(none)'}: ` +
          `the cluster's topics, partition assignments and cluster id live in ${a.zookeeper ?? '(none)'} under ${kafkaChroot(a)}, ` +
          `and the brokers' meta.properties hold that cluster id, so they would refuse the new ensemble ` +
          `(InconsistentClusterIdException); copy the metadata or create a new cluster`,
      });
    if (kafkaChroot(a) !== kafkaChroot(b))
      problems.push({
        path: 'chroot',
        message:
          `cannot change from ${kafkaChroot(a)} to ${kafkaChroot(b)}: ` +
          `the cluster's topics, partition assignments and cluster id live under ${kafkaChroot(a)}, ` +
          `and the brokers' meta.properties hold that cluster id, so they would refuse the new chroot (InconsistentClusterIdException)`,
      });
  } else {
    const voters = (v: View) =>
      v.plans
        .filter((p) => p.inputs.roles.includes('controller'))
        .map((p) => p.inputs.id)
        .sort((x, y) => x - y);
    const [va, vb] = [voters(before), voters(after)];
    if (va.join(',') !== vb.join(','))
      problems.push({
        path: 'brokers',
        message:
          `the controller set would change from [${va.join(', ')}] to [${vb.join(', ')}]: ` +
          `hactl renders a static controller.quorum.voters, and a static KRaft quorum cannot change its voters ` +
          `(KAFKA-16538; only a dynamic quorum created on 3.9+ can add or remove controllers)`,
      });
  }
  // A broker id over log dirs another id used on the same host (an id kept on its own dirs, or a
  // new broker on new dirs, is membership: the other change, not this one).
  for (const p of after.plans) {
    for (const old of before.plans) {
      if (old.hostId !== p.hostId || old.inputs.id === p.inputs.id) continue;
      const shared = p.inputs.logDirs.filter((d) => old.inputs.logDirs.includes(d));
      if (shared.length === 0) continue;
      const path = indexPath('brokers', b.brokers, (x) => x.id === p.inputs.id) ?? 'brokers';
      problems.push({
        path: `${path}.id`,
        message:
          `id ${p.inputs.id} over log dirs ${shared.join(', ')}, which broker ${old.inputs.id} (${old.id}) used on this host: ` +
          `their meta.properties hold ${a.mode === 'kraft' ? 'node.id' : 'broker.id'}=${old.inputs.id} and Kafka refuses to start another id over them. ` +
          `Keep id ${old.inputs.id}, or give broker ${p.inputs.id} new logDirs ` +
          `and remove broker ${old.inputs.id} as its own change once its partitions have moved`,
      });
    }
  }
  return problems;
}
