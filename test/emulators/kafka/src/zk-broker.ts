import fs from 'node:fs';
import type { ServerConfig, Endpoint } from './config.js';
import type { Logger } from './log.js';
import { Zk, connectZk } from './zk.js';
import { ZkClusterCache } from './zk-cache.js';
import { ZkController } from './zk-controller.js';
import { PERSISTENT_PATHS, parseClusterId, parseControllerZNode, renderBrokerRegistration, renderClusterId, renderControllerZNode } from './zk-json.js';
import { readMetaProperties, writeMetaProperties } from './meta-properties.js';
import { StartupError } from './startup-error.js';
import { randomKafkaUuid } from './uuid.js';
import { listen, type KafkaListener } from './protocol-server.js';
import { createHandler } from './handlers.js';
import { ApiKey, ErrorCode, supportedApis } from './api.js';
import { kafkaRequest } from './protocol-client.js';
import { decodeControlledShutdownResponse } from './messages.js';
import { Writer } from './wire.js';
import { emptyView, type ClusterView } from './cluster-view.js';

export interface RunningServer {
  /** Controlled shutdown: resolves when the process may exit. */
  shutdown(): Promise<void>;
}

export interface ZkBrokerDeps {
  readonly now: () => number;
  /** Host for listeners without one (Kafka uses the canonical host name). */
  readonly hostname: string;
  readonly log: Logger;
  /** Called when the server cannot continue (e.g. a lost registration it cannot restore). */
  readonly fatal: (err: unknown) => void;
}

/**
 * A ZooKeeper-mode broker, in KafkaServer.startup order: ZK session (creating the chroot), top-level
 * paths, cluster id, meta.properties checks, broker id, listeners, ephemeral registration,
 * meta.properties checkpoint, controller election, then "started". [kafka KafkaServer.startup]
 */
