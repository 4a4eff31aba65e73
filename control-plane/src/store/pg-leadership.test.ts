import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { PgStore } from './pg-store.js';
import { PgConnection } from './pg-client.js';
import { PG_MIGRATIONS } from './pg-migrations.js';
import { startTempPostgres, type TestPostgres } from './pg-testing.js';
import { FencedError } from './store.js';

// Replicas sharing one PostgreSQL on 127.0.40.2 (this file's address). Tests that need two replicas
// acting at once run the second in a child process on the built store (control-plane/dist): a
// synchronous store blocks its whole process while it waits on a lock.
let pg: TestPostgres;
let n = 0;
beforeAll(async () => {
  pg = await startTempPostgres('127.0.40.2');
});
afterAll(() => pg?.stop());

// Short enough that waiting out a lease is cheap, long enough that a loaded CI machine finishes the
// few statements a test makes within one lease.
const TTL = 1000;
const endpoints = (who: string) => ({ grpc: `${who}:9090`, http: `${who}:8080` });
const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/store');

function freshStore(): { url: string; a: PgStore; b: PgStore } {
  const url = pg.createDatabase(`lead_${++n}`);
  return { url, a: new PgStore(url), b: new PgStore(url) };
}

/**
 * How long a wait on another replica may take before it counts as a failure. The other replicas
 * are fresh node processes; at the start of the suite, beside two e2e labs booting JVMs, one took
 * over 10 s to reach its gate (2026-12-02).
 */
const WAIT_MS = 60_000;

/** Polls `cond` until true, blocking (inside a synchronous transaction); fails after `ms`. */
function waitSync(what: string, cond: () => boolean, ms = WAIT_MS): void {
  const deadline = Date.now() + ms;
  const tick = new Int32Array(new SharedArrayBuffer(4));
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    Atomics.wait(tick, 0, 0, 10);
  }
}

async function waitFor(what: string, cond: () => boolean, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs an ES module in a child node with the store's dist at `$DIST` and the database at `$URL`. */
async function runReplica(code: string, url: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], {
    env: { ...process.env, DIST, URL: url },
    timeout: 2 * WAIT_MS,
  });
  return stdout.trim();
}

/** What every replica script starts with: the store and a raw connection (for its gate). */
const PRELUDE = `const { PgStore } = await import(process.env.DIST + '/pg-store.js');
  const { PgConnection } = await import(process.env.DIST + '/pg-client.js');
  const gate = new PgConnection(process.env.URL);`;

/** `a` leads for TTL ms and fences its writes to that term; returns the epoch. */
function leadFenced(a: PgStore): number {
  const { epoch } = a.tryLead('a', TTL, endpoints('a'));
  a.setFence({ holder: 'a', epoch });
  return epoch;
}

