import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nullLogger } from '@hactl/shared';
import { createApp } from './app.js';
import type { Core } from '../core.js';
import { createTestCore, TEST_NOW as now } from '../test-core.js';
import { EventHub } from '../events/hub.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { testTrust, withBearer } from '../trust/testing.js';

let dir: string;
let store: SqliteStore;
let core: Core;
let hub: EventHub;
let raw: ReturnType<typeof createApp>;
let app: ReturnType<typeof withBearer>;

interface Msg {
  event: string;
  id?: string;
  data: string;
}

/** Reads SSE messages from a response body until `until` says stop (comments skipped). */
async function readMessages(res: Response, until: (m: Msg[]) => boolean): Promise<Msg[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const out: Msg[] = [];
  let buf = '';
  try {
    while (!until(out)) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += value;
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const m: Msg = { event: 'message', data: '' };
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const [k, ...v] = line.split(': ');
          if (k === 'event') m.event = v.join(': ');
          if (k === 'id') m.id = v.join(': ');
          if (k === 'data') m.data = v.join(': ');
        }
        if (block.split('\n').some((l) => !l.startsWith(':'))) out.push(m);
      }
    }
  } finally {
    await reader.cancel();
  }
  return out;
}

const append = (message: string) =>
  store.appendEvent({ at: now, type: 'test', cluster: null, host: null, message, data_json: '{}' });
const eventsOf = (ms: Msg[]) =>
  ms.filter((m) => m.event === 'event').map((m) => JSON.parse(m.data) as { id: number; message: string });

let trust: ReturnType<typeof testTrust>['trust'];
let tokens = 0;

function build(bufferLimit = 1000, statusIntervalMs = 60_000): void {
  hub?.close();
  hub = new EventHub({ feed: core.fleet, logger: nullLogger, statusIntervalMs, bufferLimit });
  raw = createApp({
    fleet: core.fleet,
    rollouts: core.rollouts,
    failovers: core.failovers,
    logger: nullLogger,
    trust,
    events: hub,
    eventHeartbeatMs: 50,
  });
  app = withBearer(raw, trust.createApiToken(`viewer${++tokens}`, ['read']));
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-event-stream-'));
  store = new SqliteStore(path.join(dir, 'state.db'));
  core = createTestCore(store);
  trust = testTrust(store, () => now).trust;
  build();
});

afterEach(() => {
  hub.close();
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('GET /v1/events/stream', () => {
  it('events appended after the client connected arrive in order, with their ids as SSE ids', async () => {
    const res = await app.request('/v1/events/stream');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    append('one');
    store.transaction(() => {
      append('two');
      append('three');
    });
    const ms = await readMessages(res, (m) => eventsOf(m).length >= 3);
    expect(ms[0]!.event).toBe('hello');
    expect(eventsOf(ms).map((e) => e.message)).toEqual(['one', 'two', 'three']);
    expect(ms.filter((m) => m.event === 'event').map((m) => Number(m.id))).toEqual(
      eventsOf(ms).map((e) => e.id),
    );
  });

  it('a rolled-back transaction publishes nothing', async () => {
    const res = await app.request('/v1/events/stream');
    expect(() =>
      store.transaction(() => {
        append('rolled back');
        throw new Error('abort');
      }),
    ).toThrow('abort');
    append('kept');
    const ms = await readMessages(res, (m) => eventsOf(m).length >= 1);
    expect(eventsOf(ms).map((e) => e.message)).toEqual(['kept']);
  });

  it('Last-Event-ID resumes from the store: the missed events first, then live ones, none twice', async () => {
    append('a');
    append('b');
    append('c');
    const first = store.listEventsAfter(0, 10)[0]!.id;
    const res = await app.request('/v1/events/stream', { headers: { 'last-event-id': String(first) } });
    append('d');
    const ms = await readMessages(res, (m) => eventsOf(m).length >= 3);
    expect(eventsOf(ms).map((e) => e.message)).toEqual(['b', 'c', 'd']);
  });

  it('heartbeats are comments; an idle stream stays open', async () => {
    const res = await app.request('/v1/events/stream');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes(': heartbeat')) text += (await reader.read()).value ?? '';
    await reader.cancel();
    expect(text).toContain(': heartbeat\n\n');
  });

  it('a client that falls behind its buffer is dropped with an end message naming where to resume', async () => {
    build(3);
    const res = await app.request('/v1/events/stream');
    // Nothing reads the body yet: the stream's writes stall and the queue fills.
    for (const m of ['1', '2', '3', '4', '5', '6', '7', '8']) append(m);
    await new Promise((r) => setImmediate(r));
    const ms = await readMessages(res, () => false);
    const end = ms.at(-1)!;
    expect(end.event).toBe('end');
    const body = JSON.parse(end.data) as { reason: string; lastId: number; message: string };
    expect(body.reason).toBe('dropped');
    expect(body.message).toMatch(/Last-Event-ID/);
    // Resuming from lastId gets the rest: nothing lost.
    const delivered = eventsOf(ms).map((e) => e.message);
    const res2 = await app.request('/v1/events/stream', {
      headers: { 'last-event-id': String(body.lastId) },
    });
    const rest = await readMessages(res2, (m) => delivered.length + eventsOf(m).length >= 8);
    expect([...delivered, ...eventsOf(rest).map((e) => e.message)]).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
    ]);
  });

  it('a host connecting shows as a status change (no SSE id: status is not resumable, the views are)', async () => {
    build(1000, 20);
    const res = await app.request('/v1/events/stream');
    core.fleet.connectAgent(
      { name: 'h1', address: '127.0.0.11', agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      { sendDesired() {}, sendCommand() {}, close() {} },
    );
    const ms = await readMessages(res, (m) => m.some((x) => x.event === 'status'));
    const status = ms.find((m) => m.event === 'status')!;
    expect(status.id).toBeUndefined();
    expect(JSON.parse(status.data)).toEqual({
      changes: [
        { kind: 'host', name: 'h1', from: null, to: 'connected', detail: expect.any(String) as string },
      ],
    });
  });

  it('the control plane stopping ends every stream with end/closing', async () => {
    const res = await app.request('/v1/events/stream');
    append('before');
    await Promise.resolve(); // the publish hook runs a microtask after the append
    hub.close();
    const ms = await readMessages(res, () => false);
    expect(eventsOf(ms).map((e) => e.message)).toEqual(['before']);
    expect(ms.at(-1)!.event).toBe('end');
    expect(JSON.parse(ms.at(-1)!.data)).toMatchObject({ reason: 'closing' });
  });

  it('without a token → 401; with a malformed Last-Event-ID → 400', async () => {
    expect((await raw.request('/v1/events/stream')).status).toBe(401);
    expect(
      (await raw.request('/v1/events/stream', { headers: { authorization: 'Bearer hat_wrong' } })).status,
    ).toBe(401);
    expect((await app.request('/v1/events/stream', { headers: { 'last-event-id': 'x' } })).status).toBe(400);
  });

  it('the console is public at /ui/ with a strict content security policy', async () => {
    const res = await raw.request('/ui');
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/ui/');
    // The bundle is built by `pnpm build` (ui/dist); the page and its script need no token.
    const page = await raw.request('/ui/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('app.js');
    expect((await raw.request('/ui/app.js')).headers.get('content-type')).toMatch(/javascript/);
  });
});
