import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import zookeeper from 'node-zookeeper-client';
import type { Lab } from './fleet.js';
import { LAB_JVM_FLAGS, distHome } from './dist.js';
import { waitFor } from './wait.js';

/**
 * Helpers for e2e tests on real Storm (storm-real.test.ts, storm-failover.test.ts): where the agents
 * put a daemon's files, the worker JVMs of a supervisor, the `storm` client from the root namespace,
 * the counting topology's progress in its worker logs, and ZooKeeper reads below the Storm root.
 */

/** `<data-root>/storm/<cluster>/<role>-<host>`: the member dir the agent on `host` made. */
/**
 * The Storm labs' hosts and their last address octet on the lab slice (storm-real, storm-failover):
 * ZooKeeper zk1..3 on .11-.13 in the root namespace, nimbus hosts storm1/storm2 on .21/.22 and
 * supervisors storm3/storm4 on .23/.24, each Storm host in a namespace of its own.
 */
export const STORM_LAB_ZK_HOSTS = [
  ['zk1', 11],
  ['zk2', 12],
  ['zk3', 13],
] as const;
export const STORM_LAB_HOSTS = [
  ['storm1', 21],
  ['storm2', 22],
  ['storm3', 23],
  ['storm4', 24],
] as const;

export const memberDir = (lab: Lab, host: string, role: string, cluster = 'storm-main') =>
  path.join(lab.dir, host, 'data', 'storm', cluster, `${role}-${host}`);

/** `/proc/<pid>/cmdline` as argv, or undefined once the process is gone. */
export function argv(pid: number): string[] | undefined {
  try {
    return fs
      .readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a !== '');
  } catch {
    return undefined;
  }
}

/**
 * The worker and LogWriter JVMs of the supervisor on `host`, found by the supervisor's conf path
 * that Storm passes on to them: after a supervisor restart they are no longer its children (the
 * agent keeps them running and the new supervisor takes them back).
 */
export function workerProcs(lab: Lab, host: string): { workers: number[]; logWriters: number[] } {
  const conf = `-Dstorm.conf.file=${memberDir(lab, host, 'supervisor')}/conf/storm.yaml`;
  const out = { workers: [] as number[], logWriters: [] as number[] };
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const a = argv(Number(d)) ?? [];
    if (!a.includes(conf)) continue;
    if (a.includes('org.apache.storm.LogWriter')) out.logWriters.push(Number(d));
    else if (a.includes('org.apache.storm.daemon.worker.Worker')) out.workers.push(Number(d));
  }
  return out;
}

/** Writes the client conf `stormCli` uses: `nimbus.seeds` (the client asks them for the leader). */
export function writeStormClientConf(lab: Lab, seeds: readonly string[]): void {
  fs.mkdirSync(path.join(lab.dir, 'client', 'logs'), { recursive: true });
  fs.writeFileSync(
    path.join(lab.dir, 'client', 'storm.yaml'),
    `nimbus.seeds: [${seeds.map((s) => JSON.stringify(s)).join(', ')}]\nstorm.log.dir: "${path.join(lab.dir, 'client', 'logs')}"\nstorm.local.dir: "${path.join(lab.dir, 'client')}"\n`,
  );
}

/**
 * `bin/storm <command> --config <client conf> ARGS…` from the root namespace (see writeStormClientConf).
 * The client JVM runs with the lab's light flags (JAVA_TOOL_OPTIONS): `storm list` is polled, and
 * with the JVM's defaults each call cost about 2 s of CPU more.
 */
