import type { ClusterSpecBase } from '../domain.js';
import type { FleetContext } from './types.js';
import { findHost } from './hosts.js';
import { resolveMember, zookeeperSpecSchema } from './zookeeper/spec.js';

/**
 * How the clients of a hactl zookeeper cluster (Kafka in ZooKeeper mode, Storm) reach it. A client
 * kind names the ensemble by cluster name; its validation reports a bad reference at its own field
 * and its planner turns the members into a connect string (Kafka `zookeeper.connect`) or a server
 * list and port (Storm `storm.zookeeper.servers` / `.port`). Member ports and hosts are resolved
 * with the zookeeper kind's own defaults (zookeeper/spec.ts resolveMember), so a client always
 * connects where the members listen. Pure.
 */

/** One member as clients reach it: its myid, its host's address and its clientPort. */
export interface ZookeeperEndpoint {
  id: number;
  address: string;
  clientPort: number;
}

export type ZookeeperRef =
  | {
      ok: true;
      /** Members on registered hosts, in the order the zookeeper spec lists them. */
      endpoints: ZookeeperEndpoint[];
      /** Host references of members whose host is no longer registered. */
      missingHosts: string[];
    }
  | { ok: false; problem: string };

/**
 * Specs by name per spec list, built on first use, as hosts.ts indexes hosts: a full re-plan of a
 * fleet of 1,000 Storm clusters, each on an ensemble of its own, searched the 2,000 specs once per
 * Storm cluster (bench/dist/cluster-count.js --storm). Spec lists are immutable once handed to the
 * kinds (the control plane's snapshot), so an index keyed by the list stays valid.
 */
const specIndexes = new WeakMap<readonly ClusterSpecBase[], Map<string, ClusterSpecBase>>();

/** The first spec named `name` in `clusters` (as a search in list order finds it), or undefined. */
export function findClusterSpec(
  clusters: readonly ClusterSpecBase[],
  name: string,
): ClusterSpecBase | undefined {
  let index = specIndexes.get(clusters);
  if (!index) {
    index = new Map();
    for (const c of clusters) if (!index.has(c.name)) index.set(c.name, c);
    specIndexes.set(clusters, index);
  }
  return index.get(name);
}

/**
 * Resolves the accepted cluster `name` as a ZooKeeper ensemble. Not ok, with a problem to report
 * at the referencing field, when no accepted cluster has that name, when it is of another kind,
 * or when its stored spec does not parse as a zookeeper spec.
 */
export function resolveZookeeperRef(
  name: string,
  fleet: Pick<FleetContext, 'hosts' | 'clusters'>,
): ZookeeperRef {
  const ref = findClusterSpec(fleet.clusters, name);
  if (!ref)
    return {
      ok: false,
      problem: `unknown cluster ${JSON.stringify(name)} (no accepted cluster with that name; apply the zookeeper cluster first)`,
    };
  if (ref.kind !== 'zookeeper')
    return { ok: false, problem: `cluster ${JSON.stringify(name)} is a ${ref.kind} cluster, not zookeeper` };
  const zk = zookeeperSpecSchema.safeParse(ref);
  if (!zk.success) return { ok: false, problem: `cluster ${JSON.stringify(name)} has an unreadable spec` };
  const endpoints: ZookeeperEndpoint[] = [];
  const missingHosts: string[] = [];
  for (const m of zk.data.members) {
    const host = findHost(fleet.hosts, m.host);
    if (!host) {
      missingHosts.push(m.host);
      continue;
    }
    const r = resolveMember(zk.data, m, host);
    endpoints.push({ id: r.id, address: host.address, clientPort: r.clientPort });
  }
  return { ok: true, endpoints, missingHosts };
}
