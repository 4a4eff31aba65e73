import type { ProcessPlan } from '@hactl/shared';
import type { StormAgentInputs } from './inputs.js';

/**
 * How to run one Storm daemon in the foreground under the agent: `bin/storm --config <file>
 * nimbus|supervisor|ui`. bin/storm execs java for daemons, so the pid we spawn is the JVM, and it
 * turns `--config` into `-Dstorm.conf.file=<file>` on the java command line: the per-instance conf
 * path is what identifies the process for adoption (a bare `storm nimbus` command line says nothing
 * about which cluster it belongs to). STORM_CONF_DIR points at the same directory so the
 * classpath lookup of storm.yaml finds the same file. Daemon logs go to `storm.log.dir` (rendered);
 * stdout/stderr go to `<logDir>/<role>.out`.
 */
export function planStormProcess(inputs: StormAgentInputs): ProcessPlan {
  const cfg = `${inputs.confDir}/storm.yaml`;
  return {
    command: `${inputs.home}/bin/storm`,
    args: ['--config', cfg, inputs.role],
    env: { STORM_CONF_DIR: inputs.confDir },
    cwd: inputs.localDir,
    adoptMatch: [cfg],
    // Storm's shutdown hooks (Utils.addShutdownHookWithDelayedForceKill) close the ZooKeeper
    // session so ephemerals vanish at once; give them time before SIGKILL.
    stopGraceMs: 15_000,
    dirs: [inputs.confDir, inputs.localDir, inputs.logDir],
    logFile: `${inputs.logDir}/${inputs.role}.out`,
  };
}
