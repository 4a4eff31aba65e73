import {
  NotFoundError,
  ValidationError,
  clusterOfInstance,
  instanceId,
  memberOfInstance,
  type ErrorDetail,
  type InstancePlan,
} from '@hactl/shared';
import type { CommandTarget } from './request.js';

/** What target resolution needs to know of the fleet (a snapshot; pure input). */
export interface TargetFleet {
  hosts: readonly { id: string; name: string; labels: Readonly<Record<string, string>> }[];
  /** The cluster's members, or undefined for an unknown cluster. */
  members(cluster: string): readonly TargetMember[] | undefined;
}

export interface TargetMember {
  /** `<cluster>/<member>`. */
  instance: string;
  hostId: string;
  /** The host's name as members show it. */
  host: string;
  /** The kind's member id (myid, broker id, node name). */
  id: string | number;
  role: string;
}

/**
 * The members of `cluster` that `member` names: the instance name (`zk-1`), the host it runs on,
 * or the kind's member id (`1`), as `hactl logs` takes them. Pure.
 */
export function matchMembers<M extends Pick<TargetMember, 'instance' | 'host' | 'id'>>(
  cluster: string,
  member: string,
  members: readonly M[],
): M[] {
  return members.filter(
    (m) => m.instance === instanceId(cluster, member) || m.host === member || String(m.id) === member,
  );
}

/**
 * The one member of `cluster` that `member` names (`matchMembers`). Pure. Throws NotFoundError
 * listing the cluster's member names when none matches (an operator who typed the host or the
 * id learns the name), ValidationError when several do (a host running two of its members).
 */
export function pickMember<M extends Pick<TargetMember, 'instance' | 'host' | 'id'>>(
  cluster: string,
  member: string,
  members: readonly M[],
): M {
  const found = matchMembers(cluster, member, members);
  if (found.length === 1) return found[0]!;
  if (found.length > 1)
    throw new ValidationError(
      `"${member}" names several members of ${cluster}`,
      found.map((m) => ({ path: 'member', message: m.instance })),
    );
  const names = members.map((m) => memberOfInstance(m.instance));
  throw new NotFoundError(
    'member',
    instanceId(cluster, member),
    names.length
      ? `${cluster} has ${names.join(', ')} (a member's name, host or id)`
      : `${cluster} has no members`,
  );
}

/**
 * `pickMember` over a cluster's plans and member statuses (Fleet.memberMap): the plan of the one
 * member `member` names. Pure; throws as `pickMember` does.
 */
export function pickPlannedMember(
  cluster: string,
  member: string,
  view: {
    plans: readonly InstancePlan[];
    members: ReadonlyMap<string, { host?: string; id?: string | number }>;
  },
): InstancePlan {
  return pickMember(
    cluster,
    member,
    view.plans.map((plan) => ({
      plan,
      instance: plan.id,
      host: view.members.get(plan.id)?.host ?? plan.hostId,
      id: view.members.get(plan.id)?.id ?? '',
    })),
  ).plan;
}

/**
 * The hosts a command runs on, in a stable order (the order they are named, then fleet order):
 * hosts ∪ members' hosts ∪ the cluster's (role's) hosts, then only those carrying every label; a
 * target of labels only selects every host carrying them. Pure.
 * @returns the hosts, or every problem (unknown host, member or cluster; nothing selected).
 */
export function resolveTargets(
  t: CommandTarget,
  fleet: TargetFleet,
): { hosts: { id: string; name: string }[]; problems: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  const byName = new Map(fleet.hosts.map((h) => [h.name, h]));
  const byId = new Map(fleet.hosts.map((h) => [h.id, h]));
  const picked = new Map<string, { id: string; name: string; labels: Readonly<Record<string, string>> }>();
  const add = (id: string) => {
    const h = byId.get(id);
    if (h) picked.set(h.id, h);
  };
  t.hosts?.forEach((name, i) => {
    const h = byName.get(name) ?? byId.get(name);
    if (h) picked.set(h.id, h);
    else problems.push({ path: `target.hosts[${i}]`, message: `no host ${name}` });
  });
  t.members?.forEach((ref, i) => {
    const [cluster, member] = [clusterOfInstance(ref), memberOfInstance(ref)];
    const members = fleet.members(cluster);
    const found = members ? matchMembers(cluster, member, members) : [];
    if (!members) problems.push({ path: `target.members[${i}]`, message: `no cluster ${cluster}` });
    else if (found.length === 0) problems.push({ path: `target.members[${i}]`, message: `no member ${ref}` });
    else if (found.length > 1)
      problems.push({
        path: `target.members[${i}]`,
        message: `${ref} names several members: ${found.map((m) => m.instance).join(', ')}`,
      });
    else add(found[0]!.hostId);
  });
  if (t.cluster !== undefined) {
    const members = fleet.members(t.cluster);
    if (!members) problems.push({ path: 'target.cluster', message: `no cluster ${t.cluster}` });
    else {
      const chosen = members.filter((m) => t.role === undefined || m.role === t.role);
      if (chosen.length === 0)
        problems.push({
          path: 'target.role',
          message: `cluster ${t.cluster} has no member with role ${t.role} (roles: ${[...new Set(members.map((m) => m.role))].join(', ')})`,
        });
      for (const m of chosen) add(m.hostId);
    }
  }
  const labels = Object.entries(t.labels ?? {});
  const onlyLabels = !t.hosts?.length && !t.members?.length && t.cluster === undefined;
  const pool = onlyLabels ? fleet.hosts : [...picked.values()];
  const hosts = pool
    .filter((h) => labels.every(([k, v]) => h.labels[k] === v))
    .map((h) => ({ id: h.id, name: h.name }));
  if (problems.length === 0 && hosts.length === 0)
    problems.push({ path: 'target', message: 'selects no host' });
  return { hosts, problems };
}
