import { afterEach, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { agentServiceDefinition, type AgentMessage__Output, type ControlMessage } from '@hactl/proto';
import { nullLogger, PROBE_QUERY } from '@hactl/shared';
import { Agent } from './agent.js';
import { testConfig } from './config.js';

/**
 * A real Agent on a real gRPC stream: a one-stream AgentService on 127.0.0.1:0 that welcomes the
 * agent with an empty desired state, then sends it commands and records everything it sends.
 */
interface ControlPlane {
  server: grpc.Server;
  received: AgentMessage__Output[];
  send(msg: ControlMessage): void;
}

async function startControlPlane(): Promise<ControlPlane & { address: string }> {
  const server = new grpc.Server();
  const received: AgentMessage__Output[] = [];
  let stream: grpc.ServerDuplexStream<AgentMessage__Output, ControlMessage> | undefined;
  server.addService(agentServiceDefinition(), {
    Connect: (call: grpc.ServerDuplexStream<AgentMessage__Output, ControlMessage>) => {
      stream = call;
      call.on('data', (msg: AgentMessage__Output) => {
        received.push(msg);
        if (msg.body !== 'hello') return;
        call.write({
          welcome: { hostId: msg.hello!.name, reportIntervalMs: 60_000, controlPlaneId: 'cp-test' },
        });
        call.write({ desired: { generation: 1, instances: [] } });
      });
      call.on('error', () => {});
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    server,
    received,
    address: `127.0.0.1:${port}`,
    send: (msg) => {
      if (!stream) throw new Error('no agent stream yet');
      stream.write(msg);
    },
  };
}

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

async function connectedAgent() {
  const cp = await startControlPlane();
  cleanup.push(() => cp.server.forceShutdown());
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-agent-test-'));
  cleanup.push(() => fs.rmSync(stateDir, { recursive: true, force: true }));
  const agent = new Agent({
    config: testConfig({
      servers: [cp.address],
      name: 'a1',
      address: '127.0.0.61',
      stateDir,
      dataRoot: stateDir,
    }),
    logger: nullLogger,
    facts: {
      hostname: 'a1',
      os: 'linux',
      kernel: '6',
      cpus: 2,
      memoryBytes: 1,
      javaVersion: '',
      nodeVersion: '20',
    },
    baseEnv: {},
    now: Date.now,
  });
  await agent.start();
  cleanup.push(() => agent.stop());
  await vi.waitFor(() => expect(agent.appliedGeneration).toBe(1), { timeout: 5000 });
  const results = () => cp.received.filter((m) => m.body === 'commandResult').map((m) => m.commandResult!);
  return { cp, stateDir, results };
}

describe('Agent over a real stream: its hello and the commands it does not take for restarts', () => {
  it('the hello lists the probe query among what the agent answers', async () => {
    const { cp } = await connectedAgent();
    expect(cp.received[0]?.hello?.capabilities).toEqual([PROBE_QUERY]);
  });

  it('a command it does not know → answered every time it is sent, never journaled (a restart result is not pushed out)', async () => {
    const { cp, stateDir, results } = await connectedAgent();
    const cmd = { command: { id: 'x1', instanceId: 'zk/zk-1', action: 'frobnicate', args: [] } };
    cp.send(cmd);
    await vi.waitFor(() => expect(results()).toHaveLength(1), { timeout: 5000 });
    expect(results()[0]).toMatchObject({
      id: 'x1',
      ok: false,
      error: 'this agent (0.1.0) does not know the command "frobnicate"',
    });
    cp.send(cmd);
    await vi.waitFor(() => expect(results()).toHaveLength(2), { timeout: 5000 });
    const journal = path.join(stateDir, 'commands.json');
    expect(fs.existsSync(journal) ? fs.readFileSync(journal, 'utf8') : '').not.toContain('x1');
  });

  it('probe of an instance this host does not run → refused with the reason, no report sent for it', async () => {
    const { cp, results } = await connectedAgent();
    const reportsBefore = cp.received.filter((m) => m.body === 'status').length;
    cp.send({ command: { id: 'q1', instanceId: 'zk/zk-9', action: PROBE_QUERY, args: [] } });
    await vi.waitFor(() => expect(results()).toHaveLength(1), { timeout: 5000 });
    expect(results()[0]).toMatchObject({ id: 'q1', ok: false, error: 'this host does not run zk/zk-9' });
    expect(cp.received.filter((m) => m.body === 'status')).toHaveLength(reportsBefore);
  });
});
