import { describe, it, expect } from 'vitest';
import { planBackoff } from './backoff.js';

describe('reconnect backoff', () => {
  const opts = { baseMs: 500, maxMs: 30_000 };
  it('doubles per attempt and stays within [cap/2, cap)', () => {
    expect(planBackoff(0, 0, opts)).toBe(250);
    expect(planBackoff(0, 0.999, opts)).toBe(499);
    expect(planBackoff(3, 0, opts)).toBe(2000);
  });
  it('is capped at maxMs however many attempts', () => {
    expect(planBackoff(100, 0.999, opts)).toBeLessThan(30_000);
    expect(planBackoff(100, 0, opts)).toBe(15_000);
  });
  it('spreads agents: different draws give different delays', () => {
    expect(new Set([0.1, 0.4, 0.7].map((r) => planBackoff(4, r, opts))).size).toBe(3);
  });
});
