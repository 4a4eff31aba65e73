import { describe, it, expect } from 'vitest';
import { validateZookeeperSpec } from './spec.js';
import type { FleetContext } from '../types.js';
import { validateClusterSpec } from '../registry.js';

const fleet: FleetContext = {
  hosts: [
    { id: 'zk1', name: 'zk1', address: '127.0.0.11', dataRoot: '/var/lib/hactl', labels: {} },
    { id: 'zk2', name: 'zk2', address: '127.0.0.12', dataRoot: '/var/lib/hactl', labels: {} },
    { id: 'zk3', name: 'zk3', address: '127.0.0.13', dataRoot: '/var/lib/hactl', labels: {} },
  ],
  clusters: new Map(),
};

const good = () => ({
  name: 'zk-main',
  kind: 'zookeeper',
  distribution: { home: '/usr/share/zookeeper' },
  settings: { tickTime: 2000, initLimit: 10, syncLimit: 5 },
  members: [
    { host: 'zk1', id: 1 },
    { host: 'zk2', id: 2 },
    { host: 'zk3', id: 3 },
  ],
});

/** A second member on zk1 with its own ports. */
const zk1Second = { host: 'zk1', id: 2, clientPort: 2182, peerPort: 2889, electionPort: 3889, adminPort: 0 };

type Case = [
  scenario: string,
  mutate: (s: ReturnType<typeof good> & Record<string, unknown>) => unknown,
  path: string,
  message: RegExp,
];

