/**
 * Hosts whose status report is due, written a fixed number per event-loop turn (the simulated
 * agents' reports). Real hosts report in parallel, each on its own CPU; one process plays them all
 * here, and Node runs every expired timer of one duration in a single macrotask. When a change
 * reached 5,000 hosts within a few milliseconds, their 100 ms report timers expired together and
 * writing 5,000 reports held the simulator's loop for 100-400 ms (2026-12-03, 10,000 agents),
 * during which no simulated host read its desired state: the fan-out being measured waited on the
 * simulator. In slices, each turn's poll phase reads what arrived between them.
 */
export class ReportQueue {
  private readonly due: number[] = [];
  private head = 0;
  /** A turn is scheduled or running: a push then waits for it instead of scheduling another. */
  private scheduled = false;

  /**
   * @param send writes host `i`'s report (stamped when written).
   * @param perTurn reports written per turn, at least 1.
   * @param schedule runs the next turn; setImmediate, so the poll phase runs between turns.
   */
  constructor(
    private readonly send: (i: number) => void,
    private readonly perTurn: number,
    private readonly schedule: (turn: () => void) => void = (turn) => void setImmediate(turn),
  ) {
    if (!Number.isInteger(perTurn) || perTurn < 1)
      throw new RangeError(`perTurn: a whole number of at least 1 expected, not ${perTurn}`);
  }

  /** Queues host `i`'s report; it is written in a later turn, never now. */
  push(i: number): void {
    this.due.push(i);
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(this.turn);
  }

  /**
   * Drops every queued report (the process is exiting); a turn already scheduled writes none, and
   * a `send` that clears ends its turn.
   */
  clear(): void {
    this.due.length = this.head = 0;
  }

  /** Reports queued and not yet written. */
  get pending(): number {
    return this.due.length - this.head;
  }

  private readonly turn = (): void => {
    // `send` may push (it joins the end; `scheduled` is still set, so no second turn) or clear
    // (the loop stops): the loop re-reads the queue each time.
    for (let sent = 0; sent < this.perTurn && this.head < this.due.length; sent++)
      this.send(this.due[this.head++]!);
    if (this.head < this.due.length) this.schedule(this.turn);
    else {
      this.due.length = this.head = 0;
      this.scheduled = false;
    }
  };
}
