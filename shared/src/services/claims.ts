import type { HostRecord, InstancePlan } from '../domain.js';
import type { InstanceClaims } from './types.js';
import type { ErrorDetail } from '../errors.js';
import { DirClaims, normalisePath } from '../paths.js';
import { findHostById } from './hosts.js';
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
  // Port → address → the instance that claimed it first. Keyed by port first: a fleet has a few
  // distinct ports and thousands of addresses, so this holds a few maps instead of one per host,
  // and stores the plan itself (what it claims is looked up again only for a clash). At 10,000
  // hosts the per-claim objects and per-host maps were most of this check's time and garbage.
  const ports = new Map<number, Map<string, InstancePlan>>();
  const dirs = new DirClaims<string>();
  const hostName = (id: string) => findHostById(hosts, id)?.name ?? id;
  const involves = (a: string, b: string) =>
    clusterOfInstance(a) === cluster || clusterOfInstance(b) === cluster;
  const at = (a: string, b: string) => (clusterOfInstance(a) === cluster ? a : b);
  for (const clusterPlans of plans) {
    for (const plan of clusterPlans) {
      const kind = serviceKind(plan.kind);
      if (!kind) continue;
      const claims = kind.claims(plan.inputs);
      const address = findHostById(hosts, plan.hostId)?.address ?? plan.hostId;
      for (const { port, what } of claims.ports) {
        let byAddress = ports.get(port);
        if (!byAddress) ports.set(port, (byAddress = new Map()));
        const other = byAddress.get(address);
        if (!other) byAddress.set(address, plan);
        else if (involves(plan.id, other.id)) {
          problems.push({
            path: at(plan.id, other.id),
            message: `port ${port} on host ${hostName(plan.hostId)} is claimed by both ${other.id} (${firstClaim(other, port)}) and ${plan.id} (${what})`,
          });
        }
      }
      // The instance alone: claims() does not say which of its dirs is which.
      for (const dir of claims.dirs) {
        const clash = dirs.overlaps(plan.hostId, dir).find((o) => involves(plan.id, o.owner));
        if (clash) {
          const host = hostName(plan.hostId);
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

/**
 * Of `others` (other clusters' plans, per cluster), only those that can clash with `plans`: on one
 * of their hosts (directories are per host) or at one of their hosts' addresses (ports are per
 * address, and two hosts may share one). checkClaims of the rest with `plans` reports exactly what
 * it reports of them all, in the same order: a claim elsewhere never meets one of `plans`, and the
 * plans kept keep their order. Without this an apply checked every instance in the fleet, so its
 * cost grew with the number of clusters (bench/dist/cluster-count.js: at 3,000 ensembles of three,
 * most of the set-up's time). Pure.
 */
export function plansNear(
  hosts: readonly HostRecord[],
  others: Iterable<readonly InstancePlan[]>,
  plans: readonly InstancePlan[],
): InstancePlan[][] {
  const address = (hostId: string) => findHostById(hosts, hostId)?.address ?? hostId;
  const hostIds = new Set(plans.map((p) => p.hostId));
  const addresses = new Set(plans.map((p) => address(p.hostId)));
  const near: InstancePlan[][] = [];
  for (const clusterPlans of others) {
    const kept = clusterPlans.filter((p) => hostIds.has(p.hostId) || addresses.has(address(p.hostId)));
    if (kept.length) near.push(kept);
  }
  return near;
}

/** What `plan` claims `port` for: its first claim of that port (the one checkClaims recorded). */
function firstClaim(plan: InstancePlan, port: number): string {
  return (
    serviceKind(plan.kind)
      ?.claims(plan.inputs)
      .ports.find((c) => c.port === port)?.what ?? ''
  );
}

/**
 * Whether `after` claims nothing that `before` did not: every plan of `after` is a plan of
 * `before` (same instance id, same host) whose kind's claims() are the same ports, for the same
 * purposes, and the same directories, in the same order. Such a change cannot add a clash, since
 * every pair of its claims was there before; a settings change to a 10,000-member cluster is the
 * usual case, and checking its claims again took 25-50 ms of the apply (bench). Pure.
 */
export function addsNoClaim(before: readonly InstancePlan[], after: readonly InstancePlan[]): boolean {
  const byId = new Map(before.map((p) => [p.id, p]));
  for (const plan of after) {
    const was = byId.get(plan.id);
    if (!was || was.hostId !== plan.hostId || was.kind !== plan.kind) return false;
    const kind = serviceKind(plan.kind);
    if (!kind) return false;
    if (!sameClaims(kind.claims(was.inputs), kind.claims(plan.inputs))) return false;
  }
  return true;
}

function sameClaims(a: InstanceClaims, b: InstanceClaims): boolean {
  if (a.ports.length !== b.ports.length || a.dirs.length !== b.dirs.length) return false;
  for (let i = 0; i < a.ports.length; i++)
    if (a.ports[i]!.port !== b.ports[i]!.port || a.ports[i]!.what !== b.ports[i]!.what) return false;
  for (let i = 0; i < a.dirs.length; i++) if (a.dirs[i] !== b.dirs[i]) return false;
  return true;
}
