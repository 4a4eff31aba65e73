/**
 * Minimal agents for the battery: a Connect stream that says the hello it is given (or none), keeps
 * the desired instances it is sent and answers each desired state with a status report, and tells
 * how its first exchange ended (welcome, a status, the stream's end, or nothing in time).
 */
import * as grpc from '@grpc/grpc-js';
import { clusterOfInstance } from '@hactl/shared';
import {
  agentServiceClient,
  MAX_MESSAGE_BYTES,
  type AgentMessage,
  type ControlMessage__Output,
  type DesiredInstance__Output,
  type Hello,
  type InstanceStatus,
} from '@hactl/proto';

type Stream = grpc.ClientDuplexStream<AgentMessage, ControlMessage__Output>;
export type AgentClient = grpc.Client & {
  Connect(): Stream;
  AcquireLease(
    req: { host: string; instanceId: string; reason: string },
    cb: (err: grpc.ServiceError | null, res?: { granted: boolean; reason: string; leaseId: string }) => void,
  ): void;
  ReleaseLease(req: { leaseId: string }, cb: (err: grpc.ServiceError | null) => void): void;
};

/** How a stream's first exchange ended. */
export type First =
  | { kind: 'welcome' }
  | { kind: 'status'; code: number; details: string }
  | { kind: 'end' }
  | { kind: 'timeout' };

export function describeFirst(f: First): string {
  if (f.kind === 'status') return `${grpc.status[f.code] ?? f.code}: ${f.details}`;
  if (f.kind === 'welcome') return 'welcomed';
  if (f.kind === 'end') return 'stream ended without a status';
  return 'no answer in time';
}

export function newClient(target: string, opts: grpc.ChannelOptions = {}): AgentClient {
  const Ctor = agentServiceClient();
  return new Ctor(target, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    // A connection per stream, as separate hosts have.
    'grpc.use_local_subchannel_pool': 1,
    ...opts,
  }) as unknown as AgentClient;
}

/** A real agent's hello (agent/src/facts.ts shape), with `patch` applied to its fields. */
export function helloFor(name: string, address: string, patch: Partial<Hello> = {}): Hello {
  return {
    name,
    address,
    agentVersion: 'battery',
    facts: {
      hostname: name,
      os: 'linux',
      kernel: '6.1.0',
      cpus: 2,
      memoryBytes: 8 * 1024 ** 3,
      javaVersion: '17.0.12',
      nodeVersion: process.version,
      dataRoot: '/var/lib/hactl',
      labels: { rack: 'r1' },
    },
    status: { appliedGeneration: 0, applyError: '', instances: [], sentAtMs: Date.now() },
    ...patch,
  };
}

/** A running instance's status as an agent reports it, probe-less. */
export function runningStatus(id: string, kind = 'zookeeper'): InstanceStatus {
  return {
    id,
    cluster: clusterOfInstance(id),
    kind,
    process: 'running',
    pid: 4242,
    restarts: 0,
    lastExit: '',
    adopted: false,
    detail: '',
    probeAtMs: 0,
    probeJson: '',
    restartPending: false,
    logFiles: [],
  };
}

export class Session {
  readonly client: AgentClient;
  readonly call: Stream;
  instances: DesiredInstance__Output[] = [];
  generation = 0;
  ended: First | undefined;
  readonly first: Promise<First>;
  /** Status overrides for instances, by id (e.g. a probe), sent with every report. */
  readonly overrides = new Map<string, Partial<InstanceStatus>>();

  constructor(
    target: string,
    hello: Hello | null,
    opts: { timeoutMs?: number; channel?: grpc.ChannelOptions } = {},
  ) {
    this.client = newClient(target, opts.channel);
    this.call = this.client.Connect();
    this.first = new Promise<First>((resolve) => {
      const timer = setTimeout(() => resolve({ kind: 'timeout' }), opts.timeoutMs ?? 5000);
      const settle = (f: First) => {
        clearTimeout(timer);
        resolve(f);
      };
      this.call.on('data', (m: ControlMessage__Output) => {
        if (m.welcome) settle({ kind: 'welcome' });
        if (m.desired) {
          this.generation = Number(m.desired.generation);
          this.instances = m.desired.instances;
          this.report();
        }
      });
      // 'status' comes last and always: OK means the server ended the stream without an error.
      this.call.on('status', (st: grpc.StatusObject) => {
        this.ended =
          st.code === grpc.status.OK
            ? { kind: 'end' }
            : { kind: 'status', code: st.code, details: st.details };
        settle(this.ended);
      });
      this.call.on('error', () => undefined);
    });
    if (hello) this.call.write({ hello });
  }

  statusOf(inst: DesiredInstance__Output): InstanceStatus {
    return { ...runningStatus(inst.id, inst.kind), ...this.overrides.get(inst.id) };
  }

  report(extra: InstanceStatus[] = []): void {
    if (this.ended) return;
    this.call.write({
      status: {
        appliedGeneration: this.generation,
        applyError: '',
        instances: [...this.instances.map((i) => this.statusOf(i)), ...extra],
        sentAtMs: Date.now(),
      },
    });
  }

  /** Waits for the stream to end (or `ms`), for cases whose answer comes after the welcome. */
  async endedWithin(ms: number): Promise<First | undefined> {
    const deadline = Date.now() + ms;
    while (!this.ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.ended;
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}
