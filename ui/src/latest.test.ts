import { describe, expect, it } from 'vitest';
import { LatestAnswers } from './latest.js';

describe('LatestAnswers: an older refresh never replaces a newer answer', () => {
  it.each([
    ['answers in the order asked: both shown', [1, 2], [true, true]],
    ['the newer refresh answered first: the older answer is dropped', [2, 1], [true, false]],
    ['the same refresh answers a piece twice (a retry of it): shown', [1, 1], [true, true]],
    ['three refreshes, the middle one last', [1, 3, 2], [true, true, false]],
  ])('%s', (_name, order, shown) => {
    const latest = new LatestAnswers();
    for (let i = 0; i < Math.max(...order); i++) latest.start();
    expect(order.map((seq) => latest.accept('hosts', seq))).toEqual(shown);
  });

  it('pieces are independent: a late answer for one does not block another', () => {
    const latest = new LatestAnswers();
    const [older, newer] = [latest.start(), latest.start()];
    expect(latest.accept('cluster:zk', newer)).toBe(true);
    expect(latest.accept('hosts', older)).toBe(true);
    expect(latest.accept('cluster:zk', older)).toBe(false);
    expect(latest.accept('cluster:kafka', older)).toBe(true);
  });

  it('after a reset (a logout) a refresh started before it is dropped; later ones are shown', () => {
    const latest = new LatestAnswers();
    const before = latest.start();
    latest.accept('hosts', latest.start());
    latest.reset();
    expect(latest.accept('hosts', before)).toBe(false);
    const after = latest.start();
    expect(after).toBeGreaterThan(before);
    expect(latest.accept('hosts', after)).toBe(true);
  });
});
