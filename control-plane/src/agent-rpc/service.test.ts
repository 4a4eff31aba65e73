import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { agentServiceClient, type AgentMessage } from '@hactl/proto';
import { nullLogger } from '@hactl/shared';
import { startControlPlane, type RunningControlPlane } from '../server.js';
import { testConfig } from '../config.js';
import { connectAgent, hello, soloZkStatus, until, type TestAgentConnection } from './testing.js';

let dir: string;
let cp: RunningControlPlane;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-rpc-'));
  cp = await startControlPlane({ ...testConfig(dir), helloTimeoutMs: 300 }, nullLogger);
});
afterAll(async () => {
  await cp?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const connect = (): TestAgentConnection => connectAgent(cp.grpcPort);

describe('gRPC AgentService on localhost:0', () => {
  it('hello → welcome + full desired state; an applied spec is pushed on the same stream', async () => {
    const a = connect();
    a.stream.write(hello('h1', '127.0.0.51'));
    await until(() => (a.received.length >= 2 ? true : undefined));
    expect(a.received[0]!.body).toBe('welcome');
    expect(a.received[0]!.welcome!.hostId).toBe('h1');
    // The control plane's identity, generated at its first start: agents remember it.
    expect(a.received[0]!.welcome!.controlPlaneId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(a.received[0]!.welcome!.controlPlaneId).toBe(cp.fleet.controlPlaneId);
    expect(a.received[1]!.desired).toMatchObject({ generation: 1, instances: [] });
    cp.fleet.applyCluster(
      'solo',
      { kind: 'zookeeper', distribution: { home: '/zk' }, members: [{ host: 'h1', id: 1 }] },
      { author: 't', message: '' },
    );
    const pushed = await until(() =>
      a.received.find((m) => m.body === 'desired' && m.desired!.generation === 2),
    );
    expect(pushed.desired!.instances.map((i) => i.id)).toEqual(['solo/zk-1']);
    expect(JSON.parse(pushed.desired!.instances[0]!.inputsJson)).toMatchObject({
      myid: 1,
      address: '127.0.0.51',
    });
    a.stream.end();
    a.client.close();
  });

  it('a status before hello → INVALID_ARGUMENT, server keeps serving', async () => {
    const a = connect();
    a.stream.write({ status: { appliedGeneration: 1, applyError: '', instances: [], sentAtMs: 0 } });
    expect((await a.closed).code).toBe(grpc.status.INVALID_ARGUMENT);
    a.client.close();
  });

  it.each([
    ['bad name', hello('bad name!')],
    ['bad address', hello('h2', 'not-an-ip')],
    [
      'relative data root',
      {
        hello: {
          name: 'h3',
          address: '127.0.0.53',
          agentVersion: 't',
          facts: { dataRoot: 'relative/dir', labels: {} },
        },
      },
    ],
  ])('hello with %s → INVALID_ARGUMENT naming the field', async (_s, msg) => {
    const a = connect();
    a.stream.write(msg as AgentMessage);
    const st = await a.closed;
    expect(st.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(st.details).toMatch(/hello\.(name|address|facts\.dataRoot)/);
    a.client.close();
  });

  it('raw garbage bytes on the stream are refused without crashing the server', async () => {
    const client = new grpc.Client(`127.0.0.1:${cp.grpcPort}`, grpc.credentials.createInsecure());
    const call = client.makeBidiStreamRequest(
      '/hactl.agent.v1.AgentService/Connect',
      (b: Buffer) => b,
      (b: Buffer) => b,
    );
    const st = await new Promise<grpc.StatusObject>((resolve) => {
      call.on('status', resolve);
      call.on('error', () => {});
      call.on('data', () => {});
      call.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x00]));
    });
    expect(st.code).not.toBe(grpc.status.OK);
    client.close();
    // still alive
    const a = connect();
    a.stream.write(hello('h9', '127.0.0.59'));
    await until(() => (a.received.length >= 1 ? true : undefined));
    a.stream.end();
    a.client.close();
  });

  it('an invalid probe report is kept as a process state with the reason, not a crash', async () => {
    const a = connect();
    a.stream.write(hello('h1', '127.0.0.51'));
    await until(() => (a.received.length >= 2 ? true : undefined));
    a.stream.write(soloZkStatus(2, { sentAtMs: 0, probeAtMs: 1, probeJson: '{"mode":"boss"}' }));
    const member = await until(() => {
      const m = cp.fleet.clusterStatus('solo').status.members[0];
      return m?.process === 'running' ? m : undefined;
    });
    expect(member.detail).toMatch(/invalid probe report/);
    expect(member.mode).toBe('unknown');
    a.stream.end();
    a.client.close();
  });

  it('Enroll under --insecure → FAILED_PRECONDITION: there are no certificates on loopback development', async () => {
    const Client = agentServiceClient();
    const client = new Client(`127.0.0.1:${cp.grpcPort}`, grpc.credentials.createInsecure());
    const err = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.Enroll({ token: 'x' }, (e) => resolve(e)),
    );
    expect(err?.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err?.details).toMatch(/--insecure/);
    client.close();
  });

  it('a stream that never says hello → ended with DEADLINE_EXCEEDED after the hello deadline (issue 16 #8)', async () => {
    const a = connect();
    const started = Date.now();
    const st = await a.closed;
    expect(st.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(st.details).toMatch(/no hello within 300 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
    a.client.close();
  });

  it('a second live agent with the same name → ALREADY_EXISTS naming the first; the first keeps its session and address (issue 16 #8)', async () => {
    const first = connect();
    first.stream.write(hello('dup', '127.0.0.61'));
    await until(() => (first.received.length >= 2 ? true : undefined));
    const second = connect();
    second.stream.write(hello('dup', '127.0.0.62'));
    const st = await second.closed;
    expect(st.code).toBe(grpc.status.ALREADY_EXISTS);
    expect(st.details).toMatch(
      /^host dup already has a connected agent \(from .*127\.0\.0\.1.*, since .*\); refusing a second session with the same --name/,
    );
    const host = cp.fleet.listHosts().find((h) => h.name === 'dup')!;
    expect(host).toMatchObject({ connected: true, address: '127.0.0.61' });
    // The first session still gets what is pushed to the host.
    cp.fleet.applyCluster(
      'dup-zk',
      {
        kind: 'zookeeper',
        distribution: { home: '/zk' },
        members: [{ host: 'dup', id: 1, clientPort: 2182, peerPort: 2889, electionPort: 3889, adminPort: 0 }],
      },
      { author: 't', message: '' },
    );
    await until(() =>
      first.received.find(
        (m) => m.body === 'desired' && m.desired!.instances.some((i) => i.id === 'dup-zk/zk-1'),
      ),
    );
    // Once the first is gone, the name is free again.
    first.stream.end();
    first.client.close();
    await until(() =>
      cp.fleet.listHosts().find((h) => h.name === 'dup')?.connected === false ? true : undefined,
    );
    const third = connect();
    third.stream.write(hello('dup', '127.0.0.61'));
    await until(() => (third.received[0]?.body === 'welcome' ? true : undefined));
    third.stream.end();
    third.client.close();
    second.client.close();
  });
});