export function stormCli(lab: Lab, command: string, args: string[]): Promise<string> {
  const conf = path.join(lab.dir, 'client', 'storm.yaml');
  return new Promise((resolve, reject) => {
    execFile(
      path.join(distHome('storm'), 'bin', 'storm'),
      [command, '--config', conf, ...args],
      {
        env: {
          ...process.env,
          STORM_CONF_DIR: path.dirname(conf),
          JAVA_TOOL_OPTIONS: LAB_JVM_FLAGS.join(' '),
        },
        timeout: 120_000,
      },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`storm ${command}: ${err.message}\n${stdout}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** The `storm list` lines from the header (or "No topologies running.") on: the client logs before them. */
export function listOutput(stdout: string): string {
  const lines = stdout.split('\n');
  const i = lines.findIndex((l) => l.startsWith('Topology_name ') || l === 'No topologies running.');
  // Keep the padding: the last column is padded to its width like the others.
  return i < 0 ? '' : `${lines.slice(i).join('\n').replace(/\n+$/, '')}\n`;
}

/**
 * What the counting bolt has logged in every worker log of the topology, on the given supervisors:
 * one "counted N tuples, highest number M" line per 1000 tuples. A relaunched worker starts counting
 * from 0 again (in the same file), so the number of lines is what only grows.
 */
export function counted(
  lab: Lab,
  topologyId: string,
  supervisors: readonly string[],
): { lines: number; last: string } {
  let lines = 0;
  let last = '';
  for (const host of supervisors) {
    const dir = path.join(memberDir(lab, host, 'supervisor'), 'logs', 'workers-artifacts', topologyId);
    if (!fs.existsSync(dir)) continue;
    for (const port of fs.readdirSync(dir)) {
      const file = path.join(dir, port, 'worker.log');
      if (!fs.existsSync(file)) continue;
      const hits = fs.readFileSync(file, 'utf8').match(/counted \d+ tuples, highest number \d+/g) ?? [];
      lines += hits.length;
      if (hits.length) last = `${host}:${port} ${hits.at(-1)}`;
    }
  }
  return { lines, last };
}

/**
 * Submits the project's counting topology (`storm jar`) and waits until `storm list` shows it
 * scheduled; returns its topology id.
 */
export async function submitCountingTopology(
  lab: Lab,
  name: string,
  workers: number,
  rate: number,
): Promise<string> {
  const out = await stormCli(lab, 'jar', [
    distHome('stormTopologyJar'),
    'hactl.topology.CountingTopology',
    name,
    String(workers),
    String(rate),
  ]);
  if (!out.includes(`submitted topology ${name} with ${workers} worker(s) at ${rate} tuples/s`))
    throw new Error(`storm jar did not submit ${name}: ${out}`);
  // Until nimbus has scheduled it, the row says 0 tasks and 0 workers.
  const row = await waitFor(
    'storm list to show the topology scheduled',
    async () => {
      const lines = listOutput(await stormCli(lab, 'list', [])).split('\n');
      return lines.find((l) =>
        new RegExp(`^${name} +ACTIVE +[1-9]\\d* +${workers} +\\d+ +${name}-\\d+-\\d+ `).test(l),
      );
    },
    { timeoutMs: 120_000, intervalMs: 1000 },
  );
  return row.split(/ +/)[5]!;
}

/** Runs `fn` on a fresh ZooKeeper session chrooted at `connect` (`h:2181,…/root`), closed afterwards. */
export async function zkRead<T>(connect: string, fn: (client: zookeeper.Client) => Promise<T>): Promise<T> {
  const client = zookeeper.createClient(connect, { sessionTimeout: 10_000 });
  await new Promise<void>((resolve) => {
    client.once('connected', () => resolve());
    client.connect();
  });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}
export const zkChildren = (c: zookeeper.Client, p: string) =>
  new Promise<string[]>((resolve, reject) => c.getChildren(p, (e, ch) => (e ? reject(e) : resolve(ch))));
export const zkData = (c: zookeeper.Client, p: string) =>
  new Promise<Buffer>((resolve, reject) =>
    c.getData(p, (e, d) => (e ? reject(e) : resolve(d ?? Buffer.alloc(0)))),
  );
export const zkExists = (c: zookeeper.Client, p: string) =>
  new Promise<zookeeper.Stat | null>((resolve, reject) =>
    c.exists(p, (e, s) => (e ? reject(e) : resolve(s))),
  );

/** Curator latch children in queue order (lowest sequence first: the leader). */
export function latchOrder(children: readonly string[]): string[] {
  return [...children].sort((a, b) => Number(a.split('-latch-')[1]) - Number(b.split('-latch-')[1]));
}

/**
 * Whether address:port (nimbus Thrift, 6627) accepts a TCP connection within 400 ms, connecting from
 * `from` (a local address): a blackhole route for the bridge address then does not hide a nimbus.
 */
export function tcpAnswers(address: string, from: string, port = 6627): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port, localAddress: from });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(400, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** The address of the nimbus holding the leader latch below `connect` (`h:2181,…/root`), or '' when none. */
export async function latchLeader(connect: string): Promise<string> {
  return zkRead(connect, async (c) => {
    const order = latchOrder(await zkChildren(c, '/leader-lock'));
    return order[0] ? (await zkData(c, `/leader-lock/${order[0]}`)).toString().split(':')[0]! : '';
  }).catch(() => '');
}
