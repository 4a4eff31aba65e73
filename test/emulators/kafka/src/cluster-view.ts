import type { Endpoint } from './config.js';
import type { PartitionState } from './partition-planner.js';
import { ErrorCode } from './api.js';
import type { MetadataRequest, MetadataResponse, MetadataTopic } from './messages.js';

export interface BrokerInfo {
  readonly id: number;
  readonly endpoints: readonly Endpoint[];
  readonly rack: string | null;
}

export interface PartitionInfo {
  readonly replicas: readonly number[];
  readonly state: PartitionState | undefined;
}

export interface TopicInfo {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: ReadonlyMap<number, PartitionInfo>;
}

/** What a broker knows about the cluster: the source of every Metadata response. */
export interface ClusterView {
  readonly clusterId: string | null;
  readonly controllerId: number;
  readonly brokers: ReadonlyMap<number, BrokerInfo>;
  readonly topics: ReadonlyMap<string, TopicInfo>;
}

export const emptyView = (): ClusterView => ({ clusterId: null, controllerId: -1, brokers: new Map(), topics: new Map() });

/**
 * Metadata response from a view, as Kafka's metadata cache builds it: brokers are those alive with an
 * endpoint on the request's listener; a partition whose leader is not alive reports
 * LEADER_NOT_AVAILABLE with leader -1; offline_replicas lists replicas on dead brokers; v0 reports
 * REPLICA_NOT_AVAILABLE and filters dead replicas (errorUnavailableEndpoints). Unknown topics get
 * UNKNOWN_TOPIC_OR_PARTITION (no auto-creation). [kafka ZkMetadataCache.getPartitionMetadata] Pure.
 */
export function buildMetadataResponse(view: ClusterView, req: MetadataRequest, listenerName: string, version: number): MetadataResponse {
  const brokers = [...view.brokers.values()]
    .sort((a, b) => a.id - b.id)
    .flatMap((b) => {
      const ep = b.endpoints.find((e) => e.name === listenerName);
      return ep ? [{ nodeId: b.id, host: ep.host, port: ep.port, rack: b.rack }] : [];
    });
  const names = req.topics ?? [...view.topics.keys()].sort();
  const topics: MetadataTopic[] = names.map((name) => {
    const t = view.topics.get(name);
    if (!t) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, isInternal: false, partitions: [] };
    const partitions = [...t.partitions.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([partition, p]) => {
        const alive = (id: number): boolean => view.brokers.has(id);
        const leader = p.state?.leader ?? -1;
        const isr = p.state?.isr ?? [];
        const offlineReplicas = p.replicas.filter((r) => !alive(r));
        const v0 = version === 0;
        const replicas = v0 ? p.replicas.filter(alive) : p.replicas;
        const isrOut = v0 ? isr.filter(alive) : isr;
        let errorCode: number = ErrorCode.NONE;
        if (leader === -1 || !alive(leader)) errorCode = ErrorCode.LEADER_NOT_AVAILABLE;
        else if (v0 && (replicas.length < p.replicas.length || isrOut.length < isr.length)) errorCode = ErrorCode.REPLICA_NOT_AVAILABLE;
        return {
          errorCode,
          partition,
          leader: errorCode === ErrorCode.LEADER_NOT_AVAILABLE ? -1 : leader,
          leaderEpoch: p.state?.leaderEpoch ?? -1,
          replicas,
          isr: isrOut,
          offlineReplicas,
        };
      });
    return { errorCode: ErrorCode.NONE, name, isInternal: name.startsWith('__'), partitions };
  });
  return { brokers, clusterId: view.clusterId, controllerId: view.controllerId, topics };
}
