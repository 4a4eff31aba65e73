import { readFile } from 'node:fs/promises';

/** The fields of /proc/<pid>/stat the supervisor uses (proc(5)). */
export interface ProcStat {
  pid: number;
  comm: string;
  /** R, S, D, Z (zombie), T, ... */
  state: string;
  ppid: number;
  pgrp: number;
  /** Field 22: clock ticks after boot when the process started. With the pid it identifies a process uniquely across pid reuse. */
  startTime: number;
}

/**
 * Parses /proc/<pid>/stat. `comm` (field 2) is in parentheses and may itself contain spaces and
 * parentheses, so the fields are counted from the *last* ')' (proc(5) advises the same).
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 2)
    .trim()
    .split(' ');
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const state = rest[0];
  const ppid = Number(rest[1]);
  const pgrp = Number(rest[2]);
  const startTime = Number(rest[19]);
  if (
    state === undefined ||
    !Number.isInteger(pid) ||
    !Number.isInteger(ppid) ||
    !Number.isInteger(pgrp) ||
    !Number.isInteger(startTime)
  ) {
    return undefined;
  }
  return { pid, comm: text.slice(open + 1, close), state, ppid, pgrp, startTime };
}

/** /proc/<pid>/cmdline as argv (NUL-separated). */
export function parseCmdline(raw: Buffer): string[] {
  const parts = raw.toString('utf8').split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

/** Reads /proc/<pid>/stat; undefined when the process does not exist (or is unreadable). */
export async function readProcStat(pid: number, procRoot = '/proc'): Promise<ProcStat | undefined> {
  try {
    return parseProcStat(await readFile(`${procRoot}/${pid}/stat`, 'utf8'));
  } catch {
    // ENOENT/ESRCH: the process is gone; that is the answer, not an error.
    return undefined;
  }
}

/** Reads /proc/<pid>/cmdline; undefined when the process does not exist. Empty for zombies and kernel threads. */
export async function readCmdline(pid: number, procRoot = '/proc'): Promise<string[] | undefined> {
  try {
    return parseCmdline(await readFile(`${procRoot}/${pid}/cmdline`));
  } catch {
    return undefined;
  }
}

/** True while `pid` is the same process that started at `startTime` and has not exited (zombies count as exited). */
export async function probeProcessAlive(
  pid: number,
  startTime: number,
  procRoot = '/proc',
): Promise<boolean> {
  const st = await readProcStat(pid, procRoot);
  return st !== undefined && st.startTime === startTime && st.state !== 'Z' && st.state !== 'X';
}

/**
 * How long ago (ms) the process that started at `startTime` ticks after boot was started, from
 * /proc/uptime. USER_HZ is 100 on every Linux architecture the agent runs on (proc(5), sysconf(_SC_CLK_TCK)).
 */
export async function readProcessAgeMs(startTime: number, procRoot = '/proc'): Promise<number | undefined> {
  try {
    const uptimeSeconds = Number((await readFile(`${procRoot}/uptime`, 'utf8')).split(' ')[0]);
    if (!Number.isFinite(uptimeSeconds)) return undefined;
    return Math.max(0, Math.round(uptimeSeconds * 1000 - startTime * 10));
  } catch {
    return undefined;
  }
}