const cases: Case[] = [
  ['empty ensemble', (s) => ({ ...s, members: [] }), 'members', /at least one member/],
  [
    'even ensemble without override',
    (s) => ({ ...s, members: s.members.slice(0, 2) }),
    'members',
    /even ensemble/,
  ],
  [
    'duplicate ids',
    (s) => ({ ...s, members: [s.members[0], { host: 'zk2', id: 1 }, s.members[2]] }),
    'members[1].id',
    /duplicate id 1/,
  ],
  [
    'id 0 out of range',
    (s) => ({ ...s, members: [{ host: 'zk1', id: 0 }, s.members[1], s.members[2]] }),
    'members[0].id',
    /outside 1-255/,
  ],
  [
    'id 256 out of range',
    (s) => ({ ...s, members: [{ host: 'zk1', id: 256 }, s.members[1], s.members[2]] }),
    'members[0].id',
    /outside 1-255/,
  ],
  [
    'unknown host',
    (s) => ({ ...s, members: [{ host: 'nope', id: 1 }, s.members[1], s.members[2]] }),
    'members[0].host',
    /unknown host "nope"/,
  ],
  [
    'port clash on one host',
    (s) => ({ ...s, members: [{ host: 'zk1', id: 1 }, { host: 'zk1', id: 2 }, s.members[2]] }),
    'members[1]',
    /port 2181 on host zk1 is claimed by both zk-main\/zk-1 \(zookeeper clientPort\) and zk-main\/zk-2 \(zookeeper clientPort\)/,
  ],
  [
    'peer port equals election port',
    (s) => ({ ...s, members: [{ host: 'zk1', id: 1, peerPort: 3888 }, s.members[1], s.members[2]] }),
    'members[0]',
    /port 3888 on host zk1 is claimed by both zk-main\/zk-1 \(zookeeper peerPort\) and zk-main\/zk-1 \(zookeeper electionPort\)/,
  ],
  [
    'newline in a setting value',
    (s) => ({ ...s, settings: { ...s.settings, 'autopurge.snapRetainCount': '3\nserver.9=evil:1:2' } }),
    'settings.autopurge.snapRetainCount',
    /newlines/,
  ],
  ['"=" in a setting key', (s) => ({ ...s, settings: { 'a=b': 'x' } }), 'settings.a=b', /setting names/],
  [
    'space in a setting key',
    (s) => ({ ...s, settings: { 'bad key': 'x' } }),
    'settings.bad key',
    /setting names/,
  ],
  [
    'server.N in settings',
    (s) => ({ ...s, settings: { 'server.4': '127.0.0.1:1:2' } }),
    'settings.server.4',
    /derived from members/,
  ],
  [
    'managed clientPort',
    (s) => ({ ...s, settings: { clientPort: 2182 } }),
    'settings.clientPort',
    /managed by hactl/,
  ],
  [
    'non-integer tickTime',
    (s) => ({ ...s, settings: { tickTime: 'fast' } }),
    'settings.tickTime',
    /non-negative integer/,
  ],
  [
    'relative dataDir',
    (s) => ({ ...s, settings: { dataDir: 'var/zk' } }),
    'settings.dataDir',
    /absolute path/,
  ],
  [
    'path traversal in dataDir',
    (s) => ({
      ...s,
      members: [{ host: 'zk1', id: 1, dataDir: '/var/lib/../../etc' }, s.members[1], s.members[2]],
    }),
    'members[0].dataDir',
    /"\.\."/,
  ],
  [
    'backslash in a value',
    (s) => ({ ...s, settings: { 'snapshot.trust.empty': 'true\\' } }),
    'settings.snapshot.trust.empty',
    /backslash/,
  ],
  [
    'unknown member field',
    (s) => ({ ...s, members: [{ host: 'zk1', id: 1, colour: 'red' }, s.members[1], s.members[2]] }),
    'members[0].colour',
    /^unknown field$/,
  ],
  [
    'port out of range',
    (s) => ({ ...s, members: [{ host: 'zk1', id: 1, clientPort: 70000 }, s.members[1], s.members[2]] }),
    'members[0].clientPort',
    /1 and 65535/,
  ],
  [
    'both home and java',
    (s) => ({
      ...s,
      distribution: {
        home: '/opt/zk',
        java: { command: '/usr/bin/java', classpath: ['/usr/share/java/zookeeper.jar'] },
      },
    }),
    'distribution',
    /exactly one/,
  ],
  [
    'jvm flag with a space',
    (s) => ({ ...s, jvm: { flags: ['-Dx=1 -Dy=2'] } }),
    'jvm.flags[0]',
    /one JVM flag/,
  ],
  [
    'log file size without a unit',
    (s) => ({ ...s, logging: { maxFileSize: '64' } }),
    'logging.maxFileSize',
    /size such as/,
  ],
  [
    'more rolled log files than logback keeps',
    (s) => ({ ...s, logging: { maxFiles: 50 } }),
    'logging.maxFiles',
    /20/,
  ],
  [
    'same data dir twice on a host',
    (s) => ({
      ...s,
      members: [
        { host: 'zk1', id: 1, dataDir: '/d' },
        {
          host: 'zk1',
          id: 2,
          clientPort: 2182,
          peerPort: 2889,
          electionPort: 3889,
          adminPort: 0,
          dataDir: '/d',
        },
        s.members[2],
      ],
    }),
    'members[1]',
    /directory \/d on host zk1 is used by both zk-main\/zk-1 and zk-main\/zk-2/,
  ],
  // Issue 16 #1: one path rule set, clashes compared in normal form with nesting.
  [
    '"/" as a member dataDir',
    (s) => ({ ...s, members: [{ host: 'zk1', id: 1, dataDir: '/' }, s.members[1], s.members[2]] }),
    'members[0].dataDir',
    /must not be "\/"/,
  ],
  [
    '"/" as the cluster dataDir',
    (s) => ({ ...s, settings: { dataDir: '/' } }),
    'settings.dataDir',
    /must not be "\/"/,
  ],
  [
    'comma in dataLogDir',
    (s) => ({ ...s, settings: { dataLogDir: '/zk/a,/zk/b' } }),
    'settings.dataLogDir',
    /comma/,
  ],
  [
    'relative key store location',
    (s) => ({ ...s, settings: { 'ssl.keyStore.location': 'conf/keystore.jks' } }),
    'settings.ssl.keyStore.location',
    /absolute path/,
  ],
  [
    'same data dir spelled with a trailing slash',
    (s) => ({
      ...s,
      members: [{ host: 'zk1', id: 1, dataDir: '/d' }, { ...zk1Second, dataDir: '/d/' }, s.members[2]],
    }),
    'members[1]',
    /directory \/d on host zk1 is used by both zk-main\/zk-1 and zk-main\/zk-2/,
  ],
  [
    "data dir inside another member's data dir",
    (s) => ({
      ...s,
      members: [{ host: 'zk1', id: 1, dataDir: '/d' }, { ...zk1Second, dataDir: '/d/2' }, s.members[2]],
    }),
    'members[1]',
    /directory \/d\/2 of zk-main\/zk-2 is inside directory \/d of zk-main\/zk-1 on host zk1/,
  ],
  [
    'dataLogDir shared by two members on one host',
    (s) => ({
      ...s,
      settings: { dataLogDir: '/zk/txlog' },
      members: [{ host: 'zk1', id: 1 }, zk1Second, s.members[2]],
    }),
    'members[1]',
    /directory \/zk\/txlog on host zk1 is used by both zk-main\/zk-1 and zk-main\/zk-2/,
  ],
  // Issue 16 #2: zoo.cfg is read by Properties.load(InputStream), i.e. as ISO 8859-1.
  [
    'non-ASCII setting value',
    (s) => ({ ...s, settings: { 'snapshot.trust.empty': 'trüe' } }),
    'settings.snapshot.trust.empty',
    /printable ASCII.*ISO 8859-1/,
  ],
  [
    'C1 control character in a setting value',
    (s) => ({ ...s, settings: { '4lw.commands.whitelist': 'srvr\u0085' } }),
    'settings.4lw.commands.whitelist',
    /U\+0085/,
  ],
];

