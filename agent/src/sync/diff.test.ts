import { describe, it, expect } from 'vitest';
import { diffInstances, type DesiredInstance } from './diff.js';

const inst = (
  id: string,
  inputs: unknown = { a: 1 },
  runState: 'running' | 'stopped' = 'running',
): DesiredInstance => ({ id, cluster: 'c', kind: 'zookeeper', role: 'member', runState, inputs });

describe('desired vs applied diff', () => {
  it('classifies add, remove, update and keep', () => {
    const current = new Map([inst('a'), inst('b'), inst('c')].map((i) => [i.id, i]));
    const d = diffInstances(current, [inst('a'), inst('b', { a: 2 }), inst('d')]);
    expect(d).toEqual({ add: [inst('d')], remove: ['c'], update: [inst('b', { a: 2 })], keep: ['a'] });
  });
  it('a run-state change is an update', () => {
    const d = diffInstances(new Map([['a', inst('a')]]), [inst('a', { a: 1 }, 'stopped')]);
    expect(d.update.map((i) => i.id)).toEqual(['a']);
  });
  it('an empty desired state removes everything', () => {
    expect(diffInstances(new Map([['a', inst('a')]]), []).remove).toEqual(['a']);
  });
});
