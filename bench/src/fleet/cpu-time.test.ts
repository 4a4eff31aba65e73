import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CpuWatch, processOnCoreMs, readSchedstat, schedstatSince } from './cpu-time.js';

// schedstat is Linux's: elsewhere there is nothing to read, and processOnCoreMs gives undefined.
const linux = fs.existsSync(`/proc/${process.pid}/task`);

describe.runIf(linux)('processOnCoreMs / CpuWatch: time on a core per process (Linux schedstat)', () => {
  it('grows by at least the CPU this process burns', () => {
    const before = processOnCoreMs(process.pid)!;
    expect(before.main).toBeLessThanOrEqual(before.all);
    const until = performance.now() + 30;
    let x = 0;
    while (performance.now() < until) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    // 30 ms of spinning: most of it on a core, whatever else the machine runs.
    const after = processOnCoreMs(process.pid)!;
    // Counted in `all` whichever thread runs this (vitest may run it in a worker thread).
    expect(after.all - before.all).toBeGreaterThan(5);
    expect(after.all - before.all).toBeGreaterThanOrEqual(after.main - before.main);
  });

  it('gives undefined for a process that does not exist, and leaves it out of a watch', () => {
    // Above the kernel's largest pid (pid_max is at most 2^22).
    expect(processOnCoreMs(2 ** 23)).toBeUndefined();
    const watch = new CpuWatch();
    watch.watch('gone', 2 ** 23);
    watch.watch('self', process.pid);
    watch.watch('unknown', undefined);
    const before = watch.read();
    expect([...before.keys()]).toEqual(['self']);
    expect(Object.keys(watch.since(before))).toEqual(['self']);
    expect(watch.since(before).self!.all).toBeGreaterThanOrEqual(0);
  });
});

describe.runIf(linux)('readSchedstat / schedstatSince: the calling thread, on a core and waiting', () => {
  it('the spinning thread gains time on a core; a missing reading gives no difference', () => {
    const before = readSchedstat()!;
    const until = performance.now() + 30;
    let x = 0;
    while (performance.now() < until) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    const d = schedstatSince(before, readSchedstat())!;
    expect(d.onCoreMs).toBeGreaterThan(5);
    expect(d.waitingMs).toBeGreaterThanOrEqual(0);
    expect(schedstatSince(undefined, readSchedstat())).toBeUndefined();
    expect(schedstatSince(before, undefined)).toBeUndefined();
  });
});
