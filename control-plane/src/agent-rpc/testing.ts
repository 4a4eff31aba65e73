import * as grpc from '@grpc/grpc-js';
import { agentServiceClient, type AgentMessage, type ControlMessage__Output } from '@hactl/proto';

/** An agent's Connect stream as a test client sees it. */
export type AgentStream = grpc.ClientDuplexStream<AgentMessage, ControlMessage__Output>;

/** A test agent's connection: its stream, its client (close it), what it received, and its end. */
export interface TestAgentConnection {
  stream: AgentStream;
  /** The AgentService client the stream was opened on; its unary RPCs (AcquireLease) too. */
  client: grpc.Client;
  /** Every message received on the stream, in order. */
  received: ControlMessage__Output[];
  /** Resolves with the stream's final status (errors are swallowed into it). */
  closed: Promise<grpc.StatusObject>;
}

/** Opens a plain-text AgentService client on 127.0.0.1:`port` and its Connect stream. Tests only. */
export function connectAgent(port: number): TestAgentConnection {
  const Client = agentServiceClient();
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const stream = (client as unknown as { Connect(): AgentStream }).Connect();
  const received: ControlMessage__Output[] = [];
  stream.on('data', (m: ControlMessage__Output) => received.push(m));
  const closed = new Promise<grpc.StatusObject>((resolve) => {
    stream.on('status', resolve);
    stream.on('error', () => {});
  });
  return { stream, client, received, closed };
}

/**
 * Polls `probe` every 10 ms until it returns something other than undefined, and resolves with
 * that. Throws after 200 tries (about 2 s): a condition not met.
 */
export async function until<T>(probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not met');
}

/**
 * An agent's hello as host `name` at `address`, data root /var/lib/hactl, no labels, listing
 * `capabilities` (none by default: an agent from before Hello.capabilities).
 */
export const hello = (name: string, address = '127.0.0.50', capabilities: string[] = []): AgentMessage => ({
  hello: {
    name,
    address,
    agentVersion: 't',
    capabilities,
    facts: { dataRoot: '/var/lib/hactl', labels: {} },
  },
});

/**
 * A status report of host h1 applied at `generation`, its one instance `solo/zk-1` (a one-member
 * ZooKeeper cluster `solo`) running as pid 42 and probed at `probeAtMs` with `probeJson`.
 */
export const soloZkStatus = (
  generation: number,
  o: { sentAtMs: number; probeAtMs: number; probeJson: string },
): AgentMessage => ({
  status: {
    appliedGeneration: generation,
    applyError: '',
    sentAtMs: o.sentAtMs,
    instances: [
      {
        id: 'solo/zk-1',
        cluster: 'solo',
        kind: 'zookeeper',
        process: 'running',
        pid: 42,
        probeAtMs: o.probeAtMs,
        probeJson: o.probeJson,
      },
    ],
  },
});
