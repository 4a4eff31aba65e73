import { describe, it, expect } from 'vitest';
import { ReportQueue } from './report-queue.js';

/** A queue whose turns run only when the test says, recording what each turn wrote. */
function stepped(perTurn: number) {
  const turns: (() => void)[] = [];
  const sent: number[] = [];
  const q = new ReportQueue(
    (i) => sent.push(i),
    perTurn,
    (turn) => turns.push(turn),
  );
  /** Runs the one scheduled turn and returns what it wrote. */
  const step = (): number[] => {
    expect(turns).toHaveLength(1);
    const from = sent.length;
    turns.shift()!();
    return sent.slice(from);
  };
  return { q, turns, sent, step };
}

describe('ReportQueue (simulated agents: due reports a few per event-loop turn)', () => {
  it('writes nothing when a report is queued, only in the turn it schedules', () => {
    const { q, turns, sent } = stepped(100);
    q.push(7);
    expect(sent).toEqual([]);
    expect(turns).toHaveLength(1);
    expect(q.pending).toBe(1);
  });

  it('250 due reports go out 100, 100 and 50 per turn, in the order they fell due', () => {
    const { q, turns, step } = stepped(100);
    for (let i = 0; i < 250; i++) q.push(i);
    expect(turns).toHaveLength(1);
    expect(step()).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(step()).toEqual(Array.from({ length: 100 }, (_, i) => 100 + i));
    expect(step()).toEqual(Array.from({ length: 50 }, (_, i) => 200 + i));
    expect(turns).toHaveLength(0);
    expect(q.pending).toBe(0);
  });

  it('a report that falls due while the queue drains joins its end, with no second turn scheduled', () => {
    const { q, turns, step } = stepped(2);
    q.push(1);
    q.push(2);
    q.push(3);
    expect(step()).toEqual([1, 2]);
    q.push(4);
    expect(turns).toHaveLength(1);
    expect(step()).toEqual([3, 4]);
    expect(turns).toHaveLength(0);
  });

  it('once drained, the next report schedules a turn again', () => {
    const { q, step } = stepped(10);
    q.push(1);
    expect(step()).toEqual([1]);
    q.push(2);
    expect(step()).toEqual([2]);
  });

  it('with setImmediate, each turn is a macrotask of its own: what report 1 queued runs before report 2', async () => {
    const order: string[] = [];
    const q = new ReportQueue((i) => {
      order.push(`report ${i}`);
      if (i === 1) setImmediate(() => order.push('queued by report 1'));
    }, 1);
    q.push(1);
    q.push(2);
    await new Promise<void>((resolve) => {
      const poll = () => (q.pending === 0 ? resolve() : setImmediate(poll));
      setImmediate(poll);
    });
    expect(order).toEqual(['report 1', 'queued by report 1', 'report 2']);
  });

  it('clear drops what is queued: the turn already scheduled writes nothing', () => {
    const { q, sent, step } = stepped(10);
    q.push(1);
    q.push(2);
    q.clear();
    expect(step()).toEqual([]);
    expect(sent).toEqual([]);
    expect(q.pending).toBe(0);
  });

  it('a report pushed from inside send joins the end, also from the last of a turn', () => {
    const turns: (() => void)[] = [];
    const sent: number[] = [];
    const q = new ReportQueue(
      (i) => {
        sent.push(i);
        if (i === 2) q.push(3);
      },
      2,
      (turn) => turns.push(turn),
    );
    q.push(1);
    q.push(2);
    turns.shift()!();
    expect(sent).toEqual([1, 2]);
    expect(turns).toHaveLength(1);
    turns.shift()!();
    expect(sent).toEqual([1, 2, 3]);
    expect(turns).toHaveLength(0);
  });

  it('a send that clears ends its turn: nothing after it is written, and one turn is scheduled at a time', () => {
    const turns: (() => void)[] = [];
    const sent: (number | undefined)[] = [];
    const q = new ReportQueue(
      (i) => {
        sent.push(i);
        if (i === 1) q.clear();
      },
      10,
      (turn) => turns.push(turn),
    );
    q.push(1);
    q.push(2);
    q.push(3);
    turns.shift()!();
    expect(sent).toEqual([1]);
    expect(turns).toHaveLength(0);
    q.push(4);
    q.clear();
    q.push(5);
    expect(turns).toHaveLength(1);
    turns.shift()!();
    expect(sent).toEqual([1, 5]);
  });

  it.each([0, -1, 1.5, NaN])('perTurn %s is refused', (n) => {
    expect(() => new ReportQueue(() => {}, n)).toThrow(/perTurn: a whole number of at least 1/);
  });
});
