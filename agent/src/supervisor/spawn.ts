import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';

export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export const defaultSpawn: SpawnFn = (command, args, options) => nodeSpawn(command, args, options);

export interface LaunchSpec {
  command: string;
  args: readonly string[];
  env: Record<string, string>;
  cwd: string;
  logFile: string;
  /** Run as this account (setgid, then setuid; libuv drops supplementary groups). Absent: the agent's own. */
  user?: { uid: number; gid: number } | undefined;
}

export interface Launched {
  pid: number;
  child: ChildProcess;
  /** Resolves when the process exits (our child, so Node reaps it and reports code/signal). */
  exited: Promise<{ code: number | null; signal: string | null }>;
}

/**
 * Starts the service so that it outlives the agent:
 * - `detached: true` puts it in its own session and process group (setsid), so a signal to the
 *   agent's group (Ctrl-C, systemd stopping the agent with KillMode=process) does not reach it, and
 *   `stop()` can signal the whole group, wrapper scripts and JVM alike;
 * - stdout and stderr are the log file itself, opened O_APPEND, never pipes: with a pipe the service
 *   gets SIGPIPE/EPIPE on its next write once the agent (the reader) is gone;
 * - `unref()` lets the agent exit while the child runs.
 * The environment is exactly `env`: nothing of the agent's own environment leaks in, so the caller
 * must provide PATH, JAVA_HOME and the like.
 */
export async function startDetachedProcess(spec: LaunchSpec, spawn: SpawnFn): Promise<Launched> {
  await mkdir(dirname(spec.logFile), { recursive: true });
  const log = await open(spec.logFile, 'a', 0o640);
  let child: ChildProcess;
  let spawned: Promise<void>;
  let exited: Launched['exited'];
  try {
    // uv_spawn forks and dup2()s the descriptor synchronously, so it can be closed as soon as spawn returns.
    const ids = spec.user ? { uid: spec.user.uid, gid: spec.user.gid } : {};
    child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      ...ids,
    });
    // Listeners go on before anything awaits: a failed spawn emits 'error' on the next tick.
    exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    spawned = new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => {
        child.off('error', reject);
        resolve();
      });
    });
    // Marks the rejection handled while the close below is awaited; `await spawned` still throws.
    spawned.catch(() => undefined);
  } finally {
    await log.close();
  }
  await spawned;
  // Later 'error' events (a failed child.kill) must not crash the agent; we signal with process.kill.
  child.on('error', () => {});
  child.unref();
  if (child.pid === undefined) throw new Error('spawned process has no pid');
  return { pid: child.pid, child, exited };
}

/**
 * Sends `signal` to the process group `pgid` (a negative pid to kill(2)) or, without a group, to `pid`.
 * 'gone' when nothing was there to signal.
 */
export function signalProcess(
  target: { pid: number; pgid: number | undefined },
  signal: NodeJS.Signals,
): 'sent' | 'gone' {
  try {
    process.kill(target.pgid !== undefined ? -target.pgid : target.pid, signal);
    return 'sent';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return 'gone';
    throw err;
  }
}
