import { describe, it, expect } from 'vitest';
import { validateStormSpec } from './spec.js';
import { validateClusterSpec } from '../registry.js';
import type { FleetContext } from '../types.js';
import { stormTestFleet } from '../../testing/storm-fleet.js';
import { clusterSpecMap } from '../fleet-context.js';

const fleet = stormTestFleet();
const zk = [...fleet.clusters.values()][0]!;

const good = () => ({
  name: 'storm-main',
  kind: 'storm',
  distribution: { home: '/opt/storm' },
  zookeeper: 'zk-main',
  nimbus: { hosts: ['storm1', 'storm2'], failover: 'manual' },
  supervisors: { hosts: ['storm3', 'storm4'], slots: [6700, 6701, 6702] },
  ui: { host: 'storm1', port: 8080 },
  settings: {
    'storm.zookeeper.session.timeout': 4000,
    'worker.childopts': '-Xmx768m',
    'topology.min.replication.count': 2,
  } as Record<string, unknown>,
});

type Spec = ReturnType<typeof good>;
type Case = [
  scenario: string,
  mutate: (s: Spec) => unknown,
  path: string,
  message: RegExp,
  fleetOverride?: FleetContext,
];
const cases: Case[] = [
  ['no nimbus', (s) => ({ ...s, nimbus: { hosts: [] } }), 'nimbus.hosts', /at least one nimbus/],
  [
    'no supervisor (workers run only in supervisor slots)',
    (s) => ({ ...s, supervisors: { hosts: [] } }),
    'supervisors.hosts',
    /at least one supervisor: topologies' workers run only in supervisor slots/,
  ],
  [
    'autoFailover in native mode',
    (s) => ({ ...s, nimbus: { hosts: ['storm1', 'storm2'], failover: 'native', autoFailover: true } }),
    'nimbus.autoFailover',
    /manual only/,
  ],
  [
    'detectAfterSec in native mode',
    (s) => ({ ...s, nimbus: { hosts: ['storm1', 'storm2'], failover: 'native', detectAfterSec: 5 } }),
    'nimbus.detectAfterSec',
    /manual only/,
  ],
  [
    'detectAfterSec 0',
    (s) => ({ ...s, nimbus: { hosts: ['storm1', 'storm2'], detectAfterSec: 0 } }),
    'nimbus.detectAfterSec',
    /greater than or equal to 1|>=1/,
  ],
  [
    'detectAfterSec not an integer',
    (s) => ({ ...s, nimbus: { hosts: ['storm1', 'storm2'], detectAfterSec: 2.5 } }),
    'nimbus.detectAfterSec',
    /expected int/,
  ],
  [
    'autoFailover not a boolean',
    (s) => ({ ...s, nimbus: { hosts: ['storm1', 'storm2'], autoFailover: 'yes' } }),
    'nimbus.autoFailover',
    /boolean/,
  ],
  [
    'relative blobstore.dir',
    (s) => ({ ...s, settings: { ...s.settings, 'blobstore.dir': 'blobs' } }),
    'settings.blobstore.dir',
    /absolute/,
  ],
  [
    'unknown nimbus host',
    (s) => ({ ...s, nimbus: { hosts: ['nope'] } }),
    'nimbus.hosts[0]',
    /unknown host "nope"/,
  ],
  [
    'unknown supervisor host',
    (s) => ({ ...s, supervisors: { hosts: ['storm3', 'gone'] } }),
    'supervisors.hosts[1]',
    /unknown host "gone"/,
  ],
  ['unknown ui host', (s) => ({ ...s, ui: { host: 'gone' } }), 'ui.host', /unknown host "gone"/],
  [
    'nimbus host listed twice',
    (s) => ({ ...s, nimbus: { hosts: ['storm1', 'storm1'] } }),
    'nimbus.hosts[1]',
    /listed twice/,
  ],
  [
    'duplicate slot',
    (s) => ({ ...s, supervisors: { hosts: ['storm3'], slots: [6700, 6700] } }),
    'supervisors.slots[1]',
    /duplicate slot port 6700/,
  ],
  [
    'slot out of range',
    (s) => ({ ...s, supervisors: { hosts: ['storm3'], slots: [70000] } }),
    'supervisors.slots[0]',
    /1 and 65535/,
  ],
  [
    'empty slot list',
    (s) => ({ ...s, supervisors: { hosts: ['storm3'], slots: [] } }),
    'supervisors.slots',
    /at least one slot/,
  ],
  [
    'slot equals nimbus thrift port on one host',
    (s) => ({ ...s, supervisors: { hosts: ['storm1'], slots: [6627] } }),
    'supervisors.hosts[0]',
    /port 6627 on host storm1 is claimed by both storm-main\/nimbus-storm1 \(storm nimbus.thrift.port\) and storm-main\/supervisor-storm1 \(storm supervisor.slots.ports \(worker\)\)/,
  ],
  [
    'ui port equals nimbus port',
    (s) => ({ ...s, ui: { host: 'storm1', port: 6627 } }),
    'ui.host',
    /port 6627 on host storm1 is claimed by both storm-main\/nimbus-storm1 \(storm nimbus.thrift.port\) and storm-main\/ui \(storm ui.port\)/,
  ],
  [
    'slot equals supervisor thrift port',
    (s) => ({ ...s, supervisors: { hosts: ['storm3'], slots: [6628] } }),
    'supervisors.hosts[0]',
    /port 6628 on host storm3 is claimed by both storm-main\/supervisor-storm3 \(storm supervisor.thrift.port\) and storm-main\/supervisor-storm3 \(storm supervisor.slots.ports \(worker\)\)/,
  ],
  [
    'unknown failover mode',
    (s) => ({ ...s, nimbus: { hosts: ['storm1'], failover: 'auto' } }),
    'nimbus.failover',
    /manual|native/,
  ],
  [
    'dangling zookeeper reference',
    (s) => ({ ...s, zookeeper: 'zk-other' }),
    'zookeeper',
    /unknown cluster "zk-other"/,
  ],
  [
    'zookeeper reference of the wrong kind',
    (s) => ({ ...s, zookeeper: 'kafka-main' }),
    'zookeeper',
    /a kafka cluster, not zookeeper/,
    {
      ...fleet,
      clusters: clusterSpecMap([...fleet.clusters.values(), { name: 'kafka-main', kind: 'kafka' as const }]),
    },
  ],
  [
    'zookeeper members with different clientPorts',
    (s) => s,
    'zookeeper',
    /different clientPorts \(2181, 2182\)/,
    {
      ...fleet,
      clusters: clusterSpecMap([
        {
          ...zk,
          members: [
            { host: 'zk1', id: 1 },
            { host: 'zk2', id: 2, clientPort: 2182 },
            { host: 'zk3', id: 3 },
          ],
        } as typeof zk,
      ]),
    },
  ],
  [
    'managed storm.zookeeper.servers',
    (s) => ({ ...s, settings: { 'storm.zookeeper.servers': ['10.0.0.1'] } }),
    'settings.storm.zookeeper.servers',
    /managed by hactl/,
  ],
  [
    'managed nimbus.seeds',
    (s) => ({ ...s, settings: { 'nimbus.seeds': ['a'] } }),
    'settings.nimbus.seeds',
    /managed by hactl/,
  ],
  [
    'managed storm.local.hostname',
    (s) => ({ ...s, settings: { 'storm.local.hostname': 'x' } }),
    'settings.storm.local.hostname',
    /managed by hactl/,
  ],
  [
    'managed supervisor.slots.ports',
    (s) => ({ ...s, settings: { 'supervisor.slots.ports': [6700] } }),
    'settings.supervisor.slots.ports',
    /set supervisors.slots/,
  ],
  [
    'managed nimbus.thrift.port',
    (s) => ({ ...s, settings: { 'nimbus.thrift.port': 6627 } }),
    'settings.nimbus.thrift.port',
    /set nimbus.port/,
  ],
  [
    'removed nimbus.host',
    (s) => ({ ...s, settings: { 'nimbus.host': 'storm1' } }),
    'settings.nimbus.host',
    /removed in Storm 2.x/,
  ],
  [
    'newline in a value',
    (s) => ({ ...s, settings: { 'worker.childopts': '-Xmx1g\nnimbus.seeds: [evil]' } }),
    'settings.worker.childopts',
    /newlines/,
  ],
  [
    'line separator in a value',
    (s) => ({ ...s, settings: { 'worker.childopts': '-Xmx1g\u2028x: y' } }),
    'settings.worker.childopts',
    /line or paragraph separators/,
  ],
  [
    'backslash in a list value',
    (s) => ({ ...s, settings: { 'drpc.servers': ['a', 'b\\'] } }),
    'settings.drpc.servers[1]',
    /backslash/,
  ],
  [
    'key that is not a dotted name',
    (s) => ({ ...s, settings: { on: true } }),
    'settings.on',
    /dotted Storm config names/,
  ],
  [
    'key with a colon',
    (s) => ({ ...s, settings: { 'a.b: c': 1 } }),
    'settings.a.b: c',
    /dotted Storm config names/,
  ],
  [
    'a line break inside a metrics consumer map',
    (s) => ({
      ...s,
      settings: { 'topology.metrics.consumer.register': [{ class: 'x', argument: 'a\nb' }] },
    }),
    'settings.topology.metrics.consumer.register[0].argument',
    /./,
  ],
  [
    'an exponent number inside a scheduler map',
    (s) => ({ ...s, settings: { 'isolation.scheduler.machines': { 'top-a': 1e21 } } }),
    'settings.isolation.scheduler.machines.top-a',
    /plain decimals/,
  ],
  [
    'lists and maps nested five deep',
    (s) => ({ ...s, settings: { 'topology.x.y': [[[[['deep']]]]] } }),
    'settings.topology.x.y[0][0][0][0]',
    /nest at most 4 levels/,
  ],
  [
    'exponent number',
    (s) => ({ ...s, settings: { 'topology.max.spout.pending': 1e21 } }),
    'settings.topology.max.spout.pending',
    /plain decimals/,
  ],
  [
    'topology.workers as a map (Config.java: @IsInteger @IsPositiveNumber)',
    (s) => ({ ...s, settings: { 'topology.workers': { a: 1 } } }),
    'settings.topology.workers',
    /must be a positive integer/,
  ],
  [
    'non-integer session timeout',
    (s) => ({ ...s, settings: { 'storm.zookeeper.session.timeout': 'soon' } }),
    'settings.storm.zookeeper.session.timeout',
    /positive integer/,
  ],
  [
    'relative storm.local.dir',
    (s) => ({ ...s, settings: { 'storm.local.dir': 'storm-local' } }),
    'settings.storm.local.dir',
    /absolute path/,
  ],
  [
    'bad zookeeper root',
    (s) => ({ ...s, settings: { 'storm.zookeeper.root': '/' } }),
    'settings.storm.zookeeper.root',
    /znode path/,
  ],
  [
    'a ".." segment in the zookeeper root (ZooKeeper refuses it; the battery stored it)',
    (s) => ({ ...s, settings: { 'storm.zookeeper.root': '/a/../b' } }),
    'settings.storm.zookeeper.root',
    /no segment starts with "\."/,
  ],
  [
    'quoted worker.childopts string (the supervisor splits it on whitespace)',
    (s) => ({ ...s, settings: { 'worker.childopts': '-Xmx768m -Dfoo="bar: baz"' } }),
    'settings.worker.childopts',
    /splits a worker.childopts string on whitespace and keeps quotes.*one JVM argument per item/,
  ],
  [
    'single-quoted topology.worker.childopts',
    (s) => ({ ...s, settings: { 'topology.worker.childopts': "-Dx='a b'" } }),
    'settings.topology.worker.childopts',
    /give a list/,
  ],
  [
    'daemon childopts list item with a space',
    (s) => ({ ...s, settings: { 'nimbus.childopts': ['-Xmx256m', '-Dfoo=bar baz'] } }),
    'settings.nimbus.childopts[1]',
    /joins a nimbus.childopts list with spaces/,
  ],
  [
    'relative RocksDB metrics store (resolved under storm.home)',
    (s) => ({ ...s, settings: { 'storm.metricstore.rocksdb.location': 'storm_rocks' } }),
    'settings.storm.metricstore.rocksdb.location',
    /absolute path/,
  ],
  [
    'unknown field',
    (s) => ({ ...s, nimbus: { hosts: ['storm1'], colour: 'red' } }),
    'nimbus.colour',
    /^unknown field$/,
  ],
  // Issue 16 #1: one path rule set; the daemons' dirs compared in normal form with nesting.
  [
    'comma in storm.local.dir',
    (s) => ({ ...s, settings: { 'storm.local.dir': '/data/a,/data/b' } }),
    'settings.storm.local.dir',
    /found "," \(a comma/,
  ],
  [
    '"/" as storm.log.dir',
    (s) => ({ ...s, settings: { 'storm.log.dir': '/' } }),
    'settings.storm.log.dir',
    /must not be "\/"/,
  ],
  [
    'colon in the RocksDB location',
    (s) => ({ ...s, settings: { 'storm.metricstore.rocksdb.location': '/fast/a:b' } }),
    'settings.storm.metricstore.rocksdb.location',
    /found ":"/,
  ],
  [
    "storm.log.dir inside storm.local.dir (a daemon's logs inside its local dir)",
    (s) => ({ ...s, settings: { 'storm.local.dir': '/storm', 'storm.log.dir': '/storm/nimbus/' } }),
    'nimbus.hosts[0]',
    /directory \/storm\/nimbus\/nimbus of storm-main\/nimbus-storm1 is inside directory \/storm\/nimbus of storm-main\/nimbus-storm1 on host storm1/,
  ],
  // Issue 16 #2: SnakeYAML refuses to load storm.yaml with these.
  [
    'C1 control U+0080 in a value',
    (s) => ({ ...s, settings: { 'topology.name.suffix': 'a\u0080' } }),
    'settings.topology.name.suffix',
    /U\+0080: SnakeYAML/,
  ],
  [
    'U+FFFF in a list value',
    (s) => ({ ...s, settings: { 'drpc.servers': ['a', 'b\uffff'] } }),
    'settings.drpc.servers[1]',
    /U\+FFFF: SnakeYAML/,
  ],
  [
    'NEL in a value',
    (s) => ({ ...s, settings: { 'worker.childopts': '-Xmx1g\u0085x: y' } }),
    'settings.worker.childopts',
    /line breaks \(found U\+0085/,
  ],
  [
    'second storm cluster on the same root',
    (s) => ({ ...s, name: 'storm-b', settings: { 'storm.zookeeper.root': '/storm-main' } }),
    'settings.storm.zookeeper.root',
    /storm cluster storm-main already uses \/storm-main/,
    {
      ...fleet,
      clusters: clusterSpecMap([...fleet.clusters.values(), { ...good(), settings: {} } as never]),
    },
  ],
];

describe('storm spec validation', () => {
  it('accepts the issue example, native failover, no UI and default slots', () => {
    expect(validateStormSpec(good(), fleet)).toMatchObject({
      ok: true,
      spec: { nimbus: { failover: 'manual' } },
    });
    expect(
      validateStormSpec({ ...good(), nimbus: { hosts: ['storm1', 'storm2'], failover: 'native' } }, fleet).ok,
    ).toBe(true);
    const { ui: _ui, ...noUi } = good();
    expect(validateStormSpec({ ...noUi, supervisors: { hosts: ['storm3'] } }, fleet).ok).toBe(true);
  });

  it('accepts childopts the JVMs will see as intended: worker lists, quoted daemon strings, plain worker strings', () => {
    const settings = {
      'worker.childopts': ['-Xmx768m', '-Dfoo=bar: baz'],
      'topology.worker.childopts': '-Xss1m -Dplain=yes',
      'nimbus.childopts': '-Xmx256m "-Dfoo=bar: baz"',
      'supervisor.childopts': ['-Xmx256m', '-XX:+UseSerialGC'],
      'storm.metricstore.rocksdb.location': '/fast/storm_rocks',
    };
    expect(validateStormSpec({ ...good(), settings }, fleet).ok).toBe(true);
  });

  it('accepts what SnakeYAML loads (Latin-1, astral characters) and a trailing slash on a dir base (issue 16)', () => {
    expect(
      validateStormSpec(
        { ...good(), settings: { 'topology.name.suffix': 'équipe-😀', 'storm.local.dir': '/data/storm/' } },
        fleet,
      ).ok,
    ).toBe(true);
  });

  it('accepts every role on one host when ports do not clash', () => {
    expect(
      validateStormSpec(
        {
          ...good(),
          nimbus: { hosts: ['storm1'] },
          supervisors: { hosts: ['storm1'], slots: [6700] },
          ui: { host: 'storm1' },
        },
        fleet,
      ).ok,
    ).toBe(true);
  });

  it('accepts a second storm cluster on the same root of another ensemble (the root is per ensemble)', () => {
    const otherZk = { ...zk, name: 'zk-other' };
    const stormOnOther = { ...good(), zookeeper: 'zk-other', settings: {} };
    const r = validateStormSpec(
      { ...good(), name: 'storm-b', settings: { 'storm.zookeeper.root': '/storm-main' } },
      { ...fleet, clusters: clusterSpecMap([...fleet.clusters.values(), otherZk, stormOnOther as never]) },
    );
    expect(r.ok, JSON.stringify(r.ok ? [] : r.problems)).toBe(true);
  });

  it.each(cases)('rejects: %s', (_scenario, mutate, path, message, fleetOverride) => {
    const r = validateClusterSpec(mutate(good()), fleetOverride ?? fleet);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const hit = r.problems.find((p) => p.path === path);
    expect(hit, JSON.stringify(r.problems)).toBeDefined();
    expect(hit!.message).toMatch(message);
  });

  it('lists every problem at once', () => {
    const r = validateStormSpec(
      {
        ...good(),
        zookeeper: 'nope',
        nimbus: { hosts: ['storm1', 'x'] },
        supervisors: { hosts: ['storm3'], slots: [6700, 6700] },
        settings: { 'nimbus.seeds': [], 'ui.port': 1 },
      },
      fleet,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path).sort()).toEqual(
      [
        'nimbus.hosts[1]',
        'settings.nimbus.seeds',
        'settings.ui.port',
        'supervisors.slots[1]',
        'zookeeper',
      ].sort(),
    );
  });

  it('is reachable through the registry (no longer a planned kind)', () => {
    expect(validateClusterSpec(good(), fleet).ok).toBe(true);
  });
});
