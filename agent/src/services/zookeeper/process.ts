import type { ProcessPlan } from '@hactl/shared';
import type { zookeeper } from '@hactl/shared';

type Inputs = zookeeper.ZookeeperInputs;

/**
 * How to run one ZooKeeper member in the foreground under the agent. With a distribution home,
 * `bin/zkServer.sh start-foreground <cfg>` execs java (so the pid we spawn is the JVM); logging
 * goes to the console, which the supervisor sends to a size-capped file.
 */
export function planZookeeperProcess(inputs: Inputs): ProcessPlan {
  const cfg = `${inputs.confDir}/zoo.cfg`;
  const logProps = [`-Dzookeeper.log.dir=${inputs.logDir}`, '-Dzookeeper.root.logger=INFO,CONSOLE', '-Dzookeeper.console.threshold=INFO'];
  const dirs = [inputs.confDir, inputs.dataDir, inputs.logDir];
  const logFile = `${inputs.logDir}/zookeeper.out`;
  if (inputs.java) {
    return {
      command: inputs.java.command,
      args: [...inputs.jvmFlags, ...logProps, '-cp', inputs.java.classpath.join(':'), 'org.apache.zookeeper.server.quorum.QuorumPeerMain', cfg],
      env: {},
      cwd: inputs.dataDir,
      adoptMatch: [cfg],
      stopGraceMs: 15_000,
      dirs,
      logFile,
    };
  }
  return {
    command: `${inputs.home}/bin/zkServer.sh`,
    args: ['start-foreground', cfg],
    // zkServer.sh appends SERVER_JVMFLAGS to the java command line; later -D flags win.
    env: { SERVER_JVMFLAGS: [...inputs.jvmFlags, ...logProps].join(' '), ZOO_LOG_DIR: inputs.logDir },
    cwd: inputs.dataDir,
    adoptMatch: [cfg],
    stopGraceMs: 15_000,
    dirs,
    logFile,
  };
}
