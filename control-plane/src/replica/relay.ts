import crypto from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  agentServiceClient,
  MAX_MESSAGE_BYTES,
  type AgentMessage,
  type AgentServiceClient,
  type AgentServiceHandlers,
  type ControlMessage,
} from '@hactl/proto';
import type { Logger } from '@hactl/shared';
import type { LeaderRecord } from './leadership.js';

/**
 * Metadata a follower replica adds to the calls it relays to the leader. The secret proves the
 * call comes from a replica (it is kept in the shared store); the certificate is the agent's
 * client certificate as the follower's TLS handshake verified it against the shared CA, so the
 * leader checks the agent's identity exactly as for a direct call.
 */
export const RELAY_SECRET_KEY = 'hactl-relay-secret';
export const RELAY_PEER_CERT_KEY = 'hactl-relay-peer-cert-bin';
export const RELAY_PEER_KEY = 'hactl-relay-peer';

/** The verified client certificate (DER) of a call, as grpc-js's auth context shows it. */
function verifiedCert(call: {
  getAuthContext(): { sslPeerCertificate?: { raw: Buffer } };
}): Buffer | undefined {
  return call.getAuthContext().sslPeerCertificate?.raw;
}

/**
 * The client certificate a call speaks with: the relayed agent's when the call carries the
 * replicas' secret (a follower relayed it), else the call's own verified one.
 */
export function callerCert(
  call: { getAuthContext(): { sslPeerCertificate?: { raw: Buffer } }; metadata: grpc.Metadata },
  relaySecret: string | undefined,
): Buffer | undefined {
  if (relaySecret && isRelayed(call.metadata, relaySecret)) {
    const v = call.metadata.get(RELAY_PEER_CERT_KEY)[0];
    return Buffer.isBuffer(v) ? v : undefined;
  }
  return verifiedCert(call);
}

