import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CpuWatch, processOnCoreMs, readSchedstat, schedstatSince } from './cpu-time.js';

// schedstat is Linux's: elsewhere there is nothing to read, and processOnCoreMs gives undefined.
const linux = fs.existsSync(`/proc/${process.pid}/task`);

/**
 * Burns CPU on the calling thread until `done()` (checked every 10 ms of spinning) or 10 s have
 * passed; the caller's expectation then says whether the time was seen.
 */
function spinUntil(done: () => boolean): void {
  const giveUp = performance.now() + 10_000;
  let x = 0;
  while (performance.now() < giveUp) {
    const slice = performance.now() + 10;
    while (performance.now() < slice) x += Math.sqrt(x + 1);
    if (done()) break;
  }
  expect(x).toBeGreaterThan(0);
}

describe.runIf(linux)('processOnCoreMs / CpuWatch: time on a core per process (Linux schedstat)', () => {
  it('grows by at least the CPU this process burns', () => {
    const before = processOnCoreMs(process.pid)!;
    expect(before.main).toBeLessThanOrEqual(before.all);
    // Spun until the reading shows it, not for a fixed time: on a loaded machine (the suite's own
    // e2e processes) 30 ms of wall time once gave this thread under 5 ms on a core.
    spinUntil(() => processOnCoreMs(process.pid)!.all - before.all > 5);
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
    spinUntil(() => schedstatSince(before, readSchedstat())!.onCoreMs > 5);
    const d = schedstatSince(before, readSchedstat())!;
    expect(d.onCoreMs).toBeGreaterThan(5);
    expect(d.waitingMs).toBeGreaterThanOrEqual(0);
    expect(schedstatSince(undefined, readSchedstat())).toBeUndefined();
    expect(schedstatSince(before, undefined)).toBeUndefined();
  });
});
