import {
  HactlError,
  clusterOfInstance,
  notFoundAmong,
  type ClusterSpecBase,
  type ClusterStatus,
  type FleetContext,
  type InstanceObservation,
  type InstancePlan,
  type Logger,
  type MemberStatus,
} from '@hactl/shared';
import type { EventRow, HostRow, Store } from '../store/store.js';
import type { HostDesiredState } from './plan-fleet.js';
import { awaitedClusters, readFleetSnapshot, type FleetSnapshot } from './snapshot.js';
import { withProcedures } from '../membership/stored.js';
import {
  AgentSessions,
  appliedUpTo,
  type AgentCommand,
  type AgentCommandResult,
  type AgentSession,
  type ExecDown,
  type ExecUp,
  type StatusUpdate,
} from './sessions.js';
import { StatusReader } from './status.js';
import type { ClusterSummary, ClusterView, EventView, HostView, RevisionSummary } from '../api/contract.js';
import {
  Revisions,
  type ClusterPreview,
  type DesiredPush,
  type RevisionDiff,
  type StageOptions,
  type StagedApply,
} from './revisions.js';

export type {
  AgentCommand,
  AgentCommandResult,
  AgentSession,
  ExecDown,
  ExecUp,
  StatusUpdate,
} from './sessions.js';
export { receivedProbeAt } from './sessions.js';
export type { ClusterSummary, ClusterView, HostView } from '../api/contract.js';
export type {
  ClusterPreview,
  PreviewInstance,
  StageOptions,
  StagedApply,
  DesiredPush,
  RevisionDiff,
} from './revisions.js';

export interface AgentHello {
  name: string;
  address: string;
  agentVersion: string;
  /**
   * What the agent answers beyond the base protocol (Hello.capabilities, e.g. shared PROBE_QUERY);
   * absent or empty: nothing more.
   */
  capabilities?: readonly string[];
  dataRoot: string;
  labels: Record<string, string>;
  facts: Record<string, unknown>;
}

export interface FleetOptions {
  store: Store;
  logger: Logger;
  now: () => number;
  /** How often agents report; a probe older than 3 intervals counts as missing. */
  reportIntervalMs: number;
  /** Random identifiers for generated facts (e.g. KRaft cluster ids): 22 base64url characters. */
  randomId: () => string;
  /** This control plane's identity, sent in every welcome (agents refuse another one's desired state). */
  controlPlaneId?: string;
  /** Short ids for membership procedures (rollout ids); `randomId` when absent. */
  newId?: () => string;
  /** Hosts whose desired states are written per event-loop turn (outbox.ts PUSH_SLICE_HOSTS by default). */
  pushSliceHosts?: number;
  /** Check every partial re-plan against a whole one (RevisionsOptions.checkReplan; tests). */
  checkReplan?: boolean;
}

/**
 * The control plane's model of the fleet, and the one door to it for the transports and engines:
 * revisions (revisions.ts) and the desired states that follow, the agents' sessions and what they
 * report (sessions.ts), and status views (status.ts), all over one FleetSnapshot (snapshot.ts)
 * that is read from the store once, replaced by one derived from it when a revision or desired
 * states are stored, and dropped when a host or fact changes otherwise. Desired state lives in the store (one transaction per change); liveness and probe
 * results live in memory and are flushed in batches.
 */
