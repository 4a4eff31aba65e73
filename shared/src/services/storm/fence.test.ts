import { describe, expect, it } from 'vitest';
import { decideFence } from './fence.js';

const A = '10.0.0.1';
const B = '10.0.0.2';

describe('decideFence', () => {
  it.each([
    ['nothing recorded, this nimbus active → claim', { epoch: 1, active: A }, A, undefined, 'claim'],
    ['nothing recorded, another nimbus active → refuse', { epoch: 1, active: B }, A, undefined, 'refuse'],
    [
      'same epoch recorded for this nimbus → start',
      { epoch: 3, active: A },
      A,
      { epoch: 3, active: A },
      'start',
    ],
    [
      'same epoch recorded for another → refuse',
      { epoch: 3, active: A },
      A,
      { epoch: 3, active: B },
      'refuse',
    ],
    ['newer desired epoch → claim', { epoch: 4, active: A }, A, { epoch: 3, active: B }, 'claim'],
    [
      'came back with an older epoch (cut off during a failover) → refuse',
      { epoch: 3, active: A },
      A,
      { epoch: 4, active: B },
      'refuse',
    ],
  ] as const)('%s', (_name, mine, self, recorded, action) => {
    const d = decideFence(mine, self, recorded);
    expect(d.action).toBe(action);
    expect(d.reason.length).toBeGreaterThan(0);
  });

  it('names both epochs when refusing an older one', () => {
    expect(decideFence({ epoch: 2, active: A }, A, { epoch: 5, active: B }).reason).toBe(
      `fenced: ZooKeeper holds epoch 5 (active nimbus ${B}), newer than this nimbus's epoch 2`,
    );
  });
});
