import { describe, it, expect } from 'vitest';
import { median, percentile, ratioInterval, verdict, type RatioInterval } from './stats.js';

describe('percentile (nearest rank)', () => {
  const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  it.each<[string, readonly number[], number, number]>([
    ['the 0th is the smallest', ten, 0, 1],
    ['the 10th of ten values is the first', ten, 10, 1],
    ['the 25th rounds up to the third', ten, 25, 3],
    ['the 50th of ten values is the fifth', ten, 50, 5],
    ['the 99th is the largest of ten', ten, 99, 10],
    ['the 100th is the largest', ten, 100, 10],
    ['one value is every percentile', [7], 0, 7],
  ])('%s', (_scenario, sorted, p, want) => {
    expect(percentile(sorted, p)).toBe(want);
  });

  it('no values: NaN', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

/** A seeded [0, 1) source (mulberry32), so the resamples are the same in every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('ratioInterval (paired bootstrap of the ratio of medians)', () => {
  it('every round exactly twice its pair: the interval is 2x at both ends', () => {
    const den = [40, 55, 38, 61, 47, 52];
    const i = ratioInterval(
      den.map((d) => 2 * d),
      den,
      { random: seeded(1) },
    );
    expect(i).toEqual({ low: 2, high: 2, level: 0.9 });
  });

  it('noisy rounds: the interval holds the table ratio and widens with a wider level', () => {
    const num = [95, 120, 88, 240, 101, 93, 160, 99, 130];
    const den = [40, 62, 37, 58, 45, 70, 41, 52, 44];
    const point = median(num) / median(den);
    const i90 = ratioInterval(num, den, { random: seeded(7) })!;
    const i99 = ratioInterval(num, den, { random: seeded(7), level: 0.99 })!;
    expect(i90.low).toBeLessThanOrEqual(point);
    expect(i90.high).toBeGreaterThanOrEqual(point);
    expect(i90.low).toBeLessThan(i90.high);
    expect(i99.low).toBeLessThanOrEqual(i90.low);
    expect(i99.high).toBeGreaterThanOrEqual(i90.high);
  });

  it('fewer rounds than minRounds: no interval', () => {
    expect(ratioInterval([1, 2, 3, 4], [1, 1, 1, 1])).toBeUndefined();
    expect(ratioInterval([1, 2], [1, 1], { minRounds: 2, random: seeded(3) })).toBeDefined();
  });

  it('rounds must pair up: a length mismatch is a RangeError', () => {
    expect(() => ratioInterval([1, 2, 3, 4, 5], [1, 2, 3, 4])).toThrow(RangeError);
  });
});

describe('verdict against the 1.5x target', () => {
  it.each<[string, RatioInterval | undefined, ReturnType<typeof verdict>]>([
    ['wholly under: met', { low: 1.1, high: 1.4, level: 0.9 }, 'met'],
    ['the high end exactly at the target: met', { low: 1.2, high: 1.5, level: 0.9 }, 'met'],
    ['wholly over: missed', { low: 1.6, high: 2.4, level: 0.9 }, 'missed'],
    ['straddling: unsettled', { low: 1.3, high: 1.9, level: 0.9 }, 'unsettled'],
    ['no interval: unsettled', undefined, 'unsettled'],
  ])('%s', (_scenario, interval, want) => {
    expect(verdict(interval, 1.5)).toBe(want);
  });
});
