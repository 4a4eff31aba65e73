/**
 * A remote command's per-host progress, pure: which hosts start next under `parallel`, what an
 * agent's exit report means, and the command's view. Times are passed in (ms).
 */

/** Where one host of a command is. Final: every state but pending and running. */
export type HostState =
  'pending' | 'running' | 'exited' | 'killed' | 'capped' | 'timed_out' | 'cancelled' | 'failed' | 'lost';

export interface HostRun {
  idx: number;
  hostId: string;
  host: string;
  state: HostState;
  /** Set for `exited` (and a capped process that exited before the kill). */
  exitCode: number | null;
  signal: string;
  /** Why the host could not run it (agent refused, not connected, program not found). */
  error: string;
  outputBytes: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** An agent's ExecExit (proto), as the control plane reads it; the wire's `id` and timing aside. */
export interface ExitReport {
  hasExitCode: boolean;
  exitCode: number;
  signal: string;
  timedOut: boolean;
  capped: boolean;
  cancelled: boolean;
  error: string;
  outputBytes: number;
}

/** A host's run before it starts. */
export function pendingRun(idx: number, hostId: string, host: string): HostRun {
  return {
    idx,
    hostId,
    host,
    state: 'pending',
    exitCode: null,
    signal: '',
    error: '',
    outputBytes: 0,
    startedAt: null,
    finishedAt: null,
  };
}

export function isFinal(s: HostState): boolean {
  return s !== 'pending' && s !== 'running';
}

/** Whether a host's run counts as success: it exited with 0. */
export function succeeded(r: HostRun): boolean {
  return r.state === 'exited' && r.exitCode === 0;
}

/**
 * The hosts to start now: pending ones, in order, while fewer than `parallel` run. None once the
 * command is cancelled.
 */
export function planStarts(runs: readonly HostRun[], parallel: number, cancelled: boolean): HostRun[] {
  if (cancelled) return [];
  const running = runs.filter((r) => r.state === 'running').length;
  return runs.filter((r) => r.state === 'pending').slice(0, Math.max(0, parallel - running));
}

/**
 * A host's run after its agent's exit report. The most specific reason wins: could not run, then
 * cancelled, timed out, capped, then how the process ended.
 */
export function applyExit(r: HostRun, e: ExitReport, now: number): HostRun {
  const state: HostState = e.error
    ? 'failed'
    : e.cancelled
      ? 'cancelled'
      : e.timedOut
        ? 'timed_out'
        : e.capped
          ? 'capped'
          : e.hasExitCode
            ? 'exited'
            : 'killed';
  return {
    ...r,
    state,
    exitCode: e.hasExitCode ? e.exitCode : null,
    signal: e.signal,
    error: e.error,
    outputBytes: e.outputBytes,
    finishedAt: now,
  };
}

/** A run that ends without an agent's report (not connected, stream lost, cancelled before start). */
export function endRun(
  r: HostRun,
  state: 'lost' | 'cancelled' | 'failed',
  error: string,
  now: number,
): HostRun {
  return { ...r, state, error, finishedAt: now };
}

/** One line per host for the audit event: `kafka1=0`, `kafka2=timed_out`, `kafka3=lost`. */
export function outcomeSummary(runs: readonly HostRun[]): string {
  return runs.map((r) => `${r.host}=${r.state === 'exited' ? String(r.exitCode) : r.state}`).join(' ');
}

/** An exit report as a test agent sends it: exit code 0 unless `over` says otherwise. */
export function exitReport(over: Partial<ExitReport> = {}): ExitReport {
  return {
    hasExitCode: true,
    exitCode: 0,
    signal: '',
    timedOut: false,
    capped: false,
    cancelled: false,
    error: '',
    outputBytes: 0,
    ...over,
  };
}
