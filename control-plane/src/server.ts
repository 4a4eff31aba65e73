import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { serve, type ServerType } from '@hono/node-server';
import { agentServiceDefinition, MAX_MESSAGE_BYTES } from '@hactl/proto';
import type { Logger } from '@hactl/shared';
import type { ControlPlaneConfig } from './config.js';
import { SqliteStore } from './store/sqlite-store.js';
import type { Fleet } from './reconcile/fleet.js';
import { createAgentServiceHandlers } from './agent-rpc/service.js';
import { instrumentAgentHandlers } from './metrics/grpc.js';
import { createApp } from './api/app.js';
import { advertisedHost } from './api/install-routes.js';
import type { RolloutEngine } from './rollout/engine.js';
import { randomId } from './random-id.js';
import { createCore } from './core.js';
import { loadOrCreateTrust, serverNames } from './trust/files.js';
import { TrustService } from './trust/service.js';
import { EventHub } from './events/hub.js';

export interface RunningControlPlane {
  httpPort: number;
  grpcPort: number;
  fleet: Fleet;
  rollouts: RolloutEngine;
  /** Tokens, enrollment, host identities and the CA. */
  trust: TrustService;
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

/** Opens the store and serves gRPC and HTTP. Used by main.ts and by in-process tests. */
export async function startControlPlane(
  cfg: ControlPlaneConfig,
  logger: Logger,
  now: () => number = Date.now,
): Promise<RunningControlPlane> {
  fs.mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
  const store = new SqliteStore(path.join(cfg.dataDir, 'state.db'));
  const { fleet, leases, rollouts, changes, failovers, actions, commands, metrics } = createCore({
    store,
    logger,
    now,
    reportIntervalMs: cfg.reportIntervalMs,
    leaseTtlMs: cfg.leaseTtlMs,
    randomId,
    newId: () => crypto.randomBytes(6).toString('hex'),
  });

  const material = await loadOrCreateTrust(
    cfg.dataDir,
    serverNames([cfg.http.host, cfg.grpc.host], cfg.tlsNames),
    now(),
  );
  const trust = new TrustService(store, material, now);
  trust.ensureAdminToken(cfg.dataDir);
  metrics.collectProcessMetrics();
  const tlsOptions = cfg.insecure
    ? undefined
    : {
        key: material.server.keyPem,
        cert: `${material.server.certPem}${material.ca.certPem}`,
        ca: material.ca.certPem,
      };

  const grpcServer = new grpc.Server(GRPC_SERVER_OPTIONS);
  grpcServer.addService(
    agentServiceDefinition(),
    instrumentAgentHandlers(
      createAgentServiceHandlers({
        fleet,
        leases,
        logger,
        helloTimeoutMs: cfg.helloTimeoutMs,
        trust: cfg.insecure ? undefined : trust,
      }),
      metrics,
    ),
  );
  const { listener: grpcListener, port: grpcPort } = await listenGrpc(
    grpcServer,
    cfg.grpc,
    cfg.grpcListenBacklog,
    tlsOptions,
  );

  let httpPortSeen = 0;
  // One fan-out for every console; status compared at the agents' report interval.
  const events = new EventHub({
    feed: fleet,
    logger,
    statusIntervalMs: cfg.reportIntervalMs,
    bufferLimit: 1000,
  });
  const app = createApp({
    events,
    fleet,
    rollouts,
    changes,
    failovers,
    actions,
    commands,
    metrics,
    logger,
    trust,
    install: {
      installScript: cfg.installScript,
      agentBundle: cfg.agentBundle,
      advertise: {
        host: advertisedHost(cfg.advertise, cfg.http.host),
        httpPort: () => httpPortSeen,
        grpcPort: () => grpcPort,
      },
    },
  });
  let httpServer: ServerType | undefined;
  const httpPort = await new Promise<number>((resolve, reject) => {
    httpServer = serve(
      {
        fetch: app.fetch,
        hostname: cfg.http.host,
        port: cfg.http.port,
        ...(tlsOptions ? { createServer: https.createServer, serverOptions: tlsOptions } : {}),
      },
      (info) => {
        httpPortSeen = info.port;
        resolve(info.port);
      },
    );
    httpServer.once('error', reject);
  });

  const flushTimer = setInterval(() => {
    try {
      fleet.flushLiveness();
    } catch (err) {
      logger.error({ err: String(err) }, 'liveness flush failed');
    }
  }, cfg.livenessFlushMs);
  flushTimer.unref();
  const reconcileTimer = setInterval(() => {
    try {
      metrics.timeReconcile(() => {
        fleet.reconcileTick();
        rollouts.tick();
        failovers.tick();
      });
    } catch (err) {
      logger.error(
        { err: err instanceof Error ? (err.stack ?? err.message) : String(err) },
        'reconcile pass failed',
      );
    }
  }, cfg.reportIntervalMs);
  reconcileTimer.unref();

  logger.info(
    {
      http: `${cfg.http.host}:${httpPort}`,
      grpc: `${cfg.grpc.host}:${grpcPort}`,
      data_dir: cfg.dataDir,
      tls: !cfg.insecure,
      ca_sha256: material.caSha256,
      control_plane_id: fleet.controlPlaneId,
    },
    'control plane listening',
  );

  return {
    httpPort,
    grpcPort,
    fleet,
    rollouts,
    trust,
    async stop() {
      clearInterval(flushTimer);
      clearInterval(reconcileTimer);
      fleet.closeAllSessions('control plane shutting down');
      events.close(); // open event streams would hold the HTTP server's close
      // The listener's close completes once tryShutdown has ended the agents' connections.
      await Promise.all([
        new Promise<void>((resolve) => grpcListener.close(() => resolve())),
        new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve())),
      ]);
      await new Promise<void>((resolve) => (httpServer ? httpServer.close(() => resolve()) : resolve()));
      fleet.flushLiveness();
      store.close();
    },
  };
}
