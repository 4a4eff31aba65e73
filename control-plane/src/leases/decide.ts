import type { GateResult } from '@hactl/shared';

export interface LeaseQuestion {
  /** The asking host's desired state lists the instance. */
  runsInstance: boolean;
  hostId: string;
  instanceId: string;
  /**
   * The instance's unexpired lease, if it holds one; `sameRequester` when this request gives the
   * reason it was granted for (the same restart attempt).
   */
  held: { id: string; sameRequester: boolean; reason: string } | undefined;
  /** Why no rollout may take the instance down now, or undefined (asked after rules 1 and 2). */
  denied: () => string | undefined;
  /** The named gates with their current values (asked last). */
  gates: () => GateResult[];
  now: number;
  ttlMs: number;
}

export type LeaseVerdict =
  | { type: 'grant'; expiresAt: number; reason: string; gates: GateResult[] }
  | { type: 'renew'; leaseId: string; expiresAt: number; reason: string }
  | { type: 'refuse'; reason: string; gates: GateResult[] };

/**
 * Whether a restart lease is granted, renewed or refused, and why. Pure apart from the two reads
 * passed in as functions (`denied`, `gates`): they are asked only when the decision reaches them,
 * in this order, because each is a rule that must not be consulted earlier:
 *
 * 1. A host asks only for an instance its desired state lists (the gates of another host's member,
 *    or of a cluster that no longer exists, are not its to ask for).
 * 2. The holder asking again renews its lease without the gates: the cluster is degraded *because*
 *    its member is down for this restart, so the gates would refuse the restart's own renewal.
 * 3. No running rollout asking for the instance (or for this attempt at it: a superseded command)
 *    refuses before the gates (a reason starting with "abandon:" tells the agent to give up rather
 *    than retry). Then another attempt at an instance whose lease is held (a rollout step asked
 *    again on resume while the first attempt still restarts it) waits until the lease is
 *    released: two attempts sharing one lease would restart the member twice.
 * 4. Every gate must hold (architecture §4); a refusal lists each failing gate with its values.
 */
export function decideLease(q: LeaseQuestion): LeaseVerdict {
  if (!q.runsInstance)
    return { type: 'refuse', reason: `host ${q.hostId} does not run ${q.instanceId}`, gates: [] };
  const expiresAt = q.now + q.ttlMs;
  if (q.held?.sameRequester) return { type: 'renew', leaseId: q.held.id, expiresAt, reason: 'lease renewed' };
  const denied = q.denied();
  if (denied) return { type: 'refuse', reason: denied, gates: [] };
  if (q.held)
    return {
      type: 'refuse',
      reason: `another restart attempt (${q.held.reason || 'no reason given'}) holds ${q.instanceId}'s lease: waiting for it to finish`,
      gates: [],
    };
  const gates = q.gates();
  const failing = gates.filter((g) => !g.ok);
  if (failing.length)
    return { type: 'refuse', reason: failing.map((g) => `${g.gate}: ${g.reason}`).join('; '), gates };
  return { type: 'grant', expiresAt, reason: 'all gates hold', gates };
}
