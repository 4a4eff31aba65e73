/**
 * Minimal Apache Thrift TBinaryProtocol codec, schema-driven.
 *
 * Storm stores its ZooKeeper data as `gzip(new TSerializer().serialize(obj))` (TBinaryProtocol,
 * service-facts surprise 13) and its daemons speak the same protocol over TFramedTransport.
 * Field order on the wire follows the schema order (the generated Java code writes fields in
 * declaration order and omits unset optional fields). Unknown fields are skipped when reading, as
 * generated Thrift code does, so newer Storm structs still decode.
 */

export const TType = {
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

export type Spec =
  | 'bool'
  | 'byte'
  | 'double'
  | 'i16'
  | 'i32'
  | 'i64'
  | 'string'
  | 'binary'
  | { struct: StructSchema }
  | { list: Spec }
  | { set: Spec }
  | { map: readonly [Spec, Spec] };

export interface FieldSchema {
  readonly id: number;
  readonly name: string;
  readonly spec: Spec;
  /** Required fields are always written; a missing required value is an encoding error. */
  readonly required?: boolean;
}

export type StructSchema = readonly FieldSchema[];

/** A decoded struct: field name → value. Maps decode to `Map`, lists and sets to arrays. */
export type ThriftStruct = Record<string, unknown>;

export class ThriftEncodingError extends Error {
  readonly code = 'THRIFT_ENCODING';
  readonly retriable = false;
}

function ttypeOf(spec: Spec): number {
  if (typeof spec === 'string') {
    switch (spec) {
      case 'bool':
        return TType.BOOL;
      case 'byte':
        return TType.BYTE;
      case 'double':
        return TType.DOUBLE;
      case 'i16':
        return TType.I16;
      case 'i32':
        return TType.I32;
      case 'i64':
        return TType.I64;
      case 'string':
      case 'binary':
        return TType.STRING;
    }
  }
  if ('struct' in spec) return TType.STRUCT;
  if ('list' in spec) return TType.LIST;
  if ('set' in spec) return TType.SET;
  return TType.MAP;
}

/** Growable big-endian byte writer. */
export class ByteWriter {
  private buf = Buffer.alloc(256);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  byte(v: number): void {
    this.ensure(1);
    this.buf.writeInt8(v, this.len);
    this.len += 1;
  }
  i16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.len);
    this.len += 2;
  }
  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v | 0, this.len);
    this.len += 4;
  }
  i64(v: number | bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(BigInt(typeof v === 'number' ? Math.trunc(v) : v), this.len);
    this.len += 8;
  }
  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.len);
    this.len += 8;
  }
  bytes(b: Buffer): void {
    this.i32(b.length);
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }
  string(s: string): void {
    this.bytes(Buffer.from(s, 'utf8'));
  }
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

export class ByteReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length)
      throw new ThriftEncodingError(`truncated thrift data at byte ${this.pos}`);
  }
  get offset(): number {
    return this.pos;
  }
  byte(): number {
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
  double(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(): Buffer {
    const n = this.i32();
    if (n < 0) throw new ThriftEncodingError(`negative length ${n}`);
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return Buffer.from(b);
  }
  string(): string {
    return this.bytes().toString('utf8');
  }
}

function writeValue(w: ByteWriter, spec: Spec, value: unknown, where: string): void {
  if (typeof spec === 'string') {
    switch (spec) {
      case 'bool':
        w.byte(value ? 1 : 0);
        return;
      case 'byte':
        w.byte(Number(value));
        return;
      case 'double':
        w.double(Number(value));
        return;
      case 'i16':
        w.i16(Number(value));
        return;
      case 'i32':
        w.i32(Number(value));
        return;
      case 'i64':
        w.i64(typeof value === 'bigint' ? value : Number(value));
        return;
      case 'string':
        w.string(String(value));
        return;
      case 'binary':
        w.bytes(Buffer.isBuffer(value) ? value : Buffer.from(String(value)));
        return;
    }
  }
  if ('struct' in spec) {
    writeStruct(w, spec.struct, value as ThriftStruct, where);
    return;
  }
  if ('list' in spec || 'set' in spec) {
    const elem = 'list' in spec ? spec.list : spec.set;
    const items = [...(value as Iterable<unknown>)];
    w.byte(ttypeOf(elem));
    w.i32(items.length);
    items.forEach((item, i) => writeValue(w, elem, item, `${where}[${i}]`));
    return;
  }
  const [ks, vs] = spec.map;
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as object);
  w.byte(ttypeOf(ks));
  w.byte(ttypeOf(vs));
  w.i32(entries.length);
  for (const [k, v] of entries) {
    writeValue(w, ks, k, `${where}.key`);
    writeValue(w, vs, v, `${where}[${String(k)}]`);
  }
}

