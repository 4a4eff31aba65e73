/**
 * Kafka wire primitives (big-endian). Classic encodings (int16-length strings, int32-count arrays)
 * and the flexible ones (compact strings/arrays, unsigned varints, tagged fields) used by
 * KIP-482 "flexible" versions such as DescribeQuorum. [kafka clients/.../protocol/types/Type.java]
 */
export class Writer {
  private chunks: Buffer[] = [];

  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    return this.push(b);
  }
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.push(b);
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.push(b);
  }
  int64(v: bigint | number): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(v));
    return this.push(b);
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  /** int16 length + UTF-8 bytes; null is length -1. */
  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const b = Buffer.from(v, 'utf8');
    return this.int16(b.length).push(b);
  }
  /** int32 count + items; null is count -1. */
  array<T>(items: readonly T[] | null, each: (w: Writer, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) each(this, item);
    return this;
  }
  uvarint(v: number): this {
    const bytes: number[] = [];
    let n = v >>> 0;
    while ((n & ~0x7f) !== 0) {
      bytes.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    bytes.push(n);
    return this.push(Buffer.from(bytes));
  }
  /** uvarint (length + 1) + bytes; null is 0. */
  compactString(v: string | null): this {
    if (v === null) return this.uvarint(0);
    const b = Buffer.from(v, 'utf8');
    return this.uvarint(b.length + 1).push(b);
  }
  compactArray<T>(items: readonly T[] | null, each: (w: Writer, item: T) => void): this {
    if (items === null) return this.uvarint(0);
    this.uvarint(items.length + 1);
    for (const item of items) each(this, item);
    return this;
  }
  /** An empty tagged-field section. */
  emptyTags(): this {
    return this.uvarint(0);
  }
  bytes(b: Buffer): this {
    return this.push(b);
  }
  build(): Buffer {
    return Buffer.concat(this.chunks);
  }
  private push(b: Buffer): this {
    this.chunks.push(b);
    return this;
  }
}

/** Thrown when a request is shorter than its declared fields. */
export class TruncatedError extends Error {
  constructor() {
    super('request truncated');
  }
}

export class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }
  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  int64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  bool(): boolean {
    return this.int8() !== 0;
  }
  string(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    return this.take(len).toString('utf8');
  }
  array<T>(each: (r: Reader) => T): T[] | null {
    const n = this.int32();
    if (n < 0) return null;
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(each(this));
    return out;
  }
  uvarint(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = this.int8() & 0xff;
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value >>> 0;
      shift += 7;
      if (shift > 28) throw new Error('uvarint too long');
    }
  }
  compactString(): string | null {
    const len = this.uvarint() - 1;
    if (len < 0) return null;
    return this.take(len).toString('utf8');
  }
  compactArray<T>(each: (r: Reader) => T): T[] | null {
    const n = this.uvarint() - 1;
    if (n < 0) return null;
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(each(this));
    return out;
  }
  /** Skips a tagged-field section. */
  skipTags(): void {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      const size = this.uvarint();
      this.take(size);
    }
  }
  take(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new TruncatedError();
  }
}
