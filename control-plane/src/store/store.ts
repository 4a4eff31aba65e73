import { HactlError } from '@hactl/shared';

/**
 * The control plane's persistent state. Behind an interface so a server-grade database can
 * replace SQLite when a fleet outgrows one control plane. Rows are plain records; JSON columns stay
 * strings here and are parsed by the layer that owns their schema.
 */
export interface HostRow {
  id: string;
  name: string;
  address: string;
  data_root: string;
  labels_json: string;
  facts_json: string;
  agent_version: string;
  created_at: number;
  last_seen_at: number | null;
  applied_generation: number;
}

export interface ClusterRow {
  name: string;
  kind: string;
  current_revision: number;
  created_at: number;
  updated_at: number;
}

export interface RevisionRow {
  cluster: string;
  revision: number;
  kind: string;
  spec_json: string;
  author: string;
  message: string;
  created_at: number;
}

export interface HostDesiredRow {
  host_id: string;
  generation: number;
  state_json: string;
  updated_at: number;
}

export interface EventRow {
  id: number;
  at: number;
  type: string;
  cluster: string | null;
  host: string | null;
  message: string;
  data_json: string;
}

export interface RolloutRow {
  id: string;
  cluster: string;
  action: string;
  revision: number;
  state: string;
  reason: string;
  options_json: string;
  created_at: number;
  updated_at: number;
  /**
   * When its first step was taken up (requested, or finished without a request), ms; 0 until then.
   * Read only: the store sets it once, when a step is first written with such a time
   * (`updateRolloutStep`), and never moves it (a resume asks a step again under a new request time).
   */
  started_at?: number;
}

/**
 * When a step was taken up: its request, or its finish for a step done without one (a handover of
 * a member that does not lead); 0 for a step never taken up. Sets `rollouts.started_at`, and orders
 * the steps that ran (rollout/view.ts).
 */
export function stepTakenAt(step: Pick<RolloutStepRow, 'requested_at' | 'finished_at'>): number {
  return step.requested_at || step.finished_at;
}

export interface RolloutStepRow {
  rollout_id: string;
  idx: number;
  instance_id: string;
  host_id: string;
  state: string;
  command_id: string;
  pid_before: number;
  requested_at: number;
  finished_at: number;
  note: string;
  /**
   * What the step does to its member (migration 5; StepOp): `restart` (the default, every restart
   * rollout) and, in membership procedures, `start`, `stop` and `handover`.
   */
  op?: StepOp;
  /** The membership procedure phase the step belongs to (0 for restart rollouts). */
  phase?: number;
  /** Who failed a `failed` step (migration 12); '' or absent for a step that has not failed. */
  failed_by?: StepFailure | '';
}

/**
 * Who failed a rollout step: its `agent` reported the failure (its restart, with the kind's
 * after-restart steps, did not complete), or the `control-plane` decided it without a word from
 * the agent (a restarted member that never served within the gate timeout). A resume asks an
 * agent's failure again and may find the engine's overturned (rollout/step.ts doneBefore).
 */
export type StepFailure = 'agent' | 'control-plane';

/**
 * The `failed_by` a store writes for `step`: who failed it while it is `failed`, '' in every other
 * state, so a step asked again, done or skipped never keeps an old failure's author, whatever
 * row it was spread from. Both stores write through it.
 */
export function storedFailedBy(step: Pick<RolloutStepRow, 'state' | 'failed_by'>): StepFailure | '' {
  return step.state === 'failed' ? (step.failed_by ?? '') : '';
}

/**
 * A step row not yet requested: no command, times 0, no note. Built field by field, not by
 * spreading `s`: a rollout of every member builds one row per member, and spreading an argument
 * object took 3-14 µs a row (15-70 ms for 5,000 rows in a scratch loop) against 0.1 µs for the
 * literal, which also gives every step row one shape.
 */
export function pendingStepRow(
  s: Pick<RolloutStepRow, 'rollout_id' | 'idx' | 'instance_id' | 'host_id'> &
    Pick<RolloutStepRow, 'op' | 'phase'>,
): RolloutStepRow {
  const row: RolloutStepRow = {
    rollout_id: s.rollout_id,
    idx: s.idx,
    instance_id: s.instance_id,
    host_id: s.host_id,
    state: 'pending',
    command_id: '',
    pid_before: 0,
    requested_at: 0,
    finished_at: 0,
    note: '',
  };
  if (s.op !== undefined) row.op = s.op;
  if (s.phase !== undefined) row.phase = s.phase;
  return row;
}

/**
 * What a rollout step does to its member: `restart` it (onto its current inputs), `start` a member
 * held until now, `stop` a removed member, or `handover`: restart a member that is about to be
 * removed if it leads now, so leadership moves to a member that stays (membership/plan.ts).
 */
