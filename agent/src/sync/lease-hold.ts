import { isAbandon, type Logger } from '@hactl/shared';
import { describeError } from './describe.js';
import type { LeaseAnswer, LeaseClient } from './lease-restart.js';

/**
 * Holding a restart lease for as long as the member it covers is down (architecture §4): from the
 * stop until the member serves again, or until the agent gives up and says so. The control plane
 * drops a lease not renewed within its TTL (control-plane leases.ts `expire`), so the holder renews
 * it while it works, by asking again with the reason it was granted for (control-plane
 * leases/decide.ts rule 2: the holder asking again renews without the gates, which its own member's
 * absence would fail).
 *
 * Why: a ZooKeeper member restarted onto a new member list never became ready; the agent waited
 * for it up to READY_TIMEOUT_MS (300 s) without renewing, its lease expired at the TTL (180 s),
 * and the control plane took the lease's absence for the end of the restart. With the lease
 * renewed, its expiry means what the control plane assumes: the agent is gone.
 */

/** How often to renew when the control plane does not say its lease TTL (one older than `ttl_ms`): well within its 180 s default. */
export const RENEW_EVERY_DEFAULT_MS = 30_000;

/**
 * Pure: how often to renew a lease that lives `ttlMs` from each answer (0 or undefined: not said).
 * A third of it, so that two renewals in a row can be lost (a control-plane restart, a dropped
 * reply, a 10 s call deadline) before the lease lapses; never more often than every 100 ms.
 */
export function renewEveryMs(ttlMs: number | undefined): number {
  if (ttlMs === undefined || ttlMs <= 0) return RENEW_EVERY_DEFAULT_MS;
  return Math.max(100, Math.floor(ttlMs / 3));
}

/** What a renewal's answer means for the lease held. */
export type RenewStep =
  /** Held (as `leaseId`: a new id when it had lapsed and was granted again); `warning` when it had. */
  | { do: 'keep'; leaseId: string; warning?: string }
  /**
   * Gone and not granted again: the member stays down all the same (a restart cannot be undone
   * half-way), so the work goes on and the next renewal asks again; the control plane judges the
   * step by the member's own reports meanwhile (control-plane rollout/step.ts).
   */
  | { do: 'lost'; warning: string }
  /**
   * Gone, and the control plane says no rollout asks for this attempt any more (`abandon:`): the
   * work goes on (it cannot be undone half-way) but asking again is pointless, so renewals stop.
   */
  | { do: 'abandoned'; warning: string };

/** Pure: the next step after the answer to a renewal of the lease held as `leaseId`. */
export function planLeaseRenewal(answer: LeaseAnswer, leaseId: string): RenewStep {
  if (answer.granted && answer.leaseId === leaseId) return { do: 'keep', leaseId };
  if (answer.granted)
    return {
      do: 'keep',
      leaseId: answer.leaseId,
      warning: `lease ${leaseId} had lapsed; granted again as ${answer.leaseId}`,
    };
  const warning = `lease ${leaseId} lapsed and was not granted again: ${answer.reason}`;
  return isAbandon(answer.reason) ? { do: 'abandoned', warning } : { do: 'lost', warning };
}

/** The lease a restart or removal holds. */
export interface HeldLease {
  instanceId: string;
  /** The reason it was granted for: asking again with it renews the lease. */
  reason: string;
  leaseId: string;
  /** What the grant said the lease lives unless renewed (ms; 0 or undefined: not said). */
  ttlMs: number | undefined;
}

export interface LeaseHoldDeps {
  /** This agent's --name, the lease holder. */
  host: string;
  leases: LeaseClient;
  /**
   * Calls `fn` every `ms` until the returned function is called (setInterval, unref'd, in
   * agent.ts; a fake clock's in tests).
   */
  every: (ms: number, fn: () => void) => () => void;
  logger: Logger;
}

/**
 * Runs `work` while holding `held`: renews the lease every `renewEveryMs(held.ttlMs)` until `work`
 * settles, then releases it whatever happened (a renewal in flight is awaited first, so the
 * release names the lease it left, and no renewal re-takes the lease after its release). Resolves
 * or rejects as `work` does; a failed renewal or release is logged, never thrown.
 */
export async function holdLease<T>(d: LeaseHoldDeps, held: HeldLease, work: () => Promise<T>): Promise<T> {
  const log = { instance: held.instanceId };
  let leaseId = held.leaseId;
  let inFlight: Promise<void> | undefined;
  const renew = async (): Promise<void> => {
    try {
      const step = planLeaseRenewal(
        await d.leases.acquireLease(d.host, held.instanceId, held.reason),
        leaseId,
      );
      if (step.do === 'abandoned') {
        // The control plane says no rollout asks for this restart any more: asking again every
        // TTL/3 for the rest of the restart would only be told so again.
        d.logger.warn(
          { ...log, lease: leaseId, reason: step.warning },
          'restart lease lost while its member is down; renewals stopped',
        );
        cancel();
        return;
      }
      if (step.do === 'lost') {
        d.logger.warn(
          { ...log, lease: leaseId, reason: step.warning },
          'restart lease lost while its member is down',
        );
        return;
      }
      if (step.warning)
        d.logger.warn({ ...log, lease: step.leaseId, reason: step.warning }, 'restart lease taken again');
      leaseId = step.leaseId;
    } catch (err) {
      d.logger.warn(
        { ...log, lease: leaseId, err: describeError(err) },
        'lease renewal failed; trying again',
      );
    }
  };
  const cancel = d.every(renewEveryMs(held.ttlMs), () => {
    // One renewal at a time: a slow answer is not overtaken by the next tick's.
    inFlight ??= renew().finally(() => (inFlight = undefined));
  });
  try {
    return await work();
  } finally {
    cancel();
    await inFlight;
    await releaseLeaseQuietly(d.leases, leaseId, d.logger);
  }
}

/**
 * Releases a lease after a restart or removal whatever happened; a failed release is logged, not
 * thrown: the lease expires on its own (its TTL) and the work under it is already done.
 */
async function releaseLeaseQuietly(leases: LeaseClient, leaseId: string, logger: Logger): Promise<void> {
  await leases
    .releaseLease(leaseId)
    .catch((err: unknown) =>
      logger.warn({ lease: leaseId, err: describeError(err) }, 'lease release failed; it expires on its own'),
    );
}
