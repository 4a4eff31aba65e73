import { distributionSchema } from '../../distribution.js';
import { z } from 'zod';
import type { ErrorDetail } from '../../errors.js';
import type { FleetContext, ValidationResult } from '../types.js';
import type { HostRecord } from '../../domain.js';
import {
  absPathSchema,
  hostRefSchema,
  jvmSchema,
  nameSchema,
  portSchema,
  zodDetails,
} from '../../config-values.js';
import { checkYamlValue } from '../../config-chars.js';
import { checkPath, normalisePath } from '../../paths.js';
import { lookupHost } from '../hosts.js';
import { checkSettingKeys } from '../settings.js';

export const ES_DEFAULT_PORTS = { http: 9200, transport: 9300 } as const;

/** 8.x `node.roles` values (service-facts §4.2); the serverless-only `index`/`search` are left out. */
export const ES_ROLES = [
  'data',
  'data_cold',
  'data_content',
  'data_frozen',
  'data_hot',
  'data_warm',
  'ingest',
  'master',
  'ml',
  'remote_cluster_client',
  'transform',
  'voting_only',
] as const;
export type EsRole = (typeof ES_ROLES)[number];

/** What ES gives a node when `node.roles` is unset: every role except `voting_only` (§4.1). */
export const ES_DEFAULT_ROLES: readonly EsRole[] = ES_ROLES.filter((r) => r !== 'voting_only');

/** A heap size for -Xms/-Xmx, e.g. 512m or 4g. */
const heapSchema = z.string().regex(/^[1-9][0-9]{0,6}[mMgG]$/, 'must look like 512m or 4g');

/** `node.attr.<name>`: names end up as yml keys. */
const ATTR_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const nodeSchema = z
  .object({
    host: hostRefSchema,
    /** `node.name`; also the name in `cluster.initial_master_nodes`, which must match it exactly (§4.1). */
    name: nameSchema,
    /** Omitted: every default role (master-eligible). `[]`: coordinating-only. */
    roles: z.array(z.enum(ES_ROLES, { message: `must be one of ${ES_ROLES.join(', ')}` })).optional(),
    attributes: z.record(z.string(), z.string().max(256)).optional(),
    httpPort: portSchema.optional(),
    transportPort: portSchema.optional(),
    dataDir: absPathSchema.optional(),
    logDir: absPathSchema.optional(),
    heap: heapSchema.optional(),
  })
  .strict();

const scalar = z.union([z.string(), z.number().finite(), z.boolean()]);
/** A settings value: a scalar, a list of scalars, or a nested map (flattened to dotted keys like ES does). */
type SettingValue = string | number | boolean | (string | number | boolean)[] | { [k: string]: SettingValue };
const settingValue: z.ZodType<SettingValue> = z.lazy(() =>
  z.union([scalar, z.array(scalar), z.record(z.string(), settingValue)]),
);

export const elasticsearchSpecSchema = z
  .object({
    name: nameSchema,
    kind: z.literal('elasticsearch'),
    /** An unpacked archive with the upstream layout (`bin/elasticsearch`, `config/jvm.options`). */
    distribution: distributionSchema,
    nodes: z.array(nodeSchema),
    /** elasticsearch.yml pass-through (validated; keys hactl derives are refused). */
    settings: z.record(z.string(), settingValue).default({}),
    /**
     * -Xms/-Xmx for every node (nodes[].heap overrides). Unset: no heap flags, so ES sizes the heap
     * itself from the node's roles and memory (automatic heap sizing, 7.11+; about half the RAM,
     * capped below the compressed-oops limit).
     */
    heap: heapSchema.optional(),
    /**
     * JVM flags for every node, rendered into jvm.options.d/hactl.options. A garbage collector
     * here replaces the distribution's (-XX:+UseG1GC in config/jvm.options): the agent leaves that
     * line out of its copy of jvm.options. The heap is `heap` / `nodes[].heap`, not `jvm.heap`.
     */
    jvm: jvmSchema.optional(),
    /** An even master-eligible count is refused unless the operator says so (e.g. mid-migration). */
    allowEvenMasters: z.boolean().optional(),
  })
  .strict();

export type ElasticsearchSpec = z.infer<typeof elasticsearchSpecSchema>;
export type ElasticsearchNodeSpec = z.infer<typeof nodeSchema>;
export type FlatSettingValue = string | number | boolean | (string | number | boolean)[];

