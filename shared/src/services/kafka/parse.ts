import { z } from 'zod';

/** The subset of kafkajs `fetchTopicMetadata()` a health check needs (PartitionMetadata in kafkajs types). */
export interface TopicMetadataLike {
  name: string;
  partitions: readonly {
    partitionId: number;
    leader: number;
    replicas: readonly number[];
    isr: readonly number[];
  }[];
}

export interface PartitionSummary {
  topics: number;
  partitions: number;
  /** Partitions whose ISR is smaller than their replica set (service-facts §2.5). */
  underReplicated: number;
  /** Partitions without a leader (`leader` -1; the ISR may keep the last leader, service-facts §5). */
  offline: number;
}

export function summarisePartitions(topics: readonly TopicMetadataLike[]): PartitionSummary {
  let partitions = 0;
  let underReplicated = 0;
  let offline = 0;
  for (const t of topics) {
    for (const p of t.partitions) {
      partitions++;
      if (p.isr.length < p.replicas.length) underReplicated++;
      if (p.leader < 0) offline++;
    }
  }
  return { topics: topics.length, partitions, underReplicated, offline };
}

/** The subset of kafkajs `describeCluster()` the probe keeps (Cluster metadata in kafkajs types). */
export interface ClusterMetadataLike {
  brokers: readonly { nodeId: number }[];
  controller: number | null;
  clusterId: string;
}

/**
 * Live broker ids (sorted: a real broker lists them in no particular order), Metadata's
 * `controller_id` (the `/controller` broker in ZooKeeper mode; in KRaft a random live broker,
 * service-facts §0.9) and the cluster id.
 */
export function summariseCluster(c: ClusterMetadataLike): {
  brokers: number[];
  controller: number | null;
  clusterId?: string;
} {
  return {
    brokers: c.brokers.map((b) => b.nodeId).sort((a, b) => a - b),
    controller: c.controller,
    ...(c.clusterId ? { clusterId: c.clusterId } : {}),
  };
}

/**
 * `/controller` znode JSON: `{"version":1|2,"brokerid":N,"timestamp":"...",...}` (3.4+ adds
 * `kraftControllerEpoch`, service-facts §0.8, §2.2). Returns the broker id, or throws on garbage.
 */
export function parseControllerZnode(text: string): number {
  const r = z
    .object({ version: z.number().int(), brokerid: z.number().int() })
    .passthrough()
    .safeParse(JSON.parse(text));
  if (!r.success) throw new Error(`unexpected /controller data: ${text.slice(0, 200)}`);
  return r.data.brokerid;
}

/**
 * `/brokers/ids/<id>` registration (version 4/5; key order arbitrary; `timestamp` a string; `rack`
 * only when configured; service-facts §2.2). Returns the advertised endpoints.
 */
export function parseBrokerRegistration(text: string): {
  endpoints: string[];
  rack?: string;
  version: number;
} {
  const r = z
    .object({
      version: z.number().int(),
      endpoints: z.array(z.string()),
      timestamp: z.string(),
      rack: z.string().optional(),
    })
    .passthrough()
    .safeParse(JSON.parse(text));
  if (!r.success) throw new Error(`unexpected broker registration: ${text.slice(0, 200)}`);
  return {
    endpoints: r.data.endpoints,
    version: r.data.version,
    ...(r.data.rack !== undefined ? { rack: r.data.rack } : {}),
  };
}

const ids = z.array(z.number().int().min(-1)).max(10_000);

/** What the agent reports for one Kafka node (the `probe_json` of its status). */
export const kafkaProbeSchema = z
  .object({
    /** The node's own listener answered (kafkajs admin on PLAINTEXT, or DescribeQuorum on CONTROLLER). */
    ok: z.boolean(),
    id: z.number().int().min(0),
    clusterId: z.string().max(100).optional(),
    /** Live broker ids in Metadata. */
    brokers: ids.optional(),
    /** Metadata `controller_id` (null = none). Meaningless in KRaft (a random live broker, service-facts §0.9). */
    controller: z.number().int().nullable().optional(),
    /** ZooKeeper mode: `/brokers/ids/<id>` exists; KRaft: the id is in Metadata's broker list. */
    registered: z.boolean().optional(),
    /** ZooKeeper mode: `/controller` brokerid under the chroot (null = no controller). */
    zkController: z.number().int().nullable().optional(),
    /** ZooKeeper mode: children of `/brokers/ids`. */
    zkBrokers: ids.optional(),
    topics: z.number().int().min(0).optional(),
    partitions: z.number().int().min(0).optional(),
    underReplicated: z.number().int().min(0).optional(),
    offline: z.number().int().min(0).optional(),
    /** KRaft: DescribeQuorum for `__cluster_metadata-0`. */
    quorum: z
      .object({
        leaderId: z.number().int(),
        leaderEpoch: z.number().int(),
        highWatermark: z.number().optional(),
        voters: ids,
        observers: ids,
      })
      .strict()
      .optional(),
    error: z.string().max(1000).optional(),
  })
  .strict();

export type KafkaProbe = z.infer<typeof kafkaProbeSchema>;

export function parseKafkaProbe(raw: unknown): KafkaProbe {
  return kafkaProbeSchema.parse(raw);
}
