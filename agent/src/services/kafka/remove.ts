import { kafka } from '@hactl/shared';
import { connectKafkaAdmin, type KafkaAdminConnect } from './probe.js';

type Inputs = kafka.KafkaInputs;

/**
 * Before a removed Kafka broker is stopped (issue 10; run by the agent under the broker's lease,
 * sync/lease-remove.ts): asks the cluster, through the broker's own listener, which topics still
 * have partition replicas on it (Metadata for all topics, service-facts §2.6) and refuses the
 * removal, listing them, unless `force` is given (`hactl apply --force-removal`). An empty broker
 * is stopped with the usual controlled shutdown (it leads no partition, so nothing moves).
 * A KRaft controller-only node holds no replicas and passes.
 */
export async function beforeKafkaRemove(
  inputs: Inputs,
  o: { force: boolean; timeoutMs: number },
  connect: KafkaAdminConnect = connectKafkaAdmin,
): Promise<string> {
  if (inputs.port === undefined) return 'controller-only node: holds no partition replicas';
  const admin = await connect(inputs.address, inputs.port, Math.min(o.timeoutMs, 30_000));
  let topics: kafka.TopicMetadataLike[];
  try {
    topics = (await admin.fetchTopicMetadata()).topics;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const held = kafka.findTopicsOnBroker(topics, inputs.id);
  if (held.length === 0) return `broker ${inputs.id} holds no partition replicas`;
  const list = kafka.describeTopicsOnBroker(held);
  if (o.force) return `forced: broker ${inputs.id} still held replicas of ${list}`;
  throw new Error(
    `refused: broker ${inputs.id} still holds partition replicas of ${held.length} topic(s): ${list}. ` +
      'Move them first (kafka-reassign-partitions.sh), or apply again with --force-removal to stop it anyway ' +
      '(its partitions stay under-replicated, and offline where it held the only replica)',
  );
}