export class Fleet {
  private readonly store: Store;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly staleAfterMs: number;
  private readonly sessions: AgentSessions;
  private readonly revisions: Revisions;
  private snap: FleetSnapshot | undefined;
  /**
   * The clusters some unreleased cluster depends on (snapshot.ts `awaitedClusters`), from the last
   * snapshot built or derived: a report from one of their members may release a hold. Kept when
   * the snapshot is dropped (a hello drops it, and reports must not re-read the fleet): holds
   * change only with a revision or a fact, which derive or rebuild the snapshot, so until the next
   * one this is at most a superset (a released cluster's dependencies). Undefined, meaning
   * unknown, until the first snapshot and after a transaction rolled back (it may have derived
   * one from writes that are gone): then every changed report may release a hold.
   */
  private awaited: ReadonlySet<string> | undefined;
  /**
   * What each status report checks against, per host: its desired state's generation and the
   * kind of each of its instances. Reports arrive every few seconds from every agent, so this is
   * kept per host (one read of the stored row when missing), replaced when that host's desired
   * state is pushed and dropped when the host is deleted or a transaction rolls back; not kept
   * with the snapshot, which a burst of registrations drops again and again.
   */
  private readonly desiredOf = new Map<string, HostDesiredSummary>();
  readonly reportIntervalMs: number;
  readonly controlPlaneId: string;
  /**
   * A member of a cluster that an unreleased cluster depends on reported something new (not a
   * renewal): the dependency may be healthy now, and the hold released by a reconcile pass before
   * the periodic one (set by the replica's term, which runs that pass; replica/term.ts).
   */
  onAwaitedChange: () => void = () => {};
  /** Hooks for the rollout engine. */
  onCommandResult: (hostId: string, result: AgentCommandResult) => void = () => {};
  onAgentConnected: (hostId: string) => void = () => {};
  /** Streaming-command output and exits from agents (set by the core wiring: commands/service.ts). */
  onExecMessage: (hostId: string, msg: ExecUp) => void = () => {};
  /** A host's live stream ended (set by the core wiring: its streaming commands are lost). */
  onAgentDisconnected: (hostId: string) => void = () => {};
  /** The cluster's running or paused rollout, for hints and delete checks (set by the core wiring). */
  activeRollout: (
    cluster: string,
  ) => { id: string; state: string; reason: string; action?: string } | undefined = () => undefined;
  /** Every cluster's running or paused rollout, by cluster, read at once (set by the core wiring). */
  activeRollouts: () => ReadonlyMap<string, { id: string; state: string; reason: string }> = () => new Map();
  /** Changes whenever a rollout starts or changes state (set by the core wiring). */
  rolloutsVersion: () => number = () => 0;
  /** The last status reader and what it was computed from (see `status`). */
  private statusCache:
    | {
        reader: StatusReader;
        snap: FleetSnapshot;
        sessions: number;
        rollouts: number;
        at: number;
        /** The reader is not reused from this ms on (see `status`). */
        until: number;
      }
    | undefined;

  constructor(opts: FleetOptions) {
    this.store = opts.store;
    this.log = opts.logger;
    this.now = opts.now;
    this.reportIntervalMs = opts.reportIntervalMs;
    this.controlPlaneId = opts.controlPlaneId ?? '';
    this.staleAfterMs = opts.reportIntervalMs * 3 + 1000;
    this.sessions = new AgentSessions({
      store: opts.store,
      logger: opts.logger,
      now: opts.now,
      staleAfterMs: this.staleAfterMs,
      ...(opts.pushSliceHosts === undefined ? {} : { pushSliceHosts: opts.pushSliceHosts }),
    });
    this.revisions = new Revisions({
      store: opts.store,
      logger: opts.logger,
      now: opts.now,
      randomId: opts.randomId,
      snapshot: () => this.snapshot(),
      invalidate: () => this.invalidate(),
      replace: (snap) => this.keep(snap),
      status: () => this.status(),
      observation: (id) => this.sessions.observation(id),
      activeRollout: (c) => this.activeRollout(c),
      newId: opts.newId ?? opts.randomId,
      effective: (snap) => withProcedures(snap, this.store),
      ...(opts.checkReplan ? { checkReplan: true } : {}),
    });
  }

  // ---- snapshot ----------------------------------------------------------------------------

  /** The current snapshot, read from the store when the last one was dropped. */
  snapshot(): FleetSnapshot {
    // Clusters under a membership procedure are planned as its progress says (held and removed members).
    return this.snap ?? this.keep(withProcedures(readFleetSnapshot(this.store), this.store));
  }

  /** Makes `snap` the current snapshot and reads the clusters unreleased ones wait for from it. */
  private keep(snap: FleetSnapshot): FleetSnapshot {
    this.snap = snap;
    this.awaited = awaitedClusters(snap);
    return snap;
  }

  private invalidate(): void {
    this.snap = undefined;
  }

