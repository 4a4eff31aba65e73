import { describe, expect, it } from 'vitest';
import {
  defaultRestartPolicy,
  planRestart,
  trimExitHistory,
  type ExitRecord,
  type RestartDecision,
  type RestartPolicy,
} from './policy.js';

const policy: RestartPolicy = {
  initialBackoffMs: 1_000,
  maxBackoffMs: 8_000,
  multiplier: 2,
  resetAfterMs: 60_000,
  maxRestartsInWindow: 5,
  windowMs: 600_000,
};

const NOW = 10_000_000;
/** Exits `secondsAgo` before NOW that each ran `ranForMs`. */
const exits = (...runs: [secondsAgo: number, ranForMs: number][]): ExitRecord[] =>
  runs.map(([ago, ranForMs]) => ({ at: NOW - ago * 1000, ranForMs, code: 1, signal: null }));

describe('planRestart', () => {
  const cases: {
    name: string;
    history: ExitRecord[];
    policy?: Partial<RestartPolicy>;
    want: Partial<RestartDecision>;
  }[] = [
    {
      name: 'first crash after a short run → initial backoff',
      history: exits([0, 500]),
      want: { action: 'restart', delayMs: 1_000, crashLoop: false },
    },
    {
      name: 'first crash after a long healthy run → initial backoff',
      history: exits([0, 3_600_000]),
      want: { action: 'restart', delayMs: 1_000 },
    },
    {
      name: 'second short run in a row → doubled',
      history: exits([20, 500], [0, 500]),
      want: { action: 'restart', delayMs: 2_000 },
    },
    {
      name: 'third short run in a row → 4×',
      history: exits([40, 500], [20, 500], [0, 500]),
      want: { action: 'restart', delayMs: 4_000 },
    },
    {
      name: 'many short runs → capped at maxBackoff',
      history: exits([90, 1], [80, 1], [70, 1], [60, 1], [0, 1]),
      want: { action: 'restart', delayMs: 8_000 },
    },
    {
      name: 'a healthy run in between resets the backoff',
      history: exits([500, 1], [400, 1], [300, 120_000], [0, 500]),
      want: { action: 'restart', delayMs: 1_000, crashLoop: false },
    },
    {
      name: 'more exits than the limit inside the window → crash loop, retried at maxBackoff',
      history: exits([50, 1], [40, 1], [30, 1], [20, 1], [10, 1], [0, 1]),
      want: { action: 'restart', delayMs: 8_000, crashLoop: true },
    },
    {
      name: 'exactly the limit inside the window → not yet a loop',
      history: exits([40, 1], [30, 1], [20, 1], [10, 1], [0, 1]),
      want: { action: 'restart', crashLoop: false },
    },
    {
      name: 'old exits outside the window do not count toward a loop',
      history: exits([3000, 1], [2900, 1], [2800, 1], [2700, 1], [10, 1], [0, 1]),
      want: { action: 'restart', crashLoop: false },
    },
    {
      name: 'crash loop with onCrashLoop=give-up → give up (systemd StartLimitBurst)',
      history: exits([50, 1], [40, 1], [30, 1], [20, 1], [10, 1], [0, 1]),
      policy: { onCrashLoop: 'give-up' },
      want: { action: 'give-up' },
    },
    {
      name: 'no window configured → never a loop',
      history: exits([50, 1], [40, 1], [30, 1], [20, 1], [10, 1], [0, 1]),
      policy: { maxRestartsInWindow: undefined, windowMs: undefined },
      want: { action: 'restart', crashLoop: false },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(planRestart(c.history, { ...policy, ...c.policy }, NOW)).toMatchObject(c.want);
    });
  }

  it('reason names the exit: signal, code or unknown', () => {
    const sig = planRestart([{ at: NOW, ranForMs: 5, code: null, signal: 'SIGKILL' }], policy, NOW);
    const code = planRestart([{ at: NOW, ranForMs: 5, code: 3, signal: null }], policy, NOW);
    const unknown = planRestart([{ at: NOW, ranForMs: 5, code: null, signal: null }], policy, NOW);
    expect(sig.reason).toContain('SIGKILL');
    expect(code.reason).toContain('code 3');
    expect(unknown.reason).toContain('status unknown');
  });

  it('crash loop reason says it keeps retrying', () => {
    const d = planRestart(exits([50, 1], [40, 1], [30, 1], [20, 1], [10, 1], [0, 1]), policy, NOW);
    expect(d.reason).toMatch(/crash loop: 6 exits .* retrying every 8000 ms/);
  });

  it('default policy: first crash waits 1 s', () => {
    expect(planRestart(exits([0, 10]), defaultRestartPolicy(), NOW)).toMatchObject({
      action: 'restart',
      delayMs: 1_000,
    });
  });
});

describe('trimExitHistory', () => {
  it('keeps the window and enough trailing entries, so decisions do not change', () => {
    const long = exits(...Array.from({ length: 200 }, (_, i): [number, number] => [(200 - i) * 10, 1]));
    const trimmed = trimExitHistory(long, policy, NOW);
    expect(trimmed.length).toBeLessThan(long.length);
    expect(planRestart(trimmed, policy, NOW)).toEqual(planRestart(long, policy, NOW));
  });

  it('drops old entries when there is no window', () => {
    const p = { ...policy, windowMs: undefined, maxRestartsInWindow: undefined };
    const long = exits(...Array.from({ length: 50 }, (_, i): [number, number] => [50 - i, 1]));
    const trimmed = trimExitHistory(long, p, NOW);
    expect(trimmed.length).toBe(5);
    // Same decision; only the streak count in the reason is bounded by the trim.
    const { reason: _a, ...fromTrimmed } = planRestart(trimmed, p, NOW);
    const { reason: _b, ...fromLong } = planRestart(long, p, NOW);
    expect(fromTrimmed).toEqual(fromLong);
  });
});
