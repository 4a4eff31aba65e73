import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkDrained,
  EXCLUDE_NAME_SETTING,
  holdsShards,
  parseAllocationExcludes,
  parseShardsOnNode,
  parseVotingState,
  planExcludeNames,
} from './removal.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const load = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(testdata, name), 'utf8'));

// Recorded by test/e2e/elasticsearch-removal.test.ts (testdata/README.md).
describe('elasticsearch removal replies (recorded from 8.19.21)', () => {
  it('cluster settings: the persistent exclusion names node-4', () => {
    expect(parseAllocationExcludes(load('cluster-settings-exclude-node-4-es8.19.21.json'))).toEqual({
      persistent: ['node-4'],
      transient: [],
    });
    expect(parseAllocationExcludes({ persistent: {}, transient: {} })).toEqual({
      persistent: [],
      transient: [],
    });
    expect(
      parseAllocationExcludes({
        persistent: { [EXCLUDE_NAME_SETTING]: 'a, b' },
        transient: { [EXCLUDE_NAME_SETTING]: 'c' },
      }),
    ).toEqual({ persistent: ['a', 'b'], transient: ['c'] });
  });

  it('_cat/shards after the drain: nothing on node-4, the copies on the others', () => {
    const body = load('cat-shards-node-4-drained-es8.19.21.json');
    expect(parseShardsOnNode(body, 'node-4')).toEqual([]);
    const onNode1 = parseShardsOnNode(body, 'node-1');
    expect(onNode1.length).toBeGreaterThan(0);
    for (const c of onNode1) expect(c).toMatchObject({ index: expect.any(String), state: 'STARTED' });
  });

  it('_cat/shards during the drain: a copy relocating off node-4 counts for node-4 and for its target', () => {
    const file = 'cat-shards-node-4-relocating-es8.19.21.json';
    const body = load(file) as { node: string | null; state: string }[];
    const moving = body.filter((r) => r.state === 'RELOCATING');
    expect(moving.length).toBeGreaterThan(0);
    const [from, to] = moving[0]!.node!.split(' -> ');
    expect(from).toBe('node-4');
    const target = to!.split(' ').at(-1)!;
    expect(parseShardsOnNode(body, 'node-4').some((c) => c.state === 'RELOCATING')).toBe(true);
    expect(parseShardsOnNode(body, target).some((c) => c.state === 'RELOCATING')).toBe(true);
    expect(checkDrained('green', 'node-4', parseShardsOnNode(body, 'node-4')).done).toBe(false);
  });

  it('voting state: node-3 excluded and out of the committed configuration; cleared afterwards', () => {
    const excluded = parseVotingState(load('cluster-coordination-node-3-excluded-es8.19.21.json'));
    expect(excluded.excluded).toEqual(['node-3']);
    expect(excluded.committed).toHaveLength(1);
    expect(parseVotingState(load('cluster-coordination-cleared-es8.19.21.json')).excluded).toEqual([]);
    // filter_path leaves out empty arrays on some versions: absent lists read as empty.
    expect(parseVotingState({ metadata: { cluster_coordination: { term: 1 } } })).toEqual({
      committed: [],
      excluded: [],
    });
    expect(() => parseVotingState({ metadata: {} })).toThrow();
  });

  it('unassigned copies belong to no node', () => {
    expect(
      parseShardsOnNode([{ index: 'i', shard: '0', prirep: 'r', state: 'UNASSIGNED', node: null }], 'node-1'),
    ).toEqual([]);
  });
});

describe('elasticsearch removal decisions', () => {
  it.each([
    [[], 'n4', 'add', { value: 'n4' }],
    [['n1'], 'n4', 'add', { value: 'n1,n4' }],
    [['n1', 'n4'], 'n4', 'add', 'unchanged'],
    [['n1', 'n4'], 'n4', 'remove', { value: 'n1' }],
    [['n4'], 'n4', 'remove', { value: null }],
    [['n1'], 'n4', 'remove', 'unchanged'],
  ] as const)('exclude %j %s %s → %j', (current, node, op, want) => {
    expect(planExcludeNames(current, node, op)).toEqual(want);
  });

  it('drained only with no copy left and the cluster not red', () => {
    expect(checkDrained('yellow', 'n4', [])).toEqual({
      done: true,
      reason: 'n4 holds no shards; cluster yellow',
    });
    expect(checkDrained('red', 'n4', [])).toEqual({
      done: false,
      reason: 'cluster is red; waiting before trusting the drain of n4',
    });
    const copies = Array.from({ length: 6 }, (_, i) => ({
      index: 'docs',
      shard: i,
      primary: i === 0,
      state: 'STARTED',
    }));
    expect(checkDrained('green', 'n4', copies)).toEqual({
      done: false,
      reason:
        'n4 still holds 6 shard copies: docs[0]p STARTED, docs[1]r STARTED, docs[2]r STARTED, docs[3]r STARTED, docs[4]r STARTED, …',
    });
  });

  it('which roles hold shards', () => {
    expect(holdsShards(['master'])).toBe(false);
    expect(holdsShards(['data_content', 'master'])).toBe(true);
    expect(holdsShards(['data'])).toBe(true);
    expect(holdsShards(['ingest', 'ml'])).toBe(false);
  });
});
