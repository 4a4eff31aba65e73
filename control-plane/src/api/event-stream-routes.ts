import type { Hono } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { ValidationError } from '@hactl/shared';
import type { Caller } from '../trust/service.js';
import type { EventFeed, EventHub, StreamItem } from '../events/hub.js';

/** What the stream route needs. */
export interface EventStreamDeps {
  hub: EventHub;
  feed: Pick<EventFeed, 'listEventsAfter'>;
  /** A comment line is sent after this long without an item, so proxies and clients see a live stream. */
  heartbeatMs: number;
}

/** Events replayed per store read on resume. */
const REPLAY_BATCH = 500;

/**
 * `GET /v1/events/stream` (scope `read`, like every GET): server-sent events. Each stored event
 * (rollout steps, failovers, member actions, audit, health) is an `event` message with the event's
 * id as its SSE id; fleet and cluster status changes are `status` messages without an id; a
 * `hello` message opens the stream with the newest id. `Last-Event-ID` (or `?after=ID`) replays the
 * stored events after that id first. The last message is `end` when the client fell behind (its
 * `lastId` is where to resume) or the control plane stops; heartbeats are SSE comments.
 */
export function addEventStreamRoutes(
  app: Hono<{ Variables: { caller: Caller } }>,
  deps: EventStreamDeps,
): void {
  app.get('/v1/events/stream', (c) => {
    const resumeRaw = c.req.header('last-event-id') ?? c.req.query('after');
    if (resumeRaw !== undefined && !/^[0-9]{1,15}$/.test(resumeRaw))
      throw new ValidationError('invalid resume point', [
        { path: 'Last-Event-ID', message: 'must be an event id (a non-negative integer)' },
      ]);
    const sub = deps.hub.subscribe();
    c.header('x-accel-buffering', 'no'); // nginx: do not buffer the stream
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => sub.close());
      try {
        await stream.writeSSE({ event: 'hello', data: JSON.stringify({ lastEventId: sub.startId }) });
        if (resumeRaw !== undefined) {
          let after = Number(resumeRaw);
          while (after < sub.startId && !stream.aborted) {
            const rows = deps.feed.listEventsAfter(after, REPLAY_BATCH).filter((e) => e.id <= sub.startId);
            for (const e of rows) await writeItem(stream, { kind: 'event', event: e });
            if (rows.length === 0) break;
            after = rows.at(-1)!.id;
          }
        }
        while (!stream.aborted) {
          const item = await sub.next(deps.heartbeatMs);
          if (item === null) break;
          if (item === 'idle') await stream.write(': heartbeat\n\n');
          else await writeItem(stream, item);
        }
      } finally {
        sub.close();
      }
    });
  });
}

async function writeItem(stream: SSEStreamingApi, item: StreamItem): Promise<void> {
  if (item.kind === 'event')
    await stream.writeSSE({ event: 'event', id: String(item.event.id), data: JSON.stringify(item.event) });
  else if (item.kind === 'status')
    await stream.writeSSE({ event: 'status', data: JSON.stringify({ changes: item.changes }) });
  else
    await stream.writeSSE({
      event: 'end',
      data: JSON.stringify({ reason: item.reason, message: item.message, lastId: item.lastId }),
    });
}
