import { describe, expect, it } from 'vitest';
import { checkStormWarnings } from './warnings.js';
import { stormSpecSchema } from './spec.js';

const spec = (nimbus: Record<string, unknown>, settings: Record<string, unknown> = {}) =>
  stormSpecSchema.parse({
    name: 'storm-main',
    kind: 'storm',
    distribution: { home: '/opt/storm' },
    zookeeper: 'zk-main',
    nimbus,
    supervisors: { hosts: ['storm3'] },
    settings,
  });

describe('checkStormWarnings', () => {
  it.each<[string, ReturnType<typeof spec>, [string, RegExp][]]>([
    [
      'native, two nimbus, replication 1 (default) → warns',
      spec({ hosts: ['a', 'b'], failover: 'native' }),
      [['settings.topology.min.replication.count', /topology.min.replication.count 1/]],
    ],
    [
      'native, two nimbus, replication 2 → quiet',
      spec({ hosts: ['a', 'b'], failover: 'native' }, { 'topology.min.replication.count': 2 }),
      [],
    ],
    ['native, one nimbus → quiet', spec({ hosts: ['a'], failover: 'native' }), []],
    [
      'manual with a standby, no blobstore.dir → warns',
      spec({ hosts: ['a', 'b'] }),
      [['settings.blobstore.dir', /no blobstore.dir/]],
    ],
    [
      'manual with a shared blobstore.dir → quiet',
      spec({ hosts: ['a', 'b'] }, { 'blobstore.dir': '/shared/blobs' }),
      [],
    ],
    [
      'manual with replication 2 → warns that submissions wait',
      spec({ hosts: ['a', 'b'] }, { 'blobstore.dir': '/shared/blobs', 'topology.min.replication.count': 2 }),
      [['settings.topology.min.replication.count', /submissions wait/]],
    ],
  ])('%s', (_name, s, expected) => {
    const warnings = checkStormWarnings(s);
    expect(warnings).toHaveLength(expected.length);
    expected.forEach(([path, re], i) => {
      expect(warnings[i]!.path).toBe(path);
      expect(warnings[i]!.message).toMatch(re);
    });
  });
});
