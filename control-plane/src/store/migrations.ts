/**
 * Migration 13's fill of `rollouts.started_at` for rollouts stored before it (SQLite and
 * PostgreSQL alike): the earliest time any of its steps was taken up (requested, or finished
 * without a request).
 */
export const ROLLOUT_STARTED_BACKFILL = `UPDATE rollouts SET started_at = COALESCE((
    SELECT MIN(CASE WHEN s.requested_at > 0 THEN s.requested_at ELSE s.finished_at END)
    FROM rollout_steps s
    WHERE s.rollout_id = rollouts.id AND (s.requested_at > 0 OR s.finished_at > 0)), 0);`;

/**
 * Numbered schema migrations; `PRAGMA user_version` records the last one applied. Append only:
 * never edit a migration that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: hosts, clusters with immutable revisions, per-host desired state, events.
  `
  CREATE TABLE hosts (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL UNIQUE,
    address            TEXT NOT NULL,
    data_root          TEXT NOT NULL,
    labels_json        TEXT NOT NULL DEFAULT '{}',
    facts_json         TEXT NOT NULL DEFAULT '{}',
    agent_version      TEXT NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL,
    last_seen_at       INTEGER,
    applied_generation INTEGER NOT NULL DEFAULT 0
  ) STRICT;

  CREATE TABLE clusters (
    name             TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    current_revision INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE revisions (
    cluster    TEXT NOT NULL,
    revision   INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    spec_json  TEXT NOT NULL,
    author     TEXT NOT NULL,
    message    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (cluster, revision)
  ) STRICT;

  CREATE TABLE host_desired (
    host_id    TEXT PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
    generation INTEGER NOT NULL,
    state_json TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    type      TEXT NOT NULL,
    cluster   TEXT,
    host      TEXT,
    message   TEXT NOT NULL,
    data_json TEXT NOT NULL DEFAULT '{}'
  ) STRICT;
  CREATE INDEX events_cluster ON events(cluster, id);
  `,
  // 2: facts the control plane created or learned per cluster (KRaft cluster id, ES cluster uuid,
  // whether the cluster has been started once).
  `
  CREATE TABLE cluster_facts (
    cluster    TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (cluster, key)
  ) STRICT;
  `,
  // 3: rollouts and their ordered steps, persisted so a rollout resumes after a control-plane crash
  // at the step it was on.
  `
  CREATE TABLE rollouts (
    id           TEXT PRIMARY KEY,
    cluster      TEXT NOT NULL,
    action       TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    state        TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    options_json TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX rollouts_cluster ON rollouts(cluster, created_at);

  CREATE TABLE rollout_steps (
    rollout_id   TEXT NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
    idx          INTEGER NOT NULL,
    instance_id  TEXT NOT NULL,
    host_id      TEXT NOT NULL,
    state        TEXT NOT NULL,
    command_id   TEXT NOT NULL DEFAULT '',
    pid_before   INTEGER NOT NULL DEFAULT 0,
    requested_at INTEGER NOT NULL DEFAULT 0,
    finished_at  INTEGER NOT NULL DEFAULT 0,
    note         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (rollout_id, idx)
  ) STRICT;
  `,
  // 4: facts about the control plane itself (its identity, generated at first start: agents remember
  // it and refuse desired states from a control plane with another one).
  `
  CREATE TABLE control_plane_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;
  `,
  // 5: Storm nimbus failovers (architecture §5), persisted with their steps so a failover resumes
  // after a control-plane crash at the step it was on; \`epoch\` is the fencing epoch it introduces.
  `
  CREATE TABLE failovers (
    id          TEXT PRIMARY KEY,
    cluster     TEXT NOT NULL,
    trigger     TEXT NOT NULL,
    author      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    from_host   TEXT NOT NULL,
    to_host     TEXT NOT NULL,
    epoch       INTEGER NOT NULL,
    state       TEXT NOT NULL,
    step        TEXT NOT NULL,
    rollout_id  TEXT NOT NULL DEFAULT '',
    steps_json  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX failovers_cluster ON failovers(cluster, created_at);
  `,
  // 6: membership procedures (issue 10). A rollout step says what it does to its member (`op`:
  // start a member held until now, restart it onto a new server list, or stop a removed member) and
  // which phase of the procedure it belongs to; a procedure keeps the spec of each of its phases,
  // so the members' desired states can be derived from its progress after a control-plane restart.
  `
  ALTER TABLE rollout_steps ADD COLUMN op TEXT NOT NULL DEFAULT 'restart';
  ALTER TABLE rollout_steps ADD COLUMN phase INTEGER NOT NULL DEFAULT 0;

  CREATE TABLE rollout_phases (
    rollout_id TEXT NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
    phase      INTEGER NOT NULL,
    spec_json  TEXT NOT NULL,
    PRIMARY KEY (rollout_id, phase)
  ) STRICT;
  `,
  // 7: trust: admin API tokens (hashes only), enrollment tokens, and each host's enrolled key (its
  // identity: a certificate for another key is refused, and deleting the row revokes the host).
  `
  CREATE TABLE api_tokens (
    name       TEXT PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    scopes     TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE join_tokens (
    id         TEXT PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    hosts      TEXT NOT NULL,
    uses_left  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
  ) STRICT;

  CREATE TABLE host_identities (
    host        TEXT PRIMARY KEY,
    key_sha256  TEXT NOT NULL,
    serial      TEXT NOT NULL,
    not_after   INTEGER NOT NULL,
    enrolled_at INTEGER NOT NULL
  ) STRICT;
  `,
  // 8: remote commands (`hactl exec`, issue 13): who ran what where, and each host's outcome.
  // Output is not stored: it streams through the control plane's memory (commands/output.ts).
  `
  CREATE TABLE commands (
    id          TEXT PRIMARY KEY,
    author      TEXT NOT NULL,
    argv_json   TEXT NOT NULL,
    shell       INTEGER NOT NULL,
    target_json TEXT NOT NULL,
    parallel    INTEGER NOT NULL,
    timeout_ms  INTEGER NOT NULL,
    state       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    finished_at INTEGER
  ) STRICT;

  CREATE TABLE command_hosts (
    command_id   TEXT NOT NULL REFERENCES commands(id) ON DELETE CASCADE,
    idx          INTEGER NOT NULL,
    host_id      TEXT NOT NULL,
    host         TEXT NOT NULL,
    state        TEXT NOT NULL,
    exit_code    INTEGER,
    signal       TEXT NOT NULL DEFAULT '',
    error        TEXT NOT NULL DEFAULT '',
    output_bytes INTEGER NOT NULL DEFAULT 0,
    started_at   INTEGER,
    finished_at  INTEGER,
    PRIMARY KEY (command_id, idx)
  ) STRICT;
  `,
  // 9: restart leases in the store, so a control plane that takes over (a replica gaining the
  // leader lease, or a restart) knows the leases granted before it and grants no second one.
  `
  CREATE TABLE restart_leases (
    id          TEXT PRIMARY KEY,
    cluster     TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    host_id     TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    reason      TEXT NOT NULL
  ) STRICT;
  `,
  // 10: hosts by address, for the hello's check that no other connected host has its address
  // (Fleet.connectAgent), one index lookup per hello instead of a scan of the fleet's hosts.
  `
  CREATE INDEX hosts_address ON hosts(address);
  `,
  // 11: rollouts and failovers by state, for the running and paused ones of every cluster in one
  // lookup (a status listing reads them once, not once per cluster), which the by-cluster index
  // answered only by reading each cluster's whole history.
  `
  CREATE INDEX rollouts_state ON rollouts(state, cluster);
  CREATE INDEX failovers_state ON failovers(state, cluster);
  `,
  // 12: who failed a step (StepFailure: its agent reported the failure, or the engine decided it),
  // which a resume reads (step.ts doneBefore) instead of the note's wording. Steps failed before
  // it: a note beginning "agent: " was the agent's (rollout/result.ts wrote it so), any other the
  // engine's.
  `
  ALTER TABLE rollout_steps ADD COLUMN failed_by TEXT NOT NULL DEFAULT '';
  UPDATE rollout_steps SET failed_by = CASE WHEN note LIKE 'agent: %' THEN 'agent' ELSE 'control-plane' END
    WHERE state = 'failed';
  `,
  // 13: when a rollout's work began (its first step taken up), kept once set: computed from the
  // steps' request times, a resume that asked a step again moved it. Rollouts before it: the
  // earliest of their steps' times as stored now.
  `
  ALTER TABLE rollouts ADD COLUMN started_at INTEGER NOT NULL DEFAULT 0;
  ${ROLLOUT_STARTED_BACKFILL}
  `,
];
