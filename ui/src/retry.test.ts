import { describe, expect, it } from 'vitest';
import { mergeRefresh, refreshRetryDelayMs } from './retry.js';

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

describe('mergeRefresh: refreshes that fail meanwhile join one retry', () => {
  it.each([
    ['nothing pending → the refresh itself', undefined, { hosts: true }, { hosts: true }],
    [
      'fleet + one cluster view → both, that view only',
      { hosts: true },
      { clusters: true, cluster: ['zk'] },
      { hosts: true, clusters: true, events: false, cluster: ['zk'] },
    ],
    [
      'two cluster views → both, once each',
      { clusters: true, cluster: ['zk', 'kafka'] },
      { clusters: true, cluster: ['zk', 'es'] },
      { hosts: false, clusters: true, events: false, cluster: ['zk', 'kafka', 'es'] },
    ],
    [
      'every listed cluster with one cluster view → every listed cluster',
      { clusters: true },
      { clusters: true, cluster: ['zk'], events: true },
      { hosts: false, clusters: true, events: true },
    ],
  ])('%s', (_, a, b, merged) => {
    expect(mergeRefresh(a, b)).toEqual(merged);
  });
});
