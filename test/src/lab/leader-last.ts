import type { AgentEvent } from './fleet.js';

/** What `checkLeaderLastAtStops` found: a line naming each stop and who led then, and what is wrong. */
export interface LeaderLastCheck {
  /** `host (<role> then: <leader or ?>)` for each stop, comma-separated, for logs and messages. */
  said: string;
  /** Each broken rule, one line each; empty when leader-last held. */
  problems: string[];
}

/**
 * Leader last, judged against the service's own record at each stop rather than one read before
 * the rollout: on a loaded machine an election can move leadership mid-rollout, and the rollout
 * engine re-decides the order at every step, so only "was the member leading when it was stopped"
 * is hactl's to answer for. Rules:
 * - the agents' `process_stopping` events come in the rollout's step order (`stepHosts`);
 * - every stop has a record of who led before it (`leaderAt` answers the leader's host from the
 *   last sample taken before that time, undefined when none named one);
 * - no member but the last was leading when it was stopped.
 * `role` names the leader in `said` (leader, controller, master). Pure.
 */
export function checkLeaderLastAtStops(
  events: readonly AgentEvent[],
  stepHosts: readonly string[],
  leaderAt: (at: number) => string | undefined,
  role: string,
): LeaderLastCheck {
  const stops = events.filter((e) => e.msg === 'process_stopping');
  const leaders = stops.map((e) => leaderAt(e.at));
  const said = stops.map((e, i) => `${e.host} (${role} then: ${leaders[i] ?? '?'})`).join(', ');
  const problems: string[] = [];
  const order = stops.map((e) => e.host);
  if (order.join(',') !== stepHosts.join(','))
    problems.push(`stops in the order ${order.join(', ')}, the rollout's steps ${stepHosts.join(', ')}`);
  stops.forEach((e, i) => {
    if (leaders[i] === undefined) problems.push(`no record of the ${role} before ${e.host} was stopped`);
    else if (i < stops.length - 1 && leaders[i] === e.host)
      problems.push(`${e.host} was stopped while it was the ${role}, before the last step`);
  });
  return { said, problems };
}
