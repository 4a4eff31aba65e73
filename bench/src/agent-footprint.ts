/**
 * Agent footprint per service kind: RSS and idle CPU of a real hactl agent (agent/dist/main.js, a
 * child process) connected to a real control plane (in this process), next to a bare Node process
 * that has loaded @grpc/grpc-js. Target (project issue): RSS within 1.3x the bare baseline, idle
 * CPU under 0.5 %.
 *
 * Each kind gets a fresh agent managing one instance of the real service, one kind at a time (the
 * JVMs of all four at once do not fit a 2-core machine): ZooKeeper from /usr/share/zookeeper, and
 * Kafka 4 (KRaft, one broker+controller), a Storm nimbus and an Elasticsearch node from the
 * distributions scripts/setup.sh assembles into .dist/. The window starts once the cluster is
 * healthy, so every probe is answered and its client (kafkajs, the ES client, ZooKeeper sessions)
 * holds its connections, as on a production host. Each service is stopped before the next kind
 * starts, except ZooKeeper, whose ensemble the Storm nimbus uses.
 *
 *   node bench/dist/agent-footprint.js [--window-s 30] [--settle-s 15]
 *
 * RSS is VmRSS from /proc/PID/status, sampled every second of the window (median and max); CPU is
 * utime+stime from /proc/PID/stat over the window, as a percentage of one core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nullLogger } from '@hactl/shared';
import { startControlPlane } from '../../control-plane/dist/server.js';
import { testConfig } from '../../control-plane/dist/config.js';
import { distHome } from '../../test/dist/src/lab/dist.js';
import { parseBenchArgs, wholeNumberArg } from './cli-args.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const USAGE = `usage: node bench/dist/agent-footprint.js [flags]

  --window-s S   seconds each agent's RSS and CPU are sampled, once its cluster is healthy (default 30)
  --settle-s S   seconds waited after healthy before the window starts (default 15)`;
const args = parseBenchArgs(
  { 'window-s': { type: 'string', default: '30' }, 'settle-s': { type: 'string', default: '15' } },
  USAGE,
);
const WINDOW_S = wholeNumberArg('--window-s', args['window-s'], USAGE, 1);
const SETTLE_S = wholeNumberArg('--settle-s', args['settle-s'], USAGE, 0);
const TARGET_RATIO = 1.3;
const TARGET_CPU = 0.5;
const ZK_HOME = '/usr/share/zookeeper';
const CLK_TCK = 100; // USER_HZ on Linux

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** utime + stime of one process, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(
  what: string,
  cond: () => boolean,
  timeoutMs = Number(process.env.BENCH_WAIT_MS ?? 120_000),
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/**
 * Settles, then measures CPU over the window and samples RSS every second in it. One sample at the
 * end varied by up to 10 MB between runs: it depends on whether V8's memory reducer has shrunk the
 * heap yet (--trace-gc of a ZooKeeper host's agent: 32.5 MB of heap committed after startup, 17 MB
 * after the first memory-reducing mark-compact, 73 s after start). The median is the footprint;
 * the max shows what the host must have room for.
 */
async function measure(
  pid: number,
): Promise<{ rssMb: number; rssMaxMb: number; cpuPct: number; startCpuS: number }> {
  await sleep(SETTLE_S * 1000);
  const t0 = performance.now();
  const c0 = cpuTicks(pid);
  const samples: number[] = [];
  for (let i = 0; i < WINDOW_S; i++) {
    await sleep(1000);
    samples.push(rssKb(pid) / 1024);
  }
  const secs = (performance.now() - t0) / 1000;
  const cpuPct = ((cpuTicks(pid) - c0) / CLK_TCK / secs) * 100;
  samples.sort((a, b) => a - b);
  return {
    rssMb: samples[Math.floor(samples.length / 2)]!,
    rssMaxMb: samples.at(-1)!,
    cpuPct,
    startCpuS: c0 / CLK_TCK,
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A bare Node process with grpc-js loaded and a client channel made, then idle. */
async function baseline(): Promise<{ rssMb: number; rssMaxMb: number; cpuPct: number; startCpuS: number }> {
  const code =
    "const grpc = await import('@grpc/grpc-js');" +
    "const c = new grpc.Client('127.0.0.1:1', grpc.credentials.createInsecure());" +
    'setInterval(() => {}, 1 << 30);';
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    cwd: path.join(REPO, 'bench'),
    stdio: 'ignore',
  });
  try {
    return await measure(child.pid!);
  } finally {
    await stopChild(child);
  }
}

