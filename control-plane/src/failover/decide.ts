import type { ProcessState } from '@hactl/shared';

/**
 * The Storm nimbus failover's decisions (architecture §5), pure: data and time in, an action with
 * its reason out. The engine (engine.ts) gathers the data, acts, and records every step.
 *
 * A failover runs `fence → promote → repoint → done`:
 * - fence: the store's fencing epoch is bumped and the active nimbus fact moved to the target in one
 *   re-plan; every nimbus's desired state carries the new fence, so the old nimbus is planned
 *   stopped (its agent stops it when its host answers), and the target's agent records the epoch
 *   in ZooKeeper before it starts nimbus (agent/src/services/storm/fence.ts).
 * - promote: wait until the target's nimbus holds the leader latch and answers on its Thrift port.
 * - repoint: the supervisors and the UI, whose `nimbus.seeds` changed with the fact, restart one at a
 *   time through a rollout (the restart-lease gates); their workers keep running.
 */
export type FailoverStep = 'fence' | 'promote' | 'repoint' | 'done';

/** A nimbus as the control plane last saw it. */
export interface NimbusSeen {
  /** Host name. */
  host: string;
  address: string;
  /** When its agent last reported this instance (ms since epoch); undefined: never. */
  reportedAt?: number | undefined;
  process?: ProcessState | undefined;
  /** Its process id as last reported (0 or undefined: none runs). */
  pid?: number | undefined;
  /** The last probe, with when it was taken (ms since epoch). */
  probe?: { at: number; listening: boolean; isLeader: boolean; error?: string | undefined } | undefined;
}

/** Another Storm host's word on the active nimbus: whether its Thrift port accepted a connection. */
export interface Witness {
  host: string;
  /** When that host's probe ran (ms since epoch). */
  at: number;
  reachable: boolean;
}

/**
 * How long after a nimbus (re)starts its silence is not yet evidence, ms, unless it has been seen
 * listening (`NimbusStart.served`). A starting nimbus has not opened its Thrift port yet (JVM
 * start, ZooKeeper connection, blob store, then the Thrift server), and on a loaded host its agent
 * may miss a report while it starts the process: the two symptoms of a lost nimbus, both expected.
 * That is what raised `failover.suspect` during a cluster's first start under load. 20 s bounds a
 * start on a loaded host; it was chosen, not measured, and errs long because it cannot delay a
 * failover of a nimbus that serves: the grace ends the moment its own probe finds it listening,
 * and does not apply to a crash (the agent's own word). It delays only the failover from a host
 * that goes silent before its new nimbus ever answered, by at most 20 s less the time since the
 * start (then `detectAfterMs` applies as always).
 */
export const NIMBUS_START_GRACE_MS = 20_000;

/** The active nimbus's current run as the engine noted it (`noteNimbusStart`). */
export interface NimbusStart {
  /** Its host and pid: a new pair is a new run. */
  key: string;
  /** The report that first showed this run (ms since epoch). */
  at: number;
  /** A report since then carried a probe that found its Thrift port listening. */
  served: boolean;
}

/**
 * The active nimbus's run after this report: a new one when its host or pid changed (a first
 * start, a restart, a failover's promotion), else the same with `served` once a probe listened.
 * Undefined before its first report. Pure.
 */
export function noteNimbusStart(prev: NimbusStart | undefined, active: NimbusSeen): NimbusStart | undefined {
  if (active.reportedAt === undefined) return undefined;
  const key = `${active.host}/${active.pid ?? 0}`;
  const run = prev?.key === key ? prev : { key, at: active.reportedAt, served: false };
  const listening = active.probe?.listening === true && active.reportedAt >= run.at;
  return listening && !run.served ? { ...run, served: true } : run;
}

export interface DetectInput {
  active: NimbusSeen;
  /** Its current run (`noteNimbusStart`); undefined: not known, no grace. */
  start?: NimbusStart | undefined;
  /** How long a run that has not served yet may be silent unsuspected, ms (NIMBUS_START_GRACE_MS). */
  startGraceMs?: number;
  witnesses: readonly Witness[];
  /** How long the active nimbus must be lost before it is declared lost, ms. */
  detectAfterMs: number;
  /** An agent that has not reported for this long is silent, ms. */
  silentAfterMs: number;
  /**
   * A witness report older than this is ignored, ms. Longer than `silentAfterMs`: a witness probing
   * an unreachable host waits out its probe timeout (no answer to its SYN) before it reports.
   */
  witnessFreshMs: number;
  now: number;
  /** When an earlier pass first found the nimbus lost; undefined when the last pass did not. */
  lostSince?: number | undefined;
}

