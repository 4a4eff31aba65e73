import { describe, expect, it } from 'vitest';
import { capList } from './cap-list.js';

describe('capList', () => {
  it.each([
    ['none', [], []],
    ['fewer than max: all', ['a', 'b'], ['a', 'b']],
    ['exactly max: all, no count', ['a', 'b', 'c'], ['a', 'b', 'c']],
    ['one more than max: max, then the count', ['a', 'b', 'c', 'd'], ['a', 'b', 'c', '… and 1 more']],
  ])('%s', (_name, items, capped) => {
    expect(capList(items, 3)).toEqual(capped);
  });

  it('returns a copy: the caller may change it without touching the input', () => {
    const items = ['a'];
    capList(items, 3).push('b');
    expect(items).toEqual(['a']);
  });
});
