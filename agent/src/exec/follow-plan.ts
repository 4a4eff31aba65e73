/**
 * Following a log file across rotation, the decisions (pure). The follower holds the file open and
 * polls the path; what to do next depends on the open file and what the path names now:
 *
 * - log4j's DailyRollingFileAppender (Kafka's server.log → server.log.YYYY-MM-DD-HH) and
 *   RollingFileAppender (ZooKeeper's zookeeper.log → zookeeper.log.1) rename the file and create a
 *   new one at the path: the path's inode differs from the open file's. Read the old file to its
 *   end first (lines written just before the rename), then open the new one from its start.
 * - copytruncate rotation (logrotate) keeps the inode and cuts the file: the size shrinks below
 *   the read position. Start again from 0.
 * - The path missing (between rename and re-create): keep reading the open file, check again.
 */

export interface OpenFile {
  ino: number;
  /** Bytes read so far. */
  pos: number;
  /** The open file's current size. */
  size: number;
}

export type FollowStep =
  | { do: 'read' }
  | { do: 'wait' }
  | { do: 'reopen'; reason: 'rotated' | 'appeared' }
  | { do: 'rewind'; reason: 'truncated' };

/** The next step, from the open file (undefined: none open yet) and a stat of the path. */
export function planFollow(
  open: OpenFile | undefined,
  path: { ino: number; size: number } | undefined,
): FollowStep {
  if (!open) return path ? { do: 'reopen', reason: 'appeared' } : { do: 'wait' };
  if (open.size < open.pos) return { do: 'rewind', reason: 'truncated' };
  if (open.size > open.pos) return { do: 'read' };
  if (path && path.ino !== open.ino) return { do: 'reopen', reason: 'rotated' };
  return { do: 'wait' };
}

/** Where the tail of the last `lines` lines starts in `text` (the file's end, as read). */
export function tailStart(text: string, lines: number): number {
  if (lines <= 0) return text.length;
  let i = text.endsWith('\n') ? text.length - 1 : text.length;
  for (let n = 0; n < lines; n++) {
    const j = text.lastIndexOf('\n', i - 1);
    if (j < 0) return 0;
    i = j;
  }
  return i + 1;
}

/** A log line's leading timestamp (`2026-12-01 02:50:22,123`, `[2026-12-01T02:50:22.123Z]`), ms UTC; undefined when none. */
export function lineTime(line: string): number | undefined {
  const m = /^\[?(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,3}))?(Z)?/.exec(line);
  if (!m) return undefined;
  const t = Date.parse(`${m[1]}T${m[2]}.${(m[3] ?? '0').padEnd(3, '0')}Z`);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * The lines of `text` not older than `sinceMs` (timestamps read as UTC; lines without one, such as
 * stack traces, go with the line before them). 0 keeps everything.
 */
export function filterSince(text: string, sinceMs: number): string {
  if (sinceMs <= 0) return text;
  let keep = false;
  const out: string[] = [];
  for (const line of text.split(/(?<=\n)/)) {
    const t = lineTime(line);
    if (t !== undefined) keep = t >= sinceMs;
    if (keep) out.push(line);
  }
  return out.join('');
}
