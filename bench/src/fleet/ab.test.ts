import { describe, expect, it } from 'vitest';
import { abCells, turnOrder } from './ab.js';

describe('turnOrder', () => {
  it.each<[string, number, number, number[]]>([
    ['two builds, an even round: base first', 0, 2, [0, 1]],
    ['two builds, an odd round: new first', 1, 2, [1, 0]],
    ['two builds, the round after: base first again', 2, 2, [0, 1]],
    ['three paths rotate by one a round', 1, 3, [1, 2, 0]],
    ['one build always goes alone', 5, 1, [0]],
  ])('%s', (_scenario, round, n, want) => {
    expect(turnOrder(round, n)).toEqual(want);
  });
});

describe('abCells', () => {
  it('both medians and their ratio; no interval below 5 rounds', () => {
    expect(abCells([10, 10, 10, 10], [5, 5, 5, 5])).toEqual(['10.0', '5.00', '0.50x', '-']);
  });

  it('a time under 1 ms through its own format', () => {
    expect(abCells([0.002, 0.002], [0.003, 0.003], (v) => `${v * 1000} µs`).slice(0, 3)).toEqual([
      '2 µs',
      '3 µs',
      '1.50x',
    ]);
  });

  it("the ratio of the medians, not the median of the rounds' ratios", () => {
    // Each build's PUT is slow in every other round, never in the same round as the other's:
    // every round's ratio is 0.5 or 2, yet the medians are the same.
    const base = [10, 20, 10, 20, 10, 20];
    const next = [20, 10, 20, 10, 20, 10];
    expect(abCells(base, next)[2]).toBe('1.00x');
  });

  it('with 5 rounds or more, an interval around the ratio', () => {
    const base = Array.from({ length: 12 }, () => 10);
    const [, , ratio, interval] = abCells(
      base,
      base.map(() => 11),
    );
    expect(ratio).toBe('1.10x');
    expect(interval).toBe('1.10-1.10');
  });

  it('different round counts: RangeError', () => {
    expect(() => abCells([1, 2], [1])).toThrow(RangeError);
  });
});
