import type { Logger } from '@hactl/shared';
import type { DesiredInstance } from './diff.js';

/** How long after an apply with errors the agent applies the same desired state again, at first. */
export const APPLY_RETRY_MS = 5000;
/** The longest wait between retries of one desired state that keeps failing. */
export const APPLY_RETRY_MAX_MS = 60_000;
/** Retries at APPLY_RETRY_MS before the wait starts to double. */
const RETRIES_AT_FULL_RATE = 3;

/**
 * The wait before retrying a desired state whose apply failed `failures` times in a row (1 after
 * the first failure): APPLY_RETRY_MS for the first RETRIES_AT_FULL_RATE, then doubling up to
 * APPLY_RETRY_MAX_MS (5, 5, 5, 10, 20, 40, 60, 60 … s). A passing blip (a pre-start command timed
 * out on a loaded host) is retried as fast as before; an error that stays (a distribution that is
 * not there) is logged about once a minute instead of twelve times. Pure.
 */
export function applyRetryDelayMs(failures: number): number {
  const doublings = Math.max(0, failures - RETRIES_AT_FULL_RATE);
  return Math.min(APPLY_RETRY_MAX_MS, APPLY_RETRY_MS * 2 ** Math.min(doublings, 10));
}

export interface ApplyRetryDeps {
  /** The generation applied last; a retry for an older one is dropped. */
  generation: () => number;
  stopped: () => boolean;
  /** Queues the apply (without persisting: the state file already has it). */
  reapply: (generation: number, desired: DesiredInstance[]) => void;
  logger: Logger;
}

/**
 * After an apply with errors (a pre-start command that failed or timed out on a loaded host, a
 * service account that could not be created yet), apply the same desired state again later: the
 * control plane sends nothing new while its state is unchanged, so without this a member whose
 * first start failed stayed stopped until the next generation (seen once in CI: a KRaft cluster
 * never started within 120 s). A newer generation cancels it; one retry is pending at a time.
 */
export class ApplyRetry {
  private timer: NodeJS.Timeout | undefined;
  /** The generation whose applies failed last, and how many times in a row. */
  private failing = { generation: -1, failures: 0 };

  constructor(private readonly deps: ApplyRetryDeps) {}

  /**
   * Called after every apply: schedules a retry when it had errors, later each time the same
   * generation fails again (applyRetryDelayMs); a clean apply or a new generation starts over.
   */
  afterApply(generation: number, desired: DesiredInstance[], errors: readonly string[]): void {
    if (!errors.length) {
      this.failing = { generation: -1, failures: 0 };
      return;
    }
    const failures = this.failing.generation === generation ? this.failing.failures + 1 : 1;
    this.failing = { generation, failures };
    this.schedule(generation, desired, applyRetryDelayMs(failures));
  }

  private schedule(generation: number, desired: DesiredInstance[], delayMs: number): void {
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.deps.stopped() || this.deps.generation() !== generation) return;
      this.deps.logger.info({ generation, waited_ms: delayMs }, 'retrying the desired state after errors');
      this.deps.reapply(generation, desired);
    }, delayMs);
    this.timer.unref();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
