import { describe, it, expect } from 'vitest';
import { validateElasticsearchSpec } from './spec.js';
import type { FleetContext } from '../types.js';
import { validateClusterSpec } from '../registry.js';

const fleet: FleetContext = {
  hosts: [1, 2, 3, 4, 5].map((i) => ({
    id: `es${i}`,
    name: `es${i}`,
    address: `127.0.6.1${i}`,
    dataRoot: '/var/lib/hactl',
    labels: {},
  })),
  clusters: new Map(),
};

const good = () => ({
  name: 'es-main',
  kind: 'elasticsearch',
  distribution: { home: '/opt/elasticsearch' },
  nodes: [
    { host: 'es1', name: 'node-1', roles: ['master'] },
    { host: 'es2', name: 'node-2', roles: ['master'] },
    { host: 'es3', name: 'node-3', roles: ['master'] },
    { host: 'es4', name: 'node-4', roles: ['data_hot', 'data_content', 'ingest'] },
    { host: 'es5', name: 'node-5', roles: ['data_warm'], attributes: { rack: 'r1' } },
  ] as Record<string, unknown>[],
  settings: {
    'cluster.routing.allocation.awareness.attributes': 'rack',
    thread_pool: { write: { queue_size: 1000 } },
  } as Record<string, unknown>,
  heap: '1g',
});

type Spec = ReturnType<typeof good>;
type Case = [scenario: string, mutate: (s: Spec) => unknown, path: string, message: RegExp];
const nodes = (s: Spec, i: number, patch: Record<string, unknown>) =>
  s.nodes.map((n, j) => (j === i ? { ...n, ...patch } : n));

