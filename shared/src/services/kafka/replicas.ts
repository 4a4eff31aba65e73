import type { TopicMetadataLike } from './parse.js';

/** A topic with partition replicas on one broker, and how many of its partitions. */
export interface TopicOnBroker {
  topic: string;
  partitions: number;
}

/**
 * The topics that still have replicas on broker `id` (from Metadata: every partition's replica
 * list), sorted by name, with their partition counts. A broker that is stopped for good with
 * replicas on it leaves those partitions under-replicated forever (and offline where it held the
 * only replica) until they are reassigned (`kafka-reassign-partitions.sh`), which is why a removal
 * is refused while this is not empty (issue 10). Pure.
 */
export function findTopicsOnBroker(topics: readonly TopicMetadataLike[], id: number): TopicOnBroker[] {
  return topics
    .map((t) => ({ topic: t.name, partitions: t.partitions.filter((p) => p.replicas.includes(id)).length }))
    .filter((t) => t.partitions > 0)
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
}

/** `a (3 partitions), b (1 partition)`. Pure. */
export function describeTopicsOnBroker(topics: readonly TopicOnBroker[]): string {
  return topics
    .map((t) => `${t.topic} (${t.partitions} partition${t.partitions === 1 ? '' : 's'})`)
    .join(', ');
}
