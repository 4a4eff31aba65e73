import { isDeepStrictEqual } from 'node:util';
import type { HostDesiredState, InstanceObservation, Logger } from '@hactl/shared';
import type { ExecStart } from '@hactl/proto';
import type { Store } from '../store/store.js';
import type { ExitReport } from '../commands/state.js';
import { DesiredOutbox } from './outbox.js';
import type { DesiredPush } from './revisions.js';

/** A command for one instance, sent on its host's agent stream. */
export interface AgentCommand {
  id: string;
  instanceId: string;
  action: string;
  args: string[];
}

export interface AgentCommandResult {
  id: string;
  ok: boolean;
  output: string;
  error: string;
}

/** A streaming-command message for an agent (proto ControlMessage exec_start / exec_credit / exec_cancel). */
export type ExecDown =
  | { execStart: ExecStart }
  | { execCredit: { id: string; bytes: number } }
  | { execCancel: { id: string; reason: string } };

/** A streaming-command message from an agent, checked by the gRPC layer. */
export type ExecUp =
  | { execOutput: { id: string; seq: number; stream: 'stdout' | 'stderr'; data: Buffer } }
  | { execExit: ExitReport & { id: string; durationMs: number } };

/** What the gRPC layer registers for a connected agent. */
export interface AgentSession {
  /**
   * Pushes a full desired state on the agent's stream. `stateJson` is exactly the stored
   * `host_desired.state_json` (a HostDesiredState), so the transport converts stored bytes and the
   * control plane never parses and re-stringifies a desired state to send it. `state` is the
   * object `stateJson` was made from, when the control plane has just planned it (a transport may
   * encode it instead of parsing `stateJson`).
   */
  sendDesired(generation: number, stateJson: string, state?: HostDesiredState): void;
  sendCommand(cmd: AgentCommand): void;
  /** Sends a streaming-command message (commands/service.ts); absent: the session cannot run them. */
  sendExec?(msg: ExecDown): void;
  close(reason: string): void;
  /** Where the stream comes from (`ipv4:10.0.0.21:51234`), for messages about it. */
  peer?: string;
}

/** `T` with each of its fields required, optional ones as possibly undefined: a literal names all. */
type EveryField<T> = { [K in keyof Required<T>]: T[K] };

export interface StatusUpdate {
  appliedGeneration: number;
  applyError: string;
  /**
   * `probeAt` is in the agent's clock, which the control plane does not trust (issue 16 #8: a probe
   * stamped in the future kept a cluster healthy forever). Only its age at `sentAt` (the agent's
   * clock when it sent the report) is used.
   */
  instances: Omit<InstanceObservation, 'hostId' | 'reportedAt'>[];
  /** The agent's clock when it sent the report; absent: the report was made now (in-process callers). */
  sentAt?: number;
}

/** What the control plane knows of a host's agent between store flushes. */
export interface Liveness {
  connected: boolean;
  /** ms since epoch, control-plane clock. */
  lastSeen: number;
  applied: number;
  applyError: string;
  dirty: boolean;
}

/**
 * Whether a host's liveness says its agent has applied generation `planned` of its desired state
 * (or a later one): the one test of "this host is not lagging" (status roll-ups, a rollout's
 * resume). False for a host never heard from. Pure.
 */
export function appliedUpTo(live: Pick<Liveness, 'applied'> | undefined, planned: number): boolean {
  return live !== undefined && live.applied >= planned;
}

/**
 * The live half of the fleet, kept in memory: each host's agent stream, its liveness (flushed to
 * the store in batches), the instances' last observations and read-only questions in flight.
 * Knows nothing of specs or plans; the Fleet tells it which instances a host should run.
 */
export class AgentSessions {
  private readonly sessions = new Map<string, AgentSession>();
  /** When each live session said hello (ms, control-plane clock). */
  private readonly since = new Map<string, number>();
  private readonly liveness = new Map<string, Liveness>();
  private readonly observations = new Map<string, InstanceObservation>();
  /** Host id → the instance ids it has observations of (a report touches only its own host's). */
  private readonly observedOn = new Map<string, Set<string>>();
  private readonly queries = new Map<string, { hostId: string; resolve: (r: AgentCommandResult) => void }>();
  /** Per connected host: what its agent answers beyond the base protocol (`attach`). */
  private readonly capabilities = new Map<string, ReadonlySet<string>>();
  private querySeq = 0;
  /**
   * Counts every change to sessions, liveness and observations that a status view can show
   * (status views cache on it), except a report that only renews what the host's last report said
   * (`isRenewal`): such a report moves probe and last-seen times and nothing a rollup judges.
   */
  version = 0;
  /**
   * The `version` at which each host's session, liveness or reported observations last changed
   * (what moved `version` on its account); `changedSince` reads it, so a status view can keep the
   * roll-ups of clusters none of whose hosts changed.
   */
  private readonly hostChangedAt = new Map<string, number>();
  /** The `version` at which every host changed at once (closeAll). */
  private allChangedAt = 0;

