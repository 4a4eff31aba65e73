import { HactlError } from '@hactl/shared';

/** Thrown by `stop()` when the process group is still alive after SIGKILL and the kill wait. */
export class StopFailedError extends HactlError {
  constructor(instanceId: string, pid: number) {
    super('stop_failed', `instance ${instanceId}: process ${pid} still alive after SIGKILL`, {
      retriable: true,
    });
  }
}

/** Thrown when a supervisor is used after `dispose()`. */
export class SupervisorDisposedError extends HactlError {
  constructor(instanceId: string) {
    super('supervisor_disposed', `instance ${instanceId}: supervisor was disposed`);
  }
}
