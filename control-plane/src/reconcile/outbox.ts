import type { DesiredPush } from './revisions.js';

/**
 * How many hosts' desired states are written to their streams per event-loop turn. grpc-js
 * queues a write in the HTTP/2 session and Node sends the session's pending frames in the
 * turn's check phase, so a loop over 10,000 streams sent nothing until the last one was queued
 * and the agents (another process, another core) sat idle meanwhile. Slices let the first hosts'
 * bytes leave and be read while the next slice is encoded. 500: bench/fleet-push at 10,000
 * agents (see the README's fleet-scale figures). `--push-slice-hosts` sets it (config.ts).
 */
export const PUSH_SLICE_HOSTS = 500;

export interface DesiredOutboxOptions {
  /** Writes one host's desired state to its stream (a host without a live stream is skipped there). */
  send: (push: DesiredPush) => void;
  /**
   * Told of a `send` that threw (with its push) or a `whenSent` callback that threw (without); the
   * other hosts are still sent (a throw in a later turn would otherwise end the process).
   */
  onError: (err: unknown, push?: DesiredPush) => void;
  /** Runs `fn` in a later event-loop turn, after pending I/O (setImmediate in production). */
  defer: (fn: () => void) => void;
  /** Hosts per turn; PUSH_SLICE_HOSTS by default. */
  sliceHosts?: number;
}

/**
 * The desired states committed but not yet written to their hosts' streams, newest per host, sent
 * in slices of `sliceHosts` per event-loop turn (the first slice at once, so a push to a few hosts
 * goes out exactly as before). Per host, order is kept: AgentSessions (sessions.ts), the one
 * door to the streams, calls `flush(hostId)` before anything else it sends a host (a rollout
 * step's command, a streaming command, a query), so an agent never hears of a step before the
 * desired state the step is for; and `drop` when a host's stream is replaced or gone (a new
 * stream is answered with the stored state, the newest).
 */
export class DesiredOutbox {
  /** Host id → the newest committed desired state not yet sent (Map keeps first-queued order). */
  private readonly pending = new Map<string, DesiredPush>();
  /** Callbacks waiting for `pending` to empty (whenSent), in the order they were given. */
  private waiting: { sent: () => void; cleared: (() => void) | undefined }[] = [];
  private scheduled = false;
  /** A slice was written this turn and its frames have not left yet (drain: a turn later). */
  private flushing = false;
  private readonly slice: number;

  constructor(private readonly o: DesiredOutboxOptions) {
    this.slice = o.sliceHosts ?? PUSH_SLICE_HOSTS;
    if (!Number.isInteger(this.slice) || this.slice < 1)
      throw new RangeError(`sliceHosts must be a whole number of at least 1, not ${this.slice}`);
  }

  /**
   * Queues `changes` (a host already queued keeps its place and takes the newer generation) and
   * sends the first slice now, unless a drain is already scheduled: then the new hosts wait behind
   * those queued before them.
   */
  enqueue(changes: Iterable<DesiredPush>): void {
    for (const c of changes) {
      const queued = this.pending.get(c.hostId);
      if (!queued || queued.generation < c.generation) this.pending.set(c.hostId, c);
    }
    if (!this.scheduled) this.drain();
  }

  /** Sends the host's pending desired state now, if it has one (before another message to it). */
  flush(hostId: string): void {
    const c = this.pending.get(hostId);
    if (!c) return;
    this.pending.delete(hostId);
    this.send(c);
  }

  /** Forgets the host's pending desired state (it was answered with its stored one, or is gone). */
  drop(hostId: string): void {
    this.pending.delete(hostId);
  }

  /**
   * Forgets every pending desired state and what waited for them (every stream is closing): the
   * control plane is stopping or its replica's term ended, and a replica that lost its lease must
   * not go on to take a rollout step; the next leader's timer pass takes it.
   */
  clear(): void {
    this.pending.clear();
    this.flushing = false;
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) this.run(w.cleared);
  }

  /**
   * Runs `fn` once no desired state waits to be written: now when none does and none was written
   * this turn, else in the turn after the slice that empties the queue, so that slice's frames
   * leave first (hosts queued meanwhile are waited for too). What goes on a stream after a change
   * but is not part of it (an apply's first rollout step) waits here, so its work does not hold
   * back the push itself.
   * `cleared` runs instead when the queue is cleared first (`clear`), so a caller awaiting the push
   * (an apply's answer) is not left waiting forever.
   */
  whenSent(fn: () => void, cleared?: () => void): void {
    this.waiting.push({ sent: fn, cleared });
    if (this.pending.size === 0 && !this.flushing) this.settle();
  }

  /** How many hosts still wait for their desired state to be written. */
  get size(): number {
    return this.pending.size;
  }

  private send(c: DesiredPush): void {
    try {
      this.o.send(c);
    } catch (err) {
      this.o.onError(err, c);
    }
  }

  private drain(): void {
    this.scheduled = false;
    let sent = 0;
    for (const [hostId, c] of this.pending) {
      if (sent === this.slice) break;
      this.pending.delete(hostId);
      this.send(c);
      sent++;
    }
    if (this.pending.size > 0) {
      this.scheduled = true;
      this.o.defer(() => this.drain());
    } else if (sent === 0) {
      // Nothing written this turn (a flush sent the rest earlier, and those frames have left).
      if (!this.flushing) this.settle();
    } else if (!this.flushing) {
      // A turn later: the slice just written is queued in the HTTP/2 sessions, and Node sends it
      // only once this turn ends; what waits for it (whenSent, also when asked after this call:
      // an apply asks for its first step after the push began) runs after that. A drain started
      // meanwhile settles when it is done.
      this.flushing = true;
      this.o.defer(() => {
        this.flushing = false;
        if (this.pending.size === 0) this.settle();
      });
    }
  }

  /** Runs the `whenSent` callbacks (each once; one that throws is reported and the rest still run). */
  private settle(): void {
    const waiting = this.waiting;
    if (waiting.length === 0) return;
    this.waiting = [];
    for (const w of waiting) this.run(w.sent);
  }

  /** Runs one callback; one that throws is reported and the others still run. */
  private run(fn: (() => void) | undefined): void {
    if (!fn) return;
    try {
      fn();
    } catch (err) {
      this.o.onError(err);
    }
  }
}
