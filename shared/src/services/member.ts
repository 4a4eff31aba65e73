import type { InstanceObservation, InstancePlan, MemberStatus } from '../domain.js';
import type { HealthInput } from './types.js';

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

/**
 * Whether a parsed probe says the service answered at all (every kind's probe has `ok`: false when
 * it could not connect or the reply was garbage), serving or not: a new ZooKeeper member that waits
 * for a quorum answers `srvr` but does not serve. Pure.
 */
export function probeAnswered(probe: unknown): boolean {
  return typeof probe === 'object' && probe !== null && (probe as { ok?: unknown }).ok === true;
}

/** Whether a parsed probe says the service answers and serves (`serving` absent counts as serving). Pure. */
export function probeServes(probe: unknown): boolean {
  return probeAnswered(probe) && (probe as { serving?: unknown }).serving !== false;
}

/** What a kind's rollup says of one member; memberStatus adds what every kind says the same way. */
export interface MemberFields {
  id: number | string;
  address: string;
  port: number;
  mode: string;
  leading: boolean;
  /** Rolling-restart order, lower first. Default: 2 when leading (it goes last), else 0. */
  restartRank?: number;
  detail: string;
  /** The host name to show, when the kind names it otherwise (Storm: its inputs); default the host's name. */
  host?: string;
}

/**
 * A member status in one fixed shape: who and where it runs and its process (from its plan and its
 * agent's last report), then the kind's fields (MemberFields), then its probe values (`extra`,
 * e.g. `syncedFollowers`; undefined values left out), then the agent's log files and last
 * unexpected exit when it reported them, the order the REST views have always shown.
 * Built field by field on purpose: the object spreads this replaced
 * (`{...memberBase(), ...leadership(), ...extra}`) left V8 with dictionary-mode objects, and
 * rolling up 10,000 Storm supervisors allocated about 3 KB per member and took 100-170 ms, 5-7×
 * this (a microbenchmark of checkStormHealth; GET /v1/clusters at 10,000 hosts in
 * bench/dist/fleet-push.js). Pure.
 */
export function memberStatus(
  plan: Pick<InstancePlan, 'id' | 'hostId' | 'role'>,
  obs: InstanceObservation | undefined,
  hostNames: ReadonlyMap<string, string>,
  f: MemberFields,
  extra?: Readonly<Record<string, unknown>>,
): MemberStatus {
  const status: MemberStatus = {
    instance: plan.id,
    host: f.host ?? hostNames.get(plan.hostId) ?? plan.hostId,
    role: plan.role,
    process: obs?.process ?? 'unknown',
    lastProbe: lastProbeOf(obs),
    pid: obs?.pid ?? 0,
    restarts: obs?.restarts ?? 0,
    id: f.id,
    address: f.address,
    port: f.port,
    mode: f.mode,
    leading: f.leading,
    restartRank: f.restartRank ?? (f.leading ? 2 : 0),
    detail: f.detail,
  };
  if (extra) for (const [k, v] of Object.entries(extra)) if (v !== undefined) status[k] = v;
  // Where the member logs and how it last exited unexpectedly, as its agent reported them: set
  // here, from the observation at hand, so the member's whole shape is built in this one place
  // (the kinds' rollups once left them to a second pass in the control plane that looked every
  // member's observation up again).
  if (obs?.logFiles?.length) status.logs = obs.logFiles;
  if (obs?.failure) status.failure = obs.failure;
  return status;
}

/**
 * Whether a member counts as ready: its process runs and its probe answered (its mode is known).
 * `GET /v1/clusters`' `ready`, the `hactl_member_up` metric and the cluster hint's "back up after
 * an exit" all read it. Pure.
 */
export function memberIsReady(m: Pick<MemberStatus, 'process' | 'mode'>): boolean {
  return m.process === 'running' && m.mode !== 'unknown';
}

