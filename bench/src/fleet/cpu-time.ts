import fs from 'node:fs';

/** A process's time on a core so far, ms: all its threads, and its main thread (a Node process's event loop). */
export interface OnCore {
  all: number;
  main: number;
}

/**
 * Time on a core of process `pid` since it started, ms: the first field of
 * /proc/PID/task/TID/schedstat (ns; Linux, kernel docs sched-stats.rst), summed over every thread
 * (a Node process's GC and libuv threads too) and for the main thread alone. Undefined off Linux
 * or once the process is gone; a thread that ends between the listing and its read is left out.
 */
export function processOnCoreMs(pid: number): OnCore | undefined {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let all = 0;
  let main = 0;
  for (const tid of tids) {
    let ns: number;
    try {
      ns = Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      continue; // The thread ended: its time is gone with it.
    }
    all += ns;
    if (tid === String(pid)) main = ns;
  }
  return { all: all / 1e6, main: main / 1e6 };
}

/**
 * Time on a core of a set of processes between two readings, by label: what else ran on the
 * machine's cores during a timed round (fleet-push reads it around each fan-out).
 */
export class CpuWatch {
  private readonly pids = new Map<string, number>();

  /** Watches process `pid` as `label` from now on (a later call with the label replaces it). */
  watch(label: string, pid: number | undefined): void {
    if (pid !== undefined) this.pids.set(label, pid);
  }

  /** Each watched process's time on a core so far, by label; gone processes left out. */
  read(): Map<string, OnCore> {
    const out = new Map<string, OnCore>();
    for (const [label, pid] of this.pids) {
      const t = processOnCoreMs(pid);
      if (t !== undefined) out.set(label, t);
    }
    return out;
  }

  /** Time on a core since `before` (a `read()`), by label, for processes in both readings. */
  since(before: ReadonlyMap<string, OnCore>): Record<string, OnCore> {
    const out: Record<string, OnCore> = {};
    for (const [label, t] of this.read()) {
      const t0 = before.get(label);
      if (t0 !== undefined) out[label] = { all: t.all - t0.all, main: t.main - t0.main };
    }
    return out;
  }
}
