import zlib from 'node:zlib';
import {
  deserializeStruct,
  serializeStruct,
  type StructSchema,
  type ThriftStruct,
} from './thrift-protocol.js';

/**
 * Storm structs from storm-client/src/storm.thrift (field ids and types as upstream) and the
 * GzipThriftSerializationDelegate used for everything Storm keeps in ZooKeeper
 * (`storm.meta.serialization.delegate`, service-facts surprise 13).
 *
 * The `decode*` functions are the public surface for probes that want to read `/nimbuses/<host>`
 * and `/supervisors/<id>` znodes; they work on data written by a real Storm as well.
 */

export const NIMBUS_SUMMARY: StructSchema = [
  { id: 1, name: 'host', spec: 'string', required: true },
  { id: 2, name: 'port', spec: 'i32', required: true },
  { id: 3, name: 'uptime_secs', spec: 'i32', required: true },
  { id: 4, name: 'isLeader', spec: 'bool', required: true },
  { id: 5, name: 'version', spec: 'string', required: true },
  // STORM-4070 (every 2.8.x): real 2.8.3 writes it, 0 without nimbus.thrift.tls.port.
  { id: 6, name: 'tlsPort', spec: 'i32' },
];

const STRING_DOUBLE_MAP = { map: ['string', 'double'] } as const;

export const SUPERVISOR_INFO: StructSchema = [
  { id: 1, name: 'time_secs', spec: 'i64', required: true },
  { id: 2, name: 'hostname', spec: 'string', required: true },
  { id: 3, name: 'assignment_id', spec: 'string' },
  { id: 4, name: 'used_ports', spec: { list: 'i64' } },
  { id: 5, name: 'meta', spec: { list: 'i64' } },
  { id: 6, name: 'scheduler_meta', spec: { map: ['string', 'string'] } },
  { id: 7, name: 'uptime_secs', spec: 'i64' },
  { id: 8, name: 'version', spec: 'string' },
  { id: 9, name: 'resources_map', spec: STRING_DOUBLE_MAP },
  { id: 10, name: 'server_port', spec: 'i32' },
];

export const SUPERVISOR_SUMMARY: StructSchema = [
  { id: 1, name: 'host', spec: 'string', required: true },
  { id: 2, name: 'uptime_secs', spec: 'i32', required: true },
  { id: 3, name: 'num_workers', spec: 'i32', required: true },
  { id: 4, name: 'num_used_workers', spec: 'i32', required: true },
  { id: 5, name: 'supervisor_id', spec: 'string', required: true },
  { id: 6, name: 'version', spec: 'string' },
  { id: 7, name: 'total_resources', spec: STRING_DOUBLE_MAP },
  { id: 8, name: 'used_mem', spec: 'double' },
  { id: 9, name: 'used_cpu', spec: 'double' },
  { id: 10, name: 'fragmented_mem', spec: 'double' },
  { id: 11, name: 'fragmented_cpu', spec: 'double' },
  { id: 12, name: 'blacklisted', spec: 'bool' },
  { id: 13, name: 'used_generic_resources', spec: STRING_DOUBLE_MAP },
];

export const TOPOLOGY_SUMMARY: StructSchema = [
  { id: 1, name: 'id', spec: 'string', required: true },
  { id: 2, name: 'name', spec: 'string', required: true },
  { id: 3, name: 'num_tasks', spec: 'i32', required: true },
  { id: 4, name: 'num_executors', spec: 'i32', required: true },
  { id: 5, name: 'num_workers', spec: 'i32', required: true },
  { id: 6, name: 'uptime_secs', spec: 'i32', required: true },
  { id: 7, name: 'status', spec: 'string', required: true },
  { id: 8, name: 'storm_version', spec: 'string' },
  { id: 9, name: 'topology_version', spec: 'string' },
  { id: 513, name: 'sched_status', spec: 'string' },
  { id: 514, name: 'owner', spec: 'string' },
  { id: 515, name: 'replication_count', spec: 'i32' },
  { id: 521, name: 'requested_memonheap', spec: 'double' },
  { id: 522, name: 'requested_memoffheap', spec: 'double' },
  { id: 523, name: 'requested_cpu', spec: 'double' },
  { id: 524, name: 'assigned_memonheap', spec: 'double' },
  { id: 525, name: 'assigned_memoffheap', spec: 'double' },
  { id: 526, name: 'assigned_cpu', spec: 'double' },
];

export const CLUSTER_SUMMARY: StructSchema = [
  { id: 1, name: 'supervisors', spec: { list: { struct: SUPERVISOR_SUMMARY } }, required: true },
  { id: 3, name: 'topologies', spec: { list: { struct: TOPOLOGY_SUMMARY } }, required: true },
  { id: 4, name: 'nimbuses', spec: { list: { struct: NIMBUS_SUMMARY } }, required: true },
];

