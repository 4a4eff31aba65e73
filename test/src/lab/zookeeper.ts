import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { waitFor } from './wait.js';
import { zkMode } from './four-letter.js';
import { LAB_JVM_FLAGS } from './dist.js';

/**
 * A real ZooKeeper ensemble (Debian's package) for tests that need one independent of hactl,
 * e.g. emulator conformance tests. Each member owns one loopback address and the standard
 * ports, as on separate servers. The AdminServer is off so nothing binds 0.0.0.0:8080.
 */
export interface ZkEnsemble {
  readonly addresses: readonly string[];
  /** `a:2181,b:2181,c:2181` */
  readonly connectString: string;
  readonly dir: string;
  stopMember(index: number): Promise<void>;
  startMember(index: number): void;
  stop(): Promise<void>;
}

export const ZK_HOME = process.env.ZK_HOME ?? '/usr/share/zookeeper';

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startZkEnsemble(
  addresses: readonly string[],
  opts: { timeoutMs?: number } = {},
): Promise<ZkEnsemble> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-zk-'));
  const servers = addresses.map((a, i) => `server.${i + 1}=${a}:2888:3888;${a}:2181`);
  const children: (ChildProcess | undefined)[] = [];

  const cfgFor = (i: number): string => {
    const memberDir = path.join(dir, `zk${i + 1}`);
    fs.mkdirSync(path.join(memberDir, 'data'), { recursive: true });
    fs.writeFileSync(path.join(memberDir, 'data', 'myid'), `${i + 1}\n`);
    const cfg = [
      'tickTime=500',
      'initLimit=20',
      'syncLimit=10',
      `dataDir=${path.join(memberDir, 'data')}`,
      'admin.enableServer=false',
      '4lw.commands.whitelist=*',
      ...(addresses.length > 1 ? servers : [`clientPort=2181`, `clientPortAddress=${addresses[i]}`]),
      '',
    ].join('\n');
    const cfgPath = path.join(memberDir, 'zoo.cfg');
    fs.writeFileSync(cfgPath, cfg);
    return cfgPath;
  };
  const cfgPaths = addresses.map((_, i) => cfgFor(i));

  const startMember = (i: number): void => {
    const log = fs.openSync(path.join(dir, `zk${i + 1}`, 'out.log'), 'a');
    const child = spawn(path.join(ZK_HOME, 'bin/zkServer.sh'), ['start-foreground', cfgPaths[i]!], {
      env: {
        ...process.env,
        SERVER_JVMFLAGS: ['-Xmx128m', ...LAB_JVM_FLAGS, '-Dzookeeper.root.logger=INFO,CONSOLE'].join(' '),
      },
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    running.add(child);
    child.once('exit', () => running.delete(child));
    children[i] = child;
  };

  const stopMember = async (i: number): Promise<void> => {
    const child = children[i];
    children[i] = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  addresses.forEach((_, i) => startMember(i));
  const ensemble: ZkEnsemble = {
    addresses,
    connectString: addresses.map((a) => `${a}:2181`).join(','),
    dir,
    startMember,
    stopMember,
    async stop() {
      await Promise.all(addresses.map((_, i) => stopMember(i)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(
      `ZooKeeper ensemble on ${addresses.join(', ')} to elect a leader and have every other member follow it`,
      async () => {
        const modes = await Promise.all(addresses.map((a) => zkMode(a)));
        if (modes.some((m) => m === undefined)) return undefined;
        if (addresses.length === 1) return modes[0] === 'standalone' ? true : undefined;
        // Formed: one leader and every other member following it (a member still syncing answers
        // srvr without a follower mode for a moment after the leader is elected).
        const leaders = modes.filter((m) => m === 'leader').length;
        const followers = modes.filter((m) => m === 'follower').length;
        return leaders === 1 && followers === addresses.length - 1 ? true : undefined;
      },
      { timeoutMs: opts.timeoutMs ?? 60_000, intervalMs: 200 },
    );
  } catch (err) {
    await ensemble.stop();
    throw err;
  }
  return ensemble;
}

/**
 * The hactl spec of a lab ZooKeeper ensemble on `hosts` (agent names, myid 1..N in order), tuned
 * for 2 cores: short ticks keep elections fast; small heaps and the serial GC keep the JVMs light;
 * adminPort 0 keeps the AdminServer off 8080, the Storm UI's port (service-facts §0.6).
 */
export function labZookeeperSpec(name: string, hosts: readonly string[]): Record<string, unknown> {
  return {
    name,
    kind: 'zookeeper',
    distribution: { home: ZK_HOME },
    settings: { tickTime: 500, initLimit: 20, syncLimit: 10 },
    jvm: { heap: '128m', flags: [...LAB_JVM_FLAGS] },
    members: hosts.map((host, i) => ({ host, id: i + 1, adminPort: 0 })),
  };
}