  /**
   * A status reader over the current snapshot: each cluster rolled up at most once per reader. The
   * reader is reused while nothing it reads has changed (the snapshot, every session, liveness and
   * observation, every rollout's state), so one apply that starts a rollout, and the rollout's
   * first step, roll a 5,000-member cluster up once instead of three times: when only a rollout
   * changed, the new reader takes the old one's roll-ups and plans only the hints again. Reports
   * that only renew the last one (sessions.ts `isRenewal`: same content, probes still fresh and
   * not older) do not count as a change, so a fleet reporting steadily does not roll a
   * 10,000-member cluster up for every REST read.
   *
   * Time moves judgements too: a probe or a host's last report turns stale `staleAfterMs` after it
   * was made. A reader is therefore reused only until the first such moment among what it judged
   * fresh (`AgentSessions.freshUntil`), so its health verdicts are exactly a new reader's. What
   * it may show older is the probe and last-seen times that renewals moved: at most one report
   * interval old (and never less than STATUS_REUSE_MIN_MS), the granularity those times move at.
   *
   * When nothing the reader judged fresh has turned stale (`AgentSessions.judgedAlike`), the
   * next reader takes over the roll-ups of the clusters whose hosts only renewed their reports
   * since, whose dependencies' health is unchanged and whose part of the snapshot is the one they
   * were judged on (a revision of another cluster, derived by withRevision, leaves it alone), with
   * the members' probe times read again (ReaderReuse `carry-over`), and rolls up only the
   * others. A fleet that reports steadily is then rolled up again cluster by cluster, when a
   * report or a revision changes something of that cluster, and all at once when a host falls
   * silent or the snapshot is read from the store again (a host registered).
   */
  status(): StatusReader {
    const snap = this.snapshot();
    const now = this.now();
    const c = this.statusCache;
    const sameSnapshot = c !== undefined && c.snap === snap && now >= c.at;
    const sameInputs = sameSnapshot && c.sessions === this.sessions.version && now < c.until;
    if (sameInputs && c.rollouts === this.rolloutsVersion()) return c.reader;
    // Every cluster's rollout is read once per reader, when its first hint asks: one store query,
    // not one per cluster. A rollout that starts or changes state makes a new reader (`rollouts`).
    let active: ReadonlyMap<string, { id: string; state: string; reason: string }> | undefined;
    const options = {
      snapshot: snap,
      sessions: this.sessions,
      staleAfterMs: this.staleAfterMs,
      activeRollout: (cl: string) => (active ??= this.activeRollouts()).get(cl),
      desiredCount: (hostId: string) => this.desiredSummary(hostId).kinds.size,
    };
    // Only a rollout changed (one was just stored, and its first step is being taken): the
    // clusters' health is judged on the same snapshot and observations as before, so the new
    // reader keeps the old one's time and roll-ups and plans only the hints again.
    const reader = sameInputs
      ? new StatusReader({ ...options, now: c.at }, { from: c.reader, kind: 'hints' })
      : c !== undefined && now >= c.at && this.sessions.judgedAlike(c.at, now)
        ? new StatusReader({ ...options, now }, { from: c.reader, kind: 'carry-over' })
        : new StatusReader({ ...options, now });
    this.statusCache = {
      reader,
      snap,
      sessions: this.sessions.version,
      rollouts: this.rolloutsVersion(),
      at: sameInputs ? c.at : now,
      until: sameInputs
        ? c.until
        : Math.min(now + Math.max(STATUS_REUSE_MIN_MS, this.reportIntervalMs), this.sessions.freshUntil(now)),
    };
    return reader;
  }

  /**
   * Runs `fn` in one store transaction (nested calls join it): all of its writes or none. A
   * snapshot read inside a transaction that rolls back saw writes that never happened, so it is
   * dropped.
   */
  transaction<T>(fn: () => T): T {
    try {
      return this.store.transaction(fn);
    } catch (err) {
      this.invalidate();
      this.desiredOf.clear();
      this.awaited = undefined;
      throw err;
    }
  }

  // ---- revisions ---------------------------------------------------------------------------

  fleetContext(): FleetContext {
    return this.snapshot().context;
  }

  currentSpecs(): ClusterSpecBase[] {
    return [...this.snapshot().clusters.values()].map((c) => c.spec);
  }

  /** Validates a spec for `name` against the fleet (schema, references, port and dir clashes). */
  checkSpec(name: string, raw: unknown): ClusterSpecBase {
    return this.revisions.check(name, raw);
  }

