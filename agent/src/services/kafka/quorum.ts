import net from 'node:net';

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

function uvarint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** The whole request frame, size prefix included. */
export function encodeDescribeQuorumRequest(correlationId: number, clientId = 'hactl-agent'): Buffer {
  const cid = Buffer.from(clientId);
  const topic = Buffer.from('__cluster_metadata');
  const header = Buffer.alloc(10);
  header.writeInt16BE(DESCRIBE_QUORUM_KEY, 0);
  header.writeInt16BE(DESCRIBE_QUORUM_VERSION, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(cid.length, 8);
  const partition = Buffer.alloc(4); // partition index 0
  const payload = Buffer.concat([
    header,
    cid,
    Buffer.from([0]), // header tagged fields
    Buffer.from(uvarint(2)),
    Buffer.from(uvarint(topic.length + 1)),
    topic, // topics: 1 entry, compact string
    Buffer.from(uvarint(2)),
    partition,
    Buffer.from([0]), // partitions: 1 entry + its tags
    Buffer.from([0]), // topic tags
    Buffer.from([0]), // body tags
  ]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

class Reader {
  private off = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (this.off + n > this.buf.length) throw new Error('DescribeQuorum response truncated');
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.off);
    this.off += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.off);
    this.off += 4;
    return v;
  }
  int64(): number {
    this.need(8);
    const v = Number(this.buf.readBigInt64BE(this.off));
    this.off += 8;
    return v;
  }
  uvarint(): number {
    let n = 0;
    let shift = 0;
    for (;;) {
      this.need(1);
      const b = this.buf[this.off++]!;
      n += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return n;
      shift += 7;
      if (shift > 28) throw new Error('DescribeQuorum response has a bad varint');
    }
  }
  skip(n: number): void {
    this.need(n);
    this.off += n;
  }
  tags(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      this.skip(this.uvarint());
    }
  }
  compactString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    this.need(n - 1);
    const s = this.buf.toString('utf8', this.off, this.off + n - 1);
    this.off += n - 1;
    return s;
  }
  compactArray<T>(item: (r: Reader) => T): T[] {
    const n = this.uvarint();
    if (n === 0) return [];
    if (n - 1 > 100_000) throw new Error('DescribeQuorum response array too large');
    const out: T[] = [];
    for (let i = 0; i < n - 1; i++) out.push(item(this));
    return out;
  }
}

/** Parses a response frame without its size prefix: correlation id, header tags, body (v0 or v1). */
export function decodeDescribeQuorumResponse(
  frame: Buffer,
  version = DESCRIBE_QUORUM_VERSION,
): { correlationId: number; quorum: QuorumInfo } {
  const r = new Reader(frame);
  const correlationId = r.int32();
  r.tags();
  const topError = r.int16();
  const replica = (x: Reader) => {
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
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (err: Error | undefined, frame?: Buffer) => {
      if (done) return;
      done = true;
      sock.destroy();
      if (err) reject(err);
      else resolve(frame!);
    };
    sock.setTimeout(timeoutMs, () =>
      finish(new Error(`DescribeQuorum to ${host}:${port} timed out after ${timeoutMs} ms`)),
    );
    sock.on('connect', () => sock.write(encodeDescribeQuorumRequest(correlationId)));
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4) return;
      const size = buf.readInt32BE(0);
      if (size < 0 || size > 1024 * 1024)
        return finish(new Error(`DescribeQuorum response of ${size} bytes`));
      if (buf.length >= 4 + size) finish(undefined, buf.subarray(4, 4 + size));
    });
    sock.on('error', (err) => finish(err));
    sock.on('close', () =>
      finish(new Error(`${host}:${port} closed the connection (DescribeQuorum unsupported?)`)),
    );
  });
}

/** One DescribeQuorum round trip, decoded; rejects on timeout, a closed socket or a bad frame. */
export async function describeQuorum(host: string, port: number, timeoutMs: number): Promise<QuorumInfo> {
  const correlationId = 1;
  const { correlationId: got, quorum } = decodeDescribeQuorumResponse(
    await describeQuorumFrame(host, port, timeoutMs, correlationId),
  );
  if (got !== correlationId)
    throw new Error(`DescribeQuorum correlation id ${got}, expected ${correlationId}`);
  return quorum;
}
