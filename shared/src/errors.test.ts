import { describe, expect, it } from 'vitest';
import { notFoundAmong } from './errors.js';

describe('notFoundAmong: names the ones that exist', () => {
  it('in name order, the first ten and how many more; none said as none', () => {
    expect(notFoundAmong('cluster', 'kafka', ['zk-main', 'kafka-main']).message).toBe(
      `cluster "kafka" not found; there are kafka-main, zk-main`,
    );
    const many = Array.from({ length: 12 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    expect(notFoundAmong('cluster', 'x', many).message).toBe(
      `cluster "x" not found; there are ${many.slice(0, 10).join(', ')}, … and 2 more`,
    );
    expect(notFoundAmong('cluster', 'x', []).message).toBe('cluster "x" not found; there are no clusters');
    expect(notFoundAmong('cluster', 'x', []).code).toBe('not_found');
  });
});
