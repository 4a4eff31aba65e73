import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { constants as perf } from 'node:perf_hooks';
import { StallWatch, attributeStalls, describeStalls } from './stalls.js';

describe('attributeStalls', () => {
  it('tells each stall as the overlap of every span with it, longest stall first', () => {
    const stalls = [
      { label: 'stall', start: 100, end: 160 },
      { label: 'stall', start: 1000, end: 1140 },
    ];
    const spans = [
      { label: 'reconcile pass: rollouts', start: 990, end: 1100 }, // 100 ms inside the second stall
      { label: 'status reports', start: 1100, end: 1105 },
      { label: 'status reports', start: 1105, end: 1115 },
      { label: 'GC', start: 150, end: 170 }, // 10 ms inside the first
      { label: 'GET /v1/clusters', start: 400, end: 500 }, // in neither
    ];
    const told = attributeStalls(stalls, spans, 0);
    expect(told).toEqual([
      {
        at: 1000,
        ms: 140,
        within: { 'reconcile pass: rollouts': { ms: 100, n: 1 }, 'status reports': { ms: 15, n: 2 } },
        unnamedMs: 25,
      },
      { at: 100, ms: 60, within: { GC: { ms: 10, n: 1 } }, unnamedMs: 50 },
    ]);
    expect(describeStalls(told)).toBe(
      '140 ms at +1.0 s: reconcile pass: rollouts 100 ms, status reports 15 ms (n=2), unnamed 25 ms; ' +
        '60 ms at +0.1 s: GC 10 ms, unnamed 50 ms',
    );
  });

  it('says how long the loop was on a core and waiting for one, where that was read', () => {
    const stalls = [{ label: 'stall', start: 0, end: 200, onCoreMs: 40, waitingMs: 150 }];
    const told = attributeStalls(stalls, [{ label: 'GC', start: 10, end: 30 }], 0);
    expect(told[0]).toMatchObject({ ms: 200, onCoreMs: 40, waitingMs: 150, unnamedMs: 180 });
    expect(describeStalls(told)).toBe(
      '200 ms at +0.0 s (on a core 40 ms, waiting for one 150 ms): GC 20 ms, unnamed 180 ms',
    );
  });

  it('keeps the longest `top` stalls and says none when there was none', () => {
    const stalls = [10, 30, 20].map((ms, i) => ({ label: 'stall', start: i * 100, end: i * 100 + ms }));
    expect(attributeStalls(stalls, [], 0, 2).map((s) => s.ms)).toEqual([30, 20]);
    expect(describeStalls([])).toBe('none');
  });
});

describe('StallWatch', () => {
  it('notes a loop held by a busy stretch as a stall, with the thread on a core where Linux says so', async () => {
    const watch = new StallWatch(50);
    watch.start();
    await new Promise((r) => setTimeout(r, 15)); // the timer has run once
    const until = performance.now() + 120;
    while (performance.now() < until); // holds the loop: a stall of at least 120 ms
    await new Promise((r) => setTimeout(r, 15));
    const { stalls } = watch.stop();
    const longest = stalls.reduce((a, b) => (b.end - b.start > a.end - a.start ? b : a));
    expect(longest.end - longest.start).toBeGreaterThanOrEqual(110);
    if (fs.existsSync('/proc/thread-self/schedstat'))
      expect((longest.onCoreMs ?? 0) + (longest.waitingMs ?? 0)).toBeGreaterThan(0);
  });

  it('notes GC pauses, major ones by name, as spans and apart; nothing while not watching', () => {
    const watch = new StallWatch(50);
    watch.noteGc({ kind: perf.NODE_PERFORMANCE_GC_MAJOR, ms: 5, at: 1 });
    watch.start();
    watch.noteGc({ kind: perf.NODE_PERFORMANCE_GC_MAJOR, ms: 20, at: 100 });
    watch.noteGc({ kind: perf.NODE_PERFORMANCE_GC_MINOR, ms: 3, at: 200 });
    watch.note('status reports', 300, 301);
    const seen = watch.stop();
    expect(seen.gcs).toEqual([
      { kind: perf.NODE_PERFORMANCE_GC_MAJOR, ms: 20, at: 100 },
      { kind: perf.NODE_PERFORMANCE_GC_MINOR, ms: 3, at: 200 },
    ]);
    expect(seen.spans).toEqual([
      { label: 'major GC', start: 100, end: 120 },
      { label: 'GC', start: 200, end: 203 },
      { label: 'status reports', start: 300, end: 301 },
    ]);
  });
});
