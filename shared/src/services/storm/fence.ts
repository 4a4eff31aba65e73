import { z } from 'zod';

/**
 * The fence a `failover: manual` cluster keeps in ZooKeeper, at `FENCE_ZNODE` below the cluster's
 * Storm root: JSON `{"epoch": N, "active": "<address>"}`. The epoch only grows; the active nimbus's
 * agent writes it (compare-and-set on the znode version) before it starts nimbus.
 */
export const FENCE_ZNODE = '/hactl-fence';

export const fenceRecordSchema = z
  .object({
    epoch: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    active: z.string().regex(/^[0-9a-fA-F.:]+$/, 'must be an IP address'),
  })
  .strict();

/** A fence: the epoch and the address of the nimbus it makes active. */
export type FenceRecord = z.infer<typeof fenceRecordSchema>;

/**
 * What an agent may do with its nimbus given its desired fence (`mine`, from the desired state) and
 * the one recorded in ZooKeeper:
 * - `start`: ZooKeeper already names this nimbus at this epoch.
 * - `claim`: this nimbus is the active one of a newer epoch than ZooKeeper's (or none is recorded):
 *   record `mine` (compare-and-set), then start.
 * - `refuse`: another nimbus is active at this epoch, or ZooKeeper holds a newer epoch than the
 *   desired state this agent has (it was cut off while a failover happened): never start, and stop
 *   a running one.
 * Pure; `self` is this nimbus's address.
 */
export function decideFence(
  mine: FenceRecord,
  self: string,
  recorded: FenceRecord | undefined,
): { action: 'start' | 'claim' | 'refuse'; reason: string } {
  if (recorded && recorded.epoch > mine.epoch)
    return {
      action: 'refuse',
      reason: `fenced: ZooKeeper holds epoch ${recorded.epoch} (active nimbus ${recorded.active}), newer than this nimbus's epoch ${mine.epoch}`,
    };
  if (mine.active !== self)
    return {
      action: 'refuse',
      reason: `fenced: epoch ${mine.epoch} makes ${mine.active} the active nimbus, not ${self}`,
    };
  if (recorded && recorded.epoch === mine.epoch)
    return recorded.active === self
      ? { action: 'start', reason: `epoch ${mine.epoch} recorded for this nimbus` }
      : {
          action: 'refuse',
          reason: `fenced: ZooKeeper records ${recorded.active} as the active nimbus of epoch ${mine.epoch}`,
        };
  return {
    action: 'claim',
    reason: recorded
      ? `epoch ${mine.epoch} supersedes the recorded epoch ${recorded.epoch} (${recorded.active})`
      : `no fence recorded yet; recording epoch ${mine.epoch}`,
  };
}