  /**
   * Committed desired states on their way to the streams, a slice of hosts per event-loop turn
   * (outbox.ts). Every other message to a host goes through this class and flushes the host's
   * pending state first, so an agent never hears of a step before the desired state it is for.
   */
  private readonly outbox: DesiredOutbox;

  /**
   * `staleAfterMs`: how old (ms) a probe or a host's last report may be and still count, the
   * threshold the status rollups judge with (Fleet: three report intervals and a second).
   * `pushSliceHosts`: hosts whose desired states are written per event-loop turn (outbox.ts
   * PUSH_SLICE_HOSTS by default).
   */
  constructor(
    private readonly o: {
      store: Store;
      logger: Logger;
      now: () => number;
      staleAfterMs: number;
      pushSliceHosts?: number;
    },
  ) {
    this.outbox = new DesiredOutbox({
      send: (c) => this.sessions.get(c.hostId)?.sendDesired(c.generation, c.json, c.state),
      onError: (err, c) =>
        c
          ? o.logger.error(
              { host: c.hostId, generation: c.generation, err: String(err) },
              'sending a desired state failed',
            )
          : o.logger.error({ err: String(err) }, 'work waiting for a desired-state push failed'),
      defer: (fn) => setImmediate(fn),
      ...(o.pushSliceHosts === undefined ? {} : { sliceHosts: o.pushSliceHosts }),
    });
    for (const h of o.store.listHosts()) {
      this.liveness.set(h.id, {
        connected: false,
        lastSeen: h.last_seen_at ?? 0,
        applied: h.applied_generation,
        applyError: '',
        dirty: false,
      });
    }
  }

  /** The host's live session, if any. */
  session(hostId: string): AgentSession | undefined {
    return this.sessions.get(hostId);
  }

  /** When the host's live session said hello (ms), if it has one. */
  sessionSince(hostId: string): number | undefined {
    return this.since.get(hostId);
  }

  /** Whether the host's live stream's agent said in its hello that it answers `capability`. */
  answers(hostId: string, capability: string): boolean {
    return this.capabilities.get(hostId)?.has(capability) ?? false;
  }

  isConnected(hostId: string): boolean {
    return this.sessions.has(hostId);
  }

  livenessOf(hostId: string): Readonly<Liveness> | undefined {
    return this.liveness.get(hostId);
  }

  /**
   * Registers `session` as the host's live stream, with what its agent said in its hello it
   * answers beyond the base protocol (AgentHello.capabilities). The caller answers a new session
   * with the host's stored desired state, the newest, so a pending one is dropped rather than
   * sent again.
   */
  attach(hostId: string, session: AgentSession, capabilities: readonly string[] = []): void {
    this.hostChangedAt.set(hostId, ++this.version);
    this.outbox.drop(hostId);
    const now = this.o.now();
    this.sessions.set(hostId, session);
    this.capabilities.set(hostId, new Set(capabilities));
    this.since.set(hostId, now);
    const live = this.liveness.get(hostId) ?? {
      connected: true,
      lastSeen: now,
      applied: 0,
      applyError: '',
      dirty: true,
    };
    live.connected = true;
    live.lastSeen = now;
    live.dirty = true;
    this.liveness.set(hostId, live);
  }

  /** Ends `session`'s registration; false when it is not the host's live session (nothing changes). */
  detach(hostId: string, session: AgentSession): boolean {
    if (this.sessions.get(hostId) !== session) return false;
    this.hostChangedAt.set(hostId, ++this.version);
    this.outbox.drop(hostId);
    this.sessions.delete(hostId);
    this.since.delete(hostId);
    this.capabilities.delete(hostId);
    const live = this.liveness.get(hostId);
    if (live) {
      live.connected = false;
      live.dirty = true;
    }
    this.endQueries(hostId, `the agent on ${hostId} disconnected before it answered`);
    return true;
  }