describe('zookeeper spec validation', () => {
  it('accepts a 3-member ensemble', () => {
    expect(validateZookeeperSpec(good(), fleet)).toMatchObject({ ok: true });
  });

  it('accepts a single standalone member and an even ensemble with the explicit override', () => {
    expect(validateZookeeperSpec({ ...good(), members: [{ host: 'zk1', id: 1 }] }, fleet).ok).toBe(true);
    expect(
      validateZookeeperSpec(
        { ...good(), allowEvenEnsemble: true, members: good().members.slice(0, 2) },
        fleet,
      ).ok,
    ).toBe(true);
  });

  it("accepts dataLogDir equal to a member's dataDir (ZooKeeper's own default) and paths with a trailing slash", () => {
    expect(
      validateZookeeperSpec(
        {
          ...good(),
          settings: { dataDir: '/data/zk/', dataLogDir: '/data/zk' },
          members: [{ host: 'zk1', id: 1 }],
        },
        fleet,
      ).ok,
    ).toBe(true);
  });

  it.each(cases)('rejects: %s', (_scenario, mutate, path, message) => {
    const r = validateClusterSpec(mutate(good() as never), fleet);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const hit = r.problems.find((p) => p.path === path);
    expect(hit, JSON.stringify(r.problems)).toBeDefined();
    expect(hit!.message).toMatch(message);
  });

  it('lists every problem at once', () => {
    const r = validateZookeeperSpec(
      {
        ...good(),
        settings: { clientPort: 1, 'x y': 2 },
        members: [
          { host: 'nope', id: 0 },
          { host: 'zk2', id: 0 },
        ],
      },
      fleet,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path).sort()).toEqual(
      [
        'members',
        'members[0].host',
        'members[0].id',
        'members[1].id',
        'members[1].id',
        'settings.clientPort',
        'settings.x y',
      ].sort(),
    );
  });

  it('rejects unknown and unsupported kinds and non-objects through the registry', () => {
    expect(validateClusterSpec({ name: 'x', kind: 'cassandra' }, fleet)).toMatchObject({
      ok: false,
      problems: [{ path: 'kind', message: expect.stringMatching(/unknown kind "cassandra"/) }],
    });
    expect(validateClusterSpec([1, 2], fleet)).toMatchObject({ ok: false, problems: [{ path: '' }] });
    expect(validateClusterSpec({ name: 'Bad_Name', kind: 'zookeeper' }, fleet)).toMatchObject({
      ok: false,
      problems: [{ path: 'name' }],
    });
  });
});
