import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_PAGE_SIZE, SqliteStore } from './sqlite-store.js';
import { MIGRATIONS } from './migrations.js';
import { describeStoreContract, reopenable } from './store-contract.js';

const dirs: string[] = [];
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-store-'));
  dirs.push(dir);
  return path.join(dir, 'state.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const { open, reopen } = reopenable(tempFile, (file) => new SqliteStore(file));
describeStoreContract('sqlite', open, reopen);

describe('sqlite store on a temp file', () => {
  it('opens in WAL with synchronous=FULL and foreign keys, at the latest schema version', () => {
    const file = tempFile();
    const store = new SqliteStore(file);
    expect(store.schemaVersion()).toBe(MIGRATIONS.length);
    store.close();
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('page_size', { simple: true })).toBe(SQLITE_PAGE_SIZE);
    db.close();
  });

  it('opens a database made with another page size as it is, keeping its rows', () => {
    const file = tempFile();
    new SqliteStore(file, { pageSize: 4096 }).close();
    const store = new SqliteStore(file);
    store.setMeta('k', 'v');
    store.close();
    const reopened = new SqliteStore(file);
    expect(reopened.getMeta('k')).toBe('v');
    reopened.close();
    const db = new Database(file);
    expect(db.pragma('page_size', { simple: true })).toBe(4096);
    db.close();
  });

  it.each([1000, 256, 131072])('refuses page size %d (SQLite would ignore it)', (pageSize) => {
    expect(() => new SqliteStore(tempFile(), { pageSize })).toThrow(/power of two from 512 to 65536/);
  });

  it('migration 12 says who failed the steps failed before it: the agent when the note says so, else the engine', () => {
    const file = tempFile();
    const db = new Database(file);
    for (const m of MIGRATIONS.slice(0, 11)) db.exec(m);
    db.pragma('user_version = 11');
    db.exec(
      "INSERT INTO rollouts (id, cluster, action, revision, state, reason, options_json, created_at, updated_at) VALUES ('r1', 'zk', 'restart', 1, 'paused', '', '{}', 1, 1)",
    );
    const step = db.prepare(
      "INSERT INTO rollout_steps (rollout_id, idx, instance_id, host_id, state, command_id, pid_before, requested_at, finished_at, note) VALUES ('r1', ?, ?, 'h', ?, '', 0, 0, 0, ?)",
    );
    step.run(0, 'zk/zk-1', 'failed', 'agent: not ready');
    step.run(1, 'zk/zk-2', 'failed', 'restarted (pid 1 → 2), holds no lease and is not serving yet');
    step.run(2, 'zk/zk-3', 'done', 'agent: ready in 900 ms');
    db.close();
    const store = new SqliteStore(file);
    expect(store.listRolloutSteps('r1').map((s) => s.failed_by)).toEqual(['agent', 'control-plane', '']);
    store.close();
  });

  it('migration 13 stores when each rollout began: the earliest time one of its steps was taken up', () => {
    const file = tempFile();
    const db = new Database(file);
    for (const m of MIGRATIONS.slice(0, 12)) db.exec(m);
    db.pragma('user_version = 12');
    const rollout = db.prepare(
      "INSERT INTO rollouts (id, cluster, action, revision, state, reason, options_json, created_at, updated_at) VALUES (?, 'zk', 'restart', 1, 'running', '', '{}', 1, 1)",
    );
    for (const id of ['r1', 'r2', 'r3']) rollout.run(id);
    const step = db.prepare(
      "INSERT INTO rollout_steps (rollout_id, idx, instance_id, host_id, state, command_id, pid_before, requested_at, finished_at, note) VALUES (?, ?, 'zk/zk-1', 'h', 'done', '', 0, ?, ?, '')",
    );
    step.run('r1', 0, 500, 900); // requested at 500
    step.run('r1', 1, 300, 400); // requested at 300: the earliest
    step.run('r2', 0, 0, 700); // a handover done without a request: its finish
    step.run('r3', 0, 0, 0); // never taken up
    db.close();
    const store = new SqliteStore(file);
    expect(['r1', 'r2', 'r3'].map((id) => store.getRollout(id)?.started_at)).toEqual([300, 700, 0]);
    store.close();
  });

  it('refuses to open a store written by a newer control plane', () => {
    const file = tempFile();
    const db = new Database(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => new SqliteStore(file)).toThrow(/newer than this control plane/);
  });
});
