import { describe, expect, it } from 'vitest';
import { refreshRetryDelayMs } from './retry.js';

describe('refreshRetryDelayMs: a failed console refresh is asked again, backing off', () => {
  it.each([
    [0, 1000],
    [1, 2000],
    [2, 4000],
    [4, 16_000],
    [5, 30_000],
    [9, 30_000],
    [1000, 30_000],
    [-1, 1000],
  ])('attempt %i → %i ms', (attempt, ms) => {
    expect(refreshRetryDelayMs(attempt)).toBe(ms);
  });
});
