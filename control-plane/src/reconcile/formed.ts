import {
  serviceKind,
  type ClusterSpecBase,
  type ErrorDetail,
  type InstancePlan,
  type MemberStatus,
} from '@hactl/shared';

/**
 * Set once a cluster has formed: the first time its agents report any member's process `running`.
 * From then on its members may have written their identity where a spec change cannot reach it
 * (a Kafka log dir's meta.properties, a ZooKeeper ensemble's znodes under a chroot, Storm's state
 * under its root), so identity changes are refused (`checkIdentity`). Never cleared while the
 * cluster exists; a delete drops it (a cluster re-created over wiped dirs has not formed).
 */
export const FORMED_FACT = 'hactl.formed';

/**
 * Whether `members` show a cluster forming now: no formed fact yet and some member's process is
 * reported `running` (it ran, so it may have written to its dirs). `running` only: a member that
 * crashed before it ran long enough to report so wrote nothing of note. Pure. `members` is called
 * only while the cluster has not formed: the reconcile pass asks of every cluster every report
 * interval, and rolling a 10,000-member cluster up for an answer its facts already give stalled
 * the event loop (bench/dist/fleet-push.js).
 */
export function checkFormed(
  facts: Readonly<Record<string, string>> | undefined,
  members: () => readonly Pick<MemberStatus, 'instance' | 'process'>[],
): { formed: false } | { formed: true; by: string } {
  if (facts?.[FORMED_FACT] !== undefined) return { formed: false };
  const ran = members().find((m) => m.process === 'running');
  return ran ? { formed: true, by: ran.instance } : { formed: false };
}

/** A cluster as the identity check compares it. */
export interface ClusterIdentity {
  spec: ClusterSpecBase;
  plans: readonly InstancePlan[];
}

/**
 * The identity changes `next` would make to the formed cluster `current` (the kind's
 * `checkIdentityChange`), or none when the cluster has not formed (nothing on disk to contradict)
 * or the kind has no such check. Pure.
 */
export function checkIdentity(
  current: ClusterIdentity,
  next: ClusterIdentity,
  facts: Readonly<Record<string, string>> | undefined,
): ErrorDetail[] {
  if (facts?.[FORMED_FACT] === undefined || current.spec.kind !== next.spec.kind) return [];
  return serviceKind(next.spec.kind)?.checkIdentityChange?.(current, next) ?? [];
}
