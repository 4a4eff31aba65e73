import type { PgConnection } from './pg-client.js';

/**
 * Leadership among control-plane replicas sharing one PostgreSQL: one lease row with a holder, a
 * fencing epoch and an expiry. Every time is PostgreSQL's `clock_timestamp()`, never a replica's
 * clock, so replicas with skewed clocks still agree on who leads.
 *
 * The table lives outside the numbered migrations (PG_MIGRATIONS stays SQLite's list, one for one):
 * it exists only because several replicas share a server, which a SQLite file never is. PgStore
 * creates it idempotently at open, under the migration lock.
 */
export const LEADER_DDL = `
  CREATE TABLE IF NOT EXISTS hactl_leader (
    id         INT PRIMARY KEY CHECK (id = 1),
    holder     TEXT NOT NULL,
    epoch      BIGINT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    grpc       TEXT NOT NULL,
    http       TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS hactl_replicas (
    holder  TEXT PRIMARY KEY,
    grpc    TEXT NOT NULL,
    http    TEXT NOT NULL,
    seen_at TIMESTAMPTZ NOT NULL
  );
`;

/** Who leads: `expiresInMs` is what is left of the lease by the server's clock (0 when expired). */
export interface LeaderRecord {
  holder: string;
  epoch: number;
  expiresInMs: number;
  grpc: string;
  http: string;
}

/** The term a fenced store writes under (PgStore.setFence). */
export interface Fence {
  holder: string;
  epoch: number;
}

export interface LeadOutcome {
  leading: boolean;
  /** The epoch this holder leads in; 0 when not leading. */
  epoch: number;
  /** The lease as it stands after the attempt (this holder's own when leading). */
  current: LeaderRecord | undefined;
}

/** How long a lease round waits for the leader row's lock before it gives up for this round (ms). */
const LEAD_LOCK_TIMEOUT_MS = 1000;

const RECORD = `holder, epoch,
  GREATEST(0, (EXTRACT(EPOCH FROM expires_at - clock_timestamp()) * 1000)::bigint) AS "expiresInMs",
  grpc, http`;

/**
 * Takes or renews the lease in one statement. No row: epoch 1. The holder's own live lease: renewed
 * in the same epoch. An expired lease, whoever held it (this holder too): taken with epoch + 1, a
 * new term, so writes fenced to the old term fail even when the same replica comes back. A live
 * lease of another holder: left alone. The upsert locks the row first, so it waits for a fenced
 * transaction that holds it FOR SHARE (checkFence): a takeover never overtakes a write in flight.
 * `clock_timestamp()` moves on within the statement, but only forwards: a lease the WHERE saw live
 * for another holder is not taken; one it saw expired is expired in the SET too.
 */
export function tryLead(
  db: PgConnection,
  holder: string,
  ttlMs: number,
  endpoints: { grpc: string; http: string },
): LeadOutcome {
  // A follower must never wait long on the row: a frozen leader's open transaction holds it FOR
  // SHARE until the server ends that session (idle_in_transaction_session_timeout). The attempt
  // fails after LEAD_LOCK_TIMEOUT_MS instead, and the next round tries again.
  db.exec(`BEGIN; SET LOCAL lock_timeout = ${LEAD_LOCK_TIMEOUT_MS}`);
  let row: LeaderRecord | undefined;
  try {
    [row] = db.query<LeaderRecord>(
      `INSERT INTO hactl_leader AS l (id, holder, epoch, expires_at, grpc, http)
       VALUES (1, $1, 1, clock_timestamp() + $2::bigint * interval '1 millisecond', $3, $4)
       ON CONFLICT (id) DO UPDATE SET
         holder = excluded.holder,
         epoch = CASE WHEN l.holder = excluded.holder AND l.expires_at > clock_timestamp()
                      THEN l.epoch ELSE l.epoch + 1 END,
         expires_at = clock_timestamp() + $2::bigint * interval '1 millisecond',
         grpc = excluded.grpc, http = excluded.http
       WHERE l.holder = excluded.holder OR l.expires_at <= clock_timestamp()
       RETURNING ${RECORD}`,
      [holder, Math.round(ttlMs), endpoints.grpc, endpoints.http],
    );
    db.exec('COMMIT');
  } catch (err) {
    if (db.inTransaction()) db.exec('ROLLBACK');
    throw err;
  }
  if (row) return { leading: true, epoch: row.epoch, current: row };
  return { leading: false, epoch: 0, current: currentLeader(db) };
}

