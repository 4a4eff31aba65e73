import type { PidRecord } from './pid-file.js';
import type { ProcStat } from './proc.js';

/**
 * The strings a running process's argv must contain for the supervisor to adopt it: `spec.adoptMatch`
 * when given, else every absolute-path argument of `spec.args` (for ZooKeeper the zoo.cfg path, which
 * survives zkServer.sh's `exec java … "$ZOOCFG"`). With none, pid + start time alone identify it.
 */
export function planAdoptMatch(spec: { args: readonly string[]; adoptMatch?: readonly string[] }): string[] {
  return spec.adoptMatch ? [...spec.adoptMatch] : spec.args.filter((a) => a.startsWith('/'));
}

export type AdoptionCheck = { adopt: true } | { adopt: false; reason: string };

/**
 * Decides whether the process a pid file points at is still the one we started for this instance.
 * Pid + start time (clock ticks after boot) rule out pid reuse; the argv check rules out a pid file
 * that belongs to something else (another instance, a hand-edited file).
 */
export function checkAdoption(
  record: PidRecord,
  want: { instanceId: string; match: readonly string[] },
  stat: ProcStat | undefined,
  cmdline: readonly string[] | undefined,
): AdoptionCheck {
  if (record.instanceId !== want.instanceId)
    return { adopt: false, reason: `pid file belongs to instance ${record.instanceId}` };
  if (stat === undefined || cmdline === undefined)
    return { adopt: false, reason: `process ${record.pid} is gone` };
  if (stat.state === 'Z' || stat.state === 'X')
    return { adopt: false, reason: `process ${record.pid} has exited (zombie)` };
  if (stat.startTime !== record.startTime) {
    return {
      adopt: false,
      reason: `pid ${record.pid} was reused (start time ${stat.startTime}, recorded ${record.startTime})`,
    };
  }
  const missing = want.match.filter((m) => !cmdline.some((arg) => arg.includes(m)));
  if (missing.length > 0)
    return { adopt: false, reason: `process ${record.pid} command line lacks ${missing.join(', ')}` };
  return { adopt: true };
}
