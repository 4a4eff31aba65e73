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

  it('a statement that failed inside a transaction, its error caught, makes the commit refuse', () => {
    const store = new PgStore(freshDatabase());
    expect(() =>
      store.transaction(() => {
        store.setMeta('a', '1');
        expect(() =>
          store.setHostDesired({ host_id: 'ghost', generation: 1, state_json: '{}', updated_at: 1 }),
        ).toThrow(/foreign key/);
      }),
    ).toThrow(/aborted by a failed statement.*nothing was committed/);
    expect(store.getMeta('a')).toBeUndefined();
    store.close();
  });
});
