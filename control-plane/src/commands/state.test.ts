import { describe, expect, it } from 'vitest';
import {
  applyExit,
  exitReport,
  outcomeSummary,
  pendingRun,
  planStarts,
  succeeded,
  type ExitReport,
  type HostRun,
} from './state.js';

const run = (idx: number, state: HostRun['state'] = 'pending'): HostRun => ({
  ...pendingRun(idx, `h${idx}`, `host${idx}`),
  state,
});
const exit = (over: Partial<ExitReport>): ExitReport => exitReport({ outputBytes: 5, ...over });

describe('planStarts', () => {
  it('parallel 2, nothing running → the first two pending hosts', () => {
    expect(planStarts([run(0), run(1), run(2)], 2, false).map((r) => r.idx)).toEqual([0, 1]);
  });
  it('parallel 2, one running → one more', () => {
    expect(planStarts([run(0, 'running'), run(1), run(2)], 2, false).map((r) => r.idx)).toEqual([1]);
  });
  it('finished hosts free their slot', () => {
    expect(planStarts([run(0, 'exited'), run(1, 'running'), run(2)], 2, false).map((r) => r.idx)).toEqual([
      2,
    ]);
  });
  it('cancelled → nothing starts', () => {
    expect(planStarts([run(0)], 5, true)).toEqual([]);
  });
});

describe('applyExit', () => {
  it.each<[string, Partial<ExitReport>, HostRun['state'], number | null]>([
    ['exit 0 → exited 0', {}, 'exited', 0],
    ['exit 3 → exited 3', { exitCode: 3 }, 'exited', 3],
    ['signal → killed', { hasExitCode: false, signal: 'SIGKILL' }, 'killed', null],
    ['timed out → timed_out', { hasExitCode: false, signal: 'SIGTERM', timedOut: true }, 'timed_out', null],
    ['capped → capped', { hasExitCode: false, signal: 'SIGTERM', capped: true }, 'capped', null],
    ['cancelled → cancelled', { hasExitCode: false, cancelled: true }, 'cancelled', null],
    ['agent refused (no --allow-exec) → failed', { hasExitCode: false, error: 'refused' }, 'failed', null],
  ])('%s', (_n, e, state, code) => {
    const r = applyExit(run(0, 'running'), exit(e), 9);
    expect(r).toMatchObject({ state, exitCode: code, finishedAt: 9 });
  });
  it('only exit 0 succeeds', () => {
    expect(succeeded(applyExit(run(0), exit({}), 1))).toBe(true);
    expect(succeeded(applyExit(run(0), exit({ exitCode: 1 }), 1))).toBe(false);
  });
});

it('outcome summary names each host with its exit code or state', () => {
  const a = applyExit(run(0), exit({}), 1);
  const b = applyExit(run(1), exit({ hasExitCode: false, timedOut: true }), 1);
  expect(outcomeSummary([a, b, run(2, 'lost')])).toBe('host0=0 host1=timed_out host2=lost');
});
