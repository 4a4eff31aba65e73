export {
  ProcessSupervisor,
  type ExitInfo,
  type ProcessSpec,
  type SupervisorOptions,
  type SupervisorState,
  type SupervisorStatus,
} from './process-supervisor.js';
export {
  defaultRestartPolicy,
  planRestart,
  testRestartPolicy,
  trimExitHistory,
  type ExitRecord,
  type RestartDecision,
  type RestartPolicy,
} from './policy.js';
export { StopFailedError, SupervisorDisposedError } from './errors.js';
export { applyLogCap } from './log-cap.js';
export type { SpawnFn } from './spawn.js';
