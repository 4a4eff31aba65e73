import path from 'node:path';
import type { ServerConfig, Endpoint } from './config.js';
import type { RunningServer, ZkBrokerDeps } from './zk-broker.js';
import { StartupError } from './startup-error.js';
import { readMetaProperties } from './meta-properties.js';
import { readInitialVoters } from './storage-format.js';
import { KraftController } from './kraft-controller.js';
import { KraftBrokerAgent } from './kraft-broker.js';
import { listen, type KafkaListener } from './protocol-server.js';
import { createHandler } from './handlers.js';
import { ApiKey, supportedApis } from './api.js';
import { randomKafkaUuid } from './uuid.js';
import { kafkaRequest } from './protocol-client.js';
import { decodeDescribeQuorumResponse, encodeDescribeQuorumRequest, type DescribeQuorumResponse } from './messages.js';
import type { VoterInfo } from './kraft-messages.js';

/**
 * Checks the log dirs as Kafka 3.9's KafkaRaftServer.initializeLogDirs does and returns the cluster
 * id. [kafka MetaPropertiesEnsemble.verify with REQUIRE_AT_LEAST_ONE_VALID, REQUIRE_METADATA_LOG_DIR]
 */
export function checkKraftLogDirs(cfg: ServerConfig): string {
  const dirs = [...new Set([...cfg.logDirs, cfg.metadataLogDir])].sort();
  const metas = readMetaProperties(dirs);
  const present = [...metas].filter(([, m]) => m !== undefined);
  if (present.length === 0) throw new StartupError('java.lang.RuntimeException', 'No readable meta.properties files found.');
  let clusterId: string | undefined;
  for (const [dir, m] of present) {
    const file = path.join(dir, 'meta.properties');
    if (m!.clusterId) {
      if (clusterId === undefined) clusterId = m!.clusterId;
      else if (clusterId !== m!.clusterId) {
        throw new StartupError('java.lang.RuntimeException', `Invalid cluster.id in: ${file}. Expected ${clusterId}, but read ${m!.clusterId}`);
      }
    }
    if (m!.nodeId !== null && m!.nodeId !== cfg.nodeId) {
      throw new StartupError(
        'java.lang.RuntimeException',
        `Stored node id ${m!.nodeId} doesn't match previous node id ${cfg.nodeId} in ${file}. If you moved your data, make sure your configured node id matches. If you intend to create a new node, you should remove all data in your data directories.`,
      );
    }
  }
  for (const [dir, m] of metas) {
    if (!m) throw new StartupError('java.lang.RuntimeException', `No \`meta.properties\` found in ${dir} (have you run \`kafka-storage.sh\` to format the directory?)`);
  }
  if (!clusterId) throw new StartupError('java.lang.RuntimeException', `Error: cluster ID not found in ${cfg.metadataLogDir}`);
  return clusterId;
}

