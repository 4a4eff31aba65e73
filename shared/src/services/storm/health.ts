import type { ClusterStatus, InstanceObservation, InstancePlan, MemberStatus } from '../../domain.js';
import type { HealthInput } from '../types.js';
import { memberDetail, memberStatus, observe } from '../member.js';
import type { StormSpec } from './spec.js';
import type { StormInputs } from './inputs.js';
import { latchHost, type NimbusProbe, type StormProbe, type SupervisorProbe, type UiProbe } from './probe.js';

/** Member modes, one vocabulary for all three roles. */
export type StormMemberMode = 'leader' | 'not-a-leader' | 'standby' | 'registered' | 'serving' | 'unknown';

interface Member {
  plan: InstancePlan<StormInputs>;
  obs: InstanceObservation | undefined;
  fresh: boolean;
  probe: StormProbe | undefined;
}

/**
 * Cluster health from daemon probes.
 *
 * - `healthy`: exactly one nimbus leader, seen by the leader itself (latch + Thrift port) or by the
 *   UI, which reaches the leader over Thrift (service-facts §3.4); every instance planned
 *   `running` is up and probed; every supervisor registered; and the UI (when there is one)
 *   counts every supervisor and slotsTotal = supervisors × slots. A stopped standby nimbus in
 *   `failover: manual` is expected, not a problem.
 * - `degraded`: one leader, but something above is missing, or two leaders are claimed.
 * - `down`: no leader (topologies may still run, but nothing can be submitted or rescheduled, §3.5).
 * - `pending`: the agents have not applied this revision or reported a probe yet.
 */
export function checkStormHealth(input: HealthInput<StormSpec>): ClusterStatus {
  const plans = input.plans as readonly InstancePlan<StormInputs>[];
  const hostName = (p: InstancePlan<StormInputs>) => input.hostNames.get(p.hostId) ?? p.inputs.host;
  const members: Member[] = plans.map((plan) => {
    const { obs, fresh, probe } = observe<StormProbe>(input, plan);
    return { plan, obs, fresh, probe: probe?.role === plan.role ? probe : undefined };
  });
  const byAddress = new Map(
    plans.filter((p) => p.role === 'nimbus').map((p) => [p.inputs.address, hostName(p)]),
  );
  const nameOf = (address: string) => byAddress.get(address) ?? address;

  const problems: string[] = [];
  const leaders = new Set<string>();
  const statuses: MemberStatus[] = [];
  let ui: UiProbe | undefined;
  let registered = 0;
  let supervisorSlots = 0;

  for (const { plan, obs, fresh, probe } of members) {
    const running = plan.runState === 'running';
    const name = hostName(plan);
    const proc = obs?.process ?? 'unknown';
    let mode: StormMemberMode = 'unknown';
    const extra: Record<string, unknown> = {};
    if (plan.role === 'nimbus') {
      const p = probe as NimbusProbe | undefined;
      if (!running) {
        mode = 'standby';
        // Only a recent report says it runs: a silent host's last word (a failed-over nimbus whose
        // host is gone) is no evidence, and its agent's fence stops it when the host answers.
        if (proc === 'running' && fresh) problems.push(`standby nimbus ${name} is running`);
      } else if (p?.isLeader && p.listening) {
        mode = 'leader';
        leaders.add(plan.inputs.address);
      } else if (p?.registered && p.listening) mode = 'not-a-leader';
      else problems.push(`nimbus ${name} is not serving`);
      if (p?.leader) extra.leader = nameOf(latchHost(p.leader));
    } else if (plan.role === 'supervisor') {
      const p = probe as SupervisorProbe | undefined;
      if (p?.registered) {
        mode = 'registered';
        registered++;
        supervisorSlots += p.slots?.length ?? 0;
      } else problems.push(`supervisor ${name} is not registered`);
      extra.slots = p?.slots?.length ?? plan.inputs.slots?.length ?? 0;
    } else {
      const p = probe as UiProbe | undefined;
      if (p?.serving) {
        mode = 'serving';
        ui = p;
        for (const n of p.nimbuses ?? []) if (n.status === 'Leader') leaders.add(n.host);
      } else problems.push(`ui on ${name} is not serving`);
    }
    if (running && proc !== 'running' && proc !== 'unknown')
      problems.push(`${plan.role} ${name} process ${proc}`);
    statuses.push(
      memberStatus(
        plan,
        obs,
        input.hostNames,
        {
          host: name,
          id: plan.role === 'ui' ? 'ui' : `${plan.role}-${name}`,
          address: plan.inputs.address,
          port:
            plan.role === 'nimbus'
              ? plan.inputs.nimbusPort
              : plan.role === 'ui'
                ? (plan.inputs.uiPort ?? 0)
                : (plan.inputs.supervisorThriftPort ?? 0),
          mode,
          // The leader nimbus goes last: restarting it hands leadership to a standby.
          leading: mode === 'leader',
          detail: memberDetail(
            obs,
            !running || probe !== undefined,
            finding(probe, running, plan.role, input.spec.nimbus.failover),
          ),
        },
        extra,
      ),
    );
  }

  const supervisors = plans.filter((p) => p.role === 'supervisor');
  const expectedSlots = supervisors.reduce((n, p) => n + (p.inputs.slots?.length ?? 0), 0);
  const hasUi = plans.some((p) => p.role === 'ui');
  // The UI's counts when it serves; while it does not (no leader, or the UI down) the supervisors'
  // own registrations, so "no leader" does not also read as "no supervisors".
  const seenSupervisors = ui ? (ui.supervisors ?? 0) : registered;
  const slotsTotal = ui ? (ui.slotsTotal ?? 0) : supervisorSlots;
  if (hasUi && ui && ui.supervisors !== supervisors.length)
    problems.push(`the UI counts ${ui.supervisors ?? '?'} supervisors`);
  const counts = `${Math.min(registered, seenSupervisors)}/${supervisors.length} supervisors, ${slotsTotal === expectedSlots ? `${slotsTotal}` : `${slotsTotal}/${expectedSlots}`} slots`;

  const result = (health: ClusterStatus['health'], reason: string): ClusterStatus => ({
    health,
    reason,
    members: statuses,
  });
  if (plans.length === 0) return result('pending', 'no instances');
  const zk = plans[0]!.inputs.zookeeper;
  if (zk.servers.length === 0)
    return result(
      'down',
      `zookeeper cluster ${input.spec.zookeeper} is missing; every instance is held stopped`,
    );

  const wanted = members.filter((m) => m.plan.runState === 'running');
  const anyProbe = wanted.some((m) => m.probe !== undefined);
  const lagging = wanted.filter((m) => input.lagging.has(m.plan.hostId)).length;
  if (leaders.size === 0 && !anyProbe && (lagging > 0 || wanted.every((m) => m.obs === undefined))) {
    return result(
      'pending',
      lagging > 0
        ? `${lagging}/${wanted.length} instances are on hosts that have not applied the latest desired state`
        : 'waiting for the first probe reports',
    );
  }
  if (leaders.size > 1)
    return result(
      'degraded',
      `${leaders.size} nimbus leaders claimed (${[...leaders].map(nameOf).join(', ')})`,
    );
  const leader = [...leaders][0];
  if (leader === undefined) {
    const why = checkLeadership(members, nameOf);
    return result(
      'down',
      `no nimbus leader; ${why ? `${why}; ` : ''}${counts}${problems.length ? `; ${summarise(problems)}` : ''}`,
    );
  }
  const head = `nimbus leader ${nameOf(leader)}, ${counts}`;
  if (slotsTotal !== expectedSlots && !problems.length)
    problems.push(`${slotsTotal} of ${expectedSlots} slots offered`);
  return problems.length ? result('degraded', `${head}; ${summarise(problems)}`) : result('healthy', head);
}

