import type { NodeInfo, ShutdownRecord } from '../cluster-state.js';
import type { NodeContext } from '../node-context.js';
import { canContainData, isMasterEligible } from '../roles.js';
import { shutdownStatus } from '../shutdown-status.js';
import { parseTimeValue } from '../time-value.js';
import { ES_VERSION } from '../version.js';
import { actionValidation, EsError } from './errors.js';
import type { RestRequest, RestResult } from './router.js';
import { nestSettings } from './settings-body.js';

const METRICS = ['settings', 'os', 'process', 'jvm', 'thread_pool', 'transport', 'http', 'plugins', 'ingest', 'aggregations', 'indices', 'remote_cluster_server'];

const glob = (p: string, s: string): boolean =>
  new RegExp('^' + p.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$').test(s);

/**
 * DiscoveryNodes.resolveNodes: `_all`, `_local`, `_master`, ids, names (wildcards), addresses,
 * `attr:value`; role selectors `master:true` add and `master:false` remove, in order.
 */
export function resolveNodes(nodes: readonly NodeInfo[], localId: string, masterId: string | null, expr: string): NodeInfo[] {
  const out = new Set<string>();
  const roleSelectors: Record<string, (n: NodeInfo) => boolean> = {
    master: (n) => isMasterEligible(n.roles),
    data: (n) => canContainData(n.roles),
    coordinating_only: (n) => n.roles.length === 0,
    ingest: (n) => n.roles.includes('ingest'),
    ml: (n) => n.roles.includes('ml'),
    voting_only: (n) => n.roles.includes('voting_only'),
    remote_cluster_client: (n) => n.roles.includes('remote_cluster_client'),
    transform: (n) => n.roles.includes('transform'),
  };
  for (const raw of expr.split(',').map((s) => s.trim()).filter((s) => s)) {
    if (raw === '_all' || raw === '*') nodes.forEach((n) => out.add(n.id));
    else if (raw === '_local') out.add(localId);
    else if (raw === '_master') {
      if (masterId) out.add(masterId);
    } else if (raw.includes(':')) {
      const i = raw.indexOf(':');
      const k = raw.slice(0, i);
      const v = raw.slice(i + 1);
      const sel = roleSelectors[k];
      if (sel && (v === 'true' || v === 'false')) {
        for (const n of nodes) {
          if (!sel(n)) continue;
          if (v === 'true') out.add(n.id);
          else out.delete(n.id);
        }
      } else {
        for (const n of nodes) if (n.attributes[k] !== undefined && glob(v, n.attributes[k]!)) out.add(n.id);
      }
    } else {
      for (const n of nodes) {
        if (n.id === raw || glob(raw, n.name) || n.ip === raw || n.host === raw || n.transportAddress === raw) out.add(n.id);
      }
    }
  }
  return nodes.filter((n) => out.has(n.id));
}

function nodeBody(n: NodeInfo, metrics: Set<string>, clusterName: string): Record<string, unknown> {
  const all = metrics.has('_all');
  const b: Record<string, unknown> = {
    name: n.name,
    transport_address: n.transportAddress,
    host: n.host,
    ip: n.ip,
    version: n.version,
    build_flavor: ES_VERSION.build_flavor,
    build_type: ES_VERSION.build_type,
    build_hash: ES_VERSION.build_hash,
    total_indexing_buffer: Math.floor(n.facts.heapMaxBytes / 10),
    roles: [...n.roles].sort(),
    attributes: n.attributes,
  };
  const want = (m: string): boolean => all || metrics.has(m);
  if (want('settings')) {
    b.settings = nestSettings({
      ...n.settings,
      'cluster.name': clusterName,
      'node.name': n.name,
      'client.type': 'node',
      'http.type.default': 'netty4',
      'transport.type.default': 'netty4',
    });
  }
  if (want('os')) {
    b.os = {
      refresh_interval_in_millis: 1000,
      name: n.facts.osName,
      pretty_name: n.facts.osName,
      arch: n.facts.arch,
      version: n.facts.osVersion,
      available_processors: n.facts.availableProcessors,
      allocated_processors: n.facts.availableProcessors,
    };
  }
  if (want('process')) b.process = { refresh_interval_in_millis: 1000, id: n.pid, mlockall: false };
  if (want('jvm')) {
    b.jvm = {
      pid: n.pid,
      version: '23',
      vm_name: 'OpenJDK 64-Bit Server VM',
      vm_version: '23+37-2369',
      vm_vendor: 'Oracle Corporation',
      bundled_jdk: true,
      using_bundled_jdk: true,
      start_time_in_millis: n.startedAtMillis,
      mem: { heap_init_in_bytes: n.facts.heapMaxBytes, heap_max_in_bytes: n.facts.heapMaxBytes, non_heap_init_in_bytes: 7667712, non_heap_max_in_bytes: 0, direct_max_in_bytes: 0 },
      gc_collectors: ['G1 Young Generation', 'G1 Concurrent GC', 'G1 Old Generation'],
      memory_pools: ['CodeHeap \'non-nmethods\'', 'Metaspace', 'CodeHeap \'profiled nmethods\'', 'Compressed Class Space', 'G1 Eden Space', 'G1 Old Gen', 'G1 Survivor Space', 'CodeHeap \'non-profiled nmethods\''],
      using_compressed_ordinary_object_pointers: 'true',
      input_arguments: n.facts.jvmArgs,
    };
  }
  if (want('thread_pool')) b.thread_pool = {};
  if (want('transport')) b.transport = { bound_address: [n.transportAddress], publish_address: n.transportAddress, profiles: {} };
  if (want('http')) b.http = { bound_address: [n.httpAddress], publish_address: n.httpAddress, max_content_length_in_bytes: 104857600 };
  if (want('plugins')) b.plugins = [];
  if (all) b.modules = [];
  if (want('ingest')) b.ingest = { processors: [] };
  if (want('aggregations')) b.aggregations = {};
  return b;
}

/**
 * `GET /_nodes`, `/_nodes/{nodes}`, `/_nodes/{metrics}`, `/_nodes/{nodes}/{metrics}` (service-facts 4.6).
 * Answers from the local node's view of the cluster (DEPARTURE: ES fans out to every node).
 */
export function nodesInfo(req: RestRequest, ctx: NodeContext): RestResult {
  const s = ctx.coordinator.applied;
  let nodeExpr = '_all';
  let metricExpr = '_all';
  const a = req.params.a;
  const b = req.params.b;
  if (a !== undefined && b !== undefined) {
    nodeExpr = a;
    metricExpr = b;
  } else if (a !== undefined) {
    const parts = a.split(',');
    if (parts.every((p) => METRICS.includes(p) || p === '_all' || p === '_none')) metricExpr = a;
    else nodeExpr = a;
  }
  const metrics = new Set(metricExpr.split(','));
  for (const m of metrics) {
    if (!METRICS.includes(m) && m !== '_all' && m !== '_none') {
      throw new EsError(400, 'illegal_argument_exception', `request [${req.path}] contains unrecognized metric: [${m}]`);
    }
  }
  const nodes = resolveNodes(Object.values(s.nodes), ctx.local.id, s.masterNodeId, nodeExpr);
  return {
    status: 200,
    body: {
      _nodes: { total: nodes.length, successful: nodes.length, failed: 0 },
      cluster_name: s.clusterName,
      nodes: Object.fromEntries(nodes.map((n) => [n.id, nodeBody(n, metrics, s.clusterName)])),
    },
  };
}

const SHUTDOWN_TYPES = ['restart', 'remove', 'replace'];

/** `PUT /_nodes/{id}/shutdown` (service-facts 4.8): the node id is not validated; nothing is stopped. */
export async function putShutdown(req: RestRequest, ctx: NodeContext): Promise<RestResult> {
  const nodeId = req.params.id!;
  const body = (req.body ?? {}) as { type?: unknown; reason?: unknown; allocation_delay?: unknown; target_node_name?: unknown };
  const problems: string[] = [];
  const type = typeof body.type === 'string' ? body.type.toLowerCase() : undefined;
  if (type === undefined) problems.push('the shutdown type is required');
  else if (!SHUTDOWN_TYPES.includes(type)) {
    throw new EsError(400, 'illegal_argument_exception', `No enum constant org.elasticsearch.cluster.metadata.SingleNodeShutdownMetadata.Type.${String(body.type).toUpperCase()}`);
  }
  if (typeof body.reason !== 'string' || body.reason.trim() === '') problems.push('the reason for shutdown is required');
  if (body.allocation_delay !== undefined && type !== 'restart') {
    problems.push(`[allocation_delay] is only allowed for RESTART-type shutdown but this shutdown is type [${String(type).toUpperCase()}]`);
  }
  if (type === 'replace' && (typeof body.target_node_name !== 'string' || body.target_node_name === '')) {
    problems.push('target node name is required for REPLACE-type shutdowns');
  }
  if (body.target_node_name !== undefined && type !== 'replace') {
    problems.push(`target node name is only valid for REPLACE type shutdowns, but this shutdown is type [${String(type).toUpperCase()}]`);
  }
  if (problems.length > 0) throw actionValidation(problems);
  if (typeof body.allocation_delay === 'string') parseTimeValue(body.allocation_delay, 'allocation_delay');
  const rec: ShutdownRecord = {
    nodeId,
    type: type!.toUpperCase() as ShutdownRecord['type'],
    reason: body.reason as string,
    startedAtMillis: ctx.now(),
  };
  if (typeof body.allocation_delay === 'string') rec.allocationDelay = body.allocation_delay;
  if (typeof body.target_node_name === 'string') rec.targetNodeName = body.target_node_name;
  await ctx.coordinator.submit(`put-node-shutdown-${nodeId}`, (s) => {
    const prev = s.metadata.shutdowns[nodeId];
    const next = prev && prev.type === rec.type ? { ...rec, startedAtMillis: prev.startedAtMillis } : rec;
    return { ...s, metadata: { ...s.metadata, shutdowns: { ...s.metadata.shutdowns, [nodeId]: next } } };
  });
  return { status: 200, body: { acknowledged: true } };
}

export function getShutdown(req: RestRequest, ctx: NodeContext): RestResult {
  const s = ctx.coordinator.applied;
  const ids = req.params.id ? req.params.id.split(',') : Object.keys(s.metadata.shutdowns);
  const nodes = ids
    .map((id) => s.metadata.shutdowns[id])
    .filter((r): r is ShutdownRecord => r !== undefined)
    .map((r) => shutdownStatus(s, r));
  return { status: 200, body: { nodes } };
}

/** `DELETE /_nodes/{id}/shutdown`: ES never clears a record by itself (service-facts 4.8). */
export async function deleteShutdown(req: RestRequest, ctx: NodeContext): Promise<RestResult> {
  const nodeId = req.params.id!;
  if (!ctx.coordinator.applied.metadata.shutdowns[nodeId]) {
    throw new EsError(404, 'resource_not_found_exception', `node [${nodeId}] is not currently shutting down`);
  }
  await ctx.coordinator.submit(`delete-node-shutdown-${nodeId}`, (s) => {
    const shutdowns = { ...s.metadata.shutdowns };
    delete shutdowns[nodeId];
    return { ...s, metadata: { ...s.metadata, shutdowns } };
  });
  return { status: 200, body: { acknowledged: true } };
}
