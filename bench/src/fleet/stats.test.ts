import { describe, it, expect } from 'vitest';
import { percentile } from './stats.js';

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
