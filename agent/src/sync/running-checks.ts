import type { Logger } from '@hactl/shared';
import { describeError } from './describe.js';

/** The longest wait between two rounds of running checks (ms), whatever the report interval. */
export const RUNNING_CHECK_MAX_INTERVAL_MS = 1000;

export interface RunningChecksDeps {
  /**
   * One round: stops every running process whose kind says it must not run now (the Storm nimbus
   * fence, InstanceManager.enforceRunningChecks); resolves with the ids it stopped.
   */
  enforce: () => Promise<string[]>;
  /** The agent's report interval (ms); rounds run at least every RUNNING_CHECK_MAX_INTERVAL_MS. */
  intervalMs: number;
  logger: Logger;
}

/**
 * The loop that runs the running checks, with or without a control plane: an agent cut off from
 * it must still stop a nimbus that ZooKeeper fenced. Every min(report interval, 1 s), since a
 * fenced nimbus must stop within about a second of ZooKeeper saying so; a round still under way
 * when the next is due is not doubled (a ZooKeeper that answers slowly must not pile up sessions);
 * a round that fails is logged and the loop goes on.
 */
export class RunningChecks {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;

  constructor(private readonly deps: RunningChecksDeps) {}

  /** The wait between rounds (ms). */
  get intervalMs(): number {
    return Math.min(this.deps.intervalMs, RUNNING_CHECK_MAX_INTERVAL_MS);
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.round(), this.intervalMs);
    this.timer.unref();
  }

  /** Ends the loop; a round under way finishes, and none starts after it. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async round(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      // Each process it stops is logged by the instance manager, with the kind's reason.
      await this.deps.enforce();
    } catch (err) {
      this.deps.logger.error({ err: describeError(err) }, 'running checks failed');
    } finally {
      this.running = false;
    }
  }
}