/** A KRaft node: controller, broker or both (combined), in one process. */
export async function startKraftServer(cfg: ServerConfig, deps: ZkBrokerDeps): Promise<RunningServer> {
  const log = deps.log.child(`[KafkaRaftServer nodeId=${cfg.nodeId}] `, 'kafka.server.KafkaRaftServer');
  const clusterId = checkKraftLogDirs(cfg);
  const isController = cfg.roles.includes('controller');
  const isBroker = cfg.roles.includes('broker');
  const voters: VoterInfo[] =
    cfg.voters.length > 0 ? [...cfg.voters] : (readInitialVoters(cfg.metadataLogDir)?.map((v) => ({ id: v.id, host: v.host, port: v.port })) ?? []);
  if (isController && !voters.some((v) => v.id === cfg.nodeId)) {
    throw new StartupError(
      'java.lang.IllegalStateException',
      `This controller (node ${cfg.nodeId}) is not a voter in the static or bootstrapped voter set; the emulator does not support adding controllers (add-controller).`,
    );
  }
  const controllers = voters.length > 0 ? voters.map((v) => ({ host: v.host, port: v.port })) : cfg.bootstrapControllers;

  let controller: KraftController | undefined;
  if (isController) {
    deps.log.child(`[ControllerServer id=${cfg.nodeId}] `, 'kafka.server.ControllerServer').info('Starting controller');
    controller = new KraftController({
      nodeId: cfg.nodeId,
      clusterId,
      voters,
      metadataLogDir: cfg.metadataLogDir,
      log: deps.log.child(`[RaftManager id=${cfg.nodeId}] `, 'org.apache.kafka.raft.KafkaRaftClient'),
      now: deps.now,
      newTopicId: () => randomKafkaUuid(),
      electionTimeoutMs: cfg.quorumElectionTimeoutMs,
      fetchTimeoutMs: cfg.quorumFetchTimeoutMs,
      brokerSessionTimeoutMs: cfg.brokerSessionTimeoutMs,
      topics: cfg.emulatorTopics,
      topicCreateWaitMs: cfg.emulatorTopicCreateWaitMs,
      autoLeaderRebalance: cfg.autoLeaderRebalance,
      leaderImbalanceCheckIntervalMs: cfg.leaderImbalanceCheckIntervalMs,
    });
  }
  const brokerEndpoints: Endpoint[] = cfg.advertisedListeners
    .filter((e) => !cfg.controllerListenerNames.includes(e.name))
    .map((e) => (e.host === '' ? { ...e, host: deps.hostname } : e));
  const broker = isBroker
    ? new KraftBrokerAgent({
        nodeId: cfg.nodeId,
        clusterId,
        endpoints: brokerEndpoints,
        rack: cfg.rack,
        controllers,
        heartbeatIntervalMs: cfg.brokerHeartbeatIntervalMs,
        log: deps.log.child(`[BrokerLifecycleManager id=${cfg.nodeId}] `, 'kafka.server.BrokerLifecycleManager'),
      })
    : undefined;

  const describeQuorum = async (): Promise<DescribeQuorumResponse> => {
    if (controller?.isLeader) return controller.describeQuorum();
    // Brokers (and followers) forward to the active controller, as real brokers forward DescribeQuorum.
    const target = broker?.leader ?? controller?.leaderEndpoint() ?? controllers[0];
    if (!target) return controller!.describeQuorum();
    const body = await kafkaRequest({ host: target.host, port: target.port, apiKey: ApiKey.DescribeQuorum, apiVersion: 1, body: encodeDescribeQuorumRequest(), flexible: true, timeoutMs: 1000 });
    return decodeDescribeQuorumResponse(1, body);
  };
  let dq: DescribeQuorumResponse | undefined;
  const controllerHandler = createHandler({
    apis: supportedApis('kraft-controller'),
    view: () => broker?.view ?? { clusterId, controllerId: -1, brokers: new Map(), topics: new Map() },
    describeQuorum: () => controller!.describeQuorum(),
    private: async (_h, body) => controller!.handle(body),
    hiddenApis: [{ apiKey: ApiKey.EmulatorQuorum, min: 0, max: 0 }],
  });
  const brokerHandler = createHandler({
    apis: supportedApis('kraft-broker'),
    view: () => {
      const v = broker!.view;
      // KRaft answers with a random live broker as controller_id (service-facts surprise 9).
      const ids = [...v.brokers.keys()];
      return { ...v, controllerId: ids.length > 0 ? ids[Math.floor(Math.random() * ids.length)]! : -1 };
    },
    describeQuorum: () => dq ?? { errorCode: 6, leaderId: -1, leaderEpoch: -1, highWatermark: -1n, voters: [], observers: [] },
  });
  // DescribeQuorum on a broker listener is answered from a fresh forward (handlers are sync).
  const brokerHandlerWithForward = {
    ...brokerHandler,
    async handle(header: Parameters<typeof brokerHandler.handle>[0], body: Parameters<typeof brokerHandler.handle>[1], listenerName: string) {
      if (header.apiKey === ApiKey.DescribeQuorum) dq = await describeQuorum().catch(() => undefined);
      return brokerHandler.handle(header, body, listenerName);
    },
  };

  const controllerReady = Promise.resolve();
  let markBrokerReady: () => void = () => undefined;
  const brokerReady = new Promise<void>((r) => (markBrokerReady = r));
  const listeners: KafkaListener[] = [];
  for (const l of cfg.listeners) {
    const isCtl = cfg.controllerListenerNames.includes(l.name);
    if (isCtl && !isController) continue;
    try {
      listeners.push(
        await listen({
          host: l.host,
          port: l.port,
          listenerName: l.name,
          handler: isCtl ? controllerHandler : brokerHandlerWithForward,
          log,
          ready: isCtl ? controllerReady : brokerReady,
        }),
      );
    } catch (err) {
      for (const x of listeners) await x.close();
      throw new StartupError('org.apache.kafka.common.KafkaException', `Socket server failed to bind to ${l.host}:${l.port}: ${(err as Error).message}.`);
    }
  }
  controller?.start();
  if (broker) {
    broker.start();
    await broker.ready;
    deps.log.child(`[BrokerServer id=${cfg.nodeId}] `, 'kafka.server.BrokerServer').info('Transition from STARTING to STARTED');
  }
  markBrokerReady();
  log.info('Kafka Server started');

  return {
    async shutdown() {
      log.info('beginning controlled shutdown');
      if (broker) {
        try {
          await broker.shutdown();
          deps.log.child(`[BrokerServer id=${cfg.nodeId}] `, 'kafka.server.BrokerServer').info('The broker has been fenced and may now shut down');
        } catch (err) {
          log.warn(`Controlled shutdown failed: ${(err as Error).message}`);
        }
      }
      await controller?.stop();
      await Promise.all(listeners.map((l) => l.close()));
      log.info('shut down completed');
    },
  };
}
