import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { agentServiceDefinition, MAX_MESSAGE_BYTES, type AgentServiceHandlers } from '@hactl/proto';
import { hostPort, isWildcardHost, type Logger } from '@hactl/shared';
import type { ControlPlaneConfig } from './config.js';
import { SqliteStore } from './store/sqlite-store.js';
import { PgStore } from './store/pg-store.js';
import type { Store } from './store/store.js';
import type { Core } from './core.js';
import type { Fleet } from './reconcile/fleet.js';
import { advertisedHost } from './api/install-routes.js';
import type { RolloutEngine } from './rollout/engine.js';
import { loadOrCreateSharedTrust, loadOrCreateTrust, serverNames } from './trust/files.js';
import { TrustService } from './trust/service.js';
import { LeaderTerm } from './replica/term.js';
import { Leadership, type Election, type LeaderRecord } from './replica/leadership.js';
import { AgentRelay } from './replica/relay.js';
import { createForwarder } from './replica/http-forward.js';

export interface RunningControlPlane {
  httpPort: number;
  grpcPort: number;
  /** The leading term's fleet. @throws on a replica that does not lead. */
  readonly fleet: Fleet;
  /** The leading term's rollout engine. @throws on a replica that does not lead. */
  readonly rollouts: RolloutEngine;
  /**
   * The leading term's whole core (fleet, engines, changes, metrics), for benchmarks that time
   * its calls. @throws on a replica that does not lead.
   */
  readonly core: Core;
  /** Tokens, enrollment, host identities and the CA. */
  trust: TrustService;
  /** Whether this control plane leads now (always, on SQLite). */
  leading(): boolean;
  /** On a shared store: this replica's holder name and its lease loop; undefined on SQLite. */
  replica: { holder: string; leadership: Leadership } | undefined;
  stop(): Promise<void>;
}

/** The agent gRPC server's options (the fleet benchmark's bare grpc-js floor uses them too). */
export const GRPC_SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  // Detect dead agents whose TCP connection vanished without a FIN.
  'grpc.keepalive_time_ms': 20_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
};

/**
 * Serves `server` on our own listener instead of bindAsync, for its accept backlog:
 * grpc-js listens with Node's default of 511, and when thousands of agents connect at once (a
 * control-plane restart, the fleet benchmark) the kernel's accept queue overflows; the handshakes
 * it drops end as "No connection established ... ECONNRESET" on the agent, which then waits out
 * its backoff.
 */
export async function listenGrpc(
  server: grpc.Server,
  at: { host: string; port: number },
  backlog: number,
  tlsOptions?: tls.TlsOptions,
): Promise<{ listener: net.Server; port: number }> {
  // With TLS, our own TLS server does the handshake and hands the decrypted socket to grpc-js: the
  // client certificate is requested but not required (an agent enrolls before it has one), so
  // grpc-js's createSsl cannot be used (it either does not ask for one or refuses connections
  // without). Unverified certificates are not rejected at the handshake either: grpc-js's
  // getAuthContext() shows only verified ones, and each RPC decides (agent-rpc/service.ts).
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const listener = tlsOptions
    ? tls.createServer(
        { ...tlsOptions, requestCert: true, rejectUnauthorized: false, ALPNProtocols: ['h2'] },
        (socket) => injector.injectConnection(socket),
      )
    : net.createServer((socket) => injector.injectConnection(socket));
  const port = await new Promise<number>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen({ host: at.host, port: at.port, backlog }, () => {
      listener.off('error', reject);
      resolve((listener.address() as net.AddressInfo).port);
    });
  });
  return { listener, port };
}

/**
 * How often the SQLite store's checkpoint thread copies the write-ahead log into the database
 * (ms): the log holds at most about this long's commits.
 */
const WAL_CHECKPOINT_INTERVAL_MS = 1000;

/** The store `cfg` names: SQLite in the data dir, or a PostgreSQL shared by replicas. */
function openStore(
  cfg: ControlPlaneConfig,
  logger: Logger,
): {
  store: Store;
  election: (Election & Pick<PgStore, 'listReplicas'>) | undefined;
} {
  if (cfg.store === undefined) {
    const file = path.join(cfg.dataDir, 'state.db');
    const store = new SqliteStore(file, {
      backgroundCheckpoints: {
        intervalMs: WAL_CHECKPOINT_INTERVAL_MS,
        onFailure: (reason) => logger.warn({ file, reason }, 'store checkpoints moved back into commits'),
      },
    });
    return { store, election: undefined };
  }
  const pg = new PgStore(cfg.store);
  return { store: pg, election: pg };
}

