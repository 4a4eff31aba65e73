import { describe, it, expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { planElasticsearch, CLUSTER_UUID_FACT } from './plan.js';
import { renderElasticsearchFiles } from './render.js';
import { validateElasticsearchSpec } from './spec.js';
import { parseElasticsearchInputs } from './inputs.js';
import { elasticsearchKind } from './index.js';
import { classifyChange } from '../change.js';
import type { FleetContext } from '../types.js';
import { goldenChecker } from '../../testing/golden.js';
import type { ValidationError } from '../../errors.js';

const golden = goldenChecker(import.meta.url);

const hosts = [1, 2, 3, 4, 5].map((i) => ({
  id: `es${i}`,
  name: `es${i}`,
  address: `127.0.6.1${i}`,
  dataRoot: '/var/lib/hactl',
  labels: {},
}));
const fleet: FleetContext = { hosts, clusters: new Map() };
const formed: FleetContext = {
  hosts,
  clusters: new Map(),
  clusterFacts: new Map([['es-main', { [CLUSTER_UUID_FACT]: 'PwBZoINKQjGZ53WH4gFfBg' }]]),
};

const spec = {
  name: 'es-main',
  kind: 'elasticsearch',
  distribution: { home: '/opt/elasticsearch' },
  nodes: [
    { host: 'es1', name: 'node-1', roles: ['master'] },
    { host: 'es2', name: 'node-2', roles: ['master'] },
    { host: 'es3', name: 'node-3', roles: ['master'] },
    { host: 'es4', name: 'node-4', roles: ['ingest', 'data_hot', 'data_content'], heap: '4g' },
    {
      host: 'es5',
      name: 'node-5',
      roles: ['data_warm'],
      attributes: { rack: 'r1' },
      httpPort: 9201,
      dataDir: '/data/es',
    },
  ],
  // Settings real Elasticsearch 8.19 accepts with only its server, transport-netty4 and x-pack-core
  // (test/e2e/elasticsearch.test.ts starts nodes with the last two): a list, and a string that
  // needs quoting (`cluster.metadata.*` is free-form user metadata).
  settings: {
    'cluster.routing.allocation.awareness.attributes': 'rack',
    thread_pool: { write: { queue_size: 1000 } },
    'action.destructive_requires_name': true,
    'cluster.routing.allocation.awareness.force.rack.values': ['r1', 'r2'],
    'cluster.metadata.owner': 'search team "on call" <search@example.com>',
  },
  heap: '1g',
};

function plan(raw: unknown, ctx = fleet) {
  const v = validateElasticsearchSpec(raw, ctx);
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return planElasticsearch(v.spec, ctx);
}

describe('elasticsearch planner', () => {
  it('one instance per node with resolved ports, seed hosts of the masters and default paths', () => {
    const plans = plan(spec);
    expect(plans.map((p) => [p.id, p.hostId, p.role])).toEqual([
      ['es-main/node-1', 'es1', 'master'],
      ['es-main/node-2', 'es2', 'master'],
      ['es-main/node-3', 'es3', 'master'],
      ['es-main/node-4', 'es4', 'data_content,data_hot,ingest'],
      ['es-main/node-5', 'es5', 'data_warm'],
    ]);
    const n5 = plans[4]!.inputs;
    expect(n5).toMatchObject({
      nodeName: 'node-5',
      address: '127.0.6.15',
      httpPort: 9201,
      transportPort: 9300,
      heap: '1g',
      dataDir: '/data/es',
      confDir: '/var/lib/hactl/elasticsearch/es-main/node-5/conf',
      logDir: '/var/lib/hactl/elasticsearch/es-main/node-5/logs',
      pidFile: '/var/lib/hactl/elasticsearch/es-main/node-5/elasticsearch.pid',
      attributes: { rack: 'r1' },
    });
    expect(n5.seedHosts).toEqual(['127.0.6.11:9300', '127.0.6.12:9300', '127.0.6.13:9300']);
    expect(n5.initialMasterNodes).toEqual(['node-1', 'node-2', 'node-3']);
    expect(n5.settings['thread_pool.write.queue_size']).toBe(1000);
    expect(plans[3]!.inputs.heap).toBe('4g');
  });

  it('drops cluster.initial_master_nodes once the cluster uuid is stored (service-facts §4.1)', () => {
    for (const p of plan(spec, formed)) expect(p.inputs.initialMasterNodes).toEqual([]);
  });

  it('omitted roles → every default role; [] → coordinating-only', () => {
    const plans = plan({
      ...spec,
      nodes: [
        { host: 'es1', name: 'a' },
        { host: 'es2', name: 'b', roles: [] },
      ],
    });
    expect(plans[0]!.inputs.roles).toEqual([
      'data',
      'data_cold',
      'data_content',
      'data_frozen',
      'data_hot',
      'data_warm',
      'ingest',
      'master',
      'ml',
      'remote_cluster_client',
      'transform',
    ]);
    expect(plans[1]!.role).toBe('coordinating');
    expect(plans[1]!.inputs.seedHosts).toEqual(['127.0.6.11:9300']);
  });

  it('plans pass the wire schema and are deterministic', () => {
    for (const p of plan(spec))
      expect(parseElasticsearchInputs(JSON.parse(JSON.stringify(p.inputs)))).toEqual(p.inputs);
    expect(JSON.stringify(plan(spec))).toBe(JSON.stringify(plan(spec)));
  });

  it('dropping the bootstrap list is a reload (no restart); any other change is a restart', () => {
    const [before, after] = [plan(spec)[0]!.inputs, plan(spec, formed)[0]!.inputs];
    expect(classifyChange('elasticsearch', before, after)).toBe('reload');
    expect(classifyChange('elasticsearch', before, { ...after, heap: '2g' })).toBe('restart');
    expect(classifyChange('elasticsearch', before, before)).toBe('none');
  });

  it('a new seed host list (a master-eligible node added or removed) is a reload: read only when a node starts', () => {
    const before = plan(spec)[0]!.inputs;
    expect(classifyChange('elasticsearch', before, { ...before, seedHosts: before.seedHosts.slice(1) })).toBe(
      'reload',
    );
  });

  it('claims both ports and the data and log dirs', () => {
    expect(elasticsearchKind.claims(plan(spec)[4]!.inputs)).toEqual({
      ports: [
        { port: 9201, what: 'elasticsearch http.port' },
        { port: 9300, what: 'elasticsearch transport.port' },
      ],
      dirs: ['/data/es', '/var/lib/hactl/elasticsearch/es-main/node-5/logs'],
    });
  });
});

describe('elasticsearch paths and characters (issue 16)', () => {
  it('dirs and path.* settings are rendered and claimed in normal form', () => {
    const tidy = plan({ ...spec, settings: { ...spec.settings, 'path.repo': ['/backups/es'] } })[4]!.inputs;
    const messy = plan({
      ...spec,
      settings: { ...spec.settings, path: { repo: ['/backups//es/'] } },
      nodes: spec.nodes.map((n, i) => (i === 4 ? { ...n, dataDir: '//data/es/' } : n)),
    })[4]!.inputs;
    expect(renderElasticsearchFiles(messy)).toEqual(renderElasticsearchFiles(tidy));
    expect(renderElasticsearchFiles(messy)[0]!.content).toMatch(/^path\.data: "\/data\/es"$/m);
    expect(elasticsearchKind.claims(messy).dirs).toEqual([
      '/data/es',
      '/var/lib/hactl/elasticsearch/es-main/node-5/logs',
    ]);
  });

  it('render inputs from the wire: a comma in a path or a character SnakeYAML refuses is refused with the field', () => {
    const inputs = plan(spec)[4]!.inputs;
    const refused = (raw: unknown) => {
      try {
        parseElasticsearchInputs(raw);
      } catch (err) {
        return (err as ValidationError).details.map((d) => d.path);
      }
      return [];
    };
    expect(refused({ ...inputs, dataDir: '/d1,/d2' })).toEqual(['inputs.dataDir']);
    expect(
      refused({ ...inputs, settings: { ...inputs.settings, 'cluster.metadata.owner': 'a\u0080' } }),
    ).toEqual(['inputs.settings.cluster.metadata.owner']);
    expect(refused({ ...inputs, attributes: { rack: '\uffff' } })).toEqual(['inputs.attributes.rack']);
    expect(refused({ ...inputs, settings: { ...inputs.settings, 'path.repo': ['/a', '/'] } })).toEqual([
      'inputs.settings.path.repo[1]',
    ]);
    expect(
      refused({ ...inputs, settings: { ...inputs.settings, 'cluster.metadata.owner': 'équipe 😀' } }),
    ).toEqual([]);
  });
});

describe('elasticsearch renderer (golden files)', () => {
  it('master node before the first formation', () => {
    const files = renderElasticsearchFiles(plan(spec)[0]!.inputs);
    expect(files.map((f) => f.path)).toEqual([
      '/var/lib/hactl/elasticsearch/es-main/node-1/conf/elasticsearch.yml',
      '/var/lib/hactl/elasticsearch/es-main/node-1/conf/jvm.options.d/heap.options',
      '/var/lib/hactl/elasticsearch/es-main/node-1/conf/jvm.options.d/hactl.options',
    ]);
    golden('master-bootstrap.elasticsearch.yml', files[0]!.content);
    golden('heap-1g.options', files[1]!.content);
    golden('no-jvm-flags.options', files[2]!.content);
  });

  it('jvm flags with a collector: one per line in jvm.options.d/hactl.options', () => {
    const files = renderElasticsearchFiles(
      plan({ ...spec, jvm: { flags: ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'] } })[0]!.inputs,
    );
    golden('serial-gc.options', files[2]!.content);
  });

  it('warm node with an attribute after formation (no bootstrap list)', () => {
    const content = renderElasticsearchFiles(plan(spec, formed)[4]!.inputs)[0]!.content;
    golden('warm-formed.elasticsearch.yml', content);
    expect(content).not.toMatch(/initial_master_nodes/);
  });

  it('coordinating-only node without a heap: automatic heap sizing', () => {
    const nodes = [
      ...spec.nodes.slice(0, 3),
      { host: 'es4', name: 'coord', roles: [] },
      { host: 'es5', name: 'data-1', roles: ['data'] },
    ];
    const files = renderElasticsearchFiles(
      plan({ ...spec, heap: undefined, settings: {}, nodes }, formed)[3]!.inputs,
    );
    golden('coordinating-formed.elasticsearch.yml', files[0]!.content);
    golden('heap-auto.options', files[1]!.content);
    expect(files[1]!.content).not.toMatch(/^-X/m);
  });

  it('output is YAML that reads back to the intended settings', () => {
    const doc = parseYaml(renderElasticsearchFiles(plan(spec)[4]!.inputs)[0]!.content) as Record<
      string,
      unknown
    >;
    expect(doc).toMatchObject({
      'cluster.name': 'es-main',
      'node.name': 'node-5',
      'node.roles': ['data_warm'],
      'network.host': '127.0.6.15',
      'http.port': 9201,
      'node.attr.rack': 'r1',
      'xpack.security.enabled': false,
      'cluster.routing.allocation.awareness.force.rack.values': ['r1', 'r2'],
      'cluster.metadata.owner': 'search team "on call" <search@example.com>',
      'cluster.initial_master_nodes': ['node-1', 'node-2', 'node-3'],
    });
  });
});

describe('IPv6 node addresses (golden)', () => {
  const v6: FleetContext = {
    hosts: hosts.map((h, i) => ({ ...h, address: `fd00:22::1${i + 1}` })),
    clusters: new Map(),
  };
  it('discovery.seed_hosts in brackets; network.host bare', () => {
    const inputs = plan(spec, v6)[0]!.inputs;
    expect(parseElasticsearchInputs(JSON.parse(JSON.stringify(inputs)))).toEqual(inputs);
    const yml = renderElasticsearchFiles(inputs)[0]!.content;
    golden('ipv6-master.elasticsearch.yml', yml);
    expect(parseYaml(yml)).toMatchObject({
      'network.host': 'fd00:22::11',
      'discovery.seed_hosts': ['[fd00:22::11]:9300', '[fd00:22::12]:9300', '[fd00:22::13]:9300'],
    });
  });
});
