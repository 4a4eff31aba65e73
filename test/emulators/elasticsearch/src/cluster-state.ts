/**
 * The emulated cluster state. It mirrors the parts of ES's ClusterState that the REST APIs expose:
 * coordination metadata (term, voting configuration, cluster UUID), the discovery nodes, metadata
 * (settings, indices with their in-sync copies, node shutdown records) and the routing table.
 * Plain JSON so it can cross the emulator's transport and be persisted as-is.
 */
export interface NodeInfo {
  id: string;
  name: string;
  ephemeralId: string;
  host: string;
  ip: string;
  transportAddress: string;
  httpAddress: string;
  roles: string[];
  attributes: Record<string, string>;
  settings: Record<string, string | string[]>;
  version: string;
  pid: number;
  startedAtMillis: number;
  facts: NodeFacts;
}

/** Static host/process facts a node reports in `_nodes` (os, jvm, process sections). */
export interface NodeFacts {
  heapMaxBytes: number;
  availableProcessors: number;
  osName: string;
  osVersion: string;
  arch: string;
  totalMemBytes: number;
  jvmArgs: string[];
}

export interface IndexMeta {
  name: string;
  uuid: string;
  creationDate: number;
  numberOfShards: number;
  numberOfReplicas: number;
  /** Flat `index.*` settings as given (normalised to the `index.` prefix). */
  settings: Record<string, string>;
  /**
   * Per shard: ids of nodes holding an in-sync copy (ES keeps in-sync allocation ids; the emulator
   * keys them by node id because one node holds at most one copy of a shard).
   */
  inSync: string[][];
}

export interface ShutdownRecord {
  nodeId: string;
  type: 'RESTART' | 'REMOVE' | 'REPLACE' | 'SIGTERM';
  reason: string;
  startedAtMillis: number;
  allocationDelay?: string;
  targetNodeName?: string;
}

export interface Metadata {
  clusterUuid: string;
  clusterUuidCommitted: boolean;
  persistentSettings: Record<string, string>;
  transientSettings: Record<string, string>;
  indices: Record<string, IndexMeta>;
  shutdowns: Record<string, ShutdownRecord>;
}

export interface ShardCopy {
  nodeId: string;
  primary: boolean;
  state: 'INITIALIZING' | 'STARTED';
  sinceMillis: number;
}

/** A replica lost because its node left; it waits `index.unassigned.node_left.delayed_timeout`. */
export interface DelayedReplica {
  nodeId: string;
  leftAtMillis: number;
}

export interface ShardRouting {
  copies: ShardCopy[];
  delayed: DelayedReplica[];
}

export interface ClusterState {
  clusterName: string;
  term: number;
  version: number;
  masterNodeId: string | null;
  /** Last committed voting configuration: node ids (or `{bootstrap-placeholder}-name`). */
  votingConfig: string[];
  nodes: Record<string, NodeInfo>;
  metadata: Metadata;
  routing: Record<string, ShardRouting[]>;
}

export const UNKNOWN_UUID = '_na_';

export function emptyState(clusterName: string): ClusterState {
  return {
    clusterName,
    term: 0,
    version: 0,
    masterNodeId: null,
    votingConfig: [],
    nodes: {},
    metadata: {
      clusterUuid: UNKNOWN_UUID,
      clusterUuidCommitted: false,
      persistentSettings: {},
      transientSettings: {},
      indices: {},
      shutdowns: {},
    },
    routing: {},
  };
}

/** Effective cluster setting: transient over persistent over elasticsearch.yml (ES precedence). */
export function clusterSetting(state: ClusterState, key: string, nodeSettings: Record<string, string | string[]>): string | undefined {
  const t = state.metadata.transientSettings[key];
  if (t !== undefined) return t;
  const p = state.metadata.persistentSettings[key];
  if (p !== undefined) return p;
  const n = nodeSettings[key];
  return Array.isArray(n) ? n.join(',') : n;
}
