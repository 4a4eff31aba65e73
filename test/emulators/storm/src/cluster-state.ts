import {
  TOPOLOGY_STATUS,
  decodeAssignment,
  decodeNimbusSummary,
  decodeStormBase,
  decodeSupervisorInfo,
  type Assignment,
  type ClusterSummary,
  type NimbusSummary,
  type StormBase,
  type SupervisorInfo,
  type SupervisorSummary,
  type TopologySummary,
} from './thrift.js';
import type { NimbusId } from './latch-plan.js';
import { isNoNode, type Zk } from './zk.js';

/**
 * StormClusterStateImpl reads (chroot-relative paths, service-facts 3.2) and the pure part of
 * Nimbus.getClusterInfoImpl.
 */

/** Created by every daemon at start-up (StormClusterStateImpl constructor, service-facts 3.2). */
export const STARTUP_SUBTREES = [
  '/assignments',
  '/storms',
  '/supervisors',
  '/workerbeats',
  '/errors',
  '/blobstore',
  '/nimbuses',
  '/logconfigs',
  '/backpressure',
] as const;

async function childrenOrEmpty(zk: Zk, path: string): Promise<string[]> {
  try {
    return await zk.getChildren(path);
  } catch (err) {
    if (isNoNode(err)) return [];
    throw err;
  }
}

async function readAll<T>(zk: Zk, dir: string, decode: (b: Buffer) => T): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  for (const child of (await childrenOrEmpty(zk, dir)).sort()) {
    const data = await zk.getData(`${dir}/${child}`);
    if (data === undefined || data.length === 0) continue; // vanished or not yet written
    out.set(child, decode(data));
  }
  return out;
}

export interface ClusterStateSnapshot {
  nimbuses: NimbusSummary[];
  supervisors: Map<string, SupervisorInfo>;
  bases: Map<string, StormBase>;
  assignments: Map<string, Assignment>;
}

export async function readClusterState(zk: Zk): Promise<ClusterStateSnapshot> {
  const bases = await readAll(zk, '/storms', decodeStormBase);
  const assignments = new Map<string, Assignment>();
  for (const id of bases.keys()) {
    const data = await zk.getData(`/assignments/${id}`);
    if (data && data.length > 0) assignments.set(id, decodeAssignment(data));
  }
  return {
    nimbuses: [...(await readAll(zk, '/nimbuses', decodeNimbusSummary)).values()],
    supervisors: await readAll(zk, '/supervisors', decodeSupervisorInfo),
    bases,
    assignments,
  };
}

/** Nimbus.makeSupervisorSummary (without the resource-aware scheduler's usage numbers). */
export function planSupervisorSummary(id: string, info: SupervisorInfo): SupervisorSummary {
  return {
    host: info.hostname,
    uptime_secs: Number(info.uptime_secs ?? 0),
    num_workers: info.meta?.length ?? 0,
    num_used_workers: info.used_ports?.length ?? 0,
    supervisor_id: id,
    total_resources: info.resources_map ?? new Map(),
    ...(info.version !== undefined ? { version: info.version } : {}),
    blacklisted: false,
  };
}

/** Nimbus.getTopologySummaryImpl, counting tasks/executors/workers from the assignment. */
export function planTopologySummary(
  id: string,
  base: StormBase,
  assignment: Assignment | undefined,
  nowSecs: number,
): TopologySummary {
  let tasks = 0;
  const workers = new Set<string>();
  const enp = assignment?.executor_node_port ?? new Map();
  for (const [exec, node] of enp) {
    const [start, end] = exec;
    tasks += Number(end ?? start ?? 0) - Number(start ?? 0) + 1;
    workers.add(`${node.node}:${node.port.join(',')}`);
  }
  return {
    id,
    name: base.name,
    num_tasks: tasks,
    num_executors: enp.size,
    num_workers: workers.size,
    uptime_secs: Math.max(0, nowSecs - Number(base.launch_time_secs ?? nowSecs)),
    status: TOPOLOGY_STATUS[base.status] ?? String(base.status),
    ...(base.owner !== undefined ? { owner: base.owner } : {}),
  };
}

/**
 * Nimbus.getClusterInfoImpl: the stored `uptime_secs` of each nimbus is its start time and becomes
 * a delta here (surprise 12); `isLeader` marks the entry matching the latch leader, except that the
 * answering nimbus never claims leadership it does not hold locally.
 */
export function planClusterSummary(
  state: ClusterStateSnapshot,
  leader: NimbusId | undefined,
  self: { host: string; isLeader: boolean },
  nowSecs: number,
): ClusterSummary {
  const nimbuses = state.nimbuses.map((n) => {
    let isLeader = leader !== undefined && leader.host === n.host && leader.port === n.port;
    if (isLeader && self.host === n.host && !self.isLeader) isLeader = false;
    return { ...n, uptime_secs: Math.max(0, nowSecs - n.uptime_secs), isLeader };
  });
  return {
    supervisors: [...state.supervisors].map(([id, info]) => planSupervisorSummary(id, info)),
    topologies: [...state.bases].map(([id, base]) =>
      planTopologySummary(id, base, state.assignments.get(id), nowSecs),
    ),
    nimbuses,
  };
}
