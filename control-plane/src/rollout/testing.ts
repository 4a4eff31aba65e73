import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../store/sqlite-store.js';

/** A SQLite store in a fresh temporary directory, for control-plane tests; `dispose` removes both. */
export function tempSqliteStore(prefix: string): { store: SqliteStore; dispose: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const store = new SqliteStore(path.join(dir, 'state.db'));
  return {
    store,
    dispose: () => {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