  /**
   * Answers the pending queries of `hostId` (every host's when undefined) with ok false and `why`:
   * their stream ended, so no answer comes on it, and a caller (a lease decision waiting for fresh
   * peer views, `hactl logs`) need not wait out its timeout.
   */
  private endQueries(hostId: string | undefined, why: string): void {
    for (const [id, q] of this.queries)
      if (hostId === undefined || q.hostId === hostId) {
        this.queries.delete(id);
        q.resolve({ id, ok: false, output: '', error: why });
      }
  }

  /** Ends a deleted host's stream (with `reason`) and forgets its liveness. */
  forget(hostId: string, reason: string): void {
    this.hostChangedAt.set(hostId, ++this.version);
    this.outbox.drop(hostId);
    this.sessions.get(hostId)?.close(reason);
    this.sessions.delete(hostId);
    this.since.delete(hostId);
    this.capabilities.delete(hostId);
    this.liveness.delete(hostId);
    this.endQueries(hostId, `host ${hostId} was deleted before its agent answered`);
  }

  /**
   * Records a report. Forgets a host's observations of instances it no longer runs (`known` =
   * instance id → kind). True when the report changed what a roll-up judges (anything but a
   * renewal of the last one, `isRenewal`): a cluster's health can have moved.
   */
  record(hostId: string, update: StatusUpdate, known: ReadonlyMap<string, string>): boolean {
    const now = this.o.now();
    const live = this.liveness.get(hostId);
    // A status view can show this report unless it renews the last one in every part a rollup
    // judges: the same applied generation and error from a host that was not silent, and a renewal
    // for every instance (checked below).
    let changed =
      !live ||
      live.applied !== update.appliedGeneration ||
      live.applyError !== update.applyError ||
      now - live.lastSeen > this.o.staleAfterMs;
    if (live) {
      // At debug: a fleet-wide change moves every host's generation, and a line per host was
      // 10,000 lines (116 ms of pino) per change at 10,000 hosts; `hactl hosts` shows each host's
      // applied generation, and the push itself logs one line ("pushed desired states").
      if (live.applied !== update.appliedGeneration)
        this.o.logger.debug(
          { host: hostId, generation: update.appliedGeneration },
          'agent applied generation',
        );
      live.lastSeen = now;
      live.applied = update.appliedGeneration;
      live.applyError = update.applyError;
      live.dirty = true;
    }
    let observed = this.observedOn.get(hostId);
    if (!observed) this.observedOn.set(hostId, (observed = new Set()));
    for (const inst of update.instances) {
      if (!known.has(inst.id)) continue; // an instance being removed; nothing plans it any more
      // Field by field, in one order, on purpose: every roll-up reads these 10,000 times at 10,000
      // members. Spread from the report (`{...inst, hostId, ...}`) they kept four fields in the
      // object and the rest in a separate property array, and a report with or without `failure`
      // gave another V8 map; a fresh roll-up of fleet-push's 10,000-member Storm cluster took 1.8-
      // 2.4x as long as with this literal (two module graphs in one process, 30 interleaved rounds).
      // Every field is named (EveryField), so one added to InstanceObservation is not dropped here.
      const next: EveryField<InstanceObservation> = {
        id: inst.id,
        hostId,
        process: inst.process,
        pid: inst.pid,
        restarts: inst.restarts,
        detail: inst.detail,
        restartPending: inst.restartPending,
        probeAt: receivedProbeAt(inst.probeAt, update.sentAt, now),
        probe: inst.probe,
        reportedAt: now,
        logFiles: inst.logFiles,
        failure: inst.failure,
      };
      if (!changed && !isRenewal(this.observations.get(inst.id), next, now, this.o.staleAfterMs))
        changed = true;
      this.observations.set(inst.id, next);
      observed.add(inst.id);
    }
    for (const id of observed) {
      if (known.has(id)) continue;
      changed = true;
      observed.delete(id);
      if (this.observations.get(id)?.hostId === hostId) this.observations.delete(id);
    }
    if (changed) this.hostChangedAt.set(hostId, ++this.version);
    return changed;
  }

  /** What the host's agent last said about an instance, as reported (stale or not). */
  observation(instanceId: string): InstanceObservation | undefined {
    return this.observations.get(instanceId);
  }

