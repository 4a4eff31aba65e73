import { Reader, Writer } from './wire.js';
import { ErrorCode, type ApiRange } from './api.js';

/** Request header v1 (v2 adds tagged fields for flexible versions). */
export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
}

export function parseRequestHeader(r: Reader, flexible: (apiKey: number, version: number) => boolean): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = r.string();
  if (flexible(apiKey, apiVersion)) r.skipTags();
  return { apiKey, apiVersion, correlationId, clientId };
}

/** Response header v0 is the correlation id; v1 (flexible responses) adds empty tagged fields. */
export function frameResponse(correlationId: number, body: Buffer, flexibleHeader: boolean): Buffer {
  const header = new Writer().int32(correlationId);
  if (flexibleHeader) header.emptyTags();
  const payload = Buffer.concat([header.build(), body]);
  return Buffer.concat([new Writer().int32(payload.length).build(), payload]);
}

/**
 * ApiVersions response. v0: error, [key,min,max]; v1+ append throttle_time_ms. A request above the
 * supported max is answered in the v0 layout with UNSUPPORTED_VERSION, as a real broker does, so the
 * client can retry lower. [kafka ApiVersionsResponse; kjs apiVersions/v0/response.js]
 */
export function encodeApiVersionsResponse(version: number, apis: readonly ApiRange[], errorCode: number): Buffer {
  const w = new Writer().int16(errorCode).array(apis, (w2, a) => w2.int16(a.apiKey).int16(a.min).int16(a.max));
  if (version >= 1 && errorCode === ErrorCode.NONE) w.int32(0);
  return w.build();
}

export interface MetadataRequest {
  /** null = all topics. */
  readonly topics: string[] | null;
  readonly allowAutoTopicCreation: boolean;
}

/** v0: non-null array, empty = all; v1+: nullable array, null = all; v4+ adds allow_auto_topic_creation. */
export function parseMetadataRequest(version: number, r: Reader): MetadataRequest {
  const topics = r.array((x) => x.string() ?? '');
  const allow = version >= 4 ? r.bool() : true;
  if (version === 0 && topics !== null && topics.length === 0) return { topics: null, allowAutoTopicCreation: allow };
  return { topics, allowAutoTopicCreation: allow };
}

