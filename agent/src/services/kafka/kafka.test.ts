import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  planKafkaJvmOpts,
  planKafkaPreStart,
  planKafkaProcess,
  UPSTREAM_JVM_PERFORMANCE_OPTS,
} from './process.js';
import { decodeDescribeQuorumResponse, describeQuorum, encodeDescribeQuorumRequest } from './quorum.js';
import { probeKafka } from './probe.js';
import { splitZookeeperConnect } from './zk-connect.js';
import { kraftInputs, zkInputs } from './test-inputs.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const frame = (name: string) => Buffer.from(fs.readFileSync(path.join(testdata, name), 'utf8').trim(), 'hex');

describe('kafka process plan', () => {
  it('runs kafka-server-start.sh with the rendered properties, heap and LOG_DIR', () => {
    const p = planKafkaProcess(zkInputs);
    expect(p).toMatchObject({
      command: '/opt/kafka/bin/kafka-server-start.sh',
      args: ['/d/k/1/conf/server.properties'],
      adoptMatch: ['/d/k/1/conf/server.properties'],
      env: { LOG_DIR: '/d/k/1/logs', KAFKA_HEAP_OPTS: '-Xms512m -Xmx512m', KAFKA_OPTS: '-XX:+UseG1GC' },
      logFile: '/d/k/1/logs/kafka.out',
      serviceLogFiles: ['/d/k/1/logs/server.log'],
    });
    expect(p.dirs).toEqual(['/d/k/1/conf', '/d/k/1/logs', '/d/k/1/data']);
  });
  it('a cluster id starting with "-" stays one argument (kafka-storage refused it after a separate -t)', () => {
    const [format] = planKafkaPreStart({ ...kraftInputs, clusterId: '-bCdEfGhIjKlMnOpQrStUv' });
    expect(format!.args).toContain('--cluster-id=-bCdEfGhIjKlMnOpQrStUv');
    expect(format!.args).not.toContain('-t');
  });
  it('KRaft formats storage before each start (idempotent, no dynamic-quorum flag with static voters); ZooKeeper mode formats nothing', () => {
    expect(planKafkaPreStart(kraftInputs)).toEqual([
      {
        command: '/opt/kafka/bin/kafka-storage.sh',
        args: [
          'format',
          '--cluster-id=MkU3OEVBNTcwNTJENDM2Qg',
          '-c',
          '/d/k/1/conf/server.properties',
          '--ignore-formatted',
        ],
        env: { LOG_DIR: '/d/k/1/logs', KAFKA_HEAP_OPTS: '-Xms512m -Xmx512m', KAFKA_OPTS: '-XX:+UseG1GC' },
        cwd: '/d/k/1/logs',
      },
    ]);
    expect(planKafkaPreStart(zkInputs)).toEqual([]);
  });
  it('a collector other than G1 replaces upstream\'s G1 flags in KAFKA_JVM_PERFORMANCE_OPTS (else "Multiple garbage collectors selected")', () => {
    const rest = '-server -XX:MaxInlineLevel=15 -Djava.awt.headless=true';
    expect(planKafkaJvmOpts(['-XX:+UseParallelGC', '-XX:+AlwaysPreTouch'])).toEqual({
      performance: `${rest} -XX:+UseParallelGC`,
      opts: '-XX:+AlwaysPreTouch',
    });
    expect(planKafkaJvmOpts(['-XX:+UseSerialGC'])).toEqual({ performance: `${rest} -XX:+UseSerialGC` });
    expect(planKafkaJvmOpts(['-XX:+UseZGC', '-Xss512k'])).toEqual({
      performance: `${rest} -XX:+UseZGC`,
      opts: '-Xss512k',
    });
    // HotSpot reads flags in order: the unlock flag must precede the experimental collector.
    expect(planKafkaJvmOpts(['-XX:+UseEpsilonGC', '-XX:+UnlockExperimentalVMOptions'])).toEqual({
      performance: `${rest} -XX:+UnlockExperimentalVMOptions -XX:+UseEpsilonGC`,
    });
    // G1 or no collector: upstream's defaults stay (KAFKA_JVM_PERFORMANCE_OPTS unset), flags pass through.
    expect(planKafkaJvmOpts(['-XX:+UseG1GC', '-XX:G1HeapRegionSize=4m'])).toEqual({
      opts: '-XX:+UseG1GC -XX:G1HeapRegionSize=4m',
    });
    expect(planKafkaJvmOpts(['-Xss512k'])).toEqual({ opts: '-Xss512k' });
    expect(planKafkaJvmOpts([])).toEqual({});
    // Two collectors still reach the JVM together, which refuses them as it would anyway.
    expect(planKafkaJvmOpts(['-XX:+UseParallelGC', '-XX:+UseG1GC']).performance).toBe(
      `${rest} -XX:+UseParallelGC -XX:+UseG1GC`,
    );
    expect(UPSTREAM_JVM_PERFORMANCE_OPTS.join(' ')).toBe(
      '-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true',
    );
    // The server and kafka-storage.sh (same launcher) both get it.
    const serial = { ...kraftInputs, jvmFlags: ['-XX:+UseSerialGC'] };
    expect(planKafkaProcess(serial).env).toEqual({
      LOG_DIR: '/d/k/1/logs',
      KAFKA_HEAP_OPTS: '-Xms512m -Xmx512m',
      KAFKA_JVM_PERFORMANCE_OPTS: `${rest} -XX:+UseSerialGC`,
    });
    expect(planKafkaPreStart(serial)[0]!.env).toEqual(planKafkaProcess(serial).env);
  });
  it('splits zookeeper.connect into servers and chroot', () => {
    expect(splitZookeeperConnect('a:1,b:2/kafka/main')).toEqual({
      servers: 'a:1,b:2',
      chroot: '/kafka/main',
    });
    expect(splitZookeeperConnect('a:1')).toEqual({ servers: 'a:1', chroot: '' });
  });
});

