import { describe, it, expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { planStorm } from './plan.js';
import { renderStormFiles, renderStormYaml } from './render.js';
import { validateStormSpec } from './spec.js';
import { parseStormInputs } from './inputs.js';
import { stormKind } from './index.js';
import type { FleetContext } from '../types.js';
import { stormTestFleet } from '../../testing/storm-fleet.js';
import { goldenChecker } from '../../testing/golden.js';
import type { ValidationError } from '../../errors.js';

const golden = goldenChecker(import.meta.url);

const fleet = stormTestFleet({ zookeeperOrder: [3, 1, 2], stormHostId: (i) => `h-${i}` });

const example = {
  name: 'storm-main',
  kind: 'storm',
  distribution: { home: '/opt/storm' },
  zookeeper: 'zk-main',
  nimbus: { hosts: ['storm1', 'storm2'], failover: 'manual' },
  supervisors: { hosts: ['storm3', 'storm4'], slots: [6700, 6701, 6702] },
  ui: { host: 'storm1', port: 8080 },
  settings: {
    'storm.zookeeper.session.timeout': 4000,
    'worker.childopts': ['-Xmx768m', '-Dfoo=bar: baz'],
    'nimbus.childopts': '-Xmx256m "-Dfoo=bar: baz"',
    'drpc.servers': ['drpc1', 'on'],
    'topology.debug': false,
    'supervisor.cpu.capacity': 400.5,
  },
};

function validated(spec: unknown, f: FleetContext = fleet) {
  const v = validateStormSpec(spec, f);
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.spec;
}
const plan = (spec: unknown, f: FleetContext = fleet) => planStorm(validated(spec, f), f);
const byId = (plans: ReturnType<typeof plan>, id: string) => plans.find((p) => p.id === id)!;

describe('storm planner', () => {
  it('one instance per role per host; manual failover runs the first nimbus and holds the other stopped', () => {
    const plans = plan(example);
    expect(plans.map((p) => [p.id, p.hostId, p.role, p.runState])).toEqual([
      ['storm-main/nimbus-storm1', 'h-1', 'nimbus', 'running'],
      ['storm-main/nimbus-storm2', 'h-2', 'nimbus', 'stopped'],
      ['storm-main/supervisor-storm3', 'h-3', 'supervisor', 'running'],
      ['storm-main/supervisor-storm4', 'h-4', 'supervisor', 'running'],
      ['storm-main/ui', 'h-1', 'ui', 'running'],
    ]);
    const s3 = byId(plans, 'storm-main/supervisor-storm3').inputs;
    expect(s3).toMatchObject({
      address: '127.0.5.13',
      zookeeper: { servers: ['127.0.5.3', '127.0.5.1', '127.0.5.2'], port: 2181, root: '/storm-main' },
      nimbusSeeds: ['127.0.5.11'],
      nimbusPort: 6627,
      supervisorThriftPort: 6628,
      slots: [6700, 6701, 6702],
      confDir: '/var/lib/hactl/storm/storm-main/supervisor-storm3/conf',
      localDir: '/var/lib/hactl/storm/storm-main/supervisor-storm3/data',
      logDir: '/var/lib/hactl/storm/storm-main/supervisor-storm3/logs',
    });
    for (const p of plans) expect(() => parseStormInputs(JSON.parse(JSON.stringify(p.inputs)))).not.toThrow();
  });

  it('the storm.activeNimbus fact moves the active nimbus and the seeds with it', () => {
    const plans = plan(example, {
      ...fleet,
      clusterFacts: new Map([['storm-main', { 'storm.activeNimbus': 'storm2' }]]),
    });
    expect(plans.filter((p) => p.role === 'nimbus').map((p) => p.runState)).toEqual(['stopped', 'running']);
    expect(new Set(plans.map((p) => JSON.stringify(p.inputs.nimbusSeeds)))).toEqual(
      new Set(['["127.0.5.12"]']),
    );
    // A fact naming a host that is no nimbus falls back to the first one.
    const odd = plan(example, {
      ...fleet,
      clusterFacts: new Map([['storm-main', { 'storm.activeNimbus': 'storm4' }]]),
    });
    expect(odd[0]!.runState).toBe('running');
  });

  it('manual failover: every nimbus carries the fence (epoch fact, active address); native: none', () => {
    const plans = plan(example, {
      ...fleet,
      clusterFacts: new Map([['storm-main', { 'storm.activeNimbus': 'storm2', 'storm.fencingEpoch': '3' }]]),
    });
    expect(plans.filter((p) => p.role === 'nimbus').map((p) => p.inputs.fence)).toEqual([
      { epoch: 3, active: '127.0.5.12', selfFenceAfterMs: 5000 },
      { epoch: 3, active: '127.0.5.12', selfFenceAfterMs: 5000 },
    ]);
    expect(plans.filter((p) => p.role !== 'nimbus').every((p) => p.inputs.fence === undefined)).toBe(true);
    // No epoch fact yet: epoch 1.
    expect(plan(example)[0]!.inputs.fence).toEqual({
      epoch: 1,
      active: '127.0.5.11',
      selfFenceAfterMs: 5000,
    });
    const native = plan({ ...example, nimbus: { hosts: ['storm1', 'storm2'], failover: 'native' } });
    expect(native.every((p) => p.inputs.fence === undefined)).toBe(true);
  });

  it('native failover runs every nimbus and seeds them all', () => {
    const plans = plan({ ...example, nimbus: { hosts: ['storm1', 'storm2'], failover: 'native' } });
    expect(plans.filter((p) => p.role === 'nimbus').map((p) => p.runState)).toEqual(['running', 'running']);
    expect(plans[0]!.inputs.nimbusSeeds).toEqual(['127.0.5.11', '127.0.5.12']);
  });

  it('cluster-wide storm.local.dir / storm.log.dir and a custom root', () => {
    const p = plan({
      ...example,
      settings: {
        'storm.local.dir': '/data/storm',
        'storm.log.dir': '/logs/storm',
        'storm.zookeeper.root': '/storm',
      },
    })[0]!.inputs;
    expect(p).toMatchObject({
      localDir: '/data/storm/nimbus',
      logDir: '/logs/storm/nimbus',
      zookeeper: { root: '/storm' },
      settings: {},
    });
  });

  it('path settings are rendered and claimed in normal form (issue 16 #1)', () => {
    const tidy = plan({
      ...example,
      settings: {
        'storm.local.dir': '/data/storm',
        'storm.log.dir': '/logs/storm',
        'storm.metricstore.rocksdb.location': '/fast/rocks',
      },
    })[0]!.inputs;
    const messy = plan({
      ...example,
      settings: {
        'storm.local.dir': '/data//storm/',
        'storm.log.dir': '/logs//storm',
        'storm.metricstore.rocksdb.location': '/fast/rocks/',
      },
    })[0]!.inputs;
    expect(renderStormFiles(messy)).toEqual(renderStormFiles(tidy));
    expect(stormKind.claims(messy).dirs).toEqual(['/data/storm/nimbus', '/logs/storm/nimbus']);
  });

  it('render inputs from the wire: a comma in a path or a character SnakeYAML refuses is refused with the field (issue 16)', () => {
    const inputs = plan(example)[0]!.inputs;
    const refused = (raw: unknown) => {
      try {
        parseStormInputs(raw);
      } catch (err) {
        return (err as ValidationError).details.map((d) => d.path);
      }
      return [];
    };
    expect(refused({ ...inputs, localDir: '/d1,/d2' })).toEqual(['inputs.localDir']);
    expect(refused({ ...inputs, logDir: '/' })).toEqual(['inputs.logDir']);
    expect(
      refused({ ...inputs, settings: { ...inputs.settings, 'topology.name.suffix': '\u009f' } }),
    ).toEqual(['inputs.settings.topology.name.suffix']);
    expect(
      refused({ ...inputs, settings: { ...inputs.settings, 'storm.metricstore.rocksdb.location': 'rocks' } }),
    ).toEqual(['inputs.settings.storm.metricstore.rocksdb.location']);
  });

  it('a ZooKeeper cluster that vanished after acceptance holds every instance stopped', () => {
    const plans = plan(example);
    const orphan = planStorm(validated(example), { ...fleet, clusters: new Map() });
    expect(orphan.map((p) => p.runState)).toEqual(plans.map(() => 'stopped'));
    expect(orphan[0]!.inputs.zookeeper.servers).toEqual([]);
  });

  it('claims ports and dirs per role', () => {
    const plans = plan(example);
    expect(
      stormKind.claims(byId(plans, 'storm-main/supervisor-storm3').inputs).ports.map((p) => p.port),
    ).toEqual([6628, 6700, 6701, 6702]);
    expect(stormKind.claims(byId(plans, 'storm-main/ui').inputs).ports.map((p) => p.port)).toEqual([8080]);
    expect(stormKind.claims(plans[0]!.inputs)).toEqual({
      ports: [{ port: 6627, what: 'storm nimbus.thrift.port' }],
      dirs: [
        '/var/lib/hactl/storm/storm-main/nimbus-storm1/data',
        '/var/lib/hactl/storm/storm-main/nimbus-storm1/logs',
      ],
    });
    expect(stormKind.dependencies!(validated(example))).toEqual(['zk-main']);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(plan(example))).toBe(JSON.stringify(plan(example)));
  });
});

