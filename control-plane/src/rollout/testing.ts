import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MemberStatus } from '@hactl/shared';
import { SqliteStore } from '../store/sqlite-store.js';

/**
 * A ZooKeeper member status in `mode` (leader, follower, unknown), for the rollout tests; the
 * leader leads and ranks last, as the ZooKeeper kind's health rollup says.
 */
export function zkMember(mode: string): MemberStatus {
  return {
    instance: 'zk/zk-2',
    host: 'zk2',
    id: 2,
    address: '127.0.0.12',
    port: 2181,
    role: 'member',
    mode,
    process: 'running',
    lastProbe: null,
    detail: '',
    pid: 0,
    restarts: 0,
    leading: mode === 'leader',
    restartRank: mode === 'leader' ? 2 : 0,
  };
}

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
