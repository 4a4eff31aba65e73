import * as grpc from '@grpc/grpc-js';
import {
  agentServiceClient,
  MAX_MESSAGE_BYTES,
  type AgentMessage,
  type ControlMessage__Output,
} from '@hactl/proto';
import type { AcquireLeaseResponse__Output } from '@hactl/proto';
import { planBackoff, type Logger } from '@hactl/shared';

export interface ConnectionOptions {
  server: string;
  /**
   * The channel credentials for the next (re)connect: TLS with the agent's current certificate
   * (a new object after each renewal), or insecure. A changed object makes the next reconnect use a
   * new channel; the open stream keeps its connection.
   */
  credentials: () => grpc.ChannelCredentials;
  logger: Logger;
  /** Builds the hello (with the agent's full current state) for every (re)connect. */
  hello: () => AgentMessage;
  onMessage: (msg: ControlMessage__Output) => void;
  onConnected: () => void;
  onDisconnected: (reason: string) => void;
  backoff: { baseMs: number; maxMs: number };
  random?: () => number;
}

/**
 * The agent's one outbound stream to the control plane. Reconnects forever with exponential
 * backoff and jitter, so a control-plane restart does not bring every agent back in the same
 * instant. The backoff resets once the control plane has welcomed the agent.
 */
export class ControlPlaneConnection {
  private client: grpc.Client & {
    Connect(): grpc.ClientDuplexStream<AgentMessage, ControlMessage__Output>;
    AcquireLease(
      req: { host: string; instanceId: string; reason: string },
      opts: grpc.CallOptions,
      cb: (err: grpc.ServiceError | null, res?: AcquireLeaseResponse__Output) => void,
    ): void;
    ReleaseLease(
      req: { leaseId: string },
      opts: grpc.CallOptions,
      cb: (err: grpc.ServiceError | null) => void,
    ): void;
  };
  private call: grpc.ClientDuplexStream<AgentMessage, ControlMessage__Output> | undefined;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private welcomed = false;

  private creds: grpc.ChannelCredentials;

  constructor(private readonly opts: ConnectionOptions) {
    this.creds = opts.credentials();
    this.client = this.newClient(this.creds);
  }

  private newClient(creds: grpc.ChannelCredentials): ControlPlaneConnection['client'] {
    const Client = agentServiceClient();
    return new Client(this.opts.server, creds, {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      'grpc.keepalive_time_ms': 20_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
      // The reconnect policy is ours (backoff + jitter), not the channel's.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2000,
    }) as unknown as ControlPlaneConnection['client'];
  }

  get connected(): boolean {
    return this.welcomed;
  }

  start(): void {
    this.open();
  }

  /** Asks for a restart lease; rejects when the control plane is unreachable. */
  acquireLease(host: string, instanceId: string, reason: string): Promise<AcquireLeaseResponse__Output> {
    return new Promise((resolve, reject) => {
      this.client.AcquireLease({ host, instanceId, reason }, { deadline: Date.now() + 10_000 }, (err, res) =>
        err || !res ? reject(err ?? new Error('empty lease response')) : resolve(res),
      );
    });
  }

  releaseLease(leaseId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.ReleaseLease({ leaseId }, { deadline: Date.now() + 10_000 }, (err) =>
        err ? reject(err) : resolve(),
      );
    });
  }

  send(msg: AgentMessage): boolean {
    if (!this.call || !this.welcomed) return false;
    return this.call.write(msg);
  }

  private open(): void {
    if (this.closed) return;
    const creds = this.opts.credentials();
    if (creds !== this.creds) {
      this.client.close();
      this.creds = creds;
      this.client = this.newClient(creds);
    }
    const call = this.client.Connect();
    this.call = call;
    this.welcomed = false;
    let done = false;
    const lost = (reason: string) => {
      if (done) return;
      done = true;
      if (this.call === call) this.call = undefined;
      const wasWelcomed = this.welcomed;
      this.welcomed = false;
      if (wasWelcomed) this.opts.onDisconnected(reason);
      this.scheduleReconnect(reason);
    };
    call.on('data', (msg: ControlMessage__Output) => {
      if (msg.body === 'welcome') {
        this.welcomed = true;
        this.attempt = 0;
        this.opts.onConnected();
      }
      this.opts.onMessage(msg);
    });
    call.on('error', (err: grpc.ServiceError) => {
      if (err.code === grpc.status.ALREADY_EXISTS) {
        // Another agent holds this --name's session; the control plane refuses a second one rather
        // than let two agents replace each other in turn. Backoff continues to grow (never welcomed).
        this.opts.logger.error(
          { reason: err.details },
          'refused by the control plane: another agent with this --name is connected',
        );
      }
      lost(`${grpc.status[err.code] ?? err.code}: ${err.details || err.message}`);
    });
    call.on('end', () => lost('stream ended by the control plane'));
    call.on('close', () => lost('stream closed'));
    call.write(this.opts.hello());
  }

  private scheduleReconnect(reason: string): void {
    if (this.closed) return;
    const delay = planBackoff(this.attempt++, (this.opts.random ?? Math.random)(), this.opts.backoff);
    this.opts.logger.warn(
      { reason, retry_in_ms: delay, attempt: this.attempt },
      'control plane connection lost; reconnecting',
    );
    this.timer = setTimeout(() => this.open(), delay);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.call?.end();
    this.call?.cancel();
    this.client.close();
  }
}