describe('storm renderer (golden files)', () => {
  const plans = plan(example);
  it('active nimbus', () => {
    const files = renderStormFiles(byId(plans, 'storm-main/nimbus-storm1').inputs);
    expect(files.map((f) => f.path)).toEqual([
      '/var/lib/hactl/storm/storm-main/nimbus-storm1/conf/storm.yaml',
    ]);
    golden('nimbus-active.storm.yaml', files[0]!.content);
  });
  it('standby nimbus (seeds point at the active one)', () => {
    golden('nimbus-standby.storm.yaml', renderStormYaml(byId(plans, 'storm-main/nimbus-storm2').inputs));
  });
  it('supervisor', () => {
    golden('supervisor.storm.yaml', renderStormYaml(byId(plans, 'storm-main/supervisor-storm3').inputs));
  });
  it('ui', () => {
    golden('ui.storm.yaml', renderStormYaml(byId(plans, 'storm-main/ui').inputs));
  });

  it('reads back as the intended values (strings stay strings under YAML 1.1 too)', () => {
    const doc = parseYaml(renderStormYaml(byId(plans, 'storm-main/supervisor-storm3').inputs), {
      version: '1.1',
    }) as Record<string, unknown>;
    expect(doc).toMatchObject({
      'storm.zookeeper.servers': ['127.0.5.3', '127.0.5.1', '127.0.5.2'],
      'storm.zookeeper.port': 2181,
      'nimbus.seeds': ['127.0.5.11'],
      'supervisor.slots.ports': [6700, 6701, 6702],
      // One JVM argument per item: the supervisor splits a string on whitespace (spec.ts); bin/storm
      // splits daemon childopts like a shell, so quotes work there.
      'worker.childopts': ['-Xmx768m', '-Dfoo=bar: baz'],
      'nimbus.childopts': '-Xmx256m "-Dfoo=bar: baz"',
      'drpc.servers': ['drpc1', 'on'],
      'topology.debug': false,
      'supervisor.cpu.capacity': 400.5,
      'storm.local.hostname': '127.0.5.13',
    });
    expect(doc['ui.port']).toBeUndefined();
    expect(doc['storm.metricstore.rocksdb.location']).toBeUndefined();
  });

  it('nimbus keeps its RocksDB metrics store in its own local dir, not under storm.home', () => {
    const read = (yaml: string) => parseYaml(yaml, { version: '1.1' }) as Record<string, unknown>;
    expect(
      read(renderStormYaml(byId(plans, 'storm-main/nimbus-storm1').inputs))[
        'storm.metricstore.rocksdb.location'
      ],
    ).toBe('/var/lib/hactl/storm/storm-main/nimbus-storm1/data/storm_rocks');
    const own = plan({
      ...example,
      settings: { ...example.settings, 'storm.metricstore.rocksdb.location': '/fast/rocks' },
    });
    expect(
      read(renderStormYaml(byId(own, 'storm-main/nimbus-storm1').inputs))[
        'storm.metricstore.rocksdb.location'
      ],
    ).toBe('/fast/rocks');
  });

  describe('map and list-of-map settings (scheduler, metrics consumers)', () => {
    const withMaps = {
      ...example,
      settings: {
        'topology.metrics.consumer.register': [
          { class: 'org.apache.storm.metric.LoggingMetricsConsumer', 'parallelism.hint': 1 },
          {
            class: 'org.apache.storm.metric.HttpForwardingMetricsConsumer',
            argument: 'http://metrics:8080/in',
            whitelist: ['__receive', '__sendqueue'],
          },
        ],
        'isolation.scheduler.machines': { 'topology-a': 2, on: 1 },
        'resource.aware.scheduler.user.pools': { alice: { cpu: 400, memory: 4096 } },
        'storm.scheduler': 'org.apache.storm.scheduler.resource.ResourceAwareScheduler',
      },
    };
    const nimbus = () => renderStormYaml(byId(plan(withMaps), 'storm-main/nimbus-storm1').inputs);

    // The golden file read by Storm's own SnakeYAML 2.2 (.dist/storm/lib) gave the same maps, "on" a String key.
    it('rendered as YAML flow maps and lists, keys quoted and sorted (golden)', () => {
      golden('nimbus-map-settings.storm.yaml', nimbus());
    });

    it('read back (YAML 1.1, as SnakeYAML) to the same maps: a dotted key stays one key, "on" stays a string', () => {
      const doc = parseYaml(nimbus(), { version: '1.1' }) as Record<string, unknown>;
      for (const key of Object.keys(withMaps.settings))
        expect(doc[key]).toEqual(withMaps.settings[key as keyof typeof withMaps.settings]);
    });

    it("survives the agent's render-input check unchanged", () => {
      const inputs = byId(plan(withMaps), 'storm-main/nimbus-storm1').inputs;
      expect(parseStormInputs(JSON.parse(JSON.stringify(inputs)))).toEqual(inputs);
    });
  });
});

describe('IPv6 addresses (golden)', () => {
  const v6: FleetContext = {
    ...fleet,
    hosts: fleet.hosts.map((h, i) => ({ ...h, address: `fd00:22::${i + 1}` })),
  };
  it('storm.zookeeper.servers in brackets (Storm appends the port); nimbus.seeds and storm.local.hostname bare', () => {
    const inputs = byId(plan(example, v6), 'storm-main/supervisor-storm3').inputs;
    expect(parseStormInputs(JSON.parse(JSON.stringify(inputs)))).toEqual(inputs);
    const yaml = renderStormYaml(inputs);
    golden('ipv6-supervisor.storm.yaml', yaml);
    expect(parseYaml(yaml, { version: '1.1' })).toMatchObject({
      'storm.zookeeper.servers': ['[fd00:22::3]', '[fd00:22::1]', '[fd00:22::2]'],
      'nimbus.seeds': ['fd00:22::4'],
      'storm.local.hostname': 'fd00:22::6',
    });
  });
});
