import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HactlError, UnavailableError, ValidationError, nullLogger } from '@hactl/shared';
import {
  APPLY_RETRY_MAX_MS,
  APPLY_RETRY_MS,
  ApplyRetry,
  applyRetryDelayMs,
  isRetriable,
  type ApplyFailure,
} from './apply-retry.js';
import { PackageDownloadError } from '../files/distribution.js';
import type { DesiredInstance } from './diff.js';

const spec = (id: string): DesiredInstance => ({
  id,
  cluster: 'k',
  kind: 'kafka',
  role: 'broker',
  runState: 'running',
  inputs: {},
});

function setup() {
  let generation = 0;
  let stopped = false;
  const reapplied: [number, string[]][] = [];
  const retry = new ApplyRetry({
    generation: () => generation,
    stopped: () => stopped,
    reapply: (g, desired) => reapplied.push([g, desired.map((d) => d.id)]),
    logger: nullLogger,
  });
  /**
   * What the agent's apply does: record the generation, then hand over the errors (retriable
   * unless a test says otherwise, as an error that is not a HactlError is).
   */
  const apply = (g: number, desired: DesiredInstance[], errors: (string | ApplyFailure)[]) => {
    generation = g;
    retry.afterApply(
      g,
      desired,
      errors.map((e) => (typeof e === 'string' ? { message: e, retriable: true } : e)),
    );
  };
  return { retry, apply, reapplied, stop: () => (stopped = true) };
}

describe('apply retry after errors (fake timers)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('an apply with errors → the same desired state is applied again 5 s later, once', () => {
    const s = setup();
    s.apply(3, [spec('k/b1'), spec('k/b2')], ['add k/b2: pre-start timed out']);
    vi.advanceTimersByTime(APPLY_RETRY_MS - 1);
    expect(s.reapplied).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(s.reapplied).toEqual([[3, ['k/b1', 'k/b2']]]);
    vi.advanceTimersByTime(10 * APPLY_RETRY_MS);
    expect(s.reapplied).toHaveLength(1);
  });

  it('an apply without errors → no retry', () => {
    const s = setup();
    s.apply(3, [spec('k/b1')], []);
    vi.advanceTimersByTime(10 * APPLY_RETRY_MS);
    expect(s.reapplied).toEqual([]);
  });

  it('a newer desired state applied cleanly before the retry → the retry is dropped', () => {
    const s = setup();
    s.apply(3, [spec('k/b1')], ['add k/b1: failed']);
    vi.advanceTimersByTime(2000);
    s.apply(4, [spec('k/b1')], []);
    vi.advanceTimersByTime(10 * APPLY_RETRY_MS);
    expect(s.reapplied).toEqual([]);
  });

  it('a newer desired state with errors → only the newer one is retried, 5 s after it', () => {
    const s = setup();
    s.apply(3, [spec('k/b1')], ['add k/b1: failed']);
    vi.advanceTimersByTime(2000);
    s.apply(4, [spec('k/b9')], ['add k/b9: failed']);
    vi.advanceTimersByTime(APPLY_RETRY_MS - 1);
    expect(s.reapplied).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(s.reapplied).toEqual([[4, ['k/b9']]]);
  });

  it('the agent stopping before the retry → nothing is applied', () => {
    const s = setup();
    s.apply(3, [spec('k/b1')], ['add k/b1: failed']);
    s.stop();
    vi.advanceTimersByTime(10 * APPLY_RETRY_MS);
    expect(s.reapplied).toEqual([]);
  });

  it('the same desired state failing again and again → retried after 5, 5, 5, 10, 20, 40, 60, 60 s', () => {
    const s = setup();
    const desired = [spec('k/b1')];
    s.apply(3, desired, ['add k/b1: /opt/kafka/bin/kafka-server-start.sh does not exist']);
    const waits: number[] = [];
    for (let n = 1; n <= 8; n++) {
      let waited = 0;
      while (s.reapplied.length < n) {
        vi.advanceTimersByTime(1000);
        waited += 1000;
        if (waited > 120_000) throw new Error(`retry ${n} never came`);
      }
      waits.push(waited / 1000);
      // The retried apply fails the same way.
      s.apply(3, desired, ['add k/b1: /opt/kafka/bin/kafka-server-start.sh does not exist']);
    }
    expect(waits).toEqual([5, 5, 5, 10, 20, 40, 60, 60]);
  });

  it('a clean apply or a new generation starts the waits over at 5 s', () => {
    const s = setup();
    for (let n = 0; n < 5; n++) s.apply(3, [spec('k/b1')], ['add k/b1: failed']);
    s.apply(3, [spec('k/b1')], []);
    s.apply(3, [spec('k/b1')], ['add k/b1: failed again']);
    vi.advanceTimersByTime(APPLY_RETRY_MS);
    expect(s.reapplied).toHaveLength(1);
    for (let n = 0; n < 5; n++) s.apply(3, [spec('k/b1')], ['add k/b1: failed']);
    s.apply(4, [spec('k/b1')], ['add k/b1: failed on the new generation']);
    vi.advanceTimersByTime(APPLY_RETRY_MS);
    expect(s.reapplied.map(([g]) => g)).toEqual([3, 4]);
  });
});

describe('errors that will not pass are not retried', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const permanent: ApplyFailure = { message: 'add k/b1: checksum mismatch', retriable: false };

  it('an apply whose every error will not pass → no retry, however long', () => {
    const s = setup();
    s.apply(3, [spec('k/b1')], [permanent]);
    vi.advanceTimersByTime(10 * APPLY_RETRY_MAX_MS);
    expect(s.reapplied).toEqual([]);
  });

  it('one error that may pass among them → retried as usual', () => {
    const s = setup();
    s.apply(3, [spec('k/b1'), spec('k/b2')], [permanent, 'add k/b2: pre-start timed out']);
    vi.advanceTimersByTime(APPLY_RETRY_MS);
    expect(s.reapplied).toEqual([[3, ['k/b1', 'k/b2']]]);
  });

  it('a retry already waiting is cancelled when the same state then fails for good', () => {
    const s = setup();
    s.apply(3, [spec('k/b1')], ['add k/b1: server did not answer']);
    s.apply(3, [spec('k/b1')], [permanent]);
    vi.advanceTimersByTime(10 * APPLY_RETRY_MAX_MS);
    expect(s.reapplied).toEqual([]);
  });
});

describe('isRetriable', () => {
  it.each([
    ['a HactlError marked retriable', new UnavailableError('store busy'), true],
    ['a HactlError not marked', new ValidationError('bad', []), false],
    ['any other error (a system error, a failed spawn)', new Error('spawn java ENOENT'), true],
    ['a thrown string', 'boom', true],
    ['a package server that did not answer', new PackageDownloadError('unreachable', 'x'), true],
    ['a package whose SHA-512 does not match', new PackageDownloadError('checksum-mismatch', 'x'), false],
    ['a package over its size cap', new PackageDownloadError('too-large', 'x'), false],
    ['a package host the agent does not allow', new PackageDownloadError('host-not-allowed', 'x'), false],
    ['a stop that failed', new HactlError('stop_failed', 'x', { retriable: true }), true],
  ])('%s → %s', (_name, err, retriable) => {
    expect(isRetriable(err)).toBe(retriable);
  });
});

describe('applyRetryDelayMs', () => {
  it.each([
    [1, 5000],
    [3, 5000],
    [4, 10_000],
    [6, 40_000],
    [7, 60_000],
    [50, 60_000],
    [0, 5000],
  ])('%i failure(s) in a row → %i ms', (failures, ms) => {
    expect(applyRetryDelayMs(failures)).toBe(ms);
  });
});
