import { capList, type InstanceObservation, type MemberStatus } from '@hactl/shared';

/**
 * The members a cluster's hint names, by host name, collected once per roll-up
 * (`collectHintFacts`): a status reader plans the hint again whenever a rollout changes, and at
 * 10,000 members reading every member's report for it took about a third as long as the rest of
 * a reused roll-up.
 */
export interface HintFacts {
  /** Members whose agent holds a restart (restart pending). */
  pending: readonly string[];
  /** Of those, the ones whose restart is blocked (their detail says why). */
  blocked: readonly string[];
  /** Members crashed, or up again after a crash and not yet for long. */
  crashed: readonly string[];
}

export interface HintInput {
  cluster: string;
  revision: number;
  facts: HintFacts;
  /** The cluster's running or paused rollout, if any. */
  rollout: { id: string; state: string; reason: string } | undefined;
}

/** No member to name: what a cluster whose health could not be judged gives. */
export const NO_HINT_FACTS: HintFacts = { pending: [], blocked: [], crashed: [] };

/**
 * The members a hint names, from the members' statuses and the agents' reports they were judged
 * on (instance id → observation). Pure.
 */
export function collectHintFacts(
  members: readonly MemberStatus[],
  observations: ReadonlyMap<string, InstanceObservation>,
): HintFacts {
  const pending: string[] = [];
  const blocked: string[] = [];
  const crashed: string[] = [];
  for (const m of members) {
    const obs = observations.get(m.instance);
    if (!obs) continue;
    if (obs.restartPending) pending.push(m.host);
    if (obs.restartPending && obs.detail.includes('restart blocked')) blocked.push(m.host);
    // Crashed, or up again after a crash and not yet for long (the agent still reports that exit as
    // its failure); a stopped member's failure is a start that failed before the process ran.
    const backFromCrash = obs.failure && (obs.process === 'starting' || obs.process === 'running');
    if (obs.process === 'crashed' || backFromCrash) crashed.push(m.host);
  }
  return { pending, blocked, crashed };
}

/**
 * What the operator can do about a cluster's state, as commands to run; undefined when nothing
 * needs them. Pure. Written for the states that otherwise linger without explanation:
 *
 * - a paused rollout (gate timeout, a failed step) waits for resume or abort;
 * - members left "restart pending" (after `--no-rollout`, an aborted rollout, or a rollback that
 *   left some members on an older config) stay so until a rollout restarts them: `rollout start
 *   --action apply` restarts exactly the members whose running config differs, under the gates;
 * - a crashed member's cause is in its own log, also while it is only just back up (the agent
 *   reports the exit as a failure until a run has lasted its restart policy's resetAfterMs).
 */
export function planClusterHint(input: HintInput): string | undefined {
  const { cluster, rollout } = input;
  if (rollout?.state === 'running') return undefined;
  const hints: string[] = [];
  if (rollout?.state === 'paused') {
    hints.push(
      `rollout ${rollout.id} is paused${rollout.reason ? ` (${rollout.reason})` : ''}: continue with \`hactl rollout resume ${rollout.id}\` or stop it with \`hactl rollout abort ${rollout.id}\``,
    );
  }
  const { pending, blocked, crashed } = input.facts;
  if (pending.length && !rollout) {
    hints.push(
      `${pending.length} member(s) run an older config than revision ${input.revision} (restart pending on ${nameSome(pending)}): ` +
        `restart them one at a time, under the gates, with \`hactl rollout start ${cluster} --action apply\`` +
        (blocked.length ? `; first fix what blocks the restart on ${nameSome(blocked)} (see DETAIL)` : ''),
    );
  }
  if (crashed.length > CRASHED_ONE_BY_ONE)
    hints.push(
      `${crashed.length} members crashed (${nameSome(crashed)}): each one's cause is in its log, \`hactl logs ${cluster} HOST\``,
    );
  else
    for (const host of crashed)
      hints.push(`${host} crashed: its cause is in its log, \`hactl logs ${cluster} ${host}\``);
  return hints.length ? hints.join('; ') : undefined;
}

/**
 * How many hosts a hint names before `… and N more` (capList): a settings change applied with
 * `--no-rollout` to a 10,000-member cluster named every host, a 70 KB hint in each
 * `GET /v1/clusters` answer and on the operator's terminal.
 */
const HINT_NAMES_MAX = 10;
/** Up to this many crashed members get a hint each, with the `hactl logs` command to run. */
const CRASHED_ONE_BY_ONE = 3;

function nameSome(hosts: readonly string[]): string {
  return capList(hosts, HINT_NAMES_MAX).join(', ');
}