  /** What applying `raw` would change, without storing anything (revisions.ts `preview`). */
  previewApply(name: string, raw: unknown): ClusterPreview {
    return this.revisions.preview(name, raw);
  }

  /** Validates and stores a spec as a new revision, then pushes new desired states. */
  applyCluster(
    name: string,
    raw: unknown,
    meta: { author: string; message: string },
  ): { name: string; revision: number; changed: boolean; changedInstances: string[] } {
    const outcome = this.transaction(() => this.stageApply(name, raw, meta));
    this.pushChanges(outcome.pushes);
    if (outcome.changed)
      this.log.info({ cluster: name, revision: outcome.revision }, 'cluster revision accepted');
    return {
      name,
      revision: outcome.revision,
      changed: outcome.changed,
      changedInstances: outcome.restarts(),
    };
  }

  /**
   * The store half of applying a spec; must run inside the caller's transaction (`pushChanges`
   * sends the result after the commit).
   */
  stageApply(
    name: string,
    raw: unknown,
    meta: { author: string; message: string },
    opts: StageOptions = {},
  ): StagedApply {
    return this.revisions.stage(name, raw, meta, opts);
  }

  /**
   * Re-plans and pushes the fleet's desired states after a membership procedure moved on (a held
   * member's start step, a removed member's stop, a new phase): the procedure's progress is in the
   * store, so the snapshot is read again. Returns how many hosts got a new desired state.
   */
  refreshDesired(): number {
    const pushes = this.transaction(() => {
      this.invalidate();
      return this.revisions.recomputeDesired(this.now());
    });
    this.push(pushes);
    return pushes.length;
  }

  /**
   * Stores cluster facts, re-plans and pushes the new desired states, in one transaction (see
   * Revisions.stageFacts); returns the running members whose change needs a restart.
   */
  setClusterFacts(name: string, facts: Readonly<Record<string, string>>): string[] {
    const now = this.now();
    const r = this.transaction(() => this.revisions.stageFacts(name, facts, now));
    this.pushChanges(r.pushes);
    return r.changedInstances;
  }

  /** A cluster's stored facts ({} when none). */
  clusterFacts(name: string): Readonly<Record<string, string>> {
    return this.snapshot().context.clusterFacts?.get(name) ?? {};
  }

  /** Appends an event to the store's log. */
  recordEvent(e: {
    type: string;
    cluster: string | null;
    host: string | null;
    message: string;
    data?: unknown;
  }): void {
    this.store.appendEvent({
      at: this.now(),
      type: e.type,
      cluster: e.cluster,
      host: e.host,
      message: e.message,
      data_json: JSON.stringify(e.data ?? {}),
    });
  }

  /**
   * After a commit: sends each host its newest desired state. Several staged applies may have
   * moved one host more than once; only the last generation goes out.
   */
  pushChanges(changes: readonly DesiredPush[]): void {
    const last = new Map<string, DesiredPush>();
    for (const c of changes) if ((last.get(c.hostId)?.generation ?? -1) < c.generation) last.set(c.hostId, c);
    this.push([...last.values()]);
  }

  /**
   * Runs `fn` once the desired states pushed so far have been written to their streams: now when
   * none waits, else after the push's last slice (outbox.ts whenSent); `dropped` instead when the
   * queue is dropped first (the term ended, or the control plane stops). A throw from either is logged.
   */
  afterPush(fn: () => void, dropped?: () => void): void {
    this.sessions.afterDesiredSent(fn, dropped);
  }

  /** Throws when `name` cannot be deleted now (missing, depended on, or rolling). Changes nothing. */
  checkDeletable(name: string): void {
    this.revisions.checkDeletable(name);
  }

  deleteCluster(name: string, meta: { author: string }): void {
    this.push(this.transaction(() => this.revisions.stageDelete(name, meta)));
    this.log.info({ cluster: name }, 'cluster deleted');
  }

  /**
   * Releases the held clusters whose dependencies are healthy now (holds.ts), and only that: the
   * pass a dependency's changed report asks for (onAwaitedChange), which judges the unreleased
   * clusters' holds and re-plans only when one is released. Returns how many hosts got a new
   * desired state.
   */
  releaseHeld(): number {
    const now = this.now();
    const pushes = this.transaction(() => this.revisions.releaseHeld(now));
    this.push(pushes);
    return pushes.length;
  }