/** `serving`: nothing wrong; `suspect`: lost, not for long enough yet (`since`); `lost`: fail over. */
export interface Detection {
  state: 'serving' | 'suspect' | 'lost';
  since?: number;
  reason: string;
}

/**
 * Is the active nimbus lost? Both must hold (architecture §5 Detect):
 * 1. its process is down (the agent reports it crashed: its restart policy did not bring it back),
 *    or its host's agent is silent; and
 * 2. every Storm host that reported recently says the nimbus's Thrift port does not answer, and at
 *    least one did. A nimbus whose host is merely cut off from the control plane (or whose agent is
 *    frozen) still answers its peers, and is never lost.
 * `lost` once both held for `detectAfterMs` without a break.
 * Not while a run that has not served yet is within its start grace and the symptom is silence
 * (NIMBUS_START_GRACE_MS): that is a nimbus starting; the wait for `lost` begins after the grace.
 */
export function checkNimbusLost(i: DetectInput): Detection {
  const { active, now } = i;
  if (active.reportedAt === undefined)
    return { state: 'serving', reason: `nimbus on ${active.host} has not reported yet; nothing to judge` };
  const silentMs = now - active.reportedAt;
  const silent = silentMs > i.silentAfterMs;
  // `crashed`: the agent's restart policy has not brought it back. `stopped` and `starting` are the
  // agent's own doing (held for a dependency, a desired state being applied), not a loss.
  const down = !silent && active.process === 'crashed';
  if (!silent && !down)
    return { state: 'serving', reason: `nimbus on ${active.host} runs and its agent reports` };
  const fresh = i.witnesses.filter((w) => now - w.at <= i.witnessFreshMs);
  const symptom = silent
    ? `the agent on ${active.host} has been silent for ${Math.round(silentMs / 1000)} s`
    : `the agent on ${active.host} reports nimbus ${active.process}`;
  if (fresh.length === 0)
    return {
      state: 'serving',
      reason: `${symptom}, but no other Storm host reported on its Thrift port recently: no witness, no failover`,
    };
  const seeing = fresh.filter((w) => w.reachable);
  if (seeing.length)
    return {
      state: 'serving',
      reason: `${symptom}, but ${seeing.map((w) => w.host).join(', ')} still reach its Thrift port: it serves`,
    };
  const reason = `${symptom}, and its Thrift port answers none of ${fresh.map((w) => w.host).join(', ')}`;
  const started = i.start && !i.start.served ? now - i.start.at : undefined;
  const grace = i.startGraceMs ?? 0;
  if (silent && started !== undefined && started < grace)
    return {
      state: 'serving',
      reason: `${reason}, but nimbus on ${active.host} started ${Math.round(started / 1000)} s ago and has not served yet: it has ${Math.round(grace / 1000)} s to open its port before it is suspect`,
    };
  const since = i.lostSince ?? now;
  const lostFor = now - since;
  return lostFor >= i.detectAfterMs
    ? { state: 'lost', since, reason: `${reason} (for ${Math.round(lostFor / 100) / 10} s)` }
    : {
        state: 'suspect',
        since,
        reason: `${reason}; failing over once that has lasted ${i.detectAfterMs / 1000} s`,
      };
}

/**
 * The standby to promote: `requested` when given, else the next host after the active one in
 * `nimbus.hosts` order (wrapping) whose agent reports. Returns why not when there is none, and
 * whether that is the request's fault (`invalid`: not a nimbus host) or the cluster's state now
 * (`state`: already active, its agent silent, no standby reporting).
 */