function summarise(problems: string[]): string {
  const unique = [...new Set(problems)];
  return unique.length > 3
    ? `${unique.slice(0, 3).join('; ')} (+${unique.length - 3} more)`
    : unique.join('; ');
}

/** What is wrong with a daemon, if anything: held stopped (no probe expected), or what its fresh probe says. */
function finding(
  probe: StormProbe | undefined,
  running: boolean,
  role: string,
  failover: string,
): string | undefined {
  if (!running)
    return role === 'nimbus' && failover === 'manual'
      ? 'standby (manual failover): held stopped'
      : 'held stopped';
  if (probe?.error) return probe.error;
  return probe?.role === 'supervisor' && !probe.registered ? 'not registered in ZooKeeper' : undefined;
}

/**
 * Why no nimbus can lead, when ZooKeeper says so: the active topologies whose code blobs are
 * recorded on no nimbus that runs now. Storm's leader candidate surrenders leadership while any
 * active topology's blobs are missing locally (LeaderListenerCallback), so such a cluster stays
 * leaderless until a nimbus holding them returns (service-facts §3.5). Undefined when no probe
 * reports blobs or every topology's code is on a running nimbus.
 */
export function checkLeadership(
  members: readonly Member[],
  nameOf: (address: string) => string,
): string | undefined {
  const running = new Set(
    members
      .filter((m) => m.plan.role === 'nimbus' && m.obs?.process === 'running' && m.fresh)
      .map((m) => m.plan.inputs.address),
  );
  const reports = members
    .map((m) => (m.probe?.role === 'nimbus' ? m.probe.blobs : undefined))
    .find((b) => b !== undefined);
  if (!reports) return undefined;
  const stranded = reports.filter((t) => !t.holders.some((h) => running.has(h)));
  if (stranded.length === 0) return undefined;
  const list = stranded
    .slice(0, 3)
    .map(
      (t) =>
        `${t.topology} (${t.holders.length ? `recorded on ${t.holders.map(nameOf).join(', ')}` : 'recorded on no nimbus'})`,
    )
    .join(', ');
  return (
    `no running nimbus holds the code of ${stranded.length} topolog${stranded.length === 1 ? 'y' : 'ies'}: ${list}${stranded.length > 3 ? ', …' : ''} — ` +
    `Storm lets no nimbus lead without it (bring that nimbus back, or make its blob store available to another)`
  );
}
