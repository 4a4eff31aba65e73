/**
 * The `onEventsAppended` half of a store: listeners run once, a microtask after one or more events
 * were appended. Both stores are synchronous, so the microtask runs after the writing transaction
 * committed or rolled back; the listeners read the rows back, so a rolled-back event is never
 * published.
 */
export class EventNotifier {
  private readonly listeners = new Set<() => void>();
  private queued = false;

  /** Called by the store after it inserted an event. */
  appended(): void {
    if (this.listeners.size === 0 || this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      for (const l of [...this.listeners]) l();
    });
  }

  /** Store.onEventsAppended: returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    const l = () => listener();
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
