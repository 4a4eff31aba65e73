import { describe, it, expect } from 'vitest';
import { addNameExclusion, holdsShards, shardsOnNode } from './removal.js';

describe('elasticsearch: node removal helpers', () => {
  it.each<[string[], boolean]>([
    [['master'], false],
    [['data'], true],
    [['data_hot', 'ingest'], true],
    [['master', 'data_content'], true],
    [[], false],
  ])('roles %j hold shards: %s', (roles, expected) => expect(holdsShards(roles)).toBe(expected));

  it.each<[string | null | undefined, string]>([
    [undefined, 'node-4'],
    [null, 'node-4'],
    ['', 'node-4'],
    ['node-9', 'node-9,node-4'],
    ['node-9, node-4', 'node-9,node-4'],
  ])('exclusion list %j + node-4 → %j (other exclusions kept, no duplicates)', (current, expected) =>
    expect(addNameExclusion(current, 'node-4')).toBe(expected),
  );

  it('shards still on the node, relocating ones included (listed as "source -> target")', () => {
    const rows = [
      { index: 'docs', shard: '0', prirep: 'p', state: 'STARTED', node: 'node-1' },
      { index: 'docs', shard: '0', prirep: 'r', state: 'RELOCATING', node: 'node-4 -> 127.0.0.1 abc node-2' },
      { index: 'docs', shard: '1', prirep: 'r', state: 'STARTED', node: 'node-4' },
      { index: 'logs', shard: '0', prirep: 'r', state: 'UNASSIGNED', node: null },
    ];
    expect(shardsOnNode(rows, 'node-4')).toEqual(['docs[0]r', 'docs[1]r']);
    expect(shardsOnNode(rows, 'node-40')).toEqual([]);
  });
});