/** Whether `metadata` carries the replicas' relay secret (compared in constant time). */
export function isRelayed(metadata: grpc.Metadata, secret: string): boolean {
  const v = metadata.get(RELAY_SECRET_KEY)[0];
  if (typeof v !== 'string') return false;
  const a = Buffer.from(v);
  const b = Buffer.from(secret);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** The agent's own address for logs: the relayed one, or the call's peer. */
export function callerPeer(
  call: { getPeer(): string; metadata: grpc.Metadata },
  relaySecret: string | undefined,
): string {
  if (relaySecret && isRelayed(call.metadata, relaySecret)) {
    const v = call.metadata.get(RELAY_PEER_KEY)[0];
    if (typeof v === 'string') return `${v} (relayed)`;
  }
  return call.getPeer();
}

export interface RelayOptions {
  /**
   * The leader to relay to, waiting up to `waitMs` through an election (Leadership.nextLeader):
   * its record, `self` when this replica came to lead meanwhile, undefined when none appeared.
   */
  leader: (waitMs: number) => Promise<Pick<LeaderRecord, 'grpc' | 'epoch'> | 'self' | undefined>;
  /** Credentials for the leader's gRPC endpoint (TLS with the shared CA, or insecure on loopback). */
  credentials: () => grpc.ChannelCredentials;
  secret: string;
  logger: Logger;
  /** How long a call waits for a leader to appear before it is answered UNAVAILABLE. */
  waitForLeaderMs: number;
}

const UNARY_DEADLINE_MS = 30_000;

/**
 * The agent service on a follower replica: every call is relayed to the leader replica, so the
 * leader alone holds the fleet's live state (sessions, observations, leases) and runs the loops,
 * while agents stay connected to whichever replica they reached — as Consul and Nomad servers
 * forward to their leader. A relayed stream ends with the leader's status when the leader goes
 * away (UNAVAILABLE when it vanished); the agent then reconnects, to this replica or another, and
 * meets the new leader through it.
 */
export class AgentRelay {
  private client: { key: string; client: AgentServiceClient } | undefined;
  /** Relayed streams by the leader epoch they go to; ended when that leader stops leading. */
  private readonly streams = new Set<{ epoch: number; end: (details: string) => void }>();

  constructor(private readonly o: RelayOptions) {}

  readonly handlers: AgentServiceHandlers = {
    Connect: (call) => {
      const queued: AgentMessage[] = [];
      let up: grpc.ClientDuplexStream<AgentMessage, ControlMessage> | undefined;
      let ended = false;
      const endDown = (code: grpc.status, details: string) => {
        if (ended) return;
        ended = true;
        call.emit('error', { code, details, metadata: new grpc.Metadata() });
      };
      call.on('data', (m: AgentMessage) => (up ? up.write(m) : queued.push(m)));
      call.on('end', () => up?.end());
      call.on('cancelled', () => {
        ended = true;
        up?.cancel();
      });
      call.on('error', () => {
        ended = true;
        up?.cancel();
      });
      void this.leaderClient().then((target) => {
        if (ended) return;
        if (!target) {
          endDown(grpc.status.UNAVAILABLE, 'no control-plane replica leads right now; retry');
          return;
        }
        const meta = this.relayMetadata(call);
        const stream = target.client.Connect(meta);
        up = stream as unknown as grpc.ClientDuplexStream<AgentMessage, ControlMessage>;
        const entry = {
          epoch: target.epoch,
          end: (details: string) => {
            stream.cancel();
            endDown(grpc.status.UNAVAILABLE, details);
          },
        };
        this.streams.add(entry);
        for (const m of queued.splice(0)) stream.write(m);
        stream.on('data', (m: ControlMessage) => {
          if (!ended) call.write(m);
        });
        stream.on('error', (err: grpc.ServiceError) => {
          this.streams.delete(entry);
          endDown(err.code ?? grpc.status.UNAVAILABLE, `leader replica: ${err.details || err.message}`);
        });
        stream.on('end', () => {
          this.streams.delete(entry);
          if (!ended) {
            ended = true;
            call.end();
          }
        });
      });
    },
    Enroll: (call, callback) => this.unary('Enroll', call, callback),
    AcquireLease: (call, callback) => this.unary('AcquireLease', call, callback),
    ReleaseLease: (call, callback) => this.unary('ReleaseLease', call, callback),
  };

  /**
   * Ends the relayed streams that go to a leader other than `epoch` (undefined: all of them), e.g.
   * when another replica took over or this one now leads; their agents reconnect.
   */
  endStreams(reason: string, keepEpoch?: number): void {
    for (const s of [...this.streams])
      if (s.epoch !== keepEpoch) {
        this.streams.delete(s);
        s.end(reason);
      }
    if (this.client && keepEpoch === undefined) {
      this.client.client.close();
      this.client = undefined;
    }
  }

  private unary<Req, Res>(
    method: 'Enroll' | 'AcquireLease' | 'ReleaseLease',
    call: grpc.ServerUnaryCall<Req, Res>,
    callback: grpc.sendUnaryData<Res>,
  ): void {
    void this.leaderClient().then((target) => {
      if (!target) {
        callback({
          code: grpc.status.UNAVAILABLE,
          details: 'no control-plane replica leads right now; retry',
        });
        return;
      }
      const fn = target.client[method].bind(target.client) as (
        req: unknown,
        meta: grpc.Metadata,
        opts: grpc.CallOptions,
        cb: (err: grpc.ServiceError | null, res?: unknown) => void,
      ) => void;
      fn(call.request, this.relayMetadata(call), { deadline: Date.now() + UNARY_DEADLINE_MS }, (err, res) =>
        err
          ? callback({ code: err.code, details: `leader replica: ${err.details}` })
          : callback(null, res as Res),
      );
    });
  }

  private relayMetadata(call: {
    getAuthContext(): { sslPeerCertificate?: { raw: Buffer } };
    getPeer(): string;
  }): grpc.Metadata {
    const meta = new grpc.Metadata();
    meta.set(RELAY_SECRET_KEY, this.o.secret);
    meta.set(RELAY_PEER_KEY, call.getPeer());
    const cert = verifiedCert(call);
    if (cert) meta.set(RELAY_PEER_CERT_KEY, cert);
    return meta;
  }

  /**
   * A client for the current leader, waiting up to waitForLeaderMs for one to appear; undefined
   * when none did, or this replica leads now (the agent reconnects and meets its term).
   */
  private async leaderClient(): Promise<{ client: AgentServiceClient; epoch: number } | undefined> {
    const leader = await this.o.leader(this.o.waitForLeaderMs);
    if (!leader || leader === 'self') return undefined;
    const key = `${leader.grpc}#${leader.epoch}`;
    if (this.client?.key !== key) {
      this.client?.client.close();
      const Client = agentServiceClient();
      this.client = {
        key,
        client: new Client(leader.grpc, this.o.credentials(), {
          'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
          'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
          'grpc.keepalive_time_ms': 10_000,
          'grpc.keepalive_timeout_ms': 5_000,
          'grpc.keepalive_permit_without_calls': 1,
        }) as unknown as AgentServiceClient,
      };
    }
    return { client: this.client.client, epoch: leader.epoch };
  }
}
