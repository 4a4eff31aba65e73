import { describe, expect, it } from 'vitest';
import { planRenewal, planRenewalRetry } from './renewal.js';

describe('certificate renewal plan', () => {
  it('renews at two thirds of the life; due → 0; past the end → expired', () => {
    expect(planRenewal(0, 3000, 0)).toEqual({ delayMs: 2000, expired: false });
    expect(planRenewal(0, 3000, 2500)).toEqual({ delayMs: 0, expired: false });
    expect(planRenewal(0, 3000, 3000)).toEqual({ delayMs: 0, expired: true });
  });
  it('retries after a failure within a minute, sooner near the end, never below a second', () => {
    expect(planRenewalRetry(10_000_000, 0)).toBe(60_000);
    expect(planRenewalRetry(10_000, 0)).toBe(5000);
    expect(planRenewalRetry(100, 0)).toBe(1000);
  });
});
