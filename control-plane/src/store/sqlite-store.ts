import Database from 'better-sqlite3';
import { EventNotifier } from './event-notifier.js';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.js';
import { MIGRATIONS } from './migrations.js';
import { listNewestFirst } from './newest-first.js';
import {
  StorageFullError,
  type ClusterRow,
  type EventRow,
  type FailoverRow,
  type HostRow,
  type HostDesiredRow,
  type RevisionRow,
  type RolloutRow,
  type RolloutPhaseRow,
  type RolloutStepRow,
  storedFailedBy,
  stepTakenAt,
  type StepFailure,
  type StepOp,
  type Store,
  type ApiTokenRow,
  type JoinTokenRow,
  type HostIdentityRow,
  type CommandRow,
  type CommandHostRow,
  type LeaseRow,
} from './store.js';

/** SQLite's default `wal_autocheckpoint`, in pages (sqlite.org/pragma.html#pragma_wal_autocheckpoint). */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

/**
 * The page size a new database is created with, in bytes (SQLite's default is 4096). A change
 * that touches every host rewrites every host's desired-state row (about 640 bytes each), and the
 * commit appends each changed page to the WAL as a frame of its own, so larger pages mean fewer
 * frames, writes and B-tree pages to touch. `node bench/dist/store-commit.js` (10,000 hosts, two
 * runs of each): rows + commit 56-57 ms with 4 KiB pages, 40-42 ms with 16 KiB. Smaller fleets
 * gain too (28 rounds, each order of the two sizes once): 0.70-0.85x of 4 KiB's time at 500,
 * 1,000, 2,000 and 5,000 hosts, 0.86-0.97x at 100. The price is on small commits: one event row
 * took 123-204 µs with 4 KiB pages and 158-225 µs with 16 KiB (four runs), and its WAL frames are 4x larger, which the checkpoints write back; the control plane's
 * small writes (events, leases, liveness batches) come a few per second. SQLite fixes the page
 * size when the database is created; an existing one keeps its own (changing it in WAL mode
 * takes a VACUUM outside WAL, sqlite.org/pragma.html#pragma_page_size).
 */
export const SQLITE_PAGE_SIZE = 16384;

/**
 * Whether SQLite takes `n` as a page size: a power of two from 512 to 65536. It ignores any other
 * value without a word (sqlite.org/pragma.html#pragma_page_size).
 */
export function isSqlitePageSize(n: number): boolean {
  return Number.isInteger(n) && n >= 512 && n <= 65536 && (n & (n - 1)) === 0;
}

/** A rollout step row as `listRolloutSteps` selects it, column by column. */
type StepColumns = [
  rollout_id: string,
  idx: number,
  instance_id: string,
  host_id: string,
  state: string,
  command_id: string,
  pid_before: number,
  requested_at: number,
  finished_at: number,
  note: string,
  op: StepOp,
  phase: number,
  failed_by: StepFailure | '',
];

