import fs from 'node:fs/promises';
import { initFlow, planChunk, planCredit, planPayloads, MAX_CHUNK_BYTES, type FlowState } from './flow.js';
import { filterSince, planFollow, tailStart, type OpenFile } from './follow-plan.js';
import type { ExecSink, RunningExec } from './runner.js';

export interface FollowRequest {
  file: string;
  /** Lines of the existing file to send first (at most the last 1 MiB of it). */
  tailLines: number;
  /** 0, or: of those lines, only the ones stamped at or after this time (ms UTC). */
  sinceMs: number;
  /** 0: the default window (flow.ts). */
  windowBytes: number;
}

export interface FollowOptions {
  /** How often the path is checked while nothing new is there (ms). */
  pollMs: number;
  now: () => number;
}

/** How much of the existing file is read for the first lines. */
const TAIL_READ_BYTES = 1024 * 1024;

/**
 * Follows a log file like `tail -F` until cancelled: the last lines first, then whatever is
 * appended, across rotation (follow-plan.ts decides). Polls the path every `pollMs` rather than
 * using fs.watch: a watch follows the inode it was set on, so after log4j renames the file it
 * watches the old one, and inotify is not available on every file system (NFS); a stat every
 * 250 ms is cheap and sees every kind of rotation. Reading waits while the credit window is full.
 * Output goes to `sink` as stdout; `end` comes once, after cancel (or an I/O error other than a
 * missing file).
 */
export function startFollow(req: FollowRequest, sink: ExecSink, o: FollowOptions): RunningExec {
  const started = o.now();
  let flow: FlowState = initFlow(Number.MAX_SAFE_INTEGER, req.windowBytes);
  let fh: fs.FileHandle | undefined;
  let open: OpenFile | undefined;
  let cancelled = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  const emit = (data: Buffer): void => {
    if (data.length === 0) return;
    flow = planChunk(flow, data.length).state;
    const p = planPayloads(flow, data);
    flow = p.state;
    for (const part of p.parts) sink.output({ seq: part.seq, stream: 'stdout', data: part.data });
  };
  const pause = (ms: number): Promise<void> =>
    new Promise((r) => {
      wake = r;
      timer = setTimeout(r, ms);
    });
  const statPath = async (): Promise<{ ino: number; size: number } | undefined> => {
    try {
      const s = await fs.stat(req.file);
      return { ino: s.ino, size: s.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  };
  const openPath = async (): Promise<void> => {
    await fh?.close();
    fh = await fs.open(req.file, 'r');
    const s = await fh.stat();
    open = { ino: s.ino, pos: 0, size: s.size };
  };

  async function loop(): Promise<void> {
    if (await statPath()) {
      await openPath();
      const size = open!.size;
      const from = Math.max(0, size - TAIL_READ_BYTES);
      const buf = Buffer.alloc(size - from);
      await fh!.read(buf, 0, buf.length, from);
      const text = filterSince(buf.toString('utf8'), req.sinceMs);
      emit(Buffer.from(text.slice(tailStart(text, req.tailLines))));
      open!.pos = size;
    }
    while (!cancelled) {
      if (flow.inFlight >= flow.window) {
        await pause(o.pollMs);
        continue;
      }
      // The path first, then the open file: bytes appended before a rename are then in the open
      // file's size when the path already names the new file. The other order lost a line written
      // just before the rename (seen in the suite: "five" missing from the rotation test).
      const now = await statPath();
      if (fh && open) open.size = (await fh.stat()).size;
      const step = planFollow(open, now);
      if (step.do === 'wait') await pause(o.pollMs);
      else if (step.do === 'reopen') await openPath();
      else if (step.do === 'rewind') open!.pos = 0;
      else {
        const buf = Buffer.alloc(Math.min(MAX_CHUNK_BYTES, open!.size - open!.pos));
        const { bytesRead } = await fh!.read(buf, 0, buf.length, open!.pos);
        open!.pos += bytesRead;
        emit(buf.subarray(0, bytesRead));
      }
    }
  }

  const finish = (error: string): void => {
    clearTimeout(timer);
    void fh?.close().catch(() => undefined);
    sink.end({
      hasExitCode: error === '',
      exitCode: 0,
      signal: '',
      timedOut: false,
      capped: false,
      cancelled,
      error,
      outputBytes: flow.sent,
      durationMs: Math.max(0, o.now() - started),
    });
    resolveDone();
  };
  loop().then(
    () => finish(''),
    (err: unknown) =>
      finish(`cannot follow ${req.file}: ${err instanceof Error ? err.message : String(err)}`),
  );

  return {
    credit(bytes) {
      const c = planCredit(flow, bytes);
      flow = c.state;
      if (c.resume && wake) {
        clearTimeout(timer);
        wake();
      }
    },
    cancel() {
      cancelled = true;
      clearTimeout(timer);
      wake?.();
    },
    done,
  };
}
