import { describe, it, expect } from 'vitest';
import { DEBIAN_LOGBACK_JARS, planZookeeperProcess } from './process.js';
import type { zookeeper } from '@hactl/shared';

const inputs: zookeeper.ZookeeperInputs = {
  cluster: 'zk',
  myid: 1,
  address: '127.0.0.11',
  clientPort: 2181,
  peerPort: 2888,
  electionPort: 3888,
  adminPort: 0,
  confDir: '/d/zk/1/conf',
  dataDir: '/d/zk/1/data',
  logDir: '/d/zk/1/logs',
  servers: [],
  config: {},
  jvmFlags: ['-Xmx128m'],
  home: '/opt/zookeeper',
};

const LOG_PROPS =
  '-Dzookeeper.log.dir=/d/zk/1/logs -Dzookeeper.log.file=zookeeper.log -Dlogback.configurationFile=/d/zk/1/conf/logback.xml';

describe('zookeeper process plan', () => {
  it('upstream home: zkServer.sh start-foreground with the rendered config, JVM flags and the member logback.xml in SERVER_JVMFLAGS', () => {
    const p = planZookeeperProcess(inputs);
    expect(p.command).toBe('/opt/zookeeper/bin/zkServer.sh');
    expect(p.args).toEqual(['start-foreground', '/d/zk/1/conf/zoo.cfg']);
    // Upstream tarballs carry logback in lib/: the class path is left to zkEnv.sh.
    expect(p.env.SERVER_JVMFLAGS).toBe(`-Xmx128m ${LOG_PROPS}`);
    expect(p.adoptMatch).toEqual(['/d/zk/1/conf/zoo.cfg']);
    expect(p.logFile).toBe('/d/zk/1/logs/zookeeper.out');
    expect(p.serviceLogFiles).toEqual(['/d/zk/1/logs/zookeeper.log']);
  });

  it("Debian's home: the class path zkEnv.sh fixes is given again, last, with Debian's logback binding added", () => {
    const p = planZookeeperProcess({ ...inputs, home: '/usr/share/zookeeper/' });
    expect(p.command).toBe('/usr/share/zookeeper/bin/zkServer.sh');
    expect(p.env.SERVER_JVMFLAGS).toBe(
      `-Xmx128m ${LOG_PROPS} -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar:${DEBIAN_LOGBACK_JARS.join(':')}`,
    );
  });

  it('runs java directly when the distribution gives a class path; Debian jars get the logback binding, every entry is required', () => {
    const { home: _home, ...rest } = inputs;
    const p = planZookeeperProcess({
      ...rest,
      java: { command: '/usr/bin/java', classpath: ['/etc/zookeeper/conf', '/usr/share/java/zookeeper.jar'] },
    });
    expect(p.command).toBe('/usr/bin/java');
    expect(p.args.slice(-4)).toEqual([
      '-cp',
      `/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:${DEBIAN_LOGBACK_JARS.join(':')}`,
      'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      '/d/zk/1/conf/zoo.cfg',
    ]);
    expect(p.args).toContain('-Dlogback.configurationFile=/d/zk/1/conf/logback.xml');
    expect(p.requiredPaths).toEqual(['/etc/zookeeper/conf', '/usr/share/java/zookeeper.jar']);
    const own = planZookeeperProcess({
      ...rest,
      java: {
        command: '/usr/bin/java',
        classpath: ['/opt/zk/lib/zookeeper.jar', '/opt/zk/lib/logback-classic.jar'],
      },
    });
    expect(own.args.at(-3)).toBe('/opt/zk/lib/zookeeper.jar:/opt/zk/lib/logback-classic.jar');
  });
});
