import fs from 'node:fs';

/**
 * A thread's scheduler times (Linux schedstat, kernel docs sched-stats.rst), ms: on a core, and
 * runnable but waiting for one.
 */
export interface Schedstat {
  onCoreMs: number;
  waitingMs: number;
}

/** The first two fields of a schedstat file (`<on-core ns> <waiting ns> <timeslices>`), in ms. */
function readSchedstatFile(file: string): Schedstat {
  const [run, wait] = fs.readFileSync(file, 'utf8').split(' ');
  return { onCoreMs: Number(run) / 1e6, waitingMs: Number(wait) / 1e6 };
}

/**
 * The calling thread's scheduler times since it started (/proc/thread-self/schedstat). Undefined
 * where the file is missing. Called from JavaScript, so the thread is the event loop's.
 */
export function readSchedstat(): Schedstat | undefined {
  try {
    return readSchedstatFile('/proc/thread-self/schedstat');
  } catch {
    return undefined;
  }
}

/** `now - before` (two readSchedstat readings), field by field; undefined when either is (off Linux). */
export function schedstatSince(
  before: Schedstat | undefined,
  now: Schedstat | undefined,
): Schedstat | undefined {
  if (!before || !now) return undefined;
  return { onCoreMs: now.onCoreMs - before.onCoreMs, waitingMs: now.waitingMs - before.waitingMs };
}

/** A process's time on a core so far, ms: all its threads, and its main thread (a Node process's event loop). */
export interface OnCore {
  all: number;
  main: number;
}

/**
 * Time on a core of process `pid` since it started, ms: /proc/PID/task/TID/schedstat's on-core
 * time, summed over every thread
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
    let ms: number;
    try {
      ms = readSchedstatFile(`/proc/${pid}/task/${tid}/schedstat`).onCoreMs;
    } catch {
      continue; // The thread ended: its time is gone with it.
    }
    all += ms;
    if (tid === String(pid)) main = ms;
  }
  return { all, main };
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
