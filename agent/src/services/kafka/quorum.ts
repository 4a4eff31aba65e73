import { encodeRequest, requestFrame, uvarint, WireReader } from './wire.js';
import type { KafkaWireConnection } from './wire-connection.js';

/**
 * A raw DescribeQuorum request (API key 55, v1, flexible) for `__cluster_metadata-0`: kafkajs has no
 * API for it. Layouts from Kafka's DescribeQuorumRequest/Response.json (v0–v1; flexible from v0):
 * request header v2 (int16 key, int16 version, int32 correlation id, int16-length client id, tagged
 * fields), response header v1 (correlation id, tagged fields). Kafka 4.1.1 serves v0–v2 on broker and
 * controller listeners (ApiVersions); v1 is enough (v2 adds directory ids and voter endpoints).
 */
export const DESCRIBE_QUORUM_KEY = 55;
export const DESCRIBE_QUORUM_VERSION = 1;
export const NOT_LEADER_OR_FOLLOWER = 6;

export interface QuorumInfo {
  errorCode: number;
  leaderId: number;
  leaderEpoch: number;
  highWatermark: number;
  voters: { id: number; logEndOffset: number }[];
  observers: { id: number; logEndOffset: number }[];
}

/** The whole request frame, size prefix included. */
export function encodeDescribeQuorumRequest(correlationId: number, clientId = 'hactl-agent'): Buffer {
  const topic = Buffer.from('__cluster_metadata');
  const partition = Buffer.alloc(4); // partition index 0
  const body = Buffer.concat([
    Buffer.from(uvarint(2)),
    Buffer.from(uvarint(topic.length + 1)),
    topic, // topics: 1 entry, compact string
    Buffer.from(uvarint(2)),
    partition,
    Buffer.from([0]), // partitions: 1 entry + its tags
    Buffer.from([0]), // topic tags
    Buffer.from([0]), // body tags
  ]);
  return encodeRequest(DESCRIBE_QUORUM_KEY, DESCRIBE_QUORUM_VERSION, correlationId, clientId, true, body);
}

/** Parses a response frame without its size prefix: correlation id, header tags, body (v0 or v1). */
export function decodeDescribeQuorumResponse(
  frame: Buffer,
  version = DESCRIBE_QUORUM_VERSION,
): { correlationId: number; quorum: QuorumInfo } {
  const r = new WireReader(frame, 'DescribeQuorum response');
  const correlationId = r.int32();
  r.tags();
  const topError = r.int16();
  const replica = (x: WireReader) => {
    const id = x.int32();
    const logEndOffset = x.int64();
    if (version >= 1) {
      x.int64();
      x.int64();
    }
    x.tags();
    return { id, logEndOffset };
  };
  const topics = r.compactArray((t) => {
    const name = t.compactString();
    const partitions = t.compactArray((p) => {
      p.int32();
      const errorCode = p.int16();
      const leaderId = p.int32();
      const leaderEpoch = p.int32();
      const highWatermark = p.int64();
      const voters = p.compactArray(replica);
      const observers = p.compactArray(replica);
      p.tags();
      return { errorCode, leaderId, leaderEpoch, highWatermark, voters, observers };
    });
    t.tags();
    return { name, partitions };
  });
  const part = topics[0]?.partitions[0];
  if (topError !== 0 || !part || part.errorCode !== 0) {
    // An error answer carries no quorum state: a real follower controller (Kafka 4.1.1) answers
    // NOT_LEADER_OR_FOLLOWER with leader id, epoch and high watermark left at their schema default
    // 0, and 0 is a valid node id, so none of them may be read as data.
    const errorCode = topError || (part?.errorCode ?? -1);
    return {
      correlationId,
      quorum: { errorCode, leaderId: -1, leaderEpoch: -1, highWatermark: -1, voters: [], observers: [] },
    };
  }
  return { correlationId, quorum: part };
}

/**
 * Sends one DescribeQuorum request and reads one response frame (without its size prefix); rejects
 * on timeout or a closed socket. Kept apart from decoding so raw answers can be recorded as testdata.
 */
export function describeQuorumFrame(
  host: string,
  port: number,
  timeoutMs: number,
  correlationId = 1,
): Promise<Buffer> {
  return requestFrame(host, port, encodeDescribeQuorumRequest(correlationId), timeoutMs, 'DescribeQuorum');
}

/**
 * One DescribeQuorum round trip on a kept connection (the node's own listener, every probe),
 * decoded; rejects as KafkaWireConnection.request, or on a frame that does not decode.
 */
export async function describeQuorumOn(conn: KafkaWireConnection, timeoutMs: number): Promise<QuorumInfo> {
  const frame = await conn.request((id) => encodeDescribeQuorumRequest(id), timeoutMs, 'DescribeQuorum');
  return decodeDescribeQuorumResponse(frame).quorum;
}

/** One DescribeQuorum round trip on a new connection, decoded; rejects on timeout, a closed socket or a bad frame. */
export async function describeQuorum(host: string, port: number, timeoutMs: number): Promise<QuorumInfo> {
  const correlationId = 1;
  const { correlationId: got, quorum } = decodeDescribeQuorumResponse(
    await describeQuorumFrame(host, port, timeoutMs, correlationId),
  );
  if (got !== correlationId)
    throw new Error(`DescribeQuorum correlation id ${got}, expected ${correlationId}`);
  return quorum;
}
