import { resolveDistribution } from '../../distribution.js';
import type { InstancePlan } from '../../domain.js';
import type { FleetContext } from '../types.js';
import { instanceId } from '../instance-id.js';
import type { ElasticsearchSpec } from './spec.js';
import { requireHost } from '../hosts.js';
import { flattenSettings, isElasticsearchPathKey, isMasterEligible, resolveNode } from './spec.js';
import { normalisePath } from '../../paths.js';
import type { ElasticsearchInputs } from './inputs.js';
import { hostPort } from '../../address.js';

/** Stored once the cluster formed (learned from health); its presence drops the bootstrap list. */
export const CLUSTER_UUID_FACT = 'es.clusterUuid';

export function instanceIdFor(cluster: string, nodeName: string): string {
  return instanceId(cluster, nodeName);
}

/** The member role shown in status: the node's roles joined, `coordinating` for `[]`. */
export function roleLabel(roles: readonly string[]): string {
  return roles.length ? roles.join(',') : 'coordinating';
}

/**
 * Spec → one instance per node with fully resolved inputs. Assumes a validated spec; throws a
 * PlanError for a host no longer registered.
 *
 * `cluster.initial_master_nodes` is planned only while no cluster uuid is stored: the ES docs say to
 * remove it after the cluster first formed and never to use it when restarting or adding nodes
 * (service-facts §4.1) — a node that restarts with it and an empty data dir could bootstrap a second
 * cluster. `learnFacts` stores the uuid once health sees a formed cluster; the re-plan drops it.
 */
export function planElasticsearch(
  spec: ElasticsearchSpec,
  fleet: FleetContext,
): InstancePlan<ElasticsearchInputs>[] {
  const nodes = spec.nodes.map((n, i) =>
    resolveNode(spec, n, requireHost(fleet.hosts, n.host, spec.name, `nodes[${i}].host`)),
  );
  const masters = nodes.filter((r) => isMasterEligible(r.roles));
  const seedHosts = masters.map((r) => hostPort(r.host.address, r.transportPort)).sort();
  const formed = fleet.clusterFacts?.get(spec.name)?.[CLUSTER_UUID_FACT] !== undefined;
  const initialMasterNodes = formed ? [] : masters.map((r) => r.name).sort();
  const { flat } = flattenSettings(spec.settings);
  // `path.*` values are rendered in normal form, like the path fields.
  const settings = Object.fromEntries(
    Object.entries(flat).map(([k, v]) => [
      k,
      !isElasticsearchPathKey(k)
        ? v
        : Array.isArray(v)
          ? v.map((x) => normalisePath(String(x)))
          : normalisePath(String(v)),
    ]),
  );

  return nodes.map((r) => {
    const inputs: ElasticsearchInputs = {
      cluster: spec.name,
      nodeName: r.name,
      roles: r.roles,
      address: r.host.address,
      httpPort: r.httpPort,
      transportPort: r.transportPort,
      ...resolveDistribution(spec.distribution, r.host.dataRoot, 'elasticsearch'),
      confDir: `${r.baseDir}/conf`,
      dataDir: r.dataDir,
      logDir: r.logDir,
      pidFile: `${r.baseDir}/elasticsearch.pid`,
      seedHosts,
      initialMasterNodes,
      attributes: r.attributes,
      settings,
      ...(r.heap ? { heap: r.heap } : {}),
      ...(spec.jvm?.flags?.length ? { jvmFlags: spec.jvm.flags } : {}),
    };
    return {
      id: instanceIdFor(spec.name, r.name),
      cluster: spec.name,
      kind: 'elasticsearch' as const,
      hostId: r.host.id,
      role: roleLabel(r.roles),
      runState: 'running' as const,
      inputs,
    };
  });
}
