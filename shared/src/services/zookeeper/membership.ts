import type { ZookeeperSpec } from './spec.js';

/**
 * A ZooKeeper membership change as a chain of single-server changes: the specs the ensemble moves
 * through after `before`, one server added or removed per phase, ending with `after`.
 *
 * Why rolling static reconfiguration and not ZooKeeper's dynamic `reconfig` (3.5.3+; Debian ships
 * 3.8.0, service-facts §1.5):
 * - `reconfig` needs `reconfigEnabled=true` from the start and then ZooKeeper rewrites zoo.cfg and
 *   owns a `zoo.cfg.dynamic.<version>` file (service-facts §0.4): the agent's renderer and ZooKeeper
 *   would fight over the file, and `server.N` lines in the static file become a startup error.
 * - A one-member ensemble runs standalone (`standaloneEnabled=true`, §0.5) and a standalone server
 *   cannot be reconfigured at all; the first case (1→3) needs a restart either way.
 * - `reconfig` needs the super user or `skipACL=yes` on `/zookeeper/config`.
 * - The restart-lease machinery (one member down at a time, leader last, gates with reasons) already
 *   carries rolling restarts safely and is tested on the real service.
 *
 * Why one server per phase: each server decides leadership by a majority of its *own* configured
 * voters (static config; with `reconfigEnabled=false` a follower does not adopt the leader's view,
 * QuorumPeer.processReconfig "Reconfig feature is disabled, skip reconfig processing"). While a
 * phase is rolled, servers run either the previous list C or the new one C' = C ± one server. Two
 * leaders at once would need disjoint majorities Q ⊆ C and Q' ⊆ C'; |Q| + |Q'| ≥ ⌊n/2⌋+1 +
 * ⌊(n+1)/2⌋+1 = n+2 > n+1 = |C ∪ C'|, so any two majorities share a server: never two ensembles.
 * Jumping two servers at once (3→5 in one go) breaks this: {1,2} is a majority of {1,2,3} and
 * {3,4,5} one of {1,…,5}. So does starting two new members before the data holders run the new
 * list (the 1→3 fault: members 2 and 3 elected their own leader over an empty tree).
 *
 * Additions come before removals (a replacement grows 3→4 and then shrinks 4→3, keeping a spare
 * vote during the change instead of running on 2 members); ids are added in ascending order and
 * removed in descending order, so the chain is the same for the same two specs. Members kept in the
 * ensemble carry `after`'s fields (ports, addresses) in every phase, and so do the settings. Pure.
 */
export function planZookeeperMembership(before: ZookeeperSpec, after: ZookeeperSpec): ZookeeperSpec[] {
  const afterIds = new Set(after.members.map((m) => m.id));
  const beforeIds = new Set(before.members.map((m) => m.id));
  const kept = after.members.filter((m) => beforeIds.has(m.id));
  const added = after.members.filter((m) => !beforeIds.has(m.id)).sort((a, b) => a.id - b.id);
  const removed = before.members.filter((m) => !afterIds.has(m.id)).sort((a, b) => b.id - a.id);
  const phases: ZookeeperSpec[] = [];
  // Removed members keep their old fields until their phase takes them out.
  let current = [...kept, ...removed];
  for (const m of added) {
    current = [...current, m];
    phases.push(withMembers(after, current));
  }
  for (const m of removed) {
    current = current.filter((c) => c.id !== m.id);
    phases.push(withMembers(after, current));
  }
  if (phases.length === 0) return [after];
  // The last phase is exactly `after` (its member order included), so the procedure ends on the revision.
  phases[phases.length - 1] = after;
  return phases;
}

function withMembers(spec: ZookeeperSpec, members: ZookeeperSpec['members']): ZookeeperSpec {
  return { ...spec, members: [...members].sort((a, b) => a.id - b.id) };
}
