/**
 * Desired-state fan-out: N simulated agents (gRPC streams in this process) connected to a real
 * control plane (in-process, SQLite on a temp dir); one spec change touches every host (a Storm
 * cluster with a supervisor on each); we time PUT → every stream has the new generation. Next to
 * it, a bare grpc-js server pushing a message of the same size to N streams, in the same run.
 *
 *   node bench/dist/fleet-push.js [--agents 250,1000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { agentServiceClient, type AgentMessage, type ControlMessage__Output } from '@hactl/proto';
import { nullLogger } from '@hactl/shared';
import { startControlPlane } from '../../control-plane/dist/server.js';
import { testConfig } from '../../control-plane/dist/config.js';

type Stream = grpc.ClientDuplexStream<AgentMessage, ControlMessage__Output>;
const sizes = (process.argv[process.argv.indexOf('--agents') + 1] ?? '250,1000').split(',').map(Number);

function addressOf(i: number): string {
  return `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

async function hactlPush(n: number): Promise<{ ms: number; bytes: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-bench-'));
  const cp = await startControlPlane({ ...testConfig(dir), reportIntervalMs: 60_000 }, nullLogger);
  const Client = agentServiceClient();
  const latest = new Map<number, number>();
  let bytes = 0;
  const streams: { client: grpc.Client; stream: Stream }[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const client = new Client(`127.0.0.1:${cp.grpcPort}`, grpc.credentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
      });
      const stream = (client as unknown as { Connect(): Stream }).Connect();
      stream.on('data', (m: ControlMessage__Output) => {
        if (m.desired) {
          latest.set(i, Number(m.desired.generation));
          bytes = Math.max(
            bytes,
            m.desired.instances.reduce((a, x) => a + x.inputsJson.length, 0),
          );
        }
      });
      stream.on('error', () => {});
      stream.write({
        hello: {
          name: `b${i}`,
          address: addressOf(i),
          agentVersion: 'bench',
          facts: { dataRoot: '/var/lib/hactl', labels: {} },
        },
      });
      streams.push({ client, stream });
    }
    const tReg = performance.now();
    const progress = setInterval(
      () =>
        process.env.BENCH_DEBUG &&
        console.error(
          `registered ${latest.size}/${n} after ${((performance.now() - tReg) / 1000).toFixed(0)} s`,
        ),
      5000,
    );
    await until(() => latest.size === n);
    clearInterval(progress);
    const hosts = Array.from({ length: n }, (_, i) => `b${i}`);
    const zk = {
      kind: 'zookeeper',
      distribution: { home: '/usr/share/zookeeper' },
      members: [
        { host: 'b0', id: 1 },
        { host: 'b1', id: 2 },
        { host: 'b2', id: 3 },
      ],
    };
    cp.fleet.applyCluster('zk-bench', zk, { author: 'bench', message: '' });
    const storm = (timeout: number) => ({
      kind: 'storm',
      distribution: { home: '/opt/storm' },
      zookeeper: 'zk-bench',
      nimbus: { hosts: ['b3'] },
      supervisors: { hosts: hosts.slice(4), slots: [6700, 6701] },
      settings: { 'topology.message.timeout.secs': timeout },
    });
    cp.fleet.applyCluster('storm-bench', storm(30), { author: 'bench', message: '' });
    await until(() => [...latest.values()].every((g) => g >= 2));
    const before = new Map(latest);
    const t0 = performance.now();
    cp.fleet.applyCluster('storm-bench', storm(60), { author: 'bench', message: '' });
    await until(() => [...before].filter(([i]) => i >= 4).every(([i, g]) => (latest.get(i) ?? 0) > g));
    return { ms: performance.now() - t0, bytes };
  } finally {
    for (const s of streams) {
      s.stream.cancel();
      s.client.close();
    }
    await cp.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The same number of streams and bytes through a bare grpc-js server (same proto, same client). */
async function barePush(n: number, bytes: number): Promise<number> {
  const { agentServiceDefinition } = await import('@hactl/proto');
  const calls: grpc.ServerDuplexStream<AgentMessage, ControlMessage__Output>[] = [];
  const server = new grpc.Server();
  server.addService(agentServiceDefinition(), {
    Connect: (call: grpc.ServerDuplexStream<AgentMessage, ControlMessage__Output>) => {
      call.on('data', () => calls.push(call));
      call.on('error', () => {});
    },
    Enroll: (_c: unknown, cb: grpc.sendUnaryData<object>) => cb(null, {}),
    AcquireLease: (_c: unknown, cb: grpc.sendUnaryData<object>) => cb(null, {}),
    ReleaseLease: (_c: unknown, cb: grpc.sendUnaryData<object>) => cb(null, {}),
  } as unknown as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((r, j) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? j(e) : r(p))),
  );
  const Client = agentServiceClient();
  let received = 0;
  const clients: grpc.Client[] = [];
  for (let i = 0; i < n; i++) {
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    });
    const stream = (client as unknown as { Connect(): Stream }).Connect();
    stream.on('data', () => received++);
    stream.on('error', () => {});
    stream.write({ hello: { name: `b${i}` } });
    clients.push(client);
  }
  await until(() => calls.length === n);
  const msg = {
    desired: {
      generation: 2,
      instances: [
        {
          id: 'x',
          cluster: 'x',
          kind: 'storm',
          role: 'supervisor',
          runState: 'running',
          inputsJson: 'x'.repeat(bytes),
        },
      ],
    },
  };
  const t0 = performance.now();
  for (const c of calls) c.write(msg);
  await until(() => received === n);
  const ms = performance.now() - t0;
  for (const c of clients) c.close();
  server.forceShutdown();
  return ms;
}

async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 300_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error('bench condition not met in 300 s');
    await new Promise((r) => setImmediate(r));
  }
}

async function main(): Promise<void> {
  const rows: string[][] = [];
  for (const n of sizes) {
    const h = await hactlPush(n);
    const bare = await barePush(n, h.bytes);
    rows.push([String(n), String(h.bytes), h.ms.toFixed(0), bare.toFixed(0), (h.ms / bare).toFixed(2)]);
  }
  const header = [
    'agents',
    'desired bytes/host',
    'hactl change → all streams ms',
    'bare grpc-js push ms',
    'ratio',
  ];
  const widths = header.map((x, i) => Math.max(x.length, ...rows.map((r) => r[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
