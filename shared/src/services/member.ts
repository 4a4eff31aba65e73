import type { InstanceObservation, InstancePlan, MemberStatus } from '../domain.js';

/**
 * Whether an observation carries a probe recent enough to judge health on: probed at all, and no
 * older than `staleAfterMs` at `now` (ms, control-plane clock; the control plane restamps probes on
 * receipt, fleet.ts receivedProbeAt). Pure.
 */
export function probeIsFresh(
  obs: InstanceObservation | undefined,
  now: number,
  staleAfterMs: number,
): boolean {
  return obs !== undefined && obs.probeAt > 0 && now - obs.probeAt <= staleAfterMs;
}

/** What every kind's member status says the same way: who, where it runs, and its process. */
export type MemberBase = Pick<
  MemberStatus,
  'instance' | 'host' | 'role' | 'process' | 'lastProbe' | 'pid' | 'restarts'
>;

/** The kind-independent half of a member status, from its plan and its agent's last report. Pure. */
export function memberBase(
  plan: Pick<InstancePlan, 'id' | 'hostId' | 'role'>,
  obs: InstanceObservation | undefined,
  hostNames: ReadonlyMap<string, string>,
): MemberBase {
  return {
    instance: plan.id,
    host: hostNames.get(plan.hostId) ?? plan.hostId,
    role: plan.role,
    process: obs?.process ?? 'unknown',
    lastProbe: obs && obs.probeAt > 0 ? new Date(obs.probeAt).toISOString() : null,
    pid: obs?.pid ?? 0,
    restarts: obs?.restarts ?? 0,
  };
}

/** Leading members restart last (rank 2); everyone else first (rank 0). */
export function leadership(leading: boolean): Pick<MemberStatus, 'leading' | 'restartRank'> {
  return { leading, restartRank: leading ? 2 : 0 };
}
