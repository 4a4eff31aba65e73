import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from './sqlite-store.js';
import { MIGRATIONS } from './migrations.js';
import { ensureControlPlaneId } from '../core.js';

const dirs: string[] = [];
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-store-'));
  dirs.push(dir);
  return path.join(dir, 'state.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const host = {
  id: 'zk1',
  name: 'zk1',
  address: '127.0.0.11',
  data_root: '/d',
  labels_json: '{}',
  facts_json: '{}',
  agent_version: '0.1.0',
  created_at: 1,
};
const rev = (revision: number) => ({
  cluster: 'zk',
  revision,
  kind: 'zookeeper',
  spec_json: `{"r":${revision}}`,
  author: 'test',
  message: '',
  created_at: revision,
});

describe('sqlite store on a temp file', () => {
  it('opens in WAL with synchronous=FULL and foreign keys, at the latest schema version', () => {
    const file = tempFile();
    const store = new SqliteStore(file);
    expect(store.schemaVersion()).toBe(MIGRATIONS.length);
    store.close();
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('keeps hosts, revisions and desired state across reopen', () => {
    const file = tempFile();
    const a = new SqliteStore(file);
    a.upsertHost(host);
    a.transaction(() => {
      a.addRevision(rev(1));
      a.setHostDesired({ host_id: 'zk1', generation: 1, state_json: '{"instances":[]}', updated_at: 1 });
    });
    a.addRevision(rev(2));
    a.recordLiveness([{ id: 'zk1', last_seen_at: 5, applied_generation: 1 }]);
    a.close();
    const b = new SqliteStore(file);
    expect(b.listHosts()).toMatchObject([{ name: 'zk1', last_seen_at: 5, applied_generation: 1 }]);
    expect(b.getCluster('zk')).toMatchObject({ current_revision: 2, kind: 'zookeeper' });
    expect(b.listRevisions('zk').map((r) => r.revision)).toEqual([1, 2]);
    expect(b.getHostDesired('zk1')).toMatchObject({ generation: 1 });
    b.close();
  });

  it('rolls back a failed transaction whole', () => {
    const store = new SqliteStore(tempFile());
    store.upsertHost(host);
    expect(() =>
      store.transaction(() => {
        store.addRevision(rev(1));
        store.addRevision(rev(1)); // duplicate primary key
      }),
    ).toThrow(/UNIQUE/);
    expect(store.getCluster('zk')).toBeUndefined();
    expect(store.listRevisions('zk')).toEqual([]);
    store.close();
  });

  it('refuses desired state for an unknown host (foreign key)', () => {
    const store = new SqliteStore(tempFile());
    expect(() =>
      store.setHostDesired({ host_id: 'ghost', generation: 1, state_json: '{}', updated_at: 1 }),
    ).toThrow(/FOREIGN KEY/);
    store.close();
  });

  it('refuses to open a store written by a newer control plane', () => {
    const file = tempFile();
    const db = new Database(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => new SqliteStore(file)).toThrow(/newer than this control plane/);
  });

  it('the control plane id is generated at the first start and survives a reopen; a new data dir gets a new one (issue 16 #6)', () => {
    const file = tempFile();
    let n = 0;
    const random = () => `generatedControlPlane${++n}`;
    const a = new SqliteStore(file);
    expect(ensureControlPlaneId(a, random)).toBe('generatedControlPlane1');
    a.close();
    const b = new SqliteStore(file);
    expect(ensureControlPlaneId(b, random)).toBe('generatedControlPlane1');
    b.close();
    const fresh = new SqliteStore(tempFile());
    expect(ensureControlPlaneId(fresh, random)).toBe('generatedControlPlane2');
    fresh.close();
  });
});