/** enum TopologyStatus */
export const TOPOLOGY_STATUS: Record<number, string> = {
  1: 'ACTIVE',
  2: 'INACTIVE',
  3: 'REBALANCING',
  4: 'KILLED',
};

export const STORM_BASE: StructSchema = [
  { id: 1, name: 'name', spec: 'string', required: true },
  { id: 2, name: 'status', spec: 'i32', required: true },
  { id: 3, name: 'num_workers', spec: 'i32', required: true },
  { id: 4, name: 'component_executors', spec: { map: ['string', 'i32'] } },
  { id: 5, name: 'launch_time_secs', spec: 'i32' },
  { id: 6, name: 'owner', spec: 'string' },
  { id: 8, name: 'prev_status', spec: 'i32' },
  { id: 10, name: 'principal', spec: 'string' },
  { id: 11, name: 'topology_version', spec: 'string' },
];

const NODE_INFO: StructSchema = [
  { id: 1, name: 'node', spec: 'string', required: true },
  { id: 2, name: 'port', spec: { set: 'i64' }, required: true },
];

export const ASSIGNMENT: StructSchema = [
  { id: 1, name: 'master_code_dir', spec: 'string', required: true },
  { id: 2, name: 'node_host', spec: { map: ['string', 'string'] } },
  { id: 3, name: 'executor_node_port', spec: { map: [{ list: 'i64' }, { struct: NODE_INFO }] } },
  { id: 7, name: 'owner', spec: 'string' },
];

export interface NimbusSummary {
  host: string;
  port: number;
  uptime_secs: number;
  isLeader: boolean;
  version: string;
  tlsPort?: number;
}

export interface SupervisorInfo {
  time_secs: number;
  hostname: string;
  assignment_id?: string;
  used_ports?: number[];
  meta?: number[];
  scheduler_meta?: Map<string, string>;
  uptime_secs?: number;
  version?: string;
  resources_map?: Map<string, number>;
  server_port?: number;
}

export interface SupervisorSummary {
  host: string;
  uptime_secs: number;
  num_workers: number;
  num_used_workers: number;
  supervisor_id: string;
  version?: string;
  total_resources?: Map<string, number>;
  used_mem?: number;
  used_cpu?: number;
  fragmented_mem?: number;
  fragmented_cpu?: number;
  blacklisted?: boolean;
}

export interface TopologySummary {
  id: string;
  name: string;
  num_tasks: number;
  num_executors: number;
  num_workers: number;
  uptime_secs: number;
  status: string;
  owner?: string;
  replication_count?: number;
}

export interface ClusterSummary {
  supervisors: SupervisorSummary[];
  topologies: TopologySummary[];
  nimbuses: NimbusSummary[];
}

export interface StormBase {
  name: string;
  status: number;
  num_workers: number;
  component_executors?: Map<string, number>;
  launch_time_secs?: number;
  owner?: string;
}

export interface Assignment {
  master_code_dir: string;
  node_host?: Map<string, string>;
  executor_node_port?: Map<number[], { node: string; port: number[] }>;
  owner?: string;
}

/** `Utils.gzip(new TSerializer().serialize(obj))` */
export function gzipThrift(schema: StructSchema, obj: object): Buffer {
  return zlib.gzipSync(serializeStruct(schema, obj as ThriftStruct));
}

/** GzipThriftSerializationDelegate.deserialize */
export function gunzipThrift(schema: StructSchema, data: Buffer): ThriftStruct {
  return deserializeStruct(schema, zlib.gunzipSync(data));
}

export const encodeNimbusSummary = (s: NimbusSummary): Buffer => gzipThrift(NIMBUS_SUMMARY, s);
export const decodeNimbusSummary = (data: Buffer): NimbusSummary =>
  gunzipThrift(NIMBUS_SUMMARY, data) as unknown as NimbusSummary;
export const encodeSupervisorInfo = (s: SupervisorInfo): Buffer => gzipThrift(SUPERVISOR_INFO, s);
export const decodeSupervisorInfo = (data: Buffer): SupervisorInfo =>
  gunzipThrift(SUPERVISOR_INFO, data) as unknown as SupervisorInfo;
export const decodeStormBase = (data: Buffer): StormBase =>
  gunzipThrift(STORM_BASE, data) as unknown as StormBase;
export const decodeAssignment = (data: Buffer): Assignment =>
  gunzipThrift(ASSIGNMENT, data) as unknown as Assignment;
