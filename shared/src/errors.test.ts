import { describe, expect, it } from 'vitest';
import { clusterNotFound } from './errors.js';

describe('clusterNotFound: names the clusters that exist', () => {
  it('in name order, the first ten and how many more; none said as none', () => {
    expect(clusterNotFound('kafka', ['zk-main', 'kafka-main']).message).toBe(
      `cluster "kafka" not found; the fleet's clusters: kafka-main, zk-main`,
    );
    const many = Array.from({ length: 12 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    expect(clusterNotFound('x', many).message).toBe(
      `cluster "x" not found; the fleet's clusters: ${many.slice(0, 10).join(', ')}, … and 2 more`,
    );
    expect(clusterNotFound('x', []).message).toBe('cluster "x" not found; the fleet has no clusters yet');
    expect(clusterNotFound('x', []).code).toBe('not_found');
  });
});
