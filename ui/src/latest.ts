/**
 * Which refresh's answer each piece of the page shows, so an older answer never replaces a newer
 * one. Refreshes run concurrently (the login's, the event stream's, a retry's): the request of an
 * older refresh can be answered after a newer one's, and without this its stale fleet or cluster
 * view would be shown until something changed again.
 *
 * Each refresh takes a number when it starts (`start`); a piece (`hosts`, `clusters`, `events`,
 * `cluster:NAME`) takes an answer only from a refresh that started after the one it shows.
 */
export class LatestAnswers {
  private started = 0;
  /** Refreshes numbered up to this one started before the last reset; their answers are dropped. */
  private floor = 0;
  private readonly shown = new Map<string, number>();

  /** A new refresh's number, higher than every earlier one's. */
  start(): number {
    return ++this.started;
  }

  /**
   * Whether refresh `seq`'s answer for `piece` may be shown: true (and remembered) when no later
   * refresh's answer is shown for it.
   */
  accept(piece: string, seq: number): boolean {
    if (seq <= this.floor || (this.shown.get(piece) ?? 0) > seq) return false;
    this.shown.set(piece, seq);
    return true;
  }

  /**
   * Forgets every answer (a logout): a refresh that started before it is not shown at all (it
   * asked with the old token), and the next refreshes' answers are taken afresh.
   */
  reset(): void {
    this.shown.clear();
    this.floor = this.started;
  }
}
