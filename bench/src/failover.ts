/**
 * Storm nimbus failover time (architecture §9: failure → new nimbus serving < 15 s). Real Storm
 * 2.8.3 on the lab network slice 18 (root only): ZooKeeper zk1..3 in the root namespace, nimbus
 * hosts storm1/storm2 and one supervisor storm3 in namespaces of their own, the project's counting
 * topology running, the nimbus hosts sharing one blob directory (shared/src/services/storm/warnings.ts).
 *
 * Each run kills the active nimbus's host (its agent SIGSTOPped, its nimbus SIGKILLed) and times it
 * until the other nimbus holds the leader latch and answers on its Thrift port from outside:
 * - hactl `failover: manual` (detectAfterSec 2; the lab's agents report every 500 ms): detection,
 *   fence, and a cold start of the standby's nimbus JVM;
 * - the baseline, measured in the same run on the same hosts: Storm's own leader election
 *   (`failover: native`, both nimbus running), which waits for the dead leader's ZooKeeper session
 *   (storm.zookeeper.session.timeout 6 s) to expire its latch node.
 * Between runs the host comes back (SIGCONT) and the cluster is healthy again.
 *
 *   node bench/dist/failover.js [--runs 5]
 */
import fs from 'node:fs';
import path from 'node:path';
import { Lab } from '../../test/dist/src/lab/fleet.js';
import { LabNetwork } from '../../test/dist/src/lab/netns.js';
import { labZookeeperSpec } from '../../test/dist/src/lab/zookeeper.js';
import { distHome } from '../../test/dist/src/lab/dist.js';
import { waitFor } from '../../test/dist/src/lab/wait.js';
import {
  latchLeader,
  submitCountingTopology,
  tcpAnswers,
  writeStormClientConf,
} from '../../test/dist/src/lab/storm.js';
import { parseBenchArgs, wholeNumberArg } from './cli-args.js';
import { median, ms, table } from './fleet/stats.js';

const USAGE =
  'usage: node bench/dist/failover.js [--runs 5]   (root: lab network namespaces; real Storm from .dist/)';
const args = parseBenchArgs({ runs: { type: 'string', default: '5' } }, USAGE);
const runs = wholeNumberArg('--runs', args.runs, USAGE, 1, 50);
if (!LabNetwork.supported()) {
  console.error('this benchmark needs root and iproute2 (lab network namespaces)');
  process.exit(2);
}

const SLICE = 18;
const addr = (n: number) => `10.77.${SLICE}.${n}`;
const ZK = [
  ['zk1', 11],
  ['zk2', 12],
  ['zk3', 13],
] as const;
const STORM = [
  ['storm1', 21],
  ['storm2', 22],
  ['storm3', 23],
] as const;
const NIMBUS: Record<string, string> = { storm1: addr(21), storm2: addr(22) };
const ZK_CONNECT = `${ZK.map(([, n]) => `${addr(n)}:2181`).join(',')}/storm-bench`;
const FROM = addr(11);

const spec = (lab: Lab, failover: 'manual' | 'native') => ({
  name: 'storm-bench',
  kind: 'storm',
  distribution: { home: distHome('storm') },
  zookeeper: 'zk-bench',
  nimbus: {
    hosts: ['storm1', 'storm2'],
    failover,
    ...(failover === 'manual' ? { detectAfterSec: 2 } : {}),
  },
  supervisors: { hosts: ['storm3'], slots: [6700, 6701] },
  settings: {
    'storm.zookeeper.session.timeout': 6000,
    'blobstore.dir': path.join(lab.dir, 'shared-blobs'),
    'nimbus.childopts': '-Xmx256m -XX:+UseSerialGC',
    'supervisor.childopts': '-Xmx256m -XX:+UseSerialGC',
    'worker.childopts': ['-Xmx192m', '-XX:+UseSerialGC'],
  },
});

type ClusterBody = {
  status: {
    health: string;
    members: { id: string; pid: number }[];
    activeNimbus?: string;
    lastFailover?: { id: string; state: string; updatedAt: string };
  };
};