export function chooseTarget(
  hosts: readonly string[],
  active: string | undefined,
  reporting: ReadonlySet<string>,
  requested?: string,
): { host: string } | { problem: string; cause: 'invalid' | 'state' } {
  if (requested !== undefined) {
    if (!hosts.includes(requested))
      return {
        problem: `${requested} is not one of the nimbus hosts (${hosts.join(', ')})`,
        cause: 'invalid',
      };
    if (requested === active) return { problem: `${requested} is the active nimbus already`, cause: 'state' };
    if (!reporting.has(requested))
      return {
        problem: `the agent on ${requested} is not reporting; it cannot start nimbus now`,
        cause: 'state',
      };
    return { host: requested };
  }
  const start = active === undefined ? -1 : hosts.indexOf(active);
  for (let k = 1; k <= hosts.length; k++) {
    const h = hosts[(start + k + hosts.length) % hosts.length]!;
    if (h !== active && reporting.has(h)) return { host: h };
  }
  return {
    problem: `no standby nimbus host reports (${hosts.filter((h) => h !== active).join(', ') || 'none listed'})`,
    cause: 'state',
  };
}

export interface StepInput {
  step: FailoverStep;
  /** The epoch this failover introduces and the host it makes active. */
  epoch: number;
  to: NimbusSeen;
  /** The host the failover moves away from (undefined when none was active). */
  from: string | undefined;
  /** The cluster's stored facts now. */
  facts: { epoch: number; active: string | undefined };
  /** When the current step began (ms since epoch). */
  stepStartedAt: number;
  now: number;
  /** How long the target may take to lead, ms. */
  promoteTimeoutMs: number;
  /** repoint: the failover's rollout, once started. */
  rollout?: { id: string; state: string; reason: string } | undefined;
  /** repoint: the running supervisors and UI whose config changed and wait for a restart. */
  repointMembers: readonly string[];
}

export type StepAction =
  | { do: 'fence'; reason: string }
  | { do: 'advance'; to: FailoverStep; reason: string }
  | { do: 'start-rollout'; members: string[]; reason: string }
  | { do: 'wait'; reason: string }
  | { do: 'complete'; reason: string }
  | { do: 'fail'; reason: string };

/** What the failover does next, from where it is and what the cluster shows now. */
export function planFailoverStep(i: StepInput): StepAction {
  const { to } = i;
  switch (i.step) {
    case 'fence':
      // Idempotent across a control-plane crash: the facts may be stored already.
      return i.facts.epoch >= i.epoch && i.facts.active === to.host
        ? {
            do: 'advance',
            to: 'promote',
            reason: `fenced at epoch ${i.facts.epoch}; nimbus moves to ${to.host}`,
          }
        : {
            do: 'fence',
            reason: `fencing epoch ${i.facts.epoch} → ${i.epoch}; active nimbus ${i.from ?? 'none'} → ${to.host}`,
          };
    case 'promote': {
      const p = to.probe;
      const waited = i.now - i.stepStartedAt;
      if (p && p.at > i.stepStartedAt && p.listening && p.isLeader)
        return {
          do: 'advance',
          to: 'repoint',
          reason: `nimbus on ${to.host} leads and answers on Thrift, ${waited} ms after the fence`,
        };
      const seen =
        p && p.at > i.stepStartedAt
          ? p.error
            ? `probe: ${p.error}`
            : `${p.listening ? 'Thrift answers' : 'Thrift not answering'}, ${p.isLeader ? 'leader' : 'not the leader'}`
          : `process ${to.process ?? 'not reported'}, no probe since the fence`;
      if (waited > i.promoteTimeoutMs)
        return {
          do: 'fail',
          reason: `nimbus on ${to.host} did not lead within ${Math.round(i.promoteTimeoutMs / 1000)} s (${seen}); see the cluster's health for why`,
        };
      return { do: 'wait', reason: `waiting for nimbus on ${to.host} to lead (${seen})` };
    }
    case 'repoint': {
      const r = i.rollout;
      if (!r) {
        if (i.repointMembers.length === 0)
          return {
            do: 'complete',
            reason: 'nimbus.seeds re-rendered; no running supervisor or UI needed a restart',
          };
        return {
          do: 'start-rollout',
          members: [...i.repointMembers],
          reason: `restarting ${i.repointMembers.join(', ')} one at a time onto the new nimbus.seeds`,
        };
      }
      if (r.state === 'completed')
        return {
          do: 'complete',
          reason: `rollout ${r.id} restarted the supervisors and UI onto nimbus ${to.host}`,
        };
      if (r.state === 'aborted') return { do: 'fail', reason: `rollout ${r.id} was aborted: ${r.reason}` };
      return {
        do: 'wait',
        reason: `rollout ${r.id} ${r.state}${r.reason ? `: ${r.reason}` : ''}`,
      };
    }
    case 'done':
      return { do: 'complete', reason: 'done' };
  }
}