/**
 * The store on SQLite: WAL, synchronous=FULL (a committed revision survives power loss), foreign
 * keys on, every state change in one transaction.
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly file: string;
  /**
   * Prepared statements by SQL text. Preparing is SQLite's compile step; done on every call it was
   * a third of the CPU of an apply that stores 5,000 hosts' desired states (bench profile).
   */
  private readonly statements = new Map<string, Database.Statement>();

  private readonly checkpointer: WalCheckpointer | undefined;

  /**
   * Opens (and migrates) the database at `file`. With `backgroundCheckpoints`, WAL checkpoints run
   * on a thread of their own (wal-checkpointer.ts) instead of inside the commit that fills the log;
   * if that thread fails, SQLite's automatic checkpoints come back on and `onFailure` says why.
   * The control plane's server opens its store so; tests and tools open it plain.
   */
  constructor(
    file: string,
    opts: {
      backgroundCheckpoints?: { intervalMs: number; onFailure: (reason: string) => void };
      /** Bytes per page of a new database: SQLITE_PAGE_SIZE when absent (bench/store-commit compares). */
      pageSize?: number;
    } = {},
  ) {
    const pageSize = opts.pageSize ?? SQLITE_PAGE_SIZE;
    if (!isSqlitePageSize(pageSize))
      throw new RangeError(`pageSize must be a power of two from 512 to 65536, not ${pageSize}`);
    this.file = file;
    this.db = new Database(file);
    // Before anything is written: it takes effect only on a database that is still empty.
    this.db.pragma(`page_size = ${pageSize}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    const background = opts.backgroundCheckpoints;
    if (background) {
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = startWalCheckpointer({
        file,
        intervalMs: background.intervalMs,
        onFailure: (reason) => {
          if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
          background.onFailure(reason);
        },
      });
    }
  }

  private sql(text: string): Database.Statement {
    let stmt = this.statements.get(text);
    if (!stmt) this.statements.set(text, (stmt = this.db.prepare(text)));
    return stmt;
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `store schema version ${current} is newer than this control plane (${MIGRATIONS.length}); refusing to open`,
      );
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  transaction<T>(fn: () => T): T {
    return this.write(() => this.db.transaction(fn)());
  }

  /**
   * Runs a write, translating SQLite's errors that have a cause an operator can act on into hactl
   * errors (SQLITE_FULL → StorageFullError, HTTP 507) at this layer's edge. A failed statement
   * changed nothing: better-sqlite3 rolls the enclosing transaction back before the error gets here.
   */
  private write<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof Database.SqliteError && err.code === 'SQLITE_FULL')
        throw new StorageFullError(this.file, err);
      throw err;
    }
  }

  getMeta(key: string): string | undefined {
    return (
      this.sql('SELECT value FROM control_plane_meta WHERE key = ?').get(key) as { value: string } | undefined
    )?.value;
  }

  setMeta(key: string, value: string): void {
    this.write(() =>
      this.sql(
        'INSERT INTO control_plane_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ).run(key, value),
    );
  }

  ensureMeta(key: string, make: () => string): string {
    const known = this.getMeta(key);
    if (known !== undefined) return known;
    this.write(() =>
      this.sql('INSERT INTO control_plane_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING').run(
        key,
        make(),
      ),
    );
    return this.getMeta(key)!;
  }

  getApiTokenByHash(hash: string): ApiTokenRow | undefined {
    return this.sql('SELECT * FROM api_tokens WHERE hash = ?').get(hash) as ApiTokenRow | undefined;
  }

  insertApiToken(row: ApiTokenRow): void {
    this.write(() =>
      this.sql(
        'INSERT INTO api_tokens (name, hash, scopes, created_at) VALUES (@name, @hash, @scopes, @created_at)',
      ).run(row),
    );
  }

  countApiTokens(): number {
    return (this.sql('SELECT COUNT(*) AS n FROM api_tokens').get() as { n: number }).n;
  }

  insertJoinToken(row: JoinTokenRow): void {
    this.write(() =>
      this.sql(
        `INSERT INTO join_tokens (id, hash, hosts, uses_left, expires_at, created_at, created_by)
           VALUES (@id, @hash, @hosts, @uses_left, @expires_at, @created_at, @created_by)`,
      ).run(row),
    );
  }

  getJoinTokenByHash(hash: string): JoinTokenRow | undefined {
    return this.sql('SELECT * FROM join_tokens WHERE hash = ?').get(hash) as JoinTokenRow | undefined;
  }

  useJoinToken(id: string): boolean {
    return this.write(
      () =>
        this.sql('UPDATE join_tokens SET uses_left = uses_left - 1 WHERE id = ? AND uses_left > 0').run(id)
          .changes === 1,
    );
  }

  getHostIdentity(host: string): HostIdentityRow | undefined {
    return this.sql('SELECT * FROM host_identities WHERE host = ?').get(host) as HostIdentityRow | undefined;
  }

  setHostIdentity(row: HostIdentityRow): void {
    this.write(() =>
      this.sql(
        `INSERT INTO host_identities (host, key_sha256, serial, not_after, enrolled_at)
           VALUES (@host, @key_sha256, @serial, @not_after, @enrolled_at)
           ON CONFLICT(host) DO UPDATE SET key_sha256 = excluded.key_sha256, serial = excluded.serial,
             not_after = excluded.not_after`,
      ).run(row),
    );
  }

  deleteHostIdentity(host: string): void {
    this.write(() => this.sql('DELETE FROM host_identities WHERE host = ?').run(host));
  }

  deleteHost(id: string): void {
    this.write(() => this.sql('DELETE FROM hosts WHERE id = ?').run(id));
  }

  close(): void {
    // The thread closes its own connection; nothing here waits for it.
    void this.checkpointer?.stop();
    this.db.close();
  }

  listHosts(): HostRow[] {
    return this.sql('SELECT * FROM hosts ORDER BY name').all() as HostRow[];
  }

  getHostByName(name: string): HostRow | undefined {
    return this.sql('SELECT * FROM hosts WHERE name = ?').get(name) as HostRow | undefined;
  }

  hostsAt(address: string): { id: string; name: string }[] {
    return this.sql('SELECT id, name FROM hosts WHERE address = ? ORDER BY name').all(address) as {
      id: string;
      name: string;
    }[];
  }

  upsertHost(
    h: Omit<HostRow, 'last_seen_at' | 'applied_generation'> &
      Partial<Pick<HostRow, 'last_seen_at' | 'applied_generation'>>,
  ): void {
    this.write(() => {
      this.sql(
        `INSERT INTO hosts (id, name, address, data_root, labels_json, facts_json, agent_version, created_at, last_seen_at, applied_generation)
           VALUES (@id, @name, @address, @data_root, @labels_json, @facts_json, @agent_version, @created_at, @last_seen_at, @applied_generation)
           ON CONFLICT(id) DO UPDATE SET name = excluded.name, address = excluded.address, data_root = excluded.data_root,
             labels_json = excluded.labels_json, facts_json = excluded.facts_json, agent_version = excluded.agent_version,
             last_seen_at = COALESCE(excluded.last_seen_at, hosts.last_seen_at)`,
      ).run({ last_seen_at: null, applied_generation: 0, ...h });
    });
  }

  /** Batched liveness flush: one statement per host, all in one transaction. */
  recordLiveness(rows: readonly { id: string; last_seen_at: number; applied_generation: number }[]): void {
    this.write(() => {
      const stmt = this.sql(
        'UPDATE hosts SET last_seen_at = @last_seen_at, applied_generation = @applied_generation WHERE id = @id',
      );
      this.db.transaction(() => {
        for (const r of rows) stmt.run(r);
      })();
    });
  }

  listClusters(): ClusterRow[] {
    return this.sql('SELECT * FROM clusters ORDER BY name').all() as ClusterRow[];
  }

  getCluster(name: string): ClusterRow | undefined {
    return this.sql('SELECT * FROM clusters WHERE name = ?').get(name) as ClusterRow | undefined;
  }

  getRevision(cluster: string, revision: number): RevisionRow | undefined {
    return this.sql('SELECT * FROM revisions WHERE cluster = ? AND revision = ?').get(cluster, revision) as
      RevisionRow | undefined;
  }

  listRevisions(cluster: string): RevisionRow[] {
    return this.sql('SELECT * FROM revisions WHERE cluster = ? ORDER BY revision').all(
      cluster,
    ) as RevisionRow[];
  }

  /** Appends a revision and moves the cluster's pointer to it; the caller wraps it in a transaction. */
  addRevision(r: RevisionRow): void {
    this.write(() => {
      this.sql(
        'INSERT INTO revisions (cluster, revision, kind, spec_json, author, message, created_at) VALUES (@cluster, @revision, @kind, @spec_json, @author, @message, @created_at)',
      ).run(r);
      this.sql(
        `INSERT INTO clusters (name, kind, current_revision, created_at, updated_at) VALUES (@cluster, @kind, @revision, @created_at, @created_at)
           ON CONFLICT(name) DO UPDATE SET current_revision = excluded.current_revision, updated_at = excluded.updated_at`,
      ).run(r);
    });
  }

  deleteCluster(name: string): void {
    this.write(() => {
      this.sql('DELETE FROM clusters WHERE name = ?').run(name);
    });
  }

  maxRevision(cluster: string): number {
    const row = this.sql('SELECT MAX(revision) AS m FROM revisions WHERE cluster = ?').get(cluster) as {
      m: number | null;
    };
    return row.m ?? 0;
  }

  getHostDesired(hostId: string): HostDesiredRow | undefined {
    return this.sql('SELECT * FROM host_desired WHERE host_id = ?').get(hostId) as HostDesiredRow | undefined;
  }

  listHostDesired(): HostDesiredRow[] {
    return this.sql('SELECT * FROM host_desired').all() as HostDesiredRow[];
  }

  /**
   * Positional parameters: a change that touches every host runs the statement once per host, and
   * binding by name cost 20% more per row (8.0 vs 6.5 ms for 5,000 rows of 650 bytes).
   */
  setHostDesired(rows: readonly HostDesiredRow[]): void {
    this.write(() => {
      const stmt = this.sql(
        `INSERT INTO host_desired (host_id, generation, state_json, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(host_id) DO UPDATE SET generation = excluded.generation, state_json = excluded.state_json, updated_at = excluded.updated_at`,
      );
      // All rows or none (a savepoint inside the caller's transaction).
      this.db.transaction(() => {
        for (const row of rows) stmt.run(row.host_id, row.generation, row.state_json, row.updated_at);
      })();
    });
  }

  /**
   * The one place events are written, and so the one place the event stream hears of them: the
   * listeners run a microtask later, coalesced, after the enclosing transaction committed or
   * rolled back (they read the rows back, so a rolled-back event is never published).
   */
  appendEvent(e: Omit<EventRow, 'id'>): void {
    this.write(() => {
      this.sql(
        'INSERT INTO events (at, type, cluster, host, message, data_json) VALUES (@at, @type, @cluster, @host, @message, @data_json)',
      ).run(e);
    });
    this.events.appended();
  }

  private readonly events = new EventNotifier();

  onEventsAppended(listener: () => void): () => void {
    return this.events.subscribe(listener);
  }

  listEventsAfter(afterId: number, limit: number): EventRow[] {
    return this.sql('SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?').all(
      afterId,
      limit,
    ) as EventRow[];
  }

  lastEventId(): number {
    return (this.sql('SELECT MAX(id) AS m FROM events').get() as { m: number | null }).m ?? 0;
  }

  listClusterFacts(): Map<string, Record<string, string>> {
    const out = new Map<string, Record<string, string>>();
    for (const r of this.sql('SELECT cluster, key, value FROM cluster_facts ORDER BY cluster, key').all() as {
      cluster: string;
      key: string;
      value: string;
    }[]) {
      const facts = out.get(r.cluster) ?? {};
      facts[r.key] = r.value;
      out.set(r.cluster, facts);
    }
    return out;
  }

  setClusterFact(cluster: string, key: string, value: string, at: number): void {
    this.write(() => {
      this.sql(
        'INSERT INTO cluster_facts (cluster, key, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(cluster, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      ).run(cluster, key, value, at);
    });
  }

  deleteClusterFacts(cluster: string): void {
    this.write(() => {
      this.sql('DELETE FROM cluster_facts WHERE cluster = ?').run(cluster);
    });
  }

  insertRollout(
    r: RolloutRow,
    steps: readonly RolloutStepRow[],
    phases: readonly RolloutPhaseRow[] = [],
  ): void {
    this.write(() => {
      this.db.transaction(() => {
        this.sql(
          'INSERT INTO rollouts (id, cluster, action, revision, state, reason, options_json, created_at, updated_at) ' +
            'VALUES (@id, @cluster, @action, @revision, @state, @reason, @options_json, @created_at, @updated_at)',
        ).run(r);
        // Positional parameters: a rollout of every member inserts one row per member. Binding
        // twelve named parameters from a copied object took 44-57 ms for 5,000 rows against 23-24
        // ms positional (scratch loop on this schema, commit included); inside an apply the gain
        // is smaller: insertRollout 22-24 → 19-21 ms per 4,997-step rollout (CPU profiles of
        // bench/dist/apply-cost.js, two runs of each).
        const stmt = this.sql(
          'INSERT INTO rollout_steps (rollout_id, idx, instance_id, host_id, state, command_id, pid_before, requested_at, finished_at, note, op, phase, failed_by) ' +
            'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        );
        for (const s of steps)
          stmt.run(
            s.rollout_id,
            s.idx,
            s.instance_id,
            s.host_id,
            s.state,
            s.command_id,
            s.pid_before,
            s.requested_at,
            s.finished_at,
            s.note,
            s.op ?? 'restart',
            s.phase ?? 0,
            storedFailedBy(s),
          );
        const phase = this.sql(
          'INSERT INTO rollout_phases (rollout_id, phase, spec_json) VALUES (@rollout_id, @phase, @spec_json)',
        );
        for (const p of phases) phase.run(p);
      })();
    });
  }

  getRollout(id: string): RolloutRow | undefined {
    return this.sql('SELECT * FROM rollouts WHERE id = ?').get(id) as RolloutRow | undefined;
  }

  listRollouts(filter: { cluster?: string; states?: readonly string[] }): RolloutRow[] {
    return listNewestFirst(
      'rollouts',
      filter,
      () => '?',
      (sql, p) => this.sql(sql).all(...p) as RolloutRow[],
    );
  }

  listRolloutPhases(id: string): RolloutPhaseRow[] {
    return this.sql('SELECT * FROM rollout_phases WHERE rollout_id = ? ORDER BY phase').all(
      id,
    ) as RolloutPhaseRow[];
  }

  updateRollout(id: string, patch: { state: string; reason: string; updated_at: number }): void {
    this.write(() => {
      this.sql(
        'UPDATE rollouts SET state = @state, reason = @reason, updated_at = @updated_at WHERE id = @id',
      ).run({ id, ...patch });
    });
  }

  updateRolloutOptions(id: string, optionsJson: string): void {
    this.write(() => {
      this.sql('UPDATE rollouts SET options_json = ? WHERE id = ?').run(optionsJson, id);
    });
  }

  insertFailover(f: FailoverRow): void {
    this.write(() => {
      this.sql(
        'INSERT INTO failovers (id, cluster, trigger, author, reason, from_host, to_host, epoch, state, step, rollout_id, steps_json, created_at, updated_at) ' +
          'VALUES (@id, @cluster, @trigger, @author, @reason, @from_host, @to_host, @epoch, @state, @step, @rollout_id, @steps_json, @created_at, @updated_at)',
      ).run(f);
    });
  }

  getFailover(id: string): FailoverRow | undefined {
    return this.sql('SELECT * FROM failovers WHERE id = ?').get(id) as FailoverRow | undefined;
  }

  listFailovers(filter: { cluster?: string; states?: readonly string[] }): FailoverRow[] {
    return listNewestFirst(
      'failovers',
      filter,
      () => '?',
      (sql, p) => this.sql(sql).all(...p) as FailoverRow[],
    );
  }

  updateFailover(f: FailoverRow): void {
    this.write(() => {
      this.sql(
        'UPDATE failovers SET state = @state, step = @step, rollout_id = @rollout_id, steps_json = @steps_json, updated_at = @updated_at WHERE id = @id',
      ).run(f);
    });
  }

  listRolloutSteps(id: string): RolloutStepRow[] {
    // Read as arrays and built field by field: every pass of a running rollout reads all its steps,
    // and better-sqlite3's row objects took 10.4 ms for 5,000 step rows against 5.8 ms this way
    // (scratch loop on this schema, medians of 15).
    const rows = this.sql(
      'SELECT rollout_id, idx, instance_id, host_id, state, command_id, pid_before, requested_at, ' +
        'finished_at, note, op, phase, failed_by FROM rollout_steps WHERE rollout_id = ? ORDER BY idx',
    )
      .raw(true)
      .all(id) as StepColumns[];
    return rows.map((r) => ({
      rollout_id: r[0],
      idx: r[1],
      instance_id: r[2],
      host_id: r[3],
      state: r[4],
      command_id: r[5],
      pid_before: r[6],
      requested_at: r[7],
      finished_at: r[8],
      note: r[9],
      op: r[10],
      phase: r[11],
      failed_by: r[12],
    }));
  }

  updateRolloutStep(step: RolloutStepRow): void {
    this.write(() => {
      // Positional, like the insert: an abort updates every pending step of a rollout.
      const update = () =>
        this.sql(
          'UPDATE rollout_steps SET state = ?, command_id = ?, pid_before = ?, requested_at = ?, ' +
            'finished_at = ?, note = ?, failed_by = ? WHERE rollout_id = ? AND idx = ?',
        ).run(
          step.state,
          step.command_id,
          step.pid_before,
          step.requested_at,
          step.finished_at,
          step.note,
          storedFailedBy(step),
          step.rollout_id,
          step.idx,
        );
      const taken = stepTakenAt(step);
      if (taken === 0) return void update();
      // A step taken up: it and, the first time, its rollout's started_at in one transaction (a
      // savepoint inside the caller's). Only then: an abort writes thousands of untaken steps.
      this.db.transaction(() => {
        update();
        this.sql('UPDATE rollouts SET started_at = ? WHERE id = ? AND started_at = 0').run(
          taken,
          step.rollout_id,
        );
      })();
    });
  }

  listEvents(filter: { cluster?: string; limit: number }): EventRow[] {
    if (filter.cluster) {
      return this.sql('SELECT * FROM events WHERE cluster = ? ORDER BY id DESC LIMIT ?').all(
        filter.cluster,
        filter.limit,
      ) as EventRow[];
    }
    return this.sql('SELECT * FROM events ORDER BY id DESC LIMIT ?').all(filter.limit) as EventRow[];
  }

  insertCommand(c: CommandRow, hosts: readonly CommandHostRow[]): void {
    this.transaction(() => {
      this.sql(
        'INSERT INTO commands (id, author, argv_json, shell, target_json, parallel, timeout_ms, state, created_at, finished_at) ' +
          'VALUES (@id, @author, @argv_json, @shell, @target_json, @parallel, @timeout_ms, @state, @created_at, @finished_at)',
      ).run(c);
      for (const h of hosts) this.insertCommandHost.run(h);
    });
  }

  private get insertCommandHost(): Database.Statement {
    return this.sql(
      'INSERT INTO command_hosts (command_id, idx, host_id, host, state, exit_code, signal, error, output_bytes, started_at, finished_at) ' +
        'VALUES (@command_id, @idx, @host_id, @host, @state, @exit_code, @signal, @error, @output_bytes, @started_at, @finished_at)',
    );
  }

  getCommand(id: string): CommandRow | undefined {
    return this.sql('SELECT * FROM commands WHERE id = ?').get(id) as CommandRow | undefined;
  }

  listCommandsIn(state: string): CommandRow[] {
    return this.sql('SELECT * FROM commands WHERE state = ? ORDER BY created_at').all(state) as CommandRow[];
  }

  listCommandHosts(id: string): CommandHostRow[] {
    return this.sql('SELECT * FROM command_hosts WHERE command_id = ? ORDER BY idx').all(
      id,
    ) as CommandHostRow[];
  }

  updateCommand(id: string, patch: { state: string; finished_at: number | null }): void {
    this.write(() => {
      this.sql('UPDATE commands SET state = @state, finished_at = @finished_at WHERE id = @id').run({
        id,
        ...patch,
      });
    });
  }

  updateCommandHost(h: CommandHostRow): void {
    this.write(() => {
      this.sql(
        'UPDATE command_hosts SET state = @state, exit_code = @exit_code, signal = @signal, ' +
          'error = @error, output_bytes = @output_bytes, started_at = @started_at, finished_at = @finished_at WHERE command_id = @command_id AND idx = @idx',
      ).run(h);
    });
  }

  listLeases(): LeaseRow[] {
    return this.sql('SELECT * FROM restart_leases ORDER BY expires_at').all() as LeaseRow[];
  }

  putLease(l: LeaseRow): void {
    this.write(() =>
      this.sql(
        `INSERT INTO restart_leases (id, cluster, instance_id, host_id, expires_at, reason)
         VALUES (@id, @cluster, @instance_id, @host_id, @expires_at, @reason)
         ON CONFLICT(id) DO UPDATE SET expires_at = excluded.expires_at`,
      ).run(l),
    );
  }

  deleteLease(id: string): void {
    this.write(() => this.sql('DELETE FROM restart_leases WHERE id = ?').run(id));
  }
}