/** elasticsearch.yml keys hactl derives; setting them by hand would fight the planner. */
const MANAGED_KEYS: Record<string, string> = {
  'cluster.name': 'it is the cluster spec name',
  'node.name': 'set nodes[].name',
  'node.roles': 'set nodes[].roles',
  'network.host': 'derived from the host address',
  'network.bind_host': 'derived from the host address',
  'network.publish_host': 'derived from the host address',
  'http.host': 'derived from the host address',
  'http.bind_host': 'derived from the host address',
  'http.publish_host': 'derived from the host address',
  'transport.host': 'derived from the host address',
  'transport.bind_host': 'derived from the host address',
  'transport.publish_host': 'derived from the host address',
  'http.port': 'set nodes[].httpPort',
  'transport.port': 'set nodes[].transportPort',
  'discovery.seed_hosts': 'derived from the master-eligible nodes',
  'discovery.type': 'hactl forms clusters with discovery.seed_hosts and cluster.initial_master_nodes',
  'cluster.initial_master_nodes':
    'derived from the master-eligible nodes and dropped after the first formation',
  'path.data': 'set nodes[].dataDir',
  'path.logs': 'set nodes[].logDir',
};

/** Legacy role settings, removed in 8.0 (PR #71163, service-facts §0.16): an 8.x node refuses to start. */
const LEGACY_ROLE_KEYS = new Set([
  'node.master',
  'node.data',
  'node.ingest',
  'node.ml',
  'node.remote_cluster_client',
  'node.transform',
  'node.voting_only',
  'node.local_storage',
]);

const SETTING_RULES = {
  managed: MANAGED_KEYS,
  refuse: (key: string): string | undefined => {
    if (LEGACY_ROLE_KEYS.has(key))
      return `${key} was removed in Elasticsearch 8.0; set nodes[].roles instead`;
    if (key.startsWith('node.attr.')) return 'managed by hactl: set nodes[].attributes';
    if (key.startsWith('xpack.security.'))
      return 'managed by hactl: security is rendered off explicitly (the agent probes plain HTTP without credentials)';
    return undefined;
  },
};

/**
 * elasticsearch.yml settings that hold paths: `path.*` (`path.repo`, `path.shared_data`, …; a string
 * is split on commas into a list). `path.data` and `path.logs` are managed (nodes[].dataDir/logDir).
 */
export function isElasticsearchPathKey(key: string): boolean {
  return key.startsWith('path.');
}

/** Flattens nested settings maps to dotted keys (`{ thread_pool: { write: { size: 4 } } }` → `thread_pool.write.size`). */
export function flattenSettings(settings: Record<string, SettingValue>): {
  flat: Record<string, FlatSettingValue>;
  duplicates: string[];
} {
  const flat: Record<string, FlatSettingValue> = {};
  const duplicates: string[] = [];
  const walk = (prefix: string, obj: Record<string, SettingValue>) => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) walk(key, v);
      else if (Object.hasOwn(flat, key)) duplicates.push(key);
      else flat[key] = v;
    }
  };
  walk('', settings);
  return { flat, duplicates };
}

export interface ResolvedNode {
  host: HostRecord;
  name: string;
  roles: EsRole[];
  attributes: Record<string, string>;
  httpPort: number;
  transportPort: number;
  /** `<dataRoot>/elasticsearch/<cluster>/<node>`: conf, default data and logs live below it. */
  baseDir: string;
  dataDir: string;
  logDir: string;
  heap: string | undefined;
}

/** The node after defaults, dirs in normal form; the single source for validation, planning and claims. */
export function resolveNode(
  spec: ElasticsearchSpec,
  n: ElasticsearchNodeSpec,
  host: HostRecord,
): ResolvedNode {
  const baseDir = normalisePath(`${host.dataRoot}/elasticsearch/${spec.name}/${n.name}`);
  return {
    host,
    name: n.name,
    roles: [...new Set(n.roles ?? ES_DEFAULT_ROLES)].sort(),
    attributes: n.attributes ?? {},
    httpPort: n.httpPort ?? ES_DEFAULT_PORTS.http,
    transportPort: n.transportPort ?? ES_DEFAULT_PORTS.transport,
    baseDir,
    dataDir: normalisePath(n.dataDir ?? `${baseDir}/data`),
    logDir: normalisePath(n.logDir ?? `${baseDir}/logs`),
    heap: n.heap ?? spec.heap,
  };
}

export const isMasterEligible = (roles: readonly string[]): boolean => roles.includes('master');

/** `data` holds every tier, content included; `data_content` the content tier (service-facts §4.2). */
export const holdsOrdinaryIndices = (roles: readonly string[]): boolean =>
  roles.includes('data') || roles.includes('data_content');

