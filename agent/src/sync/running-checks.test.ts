import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '@hactl/shared';
import { RunningChecks } from './running-checks.js';

/** A logger that keeps its error lines. */
function recordingLogger(errors: string[]): Logger {
  const logger: Logger = {
    debug() {},
    info() {},
    warn() {},
    error: (obj, msg) => errors.push(`${msg}: ${(obj as { err?: string }).err}`),
    child: () => logger,
  };
  return logger;
}

/** Running checks whose rounds are promises the test settles by hand. */
function setup(intervalMs: number) {
  const rounds: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const errors: string[] = [];
  const checks = new RunningChecks({
    enforce: () =>
      new Promise<string[]>((resolve, reject) => rounds.push({ resolve: () => resolve([]), reject })),
    intervalMs,
    logger: recordingLogger(errors),
  });
  return { checks, rounds, errors };
}

describe('running checks loop (fake timers)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it.each([
    ['report interval 5 s: every second (a fenced nimbus stops within about a second)', 5000, 1000],
    ['report interval 300 ms: every 300 ms', 300, 300],
  ])('%s', async (_name, reportMs, everyMs) => {
    const s = setup(reportMs);
    expect(s.checks.intervalMs).toBe(everyMs);
    s.checks.start();
    await vi.advanceTimersByTimeAsync(everyMs - 1);
    expect(s.rounds).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.rounds).toHaveLength(1);
    s.rounds[0]!.resolve();
    await vi.advanceTimersByTimeAsync(everyMs);
    expect(s.rounds).toHaveLength(2);
    s.checks.stop();
  });

  it('a round still under way when the next is due is not doubled', async () => {
    const s = setup(1000);
    s.checks.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.rounds).toHaveLength(1);
    s.rounds[0]!.resolve();
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.rounds).toHaveLength(2);
    s.checks.stop();
  });

  it('a round that fails is logged and the loop goes on', async () => {
    const s = setup(1000);
    s.checks.start();
    await vi.advanceTimersByTimeAsync(1000);
    s.rounds[0]!.reject(new Error('zookeeper session expired'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.errors).toEqual(['running checks failed: zookeeper session expired']);
    expect(s.rounds).toHaveLength(2);
    s.checks.stop();
  });

  it('stop() ends the loop: no round starts after it, even when started again', async () => {
    const s = setup(1000);
    s.checks.start();
    s.checks.stop();
    s.checks.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.rounds).toHaveLength(0);
  });
});
