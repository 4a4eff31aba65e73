import type { ProcessPlan } from '@hactl/shared';
import type { StormAgentInputs } from './inputs.js';

/**
 * How to run one Storm daemon in the foreground under the agent: `bin/storm <role> --config <file>`.
 *
 * - The role comes first: upstream 2.8's storm.py takes `--config` as an option of each command
 *   and rejects `storm --config FILE nimbus` ("invalid choice: FILE"); hactl's assembled bin/storm
 *   accepts both orders (distributions/storm/README.md). STORM_CONF_DIR, which upstream's
 *   bin/storm only derives from a *leading* `--config`, is set here instead, so the class path
 *   lookup of storm.yaml finds the same file either way.
 * - bin/storm execs java for daemons, so the pid we spawn is the JVM. Its command line carries
 *   `-Dstorm.conf.file=<file>` and `-Ddaemon.name=<role>` (storm.py exec_storm_class). Adoption
 *   needs both: the supervisor passes its own `-Dstorm.conf.file` on to every worker and LogWriter
 *   JVM it launches (BasicContainer.mkLaunchCommand), so the conf path alone also matches those;
 *   workers carry no `-Ddaemon.name`.
 * - Daemon logs go to `<storm.log.dir>/<role>.log` (rendered); stdout/stderr to `<logDir>/<role>.out`.
 * - `ROCKSDB_SHAREDLIB_DIR` is `<storm.local.dir>/rocksdb-lib`: nimbus's RocksDB metrics store
 *   unpacks its native library (about 15 MB) at every start, into a new `librocksdbjni*.so` under
 *   /tmp unless that variable names a dir (rocksdbjni RocksDB.loadLibrary, NativeLibraryLoader).
 *   Storm's shutdown hook halts the JVM, so the file's deleteOnExit never runs and each start left
 *   one behind; in the named dir the library has a fixed name and is replaced.
 */
export function planStormProcess(inputs: StormAgentInputs): ProcessPlan {
  const cfg = `${inputs.confDir}/storm.yaml`;
  return {
    command: `${inputs.home}/bin/storm`,
    args: [inputs.role, '--config', cfg],
    env: { STORM_CONF_DIR: inputs.confDir, ROCKSDB_SHAREDLIB_DIR: `${inputs.localDir}/rocksdb-lib` },
    cwd: inputs.localDir,
    adoptMatch: [cfg, `-Ddaemon.name=${inputs.role}`],
    // Storm's shutdown hooks (Utils.addShutdownHookWithDelayedForceKill) close the ZooKeeper
    // session so ephemerals vanish at once; give them time before SIGKILL.
    stopGraceMs: 15_000,
    dirs: [inputs.confDir, inputs.localDir, `${inputs.localDir}/rocksdb-lib`, inputs.logDir],
    logFile: `${inputs.logDir}/${inputs.role}.out`,
    // log4j2/cluster.xml writes <storm.log.dir>/<logfile.name>, and bin/storm sets logfile.name to
    // <role>.log for each daemon.
    serviceLogFiles: [`${inputs.logDir}/${inputs.role}.log`],
    // Workers (and their LogWriters) are the supervisor's children and carry the topology: a
    // supervisor restart must not end them. The restarted supervisor finds them in its local state
    // and takes them back ("Recovered Worker"; Storm's supervisors are fail-fast by design, workers
    // outlive them). Measured with the group killed: both workers of a topology down for ~15 s
    // during a supervisor rolling restart.
    ...(inputs.role === 'supervisor' ? { restartKeepsChildren: true } : {}),
  };
}