export async function startZkBroker(cfg: ServerConfig, deps: ZkBrokerDeps): Promise<RunningServer> {
  const baseLog = deps.log;
  let log = baseLog.child('[KafkaServer id=' + cfg.nodeId + '] ', 'kafka.server.KafkaServer');
  log.info('starting');
  log.info(`Connecting to zookeeper on ${cfg.zkConnect}`);
  const connectTimeout = cfg.zkConnectionTimeoutMs;

  if (cfg.zkChroot) {
    const raw = new Zk(await connectZkOrFail(cfg.zkServers, cfg.zkSessionTimeoutMs, connectTimeout), '');
    await raw.mkdirp(cfg.zkChroot);
    log.info(`Created zookeeper path ${cfg.zkChroot}`);
    raw.close();
  }
  let zk = new Zk(await connectZkOrFail(cfg.zkServers, cfg.zkSessionTimeoutMs, connectTimeout), cfg.zkChroot);
  for (const p of PERSISTENT_PATHS) await zk.mkdirp(p);

  const clusterId = await getOrCreateClusterId(zk);
  log.info(`Cluster ID = ${clusterId}`);

  const metas = readMetaProperties(cfg.logDirs);
  for (const [dir, m] of metas) {
    if (m && m.version !== 0) {
      throw new StartupError(
        'java.lang.RuntimeException',
        `Found unexpected version in ${dir}/meta.properties. ZK-based brokers that are not migrating only support version 0 (which is implicit when the \`version\` field is missing).`,
      );
    }
  }
  const stored = [...metas.values()].find((m) => m !== undefined);
  if (stored?.clusterId && stored.clusterId !== clusterId) {
    throw new StartupError(
      'kafka.common.InconsistentClusterIdException',
      `The Cluster ID ${clusterId} doesn't match stored clusterId Some(${stored.clusterId}) in meta.properties. The broker is trying to join the wrong cluster. Configured zookeeper.connect may be wrong.`,
    );
  }
  let brokerId = cfg.nodeId;
  if (brokerId >= 0 && stored?.nodeId != null && stored.nodeId !== brokerId) {
    throw new StartupError(
      'kafka.common.InconsistentBrokerIdException',
      `Configured broker.id ${brokerId} doesn't match stored broker.id Some(${stored.nodeId}) in meta.properties. If you moved your data, make sure your configured broker.id matches. If you intend to create a new broker, you should remove all data in your data directories (log.dirs).`,
    );
  }
  if (brokerId < 0) {
    if (stored?.nodeId != null) brokerId = stored.nodeId;
    else if (cfg.brokerIdGeneration) brokerId = cfg.reservedBrokerMaxId + (await zk.setData('/brokers/seqid', Buffer.alloc(0)));
  }
  log = baseLog.child(`[KafkaServer id=${brokerId}] `, 'kafka.server.KafkaServer');
  for (const dir of cfg.logDirs) {
    if (!fs.existsSync(dir)) {
      baseLog.child('', 'kafka.log.LogManager').info(`Log directory ${dir} not found, creating it.`);
      fs.mkdirSync(dir, { recursive: true });
    }
  }

  // Listeners bind now; requests wait until startup completes.
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (markReady = r));
  let view: ClusterView = emptyView();
  let controller: ZkController | undefined;
  const advertised: Endpoint[] = cfg.advertisedListeners.map((e) => (e.host === '' ? { ...e, host: deps.hostname } : e));
  const handler = createHandler({
    apis: supportedApis('zk-broker'),
    view: () => view,
    controlledShutdown: async (id) => {
      if (!controller) return { errorCode: ErrorCode.NOT_CONTROLLER, remaining: [] };
      if (!controller.isLive(id)) return { errorCode: 8 /* BROKER_NOT_AVAILABLE */, remaining: [] };
      return { errorCode: ErrorCode.NONE, remaining: await controller.controlledShutdown(id) };
    },
  });
  const listeners: KafkaListener[] = [];
  for (const l of cfg.listeners) {
    try {
      listeners.push(await listen({ host: l.host, port: l.port, listenerName: l.name, handler, log, ready }));
    } catch (err) {
      for (const x of listeners) await x.close();
      zk.close();
      throw new StartupError('org.apache.kafka.common.KafkaException', `Socket server failed to bind to ${l.host}:${l.port}: ${(err as Error).message}.`);
    }
  }
  baseLog.child('[SocketServer listenerType=ZK_BROKER, nodeId=' + brokerId + '] ', 'kafka.network.SocketServer').info(
    `Created data-plane acceptor and processors for endpoints : ${cfg.listeners.map((l) => `ListenerName(${l.name})`).join(',')}`,
  );

  let stopping = false;
  let cache: ZkClusterCache;
  const registration = (): Buffer => Buffer.from(renderBrokerRegistration(advertised, cfg.protocolMap, cfg.rack, deps.now()));
  const ctrlLog = baseLog.child(`[Controller id=${brokerId}] `, 'kafka.controller.KafkaController');

  const register = async (): Promise<void> => {
    const created = await zk.createEphemeral(`/brokers/ids/${brokerId}`, registration());
    if (!created) {
      const owner = await zk.getData(`/brokers/ids/${brokerId}`);
      throw new StartupError(
        'org.apache.zookeeper.KeeperException$NodeExistsException',
        `Error while creating ephemeral at /brokers/ids/${brokerId}, node already exists and owner '${owner?.ephemeralOwner ?? 'unknown'}' does not match current session '${zk.sessionId()}'`,
      );
    }
    baseLog.child('', 'kafka.zk.KafkaZkClient').info(`Registered broker ${brokerId} at path /brokers/ids/${brokerId} with addresses: ${advertised.map((e) => `${e.name}://${e.host}:${e.port}`).join(',')}`);
  };

  let electing: Promise<void> | undefined;
  const elect = (): Promise<void> => {
    electing ??= tryElect().finally(() => (electing = undefined));
    return electing;
  };
  const tryElect = async (): Promise<void> => {
    if (stopping || controller) return;
    const won = await zk.createEphemeral('/controller', Buffer.from(renderControllerZNode(brokerId, deps.now())));
    if (!won) {
      const node = await zk.getData('/controller');
      if (!node) return tryElect();
      ctrlLog.info(`Broker ${parseControllerZNode(node.data?.toString() ?? '{}')} has been elected as the controller, so stopping the election process.`);
      return;
    }
    const c = new ZkController({
      zk,
      log: ctrlLog,
      brokerId,
      topics: cfg.emulatorTopics,
      topicCreateWaitMs: cfg.emulatorTopicCreateWaitMs,
      autoLeaderRebalance: cfg.autoLeaderRebalance,
      leaderImbalanceCheckIntervalMs: cfg.leaderImbalanceCheckIntervalMs,
      now: deps.now,
      newTopicId: () => randomKafkaUuid(),
    });
    controller = c;
    await c.onElected(async () => {
      await cache.refresh();
      return cache.current();
    });
  };

  const startSession = async (): Promise<void> => {
    cache = new ZkClusterCache(zk, (err) => log.error(`Metadata refresh failed: ${String(err)}`));
    let lastBrokers = '';
    cache.onChange((v) => {
      view = v;
      if (controller && v.controllerId !== brokerId && v.controllerId !== -1) {
        ctrlLog.info('Resigning');
        controller.resign();
        controller = undefined;
      }
      if (v.controllerId === -1 && !stopping) elect().catch((e: unknown) => log.error(`Controller election failed: ${String(e)}`));
      const brokersKey = [...v.brokers.keys()].sort().join(',');
      if (controller && brokersKey !== lastBrokers) controller.onBrokersChanged(() => cache.current()).catch((e: unknown) => ctrlLog.error(`Broker change handling failed: ${String(e)}`));
      lastBrokers = brokersKey;
    });
    await register();
    await cache.start();
    await elect();
    zk.client.once('expired', () => {
      if (stopping) return;
      baseLog.child('[ZooKeeperClient Kafka server] ', 'kafka.zookeeper.ZooKeeperClient').info('Session expired.');
      controller?.resign();
      controller = undefined;
      cache.close();
      zk.close();
      connectZk(cfg.zkServers, cfg.zkSessionTimeoutMs, connectTimeout)
        .then(async (client) => {
          zk = new Zk(client, cfg.zkChroot);
          await startSession();
        })
        .catch(deps.fatal);
    });
  };
  await startSession();

  for (const dir of cfg.logDirs) writeMetaProperties(dir, { version: 0, clusterId, nodeId: brokerId, directoryId: null }, new Date(deps.now()));
  markReady();
  log.info('started');

  return {
    async shutdown() {
      log.info('shutting down');
      if (cfg.controlledShutdown) {
        const t0 = deps.now();
        log.info('Starting controlled shutdown');
        try {
          await controlledShutdown();
          log.info(`Controlled shutdown request returned successfully after ${deps.now() - t0}ms`);
        } catch (err) {
          log.warn(`Retrying controlled shutdown after the previous attempt failed... (${(err as Error).message})`);
        }
      }
      stopping = true;
      controller?.resign();
      cache.close();
      zk.close();
      await Promise.all(listeners.map((l) => l.close()));
      log.info('shut down completed');
    },
  };

  async function controlledShutdown(): Promise<void> {
    if (controller) {
      await controller.controlledShutdown(brokerId);
      return;
    }
    const ctrlId = view.controllerId;
    const target = view.brokers.get(ctrlId)?.endpoints.find((e) => e.name === cfg.interBrokerListenerName);
    if (!target) throw new Error('No controller registered in ZooKeeper');
    const res = decodeControlledShutdownResponse(
      await kafkaRequest({
        host: target.host,
        port: target.port,
        apiKey: ApiKey.ControlledShutdown,
        apiVersion: 1,
        body: new Writer().int32(brokerId).build(),
        timeoutMs: 1000,
      }),
    );
    if (res.errorCode !== ErrorCode.NONE) throw new Error(`controlled shutdown failed with error ${res.errorCode}`);
    if (res.remaining.length > 0) {
      log.info(`Remaining partitions to move: ${res.remaining.map((p) => `${p.topic}-${p.partition}`).join(',')}`);
    }
  }
}

async function connectZkOrFail(servers: string, sessionTimeoutMs: number, timeoutMs: number): Promise<import('./zk.js').ZkClient> {
  try {
    return await connectZk(servers, sessionTimeoutMs, timeoutMs);
  } catch (err) {
    throw new StartupError('kafka.zookeeper.ZooKeeperClientTimeoutException', (err as Error).message);
  }
}

async function getOrCreateClusterId(zk: Zk): Promise<string> {
  const node = await zk.getData('/cluster/id');
  if (node?.data) return parseClusterId(node.data.toString());
  await zk.mkdirp('/cluster');
  const id = randomKafkaUuid();
  if (await zk.create('/cluster/id', Buffer.from(renderClusterId(id)))) return id;
  const again = await zk.getData('/cluster/id');
  return parseClusterId(again?.data?.toString() ?? renderClusterId(id));
}