export type StepOp = 'restart' | 'start' | 'stop' | 'handover';

/** One phase of a membership procedure: the cluster spec its members move onto in that phase. */
export interface RolloutPhaseRow {
  rollout_id: string;
  /** 0 is the spec the procedure started from; the last phase is the revision's spec. */
  phase: number;
  spec_json: string;
}

/** One Storm nimbus failover (control-plane/src/failover). `steps_json` is its FailoverStepRecord list. */
export interface FailoverRow {
  id: string;
  cluster: string;
  /** `auto` (the engine detected the loss) or `operator` (hactl failover). */
  trigger: string;
  author: string;
  reason: string;
  /** Host names; `from_host` is '' when no nimbus was active. */
  from_host: string;
  to_host: string;
  epoch: number;
  /** running | completed | failed */
  state: string;
  /** fence | promote | repoint | done */
  step: string;
  rollout_id: string;
  steps_json: string;
  created_at: number;
  updated_at: number;
}

/**
 * Thrown by a store write when the disk holding the store is full (SQLite's SQLITE_FULL,
 * PostgreSQL's SQLSTATE 53100 disk_full); the write and its transaction changed nothing. Retriable
 * once space is freed. HTTP 507.
 */
export class StorageFullError extends HactlError {
  constructor(where: string, cause?: unknown, reason = 'SQLITE_FULL') {
    super(
      'insufficient_storage',
      `the control plane cannot write to its store: the disk holding ${where} is full (${reason}); nothing was changed. Free space there and retry`,
      { retriable: true, cause },
    );
  }
}

/**
 * Thrown by a write of a PostgreSQL store fenced to a leadership term (PgStore.setFence) when that
 * term is over: the lease expired or another replica took it with a newer epoch. The write and its
 * transaction changed nothing. Retriable: against the replica that leads now. HTTP 503.
 */
export class FencedError extends HactlError {
  constructor(holder: string, epoch: number) {
    super(
      'not_leader',
      `this control plane replica (${holder}) no longer leads (epoch ${epoch} was superseded or its lease expired); the write was not made`,
      { retriable: true },
    );
  }
}

/** An admin API token: only the SHA-256 of its secret is kept. */
export interface ApiTokenRow {
  name: string;
  hash: string;
  /** Comma-separated scopes (read, write, exec, admin). */
  scopes: string;
  created_at: number;
}

/** An enrollment (join) token: SHA-256 of its secret, allowed host pattern, uses left, expiry (ms). */
export interface JoinTokenRow {
  id: string;
  hash: string;
  hosts: string;
  uses_left: number;
  expires_at: number;
  created_at: number;
  created_by: string;
}

/** The key a host enrolled with and its latest certificate (serial, expiry in ms). */
export interface HostIdentityRow {
  host: string;
  key_sha256: string;
  serial: string;
  not_after: number;
  enrolled_at: number;
}

/** A remote command (`hactl exec`): argv and target as JSON, times in ms. */
export interface CommandRow {
  id: string;
  author: string;
  argv_json: string;
  /** 1: run through /bin/sh -c. */
  shell: number;
  target_json: string;
  parallel: number;
  timeout_ms: number;
  /** running | done | cancelled */
  state: string;
  created_at: number;
  finished_at: number | null;
}

/** One host of a remote command, in target order (`idx`). */
export interface CommandHostRow {
  command_id: string;
  idx: number;
  host_id: string;
  host: string;
  /** pending | running | exited | killed | capped | timed_out | cancelled | failed | lost */
  state: string;
  exit_code: number | null;
  signal: string;
  error: string;
  output_bytes: number;
  started_at: number | null;
  finished_at: number | null;
}

/** A granted restart lease (leases/leases.ts); `expires_at` in ms by the granting control plane's clock. */
export interface LeaseRow {
  id: string;
  cluster: string;
  instance_id: string;
  host_id: string;
  expires_at: number;
  /** What it was granted for (`command <id>`): only that requester renews it. */
  reason: string;
}

