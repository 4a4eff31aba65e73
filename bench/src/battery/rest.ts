/**
 * The REST half of the battery: bad requests generated from tables (wrong methods, bad names, bad
 * bodies and Content-Types, every spec field of every kind with wrong values, clashes inside and
 * across clusters, bad rollout, rollback, flag and query values), each with what a good refusal
 * names.
 */
import {
  describeAnswer,
  errorOf,
  namesField,
  pathString,
  rest,
  show,
  withField,
  type Answer,
  type ControlPlane,
  type Outcome,
} from './harness.js';
import { BASELINE, SHA512, ZK_MAIN_DATA_DIR, elasticsearch, kafka, storm, zookeeper } from './specs.js';

export interface Expect {
  /** Detail paths that count as naming the field (any one). */
  field?: string | string[];
  /** Or a message that says what is wrong. */
  mention?: RegExp;
  /**
   * Or a detail whose message quotes the bad value (a clash reported on the item that holds the
   * field, e.g. `brokers[0]: directory /k … is used by both …`).
   */
  hints?: string[];
}

/** The distinctive leaves of a bad value, as a message would quote them. */
function hintsOf(v: unknown): string[] {
  if (typeof v === 'string') return v.length >= 2 && /^[\x20-\x7e]+$/.test(v) ? [v] : [];
  if (typeof v === 'number') return Math.abs(v) >= 10 && Number.isFinite(v) ? [String(v)] : [];
  if (Array.isArray(v)) return v.flatMap(hintsOf);
  return [];
}

export interface RestCase {
  name: string;
  method: string;
  path: string;
  raw?: string | Buffer;
  json?: unknown;
  type?: string | null;
  expect: Expect;
}

const cases: RestCase[] = [];
const add = (c: RestCase) => cases.push(c);

// ---- Wrong methods on every route -------------------------------------------------------------

