import type { ClusterStatus, MemberStatus } from '../../domain.js';
import type { HealthInput } from '../types.js';
import { memberDetail, memberStatus, observe, pendingReason } from '../member.js';
import type { ZookeeperSpec } from './spec.js';
import type { ZookeeperInputs } from './inputs.js';
import { zookeeperProbeSchema, type ZookeeperProbe } from './parse.js';

/**
 * Cluster health from member probes. `healthy` needs every member serving, exactly one leader and
 * the leader's zk_synced_followers ≥ N−1 — never `ruok` alone, which answers `imok` without a
 * quorum (service-facts §0.2). `degraded`: a quorum serves with one leader but not every member is
 * in sync. `down`: no serving leader. `pending`: the agents have not applied this revision yet or
 * have not reported a probe.
 */
export function checkZookeeperHealth(input: HealthInput<ZookeeperSpec>): ClusterStatus {
  const { plans } = input;
  const n = plans.length;
  const members: MemberStatus[] = [];
  let serving = 0;
  const leaders: { id: number; probe: ZookeeperProbe }[] = [];

  for (const plan of plans) {
    const inputs = plan.inputs as ZookeeperInputs;
    const { obs, fresh, probe } = observe<ZookeeperProbe>(input, plan);
    if (probe?.serving) serving++;
    if (probe?.serving && (probe.mode === 'leader' || probe.mode === 'standalone'))
      leaders.push({ id: inputs.myid, probe });
    members.push(
      memberStatus(
        plan,
        obs,
        input.hostNames,
        {
          id: inputs.myid,
          address: inputs.address,
          port: inputs.clientPort,
          mode: probe?.serving ? probe.mode : 'unknown',
          leading: probe?.serving === true && probe.mode === 'leader',
          detail: memberDetail(
            obs,
            fresh,
            probe && !probe.serving ? 'not serving (no quorum)' : probe?.error,
          ),
        },
        { syncedFollowers: probe?.syncedFollowers },
      ),
    );
  }

  const majority = Math.floor(n / 2) + 1;
  let health: ClusterStatus['health'];
  let reason: string;
  const pending = pendingReason(input, serving);
  if (n === 0) {
    health = 'pending';
    reason = 'no members';
  } else if (leaders.length > 1) {
    health = 'degraded';
    reason = `${leaders.length} members claim leadership (ids ${leaders.map((l) => l.id).join(', ')})`;
  } else if (leaders.length === 1) {
    const leader = leaders[0]!;
    const synced = n === 1 ? 0 : leader.probe.syncedFollowers;
    // At least N−1: zk_synced_followers also counts non-voting followers (service-facts §1.3), e.g.
    // a member that a membership change is adding or removing while the leader still runs the
    // previous server list.
    if (serving === n && synced !== undefined && synced >= n - 1) {
      health = 'healthy';
      reason =
        n === 1 ? 'standalone server serving' : `leader ${leader.id}, ${describeSynced(synced, n - 1)}`;
    } else {
      health = 'degraded';
      reason = `leader ${leader.id}, ${serving}/${n} members serving, ${describeSynced(synced, n - 1)}`;
    }
  } else if (pending !== undefined) {
    health = 'pending';
    reason = pending;
  } else if (serving >= majority) {
    // A follower starts serving only once the leader has synced it (Learner.syncWithLeader, on the
    // leader's UPTODATE) and stops when it loses the leader, so a serving majority
    // with no member reporting `leader` means the probes predate the last election (each member is
    // probed on its own schedule, e.g. right after a rolling restart moved leadership): not down.
    health = 'degraded';
    reason = `no member reported leading yet (${serving}/${n} members serving as followers; their probes predate the last election)`;
  } else {
    health = 'down';
    reason = `no serving leader (${serving}/${n} members serving; a quorum needs ${majority})`;
  }
  return { health, reason, members };
}

/**
 * "2/2 followers synced", never N/M with N > M: zk_synced_followers also counts followers outside
 * the ensemble's current server list (service-facts §1.3), e.g. right after a 5→3 shrink, while a
 * removed member still follows the leader. Then it says how many the list expects and why the count
 * is higher. `synced` undefined: the leader's probe did not say. Pure.
 */
export function describeSynced(synced: number | undefined, expected: number): string {
  if (synced === undefined) return `?/${expected} followers synced`;
  if (synced <= expected) return `${synced}/${expected} followers synced`;
  return `${synced} followers synced (${expected} expected; the leader still counts ${synced - expected} outside the current server list, e.g. a removed member not stopped yet)`;
}

export function parseZookeeperProbe(raw: unknown): ZookeeperProbe {
  return zookeeperProbeSchema.parse(raw);
}
