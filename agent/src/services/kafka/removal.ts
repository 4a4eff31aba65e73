import { HactlError, kafka as shared, type kafka } from '@hactl/shared';
import type { RemovalOptions, RemovalReport } from '../types.js';
import { errorText, pollUntil, type PollDeps } from '../poll.js';
import { ZkSession } from '../zk-session.js';
import { readKafkaPartitionViews, type PartitionReadDeps } from './partitions.js';
import { splitZookeeperConnect } from './zk-connect.js';
import { unregisterBroker } from './unregister.js';

type Inputs = kafka.KafkaInputs;

/**
 * Thrown by `beforeKafkaRemoval` when the broker still holds partition replicas and the removal is
 * not forced: stopping it for good would leave those partitions short of a replica forever. Not
 * retriable (code `conflict`): it takes a reassignment (kafka-reassign-partitions.sh) off the broker
 * first. `replicas` holds the topics and partition counts.
 */
export class KafkaBrokerHoldsReplicasError extends HactlError {
  constructor(readonly replicas: kafka.BrokerReplicas) {
    super(
      'conflict',
      `broker ${replicas.brokerId} still holds ${replicas.replicas} partition replica(s) (${replicas.source}): ` +
        replicas.topics.map((t) => `${t.topic} (${t.partitions})`).join(', ') +
        '; move them off with kafka-reassign-partitions.sh first, or force the removal',
    );
  }
}

export interface KafkaRemovalDeps extends PartitionReadDeps, PollDeps {
  unregister?: typeof unregisterBroker;
}

/**
 * Which topics broker `inputs.id` still holds replicas of, and how many partitions of each
 * (`summariseBrokerReplicas`), from the authority (partitions.ts): the assignments in ZooKeeper
 * (`/brokers/topics/<t>`, reassignment targets included) in ZooKeeper mode; in KRaft the Metadata
 * of every unfenced broker, reached through the broker itself or, when it does not answer (already
 * stopped), through `peers`; the view that lists the most replicas wins. Rejects when no view can
 * be read.
 */
export async function readKafkaBrokerReplicas(
  inputs: Inputs,
  opts: Pick<RemovalOptions, 'timeoutMs' | 'peers'>,
  deps: PartitionReadDeps = {},
): Promise<kafka.BrokerReplicas> {
  const views = await readKafkaPartitionViews(inputs, opts.timeoutMs, {
    ...deps,
    ...(opts.peers ? { bootstrap: opts.peers } : {}),
  });
  const each = views.map((v) => shared.summariseBrokerReplicas(v, inputs.id));
  return each.reduce((a, b) => (b.replicas > a.replicas ? b : a));
}

/**
 * Before broker `inputs.id` leaves the cluster for good (AgentServiceKind.beforeRemoval): refuses
 * with `KafkaBrokerHoldsReplicasError` (listing the topics) while it holds any replica, unless
 * `opts.force`. A controller-only KRaft node holds none. Idempotent; changes nothing in Kafka.
 */
export async function beforeKafkaRemoval(
  inputs: Inputs,
  opts: RemovalOptions,
  deps: KafkaRemovalDeps = {},
): Promise<RemovalReport> {
  if (!shared.hasRole(inputs, 'broker'))
    return { actions: [`node ${inputs.id} is controller-only: it holds no partition replicas`] };
  const held = await readKafkaBrokerReplicas(inputs, opts, deps);
  if (held.replicas === 0)
    return { actions: [`broker ${inputs.id} holds no partition replica (${held.source})`] };
  if (!opts.force) throw new KafkaBrokerHoldsReplicasError(held);
  return {
    actions: [
      `forced: broker ${inputs.id} still holds ${held.replicas} replica(s) (${held.topics
        .map((t) => `${t.topic} (${t.partitions})`)
        .join(', ')}); those partitions stay one replica short until reassigned`,
    ],
  };
}

/**
 * After the removed broker stopped (AgentServiceKind.afterRemoval):
 * - ZooKeeper mode: waits until its ephemeral `/brokers/ids/<id>` is gone (its session closed, so
 *   the controller has processed its departure); nothing else to clean;
 * - KRaft: unregisters it (UnregisterBroker, as `kafka-cluster.sh unregister --id N`) through the
 *   first of `opts.peers` that answers; a controller-only node has no broker registration.
 * Throws when the registration does not go within `opts.timeoutMs` or no peer answers.
 */
export async function afterKafkaRemoval(
  inputs: Inputs,
  opts: RemovalOptions,
  deps: KafkaRemovalDeps = {},
): Promise<RemovalReport> {
  if (!shared.hasRole(inputs, 'broker'))
    return { actions: [`node ${inputs.id} is controller-only: no broker registration to remove`] };
  if (inputs.mode === 'zookeeper') {
    const { servers, chroot } = splitZookeeperConnect(inputs.zookeeperConnect ?? '');
    const path = `${chroot}/brokers/ids/${inputs.id}`;
    const session = new ZkSession(deps.zk);
    try {
      // undefined: gone; null: could not be read (counts as not gone yet).
      const { result } = await pollUntil(
        opts.timeoutMs,
        () => session.run(servers, Math.min(opts.timeoutMs, 10_000), (zk) => zk.data(path)).catch(() => null),
        (reg) => reg === undefined,
        deps,
      );
      if (result !== undefined)
        throw new Error(
          `${path} ${result === null ? 'could not be read' : 'still exists'} ${opts.timeoutMs} ms after broker ${inputs.id} was removed`,
        );
      return { actions: [`${path} is gone: broker ${inputs.id} has left`] };
    } finally {
      await session.close();
    }
  }
  const unregister = deps.unregister ?? unregisterBroker;
  const errors: string[] = [];
  for (const p of opts.peers ?? []) {
    try {
      const r = await unregister(p.address, p.port, inputs.id, Math.min(opts.timeoutMs, 10_000));
      return {
        actions: [
          r === 'unregistered'
            ? `broker ${inputs.id} unregistered through ${p.address}:${p.port}`
            : `broker ${inputs.id} was not registered (any more)`,
        ],
      };
    } catch (err) {
      errors.push(`${p.address}:${p.port}: ${errorText(err)}`);
    }
  }
  throw new Error(
    `could not unregister broker ${inputs.id}: ${errors.length ? errors.join('; ') : 'no peers given'}`,
  );
}
