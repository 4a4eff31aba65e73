import { capList, memberIsReady, type InstanceObservation, type MemberStatus } from '@hactl/shared';

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
  /** Members crashed, or starting or not yet probed again between the attempts of a crash loop. */
  crashed: readonly string[];
  /**
   * Members running again after an unexpected exit, not yet for long (the agent reports that exit
   * until a run has lasted its restart policy's resetAfterMs), and probed in a mode: up, so not
   * called crashed.
   */
  restarted: readonly string[];
}

export interface HintInput {
  cluster: string;
  revision: number;
  facts: HintFacts;
  /** The cluster's running or paused rollout, if any. */
  rollout: { id: string; state: string; reason: string } | undefined;
}

/** No member to name: what a cluster whose health could not be judged gives. */
export const NO_HINT_FACTS: HintFacts = { pending: [], blocked: [], crashed: [], restarted: [] };

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
  const restarted: string[] = [];
  for (const m of members) {
    const obs = observations.get(m.instance);
    if (!obs) continue;
    if (obs.restartPending) pending.push(m.host);
    if (obs.restartPending && obs.detail.includes('restart blocked')) blocked.push(m.host);
    // The agent reports an unexpected exit as the failure until a run has lasted; a stopped
    // member's failure is a start that failed before the process ran. Running again and ready
    // (memberIsReady): back up, not crashed; not yet probed, or starting: as good as crashed (a
    // crash loop runs for a moment between its attempts).
    if (obs.process === 'crashed') crashed.push(m.host);
    else if (obs.failure && (obs.process === 'starting' || obs.process === 'running'))
      (obs.process === 'running' && memberIsReady(m) ? restarted : crashed).push(m.host);
  }
  return { pending, blocked, crashed, restarted };
}

/**
 * What the operator can do about a cluster's state, as commands to run; undefined when nothing
 * needs them. Pure. Written for the states that otherwise linger without explanation:
 *
 * - a paused rollout (gate timeout, a failed step) waits for resume or abort;
 * - members left "restart pending" (after `--no-rollout`, an aborted rollout, or a rollback that
 *   left some members on an older config) stay so until a rollout restarts them: `rollout start
 *   --action apply` restarts exactly the members whose running config differs, under the gates;
 * - a crashed member's cause is in its own log; a member just back up after an unexpected exit
 *   (reported until a run has lasted its restart policy's resetAfterMs) is said to have been
 *   restarted, not to have crashed.
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
  const { pending, blocked, crashed, restarted } = input.facts;
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
  if (restarted.length)
    hints.push(
      `${nameSome(restarted)} exited unexpectedly and ${restarted.length === 1 ? 'was' : 'were'} restarted: ` +
        `DETAIL says how it exited, \`hactl logs ${cluster} ${restarted.length === 1 ? restarted[0] : 'HOST'}\` what ${restarted.length === 1 ? 'it' : 'each'} logged`,
    );
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
