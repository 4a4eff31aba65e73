import { describe, expect, it } from 'vitest';
import { checkElasticsearchNodeStop } from './stop.js';

const row = (index: string, shard: string, prirep: string, state: string, node: string | null) => ({
  index,
  shard,
  prirep,
  state,
  node,
});

describe('elasticsearch: may a node stop while it stays in the cluster', () => {
  it('every shard on the node has a started copy elsewhere → ok', () => {
    const c = checkElasticsearchNodeStop(
      [
        row('logs', '0', 'p', 'STARTED', 'node-1'),
        row('logs', '0', 'r', 'STARTED', 'node-2'),
        row('other', '0', 'p', 'STARTED', 'node-3'),
      ],
      'node-1',
    );
    expect(c).toEqual({
      ok: true,
      reasons: ['each of the 1 shard(s) on node-1 has a started copy on another node'],
    });
  });

  it('a shard with no replicas (green, but one copy) or an unassigned or initializing replica → refused, naming it', () => {
    const c = checkElasticsearchNodeStop(
      [
        row('solo', '0', 'p', 'STARTED', 'node-1'),
        row('logs', '1', 'p', 'STARTED', 'node-1'),
        row('logs', '1', 'r', 'UNASSIGNED', null),
        row('logs', '2', 'p', 'STARTED', 'node-1'),
        row('logs', '2', 'r', 'INITIALIZING', 'node-2'),
      ],
      'node-1',
    );
    expect(c.ok).toBe(false);
    expect(c.reasons).toEqual([
      'logs[1]: the only started copy is on node-1',
      'logs[2]: the only started copy is on node-1',
      'solo[0]: the only started copy is on node-1',
    ]);
  });

  it('a copy relocating off the node still counts as on it; its target does not count until started', () => {
    const c = checkElasticsearchNodeStop(
      [row('logs', '0', 'p', 'RELOCATING', 'node-1 -> 10.0.0.2 abc node-2')],
      'node-1',
    );
    expect(c.ok).toBe(false);
  });

  it('throws on a body that is not _cat/shards', () => {
    expect(() => checkElasticsearchNodeStop({ shards: [] }, 'node-1')).toThrow();
  });
});
