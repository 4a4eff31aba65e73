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
  // Claims are keyed by address and port without building a string per claim, and labels are made
  // only for a clash: at 5,000 hosts the strings were most of this check's time (bench profile).
  const ports = new Map<string, Map<number, { instance: string; what: string }>>();
  const dirs = new DirClaims<string>();
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
      const address = addressOf.get(plan.hostId) ?? plan.hostId;
      let onAddress = ports.get(address);
      if (!onAddress) ports.set(address, (onAddress = new Map()));
      for (const { port, what } of claims.ports) {
        const other = onAddress.get(port);
        if (!other) onAddress.set(port, { instance: plan.id, what });
        else if (involves(plan.id, other.instance)) {
          const host = hostName.get(plan.hostId) ?? plan.hostId;
          problems.push({
            path: at(plan.id, other.instance),
            message: `port ${port} on host ${host} is claimed by both ${other.instance} (${other.what}) and ${plan.id} (${what})`,
          });
        }
      }
      // The instance alone: claims() does not say which of its dirs is which.
      for (const dir of claims.dirs) {
        const clash = dirs.overlaps(plan.hostId, dir).find((o) => involves(plan.id, o.owner));
        if (clash) {
          const host = hostName.get(plan.hostId) ?? plan.hostId;
          const mine = normalisePath(dir);
          const message =
            clash.relation === 'same'
              ? `directory ${clash.dir} on host ${host} is used by both ${clash.owner} and ${plan.id}`
              : `directory ${mine} of ${plan.id} ${clash.relation === 'inside' ? 'is inside' : 'contains'} directory ${clash.dir} of ${clash.owner} on host ${host}`;
          problems.push({ path: at(plan.id, clash.owner), message });
        }
        dirs.add(plan.hostId, dir, plan.id);
      }
    }
  }
  return problems;
}