/**
 * Kills what the agent of `host` started, by its pid files (services outlive their agent by
 * design). The pid file holds the pid and its /proc start time; the supervisor starts each service
 * as its own process group (zkServer.sh and its JVM, bin/elasticsearch and its JVM).
 */
function killServices(dir: string, host: string): void {
  const run = path.join(dir, host, 'state', 'run');
  if (!fs.existsSync(run)) return;
  for (const file of fs.readdirSync(run).filter((f) => f.endsWith('.pid'))) {
    const pid = Number(/\d+/.exec(fs.readFileSync(path.join(run, file), 'utf8'))?.[0] ?? 0);
    for (const target of [-pid, pid])
      if (pid > 1)
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // already gone
        }
  }
}

interface Case {
  label: string;
  /** Run agent/dist/main.js under a bare node, without the launcher's flags. */
  plain?: boolean;
  host: string;
  address: string;
  /**
   * Hosts of the cluster besides the measured one, each with its own agent (started first, not
   * measured): the Storm supervisor, which a Storm cluster needs, so the measured agent runs the
   * nimbus alone.
   */
  others?: { host: string; address: string }[];
  cluster?: { name: string; spec: unknown };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-footprint-'));
  // mkdtemp makes the directory 0700; as root, services run under their own accounts (the agent's
  // default --service-users auto; Elasticsearch refuses to run as root) and must reach their dirs.
  fs.chmodSync(dir, 0o755);
  const cp = await startControlPlane(
    { ...testConfig(path.join(dir, 'cp')), reportIntervalMs: 5000 },
    nullLogger,
  );
  const agents: ChildProcess[] = [];
  /**
   * Starts an agent as installed: through bin/hactl-agent, which runs node with the launcher's V8
   * memory flags. `plain` runs agent/dist/main.js under a bare node instead, to show in the same run
   * what the flags save.
   */
  const startAgent = (host: string, address: string, plain = false): ChildProcess => {
    const stateDir = path.join(dir, host, 'state');
    const dataRoot = path.join(dir, host, 'data');
    fs.mkdirSync(stateDir, { recursive: true });
    fs.mkdirSync(dataRoot, { recursive: true });
    const [command, entry] = plain
      ? [process.execPath, [path.join(REPO, 'agent/dist/main.js')]]
      : [path.join(REPO, 'bin/hactl-agent'), []];
    const child = spawn(
      command,
      [
        ...entry,
        ...['--server', `127.0.0.1:${cp.grpcPort}`, '--name', host, '--address', address],
        ...[
          '--state-dir',
          stateDir,
          '--data-root',
          dataRoot,
          '--insecure',
          '--log-level',
          process.env.BENCH_DEBUG ? 'info' : 'warn',
        ],
      ],
      {
        stdio: ['ignore', process.env.BENCH_DEBUG ? 'inherit' : 'ignore', 'inherit'],
        env: process.env,
      },
    );
    agents.push(child);
    return child;
  };
  const connected = (host: string) => cp.fleet.listHosts().some((h) => h.name === host && h.connected);
  /** The cluster's instance on the measured host (host ids are the hosts' names here), as its agent last reported it. */
  const observed = (cluster: string, host: string) => {
    const id = cp.fleet.planCluster(cluster).find((p) => p.hostId === host)?.id;
    return id === undefined ? undefined : cp.fleet.observation(id);
  };