  /**
   * The control plane's periodic pass: learns facts from health (e.g. an Elasticsearch cluster
   * uuid) and releases held clusters whose dependencies became healthy; re-plans only when
   * something changed. Returns how many hosts got a new desired state.
   */
  reconcileTick(): number {
    const now = this.now();
    const pushes = this.transaction(() =>
      this.revisions.learn(now) ? this.revisions.recomputeDesired(now) : [],
    );
    this.push(pushes);
    return pushes.length;
  }

  diffRevisions(name: string, from: number, to: number): RevisionDiff {
    return this.revisions.diff(name, from, to);
  }

  getRevisionSpec(name: string, revision: number): unknown {
    return this.revisions.revisionSpec(name, revision);
  }

  listRevisions(name: string): RevisionSummary[] {
    const revs = this.store.listRevisions(name);
    const { clusters } = this.snapshot();
    if (!clusters.has(name) && revs.length === 0) throw notFoundAmong('cluster', name, clusters.keys());
    return revs.map((r) => ({
      revision: r.revision,
      author: r.author,
      message: r.message,
      createdAt: new Date(r.created_at).toISOString(),
    }));
  }

  listEvents(filter: { cluster?: string; limit: number }): EventView[] {
    return this.store.listEvents(filter).map(eventView);
  }

  /** The event stream's publish hook (Store.onEventsAppended). */
  onEventsAppended(listener: () => void): () => void {
    return this.store.onEventsAppended(listener);
  }

  /** Events after `afterId`, oldest first, as `GET /v1/events` shows them. */
  listEventsAfter(afterId: number, limit: number): EventView[] {
    return this.store.listEventsAfter(afterId, limit).map(eventView);
  }

  /** The newest event's id (0 when none). */
  lastEventId(): number {
    return this.store.lastEventId();
  }

  // ---- views -------------------------------------------------------------------------------

  listHosts(): HostView[] {
    return this.status().hosts();
  }

  clusterStatus(name: string): ClusterView {
    return this.status().cluster(name);
  }

  listClusters(): ClusterSummary[] {
    return this.status().list();
  }

  /** The current plans of one cluster (empty when it does not exist). */
  planCluster(name: string): readonly InstancePlan[] {
    return this.snapshot().clusters.get(name)?.plans ?? [];
  }

  /** Member statuses keyed by instance id, with the cluster's status and plans. */
  memberMap(name: string): {
    status: ClusterStatus;
    members: Map<string, MemberStatus>;
    plans: readonly InstancePlan[];
  } {
    return this.status().members(name);
  }

  /** How old (ms) a probe may be and still count (three report intervals and a second). */
  get probeStaleAfterMs(): number {
    return this.staleAfterMs;
  }

  /** What the instance's agent last reported (stale or not). */
  observation(instanceId: string): InstanceObservation | undefined {
    return this.sessions.observation(instanceId);
  }

  /**
   * Whether the host's agent last reported the desired state planned for it now as applied (its
   * files written, its packages in place), with no apply error: what a member's "no restart
   * pending" is measured against. False for a host never heard from.
   */
  hostApplied(hostId: string): boolean {
    const live = this.sessions.livenessOf(hostId);
    return appliedUpTo(live, this.snapshot().desired.get(hostId)?.generation ?? 0) && live!.applyError === '';
  }

  // ---- agents ------------------------------------------------------------------------------

