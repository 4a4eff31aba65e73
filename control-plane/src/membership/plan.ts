import { classifyChange, planRestartOrder, type InstancePlan, type MemberStatus } from '@hactl/shared';
import type { StepOp } from '../store/store.js';

/**
 * The pure core of a membership procedure (issue 10): which steps a change of a cluster's members
 * takes, and what each member's desired state is at any point of it. A procedure moves through
 * phases (the kind's `planMembership`: ZooKeeper one server per phase); `phases[0]` holds the plans
 * the procedure started from and `phases[k]` (k ≥ 1) those of phase k, the last one the revision's.
 */

/** One planned step of a procedure. */
export interface MembershipStep {
  phase: number;
  op: StepOp;
  instance: string;
  hostId: string;
}

/** A stored step as the derivations below need it. */
export interface StepProgress {
  phase: number;
  op: StepOp;
  instance: string;
  /** pending, requested, done, failed or skipped. */
  state: string;
}

/** Whether moving from `before` to `after` adds or removes instances (a membership change). */
export function isMembershipChange(before: readonly InstancePlan[], after: readonly InstancePlan[]): boolean {
  // A planner lists a cluster's members in a stable order, so a change that keeps them (a setting,
  // a version) is told by one pass, without two sets of every id (10 ms at 10,000 members).
  if (before.length === after.length && before.every((p, i) => p.id === after[i]!.id)) return false;
  const b = new Set(after.map((p) => p.id));
  const a = new Set<string>();
  for (const p of before) {
    if (!b.has(p.id)) return true;
    a.add(p.id);
  }
  return a.size !== b.size;
}

/**
 * Instances present before and after whose host changes: a member cannot move in place (its data
 * stays on the old host), so a procedure refuses it; a replacement is a new member under a new id
 * and the old one removed. Returns `"<instance>: host <a> → <b>"` lines. Pure.
 */
export function checkMovedMembers(before: readonly InstancePlan[], after: readonly InstancePlan[]): string[] {
  const old = new Map(before.map((p) => [p.id, p]));
  return after
    .filter((p) => old.has(p.id) && old.get(p.id)!.hostId !== p.hostId)
    .map((p) => `${p.id}: host ${old.get(p.id)!.hostId} → ${p.hostId}`);
}

/**
 * The order of a phase's steps by what they do: a handover first (leadership leaves a member that
 * is going), then starts, restarts and stops. The one place this order is decided (the engine's
 * step decision uses it too).
 */
export const STEP_OP_ORDER: Readonly<Record<StepOp, number>> = { handover: 0, start: 1, restart: 2, stop: 3 };

/**
 * The ordered steps of a procedure. In each phase k, against phase k−1:
 * 1. `start` each added member (one at a time): it joins the members that hold the data, which it
 *    cannot outvote (one server per phase, zookeeper/membership.ts);
 * 2. `restart` each kept member whose inputs need a restart (the new server list), followers
 *    first and the leader last (ranks from `members`, re-decided at each step by the engine);
 * 3. `stop` each removed member, after the others run the list without it (a removed follower
 *    then costs no election).
 * With `handover` (kinds whose members cannot follow a leader missing from their own member list:
 * ZooKeeper's FastLeaderElection ignores votes of non-members and a learner looks its leader up in
 * its own view), a removed member is first restarted if it leads at that moment, so the others
 * elect a leader among themselves before they move onto the list without it; the engine skips the
 * step when the member does not lead. Not when one member remains: it runs standalone and follows
 * nobody. A member the procedure starts is not restarted in the same phase (it started on that
 * phase's inputs). Pure.
 */
export function planMembershipSteps(
  phases: readonly (readonly InstancePlan[])[],
  members: ReadonlyMap<string, MemberStatus>,
  opts: { handover?: boolean } = {},
): MembershipStep[] {
  const steps: MembershipStep[] = [];
  for (let k = 1; k < phases.length; k++) {
    const prev = new Map(phases[k - 1]!.map((p) => [p.id, p]));
    const cur = phases[k]!;
    const curIds = new Set(cur.map((p) => p.id));
    for (const p of cur)
      if (!prev.has(p.id)) steps.push({ phase: k, op: 'start', instance: p.id, hostId: p.hostId });
    const restarts = cur.filter((p) => {
      const o = prev.get(p.id);
      return o !== undefined && classifyChange(p.kind, o.inputs, p.inputs) === 'restart';
    });
    const host = new Map(cur.map((p) => [p.id, p.hostId]));
    for (const id of planRestartOrder(
      restarts.map((p) => p.id),
      members,
    ).order)
      steps.push({ phase: k, op: 'restart', instance: id, hostId: host.get(id)! });
    for (const p of phases[k - 1]!) {
      if (curIds.has(p.id)) continue;
      if (opts.handover && cur.length > 1)
        steps.push({ phase: k, op: 'handover', instance: p.id, hostId: p.hostId });
      steps.push({ phase: k, op: 'stop', instance: p.id, hostId: p.hostId });
    }
  }
  return steps.sort((a, b) => a.phase - b.phase || STEP_OP_ORDER[a.op] - STEP_OP_ORDER[b.op]);
}

/** The phase a procedure works on: the lowest with a step not yet done or skipped (last + 1 when none). */
export function currentPhase(steps: readonly StepProgress[], lastPhase: number): number {
  const open = steps.filter((s) => s.state !== 'done' && s.state !== 'skipped').map((s) => s.phase);
  return open.length ? Math.min(...open) : lastPhase + 1;
}

/**
 * The plans the cluster's hosts are given now, from the procedure's progress: the current phase's
 * plans, except members it adds whose `start` step has not been requested yet (held: not planned,
 * not started), plus members it removes whose `stop` step is not done (still running on their
 * previous inputs). Later phases' members are not planned yet. Once every step is done: the last
 * phase's plans. Pure.
 */
export function planEffectivePlans(
  phases: readonly (readonly InstancePlan[])[],
  steps: readonly StepProgress[],
): InstancePlan[] {
  const last = phases.length - 1;
  const k = currentPhase(steps, last);
  if (k > last) return [...phases[last]!];
  const inPhase = steps.filter((s) => s.phase === k);
  const held = new Set(
    inPhase.filter((s) => s.op === 'start' && s.state === 'pending').map((s) => s.instance),
  );
  const running = new Set(
    inPhase
      .filter((s) => s.op === 'stop' && s.state !== 'done' && s.state !== 'skipped')
      .map((s) => s.instance),
  );
  const plans = phases[k]!.filter((p) => !held.has(p.id));
  for (const p of phases[k - 1]!) if (running.has(p.id)) plans.push(p);
  return plans;
}

/** One line per step for the dry run and the apply answer: `phase 1: start zk-main/zk-2 on h2`. */
export function describeMembershipSteps(
  steps: readonly MembershipStep[],
  hostNames: ReadonlyMap<string, string>,
  serverLists: ReadonlyMap<number, string>,
): string[] {
  const what: Record<StepOp, string> = {
    handover: 'restart if it leads then (leadership moves off the removed member)',
    start: 'start new member',
    restart: 'restart onto the new member list',
    stop: 'stop removed member',
  };
  return steps.map((s) => {
    const list = serverLists.get(s.phase);
    return `phase ${s.phase}${list ? ` (${list})` : ''}: ${what[s.op]} ${s.instance} on ${hostNames.get(s.hostId) ?? s.hostId}`;
  });
}
