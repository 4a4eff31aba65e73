import net from 'node:net';

/**
 * Kafka wire-protocol primitives for the few requests kafkajs cannot send pinned to one node
 * (DescribeQuorum, Metadata to one chosen broker): a bounds-checked big-endian reader for the
 * classic (int16/int32-length) and flexible (unsigned-varint compact) encodings, and one request /
 * one response frame over a short TCP connection. Layouts: Kafka's clients/src/main/resources/
 * common/message/*.json and the protocol guide (service-facts §2.6).
 */
export class WireReader {
  private off = 0;
  constructor(
    private readonly buf: Buffer,
    /** Named in every error, e.g. `Metadata response`. */
    private readonly what: string,
  ) {}
  private need(n: number): void {
    if (n < 0 || this.off + n > this.buf.length) throw new Error(`${this.what} truncated`);
  }
  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.off++);
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
      if (shift > 28) throw new Error(`${this.what} has a bad varint`);
    }
  }
  skip(n: number): void {
    this.need(n);
    this.off += n;
  }
  /** Flexible versions: a tagged-field section (skipped). */
  tags(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      this.skip(this.uvarint());
    }
  }
  private text(n: number): string {
    this.need(n);
    const s = this.buf.toString('utf8', this.off, this.off + n);
    this.off += n;
    return s;
  }
  /** Classic nullable string: int16 length, -1 = null. */
  nullableString(): string | null {
    const n = this.int16();
    return n < 0 ? null : this.text(n);
  }
  /** Classic string (null is an error). */
  string(): string {
    const s = this.nullableString();
    if (s === null) throw new Error(`${this.what} has a null string where one is required`);
    return s;
  }
  /** Flexible compact string: uvarint length + 1, 0 = null. */
  compactString(): string | null {
    const n = this.uvarint();
    return n === 0 ? null : this.text(n - 1);
  }
  private items<T>(n: number, item: (r: WireReader) => T): T[] {
    if (n > 100_000) throw new Error(`${this.what} array of ${n} entries`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }
  /** Classic array: int32 count, -1 = null (read as empty). */
  array<T>(item: (r: WireReader) => T): T[] {
    return this.items(Math.max(0, this.int32()), item);
  }
  /** Flexible compact array: uvarint count + 1, 0 = null (read as empty). */
  compactArray<T>(item: (r: WireReader) => T): T[] {
    return this.items(Math.max(0, this.uvarint() - 1), item);
  }
}

/** Unsigned varint bytes (flexible versions' lengths and counts). */
export function uvarint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/**
 * A request frame: int32 size, then header v1 (int16 api key, int16 api version, int32 correlation
 * id, int16-length client id) — plus an empty tagged-field section for header v2 (`flexible`) —
 * then `body`.
 */
export function encodeRequest(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  clientId: string,
  flexible: boolean,
  body: Buffer,
): Buffer {
  const cid = Buffer.from(clientId);
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(cid.length, 8);
  const payload = Buffer.concat([header, cid, flexible ? Buffer.from([0]) : Buffer.alloc(0), body]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

/**
 * Sends one request frame to `host:port` on a new connection and resolves with the first response
 * frame (without its size prefix); rejects on timeout, a closed socket or a frame above `maxBytes`.
 * `what` names the request in errors.
 */
export function requestFrame(
  host: string,
  port: number,
  frame: Buffer,
  timeoutMs: number,
  what: string,
  maxBytes = 1024 * 1024,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (err: Error | undefined, res?: Buffer) => {
      if (done) return;
      done = true;
      sock.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    sock.setTimeout(timeoutMs, () =>
      finish(new Error(`${what} to ${host}:${port} timed out after ${timeoutMs} ms`)),
    );
    sock.on('connect', () => sock.write(frame));
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4) return;
      const size = buf.readInt32BE(0);
      if (size < 0 || size > maxBytes) return finish(new Error(`${what} response of ${size} bytes`));
      if (buf.length >= 4 + size) finish(undefined, buf.subarray(4, 4 + size));
    });
    sock.on('error', (err) => finish(err));
    sock.on('close', () => finish(new Error(`${host}:${port} closed the connection (${what} unsupported?)`)));
  });
}