export function validateElasticsearchSpec(
  raw: unknown,
  fleet: FleetContext,
): ValidationResult<ElasticsearchSpec> {
  const parsed = elasticsearchSpecSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: zodDetails(parsed.error) };
  const spec = parsed.data;
  const problems: ErrorDetail[] = [];

  if (spec.nodes.length === 0) problems.push({ path: 'nodes', message: 'a cluster needs at least one node' });
  const masters = spec.nodes.filter((n) => isMasterEligible(n.roles ?? ES_DEFAULT_ROLES)).length;
  if (spec.nodes.length > 0 && masters === 0) {
    problems.push({
      path: 'nodes',
      message: 'no master-eligible node: at least one node needs the "master" role',
    });
  } else if (masters > 0 && masters % 2 === 0 && !spec.allowEvenMasters) {
    problems.push({
      path: 'nodes',
      message: `${masters} master-eligible nodes is an even number: it tolerates no more failures than ${masters - 1}; use an odd number or set allowEvenMasters: true`,
    });
  }

  // The content tier is required (ES data tiers docs): indices outside data streams, system indices
  // included, get `_tier_preference: data_content` and stay unassigned (red) with no node to hold them.
  if (spec.nodes.length > 0 && !spec.nodes.some((n) => holdsOrdinaryIndices(n.roles ?? ES_DEFAULT_ROLES))) {
    problems.push({
      path: 'nodes',
      message:
        'no node can hold ordinary indices: give at least one node the "data_content" (or "data") role; ' +
        'indices outside data streams, system indices included, prefer the content tier and stay unassigned (red) without one',
    });
  }

  if (spec.heap) problems.push(...checkHeap('heap', spec.heap));
  if (spec.jvm?.heap !== undefined)
    problems.push({
      path: 'jvm.heap',
      message:
        'Elasticsearch takes its heap from "heap" (every node) or nodes[].heap; jvm holds the other flags',
    });
  const names = new Map<string, number>();
  spec.nodes.forEach((n, i) => {
    if (n.heap) problems.push(...checkHeap(`nodes[${i}].heap`, n.heap));
    const prev = names.get(n.name);
    if (prev !== undefined)
      problems.push({
        path: `nodes[${i}].name`,
        message: `duplicate node name ${JSON.stringify(n.name)} (also nodes[${prev}].name)`,
      });
    else names.set(n.name, i);
    const roles = n.roles ?? [];
    const seen = new Set<string>();
    roles.forEach((r, j) => {
      if (seen.has(r))
        problems.push({ path: `nodes[${i}].roles[${j}]`, message: `duplicate role ${JSON.stringify(r)}` });
      seen.add(r);
    });
    // "A node can belong to multiple tiers, but a node that has one of the specialized data roles
    // cannot have the generic data role" (ES node roles docs, data tiers): `data` is every tier.
    const tiers = roles.filter((r) => r.startsWith('data_'));
    if (seen.has('data') && tiers.length)
      problems.push({
        path: `nodes[${i}].roles`,
        message: `"data" already holds every tier, so it cannot be combined with ${[...new Set(tiers)].map((t) => JSON.stringify(t)).join(', ')}: keep "data" alone, or list the tiers without it`,
      });
    if (seen.has('voting_only') && !seen.has('master')) {
      problems.push({
        path: `nodes[${i}].roles`,
        message: 'voting_only needs the master role (a voting-only node must be master-eligible)',
      });
    }
    for (const [k, v] of Object.entries(n.attributes ?? {})) {
      if (!ATTR_NAME_RE.test(k))
        problems.push({
          path: `nodes[${i}].attributes.${k}`,
          message: 'attribute names may only contain letters, digits, "_" and "-"',
        });
      else problems.push(...checkYamlValue(`nodes[${i}].attributes.${k}`, v));
    }
  });

  const { flat, duplicates } = flattenSettings(spec.settings);
  for (const key of duplicates)
    problems.push({ path: `settings.${key}`, message: 'set twice (once nested, once as a dotted key)' });
  for (const [key, value, path] of checkSettingKeys(flat, SETTING_RULES, problems)) {
    const values = Array.isArray(value) ? value : [value];
    values.forEach((v, j) => {
      const at = Array.isArray(value) ? `${path}[${j}]` : path;
      problems.push(...checkYamlValue(at, String(v)));
      if (isElasticsearchPathKey(key)) problems.push(...checkPath(at, String(v)));
    });
  }

  // Hosts must be registered. Ports and directories are checked on the planned instances' claims (registry.ts validateClusterSpec).
  spec.nodes.forEach((n, i) => lookupHost(fleet.hosts, n.host, `nodes[${i}].host`, problems));

  return problems.length ? { ok: false, problems } : { ok: true, spec };
}

/**
 * ES's heap-size guidance: keep -Xmx below the compressed-oops cut-off (about 32 GB; "no more than
 * 31 GB is a safe cap" in the heap-size docs). Above it the JVM's pointers double in size and a
 * bigger heap holds less.
 */
function checkHeap(path: string, heap: string): ErrorDetail[] {
  const n = Number(heap.slice(0, -1));
  const mb = /[gG]$/.test(heap) ? n * 1024 : n;
  return mb > 31 * 1024
    ? [
        {
          path,
          message: `${heap} is above 31g: the JVM loses compressed object pointers near 32 GB; use at most 31g`,
        },
      ]
    : [];
}
