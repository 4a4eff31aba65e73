import net from 'node:net';
import { Writer, Reader } from './wire.js';

/**
 * A minimal one-request Kafka client: sends one request (header v1, or v2 when `flexible`) and
 * returns the response body after the correlation id (and the header tags for flexible responses).
 * Used for controlled shutdown, the emulator's private quorum traffic and by probes/tests for APIs
 * kafkajs lacks (DescribeQuorum).
 */
export function kafkaRequest(opts: {
  host: string;
  port: number;
  apiKey: number;
  apiVersion: number;
  body: Buffer;
  flexible?: boolean;
  flexibleResponseHeader?: boolean;
  clientId?: string;
  timeoutMs?: number;
}): Promise<Buffer> {
  const header = new Writer()
    .int16(opts.apiKey)
    .int16(opts.apiVersion)
    .int32(1)
    .string(opts.clientId ?? 'kafka-emulator');
  if (opts.flexible) header.emptyTags();
  const payload = Buffer.concat([header.build(), opts.body]);
  const frame = Buffer.concat([new Writer().int32(payload.length).build(), payload]);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: opts.host, port: opts.port });
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (err: Error | null, body?: Buffer): void => {
      if (done) return;
      done = true;
      sock.destroy();
      if (err) reject(err);
      else resolve(body!);
    };
    sock.setTimeout(opts.timeoutMs ?? 2000, () => finish(new Error(`request to ${opts.host}:${opts.port} timed out`)));
    sock.on('connect', () => sock.write(frame));
    sock.on('error', (e) => finish(e));
    sock.on('close', () => finish(new Error(`connection to ${opts.host}:${opts.port} closed before a response`)));
    sock.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length < 4) return;
      const size = buf.readInt32BE(0);
      if (buf.length < 4 + size) return;
      const r = new Reader(buf.subarray(4, 4 + size));
      r.int32();
      if (opts.flexibleResponseHeader ?? opts.flexible) r.skipTags();
      finish(null, r.take(r.remaining));
    });
  });
}
