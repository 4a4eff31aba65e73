/**
 * The output of one streaming command while it runs, in memory only (never in the store): the
 * events in arrival order, readers (HTTP streams) each with a cursor, and the credit that lets
 * agents send more.
 *
 * Flow control end to end: an output event's credit goes back to its agent only when every reader
 * attached now has taken it (or at once when nobody reads), so a slow CLI slows the agent, which
 * pauses the child's pipes (agent/src/exec/flow.ts). Without readers the log keeps the newest
 * `retainBytes` for a reader that comes later; it never drops what an attached reader has not read.
 */

/** How one host's run of a command ended (REST views, the exit event, the CLI's summary). */
export interface HostOutcome {
  host: string;
  /** A HostState (state.ts); for a log follow: exited | killed | cancelled | failed. */
  state: string;
  exitCode: number | null;
  signal: string;
  error: string;
  durationMs: number | null;
}

export type OutputEvent =
  | { type: 'output'; host: string; stream: 'stdout' | 'stderr'; data: string }
  | ({ type: 'exit' } & HostOutcome)
  | { type: 'dropped'; events: number }
  | { type: 'end'; state: string };

interface Entry {
  ev: OutputEvent;
  bytes: number;
  credit: (() => void) | undefined;
}

/** Events handed to a reader per call (a few MB at most with 32 KiB chunks). */
const BATCH = 64;

export class OutputLog {
  private readonly entries: Entry[] = [];
  /** How many entries were dropped from the front. */
  private base = 0;
  private retained = 0;
  private ended = false;
  private readonly cursors = new Map<number, number>();
  private nextReader = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly retainBytes: number) {}

  /** Appends an event; `credit` runs once every current reader has taken it. */
  append(ev: OutputEvent, credit?: () => void): void {
    if (this.ended) return;
    const bytes = ev.type === 'output' ? ev.data.length : 0;
    this.entries.push({ ev, bytes, credit });
    this.retained += bytes;
    if (ev.type === 'end') this.ended = true;
    this.settle();
    for (const w of this.waiters.splice(0)) w();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * A reader from the oldest retained event. `next` resolves with the next events (a `dropped`
   * note first when earlier ones are gone), or null after the `end` event was read; `close` detaches it.
   */
  reader(): { next(): Promise<OutputEvent[] | null>; close(): void } {
    const id = this.nextReader++;
    this.cursors.set(id, this.base);
    let first = this.base > 0;
    const next = async (): Promise<OutputEvent[] | null> => {
      for (;;) {
        const cursor = this.cursors.get(id);
        if (cursor === undefined) return null;
        const end = this.base + this.entries.length;
        if (cursor < end) {
          const from = cursor - this.base;
          const batch = this.entries.slice(from, from + BATCH).map((e) => e.ev);
          this.cursors.set(id, cursor + batch.length);
          this.settle();
          if (first) {
            first = false;
            batch.unshift({ type: 'dropped', events: this.base });
          }
          return batch;
        }
        if (this.ended) return null;
        await new Promise<void>((r) => this.waiters.push(r));
      }
    };
    return {
      next,
      close: () => {
        this.cursors.delete(id);
        this.settle();
        for (const w of this.waiters.splice(0)) w();
      },
    };
  }

  /** Credits what every reader has taken, and drops what is beyond the retention and read. */
  private settle(): void {
    const min = this.cursors.size ? Math.min(...this.cursors.values()) : this.base + this.entries.length;
    for (let i = 0; i < this.entries.length && this.base + i < min; i++) {
      const e = this.entries[i]!;
      if (e.credit) {
        const c = e.credit;
        e.credit = undefined;
        c();
      }
    }
    while (this.retained > this.retainBytes && this.base < min && this.entries.length) {
      this.retained -= this.entries.shift()!.bytes;
      this.base++;
    }
  }
}
