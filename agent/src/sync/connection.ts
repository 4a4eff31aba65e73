import * as grpc from '@grpc/grpc-js';
import {
  agentServiceClient,
  MAX_MESSAGE_BYTES,
  type AgentMessage,
  type ControlMessage__Output,
} from '@hactl/proto';
import type { AcquireLeaseResponse__Output } from '@hactl/proto';
import type { Logger } from '@hactl/shared';
import { planAfterLoss, planFirstAddress, type FailoverState } from './failover.js';

export interface ConnectionOptions {
  /** The control plane's replicas (`HOST:PORT` each, at least one); the agent uses one at a time. */
  servers: string[];
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
  /** The control plane at `server` welcomed the agent. */
  onConnected: (server: string) => void;
  onDisconnected: (reason: string) => void;
  backoff: { baseMs: number; maxMs: number };
  /** Where in `servers` the agent starts, in [0, 1): failover.ts drawOfName of the host name. */
  firstDraw: number;
  /** The draws for the backoff's jitter; Math.random when absent. */
  random?: () => number;
  /**
   * How long a new stream may go without the control plane's welcome before the agent gives up on
   * that address and tries the next (default WELCOME_DEADLINE_MS).
   */
  welcomeDeadlineMs?: number;
  /** The clock for how long a stream stayed up (failover.ts STEADY_MS); Date.now when absent. */
  now?: () => number;
}

type AgentClient = grpc.Client & {
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

/**
 * The agent's one outbound stream to the control plane, to one of its replicas at a time. When the
 * stream cannot be opened or ends, it moves to the next address at once, and backs off with jitter
 * only after every address failed in a row (failover.ts), so a replica's death costs its agents
 * one reconnect and a control-plane restart does not bring every agent back in the same instant.
 * The backoff resets once a control plane has welcomed the agent and kept it (failover.ts).
 *
 * Each address gets its own channel (TLS checks the name of the address dialed); the channel of an
 * address left behind is closed. Lease calls go over the channel of the current address.
 */
/**
 * How long a new stream may wait for the welcome (ms). Longer than a follower replica waits for an
 * election before it answers UNAVAILABLE (twice the default 5 s leader lease), and than a
 * control plane took to welcome 5,000 agents reconnecting at once in the fleet benchmark (up to
 * 14 s on PostgreSQL).
 */
export const WELCOME_DEADLINE_MS = 20_000;

export class ControlPlaneConnection {
  private client: AgentClient;
  /** The address `client` dials. */
  private clientServer: string;
  private call: grpc.ClientDuplexStream<AgentMessage, ControlMessage__Output> | undefined;
  private failover: FailoverState;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private welcomed = false;

  private creds: grpc.ChannelCredentials;

  constructor(private readonly opts: ConnectionOptions) {
    if (opts.servers.length === 0) throw new Error('ControlPlaneConnection: no control plane address');
    this.failover = planFirstAddress(opts.servers.length, opts.firstDraw);
    this.creds = opts.credentials();
    this.clientServer = this.server;
    this.client = this.newClient(this.clientServer, this.creds);
  }

  /** The address in use, or to be dialed next. */
  get server(): string {
    return this.opts.servers[this.failover.index]!;
  }

  private random(): number {
    return (this.opts.random ?? Math.random)();
  }

  private newClient(server: string, creds: grpc.ChannelCredentials): AgentClient {
    const Client = agentServiceClient();
    return new Client(server, creds, {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      'grpc.keepalive_time_ms': 20_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
      // The reconnect policy is ours (backoff + jitter), not the channel's.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2000,
    }) as unknown as AgentClient;
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
    const server = this.server;
    if (creds !== this.creds || server !== this.clientServer) {
      this.client.close();
      this.creds = creds;
      this.clientServer = server;
      this.client = this.newClient(server, creds);
    }
    const call = this.client.Connect();
    this.call = call;
    this.welcomed = false;
    let welcomedAt: number | undefined;
    let done = false;
    // A replica that is frozen (SIGSTOP, a stalled VM) or drops packets accepts the TCP connection
    // and then says nothing; neither grpc-js nor keepalive (it starts once a stream is up) would
    // ever end this attempt, and the agent would wait on it for good.
    const deadlineMs = this.opts.welcomeDeadlineMs ?? WELCOME_DEADLINE_MS;
    const welcomeDeadline = setTimeout(() => {
      if (welcomedAt !== undefined || done) return;
      lost(`no welcome within ${deadlineMs} ms`);
      call.cancel();
    }, deadlineMs);
    welcomeDeadline.unref();
    const lost = (reason: string) => {
      if (done) return;
      done = true;
      clearTimeout(welcomeDeadline);
      if (this.call === call) this.call = undefined;
      this.welcomed = false;
      if (welcomedAt !== undefined) this.opts.onDisconnected(reason);
      this.scheduleReconnect(server, reason, welcomedAt === undefined ? undefined : this.now() - welcomedAt);
    };
    call.on('data', (msg: ControlMessage__Output) => {
      if (msg.body === 'welcome') {
        this.welcomed = true;
        welcomedAt = this.now();
        this.opts.onConnected(server);
      }
      this.opts.onMessage(msg);
    });
    call.on('error', (err: grpc.ServiceError) => {
      if (err.code === grpc.status.ALREADY_EXISTS) {
        // Another agent holds this --name's session; the control plane refuses a second one rather
        // than let two agents replace each other in turn. Backoff continues to grow (never welcomed);
        // another replica relays to the same leader, which refuses it too.
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

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private scheduleReconnect(left: string, reason: string, welcomedForMs: number | undefined): void {
    if (this.closed) return;
    const { servers, backoff } = this.opts;
    const { state, delayMs } = planAfterLoss(
      this.failover,
      welcomedForMs,
      servers.length,
      this.random(),
      backoff,
    );
    this.failover = state;
    this.opts.logger.warn(
      {
        server: left,
        reason,
        next_server: this.server,
        retry_in_ms: delayMs,
        failed_rounds: state.failedRounds,
      },
      // The message agents have always logged here: log searches and alerts keep matching.
      'control plane connection lost; reconnecting',
    );
    this.timer = setTimeout(() => this.open(), delayMs);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.call?.end();
    this.call?.cancel();
    this.client.close();
  }
}