  /**
   * Registers (or re-registers) an agent; returns its host id and current desired state (the
   * stored JSON, and the object it was planned as when this control plane still holds it). Throws
   * an `already_exists` HactlError, changing nothing, while another session of the same host name
   * is live: two agents started with one `--name` used to replace each
   * other's session in turn, each moving the host to its own address (issue 16 #8). A restarted
   * agent whose old stream the control plane has not seen close yet is accepted once keepalive
   * drops that stream (≤ 30 s).
   */
  connectAgent(
    hello: AgentHello,
    session: AgentSession,
  ): { hostId: string; generation: number; stateJson: string; state?: HostDesiredState } {
    const now = this.now();
    // One read of the host row serves the session check and the registration (both synchronous).
    const existing = this.store.getHostByName(hello.name);
    const key = existing?.id ?? hello.name;
    const live = this.sessions.session(key);
    if (live && live !== session) {
      const since = this.sessions.sessionSince(key);
      const from = [
        live.peer ? `from ${live.peer}` : '',
        since ? `since ${new Date(since).toISOString()}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      throw new HactlError(
        'already_exists',
        `host ${hello.name} already has a connected agent${from ? ` (${from})` : ''}; refusing a second session with the same --name. ` +
          'Two agents must not share a name; if that agent is gone, this one is accepted once the control plane drops its stream',
        { retriable: true },
      );
    }
    // Services bind and advertise their host's address, and ports are checked per host: two
    // connected hosts with one address could be given the same port. A disconnected one is not in
    // the way (its server may have been replaced by this one).
    const twin = this.store
      .hostsAt(hello.address)
      .find((h) => h.id !== key && this.sessions.isConnected(h.id));
    if (twin)
      throw new HactlError(
        'already_exists',
        `address ${hello.address} is that of host ${twin.name}, whose agent is connected; two hosts cannot share an address ` +
          '(their services bind and advertise it): give this agent its own --address',
        // Like a second session of one name: accepted once the other host's stream ends.
        { retriable: true, details: [{ path: 'hello.address', message: `is host ${twin.name}'s address` }] },
      );
    const { hostId, pushes } = this.transaction(() => this.register(hello, existing, now));
    this.sessions.attach(hostId, session, hello.capabilities);
    this.push(pushes, hostId);
    const row = this.store.getHostDesired(hostId);
    this.log.info(
      { host: hostId, address: hello.address, generation: row?.generation ?? 0 },
      'agent connected',
    );
    queueMicrotask(() => this.onAgentConnected(hostId));
    const stateJson = row?.state_json ?? EMPTY_DESIRED;
    // The object the stored state was made from, when this control plane planned it and still
    // holds it: the answer is sent without parsing the state again. The cached snapshot only (a
    // registration may have dropped it; one host's hello must not re-read the fleet).
    // Its generation says it is the stored state: a host's generation moves with every change
    // of its stored text, in the same transaction.
    const planned = this.snap?.desired.get(hostId);
    const state = planned && row && planned.generation === row.generation ? planned.state : undefined;
    return { hostId, generation: row?.generation ?? 0, stateJson, ...(state ? { state } : {}) };
  }

  /** The store half of a hello, inside the caller's transaction. */
  private register(
    hello: AgentHello,
    existing: HostRow | undefined,
    now: number,
  ): { hostId: string; pushes: DesiredPush[] } {
    const hostId = existing?.id ?? hello.name;
    const moved = existing && (existing.address !== hello.address || existing.data_root !== hello.dataRoot);
    const labels = JSON.stringify(hello.labels);
    const facts = JSON.stringify(hello.facts);
    this.store.upsertHost({
      id: hostId,
      name: hello.name,
      address: hello.address,
      data_root: hello.dataRoot,
      labels_json: labels,
      facts_json: facts,
      agent_version: hello.agentVersion,
      created_at: existing?.created_at ?? now,
      last_seen_at: now,
    });
    // Only what plans read (hosts, addresses, data roots, labels) drops the snapshot; a reconnect
    // that changes nothing keeps it.
    if (
      !existing ||
      moved ||
      existing.labels_json !== labels ||
      existing.facts_json !== facts ||
      existing.agent_version !== hello.agentVersion
    )
      this.invalidate();
    if (!existing)
      this.store.appendEvent({
        at: now,
        type: 'host.registered',
        cluster: null,
        host: hostId,
        message: `host ${hello.name} registered at ${hello.address}`,
        data_json: '{}',
      });
    if (moved) {
      this.store.appendEvent({
        at: now,
        type: 'host.changed',
        cluster: null,
        host: hostId,
        message: `host ${hello.name} now at ${hello.address} (data root ${hello.dataRoot})`,
        data_json: '{}',
      });
      return { hostId, pushes: this.revisions.recomputeDesired(now) };
    }
    if (existing) return { hostId, pushes: [] };
    // No accepted spec can name a host that was not registered (validation refuses unknown hosts),
    // so a new host starts empty: no fleet-wide re-plan per registration.
    this.store.setHostDesired([
      { host_id: hostId, generation: 1, state_json: EMPTY_DESIRED, updated_at: now },
    ]);
    return { hostId, pushes: [{ hostId, generation: 1, json: EMPTY_DESIRED }] };
  }

  /**
   * Whether the host can be deleted: its row when it can. The one check of `deleteHost`, and all a
   * preview of it does (`DELETE /v1/hosts/{name}?dryRun=true`), so both refuse alike.
   * @throws HactlError not_found (no such host), conflict (a cluster still places members on it,
   * named in the message).
   */
  checkHostDelete(name: string): HostRow {
    const row = this.store.getHostByName(name);
    if (!row) throw new HactlError('not_found', `host ${name} not found`);
    const used = this.listClusters()
      .map((c) => c.name)
      .filter((c) => this.planCluster(c).some((i) => i.hostId === row.id));
    if (used.length)
      throw new HactlError(
        'conflict',
        `host ${name} runs members of ${used.join(', ')}; move them off it in the cluster specs first`,
      );
    return row;
  }

  /**
   * Deletes a host no cluster places an instance on: its stream is ended, its row and desired state
   * are deleted, and an event says so. The caller revokes its certificate.
   * @throws HactlError as `checkHostDelete`.
   */
  deleteHost(name: string, meta: { author: string }): void {
    const row = this.checkHostDelete(name);
    this.sessions.forget(row.id, 'host deleted');
    this.desiredOf.delete(row.id);
    this.store.transaction(() => {
      this.store.deleteHost(row.id);
      this.store.appendEvent({
        at: this.now(),
        type: 'host.deleted',
        cluster: null,
        host: null,
        message: `host ${name} deleted by ${meta.author}; its certificate is revoked`,
        data_json: '{}',
      });
    });
    this.invalidate();
  }

  disconnectAgent(hostId: string, session: AgentSession): void {
    if (!this.sessions.detach(hostId, session)) return;
    this.log.info({ host: hostId }, 'agent disconnected');
    this.onAgentDisconnected(hostId);
  }

  /**
   * Records an agent's status report. An applied generation ahead of the one planned for the host
   * is not one of this control plane's desired states: the agent last applied another store's
   * (one restored from an older backup, or the host's before it was deleted and enrolled again),
   * and its hello says so before our state reaches it. It counts as nothing applied, so the host
   * stays lagging (its clusters not healthy: "1 host(s) have not applied the latest desired
   * state") until it applies what it was sent, and no view shows a host ahead of its desired state.
   * A report that changes what a member of an awaited dependency shows calls `onAwaitedChange`.
   */
  recordStatus(hostId: string, update: StatusUpdate): void {
    // Not from the snapshot: a hello drops it, and 10,000 agents registering and reporting rebuilt
    // it per report and stalled the registrations (bench/dist/fleet-push.js).
    const desired = this.desiredSummary(hostId);
    const planned = desired.generation;
    if (update.appliedGeneration > planned) {
      if (this.sessions.livenessOf(hostId)?.applied !== 0)
        this.log.warn(
          { host: hostId, generation: update.appliedGeneration, planned },
          'agent reports an applied generation ahead of its desired state; counted as none applied',
        );
      update = { ...update, appliedGeneration: 0 };
    }
    if (!this.sessions.record(hostId, update, desired.kinds)) return;
    const awaited = this.awaited;
    if (awaited === undefined || update.instances.some((i) => awaited.has(clusterOfInstance(i.id))))
      this.onAwaitedChange();
  }

  /**
   * Writes changed liveness to the store in one transaction, at most `maxRows` hosts of it (all by
   * default); returns how many hosts it wrote. Called on a timer (in slices) and at shutdown.
   */
  flushLiveness(maxRows?: number): number {
    return this.sessions.flushLiveness(maxRows);
  }

  closeAllSessions(reason: string): void {
    this.sessions.closeAll(reason);
  }

  isConnected(hostId: string): boolean {
    return this.sessions.isConnected(hostId);
  }

  /**
   * Whether the host's agent is connected and said in its hello that it answers `capability`
   * (AgentHello.capabilities).
   */
  agentAnswers(hostId: string, capability: string): boolean {
    return this.sessions.answers(hostId, capability);
  }

  /** Sends a command on the host's stream; false when the host is not connected. */
  sendCommand(hostId: string, cmd: AgentCommand): boolean {
    return this.sessions.sendCommand(hostId, cmd);
  }

  /** Sends a streaming-command message on the host's stream; false when the host is not connected. */
  sendExec(hostId: string, msg: ExecDown): boolean {
    return this.sessions.sendExec(hostId, msg);
  }

  recordCommandResult(hostId: string, result: AgentCommandResult): void {
    if (!this.sessions.answerQuery(hostId, result)) this.onCommandResult(hostId, result);
  }

  /** Asks a connected agent a read-only question and waits for its answer (sessions.ts `query`). */
  queryAgent(
    hostId: string,
    q: { instanceId: string; action: string; args: string[] },
    timeoutMs: number,
  ): Promise<AgentCommandResult> {
    return this.sessions.query(hostId, q, timeoutMs);
  }

  /** The kind of an instance this host should run, for the agent-rpc layer's checks of incoming reports. */
  kindOfInstance(hostId: string, instanceId: string): string | undefined {
    return this.desiredSummary(hostId).kinds.get(instanceId);
  }

  private desiredSummary(hostId: string): HostDesiredSummary {
    let known = this.desiredOf.get(hostId);
    if (!known) {
      const d = this.store.getHostDesired(hostId);
      known = {
        generation: d?.generation ?? 0,
        kinds: kindsOf(d ? (JSON.parse(d.state_json) as HostDesiredState) : { instances: [] }),
      };
      this.desiredOf.set(hostId, known);
    }
    return known;
  }

  /**
   * After a commit: updates the cached generation and instances of changed hosts and queues them for
   * their streams (except `skip`), the first slice sent now and the rest a slice per event-loop
   * turn (outbox.ts). A pushed state that was just planned gives the cache its instances
   * directly: each agent reports within 100 ms of a new desired state, and re-reading and parsing
   * 5,000 hosts' stored JSON for those reports competed with sending the rest of the push.
   */
  private push(changes: readonly DesiredPush[], skip?: string): void {
    for (const c of changes) {
      if (c.state)
        this.desiredOf.set(c.hostId, {
          generation: c.generation,
          kinds: kindsOf(c.state, this.desiredOf.get(c.hostId)?.kinds),
        });
      else this.desiredOf.delete(c.hostId);
    }
    // One summary at info: a change that touches 5,000 hosts must not write 5,000 log lines.
    const connected = this.sessions.pushDesired(skip ? changes.filter((c) => c.hostId !== skip) : changes);
    if (changes.length)
      this.log.info(
        { hosts: changes.length, connected, ...(changes.length === 1 ? { host: changes[0]!.hostId } : {}) },
        'pushed desired states',
      );
  }
}

/** A host's stored desired state as status reports are checked against it (Fleet.desiredOf). */
interface HostDesiredSummary {
  generation: number;
  /** Instance id → kind. */
  kinds: ReadonlyMap<string, string>;
}

/**
 * Instance id → kind of a host's desired state; `known` itself when it says exactly that already
 * (a settings change keeps every host's instances, and 10,000 new maps per apply only fed the GC).
 */
function kindsOf(state: HostDesiredState, known?: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
  if (known?.size === state.instances.length && state.instances.every((i) => known.get(i.id) === i.kind))
    return known;
  return new Map(state.instances.map((i) => [i.id, i.kind] as const));
}

/**
 * The shortest time (ms) an unchanged status reader may be reused for, whatever the report
 * interval; `Fleet.status` reuses one for up to a report interval, less when a probe would go stale.
 */
const STATUS_REUSE_MIN_MS = 1000;

/** The desired state of a host with no instances. */
const EMPTY_DESIRED = JSON.stringify({ instances: [] } satisfies HostDesiredState);

/** A stored event as the REST API and the event stream show it. */
function eventView(e: EventRow): EventView {
  return {
    id: e.id,
    at: new Date(e.at).toISOString(),
    type: e.type,
    cluster: e.cluster,
    host: e.host,
    message: e.message,
  };
}
