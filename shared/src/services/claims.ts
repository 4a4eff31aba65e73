import type { HostRecord, InstancePlan } from '../domain.js';
import type { ErrorDetail } from '../errors.js';
import { DirClaims, normalisePath } from '../paths.js';
import { clusterOfInstance } from './instance-id.js';
import { serviceKind } from './registry.js';

/**
 * Ports and directories claimed on each host by the instances of every cluster, from each kind's
 * `claims()`; a clash that involves an instance of `cluster` is a problem, whether the other
 * instance is in another cluster (e.g. ZooKeeper's AdminServer and the Storm UI both default to
 * 8080, service-facts §0.6), in the same one (two members given one port on one host) or is the
 * instance itself (a ZooKeeper peerPort equal to its electionPort; a Storm daemon's log dir inside
 * its local dir, storm.log.dir below storm.local.dir).
 * Directories are compared in normal form, and one inside another clashes too (paths.ts DirClaims):
 * `/data/zk/` is `/data/zk`, and a data dir inside another instance's log dir is still shared.
 * Problems are located at the instance of `cluster` (its id is the path). Pure.
 *
 * `plans` lists every cluster's plans, `cluster`'s own included; `hosts` names and addresses them.
 */
export function checkClaims(
  hosts: readonly HostRecord[],
  plans: Iterable<readonly InstancePlan[]>,
  cluster: string,
): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const ports = new Map<string, { instance: string; label: string }>();
  const dirs = new DirClaims<{ instance: string; label: string }>();
  const hostName = new Map(hosts.map((h) => [h.id, h.name]));
  const addressOf = new Map(hosts.map((h) => [h.id, h.address]));
  const involves = (a: string, b: string) =>
    clusterOfInstance(a) === cluster || clusterOfInstance(b) === cluster;
  const at = (a: string, b: string) => (clusterOfInstance(a) === cluster ? a : b);
  for (const clusterPlans of plans) {
    for (const plan of clusterPlans) {
      const kind = serviceKind(plan.kind);
      if (!kind) continue;
      const claims = kind.claims(plan.inputs);
      const host = hostName.get(plan.hostId) ?? plan.hostId;
      for (const { port, what } of claims.ports) {
        const key = `${addressOf.get(plan.hostId) ?? plan.hostId}:${port}`;
        const label = `${plan.id} (${what})`;
        const other = ports.get(key);
        if (!other) ports.set(key, { instance: plan.id, label });
        else if (involves(plan.id, other.instance))
          problems.push({
            path: at(plan.id, other.instance),
            message: `port ${port} on host ${host} is claimed by both ${other.label} and ${label}`,
          });
      }
      // The instance alone: claims() does not say which of its dirs is which.
      const label = plan.id;
      for (const dir of claims.dirs) {
        const clash = dirs.overlaps(plan.hostId, dir).find((o) => involves(plan.id, o.owner.instance));
        if (clash) {
          const mine = normalisePath(dir);
          const message =
            clash.relation === 'same'
              ? `directory ${clash.dir} on host ${host} is used by both ${clash.owner.label} and ${label}`
              : `directory ${mine} of ${label} ${clash.relation === 'inside' ? 'is inside' : 'contains'} directory ${clash.dir} of ${clash.owner.label} on host ${host}`;
          problems.push({ path: at(plan.id, clash.owner.instance), message });
        }
        dirs.add(plan.hostId, dir, { instance: plan.id, label });
      }
    }
  }
  return problems;
}
