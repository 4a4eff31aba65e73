import { HactlError, type Logger } from '@hactl/shared';
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

/** One error of an apply: its text (as reported) and whether applying again may succeed. */
export interface ApplyFailure {
  message: string;
  retriable: boolean;
}

/**
 * Whether an apply that failed with `err` may succeed if tried again unchanged: a HactlError says
 * so itself (`retriable`: a package whose checksum does not match will not, a server that did not
 * answer may); anything else (a system error, a process that would not spawn) is taken as
 * passing, as every error was before errors said so: a retry with backoff costs little, giving up
 * on a passing error leaves a member down until the next desired state. Pure.
 */
export function isRetriable(err: unknown): boolean {
  return err instanceof HactlError ? err.retriable : true;
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
   * Called after every apply: schedules a retry when it had an error that may pass, later each time
   * the same generation fails again (applyRetryDelayMs); a clean apply or a new generation starts
   * over. When every error says it cannot pass (isRetriable), nothing is retried: the same desired
   * state would fail the same way (and download a package again each time); the errors stay
   * reported until the control plane sends a new one.
   */
  afterApply(generation: number, desired: DesiredInstance[], errors: readonly ApplyFailure[]): void {
    if (!errors.length) {
      this.failing = { generation: -1, failures: 0 };
      return;
    }
    const failures = this.failing.generation === generation ? this.failing.failures + 1 : 1;
    this.failing = { generation, failures };
    if (!errors.some((e) => e.retriable)) {
      this.cancel();
      this.deps.logger.warn(
        { generation, err: errors.map((e) => e.message).join('; ') },
        'not retrying the desired state: its errors will not pass on their own; waiting for a new one',
      );
      return;
    }
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
