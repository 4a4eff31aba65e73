import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SqliteStore } from './sqlite-store.js';
import { startWalCheckpointer } from './wal-checkpointer.js';

let dir: string;
const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/store');
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Resolves once `check` holds, polling every 20 ms; rejects after `ms`. */
async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** About 2 MB of events in one transaction: 500 pages of the log, under SQLite's automatic threshold. */
function writeEvents(store: SqliteStore): void {
  store.transaction(() => {
    for (let i = 0; i < 2000; i++)
      store.appendEvent({
        at: i,
        type: 'test',
        cluster: null,
        host: null,
        message: 'x'.repeat(1000),
        data_json: '{}',
      });
  });
}

describe('SQLite WAL checkpoints on their own thread', () => {
  it('a commit leaves its pages in the log; the thread copies them into the database file', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-ckpt-'));
    const file = path.join(dir, 'state.db');
    const failures: string[] = [];
    const store = new SqliteStore(file, {
      backgroundCheckpoints: { intervalMs: 50, onFailure: (r) => failures.push(r) },
    });
    const before = fs.statSync(file).size;
    writeEvents(store);
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(2_000_000);
    await until(
      'the database file to take the logged pages',
      () => fs.statSync(file).size > before + 2_000_000,
    );
    expect(store.listEvents({ limit: 1 })).toHaveLength(1);
    store.close();
    expect(failures).toEqual([]);
  });

  it('a thread that cannot open the database reports why, once', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-ckpt-'));
    const failures: string[] = [];
    const ckpt = startWalCheckpointer({
      file: path.join(dir, 'missing', 'state.db'),
      intervalMs: 50,
      onFailure: (r) => failures.push(r),
    });
    await until('the failure', () => failures.length > 0);
    await ckpt.stop();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/checkpoint thread failed: .*directory does not exist|unable to open/i);
  });

  it('stop() ends the thread without a failure', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-ckpt-'));
    const file = path.join(dir, 'state.db');
    new SqliteStore(file).close();
    const failures: string[] = [];
    const ckpt = startWalCheckpointer({ file, intervalMs: 50, onFailure: (r) => failures.push(r) });
    await ckpt.stop();
    expect(failures).toEqual([]);
  });

  it('a process that never closes its store still exits: the thread does not hold it', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-ckpt-'));
    const code = `
      const { SqliteStore } = await import(process.env.DIST + '/sqlite-store.js');
      const store = new SqliteStore(process.env.FILE, {
        backgroundCheckpoints: { intervalMs: 50, onFailure: (r) => console.log('failed: ' + r) },
      });
      store.transaction(() => store.appendEvent({ at: 1, type: 't', cluster: null, host: null, message: 'm', data_json: '{}' }));
      console.log('done');`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], {
      env: { ...process.env, DIST, FILE: path.join(dir, 'state.db') },
      timeout: 20_000,
    });
    expect(stdout.trim()).toBe('done');
  });
});
