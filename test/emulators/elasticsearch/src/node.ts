import dns from 'node:dns/promises';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import crypto from 'node:crypto';
import type { NodeInfo } from './cluster-state.js';
import { Coordinator, NotMasterError } from './coordinator.js';
import { addr } from './coordinator.js';
import { dispatch, type RawRequest, type RawResponse } from './http/dispatch.js';
import { ROUTES } from './http/routes.js';
import { L, type Logger } from './log.js';
import type { NodeConfig } from './node-config.js';
import type { NodeContext, NodeStats } from './node-context.js';
import { base64Uuid } from './node-id.js';
import { acquireNodeLock, loadCoordination, loadNodeId, writeCoordination, writeNodeId } from './persisted-state.js';
import { roleAbbreviations } from './roles.js';
import { listenInRange, listenTransport, RemoteTransportError, sendRequest, TransportHandlerError, type Handler, type TransportServer } from './transport.js';
import { ES_VERSION } from './version.js';

export interface StartOptions {
  config: NodeConfig;
  logger: Logger;
  jvmArgs: string[];
  heapMaxBytes: number;
  recoveryDelayMs: number;
}

export interface RunningNode {
  info: NodeInfo;
  coordinator: Coordinator;
  stop(): Promise<void>;
}

export class StartupError extends Error {}

const newUuid = (): string => base64Uuid((n) => crypto.randomBytes(n));

/** network.host special values (NetworkService): `_local_` loopback, `_site_` a site-local address. */
async function resolveHost(spec: string, forPublish: boolean): Promise<string> {
  const v4 = (pred: (a: os.NetworkInterfaceInfo) => boolean): string | undefined =>
    Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a !== undefined && a.family === 'IPv4' && pred(a))?.address;
  switch (spec) {
    case '_local_':
    case '_local:ipv4_':
    case '_lo_':
      return '127.0.0.1';
    case '_site_':
    case '_site:ipv4_':
    case '_global_':
      return v4((a) => !a.internal) ?? '127.0.0.1';
    case '0.0.0.0':
      return forPublish ? (v4((a) => !a.internal) ?? '127.0.0.1') : '0.0.0.0';
    default: {
      if (/^[\d.]+$/.test(spec) || spec.includes(':')) return spec;
      const r = await dns.lookup(spec, { family: 4 }).catch(() => {
        throw new StartupError(`failed to resolve host [${spec}]`);
      });
      return r.address;
    }
  }
}

function readFdStats(): { current: number | null; max: number | null } {
  try {
    const current = fs.readdirSync('/proc/self/fd').length;
    const limits = fs.readFileSync('/proc/self/limits', 'utf8');
    const m = /Max open files\s+(\d+)/.exec(limits);
    return { current, max: m ? Number(m[1]) : null };
  } catch {
    return { current: null, max: null };
  }
}

