import { describe, expect, it } from 'vitest';
import { attributeStalls, describeStalls } from './stalls.js';

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

  it('keeps the longest `top` stalls and says none when there was none', () => {
    const stalls = [10, 30, 20].map((ms, i) => ({ label: 'stall', start: i * 100, end: i * 100 + ms }));
    expect(attributeStalls(stalls, [], 0, 2).map((s) => s.ms)).toEqual([30, 20]);
    expect(describeStalls([])).toBe('none');
  });
});
