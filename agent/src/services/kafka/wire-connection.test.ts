import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaWireConnection } from './wire-connection.js';
import { describeQuorumOn, encodeDescribeQuorumRequest } from './quorum.js';

/**
 * A listener on 127.0.0.1:0 that answers each request frame through `answer` (given the request's
 * correlation id); it counts the connections it accepted.
 */
async function listener(answer: (correlationId: number, sock: net.Socket) => void) {
  const state = { accepted: 0, sockets: [] as net.Socket[] };
  const server = net.createServer((sock) => {
    state.accepted++;
    state.sockets.push(sock);
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const frame = buf.subarray(4, 4 + buf.readInt32BE(0));
        buf = buf.subarray(4 + frame.length);
        answer(frame.readInt32BE(4), sock); // header: int16 key, int16 version, int32 correlation id
      }
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  servers.push(server);
  return { port, state };
}

const servers: net.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A response frame (size prefix included) carrying `correlationId` and `body`. */
function response(correlationId: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeInt32BE(4 + body.length, 0);
  head.writeInt32BE(correlationId, 4);
  return Buffer.concat([head, body]);
}

/** The body of a DescribeQuorum v1 answer: no error, leader 2 at epoch 7, voters 1-3. */
function quorumBody(): Buffer {
  const b: number[] = [0, 0, 0]; // header tags, top error int16
  b.push(2, 19, ...Buffer.from('__cluster_metadata')); // 1 topic, compact name
  b.push(2, 0, 0, 0, 0, 0, 0); // 1 partition: index, error code
  b.push(0, 0, 0, 2, 0, 0, 0, 7); // leader id, leader epoch
  b.push(...Array<number>(7).fill(0), 100); // high watermark
  b.push(4); // 3 voters
  for (const id of [1, 2, 3]) b.push(0, 0, 0, id, ...Array<number>(24).fill(0), 0);
  b.push(1, 0, 0, 0, 0); // no observers; partition, topic and body tags
  return Buffer.from(b);
}

describe('KafkaWireConnection (a kept connection for the KRaft quorum probe)', () => {
  it('answers request after request on one connection, each with its own correlation id', async () => {
    const { port, state } = await listener((id, sock) => sock.write(response(id, quorumBody())));
    const conn = await KafkaWireConnection.open('127.0.0.1', port, 2000);
    for (let i = 0; i < 3; i++) {
      const q = await describeQuorumOn(conn, 2000);
      expect(q).toMatchObject({ errorCode: 0, leaderId: 2, leaderEpoch: 7 });
      expect(q.voters.map((v) => v.id)).toEqual([1, 2, 3]);
    }
    expect(state.accepted).toBe(1);
    expect(conn.alive).toBe(true);
    conn.close();
    expect(conn.alive).toBe(false);
  });

  it('an answer for another correlation id closes the connection (the stream is out of step)', async () => {
    const { port } = await listener((id, sock) => sock.write(response(id + 5, quorumBody())));
    const conn = await KafkaWireConnection.open('127.0.0.1', port, 2000);
    await expect(describeQuorumOn(conn, 2000)).rejects.toThrow(/correlation id 6, expected 1/);
    expect(conn.alive).toBe(false);
    await expect(describeQuorumOn(conn, 2000)).rejects.toThrow(/correlation id/);
  });

  it('a request nobody answers times out and closes the connection, so a late answer is never misread', async () => {
    const { port } = await listener(() => {});
    const conn = await KafkaWireConnection.open('127.0.0.1', port, 2000);
    await expect(conn.request((id) => encodeDescribeQuorumRequest(id), 50, 'DescribeQuorum')).rejects.toThrow(
      /DescribeQuorum to 127\.0\.0\.1:\d+ timed out after 50 ms/,
    );
    expect(conn.alive).toBe(false);
  });

  it('the listener closing the connection rejects the waiting request and marks it dead', async () => {
    const { port } = await listener((_id, sock) => sock.destroy());
    const conn = await KafkaWireConnection.open('127.0.0.1', port, 2000);
    await expect(describeQuorumOn(conn, 2000)).rejects.toThrow(/closed the connection/);
    expect(conn.alive).toBe(false);
  });

  it('a second request while one is in flight is refused (probes send one at a time)', async () => {
    const { port } = await listener((id, sock) =>
      setTimeout(() => sock.write(response(id, quorumBody())), 50),
    );
    const conn = await KafkaWireConnection.open('127.0.0.1', port, 2000);
    const first = describeQuorumOn(conn, 2000);
    await expect(describeQuorumOn(conn, 2000)).rejects.toThrow(/in flight/);
    await expect(first).resolves.toMatchObject({ leaderId: 2 });
    conn.close();
  });

  it('a closed port is refused at open', async () => {
    const { port } = await listener(() => {});
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
    await expect(KafkaWireConnection.open('127.0.0.1', port, 2000)).rejects.toThrow(/ECONNREFUSED/);
  });
});