  const cases: Case[] = [
    { label: 'agent, no instance, bare node', host: 'fp-plain', address: '127.0.9.6', plain: true },
    { label: 'agent, no instance', host: 'fp-idle', address: '127.0.9.1' },
    {
      label: 'zookeeper (real, 1 member)',
      host: 'fp-zk',
      address: '127.0.9.2',
      cluster: {
        name: 'fp-zk',
        spec: {
          kind: 'zookeeper',
          distribution: { home: ZK_HOME },
          jvm: { heap: '64m', flags: ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'] },
          members: [{ host: 'fp-zk', id: 1, adminPort: 0 }],
        },
      },
    },
    {
      label: 'kafka 4 kraft (real, 1 broker+controller)',
      host: 'fp-kafka',
      address: '127.0.9.3',
      cluster: {
        name: 'fp-kafka',
        spec: {
          kind: 'kafka',
          distribution: { home: distHome('kafka4') },
          mode: 'kraft',
          brokers: [{ host: 'fp-kafka', id: 1, roles: ['broker', 'controller'] }],
          // One broker: the internal topics cannot have the default three replicas.
          settings: { 'offsets.topic.replication.factor': 1, 'transaction.state.log.replication.factor': 1 },
          jvm: { heap: '256m', flags: ['-XX:+UseSerialGC'] },
        },
      },
    },
    {
      label: 'storm nimbus (real, zookeeper above)',
      host: 'fp-storm',
      address: '127.0.9.4',
      others: [{ host: 'fp-storm-sup', address: '127.0.9.7' }],
      cluster: {
        name: 'fp-storm',
        spec: {
          kind: 'storm',
          distribution: { home: distHome('storm') },
          zookeeper: 'fp-zk',
          nimbus: { hosts: ['fp-storm'] },
          supervisors: { hosts: ['fp-storm-sup'], slots: [6700] },
          settings: {
            'nimbus.childopts': '-Xmx256m -XX:+UseSerialGC',
            'supervisor.childopts': '-Xmx256m -XX:+UseSerialGC',
          },
        },
      },
    },
    {
      label: 'elasticsearch (real, 1 node)',
      host: 'fp-es',
      address: '127.0.9.5',
      cluster: {
        name: 'fp-es',
        spec: {
          kind: 'elasticsearch',
          distribution: { home: distHome('elasticsearch') },
          heap: '256m',
          nodes: [{ host: 'fp-es', name: 'node-1', roles: ['master', 'data'] }],
        },
      },
    },
  ];

  const rows: string[][] = [];
  try {
    const base = await baseline();
    rows.push([
      'bare node + grpc-js',
      base.rssMb.toFixed(1),
      base.rssMaxMb.toFixed(1),
      '1.00',
      base.cpuPct.toFixed(2),
      '-',
      '-',
    ]);
    for (const c of cases) {
      const others = (c.others ?? []).map((o) => ({ ...o, child: startAgent(o.host, o.address) }));
      const child = startAgent(c.host, c.address, c.plain);
      for (const h of [c, ...others]) await until(`${h.host} connected`, () => connected(h.host));
      const cluster = c.cluster?.name;
      if (c.cluster && cluster) {
        cp.fleet.applyCluster(cluster, c.cluster.spec, { author: 'bench', message: '' });
        await until(`${c.host} running its instance with a probe`, () => {
          const o = observed(cluster, c.host);
          return o?.process === 'running' && o.probeAt > 0;
        });
        // Healthy: the probe's clients are connected to a serving member, not retrying a closed port.
        await until(
          `${cluster} healthy`,
          () => cp.fleet.clusterStatus(cluster).status.health === 'healthy',
          Number(process.env.BENCH_WAIT_MS ?? 240_000),
        );
      }
      const m = await measure(child.pid!);
      const probe = cluster ? JSON.stringify(observed(cluster, c.host)?.probe ?? null) : '';
      rows.push([
        c.label,
        m.rssMb.toFixed(1),
        m.rssMaxMb.toFixed(1),
        (m.rssMb / base.rssMb).toFixed(2),
        m.cpuPct.toFixed(2),
        m.startCpuS.toFixed(2),
        probe.slice(0, 60),
      ]);
      // The ZooKeeper host stays up: the Storm case's probes read its ensemble. The others' JVMs go
      // now, so the next kind is measured on a machine without them.
      if (c.host !== 'fp-zk') {
        for (const h of [{ ...c, child }, ...others]) {
          await stopChild(h.child);
          killServices(dir, h.host);
        }
      }
    }
  } finally {
    await Promise.all(agents.map(stopChild));
    // Services outlive their agent by design; end the ones this run started, by their pid files.
    for (const c of cases) for (const h of [c, ...(c.others ?? [])]) killServices(dir, h.host);
    await cp.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `agent footprint after ${SETTLE_S} s settle, over ${WINDOW_S} s: RSS median and max of 1 s samples, ` +
      `idle CPU (report interval 5 s); ` +
      `target RSS <= ${TARGET_RATIO}x bare, CPU < ${TARGET_CPU} %`,
  );
  console.log('Every kind runs its real service, one kind at a time; the window starts once it is healthy.');
  console.log(
    'Agents run through bin/hactl-agent (its V8 memory flags) unless the row says bare node; ' +
      'start CPU s: CPU time from exec through connect, apply and settle.',
  );
  const header = ['process', 'RSS MB', 'max MB', 'x bare', 'CPU %', 'start CPU s', 'last probe'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r.map((v, i) => (i === 0 || i === 6 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