/** Kills the leader's host; returns ms until the other nimbus leads and answers on Thrift. */
async function killLeader(lab: Lab): Promise<{ from: string; to: string; ms: number }> {
  const leaderAddr = await latchLeader(ZK_CONNECT);
  const from = Object.keys(NIMBUS).find((h) => NIMBUS[h] === leaderAddr);
  if (!from) throw new Error(`no nimbus leader to kill (latch: ${JSON.stringify(leaderAddr)})`);
  const to = from === 'storm1' ? 'storm2' : 'storm1';
  const c = (await lab.api<ClusterBody>('GET', '/v1/clusters/storm-bench')).body;
  const pid = c.status.members.find((m) => m.id === `nimbus-${from}`)!.pid;
  const agent = lab.agents.get(from)!.child.pid!;
  process.kill(agent, 'SIGSTOP');
  const t0 = Date.now();
  process.kill(pid, 'SIGKILL');
  try {
    const took = await waitFor(
      `nimbus ${to} to lead and answer on Thrift`,
      async () =>
        (await latchLeader(ZK_CONNECT)) === NIMBUS[to] && (await tcpAnswers(NIMBUS[to]!, FROM))
          ? Date.now() - t0
          : undefined,
      { timeoutMs: 180_000, intervalMs: 100 },
    );
    return { from, to, ms: took };
  } finally {
    process.kill(agent, 'SIGCONT');
  }
}

async function settle(lab: Lab): Promise<void> {
  await waitFor(
    'the last failover to end and the cluster to be healthy',
    async () => {
      const c = (await lab.api<ClusterBody>('GET', '/v1/clusters/storm-bench')).body;
      const last = c.status.lastFailover;
      // Automatic failovers are spaced by ten detection delays (20 s here; control-plane/src/failover).
      const spaced = !last || (last.state !== 'running' && Date.now() - Date.parse(last.updatedAt) > 21_000);
      return c.status.health === 'healthy' && spaced ? true : undefined;
    },
    { timeoutMs: 600_000, intervalMs: 500 },
  );
}

async function main(): Promise<void> {
  const lab = await Lab.create('bench-failover', { network: SLICE });
  const times: Record<'hactl' | 'native', number[]> = { hactl: [], native: [] };
  try {
    await lab.startControlPlane();
    for (const [name, n] of ZK) await lab.startAgentOn(lab.addHost(name, n, { ownNamespace: false }));
    for (const [name, n] of STORM) await lab.startAgentOn(lab.addHost(name, n, { ownNamespace: true }));
    await lab.waitForHosts(
      [...ZK, ...STORM].map(([h]) => h),
      60_000,
    );
    await lab.api('PUT', '/v1/clusters/zk-bench', labZookeeperSpec('zk-bench', ['zk1', 'zk2', 'zk3']));
    await lab.waitForHealth('zk-bench', 'healthy', { timeoutMs: 120_000 });
    fs.mkdirSync(path.join(lab.dir, 'shared-blobs'), { mode: 0o777 });
    fs.chmodSync(path.join(lab.dir, 'shared-blobs'), 0o777);
    writeStormClientConf(lab, Object.values(NIMBUS));
    await lab.api('PUT', '/v1/clusters/storm-bench', spec(lab, 'manual'));
    await lab.waitForHealth('storm-bench', 'healthy', { timeoutMs: 300_000 });
    await submitCountingTopology(lab, 'counting', 1, 100);
    for (let r = 1; r <= runs; r++) {
      await settle(lab);
      const m = await killLeader(lab);
      times.hactl.push(m.ms);
      console.error(`hactl run ${r}: ${m.from} → ${m.to} serving after ${m.ms} ms`);
    }
    await settle(lab);
    await lab.api('PUT', '/v1/clusters/storm-bench', spec(lab, 'native'));
    await waitFor(
      'both nimbus running (native)',
      async () => {
        const c = (await lab.api<ClusterBody>('GET', '/v1/clusters/storm-bench')).body;
        return c.status.health === 'healthy' &&
          (await tcpAnswers(NIMBUS.storm1!, FROM)) &&
          (await tcpAnswers(NIMBUS.storm2!, FROM))
          ? true
          : undefined;
      },
      { timeoutMs: 600_000, intervalMs: 1000 },
    );
    for (let r = 1; r <= runs; r++) {
      const m = await killLeader(lab);
      times.native.push(m.ms);
      console.error(`native run ${r}: ${m.from} → ${m.to} serving after ${m.ms} ms`);
      // The agent restarts the killed nimbus; wait until both serve again.
      await waitFor(
        'both nimbus answering again',
        async () =>
          (await tcpAnswers(NIMBUS.storm1!, FROM)) && (await tcpAnswers(NIMBUS.storm2!, FROM))
            ? true
            : undefined,
        { timeoutMs: 300_000, intervalMs: 1000 },
      );
    }
  } finally {
    await lab.destroy();
  }
  const row = (what: string, v: number[]) => [
    what,
    String(v.length),
    ms(Math.min(...v)),
    ms(median(v)),
    ms(Math.max(...v)),
  ];
  console.log(
    table(
      ['failure → new nimbus leads and answers on Thrift', 'runs', 'min ms', 'median ms', 'max ms'],
      [
        row('hactl failover: manual (detectAfterSec 2, cold standby JVM)', times.hactl),
        row('baseline: Storm native leader election (warm standby)', times.native),
      ],
    ),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
