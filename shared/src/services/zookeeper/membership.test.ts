import { describe, it, expect } from 'vitest';
import { planZookeeperMembership } from './membership.js';
import type { ZookeeperSpec } from './spec.js';

const spec = (ids: number[]): ZookeeperSpec =>
  ({
    name: 'zk',
    kind: 'zookeeper',
    distribution: { home: '/usr/share/zookeeper' },
    settings: {},
    members: ids.map((id) => ({ host: `h${id}`, id })),
  }) as unknown as ZookeeperSpec;

const ids = (phases: ZookeeperSpec[]) => phases.map((p) => p.members.map((m) => m.id));

/** Majorities of two server lists intersect: no two leaders can each hold a quorum. */
function quorumsIntersect(a: number[], b: number[]): boolean {
  const qa = Math.floor(a.length / 2) + 1;
  const qb = Math.floor(b.length / 2) + 1;
  const union = new Set([...a, ...b]).size;
  return qa + qb > union;
}

describe('zookeeper membership chain (one server per phase)', () => {
  it.each<[string, number[], number[], number[][]]>([
    [
      'grow 1 → 3',
      [1],
      [1, 2, 3],
      [
        [1, 2],
        [1, 2, 3],
      ],
    ],
    [
      'grow 3 → 5',
      [1, 2, 3],
      [1, 2, 3, 4, 5],
      [
        [1, 2, 3, 4],
        [1, 2, 3, 4, 5],
      ],
    ],
    [
      'shrink 5 → 3 (highest ids first)',
      [1, 2, 3, 4, 5],
      [1, 2, 3],
      [
        [1, 2, 3, 4],
        [1, 2, 3],
      ],
    ],
    [
      'replace one: add before remove',
      [1, 2, 3],
      [1, 2, 6],
      [
        [1, 2, 3, 6],
        [1, 2, 6],
      ],
    ],
    ['shrink 3 → 1', [1, 2, 3], [1], [[1, 2], [1]]],
    ['no membership change: one phase, the spec itself', [1, 2, 3], [1, 2, 3], [[1, 2, 3]]],
  ])('%s', (_s, from, to, phases) => {
    const chain = planZookeeperMembership(spec(from), spec(to));
    expect(ids(chain)).toEqual(phases);
    expect(chain.at(-1)).toEqual(spec(to));
    // Every neighbouring pair of server lists (the start included) has intersecting majorities.
    const lists = [from, ...phases];
    for (let i = 1; i < lists.length; i++) expect(quorumsIntersect(lists[i - 1]!, lists[i]!)).toBe(true);
  });

  it('a jump of two servers at once would not be safe (why the chain exists): {1,2} and {3,4,5} are both majorities', () => {
    expect(quorumsIntersect([1, 2, 3], [1, 2, 3, 4, 5])).toBe(false);
  });

  it('kept members carry the new spec’s fields and settings in every phase', () => {
    const after = { ...spec([1, 2, 3]), settings: { tickTime: 700 } } as unknown as ZookeeperSpec;
    after.members[0] = { ...after.members[0]!, clientPort: 2182 } as ZookeeperSpec['members'][number];
    const [first] = planZookeeperMembership(spec([1]), after);
    expect(first!.settings).toEqual({ tickTime: 700 });
    expect(first!.members[0]).toEqual(after.members[0]);
  });
});
