import { z } from 'zod';

/**
 * Parsers for the three REST answers the agent's probe collects, and the probe JSON it reports.
 * Tested against answers recorded from real Elasticsearch 8.19.21 (testdata/README.md).
 */

/** `GET /` (service-facts §4.3). `cluster_uuid` is `"_na_"` until the node joined a formed cluster. */
const rootSchema = z
  .object({
    name: z.string(),
    cluster_name: z.string(),
    cluster_uuid: z.string(),
    version: z.object({ number: z.string() }).passthrough(),
  })
  .passthrough();

export interface RootInfo {
  nodeName: string;
  clusterName: string;
  /** Absent while the node has not joined a formed cluster (`_na_`). */
  clusterUuid?: string;
  version: string;
}

export function parseRootInfo(body: unknown): RootInfo {
  const r = rootSchema.parse(body);
  return {
    nodeName: r.name,
    clusterName: r.cluster_name,
    ...(r.cluster_uuid && r.cluster_uuid !== '_na_' ? { clusterUuid: r.cluster_uuid } : {}),
    version: r.version.number,
  };
}

/** `GET /_cluster/health` (§4.4). `unassigned_primary_shards` exists only in 8.16+. */
const healthSchema = z
  .object({
    cluster_name: z.string(),
    status: z.enum(['green', 'yellow', 'red']),
    timed_out: z.boolean(),
    number_of_nodes: z.number().int().min(0),
    number_of_data_nodes: z.number().int().min(0),
    unassigned_shards: z.number().int().min(0),
    unassigned_primary_shards: z.number().int().min(0).optional(),
  })
  .passthrough();

export interface ClusterHealthInfo {
  status: 'green' | 'yellow' | 'red';
  nodes: number;
  dataNodes: number;
  unassignedShards: number;
}

export function parseClusterHealth(body: unknown): ClusterHealthInfo {
  const h = healthSchema.parse(body);
  return {
    status: h.status,
    nodes: h.number_of_nodes,
    dataNodes: h.number_of_data_nodes,
    unassignedShards: h.unassigned_shards,
  };
}

/**
 * `GET /_cat/nodes?format=json` (§4.5): every value is a string or null; `master` is `*` for the
 * elected master. Rows come in no particular order (not sorted by name).
 */
const catNodeSchema = z
  .object({
    name: z.string(),
    master: z.string().nullable().optional(),
    'node.role': z.string().nullable().optional(),
    ip: z.string().nullable().optional(),
  })
  .passthrough();

export interface CatNode {
  name: string;
  /** `_cat/nodes` role abbreviations, e.g. `m`, `hi`, `-` for coordinating-only. */
  roles: string;
  master: boolean;
}

export function parseCatNodes(body: unknown): CatNode[] {
  return z
    .array(catNodeSchema)
    .parse(body)
    .map((n) => ({ name: n.name, roles: n['node.role'] ?? '', master: n.master === '*' }));
}

/** An ES error body's root cause type, e.g. `master_not_discovered_exception` (503 without an elected master). */
export function parseErrorType(body: unknown): string | undefined {
  const r = z
    .object({ error: z.union([z.string(), z.object({ type: z.string() }).passthrough()]) })
    .passthrough()
    .safeParse(body);
  if (!r.success) return undefined;
  return typeof r.data.error === 'string' ? r.data.error.slice(0, 200) : r.data.error.type;
}

/** What the agent reports for one Elasticsearch node (the `probe_json` of its status). */
export const elasticsearchProbeSchema = z
  .object({
    /** `GET /` answered: the node's HTTP layer is up. */
    ok: z.boolean(),
    nodeName: z.string().max(200).optional(),
    clusterName: z.string().max(200).optional(),
    clusterUuid: z.string().max(64).optional(),
    version: z.string().max(64).optional(),
    /** The node sees no elected master (`_cluster/health` answered 503 master_not_discovered_exception). */
    noMaster: z.boolean().optional(),
    clusterStatus: z.enum(['green', 'yellow', 'red']).optional(),
    numberOfNodes: z.number().int().min(0).optional(),
    unassignedShards: z.number().int().min(0).optional(),
    /** Elected master's node name, from `_cat/nodes` (`master: "*"`). */
    master: z.string().max(200).optional(),
    /** The cluster's nodes as `_cat/nodes` lists them (answered by the elected master). */
    nodes: z
      .array(z.object({ name: z.string().max(200), roles: z.string().max(32), master: z.boolean() }).strict())
      .max(1000)
      .optional(),
    error: z.string().max(1000).optional(),
  })
  .strict();

export type ElasticsearchProbe = z.infer<typeof elasticsearchProbeSchema>;

/** The outcome of one probe request: the JSON body, or the HTTP status and body of a failure. */
export type ProbeAnswer =
  { ok: true; body: unknown } | { ok: false; status?: number; body?: unknown; message: string };

/**
 * Builds the probe result from the three answers. `GET /` answers even without a master (§4.3); a
 * masterless node fails `_cluster/health` with 503 `master_not_discovered_exception` (§4.4).
 */
export function checkElasticsearchProbe(
  root: ProbeAnswer,
  health: ProbeAnswer | undefined,
  catNodes: ProbeAnswer | undefined,
): ElasticsearchProbe {
  if (!root.ok) return { ok: false, error: root.message.slice(0, 1000) };
  const info = parseRootInfo(root.body);
  const probe: ElasticsearchProbe = {
    ok: true,
    nodeName: info.nodeName,
    clusterName: info.clusterName,
    version: info.version,
    ...(info.clusterUuid ? { clusterUuid: info.clusterUuid } : {}),
  };
  const errors: string[] = [];
  if (health) {
    if (health.ok) {
      const h = parseClusterHealth(health.body);
      probe.clusterStatus = h.status;
      probe.numberOfNodes = h.nodes;
      probe.unassignedShards = h.unassignedShards;
    } else {
      const type = health.body === undefined ? undefined : parseErrorType(health.body);
      if (type === 'master_not_discovered_exception') probe.noMaster = true;
      errors.push(`_cluster/health: ${type ?? health.message}`);
    }
  }
  if (catNodes) {
    if (catNodes.ok) {
      const nodes = parseCatNodes(catNodes.body);
      probe.nodes = nodes.map((n) => ({ name: n.name, roles: n.roles.slice(0, 32), master: n.master }));
      const master = nodes.find((n) => n.master);
      if (master) probe.master = master.name;
    } else {
      const type = catNodes.body === undefined ? undefined : parseErrorType(catNodes.body);
      if (type === 'master_not_discovered_exception') probe.noMaster = true;
      errors.push(`_cat/nodes: ${type ?? catNodes.message}`);
    }
  }
  if (errors.length) probe.error = errors.join('; ').slice(0, 1000);
  return probe;
}
