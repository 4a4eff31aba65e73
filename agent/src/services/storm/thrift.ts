/**
 * A reader for the one znode payload the supervisor probe needs: `SupervisorInfo`, stored
 * gzip-compressed in Thrift TBinaryProtocol (`storm.meta.serialization.delegate` =
 * GzipThriftSerializationDelegate, service-facts §0.13, §3.2). Field ids follow storm-client's
 * storm.thrift: 1 time_secs i64, 2 hostname string, 3 assignment_id string, 5 meta list<i64>
 * (the slot ports). Pure: the caller gunzips. Unknown fields are skipped, so newer Storm releases
 * that add fields still decode.
 */

const T = {
  STOP: 0,
  BOOL: 2,
  BYTE: 3,
  DOUBLE: 4,
  I16: 6,
  I32: 8,
  I64: 10,
  STRING: 11,
  STRUCT: 12,
  MAP: 13,
  SET: 14,
  LIST: 15,
} as const;
const MAX_DEPTH = 32;
const MAX_ELEMENTS = 100_000;

export class ThriftDecodeError extends Error {
  readonly code = 'THRIFT_DECODE';
  readonly retriable = false;
}

export interface SupervisorInfoFields {
  timeSecs?: number;
  hostname?: string;
  assignmentId?: string;
  /** Slot ports (`meta`). */
  meta?: number[];
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length)
      throw new ThriftDecodeError(`truncated at byte ${this.pos} (need ${n})`);
  }
  i8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }
  i16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  i64(): number {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return Number(v);
  }
  string(): string {
    const len = this.i32();
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
  size(): number {
    const n = this.i32();
    if (n < 0 || n > MAX_ELEMENTS)
      throw new ThriftDecodeError(`bad collection size ${n} at byte ${this.pos - 4}`);
    return n;
  }
  skip(type: number, depth: number): void {
    if (depth > MAX_DEPTH) throw new ThriftDecodeError('nesting too deep');
    switch (type) {
      case T.BOOL:
      case T.BYTE:
        this.need(1);
        this.pos += 1;
        return;
      case T.I16:
        this.need(2);
        this.pos += 2;
        return;
      case T.I32:
        this.need(4);
        this.pos += 4;
        return;
      case T.DOUBLE:
      case T.I64:
        this.need(8);
        this.pos += 8;
        return;
      case T.STRING:
        this.string();
        return;
      case T.STRUCT:
        for (;;) {
          const ft = this.i8();
          if (ft === T.STOP) return;
          this.i16();
          this.skip(ft, depth + 1);
        }
      case T.MAP: {
        const kt = this.i8();
        const vt = this.i8();
        const n = this.size();
        for (let i = 0; i < n; i++) {
          this.skip(kt, depth + 1);
          this.skip(vt, depth + 1);
        }
        return;
      }
      case T.SET:
      case T.LIST: {
        const et = this.i8();
        const n = this.size();
        for (let i = 0; i < n; i++) this.skip(et, depth + 1);
        return;
      }
      default:
        throw new ThriftDecodeError(`unknown field type ${type} at byte ${this.pos}`);
    }
  }
}

/** Decodes the fields of a (gunzipped) SupervisorInfo the probe uses; throws ThriftDecodeError on garbage. */
export function decodeSupervisorInfo(buf: Buffer): SupervisorInfoFields {
  const r = new Reader(buf);
  const out: SupervisorInfoFields = {};
  for (;;) {
    const type = r.i8();
    if (type === T.STOP) break;
    const id = r.i16();
    if (id === 1 && type === T.I64) out.timeSecs = r.i64();
    else if (id === 2 && type === T.STRING) out.hostname = r.string();
    else if (id === 3 && type === T.STRING) out.assignmentId = r.string();
    else if (id === 5 && type === T.LIST) {
      const et = r.i8();
      const n = r.size();
      if (et !== T.I64) {
        for (let i = 0; i < n; i++) r.skip(et, 1);
      } else {
        out.meta = [];
        for (let i = 0; i < n; i++) out.meta.push(r.i64());
      }
    } else r.skip(type, 1);
  }
  if (out.hostname === undefined)
    throw new ThriftDecodeError('SupervisorInfo without the required hostname field');
  return out;
}
