import { describe, it, expect } from 'vitest';
import { planZookeeperProcess } from './process.js';
import type { zookeeper } from '@hactl/shared';

const inputs: zookeeper.ZookeeperInputs = {
  cluster: 'zk', myid: 1, address: '127.0.0.11', clientPort: 2181, peerPort: 2888, electionPort: 3888, adminPort: 0,
  confDir: '/d/zk/1/conf', dataDir: '/d/zk/1/data', logDir: '/d/zk/1/logs', servers: [], config: {}, jvmFlags: ['-Xmx128m'], home: '/usr/share/zookeeper',
};

describe('zookeeper process plan', () => {
  it('runs zkServer.sh start-foreground with the rendered config and JVM flags in SERVER_JVMFLAGS', () => {
    const p = planZookeeperProcess(inputs);
    expect(p.command).toBe('/usr/share/zookeeper/bin/zkServer.sh');
    expect(p.args).toEqual(['start-foreground', '/d/zk/1/conf/zoo.cfg']);
    expect(p.env.SERVER_JVMFLAGS).toMatch(/^-Xmx128m -Dzookeeper.log.dir=\/d\/zk\/1\/logs /);
    expect(p.adoptMatch).toEqual(['/d/zk/1/conf/zoo.cfg']);
    expect(p.logFile).toBe('/d/zk/1/logs/zookeeper.out');
  });
  it('runs java directly when the distribution gives a classpath', () => {
    const { home: _home, ...rest } = inputs;
    const p = planZookeeperProcess({ ...rest, java: { command: '/usr/bin/java', classpath: ['/etc/zookeeper/conf', '/usr/share/java/zookeeper.jar'] } });
    expect(p.command).toBe('/usr/bin/java');
    expect(p.args.slice(-4)).toEqual(['-cp', '/etc/zookeeper/conf:/usr/share/java/zookeeper.jar', 'org.apache.zookeeper.server.quorum.QuorumPeerMain', '/d/zk/1/conf/zoo.cfg']);
  });
});
