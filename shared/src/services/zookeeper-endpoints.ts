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
 * Resolves the accepted cluster `name` as a ZooKeeper ensemble. Not ok, with a problem to report
 * at the referencing field, when no accepted cluster has that name, when it is of another kind,
 * or when its stored spec does not parse as a zookeeper spec.
 */
export function resolveZookeeperRef(
  name: string,
  fleet: Pick<FleetContext, 'hosts' | 'clusters'>,
): ZookeeperRef {
  const ref = fleet.clusters.get(name);
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
