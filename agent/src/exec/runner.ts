import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { ExecExit__Output } from '@hactl/proto';
import { capMarker, initFlow, planChunk, planCredit, planPayloads, type FlowState } from './flow.js';

/** One arbitrary command as the agent runs it (from an ExecStart). */
export interface ExecRequest {
  id: string;
  /** argv[0] is looked up in PATH; with `shell`, argv is one string for `/bin/sh -c`. */
  argv: string[];
  shell: boolean;
  /** 0: no timeout. */
  timeoutMs: number;
  /** 0: the default cap (flow.ts). */
  maxOutputBytes: number;
  /** 0: the default window (flow.ts). */
  windowBytes: number;
}

/** How a command ended: the wire's ExecExit without its id (`error`: why it could not run). */
export type ExecEnd = Omit<ExecExit__Output, 'id'>;

/** Where a running command's output goes; called in order, `end` exactly once and last. */
export interface ExecSink {
  output(chunk: { seq: number; stream: 'stdout' | 'stderr'; data: Buffer }): void;
  end(result: ExecEnd): void;
}

/** A running command: credit returns window space, cancel kills its process group. */
export interface RunningExec {
  credit(bytes: number): void;
  cancel(reason: string): void;
  /** Resolves when `end` has been called. */
  readonly done: Promise<void>;
}

export interface ExecOptions {
  env: Record<string, string>;
  cwd?: string;
  /** After SIGTERM to the group, SIGKILL follows after this long (ms). */
  killGraceMs: number;
  now: () => number;
}

/**
 * Starts `req` in its own process group (spawn detached: the child leads a new group), so a
 * timeout, the cap or a cancel kills everything it started, not only the first process:
 * SIGTERM to the group, then SIGKILL after `killGraceMs` (the same escalation as `timeout -k`).
 * No shell unless `req.shell`. Output goes to `sink` in chunks under the cap and the credit
 * window of flow.ts; while the window is full the child's pipes are paused and the child blocks
 * on its own writes. Never throws: a command that cannot start ends with `error` set.
 */
export function startExec(req: ExecRequest, sink: ExecSink, o: ExecOptions): RunningExec {
  const started = o.now();
  let flow: FlowState = initFlow(req.maxOutputBytes, req.windowBytes);
  let timedOut = false;
  let cancelled = false;
  let killing = false;
  let discard = false;
  let ended = false;
  let killTimer: NodeJS.Timeout | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  const [file, args] = req.shell
    ? ['/bin/sh', ['-c', req.argv.join(' ')]]
    : [req.argv[0] ?? '', req.argv.slice(1)];
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: o.env,
      ...(o.cwd ? { cwd: o.cwd } : {}),
    });
  } catch (err) {
    finish({ error: `cannot start ${file}: ${err instanceof Error ? err.message : String(err)}` });
    return { credit: () => undefined, cancel: () => undefined, done };
  }
  const pipes = [child.stdout!, child.stderr!] as const;

  const timer =
    req.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          killGroup();
        }, req.timeoutMs)
      : undefined;

  function killGroup(): void {
    // Output after the kill decision is dropped; reading on lets the pipes reach their end.
    discard = true;
    for (const p of pipes) p.resume();
    if (killing || child.pid === undefined) return;
    killing = true;
    signalGroup(child.pid, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), o.killGraceMs);
  }

  function onData(stream: 'stdout' | 'stderr', data: Buffer): void {
    if (discard) return;
    const plan = planChunk(flow, data.length);
    flow = plan.state;
    if (plan.take > 0) emit(stream, data.subarray(0, plan.take));
    if (plan.capReached) {
      emit('stderr', Buffer.from(capMarker(flow.cap)));
      killGroup();
    } else if (plan.pause) for (const p of pipes) p.pause();
  }

  function emit(stream: 'stdout' | 'stderr', data: Buffer): void {
    const p = planPayloads(flow, data);
    flow = p.state;
    for (const part of p.parts) sink.output({ seq: part.seq, stream, data: part.data });
  }

  function finish(r: Partial<ExecEnd>): void {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    // A kill in progress keeps its SIGKILL: a group member that ignored SIGTERM and let go of the
    // pipes must not outlive the command because the leader ended first.
    killTimer?.unref();
    sink.end({
      hasExitCode: false,
      exitCode: 0,
      signal: '',
      timedOut,
      capped: flow.capped,
      cancelled,
      error: '',
      outputBytes: flow.sent,
      durationMs: Math.max(0, o.now() - started),
      ...r,
    });
    resolveDone();
  }

  pipes[0].on('data', (d: Buffer) => onData('stdout', d));
  pipes[1].on('data', (d: Buffer) => onData('stderr', d));
  child.on('error', (err) => finish({ error: `cannot start ${file}: ${err.message}` }));
  // 'close': the process exited and its pipes ended (a background child holding them keeps the
  // command running until it exits too, or until the timeout kills the group).
  child.on('close', (code, signal) =>
    finish(code === null ? { signal: signal ?? '' } : { hasExitCode: true, exitCode: code }),
  );

  return {
    credit(bytes) {
      const c = planCredit(flow, bytes);
      flow = c.state;
      if (c.resume && !discard) for (const p of pipes as readonly Readable[]) p.resume();
    },
    cancel() {
      if (ended) return;
      cancelled = true;
      killGroup();
    },
    done,
  };
}

/** Signals a whole process group; a group that is already gone is fine. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
