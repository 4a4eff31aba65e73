import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { runToEnd, stopAll, tempDir, writeProps } from './lab.js';

// Startup refusals and kafka-storage.sh behaviour (service-facts 2.1, 2.3). No process here reaches a
// running state, so no ZooKeeper is needed: config validation comes first, as in Kafka.
// Addresses: 127.0.1.31–.39 (never bound successfully).
const dir = tempDir('hactl-kafka-checks-');
afterAll(async () => {
  await stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

const zkBase = {
  'broker.id': 1,
  listeners: 'PLAINTEXT://127.0.1.31:9092',
  'log.dirs': path.join(dir, 'zk-logs'),
  'zookeeper.connect': '127.0.1.1:2181/kafka',
};
const kraftBase = (id: number, sub: string): Record<string, string | number> => ({
  'process.roles': 'broker,controller',
  'node.id': id,
  'controller.quorum.voters': `${id}@127.0.1.3${id}:9093`,
  listeners: `PLAINTEXT://127.0.1.3${id}:9092,CONTROLLER://127.0.1.3${id}:9093`,
  'advertised.listeners': `PLAINTEXT://127.0.1.3${id}:9092`,
  'controller.listener.names': 'CONTROLLER',
  'log.dirs': path.join(dir, sub),
});

async function startFails(name: string, props: Record<string, string | number>): Promise<string> {
  const cfg = writeProps(dir, `${name}.properties`, props);
  const { code, out } = await runToEnd('kafka-server-start.sh', [cfg]);
  expect(code).toBe(1);
  expect(out).toMatch(/ERROR Exiting Kafka due to fatal exception/);
  return out;
}

describe.concurrent('kafka emulator: invalid server.properties are refused like Kafka 3.9 does', () => {
  it.each([
    ['zk: missing zookeeper.connect', { ...zkBase, 'zookeeper.connect': '' }, /ConfigException: Missing required configuration `zookeeper\.connect` which has no default value\./],
    [
      'advertised listener not in listeners',
      { ...zkBase, 'advertised.listeners': 'PLAINTEXT://127.0.1.31:9092,EXTERNAL://127.0.1.31:9094', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT' },
      /advertised\.listeners listener names must be equal to or a subset of the ones defined in listeners/,
    ],
    ['advertised host 0.0.0.0', { ...zkBase, listeners: 'PLAINTEXT://0.0.0.0:9092' }, /advertised\.listeners cannot use the nonroutable meta-address 0\.0\.0\.0/],
    [
      'duplicate ports',
      { ...zkBase, listeners: 'PLAINTEXT://127.0.1.31:9092,SSL://127.0.1.31:9092' },
      /Each listener must have a different port/,
    ],
    ['broker.id below -1', { ...zkBase, 'broker.id': -5 }, /broker\.id must be greater than or equal to -1/],
    ['inter-broker listener not advertised', { ...zkBase, 'inter.broker.listener.name': 'INTERNAL' }, /inter\.broker\.listener\.name must be a listener name defined in advertised\.listeners/],
    ['kraft: node.id missing', { ...kraftBase(1, 'x'), 'node.id': '' }, /Missing configuration `node\.id` which is required when `process\.roles` is defined/],
    ['kraft: no voters or bootstrap servers', { ...kraftBase(1, 'x'), 'controller.quorum.voters': '' }, /either controller\.quorum\.bootstrap\.servers must contain/],
    ['kraft: controller not in voters', { ...kraftBase(1, 'x'), 'controller.quorum.voters': '2@127.0.1.32:9093' }, /the node id 1 must be included in the set of voters/],
  ])('%s', async (name, props, pattern) => {
    const out = await startFails(name.replace(/\W+/g, '-'), props);
    expect(out).toMatch(pattern);
  });
});

describe('kafka emulator: kafka-storage.sh and the KRaft "not formatted" refusal', () => {
  it('random-uuid prints a fresh 22-char base64url Kafka Uuid', async () => {
    const a = await runToEnd('kafka-storage.sh', ['random-uuid']);
    const b = await runToEnd('kafka-storage.sh', ['random-uuid']);
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}\n$/);
    expect(a.out).not.toBe(b.out);
  });

  it('a KRaft node on unformatted dirs refuses to start', async () => {
    const out = await startFails('unformatted', kraftBase(1, 'unformatted'));
    expect(out).toMatch(/java\.lang\.RuntimeException: No readable meta\.properties files found\./);
  });

  it('a KRaft node with one of several dirs unformatted names that dir', async () => {
    const props = { ...kraftBase(2, 'partial-a'), 'log.dirs': `${path.join(dir, 'partial-a')},${path.join(dir, 'partial-b')}` };
    const cfg = writeProps(dir, 'partial.properties', props);
    expect((await runToEnd('kafka-storage.sh', ['format', '-t', 'MkU3OEVBNTcwNTJENDM2Qg', '-c', cfg])).code).toBe(0);
    fs.rmSync(path.join(dir, 'partial-b', 'meta.properties'));
    const { code, out } = await runToEnd('kafka-server-start.sh', [cfg]);
    expect(code).toBe(1);
    expect(out).toContain(`No \`meta.properties\` found in ${path.join(dir, 'partial-b')} (have you run \`kafka-storage.sh\` to format the directory?)`);
  });

  it('format: legacy (ZK) config refused; second format refused unless --ignore-formatted', async () => {
    const zkCfg = writeProps(dir, 'zk.properties', zkBase);
    const legacy = await runToEnd('kafka-storage.sh', ['format', '-t', 'MkU3OEVBNTcwNTJENDM2Qg', '-c', zkCfg]);
    expect(legacy.code).toBe(1);
    expect(legacy.out).toContain('The kafka configuration file appears to be for a legacy cluster. Formatting is only supported for clusters in KRaft mode.');

    const cfg = writeProps(dir, 'fmt.properties', kraftBase(3, 'fmt'));
    const first = await runToEnd('kafka-storage.sh', ['format', '-t', 'MkU3OEVBNTcwNTJENDM2Qg', '-c', cfg]);
    expect(first.code).toBe(0);
    expect(first.out).toContain(`Formatting metadata directory ${path.join(dir, 'fmt')} with metadata.version`);
    const meta = fs.readFileSync(path.join(dir, 'fmt', 'meta.properties'), 'utf8');
    expect(meta).toMatch(/^node\.id=3$/m);
    expect(meta).toMatch(/^cluster\.id=MkU3OEVBNTcwNTJENDM2Qg$/m);
    expect(meta).toMatch(/^version=1$/m);
    expect(meta).toMatch(/^directory\.id=[A-Za-z0-9_-]{22}$/m);

    const again = await runToEnd('kafka-storage.sh', ['format', '-t', 'MkU3OEVBNTcwNTJENDM2Qg', '-c', cfg]);
    expect(again.code).toBe(1);
    expect(again.out).toContain(`Log directory ${path.join(dir, 'fmt')} is already formatted. Use --ignore-formatted to ignore this directory and format the others.`);
    const ignored = await runToEnd('kafka-storage.sh', ['format', '--ignore-formatted', '-t', 'MkU3OEVBNTcwNTJENDM2Qg', '-c', cfg]);
    expect(ignored.code).toBe(0);
    expect(ignored.out).toContain('All of the log directories are already formatted.');
    const otherCluster = await runToEnd('kafka-storage.sh', ['format', '-g', '-t', 'AAAAAAAAAAAAAAAAAAAAAA', '-c', cfg]);
    expect(otherCluster.code).toBe(1);
    expect(otherCluster.out).toMatch(/Invalid cluster\.id in: .*meta\.properties\. Expected AAAAAAAAAAAAAAAAAAAAAA, but read MkU3OEVBNTcwNTJENDM2Qg/);
  });

  it('format: a controller without controller.quorum.voters needs --standalone, --initial-controllers or --no-initial-controllers', async () => {
    const props = { ...kraftBase(4, 'dyn'), 'controller.quorum.voters': '', 'controller.quorum.bootstrap.servers': '127.0.1.34:9093' };
    const cfg = writeProps(dir, 'dyn.properties', props);
    const bare = await runToEnd('kafka-storage.sh', ['format', '-t', 'MkU3OEVBNTcwNTJENDM2Qg', '-c', cfg]);
    expect(bare.code).toBe(1);
    expect(bare.out).toContain('you must specify one of the following: --standalone, --initial-controllers, or --no-initial-controllers');
    const standalone = await runToEnd('kafka-storage.sh', ['format', '-t', 'MkU3OEVBNTcwNTJENDM2Qg', '-c', cfg, '--standalone']);
    expect(standalone.code).toBe(0);
    expect(standalone.out).toContain('Formatting dynamic metadata voter directory');
    expect(fs.existsSync(path.join(dir, 'dyn', '__cluster_metadata-0', '00000000000000000000-0000000000.checkpoint'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'dyn', 'bootstrap.checkpoint'))).toBe(true);
  });

  it('missing arguments fail with usage and exit 1', async () => {
    const none = await runToEnd('kafka-storage.sh', []);
    expect(none.code).toBe(1);
    expect(none.out).toMatch(/usage: kafka-storage/);
    const noId = await runToEnd('kafka-storage.sh', ['format', '-c', path.join(dir, 'fmt.properties')]);
    expect(noId.code).toBe(1);
    expect(noId.out).toMatch(/argument --cluster-id\/-t is required/);
  });
});
