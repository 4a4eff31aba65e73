import { z } from 'zod';

/**
 * One partition as the cluster's authority records it: its replica assignment, the in-sync replicas
 * and the leader (-1 = none: the partition is offline). In ZooKeeper mode the assignment comes from
 * `/brokers/topics/<t>` and the rest from `/brokers/topics/<t>/partitions/<p>/state`; in KRaft from
 * a broker's Metadata answer (service-facts §2.2, §2.6).
 */
export interface KafkaPartition {
  topic: string;
  partition: number;
  /** Assigned replicas, in assignment order (the first is the preferred leader). */
  replicas: number[];
  /** In-sync replicas. */
  isr: number[];
  /** Leader broker id; -1 when the partition has none (offline). */
  leader: number;
  /** ZooKeeper mode: replicas a reassignment is adding / removing right now (empty otherwise). */
  adding?: number[];
  removing?: number[];
}

/**
 * What a stop or removal decision reads: the partitions of every topic, each topic's effective
 * `min.insync.replicas`, and where the view came from (said in every reason).
 */
export interface KafkaPartitionView {
  /** e.g. `zookeeper /kafka-main`, `metadata of broker 2`. */
  source: string;
  partitions: KafkaPartition[];
  /** Effective `min.insync.replicas` per topic (topic override, else the broker default). */
  minIsr: Readonly<Record<string, number>>;
  /** Registered (ZooKeeper `/brokers/ids`) or unfenced (KRaft Metadata) broker ids. */
  brokers: number[];
}

const ids = z.array(z.number().int().min(-1)).max(10_000);

/**
 * `/brokers/topics/<t>` data: `{"version":3,"partitions":{"0":[1,2,3]},"adding_replicas":{},
 * "removing_replicas":{},"topic_id":"…"}`; versions 1–2 lack the reassignment maps and the id
 * (service-facts §2.2, kafka ZkData.scala TopicZNode). Throws on anything else, naming the topic.
 */
export function parseTopicZnode(
  topic: string,
  text: string,
): { partitions: Map<number, number[]>; adding: Map<number, number[]>; removing: Map<number, number[]> } {
  const map = z.record(z.string().regex(/^\d+$/), ids);
  const r = z
    .object({
      version: z.number().int(),
      partitions: map,
      adding_replicas: map.optional(),
      removing_replicas: map.optional(),
    })
    .passthrough()
    .safeParse(safeJson(text));
  if (!r.success) throw new Error(`unexpected /brokers/topics/${topic} data: ${text.slice(0, 200)}`);
  const toMap = (m: Record<string, number[]> | undefined) =>
    new Map(Object.entries(m ?? {}).map(([p, reps]) => [Number(p), reps]));
  return {
    partitions: toMap(r.data.partitions),
    adding: toMap(r.data.adding_replicas),
    removing: toMap(r.data.removing_replicas),
  };
}

/**
 * `/brokers/topics/<t>/partitions/<p>/state` data: `{"version":1,"leader":1,"leader_epoch":0,
 * "controller_epoch":1,"isr":[1,2,3]}` (3.2+ adds `leader_recovery_state` when not RECOVERED;
 * kafka ZkData.scala TopicPartitionStateZNode). Throws on anything else, naming the partition.
 */
export function parsePartitionStateZnode(
  where: string,
  text: string,
): { leader: number; leaderEpoch: number; controllerEpoch: number; isr: number[] } {
  const r = z
    .object({
      version: z.number().int(),
      leader: z.number().int().min(-1),
      leader_epoch: z.number().int(),
      controller_epoch: z.number().int(),
      isr: ids,
    })
    .passthrough()
    .safeParse(safeJson(text));
  if (!r.success) throw new Error(`unexpected ${where} data: ${text.slice(0, 200)}`);
  return {
    leader: r.data.leader,
    leaderEpoch: r.data.leader_epoch,
    controllerEpoch: r.data.controller_epoch,
    isr: r.data.isr,
  };
}

/**
 * `/config/topics/<t>` or `/config/brokers/<default>` data: `{"version":1,"config":{"k":"v"}}`
 * (kafka ZkData.scala ConfigEntityZNode; values are strings). Returns the config map; throws on
 * anything else, naming the path.
 */
export function parseConfigZnode(where: string, text: string): Record<string, string> {
  const r = z
    .object({ version: z.number().int(), config: z.record(z.string(), z.string()) })
    .passthrough()
    .safeParse(safeJson(text));
  if (!r.success) throw new Error(`unexpected ${where} data: ${text.slice(0, 200)}`);
  return r.data.config;
}

/**
 * A `min.insync.replicas` value as Kafka accepts it (an int ≥ 1, TopicConfig / ServerLogConfigs);
 * throws naming `where` otherwise.
 */
export function parseMinIsr(where: string, value: string): number {
  if (!/^\d{1,4}$/.test(value.trim()) || Number(value) < 1)
    throw new Error(`${where}: min.insync.replicas ${JSON.stringify(value)} is not an integer ≥ 1`);
  return Number(value);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
