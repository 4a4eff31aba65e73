import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { agentServiceClient, type AgentMessage, type ControlMessage__Output } from '@hactl/proto';
import { nullLogger } from '@hactl/shared';
import { startControlPlane, type RunningControlPlane } from '../server.js';
import { testConfig } from '../config.js';
import { startTempPostgres, type TestPostgres } from '../store/pg-testing.js';
import { fakeIo } from '../cli/fake-io.js';
import { nodeHttpClient } from '../cli/http.js';
import { runCli } from '../cli/run.js';

// Two control-plane replicas in this process on one real PostgreSQL (Debian's, on 127.0.40.3).
// The lease outlasts a stall of this (unit) worker thread while the e2e files' JVMs take both
// cores: with 1 s the leader lost its lease in the first test of a full run (its write through
// the follower answered 503 not_leader), and the tests after it, which need it to lead, failed.
const LEASE_MS = 3000;
let pg: TestPostgres;
let url: string;
const dirs: string[] = [];
const running: RunningControlPlane[] = [];

async function replica(): Promise<RunningControlPlane> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-replica-'));
  dirs.push(dir);
  const cp = await startControlPlane({ ...testConfig(dir), store: url, leaderLeaseMs: LEASE_MS }, nullLogger);
  running.push(cp);
  return cp;
}

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function rest(cp: RunningControlPlane, method: string, p: string, body?: unknown) {
  const token = fs.readFileSync(path.join(dirs[0]!, 'admin.token'), 'utf8').trim();
  const res = await fetch(`http://127.0.0.1:${cp.httpPort}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  pg = await startTempPostgres('127.0.40.3');
  url = pg.createDatabase('replicas');
});
afterAll(async () => {
  for (const cp of running) await cp.stop().catch(() => undefined);
  await pg?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('control-plane replicas on one PostgreSQL', () => {
  let a: RunningControlPlane;
  let b: RunningControlPlane;

  it('the first replica leads; the second follows and serves the REST API by forwarding to the leader', async () => {
    a = await replica();
    b = await replica();
    expect(a.leading()).toBe(true);
    expect(b.leading()).toBe(false);
    const health = (await (await fetch(`http://127.0.0.1:${b.httpPort}/healthz`)).json()) as {
      replica: { leading: boolean; leader: string };
    };
    expect(health.replica).toMatchObject({ leading: false, leader: a.replica!.holder });
    // A write through the follower: the leader makes the token, in its store.
    const token = await rest(b, 'POST', '/v1/tokens', { kind: 'join', ttl: '1h', uses: 1, hosts: 'r*' });
    expect(token.status, JSON.stringify(token.body)).toBe(201);
    const list = await rest(b, 'GET', '/v1/hosts');
    expect(list.status).toBe(200);
  });

  it('GET /v1/replicas lists both, the leader first; install commands give agents both gRPC endpoints', async () => {
    const r = await rest(b, 'GET', '/v1/replicas');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const replicas = r.body.replicas as { holder: string; grpc: string; leading: boolean }[];
    expect(replicas.map((x) => [x.holder, x.leading])).toEqual([
      [a.replica!.holder, true],
      [b.replica!.holder, false],
    ]);
    const cmd = await rest(b, 'POST', '/v1/install-command', { name: 'r9', address: '127.0.0.69' });
    expect(cmd.status).toBe(201);
    expect(cmd.body.command).toContain(`--grpc 127.0.0.1:${a.grpcPort},127.0.0.1:${b.grpcPort}`);
  });

  it("the event stream streams through the follower: an event the leader stores arrives on the follower's stream", async () => {
    const token = fs.readFileSync(path.join(dirs[0]!, 'admin.token'), 'utf8').trim();
    const ac = new AbortController();
    const res = await fetch(`http://127.0.0.1:${b.httpPort}/v1/events/stream`, {
      headers: { authorization: `Bearer ${token}` },
      signal: ac.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    // A change made after the stream opened, through the leader itself.
    const made = await rest(a, 'POST', '/v1/tokens', { kind: 'join', ttl: '1h', uses: 1, hosts: 'sse*' });
    expect(made.status).toBe(201);
    await until('the audit event of that change on the stream', async () => {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
      return text.includes('POST /v1/tokens') ? true : undefined;
    });
    ac.abort();
  });

  it('hactl with both replicas in HACTL_SERVER, the first unreachable: answered by the second over real HTTP', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const token = fs.readFileSync(path.join(dirs[0]!, 'admin.token'), 'utf8').trim();
    const io = {
      ...fakeIo(
        {},
        {
          env: {
            HACTL_SERVER: `http://127.0.0.1:${deadPort},http://127.0.0.1:${b.httpPort}`,
            HACTL_TOKEN: token,
          },
        },
      ),
      http: nodeHttpClient,
    };
    expect(await runCli(['get', 'hosts', '-o', 'json'], io)).toBe(0);
    expect(io.out()).toContain('"hosts"');
  });

  it('an agent connected to the follower is relayed to the leader: hello → welcome with the shared control-plane id', async () => {
    const Client = agentServiceClient();
    const client = new Client(`127.0.0.1:${b.grpcPort}`, grpc.credentials.createInsecure());
    const stream = (
      client as unknown as { Connect(): grpc.ClientDuplexStream<AgentMessage, ControlMessage__Output> }
    ).Connect();
    const received: ControlMessage__Output[] = [];
    stream.on('data', (m: ControlMessage__Output) => received.push(m));
    stream.on('error', () => undefined);
    stream.write({
      hello: {
        name: 'relayed1',
        address: '127.0.0.61',
        agentVersion: 't',
        facts: { dataRoot: '/d', labels: {} },
      },
    });
    await until('welcome through the relay', () => (received.length >= 2 ? true : undefined));
    expect(received[0]!.body).toBe('welcome');
    expect(received[0]!.welcome!.controlPlaneId).toBe(a.fleet.controlPlaneId);
    expect(received[1]!.body).toBe('desired');
    // The leader holds the session: the host is connected in its fleet.
    await until('the leader to see the relayed host', () =>
      a.fleet.listHosts().find((h) => h.name === 'relayed1' && h.connected) ? true : undefined,
    );
    stream.cancel();
    client.close();
  });

  it('a leader whose lease passed (its loop frozen) has its writes refused by the store: fencing, not its own judgement', async () => {
    a.replica!.leadership.halt(); // frozen: no more rounds, no resign; it still holds its term in memory
    await until('the follower to take over', () => (b.leading() ? true : undefined), LEASE_MS * 5);
    expect(b.replica!.leadership.role).toMatchObject({ type: 'leader' });
    // A's term is still there (nothing told it); a write through it reaches its store, which refuses.
    expect(a.leading()).toBe(true);
    const put = await rest(a, 'PUT', '/v1/clusters/zk-stale', {
      kind: 'zookeeper',
      distribution: { home: '/usr/share/zookeeper' },
      members: [{ host: 'r1', id: 1 }],
    });
    expect(put.status).toBe(503);
    expect((put.body.error as { code: string }).code).toBe('not_leader');
    // Nothing of it reached the store: the new leader does not know the cluster.
    const got = await rest(b, 'GET', '/v1/clusters/zk-stale');
    expect(got.status).toBe(404);
  });
});
