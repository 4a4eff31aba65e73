import net from 'node:net';
import {
  ByteReader,
  ByteWriter,
  TType,
  readStruct,
  writeStruct,
  type Spec,
  type StructSchema,
} from './thrift-protocol.js';

/**
 * Thrift RPC over TFramedTransport + strict TBinaryProtocol, which is what Storm's
 * SimpleTransportPlugin uses between `storm`/UI clients and Nimbus (THsHaServer, framed).
 * Only calls without arguments are needed by the emulator; arguments are skipped.
 */

const VERSION_1 = 0x80010000 | 0;
export const MessageType = { CALL: 1, REPLY: 2, EXCEPTION: 3 } as const;
/** TApplicationException.type values */
export const AppErrorType = { UNKNOWN_METHOD: 1, MISSING_RESULT: 5, INTERNAL_ERROR: 6 } as const;

const APPLICATION_EXCEPTION: StructSchema = [
  { id: 1, name: 'message', spec: 'string' },
  { id: 2, name: 'type', spec: 'i32' },
];

/** Thrown by client calls when the server answered with a TApplicationException. */
export class TApplicationException extends Error {
  readonly code = 'THRIFT_APPLICATION';
  readonly retriable = true;
  constructor(
    message: string,
    readonly type: number,
  ) {
    super(message);
  }
}

export interface RpcResult {
  spec: Spec;
  value: unknown;
}

/** Returns the result of a call, or undefined for an unknown method. Throwing → INTERNAL_ERROR. */
export type RpcHandler = (method: string) => Promise<RpcResult | undefined>;

function frame(payload: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeInt32BE(payload.length);
  return Buffer.concat([len, payload]);
}

function writeMessageBegin(w: ByteWriter, name: string, type: number, seqid: number): void {
  w.i32(VERSION_1 | type);
  w.string(name);
  w.i32(seqid);
}

function readMessageBegin(r: ByteReader): { name: string; type: number; seqid: number } {
  const v = r.i32();
  if ((v & 0xffff0000) !== (VERSION_1 & 0xffff0000))
    throw new Error('bad thrift message version (non-strict protocol?)');
  return { type: v & 0xff, name: r.string(), seqid: r.i32() };
}

/** Splits a byte stream into frames. */
function frameReader(onFrame: (payload: Buffer) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const len = pending.readInt32BE(0);
      if (pending.length < 4 + len) return;
      const payload = pending.subarray(4, 4 + len);
      pending = pending.subarray(4 + len);
      onFrame(Buffer.from(payload));
    }
  };
}

export function encodeReply(
  method: string,
  seqid: number,
  result: RpcResult | undefined,
  error?: Error,
): Buffer {
  const w = new ByteWriter();
  if (result) {
    writeMessageBegin(w, method, MessageType.REPLY, seqid);
    writeStruct(w, [{ id: 0, name: 'success', spec: result.spec }], { success: result.value });
  } else {
    writeMessageBegin(w, method, MessageType.EXCEPTION, seqid);
    // Messages as in Java's TBaseProcessor / ProcessFunction.
    const appError = error
      ? { message: `Internal error processing ${method}`, type: AppErrorType.INTERNAL_ERROR }
      : { message: `Invalid method name: '${method}'`, type: AppErrorType.UNKNOWN_METHOD };
    writeStruct(w, APPLICATION_EXCEPTION, appError);
  }
  return frame(w.toBuffer());
}

export function serveThrift(server: net.Server, handler: RpcHandler, onError: (err: Error) => void): void {
  server.on('connection', (socket) => {
    socket.on('error', () => socket.destroy());
    socket.on(
      'data',
      frameReader((payload) => {
        let call: { name: string; type: number; seqid: number };
        try {
          const r = new ByteReader(payload);
          call = readMessageBegin(r);
          readStruct(r, []); // arguments: none are used
        } catch (err) {
          onError(err as Error);
          socket.destroy();
          return;
        }
        handler(call.name).then(
          (result) => socket.write(encodeReply(call.name, call.seqid, result)),
          (err: Error) => {
            onError(err);
            socket.write(encodeReply(call.name, call.seqid, undefined, err));
          },
        );
      }),
    );
  });
}

/** One call on a fresh connection, as a short-lived NimbusClient would make. */
export function callThrift(
  host: string,
  port: number,
  method: string,
  resultSpec: Spec,
  timeoutMs: number,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`java.net.SocketTimeoutException: Read timed out (${host}:${port})`));
    }, timeoutMs);
    const done = (err: Error | undefined, value?: unknown): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    socket.on('error', (err) => done(new Error(`java.net.ConnectException: ${err.message}`)));
    socket.on('connect', () => {
      const w = new ByteWriter();
      writeMessageBegin(w, method, MessageType.CALL, 1);
      w.byte(TType.STOP); // empty args struct
      socket.write(frame(w.toBuffer()));
    });
    socket.on(
      'data',
      frameReader((payload) => {
        try {
          const r = new ByteReader(payload);
          const msg = readMessageBegin(r);
          if (msg.type === MessageType.EXCEPTION) {
            const ex = readStruct(r, APPLICATION_EXCEPTION);
            done(new TApplicationException(String(ex.message ?? ''), Number(ex.type ?? 0)));
            return;
          }
          const res = readStruct(r, [{ id: 0, name: 'success', spec: resultSpec }]);
          // A null return value is not representable in Thrift; generated Java clients throw.
          if (res.success === undefined) {
            done(new TApplicationException(`${method} failed: unknown result`, AppErrorType.MISSING_RESULT));
            return;
          }
          done(undefined, res.success);
        } catch (err) {
          done(err as Error);
        }
      }),
    );
  });
}
