import { ROLLOUT_STARTED_BACKFILL } from './migrations.js';

/**
 * The PostgreSQL schema: migration N here is SQLite's migration N (migrations.ts) in PostgreSQL's
 * dialect, so one schema version means the same tables on both stores. Every SQLite INTEGER is a
 * BIGINT (times are ms since the epoch, beyond int4; SQLite integers are 64-bit), the events id
 * is an identity column (SQLite's AUTOINCREMENT: never reused). `hactl_schema` records the last
 * migration applied. Append only: never edit a migration that has shipped.
 */
export const PG_MIGRATIONS: readonly string[] = [
  // 1: as SQLite migration 1.
  `
  CREATE TABLE hosts (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL UNIQUE,
    address            TEXT NOT NULL,
    data_root          TEXT NOT NULL,
    labels_json        TEXT NOT NULL DEFAULT '{}',
    facts_json         TEXT NOT NULL DEFAULT '{}',
    agent_version      TEXT NOT NULL DEFAULT '',
    created_at         BIGINT NOT NULL,
    last_seen_at       BIGINT,
    applied_generation BIGINT NOT NULL DEFAULT 0
  );

  CREATE TABLE clusters (
    name             TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    current_revision BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
  );

  CREATE TABLE revisions (
    cluster    TEXT NOT NULL,
    revision   BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    spec_json  TEXT NOT NULL,
    author     TEXT NOT NULL,
    message    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (cluster, revision)
  );

  CREATE TABLE host_desired (
    host_id    TEXT PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
    generation BIGINT NOT NULL,
    state_json TEXT NOT NULL,
    updated_at BIGINT NOT NULL
  );

  CREATE TABLE events (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        BIGINT NOT NULL,
    type      TEXT NOT NULL,
    cluster   TEXT,
    host      TEXT,
    message   TEXT NOT NULL,
    data_json TEXT NOT NULL DEFAULT '{}'
  );
  CREATE INDEX events_cluster ON events(cluster, id);
  `,
  // 2: as SQLite migration 2.
  `
  CREATE TABLE cluster_facts (
    cluster    TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (cluster, key)
  );
  `,
  // 3: as SQLite migration 3.
  `
  CREATE TABLE rollouts (
    id           TEXT PRIMARY KEY,
    cluster      TEXT NOT NULL,
    action       TEXT NOT NULL,
    revision     BIGINT NOT NULL,
    state        TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    options_json TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
  );
  CREATE INDEX rollouts_cluster ON rollouts(cluster, created_at);

  CREATE TABLE rollout_steps (
    rollout_id   TEXT NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
    idx          BIGINT NOT NULL,
    instance_id  TEXT NOT NULL,
    host_id      TEXT NOT NULL,
    state        TEXT NOT NULL,
    command_id   TEXT NOT NULL DEFAULT '',
    pid_before   BIGINT NOT NULL DEFAULT 0,
    requested_at BIGINT NOT NULL DEFAULT 0,
    finished_at  BIGINT NOT NULL DEFAULT 0,
    note         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (rollout_id, idx)
  );
  `,
  // 4: as SQLite migration 4.
  `
  CREATE TABLE control_plane_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 5: as SQLite migration 5.
  `
  CREATE TABLE failovers (
    id          TEXT PRIMARY KEY,
    cluster     TEXT NOT NULL,
    trigger     TEXT NOT NULL,
    author      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    from_host   TEXT NOT NULL,
    to_host     TEXT NOT NULL,
    epoch       BIGINT NOT NULL,
    state       TEXT NOT NULL,
    step        TEXT NOT NULL,
    rollout_id  TEXT NOT NULL DEFAULT '',
    steps_json  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
  );
  CREATE INDEX failovers_cluster ON failovers(cluster, created_at);
  `,
  // 6: as SQLite migration 6.
  `
  ALTER TABLE rollout_steps ADD COLUMN op TEXT NOT NULL DEFAULT 'restart';
  ALTER TABLE rollout_steps ADD COLUMN phase BIGINT NOT NULL DEFAULT 0;

  CREATE TABLE rollout_phases (
    rollout_id TEXT NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
    phase      BIGINT NOT NULL,
    spec_json  TEXT NOT NULL,
    PRIMARY KEY (rollout_id, phase)
  );
  `,
  // 7: as SQLite migration 7.
  `
  CREATE TABLE api_tokens (
    name       TEXT PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    scopes     TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );

  CREATE TABLE join_tokens (
    id         TEXT PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    hosts      TEXT NOT NULL,
    uses_left  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
  );

  CREATE TABLE host_identities (
    host        TEXT PRIMARY KEY,
    key_sha256  TEXT NOT NULL,
    serial      TEXT NOT NULL,
    not_after   BIGINT NOT NULL,
    enrolled_at BIGINT NOT NULL
  );
  `,
  // 8: as SQLite migration 8.
  `
  CREATE TABLE commands (
    id          TEXT PRIMARY KEY,
    author      TEXT NOT NULL,
    argv_json   TEXT NOT NULL,
    shell       BIGINT NOT NULL,
    target_json TEXT NOT NULL,
    parallel    BIGINT NOT NULL,
    timeout_ms  BIGINT NOT NULL,
    state       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    finished_at BIGINT
  );

  CREATE TABLE command_hosts (
    command_id   TEXT NOT NULL REFERENCES commands(id) ON DELETE CASCADE,
    idx          BIGINT NOT NULL,
    host_id      TEXT NOT NULL,
    host         TEXT NOT NULL,
    state        TEXT NOT NULL,
    exit_code    BIGINT,
    signal       TEXT NOT NULL DEFAULT '',
    error        TEXT NOT NULL DEFAULT '',
    output_bytes BIGINT NOT NULL DEFAULT 0,
    started_at   BIGINT,
    finished_at  BIGINT,
    PRIMARY KEY (command_id, idx)
  );
  `,
  // 9: restart leases (SQLite's migration 9).
  `
  CREATE TABLE restart_leases (
    id          TEXT PRIMARY KEY,
    cluster     TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    host_id     TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    reason      TEXT NOT NULL
  );
  `,
  // 10: hosts by address (SQLite's migration 10).
  `
  CREATE INDEX hosts_address ON hosts(address);
  `,
  // 11: rollouts and failovers by state (SQLite's migration 11).
  `
  CREATE INDEX rollouts_state ON rollouts(state, cluster);
  CREATE INDEX failovers_state ON failovers(state, cluster);
  `,
  // 12: who failed a step (SQLite's migration 12).
  `
  ALTER TABLE rollout_steps ADD COLUMN failed_by TEXT NOT NULL DEFAULT '';
  UPDATE rollout_steps SET failed_by = CASE WHEN note LIKE 'agent: %' THEN 'agent' ELSE 'control-plane' END
    WHERE state = 'failed';
  `,
  // 13: when a rollout's work began (SQLite's migration 13).
  `
  ALTER TABLE rollouts ADD COLUMN started_at BIGINT NOT NULL DEFAULT 0;
  ${ROLLOUT_STARTED_BACKFILL}
  `,
];

/**
 * The lock every replica's migration takes (`pg_advisory_xact_lock`), so that replicas starting at
 * once migrate one after another: the second finds the schema current. Any constant works as long
 * as it never changes; this one spells "hactl" in ASCII.
 */
export const PG_MIGRATION_LOCK = 0x68_61_63_74_6c;

/**
 * What PgStore creates before the numbered migrations, idempotently: the schema version (one row)
 * and PG-only tables that are not part of the shared schema (`extra`: the leader lease).
 */
export function bootstrapSql(extra: string): string {
  return `
    CREATE TABLE IF NOT EXISTS hactl_schema (id INT PRIMARY KEY CHECK (id = 1), version INT NOT NULL);
    INSERT INTO hactl_schema (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
    ${extra}`;
}
