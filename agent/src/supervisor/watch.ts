import { probeProcessAlive } from './proc.js';

export interface ProcessWatch {
  /** Resolves when the process is gone (or its pid now names another process). */
  exited: Promise<{ at: number }>;
  /** Stops polling; `exited` then never resolves. */
  unwatch(): void;
  /** Switches to the fast interval (while stopping, so stop() notices the exit promptly). */
  pollFast(): void;
}

/**
 * Polls /proc for a process that is not our child (adopted from a previous agent): no exit event or
 * exit status will ever reach us, so existence + start time is all there is.
 */
export function watchAdoptedProcess(opts: {
  pid: number;
  startTime: number;
  pollIntervalMs: number;
  fastPollIntervalMs: number;
  now: () => number;
  procRoot: string;
}): ProcessWatch {
  let timer: NodeJS.Timeout | undefined;
  let watching = true;
  let fast = false;
  let resolveExit: (e: { at: number }) => void = () => {};
  const exited = new Promise<{ at: number }>((resolve) => (resolveExit = resolve));
  const schedule = () => {
    timer = setTimeout(() => void tick(), fast ? opts.fastPollIntervalMs : opts.pollIntervalMs);
  };
  const tick = async () => {
    if (!watching) return;
    const alive = await probeProcessAlive(opts.pid, opts.startTime, opts.procRoot);
    if (!watching) return;
    if (alive) schedule();
    else resolveExit({ at: opts.now() });
  };
  schedule();
  return {
    exited,
    unwatch: () => {
      watching = false;
      clearTimeout(timer);
    },
    pollFast: () => {
      fast = true;
      clearTimeout(timer);
      schedule();
    },
  };
}