/**
 * The agent service whose handlers are looked up on every call: the leader term's while this
 * control plane leads, the relay to the leader while it follows (grpc-js takes a service's
 * handlers once, at addService).
 */
function dispatchHandlers(current: () => AgentServiceHandlers): AgentServiceHandlers {
  return {
    Connect: (call) => current().Connect(call),
    Enroll: (call, cb) => current().Enroll(call, cb),
    AcquireLease: (call, cb) => current().AcquireLease(call, cb),
    ReleaseLease: (call, cb) => current().ReleaseLease(call, cb),
  };
}

/**
 * Opens the store and serves gRPC and HTTP. Used by main.ts and by in-process tests.
 *
 * On SQLite (no `--store`) this control plane is alone and leads for its whole life. On a shared
 * PostgreSQL it is one replica of several: a lease loop (replica/leadership.ts) decides whether it
 * leads; while it leads it runs a leader term (replica/term.ts: the core, the loops, the REST app
 * and the agent handlers, its store writes fenced by its epoch); while it follows it relays agent
 * calls (replica/relay.ts) and REST requests (replica/http-forward.ts) to the leader.
 */
export async function startControlPlane(
  cfg: ControlPlaneConfig,
  logger: Logger,
  now: () => number = Date.now,
): Promise<RunningControlPlane> {
  fs.mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
  const { store, election } = openStore(cfg, logger);
  const names = serverNames([cfg.http.host, cfg.grpc.host], cfg.tlsNames);
  const material = election
    ? await loadOrCreateSharedTrust(store, cfg.dataDir, names, now())
    : await loadOrCreateTrust(cfg.dataDir, names, now());
  const trust = new TrustService(store, material, now);
  trust.ensureAdminToken(cfg.dataDir);
  const tlsOptions = cfg.insecure
    ? undefined
    : {
        key: material.server.keyPem,
        cert: `${material.server.certPem}${material.ca.certPem}`,
        ca: material.ca.certPem,
      };
  const relaySecret = election
    ? store.ensureMeta('replica_relay_secret', () => crypto.randomBytes(32).toString('hex'))
    : undefined;

  let term: LeaderTerm | undefined;
  let leadership: Leadership | undefined;
  const leaderRecord = (): LeaderRecord | undefined => leadership?.followed();
  const relay = election
    ? new AgentRelay({
        leader: (waitMs) => leadership!.nextLeader(waitMs),
        credentials: () =>
          tlsOptions
            ? grpc.credentials.createSsl(Buffer.from(material.ca.certPem))
            : grpc.credentials.createInsecure(),
        secret: relaySecret!,
        logger,
        waitForLeaderMs: cfg.leaderLeaseMs * 2,
      })
    : undefined;

  const grpcServer = new grpc.Server(GRPC_SERVER_OPTIONS);
  grpcServer.addService(
    agentServiceDefinition(),
    dispatchHandlers(() => term?.handlers ?? relay!.handlers),
  );
  const { listener: grpcListener, port: grpcPort } = await listenGrpc(
    grpcServer,
    cfg.grpc,
    cfg.grpcListenBacklog,
    tlsOptions,
  );

  /** The REST endpoint to forward to (replica/http-forward.ts): the leader's, or this replica's own once it leads. */
  const leaderHttp = async (waitMs: number, not?: string): Promise<string | undefined> => {
    const l = await leadership!.nextLeader(waitMs, (r) => r.http === not);
    if (l === 'self') return hostPort(isWildcardHost(cfg.http.host) ? '127.0.0.1' : cfg.http.host, httpPort);
    return l?.http;
  };
  const forward = election
    ? createForwarder({
        leader: leaderHttp,
        ca: tlsOptions ? material.ca.certPem : undefined,
        waitMs: cfg.leaderLeaseMs * 2,
        logger,
      })
    : undefined;
  const holder = `${advertisedHost(cfg.advertise, cfg.http.host)}:${grpcPort}#${crypto.randomBytes(4).toString('hex')}`;
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (election && req.url === '/healthz') {
      // This replica's own liveness and role, answered locally on every replica.
      const role = leadership?.role;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ok: true,
          replica: {
            holder,
            leading: term !== undefined,
            epoch: role?.type === 'leader' ? role.epoch : (leaderRecord()?.epoch ?? 0),
            leader: role?.type === 'leader' ? holder : (leaderRecord()?.holder ?? null),
          },
        }),
      );
      return;
    }
    if (term) term.listener(req, res);
    else if (forward) forward(req, res);
    else {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { code: 'unavailable', message: 'starting', details: [], retriable: true } }),
      );
    }
  };
  const httpServer = tlsOptions ? https.createServer(tlsOptions, listener) : http.createServer(listener);
  const httpPort = await new Promise<number>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen({ host: cfg.http.host, port: cfg.http.port }, () => {
      httpServer.off('error', reject);
      resolve((httpServer.address() as net.AddressInfo).port);
    });
  });

  const startTerm = (mayAct: () => boolean): LeaderTerm =>
    new LeaderTerm({
      cfg,
      store,
      logger,
      now,
      trust,
      tls: tlsOptions !== undefined,
      relaySecret,
      mayAct,
      ports: { http: () => httpPort, grpc: () => grpcPort },
      // Seen within three lease lengths: every replica announces itself each third of one.
      ...(election ? { replicas: () => election.listReplicas(cfg.leaderLeaseMs * 3) } : {}),
    });
  if (!election) term = startTerm(() => true);
  else {
    const advertised = advertisedHost(cfg.advertise, cfg.http.host);
    const lead: Leadership = new Leadership({
      election,
      holder,
      endpoints: { grpc: hostPort(advertised, grpcPort), http: hostPort(advertised, httpPort) },
      ttlMs: cfg.leaderLeaseMs,
      now: () => performance.now(),
      logger,
      onChange: (change, role, reason) => {
        if (change === 'lost' || change === 'regained') {
          election.setFence(undefined);
          term?.stop(`this control-plane replica no longer leads: ${reason}`, false);
          term = undefined;
        }
        if ((change === 'gained' || change === 'regained') && role.type === 'leader') {
          // Fence first: from here every write this term makes checks the lease in its transaction.
          election.setFence({ holder, epoch: role.epoch });
          relay?.endStreams('this control-plane replica now leads; reconnect');
          term = startTerm(() => lead.leading());
        }
        if (change === 'leader-changed' && role.type === 'follower')
          relay?.endStreams(`the leader changed: ${reason}`, role.leader?.epoch);
      },
    });
    leadership = lead;
    lead.start();
  }

  logger.info(
    {
      http: `${cfg.http.host}:${httpPort}`,
      grpc: `${cfg.grpc.host}:${grpcPort}`,
      data_dir: cfg.dataDir,
      store: election ? 'postgresql (shared by replicas)' : 'sqlite',
      tls: !cfg.insecure,
      ca_sha256: material.caSha256,
      control_plane_id: store.getMeta('control_plane_id'),
      ...(election ? { replica: holder, leading: term !== undefined } : {}),
    },
    'control plane listening',
  );

  const current = (): LeaderTerm => {
    if (!term) throw new Error('this control-plane replica does not lead');
    return term;
  };
  return {
    httpPort,
    grpcPort,
    get fleet() {
      return current().core.fleet;
    },
    get rollouts() {
      return current().core.rollouts;
    },
    get core() {
      return current().core;
    },
    trust,
    leading: () => term !== undefined,
    replica: leadership && { holder, leadership },
    async stop() {
      const wasLeading = term !== undefined;
      term?.stop('control plane shutting down', true);
      term = undefined;
      leadership?.stop();
      relay?.endStreams('control plane shutting down');
      if (!wasLeading) election?.setFence(undefined);
      // The listener's close completes once tryShutdown has ended the agents' connections.
      await Promise.all([
        new Promise<void>((resolve) => grpcListener.close(() => resolve())),
        new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve())),
      ]);
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      store.close();
    },
  };
}