const count = (db: PgConnection, sql: string) => db.query<{ n: number }>(sql)[0]!.n;
const advisoryWaiters = (db: PgConnection) =>
  count(db, `SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);

// Each test may wait WAIT_MS for a replica process, and then for another step of it.
describe('postgres leadership', { timeout: 3 * WAIT_MS }, () => {
  it('the first replica leads in epoch 1 and renews in it; another is refused and told who leads', () => {
    const { a, b } = freshStore();
    expect(a.currentLeader()).toBeUndefined();
    const first = a.tryLead('a', TTL, endpoints('a'));
    expect(first).toMatchObject({
      leading: true,
      epoch: 1,
      current: { holder: 'a', epoch: 1, ...endpoints('a') },
    });
    expect(first.current!.expiresInMs).toBeGreaterThan(0);
    expect(first.current!.expiresInMs).toBeLessThanOrEqual(TTL);
    expect(b.tryLead('b', TTL, endpoints('b'))).toMatchObject({
      leading: false,
      epoch: 0,
      current: { holder: 'a', epoch: 1, ...endpoints('a') },
    });
    expect(a.tryLead('a', TTL, endpoints('a'))).toMatchObject({ leading: true, epoch: 1 });
    expect(b.currentLeader()).toMatchObject({ holder: 'a', epoch: 1 });
    a.close();
    b.close();
  });

  it('an expired lease is taken with epoch + 1, by another replica or by its own holder', async () => {
    const { a, b } = freshStore();
    a.tryLead('a', TTL, endpoints('a'));
    await waitFor('the lease to expire', () => b.currentLeader() === undefined);
    expect(b.tryLead('b', TTL, endpoints('b'))).toMatchObject({
      leading: true,
      epoch: 2,
      current: { holder: 'b' },
    });
    expect(a.tryLead('a', TTL, endpoints('a'))).toMatchObject({
      leading: false,
      current: { holder: 'b', epoch: 2 },
    });
    await waitFor('the lease to expire', () => b.currentLeader() === undefined);
    // A renewal that comes too late is a new term, even for the same holder.
    expect(b.tryLead('b', TTL, endpoints('b'))).toMatchObject({ leading: true, epoch: 3 });
    a.close();
    b.close();
  });

  it('resign ends the lease at once for its own term only; the next replica takes it with epoch + 1', () => {
    const { a, b } = freshStore();
    const { epoch } = a.tryLead('a', 60_000, endpoints('a'));
    a.resign('a', epoch + 1);
    b.resign('b', epoch);
    expect(b.currentLeader()).toMatchObject({ holder: 'a', epoch });
    a.resign('a', epoch);
    expect(b.currentLeader()).toBeUndefined();
    expect(b.tryLead('b', 60_000, endpoints('b'))).toMatchObject({ leading: true, epoch: epoch + 1 });
    a.close();
    b.close();
  });

  it('a write fenced to a superseded term throws FencedError and changes nothing', async () => {
    const { a, b } = freshStore();
    expect(leadFenced(a)).toBe(1);
    a.setMeta('k', 'under epoch 1');
    expect(a.fenceHolds()).toBe(true);
    await waitFor('the lease to expire', () => b.currentLeader() === undefined);
    // Expired without a successor: no longer a term to write in.
    expect(a.fenceHolds()).toBe(false);
    expect(() => a.setMeta('k', 'expired')).toThrow(FencedError);
    b.tryLead('b', 60_000, endpoints('b'));
    expect(() => a.setMeta('k', 'superseded')).toThrow(FencedError);
    expect(() =>
      a.transaction(() => {
        a.upsertHost({
          id: 'h',
          name: 'h',
          address: '',
          data_root: '',
          labels_json: '{}',
          facts_json: '{}',
          agent_version: '',
          created_at: 1,
        });
      }),
    ).toThrow(/no longer leads \(epoch 1 was superseded/);
    expect(a.getMeta('k')).toBe('under epoch 1');
    expect(a.listHosts()).toEqual([]);
    let caught: unknown;
    try {
      a.setMeta('k', 'x');
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'not_leader', retriable: true });
    // Reads are not fenced; b, fenced to its own term, writes.
    b.setFence({ holder: 'b', epoch: 2 });
    b.setMeta('k', 'under epoch 2');
    expect(a.getMeta('k')).toBe('under epoch 2');
    a.close();
    b.close();
  });

  it('a takeover waits for a fenced transaction in flight (its rounds time out on the row meanwhile), which commits whole under its term', async () => {
    const { url, a } = freshStore();
    const gate = new PgConnection(url);
    gate.query('SELECT pg_advisory_lock(4242)');
    // Replica b: waits at the gate, then tries to lead until it does.
    const replica = runReplica(
      `${PRELUDE}
       const b = new PgStore(process.env.URL);
       gate.query('SELECT pg_advisory_lock(4242)');
       // A round waits at most a second for the row (lock_timeout), then the next round tries again.
       const attempt = () => {
         try {
           return b.tryLead('b', 60000, { grpc: 'b:9090', http: 'b:8080' });
         } catch (err) {
           if (!/lock timeout/.test(String(err))) throw err;
           return { leading: false };
         }
       };
       let r = attempt();
       while (!r.leading) {
         await new Promise((res) => setTimeout(res, 10));
         r = attempt();
       }
       console.log(JSON.stringify({ epoch: r.epoch, k: b.getMeta('k') }));`,
      url,
    );
    await waitFor('replica b at the gate', () => advisoryWaiters(gate) === 1);
    // a leads from now on: b's start-up (a node process) is not counted against a's lease.
    const epoch = leadFenced(a);
    a.transaction(() => {
      a.setMeta('k', 'first write');
      gate.query('SELECT pg_advisory_unlock(4242)');
      waitSync(
        'the lease to expire by the server clock',
        () =>
          count(gate, 'SELECT COUNT(*) AS n FROM hactl_leader WHERE expires_at < clock_timestamp()') === 1,
      );
      waitSync(
        'replica b to wait on the lease row',
        () =>
          count(
            gate,
            `SELECT COUNT(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%hactl_leader%'`,
          ) === 1,
      );
      a.setMeta('k', 'second write');
    });
    expect(JSON.parse(await replica)).toEqual({ epoch: epoch + 1, k: 'second write' });
    expect(() => a.setMeta('k', 'third write')).toThrow(FencedError);
    gate.close();
    a.close();
  });

  it('a replica frozen inside a transaction holds the lease row only until the server ends its session; its next statement reconnects', async () => {
    const { url, a, b } = freshStore();
    leadFenced(a);
    const frozen = new PgConnection(url);
    const pid = frozen.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')[0]!.pid;
    // What a leader frozen (SIGSTOP) in the middle of a fenced transaction leaves on the server.
    frozen.exec('BEGIN');
    frozen.query('SELECT 1 FROM hactl_leader WHERE id = 1 FOR SHARE');
    const gate = new PgConnection(url);
    await waitFor(
      'the server to end the session idle in its transaction',
      () => count(gate, `SELECT COUNT(*) AS n FROM pg_stat_activity WHERE pid = ${pid}`) === 0,
      15_000,
    );
    // The row is free: once a's lease has expired, b takes it without waiting on the frozen session.
    await waitFor('b to take over', () => b.tryLead('b', TTL, endpoints('b')).leading);
    // The thawed connection's first statement fails (its session is gone), the next one reconnects.
    expect(() => frozen.query('SELECT 1 AS n')).toThrow();
    expect(frozen.query<{ n: number }>('SELECT 1 AS n')).toEqual([{ n: 1 }]);
    frozen.close();
    gate.close();
    a.close();
    b.close();
  });

  it('two replicas starting at once on an empty database migrate it once', async () => {
    const url = pg.createDatabase(`lead_${++n}`);
    const gate = new PgConnection(url);
    gate.query('SELECT pg_advisory_lock(4343)');
    const start = `${PRELUDE}
       gate.query('SELECT pg_advisory_lock_shared(4343)');
       const s = new PgStore(process.env.URL);
       console.log(s.schemaVersion());`;
    const replicas = [runReplica(start, url), runReplica(start, url)];
    await waitFor('both replicas at the gate', () => advisoryWaiters(gate) === 2);
    gate.query('SELECT pg_advisory_unlock(4343)');
    expect(await Promise.all(replicas)).toEqual([String(PG_MIGRATIONS.length), String(PG_MIGRATIONS.length)]);
    expect(count(gate, 'SELECT version AS n FROM hactl_schema')).toBe(PG_MIGRATIONS.length);
    gate.close();
  });
});
