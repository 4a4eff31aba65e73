/**
 * Restart policy for a supervised service instance. Pure: time and history arrive as data; the
 * decision comes back with its reason. No I/O, no clock.
 *
 * Choice on crash loops: systemd (Restart=on-failure + StartLimitBurst) stops retrying after a burst
 * and leaves the unit failed until someone intervenes. hactl's job is to keep a cluster member up
 * without a human, and the usual causes of a loop on these services are transient (a port still in
 * TIME_WAIT, a full disk, a ZooKeeper ensemble that is not up yet for Kafka/Storm). So by default a
 * crash loop keeps retrying at `maxBackoffMs` and is *reported* (`crashLoop: true`, the supervisor
 * stays in state 'crashed' with the reason) so the control plane can alert or fail over (Storm nimbus,
 * architecture §5). `onCrashLoop: 'give-up'` gives the systemd behaviour where that is wanted.
 *
 * Every unexpected exit counts, including exit code 0: the desired state says "running", so a service
 * that exits cleanly on its own is still down (systemd Restart=always, not on-failure).
 */

export interface RestartPolicy {
  /** Delay before the first restart after a run shorter than `resetAfterMs`. */
  initialBackoffMs: number;
  /** Upper bound for the delay; also the delay used while in a crash loop. */
  maxBackoffMs: number;
  /** Each further consecutive short run multiplies the delay by this. */
  multiplier: number;
  /** A run that lasted at least this long was healthy: the backoff starts over after it. */
  resetAfterMs: number;
  /** More exits than this within `windowMs` is a crash loop. Omitted: no crash-loop detection. */
  maxRestartsInWindow?: number;
  windowMs?: number;
  /** What to do in a crash loop (default 'retry-slowly', see the file comment). */
  onCrashLoop?: 'retry-slowly' | 'give-up';
}

/** One unexpected exit of the instance. */
export interface ExitRecord {
  /** When the exit was seen (ms since epoch, from the supervisor's injected clock). */
  at: number;
  /** How long that run lasted, in ms. */
  ranForMs: number;
  /** Exit code, or null when killed by a signal or unknown (adopted processes). */
  code: number | null;
  signal: string | null;
}

export type RestartDecision =
  | { action: 'restart'; delayMs: number; crashLoop: boolean; reason: string }
  | { action: 'give-up'; reason: string };

/** Production timings: 1 s doubling to 30 s; a minute of uptime forgives; >5 exits in 5 minutes is a loop. */
export function defaultRestartPolicy(): RestartPolicy {
  return {
    initialBackoffMs: 1_000,
    maxBackoffMs: 30_000,
    multiplier: 2,
    resetAfterMs: 60_000,
    maxRestartsInWindow: 5,
    windowMs: 300_000,
    onCrashLoop: 'retry-slowly',
  };
}

/** Fast timings for tests. */
export function testRestartPolicy(): RestartPolicy {
  return {
    initialBackoffMs: 10,
    maxBackoffMs: 100,
    multiplier: 2,
    resetAfterMs: 1_000,
    maxRestartsInWindow: 20,
    windowMs: 10_000,
    onCrashLoop: 'retry-slowly',
  };
}

/**
 * Decides what to do after the last exit in `history` (oldest first; the last entry is the exit just
 * seen). The delay grows with the number of consecutive short runs ending at the last exit:
 * initial × multiplier^(n−1), capped at maxBackoffMs.
 */
export function planRestart(
  history: readonly ExitRecord[],
  policy: RestartPolicy,
  now: number,
): RestartDecision {
  const last = history.at(-1);
  const what = last ? describeExit(last) : 'no exit recorded';

  const streak = countTrailingShortRuns(history, policy.resetAfterMs);
  const backoff = Math.min(
    policy.maxBackoffMs,
    policy.initialBackoffMs * Math.pow(policy.multiplier, Math.max(0, streak - 1)),
  );

  if (policy.maxRestartsInWindow !== undefined && policy.windowMs !== undefined) {
    const windowStart = now - policy.windowMs;
    const inWindow = history.filter((e) => e.at > windowStart).length;
    if (inWindow > policy.maxRestartsInWindow) {
      const loop = `crash loop: ${inWindow} exits within ${policy.windowMs} ms (limit ${policy.maxRestartsInWindow}); last ${what}`;
      if (policy.onCrashLoop === 'give-up') return { action: 'give-up', reason: loop };
      return {
        action: 'restart',
        delayMs: policy.maxBackoffMs,
        crashLoop: true,
        reason: `${loop}; retrying every ${policy.maxBackoffMs} ms`,
      };
    }
  }

  const why = streak === 0 ? 'after a healthy run' : `${streak} short run${streak === 1 ? '' : 's'} in a row`;
  return {
    action: 'restart',
    delayMs: backoff,
    crashLoop: false,
    reason: `${what}; restarting in ${backoff} ms (${why})`,
  };
}

/** Keeps only what `planRestart` can still need, so the history stays bounded. */
export function trimExitHistory(
  history: readonly ExitRecord[],
  policy: RestartPolicy,
  now: number,
): ExitRecord[] {
  // Enough trailing entries for the backoff to reach its cap, plus everything inside the window.
  const toCap =
    policy.multiplier > 1
      ? Math.ceil(
          Math.log(policy.maxBackoffMs / Math.max(1, policy.initialBackoffMs)) / Math.log(policy.multiplier),
        ) + 2
      : 2;
  const windowStart = policy.windowMs === undefined ? Infinity : now - policy.windowMs;
  const keepFrom = Math.max(0, history.length - Math.max(1, toCap));
  return history.filter((e, i) => i >= keepFrom || e.at > windowStart);
}

function countTrailingShortRuns(history: readonly ExitRecord[], resetAfterMs: number): number {
  let n = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const e = history[i];
    if (e === undefined || e.ranForMs >= resetAfterMs) break;
    n++;
  }
  return n;
}

function describeExit(e: ExitRecord): string {
  if (e.signal !== null) return `killed by ${e.signal} after ${e.ranForMs} ms`;
  if (e.code !== null) return `exited with code ${e.code} after ${e.ranForMs} ms`;
  return `exited (status unknown) after ${e.ranForMs} ms`;
}