export async function startNode(opts: StartOptions): Promise<RunningNode> {
  const { config, logger } = opts;
  const lockErr = acquireNodeLock(config.dataPath, process.pid, (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  if (lockErr) throw new StartupError(lockErr);
  let nodeId = loadNodeId(config.dataPath);
  if (!nodeId) {
    nodeId = newUuid();
    writeNodeId(config.dataPath, nodeId);
  }
  const persisted = loadCoordination(config.dataPath);

  const transportBind = await resolveHost(config.transportBindHost, false);
  const transportPublish = await resolveHost(config.transportPublishHost, true);
  const httpBind = await resolveHost(config.httpBindHost, false);
  const httpPublish = await resolveHost(config.httpPublishHost, true);

  // Handlers are looked up lazily: the coordinator needs the bound transport port first.
  const handlers = new Map<string, Handler>();
  const transport: TransportServer = await listenTransport(transportBind, config.transportPorts, config.clusterName, handlers);
  const transportAddress = `${transportPublish}:${config.transportPublishPort ?? transport.port}`;
  logger.info(L.transport, `publish_address {${transportAddress}}, bound_addresses {${transportBind}:${transport.port}}`);

  const httpServer = http.createServer();
  const httpSockets = new Set<import('node:net').Socket>();
  httpServer.on('connection', (s) => {
    httpSockets.add(s);
    s.on('close', () => httpSockets.delete(s));
  });
  let httpPort: number;
  try {
    httpPort = await listenInRange(httpServer, httpBind, config.httpPorts);
  } catch (err) {
    await transport.close();
    throw new StartupError(`BindHttpException: Failed to bind to ${httpBind}:${config.httpPorts.join('-')}: ${(err as Error).message}`);
  }
  const httpAddress = `${httpPublish}:${config.httpPublishPort ?? httpPort}`;

  const info: NodeInfo = {
    id: nodeId,
    name: config.nodeName,
    ephemeralId: newUuid(),
    host: transportPublish,
    ip: transportPublish,
    transportAddress,
    httpAddress,
    roles: config.roles,
    attributes: config.attributes,
    settings: config.settings,
    version: ES_VERSION.number,
    pid: process.pid,
    startedAtMillis: Date.now(),
    facts: {
      heapMaxBytes: opts.heapMaxBytes,
      availableProcessors: os.cpus().length,
      osName: os.type(),
      osVersion: os.release(),
      arch: os.arch(),
      totalMemBytes: os.totalmem(),
      jvmArgs: opts.jvmArgs,
    },
  };
  const localAddress = transportBind === '0.0.0.0' ? undefined : transportBind;
  const send = (to: { host: string; port: number }, action: string, body: unknown, timeoutMs: number): Promise<unknown> =>
    sendRequest(to.host, to.port, action, body, { timeoutMs, clusterName: config.clusterName, ...(localAddress ? { localAddress } : {}) });

  const coordinator = new Coordinator({
    config,
    local: info,
    logger,
    send,
    persist: (c) => writeCoordination(config.dataPath, c),
    persisted,
    now: () => Date.now(),
    random: () => Math.random(),
    newUuid,
    recoveryDelayMs: opts.recoveryDelayMs,
  });

  let lastCpu = os.cpus().map((c) => c.times);
  const localStats = (): NodeStats => {
    const cpus = os.cpus().map((c) => c.times);
    let idle = 0;
    let total = 0;
    cpus.forEach((t, i) => {
      const p = lastCpu[i] ?? t;
      const sum = (x: os.CpuInfo['times']): number => x.user + x.nice + x.sys + x.idle + x.irq;
      idle += t.idle - p.idle;
      total += sum(t) - sum(p);
    });
    lastCpu = cpus;
    const fd = readFdStats();
    let disk: { total: number | null; avail: number | null } = { total: null, avail: null };
    try {
      const st = fs.statfsSync(config.dataPath);
      disk = { total: st.blocks * st.bsize, avail: st.bavail * st.bsize };
    } catch {
      // statfs unsupported
    }
    const la = os.loadavg();
    return {
      heapUsedBytes: Math.min(process.memoryUsage().heapUsed, opts.heapMaxBytes),
      heapMaxBytes: opts.heapMaxBytes,
      ramUsedBytes: os.totalmem() - os.freemem(),
      ramTotalBytes: os.totalmem(),
      cpuPercent: total > 0 ? ((total - idle) * 100) / total : 0,
      load: [la[0] ?? 0, la[1] ?? 0, la[2] ?? 0],
      uptimeMs: Date.now() - info.startedAtMillis,
      fdCurrent: fd.current,
      fdMax: fd.max,
      diskTotalBytes: disk.total,
      diskAvailBytes: disk.avail,
    };
  };

  const ctx: NodeContext = {
    config,
    local: info,
    coordinator,
    logger,
    now: () => Date.now(),
    newUuid,
    statsOf: async (n) => {
      if (n.id === info.id) return localStats();
      return (await send(addr(n), 'internal:node/stats', {}, 1000).catch(() => undefined)) as NodeStats | undefined;
    },
  };

  const forward = async (masterId: string, req: RawRequest): Promise<RawResponse> => {
    const master = coordinator.applied.nodes[masterId];
    if (!master) throw new NotMasterError('master unknown');
    try {
      return (await send(addr(master), 'internal:rest/forward', req, 10 * 60_000)) as RawResponse;
    } catch (err) {
      if (err instanceof RemoteTransportError && err.type === 'not_master_exception') throw new NotMasterError(err.reason);
      throw err;
    }
  };

  for (const [k, v] of coordinator.handlers()) handlers.set(k, v);
  handlers.set('internal:node/stats', () => localStats());
  handlers.set('internal:rest/forward', async (body) => {
    if (coordinator.mode !== 'LEADER') throw new TransportHandlerError('not_master_exception', 'this node is not the elected master');
    try {
      return await dispatch(ROUTES, ctx, body as RawRequest, forward, true);
    } catch (err) {
      if (err instanceof NotMasterError) throw new TransportHandlerError('not_master_exception', err.message);
      throw err;
    }
  });

  httpServer.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw: RawRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        accept: req.headers.accept,
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      };
      dispatch(ROUTES, ctx, raw, forward, false)
        .then((out) => {
          res.writeHead(out.status, { ...out.headers, 'content-length': Buffer.byteLength(out.body) });
          res.end(req.method === 'HEAD' ? undefined : out.body);
        })
        .catch((err: unknown) => {
          res.writeHead(500, { 'X-elastic-product': 'Elasticsearch', 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { type: 'exception', reason: String(err) }, status: 500 }));
        });
    });
  });

  coordinator.start();
  logger.info(L.http, `publish_address {${httpAddress}}, bound_addresses {${httpBind}:${httpPort}}`);
  logger.info(L.node, `started {${info.name}}{${info.id}}{${info.ephemeralId}}{${info.host}}{${info.ip}}{${info.transportAddress}}{${roleAbbreviations(info.roles)}}{${info.version}}`);

  let stopping: Promise<void> | undefined;
  return {
    info,
    coordinator,
    stop: () =>
      (stopping ??= (async () => {
        logger.info(L.node, 'stopping ...');
        await coordinator.leave();
        coordinator.stop();
        for (const s of httpSockets) s.destroy();
        await new Promise<void>((r) => httpServer.close(() => r()));
        await transport.close();
        logger.info(L.node, 'stopped');
        logger.info(L.node, 'closing ...');
        logger.info(L.node, 'closed');
      })()),
  };
}
