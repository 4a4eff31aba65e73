import {
  ConflictError,
  serviceKind,
  type ClusterSpecBase,
  type FleetContext,
  type InstancePlan,
  type MemberStatus,
} from '@hactl/shared';
import { planCluster } from '../reconcile/snapshot.js';
import { checkMovedMembers, isMembershipChange, planMembershipSteps, type MembershipStep } from './plan.js';

/** A membership procedure as planned from two specs, before anything is stored. */
export interface PlannedProcedure {
  /** The spec of each phase; [0] is the spec the procedure starts from, the last the revision's. */
  specs: ClusterSpecBase[];
  /** The plans of each phase, as `specs`. */
  phases: InstancePlan[][];
  steps: MembershipStep[];
}

/**
 * The procedure that moves a cluster from `before` (its current spec and plans) to `after`, or
 * undefined when the change adds and removes no member (a plain rollout carries it). Throws a
 * ConflictError, naming the members, when it cannot be done safely: a member that moves to another
 * host under the same id (its data stays behind; add it under a new id and remove the old one), or
 * a phase the kind's planner cannot plan. Pure. `members` (the cluster's member statuses) is read
 * only for a membership change: rolling a large cluster up is most of the cost of an apply that
 * changes only settings.
 */
export function planProcedure(
  before: { spec: ClusterSpecBase; plans: readonly InstancePlan[] },
  after: { spec: ClusterSpecBase; plans: readonly InstancePlan[] },
  fleet: FleetContext,
  members: () => ReadonlyMap<string, MemberStatus>,
): PlannedProcedure | undefined {
  if (!isMembershipChange(before.plans, after.plans)) return undefined;
  const moved = checkMovedMembers(before.plans, after.plans);
  if (moved.length)
    throw new ConflictError(
      `cluster ${after.spec.name}: a member cannot move to another host under the same id; nothing was stored. Add the new member under a new id and remove the old one (a replacement)`,
      moved.map((m) => ({ path: 'members', message: m })),
    );
  const kind = serviceKind(after.spec.kind)!;
  const specs = [before.spec, ...(kind.planMembership?.(before.spec, after.spec) ?? [after.spec])];
  const phases: InstancePlan[][] = [[...before.plans]];
  specs.slice(1, -1).forEach((spec, i) => {
    const planned = planCluster(spec, fleet);
    if (planned.planError !== undefined)
      throw new ConflictError(
        `cluster ${after.spec.name}: phase ${i + 1} of the membership change cannot be planned: ${planned.planError}`,
      );
    phases.push(planned.plans);
  });
  phases.push([...after.plans]);
  return {
    specs,
    phases,
    steps: planMembershipSteps(phases, members(), { handover: kind.handoverBeforeRemoval === true }),
  };
}
