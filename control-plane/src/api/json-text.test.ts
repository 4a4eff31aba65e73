import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { MEMBERS_PER_TURN, jsonBody, jsonBodyStream } from './json-text.js';

describe('jsonBody: a view served again as the same UTF-8 bytes', () => {
  it('is the JSON of the view, characters beyond Latin-1 included, encoded as UTF-8', () => {
    const view = { name: 'zk', status: { reason: 'leader 1 → 2/2 followers synced …', members: [1, 2] } };
    const body = jsonBody(view);
    expect(Buffer.from(body).toString('utf8')).toBe(JSON.stringify(view));
    expect(body.byteLength).toBe(Buffer.byteLength(JSON.stringify(view), 'utf8'));
  });

  it('is made once per view object; an equal but new view gets its own', () => {
    const view = { name: 'zk' };
    expect(jsonBody(view)).toBe(jsonBody(view));
    expect(jsonBody({ name: 'zk' })).not.toBe(jsonBody(view));
  });
});

/** Reads a body as jsonBodyStream gives it, counting the chunks of a stream. */
async function readAll(
  body: Uint8Array | ReadableStream<Uint8Array>,
): Promise<{ text: string; chunks: number; streamed: boolean }> {
  if (body instanceof Uint8Array)
    return { text: Buffer.from(body).toString('utf8'), chunks: 1, streamed: false };
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return { text: Buffer.concat(chunks).toString('utf8'), chunks: chunks.length, streamed: true };
}

/** A view shaped like a cluster view, with `n` members. */
function viewOf(n: number) {
  return {
    name: 'storm-main',
    spec: { supervisors: { hosts: Array.from({ length: n }, (_, i) => `s${i}`) } },
    status: {
      health: 'healthy',
      reason: 'nimbus leader 1 → 2 supervisors …',
      members: Array.from({ length: n }, (_, i) => ({
        instance: `storm-main/supervisor-s${i}`,
        detail: 'ok ✓',
      })),
      hint: { text: 'after' },
    },
  };
}

describe('jsonBodyStream: a large view in slices, one event-loop turn each', () => {
  it.each([0, 1, MEMBERS_PER_TURN, MEMBERS_PER_TURN + 1, 3 * MEMBERS_PER_TURN, 3 * MEMBERS_PER_TURN + 7])(
    '%i members: the bytes of JSON.stringify(view)',
    async (n) => {
      const view = viewOf(n);
      const { text, chunks, streamed } = await readAll(jsonBodyStream(view, view.status.members));
      expect(text).toBe(JSON.stringify(view));
      expect(streamed).toBe(n > MEMBERS_PER_TURN);
      // Head, one chunk per slice, tail.
      if (streamed) expect(chunks).toBe(Math.ceil(n / MEMBERS_PER_TURN) + 2);
    },
  );

  it('lets other callbacks run between slices', async () => {
    const view = viewOf(3 * MEMBERS_PER_TURN);
    const order: string[] = [];
    const body = jsonBodyStream(view, view.status.members);
    expect(body).toBeInstanceOf(ReadableStream);
    const reading = (async () => {
      for await (const chunk of body as ReadableStream<Uint8Array>)
        order.push(`chunk ${chunk.byteLength > 0}`);
    })();
    // Scheduled after the read began: runs before the last slice, not after the whole body.
    setImmediate(() => order.push('report'));
    await reading;
    expect(order.indexOf('report')).toBeGreaterThan(0);
    expect(order.indexOf('report')).toBeLessThan(order.length - 1);
  });

  it('keeps the bytes once streamed: the next reader gets jsonBody at once', async () => {
    const view = viewOf(2 * MEMBERS_PER_TURN);
    const first = await readAll(jsonBodyStream(view, view.status.members));
    const again = jsonBodyStream(view, view.status.members);
    expect(again).toBeInstanceOf(Uint8Array);
    expect(again).toBe(jsonBody(view));
    expect(Buffer.from(again as Uint8Array).toString('utf8')).toBe(first.text);
  });

  it('is made whole when the array is not in the view', async () => {
    const view = viewOf(2 * MEMBERS_PER_TURN);
    const elsewhere = [...view.status.members];
    const body = jsonBodyStream(view, elsewhere);
    expect(body).toBeInstanceOf(Uint8Array);
    expect((await readAll(body)).text).toBe(JSON.stringify(view));
  });
});

describe('jsonBodyStream over a real HTTP server (@hono/node-server, as the control plane serves)', () => {
  it('serves the streamed bytes whole, then the kept bytes with their length', async () => {
    const view = viewOf(2 * MEMBERS_PER_TURN + 3);
    const app = new Hono();
    app.get('/view', (c) =>
      c.body(jsonBodyStream(view, view.status.members), 200, { 'content-type': 'application/json' }),
    );
    const server = http.createServer(getRequestListener(app.fetch));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/view`;
      const first = await fetch(url);
      expect(first.headers.get('transfer-encoding')).toBe('chunked');
      expect(await first.text()).toBe(JSON.stringify(view));
      const again = await fetch(url);
      expect(again.headers.get('content-length')).toBe(String(Buffer.byteLength(JSON.stringify(view))));
      expect(await again.text()).toBe(JSON.stringify(view));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
