import { readFile } from 'node:fs/promises';
import { writeFileIfChanged } from '../files/atomic.js';

/**
 * What the supervisor records about a process it started, so a later agent (after a restart or an
 * upgrade) can recognise and adopt it instead of starting a second copy.
 */
export interface PidRecord {
  pid: number;
  /** /proc/<pid>/stat field 22; guards against pid reuse. */
  startTime: number;
  command: string;
  args: string[];
  instanceId: string;
}

/** Byte-stable JSON for the pid file (fixed key order, trailing newline). */
export function renderPidRecord(r: PidRecord): string {
  return (
    JSON.stringify({
      pid: r.pid,
      startTime: r.startTime,
      command: r.command,
      args: r.args,
      instanceId: r.instanceId,
    }) + '\n'
  );
}

/** Parses a pid file; a reason instead of a record when it is not one of ours or is damaged. */
export function parsePidRecord(text: string): { record: PidRecord } | { reason: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { reason: 'pid file is not JSON' };
  }
  if (typeof v !== 'object' || v === null) return { reason: 'pid file is not an object' };
  const o = v as Record<string, unknown>;
  if (typeof o.pid !== 'number' || !Number.isInteger(o.pid) || o.pid <= 1)
    return { reason: 'pid file has no valid pid' };
  if (typeof o.startTime !== 'number' || !Number.isInteger(o.startTime))
    return { reason: 'pid file has no valid startTime' };
  if (typeof o.command !== 'string') return { reason: 'pid file has no command' };
  if (!Array.isArray(o.args) || !o.args.every((a): a is string => typeof a === 'string'))
    return { reason: 'pid file has no args' };
  if (typeof o.instanceId !== 'string') return { reason: 'pid file has no instanceId' };
  return {
    record: {
      pid: o.pid,
      startTime: o.startTime,
      command: o.command,
      args: o.args,
      instanceId: o.instanceId,
    },
  };
}

/** Reads the pid file; undefined when there is none. */
export async function readPidFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function writePidFile(path: string, r: PidRecord): Promise<void> {
  await writeFileIfChanged(path, renderPidRecord(r), { mode: 0o644 });
}