export interface MetadataBroker {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface MetadataPartition {
  readonly errorCode: number;
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly offlineReplicas: readonly number[];
}

export interface MetadataTopic {
  readonly errorCode: number;
  readonly name: string;
  readonly isInternal: boolean;
  readonly partitions: readonly MetadataPartition[];
}

export interface MetadataResponse {
  readonly brokers: readonly MetadataBroker[];
  readonly clusterId: string | null;
  readonly controllerId: number;
  readonly topics: readonly MetadataTopic[];
}

/**
 * Metadata response v0–v8. v1 adds rack, controller_id, is_internal; v2 cluster_id; v3 leading
 * throttle_time_ms; v5 offline_replicas; v7 leader_epoch; v8 authorized-operations ints.
 * [kafka MetadataResponse.json; service-facts 2.6]
 */
export function encodeMetadataResponse(version: number, m: MetadataResponse): Buffer {
  const w = new Writer();
  if (version >= 3) w.int32(0);
  w.array(m.brokers, (b, broker) => {
    b.int32(broker.nodeId).string(broker.host).int32(broker.port);
    if (version >= 1) b.string(broker.rack);
  });
  if (version >= 2) w.string(m.clusterId);
  if (version >= 1) w.int32(m.controllerId);
  w.array(m.topics, (t, topic) => {
    t.int16(topic.errorCode).string(topic.name);
    if (version >= 1) t.bool(topic.isInternal);
    t.array(topic.partitions, (p, part) => {
      p.int16(part.errorCode).int32(part.partition).int32(part.leader);
      if (version >= 7) p.int32(part.leaderEpoch);
      p.array(part.replicas, (x, id) => x.int32(id));
      p.array(part.isr, (x, id) => x.int32(id));
      if (version >= 5) p.array(part.offlineReplicas, (x, id) => x.int32(id));
    });
    if (version >= 8) t.int32(-2147483648);
  });
  if (version >= 8) w.int32(-2147483648);
  return w.build();
}

export interface ControlledShutdownResponse {
  readonly errorCode: number;
  readonly remaining: readonly { topic: string; partition: number }[];
}

export function encodeControlledShutdownResponse(res: ControlledShutdownResponse): Buffer {
  return new Writer()
    .int16(res.errorCode)
    .array(res.remaining, (w, p) => w.string(p.topic).int32(p.partition))
    .build();
}

export function decodeControlledShutdownResponse(body: Buffer): ControlledShutdownResponse {
  const r = new Reader(body);
  const errorCode = r.int16();
  const remaining = r.array((x) => ({ topic: x.string() ?? '', partition: x.int32() })) ?? [];
  return { errorCode, remaining };
}

export interface QuorumReplica {
  readonly replicaId: number;
  readonly logEndOffset: bigint;
  readonly lastFetchTimestamp: bigint;
  readonly lastCaughtUpTimestamp: bigint;
}

export interface DescribeQuorumResponse {
  readonly errorCode: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly highWatermark: bigint;
  readonly voters: readonly QuorumReplica[];
  readonly observers: readonly QuorumReplica[];
}

/** DescribeQuorum v0–v1 (always flexible) for `__cluster_metadata-0`. [kafka DescribeQuorumResponse.json] */
export function encodeDescribeQuorumResponse(version: number, q: DescribeQuorumResponse): Buffer {
  const replica = (w: Writer, r: QuorumReplica): void => {
    w.int32(r.replicaId).int64(r.logEndOffset);
    if (version >= 1) w.int64(r.lastFetchTimestamp).int64(r.lastCaughtUpTimestamp);
    w.emptyTags();
  };
  return new Writer()
    .int16(ErrorCode.NONE)
    .compactArray([0], (w) => {
      w.compactString('__cluster_metadata').compactArray([0], (pw) => {
        pw.int32(0).int16(q.errorCode).int32(q.leaderId).int32(q.leaderEpoch).int64(q.highWatermark);
        pw.compactArray(q.voters, replica).compactArray(q.observers, replica).emptyTags();
      });
      w.emptyTags();
    })
    .emptyTags()
    .build();
}

export function decodeDescribeQuorumResponse(version: number, body: Buffer): DescribeQuorumResponse & { topic: string } {
  const r = new Reader(body);
  const topErr = r.int16();
  const readReplica = (x: Reader): QuorumReplica => {
    const replicaId = x.int32();
    const logEndOffset = x.int64();
    const lastFetchTimestamp = version >= 1 ? x.int64() : -1n;
    const lastCaughtUpTimestamp = version >= 1 ? x.int64() : -1n;
    x.skipTags();
    return { replicaId, logEndOffset, lastFetchTimestamp, lastCaughtUpTimestamp };
  };
  const topics =
    r.compactArray((t) => {
      const topic = t.compactString() ?? '';
      const parts =
        t.compactArray((p) => {
          p.int32();
          const errorCode = p.int16();
          const leaderId = p.int32();
          const leaderEpoch = p.int32();
          const highWatermark = p.int64();
          const voters = p.compactArray(readReplica) ?? [];
          const observers = p.compactArray(readReplica) ?? [];
          p.skipTags();
          return { errorCode, leaderId, leaderEpoch, highWatermark, voters, observers };
        }) ?? [];
      t.skipTags();
      return { topic, parts };
    }) ?? [];
  const first = topics[0];
  const part = first?.parts[0];
  if (!first || !part) throw new Error(`DescribeQuorum response without partitions (error ${topErr})`);
  return { topic: first.topic, ...part, errorCode: topErr || part.errorCode };
}

export function encodeDescribeQuorumRequest(): Buffer {
  return new Writer()
    .compactArray(['__cluster_metadata'], (w, t) => {
      w.compactString(t).compactArray([0], (pw, p) => pw.int32(p).emptyTags());
      w.emptyTags();
    })
    .emptyTags()
    .build();
}
