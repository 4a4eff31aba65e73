import { describe, it, expect } from 'vitest';
import { diffLines, compactDiff } from './diff-text.js';

describe('line diff', () => {
  it('marks a changed setting as removed + added with context kept', () => {
    expect(diffLines('a=1\nb=2\nc=3', 'a=1\nb=5\nc=3')).toEqual([' a=1', '-b=2', '+b=5', ' c=3']);
  });
  it('identical text has no changes; compact drops unchanged lines', () => {
    expect(compactDiff(diffLines('x\ny', 'x\ny'))).toEqual([]);
    expect(compactDiff(diffLines('1\n2\n3\n4\n5', '1\n2\n3\n4\n6'))).toEqual([' 4', '-5', '+6']);
  });
});
