import Client from 'pg-native';

/**
 * A synchronous PostgreSQL connection (libpq through pg-native): the store interface is synchronous
 * (the core calls it inside synchronous transactions, as it does better-sqlite3), and libpq's
 * blocking calls keep it so. Values come back as the SQLite store returns them: BIGINT (OID 20),
 * INTEGER and SMALLINT as JS numbers, text as strings, NULL as null.
 */
/** libpq's PQTRANS_UNKNOWN: the connection is bad. */
const PQTRANS_UNKNOWN = 4;
/** How long the server lets a session sit idle inside a transaction before ending it (ms). */
const IDLE_IN_TRANSACTION_MS = 5000;

export class PgConnection {
  private client: Client;
  /** Prepared statement names by SQL text: parsed and planned once per connection. */
  private readonly prepared = new Map<string, string>();

  /** @throws Error naming `url` without its password when the server cannot be reached. */
  constructor(readonly url: string) {
    this.client = PgConnection.open(url);
  }

  private static open(url: string): Client {
    const client = new Client({ types: TYPES });
    try {
      client.connectSync(url);
    } catch (err) {
      throw new Error(`cannot connect to PostgreSQL at ${redactUrl(url)}: ${messageOf(err)}`, { cause: err });
    }
    // libpq prints notices to stderr (e.g. "relation already exists, skipping" at every open).
    client.querySync('SET client_min_messages TO warning');
    // A transaction left open by a replica that froze (SIGSTOP, a stalled VM) would hold its
    // locks — the leader row FOR SHARE among them — until the replica woke; the server ends such a
    // session instead, rolling its transaction back, so the other replicas can take over.
    client.querySync(`SET idle_in_transaction_session_timeout = ${IDLE_IN_TRANSACTION_MS}`);
    return client;
  }

  /**
   * A connection the server ended (idle_in_transaction_session_timeout, a restart) fails its next
   * statement; the one after that, outside a transaction, gets a new connection. Inside a
   * transaction there is nothing to resume: its statements fail and the transaction with them.
   */
  private reconnectIfBroken(): void {
    if (this.client.pq.transactionStatus() !== PQTRANS_UNKNOWN) return;
    this.endClient(this.client);
    this.prepared.clear();
    this.client = PgConnection.open(this.url);
  }

  /** Runs one statement (prepared on first use) with `$1…` parameters; returns its rows. */
  query<R = Record<string, unknown>>(text: string, params: readonly unknown[] = []): R[] {
    const values = params.map(toParam);
    this.reconnectIfBroken();
    try {
      let name = this.prepared.get(text);
      if (!name) {
        name = `hactl_${this.prepared.size + 1}`;
        this.client.prepareSync(name, text, 0);
        this.prepared.set(text, name);
      }
      return this.client.executeSync(name, values) as R[];
    } catch (err) {
      throw this.wrap(err);
    }
  }

  /** Runs SQL text without parameters, several statements allowed (migrations, BEGIN/COMMIT). */
  exec(text: string): void {
    this.reconnectIfBroken();
    try {
      this.client.querySync(text);
    } catch (err) {
      throw this.wrap(err);
    }
  }

  /** Whether the connection is inside a transaction block, a failed one included. */
  inTransaction(): boolean {
    const s = this.client.getTransactionStatus();
    return s === 'T' || s === 'E';
  }

  /**
   * Closes the connection. node-libpq's finish() closes the socket watcher embedded in its native
   * object with uv_close, which completes at the end of this turn of the event loop, yet leaves the
   * object free to be garbage-collected at once; collected before that, libuv reads freed memory
   * and aborts the process (`uv__finish_close: Assertion ... failed`, seen when tests closed stores
   * and made garbage). The client is kept reachable until a timer on a later turn.
   */
  close(): void {
    this.endClient(this.client);
  }

  private endClient(client: Client): void {
    client.end();
    closing.add(client);
    setTimeout(() => closing.delete(client), 0).unref();
  }

  /**
   * pg-native throws a bare Error with libpq's multi-line text; the SQLSTATE and the message's
   * parts are on the libpq handle: one line, the primary message and its detail.
   */
  private wrap(err: unknown): PgError {
    const f = this.client.pq.resultErrorFields();
    const message = f?.messagePrimary
      ? `${f.messagePrimary}${f.messageDetail ? ` (${f.messageDetail})` : ''}`
      : messageOf(err).trim();
    return new PgError(message, f?.sqlState ?? '', err);
  }
}

/** Closed clients until their socket watcher's close completed (PgConnection.close). */
const closing = new Set<Client>();

/** A failed statement: PostgreSQL's message and SQLSTATE (https://www.postgresql.org/docs/15/errcodes-appendix.html). */
export class PgError extends Error {
  constructor(
    message: string,
    readonly sqlState: string,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = 'PgError';
  }
}

/** SQLSTATE 53100 disk_full: the server could not extend a file. */
export const PG_DISK_FULL = '53100';

/** `url` with its password replaced by `***`, for error messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    // A libpq key=value string: hide password=… the same way.
    return url.replace(/(password\s*=\s*)('[^']*'|\S+)/gi, '$1***');
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** libpq takes text parameters; null is SQL NULL (undefined too: a field left out of a row). */
function toParam(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : String(v as number | boolean | bigint);
}

const INT8 = 20;
const INT2 = 21;
const INT4 = 23;
const BOOL = 16;

/** Parses an integer column; a BIGINT beyond 2^53 would lose digits as a number, so it is refused. */
function parseInteger(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n))
    throw new Error(`PostgreSQL integer ${text} is beyond JavaScript's safe integers`);
  return n;
}

/** Type parsers by OID: integers to numbers, booleans to booleans, everything else as text. */
const TYPES = {
  getTypeParser(oid: number): (text: string) => unknown {
    if (oid === INT8 || oid === INT4 || oid === INT2) return parseInteger;
    if (oid === BOOL) return (t: string) => t === 't';
    return (t: string) => t;
  },
};