  /**
   * The observations health is judged on: what agents reported, except that an instance whose
   * host's agent is not connected has no current probe (its last report stays visible in `detail`).
   * Nobody vouches for such a member now, whatever its last probe said (issue 16 #8).
   */
  current(instanceId: string): InstanceObservation | undefined {
    const o = this.observations.get(instanceId);
    if (!o || this.sessions.has(o.hostId)) return o;
    const last = o.probeAt > 0 ? `; its last probe was at ${new Date(o.probeAt).toISOString()}` : '';
    // A spread copy, unlike record's literal: built as that literal, roll-ups of 10,000 members
    // of disconnected hosts were no faster (1.04, 1.00 and 1.61x this copy's time in one process,
    // three runs; 2026-12-05).
    return {
      ...o,
      probe: undefined,
      probeAt: 0,
      detail: [o.detail, `agent disconnected${last}`].filter(Boolean).join('; '),
    };
  }

  /**
   * The first ms after `now` at which something a status view judges fresh at `now` turns stale:
   * an observation's probe, or a host's last report, each no older than `staleAfterMs` (the
   * threshold the rollups judge probes and silent hosts with). Infinity when nothing is fresh. A
   * renewal (`isRenewal`) only moves this later, so a view built at `now` judges freshness exactly
   * as a new one would until then (Fleet.status). O(observations + hosts).
   */
  freshUntil(now: number): number {
    const stale = this.o.staleAfterMs;
    let until = Infinity;
    for (const o of this.observations.values())
      if (o.probeAt > 0 && now - o.probeAt <= stale) until = Math.min(until, o.probeAt + stale + 1);
    for (const l of this.liveness.values())
      if (now - l.lastSeen <= stale) until = Math.min(until, l.lastSeen + stale + 1);
    return until;
  }

  /**
   * Whether every probe and host report a status view judged fresh at `at` is still fresh at
   * `now` (ms, `at` <= `now`): then the view's verdicts on the hosts whose reports since `at` were
   * all renewals (`changedSince` false) are the ones a new view would give at `now` (Fleet.status
   * takes them over rather than rolling those clusters up again). A renewal never turns a stale
   * probe fresh and never makes one older, so on such hosts "fresh at `at`" is read off the
   * current times; on the others it may answer false for a change that is judged anew anyway,
   * which only costs a roll-up. O(observations + hosts), like `freshUntil`.
   */
  judgedAlike(at: number, now: number): boolean {
    const stale = this.o.staleAfterMs;
    const turned = (t: number) => at - t <= stale && now - t > stale;
    for (const o of this.observations.values()) if (o.probeAt > 0 && turned(o.probeAt)) return false;
    for (const l of this.liveness.values()) if (turned(l.lastSeen)) return false;
    return true;
  }

  /**
   * Whether anything a status view reads of `hostIds` (their sessions, liveness and reported
   * observations) changed after `version` was reached, renewals aside. O(hosts).
   */
  changedSince(hostIds: Iterable<string>, version: number): boolean {
    if (this.allChangedAt > version) return true;
    for (const h of hostIds) if ((this.hostChangedAt.get(h) ?? 0) > version) return true;
    return false;
  }

  /** `current` for each of `ids` that has an observation. */
  currentOf(ids: Iterable<string>): Map<string, InstanceObservation> {
    const out = new Map<string, InstanceObservation>();
    for (const id of ids) {
      const o = this.current(id);
      if (o) out.set(id, o);
    }
    return out;
  }

  /**
   * Writes changed liveness to the store in one transaction, at most `maxRows` hosts of it (all by
   * default; at shutdown). Returns how many hosts it wrote; the rest stay dirty for the next call,
   * and so do these when the write throws.
   */
  flushLiveness(maxRows = Infinity): number {
    const rows: { id: string; last_seen_at: number; applied_generation: number }[] = [];
    const written: Liveness[] = [];
    for (const [id, l] of this.liveness) {
      if (rows.length >= maxRows) break;
      if (!l.dirty) continue;
      rows.push({ id, last_seen_at: l.lastSeen, applied_generation: l.applied });
      written.push(l);
    }
    if (rows.length) this.o.store.recordLiveness(rows);
    for (const l of written) l.dirty = false;
    return rows.length;
  }

  closeAll(reason: string): void {
    this.allChangedAt = ++this.version;
    this.outbox.clear();
    for (const s of this.sessions.values()) s.close(reason);
    this.sessions.clear();
    this.since.clear();
    this.capabilities.clear();
    this.endQueries(undefined, `every agent stream was closed: ${reason}`);
  }

