import type { kafka } from '@hactl/shared';
import { encodeRequest, requestFrame, WireReader } from './wire.js';

/**
 * A raw Metadata request (API key 3, v5) for all topics, sent to one chosen broker and answered from
 * that broker's own metadata cache. kafkajs cannot pin a Metadata request to one broker (its admin
 * sends a second Metadata to a random broker of the list, service-facts §2.6), and a view read
 * "from somewhere" cannot be compared across brokers. v5 is non-flexible (header v1 / response
 * header v0), carries `offline_replicas`, and is served by Kafka 3.9 and 4.x (4.0 removed only
 * v0–v3, KIP-896). Layouts: MetadataRequest/Response.json.
 */
export const METADATA_KEY = 3;
export const METADATA_VERSION = 5;

/** One broker's answer: its live brokers, its controller id and its view of every partition. */
export interface BrokerMetadata {
  brokers: { nodeId: number; host: string; port: number; rack: string | null }[];
  clusterId: string | null;
  /** -1 = none. In KRaft a random live broker, not the active controller (service-facts §0.9). */
  controllerId: number;
  topics: {
    errorCode: number;
    name: string;
    internal: boolean;
    partitions: {
      errorCode: number;
      partition: number;
      leader: number;
      replicas: number[];
      isr: number[];
      offline: number[];
    }[];
  }[];
}

/** The whole request frame (size prefix included): null topics = all, no auto-creation. */
export function encodeMetadataRequest(correlationId: number, clientId = 'hactl-agent'): Buffer {
  const body = Buffer.alloc(5);
  body.writeInt32BE(-1, 0);
  body.writeInt8(0, 4);
  return encodeRequest(METADATA_KEY, METADATA_VERSION, correlationId, clientId, false, body);
}

/** Parses a v5 response frame without its size prefix; throws on a truncated or oversized frame. */
export function decodeMetadataResponse(frame: Buffer): { correlationId: number; metadata: BrokerMetadata } {
  const r = new WireReader(frame, 'Metadata response');
  const correlationId = r.int32();
  r.int32(); // throttle_time_ms
  const brokers = r.array((b) => ({
    nodeId: b.int32(),
    host: b.string(),
    port: b.int32(),
    rack: b.nullableString(),
  }));
  const clusterId = r.nullableString();
  const controllerId = r.int32();
  const int32s = (x: WireReader) => x.array((y) => y.int32());
  const topics = r.array((t) => ({
    errorCode: t.int16(),
    name: t.string(),
    internal: t.int8() !== 0,
    partitions: t.array((p) => ({
      errorCode: p.int16(),
      partition: p.int32(),
      leader: p.int32(),
      replicas: int32s(p),
      isr: int32s(p),
      offline: int32s(p),
    })),
  }));
  return { correlationId, metadata: { brokers, clusterId, controllerId, topics } };
}

/** Metadata frames can be large on big clusters; a bound still keeps a bad size from eating memory. */
const MAX_METADATA_BYTES = 64 * 1024 * 1024;

/** Sends one Metadata v5 request to `host:port` and returns the raw response frame (for testdata). */
export function metadataFrame(
  host: string,
  port: number,
  timeoutMs: number,
  correlationId = 1,
): Promise<Buffer> {
  return requestFrame(
    host,
    port,
    encodeMetadataRequest(correlationId),
    timeoutMs,
    'Metadata',
    MAX_METADATA_BYTES,
  );
}

/** One broker's Metadata, decoded; rejects on timeout, a closed socket or a bad frame. */
export async function fetchBrokerMetadata(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<BrokerMetadata> {
  const { correlationId, metadata } = decodeMetadataResponse(await metadataFrame(host, port, timeoutMs));
  if (correlationId !== 1) throw new Error(`Metadata correlation id ${correlationId}, expected 1`);
  return metadata;
}

/**
 * Pure: one broker's Metadata as a partition view. Topics and partitions that answer with an error
 * (e.g. UNKNOWN_TOPIC_OR_PARTITION while a new topic reaches this broker, LEADER_NOT_AVAILABLE)
 * still carry their assignment; a partition error keeps it but with its leader as the broker gave it.
 */
export function metadataPartitionView(
  source: string,
  md: BrokerMetadata,
  minIsr: Readonly<Record<string, number>>,
): kafka.KafkaPartitionView {
  return {
    source,
    brokers: md.brokers.map((b) => b.nodeId).sort((a, b) => a - b),
    minIsr,
    partitions: md.topics
      .flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partition,
          replicas: p.replicas,
          isr: p.isr,
          leader: p.leader,
        })),
      )
      // A broker lists topics and partitions in no particular order; sorted, views compare.
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1)),
  };
}