/**
 * When the member was last probed, as MemberStatus.lastProbe shows it: the ISO time of the
 * observation's probe, null when it was never probed (or has no current probe: a disconnected
 * agent's, AgentSessions.current). Pure (the texts it keeps are a memo).
 */
export function lastProbeOf(obs: Pick<InstanceObservation, 'probeAt'> | undefined): string | null {
  if (!obs || !(obs.probeAt > 0)) return null;
  let text = probeTimes.get(obs.probeAt);
  if (text === undefined) {
    if (probeTimes.size >= MAX_PROBE_TIMES) probeTimes.clear();
    text = new Date(obs.probeAt).toISOString();
    probeTimes.set(obs.probeAt, text);
  }
  return text;
}

/**
 * Probe times (ms) as lastProbeOf formatted them. A status view of 10,000 members made again after
 * a few reports formatted each member's time again, about 8 ms of the 35 ms it took (CPU profile
 * of 35 such views in-process); a report's time is formatted once here instead. Kept by the time,
 * not on the observation: a symbol property added to 10,000 observations made the same views take
 * 63 ms, not 35 (V8 gave each observation a new shape, and every roll-up reads them). Cleared when
 * full: a fleet reporting every 5 s has at most 5,000 distinct milliseconds in an interval.
 */
const probeTimes = new Map<number, string>();
const MAX_PROBE_TIMES = 50_000;

/**
 * A member's last report as a health rollup may judge it: the observation (process, agent detail,
 * restart pending) always, the probe only while fresh (probeIsFresh). `P` is the kind's parsed
 * probe type; the control plane stored what the kind's parseProbe accepted. Pure.
 */
export function observe<P>(
  input: Pick<HealthInput<unknown>, 'observations' | 'now' | 'staleAfterMs'>,
  plan: Pick<InstancePlan, 'id'>,
): { obs: InstanceObservation | undefined; fresh: boolean; probe: P | undefined } {
  const obs = input.observations.get(plan.id);
  const fresh = probeIsFresh(obs, input.now, input.staleAfterMs);
  return { obs, fresh, probe: fresh ? (obs?.probe as P | undefined) : undefined };
}

/**
 * A member's detail line, the same in every kind: the agent's own detail (e.g. a failed start),
 * then `no recent probe` when there is no fresh probe to judge, else the kind's `finding` about
 * the probe (if any), then `restart pending` when the agent holds a restart. Joined with `; `.
 */
export function memberDetail(
  obs: InstanceObservation | undefined,
  fresh: boolean,
  finding: string | undefined,
): string {
  const parts: string[] = [];
  if (obs?.detail) parts.push(obs.detail);
  if (!fresh) parts.push('no recent probe');
  else if (finding) parts.push(finding);
  if (obs?.restartPending) parts.push('restart pending');
  return parts.join('; ');
}

/**
 * Why a cluster's health is still `pending`, or undefined once it can be judged: while no member
 * answers (`answering` is 0), not every member has reported, and either some hosts have not
 * applied the desired state that holds this cluster's revision or no member reported at all.
 * Before that, "down" would only mean "not started yet".
 */
export function pendingReason(
  input: Pick<HealthInput<unknown>, 'plans' | 'observations' | 'lagging'>,
  answering: number,
): string | undefined {
  const n = input.plans.length;
  const reported = input.plans.filter((p) => input.observations.get(p.id) !== undefined).length;
  const lagging = input.plans.filter((p) => input.lagging.has(p.hostId)).length;
  if (answering > 0 || reported >= n || (lagging === 0 && reported > 0)) return undefined;
  return lagging > 0
    ? `${lagging}/${n} hosts have not applied the latest desired state`
    : 'waiting for the first probe reports';
}

/** `<list>[i]` for the first item of a spec's member list that `match`es (a kind's memberPath), or undefined. */
export function indexPath<T>(
  list: string,
  items: readonly T[],
  match: (item: T) => boolean,
): string | undefined {
  const i = items.findIndex(match);
  return i < 0 ? undefined : `${list}[${i}]`;
}