const ROUTES: [string, string[]][] = [
  ['/healthz', ['GET']],
  ['/v1/info', ['GET']],
  ['/v1/hosts', ['GET']],
  ['/v1/clusters', ['GET']],
  ['/v1/clusters/zk-main', ['GET', 'PUT', 'DELETE']],
  ['/v1/clusters/zk-main/revisions', ['GET']],
  ['/v1/clusters/zk-main/revisions/1', ['GET']],
  ['/v1/clusters/zk-main/diff', ['GET']],
  ['/v1/clusters/zk-main/rollback', ['POST']],
  ['/v1/clusters/zk-main/rollouts', ['GET', 'POST']],
  ['/v1/rollouts/abc123', ['GET']],
  ['/v1/rollouts/abc123/pause', ['POST']],
  ['/v1/clusters/zk-main/members/h1/logs', ['GET']],
  ['/v1/events', ['GET']],
  ['/v1/apply', ['POST']],
];
for (const [route, allowed] of ROUTES)
  for (const method of ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'].filter((m) => !allowed.includes(m)))
    add({
      name: `wrong method ${method} ${route}`,
      method,
      path: route,
      ...(method === 'PUT' || method === 'POST' ? { json: {} } : {}),
      expect: { mention: new RegExp(`\\b${method}\\b|method`) },
    });

// ---- Bad names in every route that takes one -------------------------------------------------

const BAD_NAMES: [string, string][] = [
  ['..', 'dot-dot'],
  ['%2e%2e', 'encoded dot-dot'],
  ['..%2f..%2fetc', 'encoded traversal'],
  ['a%2fb', 'encoded slash'],
  ['ZK-MAIN', 'upper case'],
  ['%C3%A9t%C3%A9', 'unicode'],
  ['x'.repeat(64), '64 chars'],
  ['-lead', 'leading dash'],
  ['trail-', 'trailing dash'],
  ['a_b', 'underscore'],
  ['%00', 'NUL'],
  ['%20', 'space'],
  ['%F0%9F%92%A5', 'emoji'],
  ['a%0Ab', 'newline'],
  ['a.b', 'dot'],
  ['%', 'bare percent'],
];
const NAME_ROUTES: [string, (n: string) => string, unknown?][] = [
  ['GET', (n) => `/v1/clusters/${n}`],
  ['PUT', (n) => `/v1/clusters/${n}`, zookeeper],
  ['DELETE', (n) => `/v1/clusters/${n}`],
  ['GET', (n) => `/v1/clusters/${n}/revisions`],
  ['GET', (n) => `/v1/clusters/${n}/diff`],
  ['POST', (n) => `/v1/clusters/${n}/rollback`, { to: 1 }],
  ['POST', (n) => `/v1/clusters/${n}/rollouts`, { action: 'restart' }],
  ['GET', (n) => `/v1/clusters/${n}/rollouts`],
  ['GET', (n) => `/v1/events?cluster=${n}`],
];
for (const [name, label] of BAD_NAMES)
  for (const [method, route, json] of NAME_ROUTES)
    add({
      name: `bad name (${label}) ${method} ${route('NAME')}`,
      method,
      path: route(name),
      ...(json === undefined ? {} : { json }),
      // `..` is a URL dot segment: the server resolves it and answers for the route it lands on.
      expect: label.includes('dot-dot')
        ? { field: ['name', 'cluster'], mention: /no route/ }
        : { field: ['name', 'cluster'] },
    });
for (const [method, p] of [
  ['GET', '/v1/clusters/'],
  ['PUT', '/v1/clusters/'],
  ['GET', '/v1/clusters//revisions'],
  ['POST', '/v1/clusters//rollouts'],
] as const)
  add({
    name: `empty name ${method} ${p}`,
    method,
    path: p,
    ...(method === 'GET' ? {} : { json: zookeeper }),
    expect: { field: 'name', mention: /no route|name/ },
  });
for (const [member, label] of [
  ['..', 'dot-dot'],
  ['%2e%2e%2f%2e%2e', 'encoded traversal'],
  ['a%2fb', 'encoded slash'],
  ['%00', 'NUL'],
  ['x'.repeat(300), '300 chars'],
  ['%C3%A9', 'unicode'],
] as const)
  add({
    name: `bad member (${label}) in logs`,
    method: 'GET',
    path: `/v1/clusters/zk-main/members/${member}/logs`,
    expect: label === 'dot-dot' ? { field: 'member', mention: /no route/ } : { field: 'member' },
  });

// ---- Bodies: JSON, Content-Type, size, depth, reserved keys ----------------------------------

const BODY_ROUTES: [string, string, unknown][] = [
  ['PUT', '/v1/clusters/zk-main', zookeeper],
  ['POST', '/v1/apply', { clusters: [zookeeper] }],
  ['POST', '/v1/clusters/zk-main/rollback', { to: 1 }],
  ['POST', '/v1/clusters/zk-main/rollouts', { action: 'restart' }],
];
const BAD_JSON: [string, string][] = [
  ['{', 'unterminated'],
  ['{"a":}', 'missing value'],
  ["{'a':1}", 'single quotes'],
  ['{"a":1,}', 'trailing comma'],
  ['{"a":NaN}', 'NaN literal'],
  ['undefined', 'undefined'],
  ['', 'empty'],
  ['   \n', 'whitespace only'],
  ['[1,2', 'unterminated array'],
  ['{"a":"\\x41"}', 'bad escape'],
  ['{"a":1}{"b":2}', 'two documents'],
  ['null', 'null'],
  ['[]', 'array'],
  ['"str"', 'string'],
  ['42', 'number'],
  ['true', 'boolean'],
];
for (const [method, route] of BODY_ROUTES)
  for (const [raw, label] of BAD_JSON)
    add({
      name: `bad JSON (${label}) ${method} ${route}`,
      method,
      path: route,
      raw,
      expect: { mention: /JSON|json|object|expected|empty|must be|body/ },
    });

const BAD_TYPES: [string | null, string][] = [
  ['text/plain', 'text/plain'],
  ['application/x-www-form-urlencoded', 'form'],
  ['multipart/form-data; boundary=x', 'multipart'],
  [null, 'missing'],
  ['application/jsonx', 'application/jsonx'],
  ['text/json', 'text/json'],
  ['', 'empty'],
  ['application/xml', 'xml'],
];
for (const [method, route, json] of [
  ...BODY_ROUTES,
  ['DELETE', '/v1/clusters/zk-main?dryRun=true', {}] as [string, string, unknown],
  ['POST', '/v1/rollouts/abc123/pause', {}] as [string, string, unknown],
])
  for (const [type, label] of BAD_TYPES.filter(([t]) => !(method === 'DELETE' && t === null)))
    add({
      name: `Content-Type ${label} ${method} ${route}`,
      method,
      path: route,
      raw: JSON.stringify(json),
      type,
      expect: { field: 'content-type' },
    });

for (const [method, route, json] of BODY_ROUTES)
  for (const mib of [2, 12])
    add({
      name: `${mib} MiB body (valid JSON, whitespace padded) ${method} ${route}`,
      method,
      path: route,
      raw: JSON.stringify(json) + ' '.repeat(mib * 1024 * 1024),
      expect: { mention: /larger|too large|bytes/ },
    });

const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
for (const [method, route] of BODY_ROUTES) {
  add({
    name: `100,000-deep array ${method} ${route}`,
    method,
    path: route,
    raw: '['.repeat(100_000) + ']'.repeat(100_000),
    expect: { mention: /deep|nest|depth/ },
  });
  add({
    name: `5,000-deep object ${method} ${route}`,
    method,
    path: route,
    raw: deepObject(5000),
    expect: { mention: /deep|nest|depth/ },
  });
}
const zkText = JSON.stringify(zookeeper);
const esText = JSON.stringify(elasticsearch);
const withSettingsRaw = (specText: string, inner: string) =>
  specText.replace(/"settings":\{/, `"settings":{${inner},`);
add({
  name: 'settings nested 5,000 deep (ZooKeeper)',
  method: 'PUT',
  path: '/v1/clusters/zk-main',
  raw: withSettingsRaw(zkText, `"deep":${deepObject(5000)}`),
  expect: { field: 'settings', mention: /deep|nest/ },
});
add({
  name: 'settings nested 1,500 deep (Elasticsearch)',
  method: 'PUT',
  path: '/v1/clusters/es-main',
  raw: withSettingsRaw(esText, `"deep":${deepObject(1500)}`),
  expect: { field: 'settings', mention: /deep|nest/ },
});
for (const key of ['__proto__', 'constructor', 'prototype']) {
  add({
    name: `top-level "${key}" key PUT`,
    method: 'PUT',
    path: '/v1/clusters/zk-main',
    raw: `{"${key}":{"polluted":1},${zkText.slice(1)}`,
    expect: { field: key },
  });
  add({
    name: `settings."${key}" key PUT (ZooKeeper)`,
    method: 'PUT',
    path: '/v1/clusters/zk-main',
    raw: withSettingsRaw(zkText, `"${key}":{"tickTime":1}`),
    expect: { field: `settings.${key}` },
  });
  add({
    name: `settings."${key}" key PUT (Elasticsearch, nested maps allowed)`,
    method: 'PUT',
    path: '/v1/clusters/es-main',
    raw: withSettingsRaw(esText, `"${key}":{"x":"1"}`),
    expect: { field: `settings.${key}` },
  });
  add({
    name: `members[0]."${key}" key PUT`,
    method: 'PUT',
    path: '/v1/clusters/zk-main',
    raw: zkText.replace('{"host":"h1"', `{"${key}":{"id":9},"host":"h1"`),
    expect: { field: `members[0].${key}` },
  });
  add({
    name: `clusters[0].settings."${key}" in an apply`,
    method: 'POST',
    path: '/v1/apply',
    raw: `{"clusters":[${withSettingsRaw(zkText, `"${key}":{"tickTime":1}`)}]}`,
    expect: { field: `clusters[0].settings.${key}` },
  });
}

// ---- Every spec field of every kind with wrong values ----------------------------------------

const BAD_PATHS: [unknown, string][] = [
  ['relative/dir', 'relative'],
  ['./x', 'dot-relative'],
  ['/', 'root'],
  ['/a/../b', 'dot-dot'],
  ['/a,b', 'comma'],
  ['/a\nb', 'newline'],
  ['/a\tb', 'tab'],
  ['/a\u0085b', 'C1 NEL'],
  ['/a\u009bb', 'C1 CSI'],
  ['/a\uFFFEb', 'U+FFFE'],
  ['/a\u0000b', 'NUL'],
  ['', 'empty'],
  [42, 'number'],
];
const SOME_PATHS = BAD_PATHS.filter(([, l]) =>
  ['relative', 'root', 'dot-dot', 'comma', 'newline', 'C1 NEL'].includes(l),
);
const BAD_PORTS: unknown[] = ['9092', 0, 65536, -1, 2.5, 1e100, null];
const BAD_CONFIG_STRINGS: [string, string][] = [
  ['x\nevil.key=1', 'newline injection'],
  ['x\r\nevil.key=1', 'CRLF injection'],
  ['x\\', 'trailing backslash'],
  ['\u0085', 'C1 NEL'],
  ['a\u0090b', 'C1 DCS'],
  ['\uFFFE', 'U+FFFE'],
  ['\uFFFF', 'U+FFFF'],
  ['a\u0000b', 'NUL'],
];

interface FieldTable {
  base: { name: string };
  rows: [segments: (string | number)[], values: unknown[], field?: string | string[]][];
}

const labelOf = (v: unknown) => show(v, 40);

const pkg = (extra: Record<string, unknown>) => ({
  package: { url: 'http://pkgs.example/x.tgz', sha512: SHA512, ...extra },
});
const DISTRIBUTION_BAD: unknown[] = [
  {},
  'home',
  { home: '/opt/x', ...pkg({}) },
  pkg({ url: 'file:///etc/passwd' }),
  pkg({ url: 'http://pkgs.example/x.tgz?a=b' }),
  pkg({ url: 'http://pkgs.example/x y.tgz' }),
  pkg({ sha512: 'abc' }),
  pkg({ maxBytes: -1 }),
  pkg({ maxBytes: 1e12 * 20 }),
  pkg({ maxBytes: 1.5 }),
  { home: '/opt/x', extra: 1 },
];

const tables: FieldTable[] = [
  {
    base: zookeeper,
    rows: [
      [
        ['members', 0, 'id'],
        ['1', 1.5, null, 0, 256, -1],
      ],
      [['members', 0, 'clientPort'], BAD_PORTS],
      [
        ['members', 0, 'peerPort'],
        [0, 'x'],
      ],
      [['members', 0, 'electionPort'], [70000]],
      [
        ['members', 0, 'adminPort'],
        [-1, 65536],
      ],
      [
        ['members', 0, 'host'],
        ['', 'ghost', 'Bad Host', 'x'.repeat(300), 'h1\n'],
      ],
      [['members', 0, 'extra'], [1]],
      [['members', 0, 'dataDir'], BAD_PATHS.map(([v]) => v)],
      [['members'], [[], {}, 'h1', null], 'members'],
      [['distribution'], DISTRIBUTION_BAD, 'distribution'],
      [['distribution', 'home'], SOME_PATHS.map(([v]) => v)],
      [
        ['distribution', 'java'],
        [
          { command: 'java', classpath: ['/a'] },
          { command: '/usr/bin/java', classpath: [] },
        ],
        'distribution',
      ],
      [
        ['settings', 'tickTime'],
        ['-5', 'abc', 0, -1, 'NaN', 'Infinity', '1e3', '0x10', true, {}, [1]],
      ],
      [['settings', 'initLimit'], ['-1']],
      [
        ['settings', 'maxClientCnxns'],
        [-1, 1.5],
      ],
      [['settings', 'dataDir'], SOME_PATHS.map(([v]) => v)],
      [
        ['settings', 'dataLogDir'],
        ['relative', '/a,b', '/'],
      ],
      [
        ['settings', 'ssl.keyStore.location'],
        ['relative', '/a/../b', '/a\nb'],
      ],
      [['settings', 'autopurge.purgeInterval'], ['24\nserver.9=evil:1:2']],
      [['settings', '4lw.commands.whitelist'], BAD_CONFIG_STRINGS.map(([v]) => v)],
      [['settings', 'server.1'], ['127.0.0.1:2888:3888']],
      [['settings', 'clientPort'], [2182]],
      [['settings', 'reconfigEnabled'], [true]],
      [['settings', 'bad key'], ['x']],
      [['settings', 'a=b'], ['x']],
      [['settings', ''], ['x']],
      [['settings', 'k'.repeat(200)], [1]],
      [
        ['jvm', 'heap'],
        ['lots', '0m', 1024, '512m -Xmx9g'],
      ],
      [
        ['jvm', 'flags'],
        [['-Xmx1g -Dx=y'], ['Xmx1g'], '-Xmx1g', [1], ['-Dx="y"']],
      ],
      [
        ['logging', 'maxFiles'],
        [0, 21, '5'],
      ],
      [
        ['logging', 'level'],
        ['LOUD', 'info'],
      ],
      [
        ['logging', 'maxFileSize'],
        ['1TB', '10 MB'],
      ],
      [['allowEvenEnsemble'], ['yes', 1]],
      [['name'], ['other', 'ZK-MAIN', '../x', 1], ['name']],
      [['kind'], ['ZOOKEEPER', '', 'unknown', null], 'kind'],
      [['extra'], [1]],
    ],
  },
  {
    base: kafka,
    rows: [
      [
        ['brokers', 0, 'id'],
        [-1, 1001, '1', 1.5],
      ],
      [['brokers', 0, 'port'], BAD_PORTS],
      [
        ['brokers', 0, 'logDirs'],
        [[], 'x', ...BAD_PATHS.map(([v]) => [v]), ['/d1,/d2'], ['/k', '/k'], ['/k', '/k/sub'], ['/k', '/k/']],
      ],
      [
        ['brokers', 0, 'rack'],
        ['bad rack', '', 'r\n1'],
      ],
      [['brokers', 0, 'roles'], [['broker']]],
      [['brokers', 0, 'controllerPort'], [9093]],
      [['brokers', 0, 'host'], ['ghost']],
      [['brokers'], [[]], 'brokers'],
      [['mode'], ['raft', 1]],
      [['mode'], ['kraft'], ['brokers', 'zookeeper']],
      [['zookeeper'], ['zk-nope', 'es-main', 'storm-main', 'kafka-main', '']],
      [['zookeeper'], [undefined], 'zookeeper'],
      [['chroot'], ['kafka', '/a/', '/a b', '/../x', '/a\nb']],
      [['settings', 'broker.id'], [5]],
      [['settings', 'log.dirs'], ['/x']],
      [['settings', 'listeners'], ['PLAINTEXT://0.0.0.0:9092']],
      [['settings', 'zookeeper.connect'], ['evil:2181']],
      [
        ['settings', 'default.replication.factor'],
        [4, 0, '3x'],
      ],
      [
        ['settings', 'min.insync.replicas'],
        [4, 0],
      ],
      [
        ['settings', 'num.partitions'],
        [-3, 'many', 1.5],
      ],
      [
        ['settings', 'ssl.keystore.location'],
        ['relative', '/a/../b', '/a,b'],
      ],
      [['settings', 'compression.type'], BAD_CONFIG_STRINGS.map(([v]) => v)],
      [['distribution', 'home'], SOME_PATHS.map(([v]) => v)],
      [['distribution'], DISTRIBUTION_BAD.slice(0, 4), 'distribution'],
      [['jvm', 'heap'], ['9z']],
      [['extra'], [1]],
    ],
  },
  {
    base: storm,
    rows: [
      [['zookeeper'], ['zk-nope', 'kafka-main', '', 'ZK']],
      [
        ['nimbus', 'hosts'],
        [[], ['ghost'], 'h4', [1]],
      ],
      [['nimbus', 'failover'], ['auto']],
      [
        ['nimbus', 'port'],
        [0, 'x', 8081],
        ['nimbus.port', 'ui.port'],
      ],
      [
        ['supervisors', 'hosts'],
        [['ghost'], [], ['h5', 'h5']],
      ],
      [
        ['supervisors', 'slots'],
        [[6700, 6700], ['x'], [70000], [], [6628]],
      ],
      [['supervisors', 'thriftPort'], [6700], ['supervisors.thriftPort', 'supervisors.slots']],
      [['ui', 'host'], ['ghost']],
      [
        ['ui', 'port'],
        [6627, 0],
        ['ui.port', 'nimbus.port'],
      ],
      [['ui'], ['h4']],
      [['settings', 'storm.local.dir'], BAD_PATHS.map(([v]) => v)],
      [
        ['settings', 'storm.log.dir'],
        ['relative', '/a,b', '/'],
      ],
      [
        ['settings', 'storm.metricstore.rocksdb.location'],
        ['/a/../b', '/a\u0085b'],
      ],
      [['settings', 'nimbus.seeds'], [['h4']]],
      [['settings', 'storm.zookeeper.servers'], [['x']]],
      [
        ['settings', 'topology.workers'],
        [...BAD_CONFIG_STRINGS.map(([v]) => v), 'a\nnimbus.seeds: [evil]', { a: 1 }],
      ],
      [['settings', 'bad key'], [1]],
      [
        ['settings', 'storm.zookeeper.root'],
        ['noslash', '/a/../b'],
      ],
      [['settings', 'worker.childopts'], ['-Dfoo="a b"']],
      [
        ['settings', 'nimbus.supervisor.timeout.secs'],
        [-1, 0, 'x'],
      ],
      [['distribution', 'home'], SOME_PATHS.map(([v]) => v)],
      [['extra'], [1]],
    ],
  },
  {
    base: elasticsearch,
    rows: [
      [
        ['nodes', 0, 'name'],
        ['Node_1', '', 'node-2'],
      ],
      [
        ['nodes', 0, 'roles'],
        [['boss'], 'master', ['master', 'master']],
      ],
      [
        ['nodes', 0, 'httpPort'],
        [0, 'x', 9300],
        ['nodes[0].httpPort', 'nodes[0].transportPort'],
      ],
      [['nodes', 0, 'transportPort'], [70000]],
      [['nodes', 0, 'dataDir'], BAD_PATHS.map(([v]) => v)],
      [['nodes', 0, 'logDir'], SOME_PATHS.map(([v]) => v)],
      [
        ['nodes', 0, 'heap'],
        ['1t', '0m', 512],
      ],
      [
        ['nodes', 0, 'attributes'],
        [{ 'bad key': 'x' }, { rack: 'x'.repeat(300) }, { rack: 'a\nb' }, { rack: 1 }, { rack: '\u0085' }],
      ],
      [['nodes', 0, 'host'], ['ghost']],
      [['nodes'], [[]], 'nodes'],
      [['settings', 'path.data'], ['/x']],
      [['settings', 'node.master'], [true]],
      [['settings', 'cluster.name'], ['x']],
      [['settings', 'discovery.type'], ['single-node']],
      [
        ['settings', 'indices.memory.index_buffer_size'],
        [...BAD_CONFIG_STRINGS.map(([v]) => v), 'a\nnode.roles: [master]'],
      ],
      [['settings', 'bad key'], [1]],
      [['settings', 'thread_pool'], [{ write: { queue_size: null } }]],
      [['heap'], ['lots']],
      [['allowEvenMasters'], ['yes']],
      [['distribution', 'home'], SOME_PATHS.map(([v]) => v)],
      [['extra'], [1]],
    ],
  },
];
for (const { base, rows } of tables)
  for (const [segments, values, field] of rows)
    for (const value of values)
      add({
        name: `${base.name} ${pathString(segments)} = ${labelOf(value)}`,
        method: 'PUT',
        path: `/v1/clusters/${base.name}`,
        json: withField(base, segments, value),
        expect: {
          field: field ?? pathString(segments),
          hints: [...hintsOf(value), `"${String(segments.at(-1))}"`],
        },
      });

// ---- Structure: ensembles, duplicates, clashes inside and across clusters, references, kinds --

const zkMembers = (members: unknown[]) => ({ ...zookeeper, members });
const h1Alt = { host: 'h1', id: 2, clientPort: 2191, peerPort: 2898, electionPort: 3898, adminPort: 0 };
/** A clash reported on the instances involved, with both named and the port or directory quoted. */
const CLASH = /claimed by both|used by both|is inside directory|contains directory/;
const structural: [string, string, unknown, string | string[], RegExp?][] = [
  [
    'even ensemble (4 members)',
    'zk-main',
    zkMembers([...zookeeper.members, { host: 'h4', id: 4 }]),
    'members',
  ],
  [
    '256 members',
    'zk-main',
    zkMembers(Array.from({ length: 257 }, (_, i) => ({ host: 'h1', id: i + 1, clientPort: 10000 + i }))),
    'members',
  ],
  [
    'duplicate member id',
    'zk-main',
    zkMembers([zookeeper.members[0], { host: 'h2', id: 1 }, zookeeper.members[2]]),
    'members[1].id',
  ],
  [
    'two members on one host, same ports',
    'zk-main',
    zkMembers([zookeeper.members[0], { host: 'h1', id: 2 }, zookeeper.members[2]]),
    ['members[1]', 'members[0]', 'members'],
  ],
  [
    'two members on one host, same explicit dataDir',
    'zk-main',
    zkMembers([
      { host: 'h1', id: 1, dataDir: '/srv/zk' },
      { ...h1Alt, dataDir: '/srv/zk' },
      zookeeper.members[2],
    ]),
    ['members[1]', 'members[0]'],
  ],
  [
    'two members on one host, same dataDir spelled differently',
    'zk-main',
    zkMembers([
      { host: 'h1', id: 1, dataDir: '/srv/zk' },
      { ...h1Alt, dataDir: '//srv/./zk/' },
      zookeeper.members[2],
    ]),
    ['members[1]', 'members[0]'],
  ],
  [
    'one member dataDir inside another',
    'zk-main',
    zkMembers([
      { host: 'h1', id: 1, dataDir: '/srv/zk' },
      { ...h1Alt, dataDir: '/srv/zk/inner' },
      zookeeper.members[2],
    ]),
    ['members[1]', 'members[0]'],
  ],
  [
    "new ensemble on zk-main's hosts and ports",
    'zk-two',
    { ...zookeeper, name: 'zk-two' },
    ['members[0]', 'members'],
  ],
  [
    "new ensemble with zk-main's data dir",
    'zk-two',
    { ...zookeeper, name: 'zk-two', members: [{ ...h1Alt, id: 1, dataDir: ZK_MAIN_DATA_DIR(1) }] },
    'members[0]',
  ],
  [
    "new ensemble with a dir holding zk-main's",
    'zk-two',
    { ...zookeeper, name: 'zk-two', members: [{ ...h1Alt, id: 1, dataDir: '/var/lib/hactl/zookeeper' }] },
    'members[0]',
  ],
  [
    "new ensemble on Kafka's broker port",
    'zk-two',
    { ...zookeeper, name: 'zk-two', members: [{ ...h1Alt, id: 1, clientPort: 9092 }] },
    'members[0]',
  ],
  [
    "Kafka broker on ZooKeeper's client port",
    'kafka-main',
    withField(kafka, ['brokers', 0, 'port'], 2181),
    'brokers[0]',
  ],
  [
    "Kafka log dir = zk-main's data dir",
    'kafka-main',
    withField(kafka, ['brokers', 0, 'logDirs'], [ZK_MAIN_DATA_DIR(1)]),
    'brokers[0]',
  ],
  [
    "Kafka log dir inside zk-main's data dir",
    'kafka-main',
    withField(kafka, ['brokers', 0, 'logDirs'], [`${ZK_MAIN_DATA_DIR(1)}/kafka`]),
    'brokers[0]',
  ],
  [
    'Kafka log dirs "/d1,/d2" next to "/d2"',
    'kafka-main',
    withField(kafka, ['brokers', 0, 'logDirs'], ['/d1,/d2', '/d2']),
    'brokers[0].logDirs',
  ],
  ['duplicate broker id', 'kafka-main', withField(kafka, ['brokers', 1, 'id'], 1), 'brokers[1].id'],
  [
    'two brokers on one host, same port',
    'kafka-main',
    withField(kafka, ['brokers', 1, 'host'], 'h1'),
    ['brokers[1]', 'brokers[0]'],
  ],
  [
    'KRaft with an even controller quorum',
    'kafka-main',
    {
      ...kafka,
      mode: 'kraft',
      zookeeper: undefined,
      brokers: kafka.brokers.slice(0, 2).map((b) => ({ ...b, roles: ['broker', 'controller'] })),
      settings: {},
    },
    'brokers',
  ],
  [
    "Storm UI on ZooKeeper's client port",
    'storm-main',
    withField(storm, ['ui'], { host: 'h1', port: 2181 }),
    'ui',
  ],
  [
    "Storm local dir = zk-main's data dir (nimbus on h1)",
    'storm-main',
    withField(
      withField(storm, ['nimbus', 'hosts'], ['h1']),
      ['settings', 'storm.local.dir'],
      ZK_MAIN_DATA_DIR(1),
    ),
    ['settings.storm.local.dir', 'nimbus'],
  ],
  [
    "Elasticsearch node on ZooKeeper's client port",
    'es-main',
    withField(elasticsearch, ['nodes', 0], { host: 'h1', name: 'node-1', httpPort: 2181 }),
    'nodes[0]',
  ],
  [
    "Elasticsearch data dir = zk-main's data dir",
    'es-main',
    withField(elasticsearch, ['nodes', 0], { host: 'h1', name: 'node-1', dataDir: ZK_MAIN_DATA_DIR(1) }),
    'nodes[0]',
  ],
  [
    'Elasticsearch dataDir "/e1,/e2"',
    'es-main',
    withField(elasticsearch, ['nodes', 0, 'dataDir'], '/e1,/e2'),
    'nodes[0].dataDir',
  ],
  [
    'Elasticsearch 4 master-eligible nodes',
    'es-main',
    withField(elasticsearch, ['nodes', 3], { host: 'h1', name: 'node-4' }),
    'nodes',
  ],
  [
    'duplicate Elasticsearch node name',
    'es-main',
    withField(elasticsearch, ['nodes', 1, 'name'], 'node-1'),
    'nodes[1].name',
  ],
  [
    'kind change zookeeper → kafka',
    'zk-main',
    {
      ...kafka,
      name: 'zk-main',
      zookeeper: undefined,
      mode: 'kraft',
      brokers: [{ host: 'h4', id: 1, roles: ['broker', 'controller'] }],
      settings: {},
    },
    'kind',
  ],
  [
    'kind change elasticsearch → storm',
    'es-main',
    {
      ...storm,
      name: 'es-main',
      nimbus: { hosts: ['h1'] },
      supervisors: { hosts: ['h2'], slots: [6900] },
      ui: undefined,
    },
    'kind',
  ],
  ['body name differs from the URL', 'zk-main', { ...zookeeper, name: 'zk-other' }, 'name'],
  [
    'Kafka referencing a ZooKeeper cluster that does not exist',
    'kafka-two',
    { ...kafka, name: 'kafka-two', zookeeper: 'zk-ghost', brokers: [{ host: 'h4', id: 1, port: 19092 }] },
    'zookeeper',
  ],
];
for (const [name, cluster, json, field, mention] of structural)
  add({
    name,
    method: 'PUT',
    path: `/v1/clusters/${cluster}`,
    json,
    expect: { field, mention: mention ?? CLASH },
  });
add({
  name: 'delete zk-main while kafka-main and storm-main use it',
  method: 'DELETE',
  path: '/v1/clusters/zk-main',
  expect: { mention: /kafka-main|storm-main|refer|uses|used/ },
});

// ---- Apply requests ---------------------------------------------------------------------------

const applyCases: [string, unknown, string | string[], RegExp?][] = [
  ['apply with no clusters', { clusters: [] }, 'clusters'],
  ['apply with clusters an object', { clusters: {} }, 'clusters'],
  ['apply with clusters [1]', { clusters: [1] }, 'clusters[0]', /must be an object/],
  ['apply with 101 clusters', { clusters: Array.from({ length: 101 }, () => zookeeper) }, 'clusters'],
  [
    'apply with one good and one bad spec',
    {
      clusters: [
        {
          ...zookeeper,
          name: 'zk-new',
          members: [
            { host: 'h4', id: 1, clientPort: 12181, peerPort: 12888, electionPort: 13888, adminPort: 0 },
          ],
        },
        withField(kafka, ['brokers', 0, 'id'], -1),
      ],
    },
    'clusters[1].brokers[0].id',
  ],
  [
    'apply naming one cluster twice',
    { clusters: [zookeeper, withField(zookeeper, ['settings', 'tickTime'], 3000)] },
    ['clusters[1].name', 'clusters[1]', 'clusters'],
  ],
  // One document: its problems keep the paths PUT gives them (changes.ts stageAll).
  [
    'apply with a spec without a name',
    { clusters: [{ ...zookeeper, name: undefined }] },
    ['clusters[0].name', 'name'],
  ],
  ['apply without clusters', {}, 'clusters'],
  [
    'apply with a kind nobody knows',
    { clusters: [{ name: 'x-1', kind: 'cassandra' }] },
    ['clusters[0].kind', 'kind'],
  ],
];
for (const [name, json, field, mention] of applyCases)
  add({ name, method: 'POST', path: '/v1/apply', json, expect: mention ? { field, mention } : { field } });

// ---- Rollouts, rollbacks, flags, queries -------------------------------------------------------

const rolloutBodies: [unknown, string][] = [
  [{}, 'action'],
  [{ action: 'explode' }, 'action'],
  [{ action: ['restart'] }, 'action'],
  [{ action: null }, 'action'],
  [{ action: 'restart', batchSize: 2 }, 'batchSize'],
  [{ action: 'restart', pauseBetweenSec: -1 }, 'pauseBetweenSec'],
  [{ action: 'restart', pauseBetweenSec: '5' }, 'pauseBetweenSec'],
  [{ action: 'restart', pauseBetweenSec: 1e9 }, 'pauseBetweenSec'],
  [{ action: 'restart', gateTimeoutSec: 0 }, 'gateTimeoutSec'],
  [{ action: 'restart', gateTimeoutSec: 4.5 }, 'gateTimeoutSec'],
  [{ action: 'restart', onGateTimeout: 'explode' }, 'onGateTimeout'],
  [{ action: 'restart', revision: 1 }, 'revision'],
  [{ action: 'restart', bogus: 1 }, 'bogus'],
];
for (const [json, field] of rolloutBodies)
  add({
    name: `rollout request ${show(json, 60)}`,
    method: 'POST',
    path: '/v1/clusters/zk-main/rollouts',
    json,
    expect: { field },
  });
add({
  name: 'rollout of a missing cluster',
  method: 'POST',
  path: '/v1/clusters/zk-none/rollouts',
  json: { action: 'restart' },
  expect: { mention: /zk-none/ },
});
for (const [json, mention] of [
  [{ to: 999 }, /999|revision/],
  [{ to: 0 }, undefined],
  [{ to: -1 }, undefined],
  [{ to: '1' }, undefined],
  [{ to: 1.5 }, undefined],
  [{ to: null }, undefined],
  [{}, undefined],
  [{ to: 1e20 }, undefined],
] as [unknown, RegExp | undefined][])
  add({
    name: `rollback ${show(json, 40)}`,
    method: 'POST',
    path: '/v1/clusters/zk-main/rollback',
    json,
    expect: { field: 'to', mention: mention ?? /revision/ },
  });
add({
  name: 'rollback of a missing cluster',
  method: 'POST',
  path: '/v1/clusters/zk-none/rollback',
  json: { to: 1 },
  expect: { mention: /zk-none/ },
});
for (const [method, p, expect] of [
  ['GET', '/v1/rollouts/xyz', { field: 'id' }],
  ['GET', `/v1/rollouts/${'a'.repeat(65)}`, { field: 'id' }],
  ['GET', '/v1/rollouts/deadbeef', { mention: /deadbeef|rollout/ }],
  ['POST', '/v1/rollouts/deadbeef/explode', { field: 'verb' }],
  ['POST', '/v1/rollouts/deadbeef/pause', { mention: /deadbeef|rollout/ }],
  ['POST', '/v1/rollouts/XYZ/abort', { field: 'id' }],
] as [string, string, Expect][])
  add({
    name: `rollout verb ${method} ${p.slice(0, 40)}`,
    method,
    path: p,
    ...(method === 'POST' ? { json: {} } : {}),
    expect,
  });

const changed = withField(zookeeper, ['settings', 'tickTime'], 2001);
for (const [query, field] of [
  ['dryRun=yes', 'dryRun'],
  ['dryRun=2', 'dryRun'],
  ['dryRun=TRUE', 'dryRun'],
  ['dryRun=%00', 'dryRun'],
  ['rollout=maybe', 'rollout'],
  ['rollout=no', 'rollout'],
  ['rollout=-1', 'rollout'],
])
  add({
    name: `PUT ?${query}`,
    method: 'PUT',
    path: `/v1/clusters/zk-main?${query}`,
    json: changed,
    expect: { field },
  });
for (const query of ['dryRun=yes', 'rollout=nope'])
  add({
    name: `apply ?${query}`,
    method: 'POST',
    path: `/v1/apply?${query}`,
    json: { clusters: [changed] },
    expect: { field: query.split('=')[0] },
  });
add({
  name: 'DELETE ?dryRun=yes',
  method: 'DELETE',
  path: '/v1/clusters/zk-main?dryRun=yes',
  expect: { field: 'dryRun' },
});

for (const limit of ['-1', 'abc', '10000', '1e3', '99999999999', '', '%205', '5.0', '0x10'])
  add({
    name: `events limit=${JSON.stringify(limit)}`,
    method: 'GET',
    path: `/v1/events?limit=${limit}`,
    expect: { field: 'limit' },
  });
for (const rev of ['0', '-1', 'abc', '9999999999', '999', '1.5', '%20'])
  add({
    name: `revision ${JSON.stringify(rev)}`,
    method: 'GET',
    path: `/v1/clusters/zk-main/revisions/${rev}`,
    expect: { field: 'revision', mention: /revision/ },
  });
for (const q of ['from=abc', 'to=-1', 'from=999', 'to=9999999999', 'from=0'])
  add({
    name: `diff ?${q}`,
    method: 'GET',
    path: `/v1/clusters/zk-main/diff?${q}`,
    expect: { field: q.split('=')[0], mention: /revision|from|to/ },
  });
for (const [q, expect] of [
  ['lines=abc', { field: 'lines' }],
  ['lines=-5', { field: 'lines' }],
  ['lines=99999999999', { field: 'lines' }],
  ['file=etc/passwd', { field: 'file' }],
  ['file=../x', { field: 'file' }],
] as [string, Expect][])
  add({ name: `logs ?${q}`, method: 'GET', path: `/v1/clusters/zk-main/members/h1/logs?${q}`, expect });
add({
  name: 'logs of a member that does not exist',
  method: 'GET',
  path: '/v1/clusters/zk-main/members/ghost/logs',
  expect: { mention: /ghost/ },
});

export function restCases(): RestCase[] {
  return cases;
}

// ---- Running --------------------------------------------------------------------------------

/** The classification of one answer against the case's expectation. */
export function classify(a: Answer, expect: Expect, alive: boolean, bodyBytes = 0): Outcome['cls'] {
  // Over the limit, the server answers 413 from the headers and closes with the body unread: the
  // kernel then resets the connection, and the client often loses the answer (EPIPE). Refused, but
  // the client is not told why.
  if (
    alive &&
    a.status === 0 &&
    bodyBytes > 1024 * 1024 &&
    /EPIPE|ECONNRESET|socket hang up/.test(a.error ?? '')
  )
    return 'unclear';
  if (!alive || a.status === 0 || a.status >= 500) return 'crash';
  if (a.status < 400) return 'accepted';
  const e = errorOf(a);
  if (!e.code) return 'unclear';
  const named = expect.field !== undefined && namesField(e.paths, expect.field);
  const said = expect.mention !== undefined && expect.mention.test(e.text);
  const quoted = (expect.hints ?? []).some((h) => e.details.some((d) => d.message.includes(h)));
  if (expect.field === undefined && expect.mention === undefined) return 'good';
  return named || said || quoted ? 'good' : 'unclear';
}

/** Puts the baseline back after a case that was taken: no rollouts running, only the baseline clusters, as specified. */
export async function restore(cp: ControlPlane): Promise<void> {
  const list = await rest(cp, 'GET', '/v1/clusters');
  const clusters = ((list.json as { clusters?: { name: string }[] } | undefined)?.clusters ?? []).map(
    (c) => c.name,
  );
  for (const name of clusters) {
    const rs = await rest(cp, 'GET', `/v1/clusters/${name}/rollouts`);
    for (const r of (rs.json as { rollouts?: { id: string; state: string }[] } | undefined)?.rollouts ?? [])
      if (!['done', 'aborted', 'failed', 'succeeded', 'rolled-back'].includes(r.state))
        await rest(cp, 'POST', `/v1/rollouts/${r.id}/abort`, { json: {} });
  }
  for (const name of clusters.reverse())
    if (!BASELINE.some((b) => b.name === name) && !name.startsWith('zk-d'))
      await rest(cp, 'DELETE', `/v1/clusters/${name}`);
  for (const b of BASELINE) {
    const r = await rest(cp, 'PUT', `/v1/clusters/${b.name}?rollout=false`, { json: b.spec });
    if (r.status !== 200) console.error(`restoring ${b.name}: ${describeAnswer(r)}`);
  }
}

/** The clusters and their revisions, `name@rev …`: what a mutation that was taken changed. */
export async function revisions(cp: ControlPlane): Promise<string> {
  const list = await rest(cp, 'GET', '/v1/clusters');
  const clusters =
    (list.json as { clusters?: { name: string; revision: number }[] } | undefined)?.clusters ?? [];
  return clusters.map((c) => `${c.name}@${c.revision}`).join(' ');
}

export async function runRest(cp: ControlPlane, restart: () => Promise<void>): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const c of restCases()) {
    const before = await revisions(cp);
    const a = await rest(cp, c.method, c.path, {
      ...(c.raw !== undefined ? { raw: c.raw } : {}),
      ...(c.json !== undefined ? { json: c.json } : {}),
      ...(c.type !== undefined ? { type: c.type } : {}),
    });
    await new Promise((r) => setImmediate(r));
    const alive = cp.alive();
    const cls = classify(a, c.expect, alive, c.raw?.length ?? 0);
    const input = `${c.method} ${c.path.length > 100 ? `${c.path.slice(0, 100)}…` : c.path}${
      c.type !== undefined ? ` [Content-Type: ${String(c.type)}]` : ''
    } ${c.raw !== undefined ? show(c.raw.toString(), 200) : c.json !== undefined ? show(c.json, 200) : ''}`;
    let answer = describeAnswer(a);
    if (!alive) answer += ' — the control plane died';
    out.push({ surface: 'REST', name: c.name, input, answer, cls });
    if (!alive) await restart();
    else if (cls === 'accepted' && c.method !== 'GET') {
      const after = await revisions(cp);
      if (after !== before) out[out.length - 1]!.answer += ` (stored: ${before} → ${after})`;
      await restore(cp);
    }
  }
  return out;
}