  /**
   * Queues committed desired states for their hosts' streams (hosts without a live stream are
   * skipped): the first slice is written now, the rest a slice per event-loop turn. Returns how
   * many hosts were queued.
   */
  pushDesired(changes: readonly DesiredPush[]): number {
    const live = changes.filter((c) => this.sessions.has(c.hostId));
    this.outbox.enqueue(live);
    return live.length;
  }

  /**
   * Runs `fn` once every queued desired state has been written to its stream, or `cleared` when the
   * queue is dropped first (outbox.ts whenSent).
   */
  afterDesiredSent(fn: () => void, cleared?: () => void): void {
    this.outbox.whenSent(fn, cleared);
  }

  /** Sends a command on the host's stream, after its pending desired state; false when not connected. */
  sendCommand(hostId: string, cmd: AgentCommand): boolean {
    this.outbox.flush(hostId);
    const s = this.sessions.get(hostId);
    if (!s) return false;
    s.sendCommand(cmd);
    return true;
  }

  /** Sends a streaming-command message on the host's stream; false when the host is not connected. */
  sendExec(hostId: string, msg: ExecDown): boolean {
    this.outbox.flush(hostId);
    const s = this.sessions.get(hostId);
    if (!s?.sendExec) return false;
    s.sendExec(msg);
    return true;
  }

  /** Hands a command result to the question waiting for it; false when none is (a rollout's result). */
  answerQuery(hostId: string, result: AgentCommandResult): boolean {
    const q = this.queries.get(result.id);
    if (!q || q.hostId !== hostId) return false;
    this.queries.delete(result.id);
    q.resolve(result);
    return true;
  }

  /**
   * Asks a connected agent a read-only question (a command whose answer changes nothing, such as
   * `check-distribution` or `logs`) and waits for its answer. Resolves with ok: false when the host
   * is not connected or does not answer within `timeoutMs`.
   */
  query(
    hostId: string,
    q: { instanceId: string; action: string; args: string[] },
    timeoutMs: number,
  ): Promise<AgentCommandResult> {
    const id = `q${++this.querySeq}.${this.o.now().toString(36)}`;
    this.outbox.flush(hostId);
    const session = this.sessions.get(hostId);
    if (!session)
      return Promise.resolve({ id, ok: false, output: '', error: `host ${hostId} is not connected` });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.queries.delete(id);
        resolve({
          id,
          ok: false,
          output: '',
          error: `no answer from the agent on ${hostId} within ${timeoutMs / 1000} s`,
        });
      }, timeoutMs);
      this.queries.set(id, {
        hostId,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
      session.sendCommand({ id, instanceId: q.instanceId, action: q.action, args: q.args });
    });
  }
}

/**
 * Whether observation `next` only renews `prev` at `now` (ms, control-plane clock): the same host,
 * process, pid, restarts, detail, restart-pending flag, log files, failure and probe result, and
 * either neither was ever probed or both probes are fresh at `now` (no older than `staleAfterMs`)
 * and `next`'s is not older than `prev`'s. A renewal changes no health judgement and no member
 * field but the probe and report times, and it keeps the probe fresh at least as long, so a status
 * view computed before it stays true (Fleet.status reuses one). A probe that turns a stale member
 * fresh again is not a renewal. Pure.
 */
export function isRenewal(
  prev: InstanceObservation | undefined,
  next: InstanceObservation,
  now: number,
  staleAfterMs: number,
): boolean {
  if (!prev) return false;
  const probed = prev.probeAt > 0;
  if (probed !== next.probeAt > 0) return false;
  if (probed && (now - prev.probeAt > staleAfterMs || next.probeAt < prev.probeAt)) return false;
  return (
    prev.hostId === next.hostId &&
    prev.process === next.process &&
    prev.pid === next.pid &&
    prev.restarts === next.restarts &&
    prev.detail === next.detail &&
    prev.restartPending === next.restartPending &&
    isDeepStrictEqual(prev.logFiles, next.logFiles) &&
    isDeepStrictEqual(prev.failure, next.failure) &&
    isDeepStrictEqual(prev.probe, next.probe)
  );
}

/**
 * When a reported probe was taken, in the control plane's clock: the receive time minus the
 * probe's age as the agent measured it (`sentAt - probeAt`, both in the agent's clock, so a skewed
 * agent clock cancels out). A probe "from the future" has age 0; 0 stays "never probed".
 */
export function receivedProbeAt(probeAt: number, sentAt: number | undefined, receivedAt: number): number {
  if (probeAt <= 0) return 0;
  const age = Math.max(0, (sentAt ?? receivedAt) - probeAt);
  return receivedAt - age;
}
