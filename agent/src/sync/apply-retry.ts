import type { Logger } from '@hactl/shared';
import type { DesiredInstance } from './diff.js';

/** How long after an apply with errors the agent applies the same desired state again. */
export const APPLY_RETRY_MS = 5000;

export interface ApplyRetryDeps {
  /** The generation applied last; a retry for an older one is dropped. */
  generation: () => number;
  stopped: () => boolean;
  /** Queues the apply (without persisting: the state file already has it). */
  reapply: (generation: number, desired: DesiredInstance[]) => void;
  logger: Logger;
  delayMs?: number;
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

  constructor(private readonly deps: ApplyRetryDeps) {}

  /** Called after every apply: schedules a retry when it had errors. */
  afterApply(generation: number, desired: DesiredInstance[], errors: readonly string[]): void {
    if (errors.length) this.schedule(generation, desired);
  }

  private schedule(generation: number, desired: DesiredInstance[]): void {
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.deps.stopped() || this.deps.generation() !== generation) return;
      this.deps.logger.info({ generation }, 'retrying the desired state after errors');
      this.deps.reapply(generation, desired);
    }, this.deps.delayMs ?? APPLY_RETRY_MS);
    this.timer.unref();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
