/**
 * The agent's ZooKeeper session against a real socket that answers like a ZooKeeper server until
 * it sends a reply node-zookeeper-client misreads (an error code it does not know, as seen from a
 * real ensemble in the seed-topology e2e: "Unknown code: -1746599932"). Before the guard the
 * library threw from its socket handler and the agent process died.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectZookeeper } from './zk-session.js';

const BAD_CODE = -1746599932;

/** A length-prefixed frame. */
const frame = (body: Buffer) => Buffer.concat([int32(body.length), body]);
function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/**
 * A server that accepts the session (ConnectResponse: protocol 0, timeout, session id, 16-byte
 * password) and answers every later request with a ReplyHeader carrying `err` for its xid.
 */
function fakeEnsemble(err: number): Promise<net.Server> {
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let buf = Buffer.alloc(0);
    let connected = false;
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const body = buf.subarray(4, 4 + buf.readInt32BE(0));
        buf = buf.subarray(4 + body.length);
        if (!connected) {
          connected = true;
          const session = Buffer.alloc(8);
          session.writeBigInt64BE(42n);
          socket.write(frame(Buffer.concat([int32(0), int32(6000), session, int32(16), Buffer.alloc(16)])));
          continue;
        }
        const xid = body.readInt32BE(0);
        if (xid === -2) continue; // ping
        socket.write(frame(Buffer.concat([int32(xid), Buffer.alloc(8), int32(err)])));
      }
    });
    socket.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let server: net.Server | undefined;
const sockets = new Set<net.Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
});

describe('connectZookeeper: a reply the client library cannot parse', () => {
  it('fails the call and marks the session dead instead of throwing out of the socket handler', async () => {
    server = await fakeEnsemble(BAD_CODE);
    const uncaught: unknown[] = [];
    const record = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', record);
    try {
      const { port } = server.address() as net.AddressInfo;
      const zk = await connectZookeeper(`127.0.0.1:${port}`, 5000);
      expect(zk.alive).toBe(true);
      await expect(zk.children('/brokers/ids')).rejects.toThrow(
        /a reply could not be parsed \(Unknown code: -1746599932\); session dropped/,
      );
      expect(zk.alive).toBe(false);
      zk.close();
    } finally {
      process.off('uncaughtException', record);
    }
    expect(uncaught).toEqual([]);
  });

  it('a known error code still reaches the caller as that error (NO_NODE → [] for children)', async () => {
    server = await fakeEnsemble(-101);
    const { port } = server.address() as net.AddressInfo;
    const zk = await connectZookeeper(`127.0.0.1:${port}`, 5000);
    await expect(zk.children('/none')).resolves.toEqual([]);
    expect(zk.alive).toBe(true);
    zk.close();
  });
});
