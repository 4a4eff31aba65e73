import type { ProcessPlan } from '@hactl/shared';
import { zookeeper } from '@hactl/shared';

type Inputs = zookeeper.ZookeeperInputs;

/** Debian's `zookeeper` package installs zkServer.sh here (the path is fixed by the package). */
export const DEBIAN_ZK_HOME = '/usr/share/zookeeper';

/** The class path Debian's zkEnv.sh sets, unconditionally and without any SLF4J binding. */
const DEBIAN_ZK_CLASSPATH = ['/etc/zookeeper/conf', '/usr/share/java/zookeeper.jar'];

/**
 * Debian's logback (package `liblogback-java`), the SLF4J binding upstream ZooKeeper 3.8 ships in
 * its lib/ directory. Without a binding SLF4J falls back to its no-op logger and every log line of
 * the server (elections, session expiries) is dropped. A jar missing from the class path is
 * ignored by java, so a host without the package still starts ZooKeeper, only without its log.
 */
export const DEBIAN_LOGBACK_JARS = [
  '/usr/share/java/logback-classic.jar',
  '/usr/share/java/logback-core.jar',
];

/**
 * How to run one ZooKeeper member in the foreground under the agent. With a distribution home,
 * `bin/zkServer.sh start-foreground <cfg>` execs java (so the pid we spawn is the JVM).
 *
 * Logging: the member's rendered logback.xml (`-Dlogback.configurationFile`) writes
 * `<logDir>/zookeeper.log`, rolled by size; only errors reach stdout, which the supervisor captures
 * in `zookeeper.out` together with the JVM's own start-up errors. Upstream tarballs have logback in
 * lib/ already. Debian's zkEnv.sh overwrites CLASSPATH, so for Debian's home the class path is
 * given again with the binding added: zkServer.sh puts SERVER_JVMFLAGS after its own `-cp`, and
 * java uses the last `-cp` it is given.
 */
export function planZookeeperProcess(inputs: Inputs): ProcessPlan {
  const cfg = `${inputs.confDir}/zoo.cfg`;
  const logProps = [
    `-Dzookeeper.log.dir=${inputs.logDir}`,
    '-Dzookeeper.log.file=zookeeper.log',
    `-Dlogback.configurationFile=${inputs.confDir}/logback.xml`,
  ];
  const dirs = [inputs.confDir, inputs.dataDir, inputs.logDir];
  const logFile = `${inputs.logDir}/zookeeper.out`;
  const serviceLogFiles = [zookeeper.zookeeperLogFile(inputs)];
  if (inputs.java) {
    const cp = inputs.java.classpath;
    const usesDebianJars =
      cp.includes('/usr/share/java/zookeeper.jar') && !cp.some((p) => p.includes('logback-classic'));
    return {
      command: inputs.java.command,
      args: [
        ...inputs.jvmFlags,
        ...logProps,
        '-cp',
        [...cp, ...(usesDebianJars ? DEBIAN_LOGBACK_JARS : [])].join(':'),
        'org.apache.zookeeper.server.quorum.QuorumPeerMain',
        cfg,
      ],
      env: {},
      cwd: inputs.dataDir,
      adoptMatch: [cfg],
      stopGraceMs: 15_000,
      dirs,
      logFile,
      serviceLogFiles,
      requiredPaths: cp,
    };
  }
  const home = (inputs.home ?? '').replace(/\/+$/, '');
  const debianCp =
    home === DEBIAN_ZK_HOME ? ['-cp', [...DEBIAN_ZK_CLASSPATH, ...DEBIAN_LOGBACK_JARS].join(':')] : [];
  return {
    command: `${home}/bin/zkServer.sh`,
    args: ['start-foreground', cfg],
    // zkServer.sh appends SERVER_JVMFLAGS to the java command line; later -D flags (and -cp) win.
    env: {
      SERVER_JVMFLAGS: [...inputs.jvmFlags, ...logProps, ...debianCp].join(' '),
      ZOO_LOG_DIR: inputs.logDir,
    },
    cwd: inputs.dataDir,
    adoptMatch: [cfg],
    stopGraceMs: 15_000,
    dirs,
    logFile,
    serviceLogFiles,
  };
}