// Recorded from a real Kafka 4.1.1 KRaft quorum (three combined nodes; node 3 led); testdata/README.md.
describe('DescribeQuorum (key 55 v1) over responses recorded from Kafka 4.1.1', () => {
  it('leader: id, epoch, high watermark and voters', () => {
    const { correlationId, quorum } = decodeDescribeQuorumResponse(
      frame('describequorum-v1-controller-3-kafka4.1.1.hex'),
    );
    expect(correlationId).toBe(1);
    expect(quorum).toMatchObject({
      errorCode: 0,
      leaderId: 3,
      leaderEpoch: 1,
      highWatermark: 36,
      observers: [],
    });
    expect(quorum.voters).toEqual([
      { id: 1, logEndOffset: 36 },
      { id: 2, logEndOffset: 36 },
      { id: 3, logEndOffset: 37 },
    ]);
  });
  it("a broker listener forwards to the active controller: every node answers with the leader's view", () => {
    for (const id of [1, 2, 3]) {
      expect(
        decodeDescribeQuorumResponse(frame(`describequorum-v1-via-broker-${id}-kafka4.1.1.hex`)).quorum,
      ).toMatchObject({ errorCode: 0, leaderId: 3, leaderEpoch: 1, observers: [] });
    }
  });
  it('follower controller: NOT_LEADER_OR_FOLLOWER (6) at partition level, its zeroed leader fields not read as leader 0', () => {
    for (const id of [1, 2]) {
      const f = frame(`describequorum-v1-controller-${id}-kafka4.1.1.hex`);
      // Raw: partition error 6, then leader id 0, epoch 0, high watermark 0 (schema defaults), no voters.
      expect(f.subarray(-27).toString('hex')).toBe('000000000006000000000000000000000000000000000101000000');
      expect(decodeDescribeQuorumResponse(f).quorum).toEqual({
        errorCode: 6,
        leaderId: -1,
        leaderEpoch: -1,
        highWatermark: -1,
        voters: [],
        observers: [],
      });
    }
  });
  it('truncated frames are refused', () => {
    const f = frame('describequorum-v1-controller-3-kafka4.1.1.hex');
    expect(() => decodeDescribeQuorumResponse(f.subarray(0, f.length - 10))).toThrow(/truncated/);
  });
  it('request frame: size, key 55, version 1, correlation id, flexible header and body', () => {
    const req = encodeDescribeQuorumRequest(7, 'x');
    expect(req.readInt32BE(0)).toBe(req.length - 4);
    expect([req.readInt16BE(4), req.readInt16BE(6), req.readInt32BE(8), req.readInt16BE(12)]).toEqual([
      55, 1, 7, 1,
    ]);
    expect(req.subarray(14).toString('hex')).toBe(
      `78000213${Buffer.from('__cluster_metadata').toString('hex')}0200000000000000`,
    );
  });
  it('a server that closes the connection rejects, within the timeout', async () => {
    const srv = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    await expect(describeQuorum('127.0.0.1', port, 1000)).rejects.toThrow(/closed the connection/);
    srv.close();
  });
});

describe('kafka probe', () => {
  it('never rejects: nothing listening → ok false with the error', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const p = await probeKafka({ ...zkInputs, address: '127.0.0.1', port }, 500);
    expect(p).toMatchObject({
      ok: false,
      id: 1,
      error: expect.stringMatching(/ECONNREFUSED|Connection error/),
    });
    const k = await probeKafka(
      { ...kraftInputs, address: '127.0.0.1', port, controllerPort: port, voters: [] },
      500,
    );
    expect(k).toMatchObject({ ok: false, id: 1 });
  });
});