export function writeStruct(w: ByteWriter, schema: StructSchema, obj: ThriftStruct, where = 'struct'): void {
  for (const f of schema) {
    const v = obj[f.name];
    if (v === undefined || v === null) {
      if (f.required) throw new ThriftEncodingError(`required field '${f.name}' is unset in ${where}`);
      continue;
    }
    w.byte(ttypeOf(f.spec));
    w.i16(f.id);
    writeValue(w, f.spec, v, `${where}.${f.name}`);
  }
  w.byte(TType.STOP);
}

function skip(r: ByteReader, type: number): void {
  switch (type) {
    case TType.BOOL:
    case TType.BYTE:
      r.byte();
      return;
    case TType.DOUBLE:
    case TType.I64:
      r.i64();
      return;
    case TType.I16:
      r.i16();
      return;
    case TType.I32:
      r.i32();
      return;
    case TType.STRING:
      r.bytes();
      return;
    case TType.STRUCT:
      for (;;) {
        const t = r.byte();
        if (t === TType.STOP) return;
        r.i16();
        skip(r, t);
      }
    case TType.MAP: {
      const kt = r.byte();
      const vt = r.byte();
      const n = r.i32();
      for (let i = 0; i < n; i++) {
        skip(r, kt);
        skip(r, vt);
      }
      return;
    }
    case TType.SET:
    case TType.LIST: {
      const et = r.byte();
      const n = r.i32();
      for (let i = 0; i < n; i++) skip(r, et);
      return;
    }
    default:
      throw new ThriftEncodingError(`unknown thrift type ${type}`);
  }
}

function readValue(r: ByteReader, spec: Spec): unknown {
  if (typeof spec === 'string') {
    switch (spec) {
      case 'bool':
        return r.byte() !== 0;
      case 'byte':
        return r.byte();
      case 'double':
        return r.double();
      case 'i16':
        return r.i16();
      case 'i32':
        return r.i32();
      case 'i64':
        return r.i64();
      case 'string':
        return r.string();
      case 'binary':
        return r.bytes();
    }
  }
  if ('struct' in spec) return readStruct(r, spec.struct);
  if ('list' in spec || 'set' in spec) {
    const elem = 'list' in spec ? spec.list : spec.set;
    r.byte();
    const n = r.i32();
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(readValue(r, elem));
    return out;
  }
  const [ks, vs] = spec.map;
  r.byte();
  r.byte();
  const n = r.i32();
  const out = new Map<unknown, unknown>();
  for (let i = 0; i < n; i++) {
    const k = readValue(r, ks);
    out.set(k, readValue(r, vs));
  }
  return out;
}

export function readStruct(r: ByteReader, schema: StructSchema): ThriftStruct {
  const out: ThriftStruct = {};
  for (;;) {
    const type = r.byte();
    if (type === TType.STOP) break;
    const id = r.i16();
    const field = schema.find((f) => f.id === id);
    if (!field || ttypeOf(field.spec) !== type) {
      skip(r, type);
      continue;
    }
    out[field.name] = readValue(r, field.spec);
  }
  for (const f of schema) {
    if (f.required && !(f.name in out)) {
      throw new ThriftEncodingError(`required field '${f.name}' is missing`);
    }
  }
  return out;
}

/** `new TSerializer().serialize(obj)` with the default TBinaryProtocol. */
export function serializeStruct(schema: StructSchema, obj: ThriftStruct): Buffer {
  const w = new ByteWriter();
  writeStruct(w, schema, obj);
  return w.toBuffer();
}

export function deserializeStruct(schema: StructSchema, data: Buffer): ThriftStruct {
  return readStruct(new ByteReader(data), schema);
}
