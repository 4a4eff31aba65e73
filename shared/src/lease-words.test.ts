import { describe, expect, it } from 'vitest';
import { abandonReason, isAbandon } from './lease-words.js';

describe('lease words', () => {
  it('an abandon reason reads as one, and only that', () => {
    expect(abandonReason('no running rollout asks to restart zk/zk-1')).toBe(
      'abandon: no running rollout asks to restart zk/zk-1',
    );
    expect(isAbandon(abandonReason('x'))).toBe(true);
    expect(isAbandon('waiting: cluster is degraded')).toBe(false);
    expect(isAbandon('zk/zk-1 not ready 180000 ms after its restart')).toBe(false);
  });
});
