import { describe, it, expect } from 'vitest';
import { checkStormIdentityChange } from './identity.js';
import type { StormSpec } from './spec.js';

const spec = (zookeeper: string, settings: Record<string, unknown> = {}) =>
  ({ name: 'storm-main', kind: 'storm', zookeeper, settings }) as unknown as StormSpec;
const check = (a: StormSpec, b: StormSpec) =>
  checkStormIdentityChange({ spec: a, plans: [] }, { spec: b, plans: [] }).map((p) => p.path);

describe('storm identity changes on a formed cluster', () => {
  it.each<[string, StormSpec, StormSpec, string[]]>([
    ['same ensemble and root → accepted', spec('zk-a'), spec('zk-a', { 'topology.workers': 2 }), []],
    [
      'default root made explicit → accepted',
      spec('zk-a'),
      spec('zk-a', { 'storm.zookeeper.root': '/storm-main' }),
      [],
    ],
    [
      'another root → refused at the setting',
      spec('zk-a'),
      spec('zk-a', { 'storm.zookeeper.root': '/storm' }),
      ['settings.storm.zookeeper.root'],
    ],
    ['another ensemble → refused at zookeeper', spec('zk-a'), spec('zk-b'), ['zookeeper']],
  ])('%s', (_n, a, b, paths) => expect(check(a, b)).toEqual(paths));

  it('says where the state lives', () => {
    const [p] = checkStormIdentityChange(
      { spec: spec('zk-a'), plans: [] },
      { spec: spec('zk-a', { 'storm.zookeeper.root': '/x' }), plans: [] },
    );
    expect(p?.message).toContain('under /storm-main');
  });
});