const cases: Case[] = [
  ['no nodes', (s) => ({ ...s, nodes: [] }), 'nodes', /at least one node/],
  [
    'even master-eligible count',
    (s) => ({ ...s, nodes: nodes(s, 2, { roles: ['data'] }) }),
    'nodes',
    /2 master-eligible nodes is an even number/,
  ],
  ['no master-eligible node', (s) => ({ ...s, nodes: s.nodes.slice(3) }), 'nodes', /no master-eligible node/],
  [
    'omitted roles count as master-eligible (4 masters)',
    (s) => ({ ...s, nodes: nodes(s, 3, { roles: undefined }) }),
    'nodes',
    /4 master-eligible/,
  ],
  [
    'no data or data_content node (ordinary indices stay red)',
    (s) => ({ ...s, nodes: nodes(s, 3, { roles: ['data_hot', 'ingest'] }) }),
    'nodes',
    /no node can hold ordinary indices/,
  ],
  [
    'only a coordinating-only node besides the masters',
    (s) => ({ ...s, nodes: [...s.nodes.slice(0, 3), { host: 'es4', name: 'coord', roles: [] }] }),
    'nodes',
    /"data_content" \(or "data"\)/,
  ],
  [
    'unknown role',
    (s) => ({ ...s, nodes: nodes(s, 3, { roles: ['hot'] }) }),
    'nodes[3].roles[0]',
    /must be one of/,
  ],
  [
    'serverless-only role',
    (s) => ({ ...s, nodes: nodes(s, 3, { roles: ['search'] }) }),
    'nodes[3].roles[0]',
    /must be one of/,
  ],
  [
    'duplicate role',
    (s) => ({ ...s, nodes: nodes(s, 3, { roles: ['ingest', 'ingest'] }) }),
    'nodes[3].roles[1]',
    /duplicate role/,
  ],
  [
    'voting_only without master',
    (s) => ({ ...s, nodes: nodes(s, 3, { roles: ['voting_only', 'data'] }) }),
    'nodes[3].roles',
    /voting_only needs the master role/,
  ],
  [
    'jvm.heap (the heap is heap / nodes[].heap)',
    (s) => ({ ...s, jvm: { heap: '1g' } }),
    'jvm.heap',
    /takes its heap from "heap"/,
  ],
  [
    'two garbage collectors in jvm.flags',
    (s) => ({ ...s, jvm: { flags: ['-XX:+UseSerialGC', '-XX:+UseG1GC'] } }),
    'jvm.flags[1]',
    /selects a second garbage collector/,
  ],
  [
    'the generic data role together with a tier role',
    (s) => ({ ...s, nodes: nodes(s, 3, { roles: ['data', 'data_hot', 'ingest'] }) }),
    'nodes[3].roles',
    /"data" already holds every tier, so it cannot be combined with "data_hot"/,
  ],
  [
    'duplicate node name',
    (s) => ({ ...s, nodes: nodes(s, 4, { name: 'node-4' }) }),
    'nodes[4].name',
    /duplicate node name "node-4" \(also nodes\[3\]\.name\)/,
  ],
  [
    'unsafe node name',
    (s) => ({ ...s, nodes: nodes(s, 4, { name: 'Node 5' }) }),
    'nodes[4].name',
    /lowercase/,
  ],
  [
    'unknown host',
    (s) => ({ ...s, nodes: nodes(s, 4, { host: 'nope' }) }),
    'nodes[4].host',
    /unknown host "nope"/,
  ],
  [
    'http port clash on one host',
    (s) => ({ ...s, nodes: nodes(s, 4, { host: 'es4', transportPort: 9301 }) }),
    'nodes[4]',
    /port 9200 on host es4 is claimed by both es-main\/node-4 \(elasticsearch http.port\) and es-main\/node-5 \(elasticsearch http.port\)/,
  ],
  [
    'http port equals transport port',
    (s) => ({ ...s, nodes: nodes(s, 0, { httpPort: 9300 }) }),
    'nodes[0]',
    /port 9300 on host es1 is claimed by both es-main\/node-1 \(elasticsearch http.port\) and es-main\/node-1 \(elasticsearch transport.port\)/,
  ],
  [
    'same data dir twice on a host',
    (s) => ({
      ...s,
      nodes: [
        ...nodes(s, 4, { host: 'es4', httpPort: 9201, transportPort: 9301, dataDir: '/d' }).slice(0, 3),
        { ...s.nodes[3], dataDir: '/d' },
        { host: 'es4', name: 'node-5', roles: ['data'], httpPort: 9201, transportPort: 9301, dataDir: '/d' },
      ],
    }),
    'nodes[4]',
    /directory \/d on host es4 is used by both es-main\/node-4 and es-main\/node-5/,
  ],
  [
    'legacy node.master',
    (s) => ({ ...s, settings: { 'node.master': true } }),
    'settings.node.master',
    /removed in Elasticsearch 8\.0/,
  ],
  [
    'legacy node.data nested',
    (s) => ({ ...s, settings: { node: { data: false } } }),
    'settings.node.data',
    /removed in Elasticsearch 8\.0/,
  ],
  [
    'managed cluster.name',
    (s) => ({ ...s, settings: { 'cluster.name': 'x' } }),
    'settings.cluster.name',
    /managed by hactl/,
  ],
  [
    'managed cluster.initial_master_nodes',
    (s) => ({ ...s, settings: { 'cluster.initial_master_nodes': ['node-1'] } }),
    'settings.cluster.initial_master_nodes',
    /managed by hactl/,
  ],
  [
    'managed network.host',
    (s) => ({ ...s, settings: { network: { host: '0.0.0.0' } } }),
    'settings.network.host',
    /managed by hactl/,
  ],
  [
    'managed path.data',
    (s) => ({ ...s, settings: { 'path.data': '/data' } }),
    'settings.path.data',
    /nodes\[\]\.dataDir/,
  ],
  [
    'managed node.attr',
    (s) => ({ ...s, settings: { 'node.attr.rack': 'r1' } }),
    'settings.node.attr.rack',
    /nodes\[\]\.attributes/,
  ],
  [
    'managed security',
    (s) => ({ ...s, settings: { 'xpack.security.enabled': true } }),
    'settings.xpack.security.enabled',
    /security is rendered off/,
  ],
  [
    'managed discovery.type',
    (s) => ({ ...s, settings: { 'discovery.type': 'single-node' } }),
    'settings.discovery.type',
    /managed by hactl/,
  ],
  [
    'newline in a setting value',
    (s) => ({
      ...s,
      settings: { 'cluster.routing.allocation.awareness.attributes': 'rack\nnode.roles: []' },
    }),
    'settings.cluster.routing.allocation.awareness.attributes',
    /newlines/,
  ],
  [
    'backslash in a list value',
    (s) => ({ ...s, settings: { 'cluster.routing.allocation.awareness.force.rack.values': ['r1', 'r2\\'] } }),
    'settings.cluster.routing.allocation.awareness.force.rack.values[1]',
    /backslash/,
  ],
  [
    'line separator in a value',
    (s) => ({ ...s, settings: { 'action.auto_create_index': 'a\u2028b' } }),
    'settings.action.auto_create_index',
    /line or paragraph separators/,
  ],
  ['bad setting key', (s) => ({ ...s, settings: { 'bad key': 1 } }), 'settings.bad key', /setting names/],
  [
    'key set nested and dotted',
    (s) => ({ ...s, settings: { 'a.b': 1, a: { b: 2 } } }),
    'settings.a.b',
    /set twice/,
  ],
  [
    'newline in an attribute',
    (s) => ({ ...s, nodes: nodes(s, 4, { attributes: { rack: 'r1\nx: y' } }) }),
    'nodes[4].attributes.rack',
    /newlines/,
  ],
  [
    'bad attribute name',
    (s) => ({ ...s, nodes: nodes(s, 4, { attributes: { 'ra:ck': 'r1' } }) }),
    'nodes[4].attributes.ra:ck',
    /attribute names/,
  ],
  ['heap format', (s) => ({ ...s, heap: '1 GB' }), 'heap', /512m or 4g/],
  ['heap above compressed oops', (s) => ({ ...s, heap: '32g' }), 'heap', /above 31g/],
  [
    'per-node heap above compressed oops',
    (s) => ({ ...s, nodes: nodes(s, 3, { heap: '40000m' }) }),
    'nodes[3].heap',
    /above 31g/,
  ],
  [
    'relative home',
    (s) => ({ ...s, distribution: { home: 'opt/es' } }),
    'distribution.home',
    /absolute path/,
  ],
  [
    'unknown node field',
    (s) => ({ ...s, nodes: nodes(s, 0, { colour: 'red' }) }),
    'nodes[0].colour',
    /^unknown field$/,
  ],
  [
    'traversal in dataDir',
    (s) => ({ ...s, nodes: nodes(s, 0, { dataDir: '/var/../etc' }) }),
    'nodes[0].dataDir',
    /"\.\."/,
  ],
  // Issue 16 #1: path.data "/d1,/d2" is two data paths to Elasticsearch (a string is split on commas).
  [
    'comma in dataDir',
    (s) => ({ ...s, nodes: nodes(s, 0, { dataDir: '/d1,/d2' }) }),
    'nodes[0].dataDir',
    /found "," \(a comma splits/,
  ],
  [
    '"/" as logDir',
    (s) => ({ ...s, nodes: nodes(s, 0, { logDir: '/' }) }),
    'nodes[0].logDir',
    /must not be "\/"/,
  ],
  [
    'comma in a path.repo entry',
    (s) => ({ ...s, settings: { 'path.repo': ['/backups/a,/backups/b'] } }),
    'settings.path.repo[0]',
    /comma/,
  ],
  [
    'relative path.shared_data',
    (s) => ({ ...s, settings: { path: { shared_data: 'shared' } } }),
    'settings.path.shared_data',
    /absolute path/,
  ],
  [
    "data dir spelled with a trailing slash, same as another node's",
    (s) => ({
      ...s,
      nodes: [
        ...nodes(s, 3, { dataDir: '/d/es' }).slice(0, 4),
        {
          host: 'es4',
          name: 'node-5',
          roles: ['data'],
          httpPort: 9201,
          transportPort: 9301,
          dataDir: '/d/es/',
        },
      ],
    }),
    'nodes[4]',
    /directory \/d\/es on host es4 is used by both es-main\/node-4 and es-main\/node-5/,
  ],
  [
    "log dir inside another node's data dir",
    (s) => ({
      ...s,
      nodes: [
        ...nodes(s, 3, { dataDir: '/d/es' }).slice(0, 4),
        {
          host: 'es4',
          name: 'node-5',
          roles: ['data'],
          httpPort: 9201,
          transportPort: 9301,
          logDir: '/d/es/logs',
        },
      ],
    }),
    'nodes[4]',
    /directory \/d\/es\/logs of es-main\/node-5 is inside directory \/d\/es of es-main\/node-4 on host es4/,
  ],
  // Issue 16 #2: SnakeYAML refuses to load elasticsearch.yml with these.
  [
    'C1 control U+0080 in a setting value',
    (s) => ({ ...s, settings: { 'cluster.metadata.owner': 'a\u0080b' } }),
    'settings.cluster.metadata.owner',
    /U\+0080: SnakeYAML/,
  ],
  [
    'U+009F in a list item',
    (s) => ({
      ...s,
      settings: { 'cluster.routing.allocation.awareness.force.rack.values': ['r1', 'r2\u009f'] },
    }),
    'settings.cluster.routing.allocation.awareness.force.rack.values[1]',
    /U\+009F: SnakeYAML/,
  ],
  [
    'U+FFFE in an attribute',
    (s) => ({ ...s, nodes: nodes(s, 4, { attributes: { rack: 'r1\ufffe' } }) }),
    'nodes[4].attributes.rack',
    /U\+FFFE: SnakeYAML/,
  ],
  [
    'U+FFFF in a setting value',
    (s) => ({ ...s, settings: { 'cluster.metadata.owner': '\uffff' } }),
    'settings.cluster.metadata.owner',
    /U\+FFFF: SnakeYAML/,
  ],
];

describe('elasticsearch spec validation', () => {
  it('accepts the issue example (3 masters, hot+ingest, warm with a rack attribute)', () => {
    expect(validateElasticsearchSpec(good(), fleet)).toMatchObject({ ok: true });
  });

  it('ordinary indices: a "data" node, a "data_content" node, or a node with the default roles will hold them', () => {
    const s = good();
    for (const roles of [['data'], ['data_content'], undefined]) {
      expect(
        validateElasticsearchSpec(
          { ...s, nodes: nodes(s, 3, { roles }), allowEvenMasters: roles === undefined },
          fleet,
        ).ok,
      ).toBe(true);
    }
  });

  it('accepts a coordinating-only node, a voting-only master and an even count with the override', () => {
    const s = good();
    expect(validateElasticsearchSpec({ ...s, nodes: nodes(s, 4, { roles: [] }) }, fleet).ok).toBe(true);
    expect(
      validateElasticsearchSpec({ ...s, nodes: nodes(s, 2, { roles: ['master', 'voting_only'] }) }, fleet).ok,
    ).toBe(true);
    expect(
      validateElasticsearchSpec(
        { ...s, nodes: nodes(s, 2, { roles: ['data'] }), allowEvenMasters: true },
        fleet,
      ).ok,
    ).toBe(true);
  });

  for (const [scenario, mutate, path, message] of cases) {
    it(`elasticsearch: ${scenario} → refused at ${path}`, () => {
      const r = validateClusterSpec(mutate(good()), fleet);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      const hit = r.problems.find((p) => p.path === path);
      expect(hit, JSON.stringify(r.problems)).toBeDefined();
      expect(hit!.message).toMatch(message);
    });
  }

  it('accepts what SnakeYAML loads: Latin-1, CJK and astral characters in values (issue 16 #2)', () => {
    const s = good();
    expect(
      validateElasticsearchSpec({ ...s, settings: { 'cluster.metadata.owner': 'équipe ラック 😀' } }, fleet)
        .ok,
    ).toBe(true);
  });

  it('reports every problem at once', () => {
    const s = good();
    const r = validateElasticsearchSpec(
      {
        ...s,
        heap: '64g',
        settings: { 'node.master': true, 'http.port': 9201 },
        nodes: nodes(s, 4, { host: 'nope', roles: ['voting_only'] }),
      },
      fleet,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path).sort()).toEqual([
      'heap',
      'nodes[4].host',
      'nodes[4].roles',
      'settings.http.port',
      'settings.node.master',
    ]);
  });

  it('is reachable through the registry', () => {
    expect(validateClusterSpec(good(), fleet).ok).toBe(true);
  });
});
