import type { Endpoint } from './config.js';
import { parseListeners, renderEndpoint } from './config.js';
import type { PartitionState } from './partition-planner.js';
import type { BrokerInfo } from './cluster-view.js';

/**
 * The exact znode JSON Kafka (ZK mode, 3.4–3.9) writes. [kafka core/.../zk/ZkData.scala;
 * service-facts 2.2] Renderers are pure; `now` is passed in.
 */

/** BrokerIdZNode.encode, version 5: host/port come from the first PLAINTEXT-protocol endpoint. */
export function renderBrokerRegistration(
  endpoints: readonly Endpoint[],
  protocolMap: ReadonlyMap<string, string>,
  rack: string | null,
  nowMs: number,
): string {
  const plaintext = endpoints.find((e) => protocolMap.get(e.name) === 'PLAINTEXT');
  const lspm: Record<string, string> = {};
  for (const e of endpoints) lspm[e.name] = protocolMap.get(e.name) ?? 'PLAINTEXT';
  const json: Record<string, unknown> = {
    features: {},
    listener_security_protocol_map: lspm,
    endpoints: endpoints.map(renderEndpoint),
    jmx_port: -1,
    port: plaintext ? plaintext.port : -1,
    host: plaintext ? plaintext.host : null,
    version: 5,
  };
  if (rack !== null) json.rack = rack;
  json.timestamp = String(nowMs);
  return JSON.stringify(json);
}

export function parseBrokerRegistration(id: number, text: string): BrokerInfo {
  const j = JSON.parse(text) as { endpoints?: string[]; host?: string; port?: number; rack?: string };
  const endpoints = j.endpoints ? parseListeners(j.endpoints.join(',')) : j.host ? [{ name: 'PLAINTEXT', host: j.host, port: j.port ?? 9092 }] : [];
  return { id, endpoints, rack: j.rack ?? null };
}

/** `/controller` since 3.4. */
export function renderControllerZNode(brokerId: number, nowMs: number): string {
  return JSON.stringify({ version: 2, brokerid: brokerId, timestamp: String(nowMs), kraftControllerEpoch: -1 });
}

export function parseControllerZNode(text: string): number {
  const j = JSON.parse(text) as { brokerid?: number };
  return typeof j.brokerid === 'number' ? j.brokerid : -1;
}

export function renderClusterId(id: string): string {
  return JSON.stringify({ version: '1', id });
}

export function parseClusterId(text: string): string {
  return (JSON.parse(text) as { id: string }).id;
}

export function renderTopicZNode(assignment: ReadonlyMap<number, readonly number[]>, topicId: string): string {
  const partitions: Record<string, readonly number[]> = {};
  for (const [p, r] of [...assignment.entries()].sort((a, b) => a[0] - b[0])) partitions[String(p)] = r;
  return JSON.stringify({ version: 3, partitions, adding_replicas: {}, removing_replicas: {}, topic_id: topicId });
}

export function parseTopicZNode(text: string): { partitions: Map<number, number[]>; topicId: string } {
  const j = JSON.parse(text) as { partitions?: Record<string, number[]>; topic_id?: string };
  const partitions = new Map<number, number[]>();
  for (const [p, r] of Object.entries(j.partitions ?? {})) partitions.set(Number(p), r);
  return { partitions, topicId: j.topic_id ?? '' };
}

export function renderPartitionState(s: PartitionState): string {
  return JSON.stringify({ controller_epoch: s.controllerEpoch, leader: s.leader, version: 1, leader_epoch: s.leaderEpoch, isr: s.isr });
}

export function parsePartitionState(text: string): PartitionState {
  const j = JSON.parse(text) as { controller_epoch: number; leader: number; leader_epoch: number; isr: number[] };
  return { controllerEpoch: j.controller_epoch, leader: j.leader, leaderEpoch: j.leader_epoch, isr: j.isr };
}

/** FeatureZNode v2 with status Enabled; a ZK-mode broker has no finalized features. */
export const FEATURE_ZNODE = JSON.stringify({ features: {}, version: 2, status: 1 });

/** KafkaZkClient.createTopLevelPaths (ZkData.PersistentZkPaths + config entity types). */
export const PERSISTENT_PATHS = [
  '/consumers',
  '/brokers/ids',
  '/brokers/topics',
  '/config/changes',
  '/admin/delete_topics',
  '/brokers/seqid',
  '/isr_change_notification',
  '/latest_producer_id_block',
  '/log_dir_event_notification',
  '/config/topics',
  '/config/clients',
  '/config/users',
  '/config/brokers',
  '/config/ips',
] as const;
