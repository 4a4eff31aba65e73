import type { ErrorDetail } from '../../errors.js';
import { BLOBSTORE_DIR_KEY, type StormSpec } from './spec.js';

/**
 * Warnings to read before applying a Storm spec (validation's warnings: they refuse nothing, and
 * a dry run and an apply's answer show them at their field), about whether a nimbus other than
 * the current one could lead:
 * - `native` with several nimbus hosts and `topology.min.replication.count` 1 (Storm's default):
 *   a topology's code may live only on the leader until the next blob sync
 *   (`nimbus.code.sync.freq.secs`); a leader lost in that window leaves no nimbus able to lead
 *   (LeaderListenerCallback surrenders leadership while any active topology's blobs are missing;
 *   service-facts §3.5).
 * - `manual` with standbys and no `blobstore.dir`: standbys never run, so Storm never replicates
 *   the code to them (only running nimbus processes sync blobs, service-facts §3.3); a promoted
 *   standby would find no topology blobs and refuse to lead. hactl's answer is a blob directory on
 *   storage every nimbus host mounts (NFS, a replicated block device): with exactly one nimbus
 *   running at any instant (the fence), LocalFsBlobStore has one writer, and the standby finds the
 *   code where the old nimbus left it, even when the old host is gone. Keeping a standby nimbus
 *   running to sync would put a second nimbus in the leader latch, which Storm itself would promote
 *   on its own: native failover, not manual.
 * - `manual` with `topology.min.replication.count` above 1: only one nimbus runs, so submissions
 *   wait `topology.max.replication.wait.time.sec` for copies that never come.
 */
export function checkStormWarnings(spec: StormSpec): ErrorDetail[] {
  const warnings: ErrorDetail[] = [];
  const hosts = spec.nimbus.hosts.length;
  const replication = spec.settings['topology.min.replication.count'] ?? 1;
  if (spec.nimbus.failover === 'native' && hosts > 1 && replication === 1)
    warnings.push({
      path: 'settings.topology.min.replication.count',
      message:
        `${hosts} nimbus hosts run with topology.min.replication.count 1: ` +
        `a new topology's code may exist only on the leader until the next blob sync, and if the leader is lost then, ` +
        `no nimbus can lead (Storm surrenders leadership while blobs are missing). ` +
        `Set topology.min.replication.count to 2 or more.`,
    });
  if (spec.nimbus.failover === 'manual' && hosts > 1 && spec.settings[BLOBSTORE_DIR_KEY] === undefined)
    warnings.push({
      path: `settings.${BLOBSTORE_DIR_KEY}`,
      message:
        `failover: manual with ${hosts - 1} standby nimbus host(s) and no blobstore.dir: ` +
        `standbys never run, so they hold no topology code and a promoted standby cannot lead while topologies run. ` +
        `Set blobstore.dir to a directory on storage every nimbus host mounts.`,
    });
  if (spec.nimbus.failover === 'manual' && typeof replication === 'number' && replication > 1)
    warnings.push({
      path: 'settings.topology.min.replication.count',
      message:
        `failover: manual runs one nimbus, but topology.min.replication.count is ${replication}: ` +
        `submissions wait topology.max.replication.wait.time.sec for copies that never come. Use 1 with a shared blobstore.dir.`,
    });
  return warnings;
}
