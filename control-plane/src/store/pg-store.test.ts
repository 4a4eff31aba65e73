import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgStore } from './pg-store.js';
import { PgConnection } from './pg-client.js';
import { PG_MIGRATIONS } from './pg-migrations.js';
import { MIGRATIONS } from './migrations.js';
import { describeStoreContract, reopenable } from './store-contract.js';
import { startTempPostgres, type TestPostgres } from './pg-testing.js';

// One PostgreSQL for this file on 127.0.40.1 (this file's address), a database per test.
let pg: TestPostgres;
let n = 0;
beforeAll(async () => {
  pg = await startTempPostgres('127.0.40.1');
});
afterAll(() => pg?.stop());

const freshDatabase = () => pg.createDatabase(`store_${++n}`);
const { open, reopen } = reopenable(freshDatabase, (url) => new PgStore(url));
describeStoreContract('postgres', open, reopen);

describe('postgres store', () => {
  it('has one migration per SQLite migration, and opens at the latest', () => {
    expect(PG_MIGRATIONS.length).toBe(MIGRATIONS.length);
    const store = new PgStore(freshDatabase());
    expect(store.schemaVersion()).toBe(PG_MIGRATIONS.length);
    store.close();
  });

  it('refuses to open a store written by a newer control plane', () => {
    const url = freshDatabase();
    new PgStore(url).close();
    const raw = new PgConnection(url);
    raw.exec(`UPDATE hactl_schema SET version = ${PG_MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => new PgStore(url)).toThrow(/newer than this control plane/);
  });

  it('a server it cannot reach is named in the error, without the password', () => {
    let message = '';
    try {
      new PgStore('postgresql://hactl:s3cret@127.0.40.20:1/hactl');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(
      /^cannot connect to PostgreSQL at postgresql:\/\/hactl:\*\*\*@127\.0\.40\.20:1\/hactl: /,
    );
    expect(message).not.toContain('s3cret');
  });

  it('a full disk (SQLSTATE 53100) → StorageFullError (507), nothing written', () => {
    const url = freshDatabase();
    const store = new PgStore(url);
    // A full disk on demand: a trigger raising the error PostgreSQL raises when it cannot extend a file.
    const raw = new PgConnection(url);
    raw.exec(`CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$;
              CREATE TRIGGER full_disk BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION full_disk();`);
    raw.close();
    let caught: unknown;
    try {
      store.transaction(() => {
        store.setMeta('k', 'v');
        store.appendEvent({ at: 1, type: 't', cluster: null, host: null, message: 'm', data_json: '{}' });
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'insufficient_storage', retriable: true });
    expect((caught as Error).message).toMatch(
      /postgresql:\/\/postgres@127\.0\.40\.1:5432\/store_\d+ is full \(SQLSTATE 53100/,
    );
    expect(store.getMeta('k')).toBeUndefined();
    store.close();
  });

  it('a statement that failed inside a transaction, its error caught, makes the commit refuse', () => {
    const store = new PgStore(freshDatabase());
    expect(() =>
      store.transaction(() => {
        store.setMeta('a', '1');
        expect(() =>
          store.setHostDesired([{ host_id: 'ghost', generation: 1, state_json: '{}', updated_at: 1 }]),
        ).toThrow(/foreign key/);
      }),
    ).toThrow(/aborted by a failed statement.*nothing was committed/);
    expect(store.getMeta('a')).toBeUndefined();
    store.close();
  });
});
