import { PerformanceObserver } from 'node:perf_hooks';

/**
 * Records V8's GC pauses in this process from now on and answers the pause time that began within
 * a window (performance.now() ms): what an in-process benchmark's call paid in GC. Entries are
 * delivered when the event loop idles, some long after the call that paid them, so read the
 * answer after the loop has turned (a setTimeout of ~100 ms after the last call).
 */
export function watchGcPauses(): (from: number, to: number) => number {
  const pauses: { start: number; ms: number }[] = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push({ start: e.startTime, ms: e.duration });
  }).observe({ entryTypes: ['gc'] });
  return (from, to) => pauses.reduce((sum, g) => (g.start >= from && g.start <= to ? sum + g.ms : sum), 0);
}
