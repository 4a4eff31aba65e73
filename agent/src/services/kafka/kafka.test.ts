import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { kafka } from '@hactl/shared';
import { planKafkaPreStart, planKafkaProcess } from './process.js';
import { decodeDescribeQuorumResponse, describeQuorum, encodeDescribeQuorumRequest } from './quorum.js';
import { probeKafka, splitZookeeperConnect } from './probe.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const frame = (name: string) => Buffer.from(fs.readFileSync(path.join(testdata, name), 'utf8').trim(), 'hex');

const zkInputs: kafka.KafkaInputs = {
  cluster: 'kafka-main', mode: 'zookeeper', id: 1, roles: ['broker'], address: '127.0.0.11', port: 9092,
  listeners: 'PLAINTEXT://127.0.0.11:9092', advertisedListeners: 'PLAINTEXT://127.0.0.11:9092', zookeeperConnect: '127.0.0.1:2181/kafka-main',
  logDirs: ['/d/k/1/data'], confDir: '/d/k/1/conf', logDir: '/d/k/1/logs', home: '/opt/kafka', config: {}, heap: '512m', jvmFlags: ['-XX:+UseG1GC'],
};
const kraftInputs: kafka.KafkaInputs = {
  ...zkInputs, mode: 'kraft', roles: ['broker', 'controller'], controllerPort: 9093, zookeeperConnect: undefined,
  listeners: 'PLAINTEXT://127.0.0.11:9092,CONTROLLER://127.0.0.11:9093', voters: [{ id: 1, address: '127.0.0.11', port: 9093 }], clusterId: 'MkU3OEVBNTcwNTJENDM2Qg',
};
delete (kraftInputs as Partial<kafka.KafkaInputs>).zookeeperConnect;

describe('kafka process plan', () => {
  it('runs kafka-server-start.sh with the rendered properties, heap and LOG_DIR', () => {
    const p = planKafkaProcess(zkInputs);
    expect(p).toMatchObject({
      command: '/opt/kafka/bin/kafka-server-start.sh', args: ['/d/k/1/conf/server.properties'], adoptMatch: ['/d/k/1/conf/server.properties'],
      env: { LOG_DIR: '/d/k/1/logs', KAFKA_HEAP_OPTS: '-Xms512m -Xmx512m', KAFKA_OPTS: '-XX:+UseG1GC' }, logFile: '/d/k/1/logs/kafka.out',
    });
    expect(p.dirs).toEqual(['/d/k/1/conf', '/d/k/1/logs', '/d/k/1/data']);
  });
  it('KRaft formats storage before each start (idempotent, no dynamic-quorum flag with static voters); ZooKeeper mode formats nothing', () => {
    expect(planKafkaPreStart(kraftInputs)).toEqual([{
      command: '/opt/kafka/bin/kafka-storage.sh',
      args: ['format', '-t', 'MkU3OEVBNTcwNTJENDM2Qg', '-c', '/d/k/1/conf/server.properties', '--ignore-formatted'],
      env: { LOG_DIR: '/d/k/1/logs', KAFKA_HEAP_OPTS: '-Xms512m -Xmx512m', KAFKA_OPTS: '-XX:+UseG1GC' },
      cwd: '/d/k/1/logs',
    }]);
    expect(planKafkaPreStart(zkInputs)).toEqual([]);
  });
  it('splits zookeeper.connect into servers and chroot', () => {
    expect(splitZookeeperConnect('a:1,b:2/kafka/main')).toEqual({ servers: 'a:1,b:2', chroot: '/kafka/main' });
    expect(splitZookeeperConnect('a:1')).toEqual({ servers: 'a:1', chroot: '' });
  });
});

describe('DescribeQuorum (key 55 v1) over recorded responses', () => {
  it('leader: id, epoch, high watermark and voters', () => {
    const { correlationId, quorum } = decodeDescribeQuorumResponse(frame('describequorum-v1-controller-1.hex'));
    expect(correlationId).toBe(1);
    expect(quorum).toMatchObject({ errorCode: 0, leaderId: 1, leaderEpoch: 1, highWatermark: 11, observers: [] });
    expect(quorum.voters.map((v) => v.id)).toEqual([1, 2, 3]);
    expect(decodeDescribeQuorumResponse(frame('describequorum-v1-via-broker-1.hex')).quorum.leaderId).toBe(1);
  });
  it('follower controller: NOT_LEADER_OR_FOLLOWER (6) at partition level, still naming the leader it follows', () => {
    expect(decodeDescribeQuorumResponse(frame('describequorum-v1-controller-2.hex')).quorum).toMatchObject({ errorCode: 6, leaderId: 1 });
  });
  it('truncated frames are refused', () => {
    const f = frame('describequorum-v1-controller-1.hex');
    expect(() => decodeDescribeQuorumResponse(f.subarray(0, f.length - 10))).toThrow(/truncated/);
  });
  it('request frame: size, key 55, version 1, correlation id, flexible header and body', () => {
    const req = encodeDescribeQuorumRequest(7, 'x');
    expect(req.readInt32BE(0)).toBe(req.length - 4);
    expect([req.readInt16BE(4), req.readInt16BE(6), req.readInt32BE(8), req.readInt16BE(12)]).toEqual([55, 1, 7, 1]);
    expect(req.subarray(14).toString('hex')).toBe(`78000213${Buffer.from('__cluster_metadata').toString('hex')}0200000000000000`);
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
    expect(p).toMatchObject({ ok: false, id: 1, error: expect.stringMatching(/ECONNREFUSED|Connection error/) });
    const k = await probeKafka({ ...kraftInputs, address: '127.0.0.1', port, controllerPort: port, voters: [] }, 500);
    expect(k).toMatchObject({ ok: false, id: 1 });
  });
});