export interface Store {
  transaction<T>(fn: () => T): T;
  /** A fact about the control plane itself (e.g. `control_plane_id`), undefined when never set. */
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  /**
   * The stored value of `key`, storing `make()` first when there is none. First writer wins: two
   * control-plane replicas starting at once on one store both get the value stored first (the
   * control plane's id, the replicas' shared CA).
   */
  ensureMeta(key: string, make: () => string): string;
  close(): void;
  getApiTokenByHash(hash: string): ApiTokenRow | undefined;
  /** @throws when a token with this name exists (UNIQUE). */
  insertApiToken(row: ApiTokenRow): void;
  countApiTokens(): number;
  insertJoinToken(row: JoinTokenRow): void;
  getJoinTokenByHash(hash: string): JoinTokenRow | undefined;
  /** Takes one use of a join token; false when none was left. */
  useJoinToken(id: string): boolean;
  getHostIdentity(host: string): HostIdentityRow | undefined;
  setHostIdentity(row: HostIdentityRow): void;
  deleteHostIdentity(host: string): void;
  /** Deletes a host's row (its desired state goes with it). */
  deleteHost(id: string): void;
  listHosts(): HostRow[];
  getHostByName(name: string): HostRow | undefined;
  /** Ids and names of the hosts registered with this address (an index lookup), in name order. */
  hostsAt(address: string): { id: string; name: string }[];
  upsertHost(
    h: Omit<HostRow, 'last_seen_at' | 'applied_generation'> &
      Partial<Pick<HostRow, 'last_seen_at' | 'applied_generation'>>,
  ): void;
  recordLiveness(rows: readonly { id: string; last_seen_at: number; applied_generation: number }[]): void;
  listClusters(): ClusterRow[];
  getCluster(name: string): ClusterRow | undefined;
  getRevision(cluster: string, revision: number): RevisionRow | undefined;
  listRevisions(cluster: string): RevisionRow[];
  addRevision(r: RevisionRow): void;
  deleteCluster(name: string): void;
  maxRevision(cluster: string): number;
  getHostDesired(hostId: string): HostDesiredRow | undefined;
  listHostDesired(): HostDesiredRow[];
  /**
   * Stores each row's host desired state (insert or replace), all rows at once: one statement on
   * PostgreSQL. A host appears at most once in `rows`; a host that is not registered fails the
   * whole call (foreign key).
   */
  setHostDesired(rows: readonly HostDesiredRow[]): void;
  appendEvent(e: Omit<EventRow, 'id'>): void;
  /**
   * Calls `listener` once after one or more events were appended, when the writing transaction has
   * ended (a microtask later: better-sqlite3 transactions are synchronous), so a listener reading
   * `listEventsAfter` sees only committed rows. Returns the unsubscribe function.
   */
  onEventsAppended(listener: () => void): () => void;
  /** Events with an id above `afterId`, oldest first, at most `limit` (the event stream's resume). */
  listEventsAfter(afterId: number, limit: number): EventRow[];
  /** The newest event's id (0 when none). */
  lastEventId(): number;
  /** All stored facts, by cluster. */
  listClusterFacts(): Map<string, Record<string, string>>;
  setClusterFact(cluster: string, key: string, value: string, at: number): void;
  deleteClusterFacts(cluster: string): void;
  /** Stores a rollout with its steps and, for a membership procedure, the spec of each phase. */
  insertRollout(r: RolloutRow, steps: readonly RolloutStepRow[], phases?: readonly RolloutPhaseRow[]): void;
  /** A membership procedure's phases in order (none for a restart rollout). */
  listRolloutPhases(id: string): RolloutPhaseRow[];
  getRollout(id: string): RolloutRow | undefined;
  listRollouts(filter: { cluster?: string; states?: readonly string[] }): RolloutRow[];
  updateRollout(id: string, patch: { state: string; reason: string; updated_at: number }): void;
  /** Replaces a rollout's options (a membership procedure resumed with --force-removal). */
  updateRolloutOptions(id: string, optionsJson: string): void;
  listRolloutSteps(id: string): RolloutStepRow[];
  updateRolloutStep(step: RolloutStepRow): void;
  listEvents(filter: { cluster?: string; limit: number }): EventRow[];
  insertFailover(f: FailoverRow): void;
  getFailover(id: string): FailoverRow | undefined;
  /** Newest first; `states` filters. */
  listFailovers(filter: { cluster?: string; states?: readonly string[] }): FailoverRow[];
  updateFailover(f: FailoverRow): void;
  insertCommand(c: CommandRow, hosts: readonly CommandHostRow[]): void;
  getCommand(id: string): CommandRow | undefined;
  /** Commands in `state` (oldest first). */
  listCommandsIn(state: string): CommandRow[];
  listCommandHosts(id: string): CommandHostRow[];
  updateCommand(id: string, patch: { state: string; finished_at: number | null }): void;
  updateCommandHost(h: CommandHostRow): void;
  /** Every stored restart lease, expired ones included (the lease manager expires them). */
  listLeases(): LeaseRow[];
  /** Stores a lease, or its new expiry when it exists (a renewal). */
  putLease(l: LeaseRow): void;
  deleteLease(id: string): void;
}
