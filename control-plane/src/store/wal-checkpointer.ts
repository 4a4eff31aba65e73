import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * SQLite's WAL checkpoints, run on a thread of their own so the control plane's event loop never
 * runs one.
 *
 * A checkpoint copies the pages committed to the write-ahead log back into the database file and
 * fsyncs it. By default SQLite runs one inside the commit that takes the log past 1,000 pages
 * (`wal_autocheckpoint`), so an apply that stores 10,000 hosts' desired states (about 9 MB, 2,300
 * pages of 4 KiB) paid a whole checkpoint in every commit. SQLite's documentation
 * (sqlite.org/wal.html, "Application-Initiated Checkpoints") offers the way out used here: turn the
 * automatic checkpoints off and run them from a separate thread. Measured on 10,000 such rows in a
 * loop of commits (2 cores): commit 34-43 ms with automatic checkpoints, 18-21 ms with this thread.
 *
 * The thread runs PASSIVE checkpoints: they copy what they can without waiting for the writer or a
 * reader, so the main thread is never blocked by one. Durability is unchanged: a commit is on disk
 * once the log is fsynced (synchronous=FULL), whoever checkpoints it later.
 *
 * The thread has its own connection, from the same better-sqlite3 the store uses (resolved from
 * this module, so it works from the sources and from dist alike). Its code is a string because a
 * worker is started from a file or from code, and this is small enough to read in one place.
 */
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpointerOptions {
  /** The database file (its WAL is `<file>-wal`). */
  file: string;
  /** How often to checkpoint (ms). */
  intervalMs: number;
  /**
   * The thread failed or a checkpoint threw (with why). Called at most once; the store then turns
   * SQLite's automatic checkpoints back on, so its log cannot grow without bound (a thread that is
   * still running goes on checkpointing too, which SQLite allows).
   */
  onFailure: (reason: string) => void;
}

/** A running checkpoint thread. */
export interface WalCheckpointer {
  /** Ends the thread after it closes its connection; resolves when it has exited. */
  stop(): Promise<void>;
}

/** Starts the checkpoint thread for `opts.file`. The thread does not keep the process alive. */
export function startWalCheckpointer(opts: WalCheckpointerOptions): WalCheckpointer {
  const worker = new Worker(WORKER_CODE, {
    eval: true,
    workerData: {
      file: opts.file,
      intervalMs: opts.intervalMs,
      module: createRequire(import.meta.url).resolve('better-sqlite3'),
    },
  });
  let stopping = false;
  let failed = false;
  const fail = (reason: string) => {
    if (stopping || failed) return;
    failed = true;
    opts.onFailure(reason);
  };
  worker.on('message', (m: { error?: string }) => {
    if (m.error !== undefined) fail(`checkpoint failed: ${m.error}`);
  });
  worker.on('error', (err) => fail(`checkpoint thread failed: ${err.message}`));
  const exited = new Promise<void>((resolve) =>
    worker.on('exit', (code) => {
      fail(`checkpoint thread exited (code ${code})`);
      resolve();
    }),
  );
  // After the listeners: attaching a 'message' listener refs the worker's port again.
  worker.unref();
  return {
    stop() {
      if (!stopping) {
        stopping = true;
        worker.postMessage('close');
      }
      return exited;
    },
  };
}
