/**
 * One client connection a prober keeps between probes (a Kafka admin, a ZooKeeper session, an
 * Elasticsearch client): opened lazily on first use, reused while it is for the same target (`key`)
 * and still alive, dropped (closed) when a use fails so the next use opens a fresh one, and closed
 * when the instance goes away. Opening a client every probe interval cost a TCP and protocol
 * handshake per interval per instance, and for ZooKeeper a session the ensemble had to create and
 * expire each time.
 */
export interface ReusedClientOptions<T> {
  open(key: string): Promise<T>;
  /** Whether an open client can still be used (its connection is up). */
  alive(client: T): boolean;
  close(client: T): Promise<void> | void;
}

interface Slot<T> {
  key: string;
  client: Promise<T>;
}

export class ReusedClient<T> {
  private slot: Slot<T> | undefined;

  constructor(private readonly opts: ReusedClientOptions<T>) {}

  /** Runs `fn` on the client for `key` (opening it if needed); a failure drops the client. */
  async use<R>(key: string, fn: (client: T) => Promise<R>): Promise<R> {
    let slot = this.slotFor(key);
    let client = await this.opened(slot);
    if (!this.opts.alive(client)) {
      // Lost since its last use (the server closed it, the session expired): one fresh try.
      this.drop(slot);
      slot = this.slotFor(key);
      client = await this.opened(slot);
    }
    try {
      return await fn(client);
    } catch (err) {
      this.drop(slot);
      throw err;
    }
  }

  /** The key of the client kept now (undefined when none is): the target of its last good use. */
  get key(): string | undefined {
    return this.slot?.key;
  }

  /** Closes the client, if any; the next use opens a new one. */
  async close(): Promise<void> {
    const slot = this.slot;
    this.slot = undefined;
    if (slot) await slot.client.then((c) => this.opts.close(c)).catch(() => undefined);
  }

  /** The slot for `key`: the current one, or a new one (closing a client for another key). */
  private slotFor(key: string): Slot<T> {
    if (this.slot?.key === key) return this.slot;
    if (this.slot) this.drop(this.slot);
    // Concurrent first uses share this one open.
    const slot: Slot<T> = { key, client: this.opts.open(key) };
    this.slot = slot;
    return slot;
  }

  private async opened(slot: Slot<T>): Promise<T> {
    try {
      return await slot.client;
    } catch (err) {
      if (this.slot === slot) this.slot = undefined;
      throw err;
    }
  }

  private drop(slot: Slot<T>): void {
    if (this.slot === slot) this.slot = undefined;
    void slot.client.then((c) => this.opts.close(c)).catch(() => undefined);
  }
}