/** The live lease; undefined when none was ever taken or it has expired. */
export function currentLeader(db: PgConnection): LeaderRecord | undefined {
  return db.query<LeaderRecord>(
    `SELECT ${RECORD} FROM hactl_leader WHERE id = 1 AND expires_at > clock_timestamp()`,
  )[0];
}

/** Ends `holder`'s lease of `epoch` now (clean shutdown: the next replica need not wait out the TTL). */
export function resign(db: PgConnection, holder: string, epoch: number): void {
  db.query(
    'UPDATE hactl_leader SET expires_at = clock_timestamp() WHERE id = 1 AND holder = $1 AND epoch = $2',
    [holder, epoch],
  );
}

/**
 * Whether `fence`'s term still holds. Inside a transaction, `FOR SHARE` keeps the lease row locked
 * until commit: a competing takeover (an upsert of that row) waits, so the transaction's writes
 * commit under a live lease or not at all.
 */
export function checkFence(db: PgConnection, fence: Fence): boolean {
  return (
    db.query(
      `SELECT 1 FROM hactl_leader
         WHERE id = 1 AND holder = $1 AND epoch = $2 AND expires_at > clock_timestamp() FOR SHARE`,
      [fence.holder, fence.epoch],
    ).length === 1
  );
}

/** A replica that announced itself recently: its endpoints and whether it holds the live lease. */
export interface ReplicaRecord {
  holder: string;
  grpc: string;
  http: string;
  /** ms since its last announcement, by the server's clock. */
  seenAgoMs: number;
  leading: boolean;
}

/** How long a replica's announcement is kept after it stopped announcing (ms): an hour. */
const REPLICA_FORGET_MS = 3_600_000;

/**
 * Records that `holder` is alive at `endpoints` (every lease round, leader or not), and forgets
 * replicas silent for an hour, so the list stays the fleet's current replicas.
 */
export function announceReplica(
  db: PgConnection,
  holder: string,
  endpoints: { grpc: string; http: string },
): void {
  // One statement, one round trip per lease round and replica.
  db.query(
    `WITH forgotten AS (
       DELETE FROM hactl_replicas
        WHERE holder <> $1 AND seen_at < clock_timestamp() - $4::bigint * interval '1 millisecond')
     INSERT INTO hactl_replicas (holder, grpc, http, seen_at) VALUES ($1, $2, $3, clock_timestamp())
       ON CONFLICT (holder) DO UPDATE SET grpc = excluded.grpc, http = excluded.http, seen_at = excluded.seen_at`,
    [holder, endpoints.grpc, endpoints.http, REPLICA_FORGET_MS],
  );
}

/** The replicas that announced themselves within `freshMs`, the leader first, then by endpoint. */
export function listReplicas(db: PgConnection, freshMs: number): ReplicaRecord[] {
  return db.query<ReplicaRecord>(
    `SELECT r.holder, r.grpc, r.http,
            GREATEST(0, (EXTRACT(EPOCH FROM clock_timestamp() - r.seen_at) * 1000)::bigint) AS "seenAgoMs",
            COALESCE(l.holder = r.holder AND l.expires_at > clock_timestamp(), false) AS "leading"
       FROM hactl_replicas r LEFT JOIN hactl_leader l ON l.id = 1
      WHERE r.seen_at > clock_timestamp() - $1::bigint * interval '1 millisecond'
      ORDER BY "leading" DESC, r.grpc`,
    [Math.round(freshMs)],
  );
}
