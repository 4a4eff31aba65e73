/**
 * The live event stream's fan-out (the effectful shell around status-diff.ts): one reader of the
 * store's events table and one status ticker for all clients of `GET /v1/events/stream`. The store
 * signals appended events (Store.onEventsAppended, the one publish hook); the hub reads the new rows
 * once and queues them for every subscriber. Each subscriber's queue is bounded: a client that
 * falls further behind is dropped with a final `dropped` item naming the last id it was sent, from
 * which it resumes with Last-Event-ID (the rows stay in the store), so one stalled browser never
 * grows the control plane's memory.
 */
import type { Logger } from '@hactl/shared';
import type { ClusterSummary, EventView, HostView } from '../api/contract.js';
import { diffStatusDigest, planStatusDigest, type StatusChange, type StatusDigest } from './status-diff.js';

/** Where the hub reads events and status from (the Fleet in the control plane). */
export interface EventFeed {
  onEventsAppended(listener: () => void): () => void;
  listEventsAfter(afterId: number, limit: number): EventView[];
  lastEventId(): number;
  listHosts(): HostView[];
  listClusters(): ClusterSummary[];
}

/** What a subscriber receives, in order. */
export type StreamItem =
  | { kind: 'event'; event: EventView }
  | { kind: 'status'; changes: StatusChange[] }
  /** The last item: the client fell behind (`lastId`: the last event id it was sent) or the hub closed. */
  | { kind: 'end'; reason: 'dropped' | 'closing'; message: string; lastId: number };

export interface EventHubOptions {
  feed: EventFeed;
  logger: Logger;
  /** How often fleet and cluster status are compared (the agents' report interval). */
  statusIntervalMs: number;
  /** Items a subscriber may have queued before it is dropped. */
  bufferLimit: number;
}

/** One client's view of the hub. */
export interface Subscription {
  /** The newest event id when it subscribed: a resume replays from the store up to here, live items follow. */
  readonly startId: number;
  /** The next item, 'idle' after `idleMs` without one, null once ended (after the `end` item). */
  next(idleMs: number): Promise<StreamItem | 'idle' | null>;
  /** Leaves the hub (the client went away). */
  close(): void;
}

class Sub implements Subscription {
  private queue: StreamItem[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  lastId: number;
  constructor(
    readonly startId: number,
    private readonly limit: number,
    private readonly leave: (s: Sub) => void,
  ) {
    this.lastId = startId;
  }

  push(item: StreamItem): void {
    if (this.ended) return;
    if (item.kind === 'end') {
      // Closing: what is queued still goes out, then the end.
      this.queue.push(item);
      this.ended = true;
      this.leave(this);
    } else if (this.queue.length >= this.limit) {
      const lastId = this.deliveredId();
      this.finish({
        kind: 'end',
        reason: 'dropped',
        lastId,
        message: `this client fell more than ${this.limit} items behind; reconnect with Last-Event-ID: ${lastId} to resume from the stored events`,
      });
    } else {
      this.queue.push(item);
      if (item.kind === 'event') this.lastId = item.event.id;
    }
    this.wake?.();
  }

  /** The last event id handed to the client: the one before the first still queued. */
  deliveredId(): number {
    const first = this.queue.find((i) => i.kind === 'event');
    return first?.kind === 'event' ? first.event.id - 1 : this.lastId;
  }

  /** Ends a client that fell behind: its queue is dropped (the store keeps the events), only the end goes out. */
  private finish(end: StreamItem & { kind: 'end' }): void {
    this.queue = [end];
    this.ended = true;
    this.leave(this);
  }

  async next(idleMs: number): Promise<StreamItem | 'idle' | null> {
    if (this.queue.length === 0 && !this.ended) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, idleMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
    const item = this.queue.shift();
    if (item) return item;
    return this.ended ? null : 'idle';
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue = [];
    this.leave(this);
    this.wake?.();
  }
}

/** The fan-out of stored events and status changes to the stream's clients. */
export class EventHub {
  private readonly subs = new Set<Sub>();
  private head = 0;
  private unsubscribe: (() => void) | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private digest: StatusDigest = new Map();

  constructor(private readonly o: EventHubOptions) {}

  /** A new subscriber; the store hook and the status ticker run while there is one. */
  subscribe(): Subscription {
    if (this.subs.size === 0) this.start();
    const s = new Sub(this.head, this.o.bufferLimit, (x) => this.leave(x));
    this.subs.add(s);
    return s;
  }

  /** Ends every subscriber with a `closing` item (the control plane stops: open streams would hold its HTTP server). */
  close(): void {
    for (const s of [...this.subs])
      s.push({
        kind: 'end',
        reason: 'closing',
        lastId: s.lastId,
        message: 'the control plane is shutting down',
      });
    this.stop();
  }

  private start(): void {
    this.head = this.o.feed.lastEventId();
    this.digest = this.readDigest();
    this.unsubscribe = this.o.feed.onEventsAppended(() => this.pull());
    this.ticker = setInterval(() => this.tick(), this.o.statusIntervalMs);
    this.ticker.unref();
  }

  private stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private leave(s: Sub): void {
    this.subs.delete(s);
    if (this.subs.size === 0) this.stop();
  }

  /** Reads the committed rows after the head once and queues them for every subscriber. */
  private pull(): void {
    try {
      for (;;) {
        const rows = this.o.feed.listEventsAfter(this.head, 500);
        for (const e of rows) {
          this.head = e.id;
          for (const s of [...this.subs]) s.push({ kind: 'event', event: e });
        }
        if (rows.length < 500) return;
      }
    } catch (err) {
      this.o.logger.error({ err: String(err) }, 'event stream read failed');
    }
  }

  private readDigest(): StatusDigest {
    return planStatusDigest(this.o.feed.listHosts(), this.o.feed.listClusters());
  }

  /** Compares fleet and cluster status with the last tick's; queues the changes, if any. */
  private tick(): void {
    try {
      const next = this.readDigest();
      const changes = diffStatusDigest(this.digest, next);
      this.digest = next;
      if (changes.length) for (const s of [...this.subs]) s.push({ kind: 'status', changes });
    } catch (err) {
      this.o.logger.error({ err: String(err) }, 'event stream status tick failed');
    }
  }
}
