/**
 * Rolling-restart overhead: a restart rollout over a 3-member ZooKeeper ensemble and a 3-broker
 * Kafka 3.9 cluster (the real distributions in .dist/, or KAFKA_HOME), each on its own loopback hosts. Prints the
 * rollout's wall time next to the sum of the members' own restart times (stop → serving again, as
 * the agents measure it) and the overhead ratio.
 *
 *   node bench/dist/rolling-restart.js [--rounds N] [--report-interval-ms N]
 *
 * The lab's agents report every 500 ms; `--report-interval-ms 5000` runs the control plane at its
 * production default, where a restart lease waiting on a view older than the member's return
 * (ServiceKind.observesPeers) costs up to that interval.
 */
import { Lab } from '../../test/dist/src/lab/fleet.js';
import { waitFor } from '../../test/dist/src/lab/wait.js';
import { sandboxHomes } from '../../test/dist/src/sandbox/seed.js';
import { parseBenchArgs, wholeNumberArg } from './cli-args.js';

const USAGE = `usage: node bench/dist/rolling-restart.js [flags]

  --rounds N               restart rollouts per cluster, each timed (default 3)
  --report-interval-ms N   the control plane's --report-interval-ms (default 500, the lab's)`;

interface RolloutView {
  id: string;
  state: string;
  reason: string;
  createdAt: string;
  updatedAt: string;
  steps: { instance: string; state: string; note: string; finishedAt: string | null }[];
}

const args = parseBenchArgs(
  { rounds: { type: 'string', default: '3' }, 'report-interval-ms': { type: 'string', default: '500' } },
  USAGE,
);
const rounds = wholeNumberArg('--rounds', args.rounds, USAGE, 1);
const reportIntervalMs = wholeNumberArg('--report-interval-ms', args['report-interval-ms'], USAGE, 100);
const homes = sandboxHomes(process.env);
const zk = (hosts: string[]) => ({
  name: 'zk-bench',
  kind: 'zookeeper',
  distribution: { home: homes.zookeeper },
  settings: { tickTime: 500, initLimit: 20, syncLimit: 10 },
  jvm: { heap: '128m', flags: ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'] },
  members: hosts.map((host, i) => ({ host, id: i + 1, adminPort: 0 })),
});
const kafka = (hosts: string[]) => ({
  name: 'kafka-bench',
  kind: 'kafka',
  distribution: { home: homes.kafka },
  zookeeper: 'zk-bench',
  brokers: hosts.map((host, i) => ({ host, id: i + 1 })),
  settings: {
    'zookeeper.session.timeout.ms': 6000,
    'default.replication.factor': 3,
    'min.insync.replicas': 2,
  },
  jvm: { heap: '256m' },
});

async function rollout(
  lab: Lab,
  cluster: string,
): Promise<{ totalMs: number; sumMs: number; steps: number }> {
  const started = await lab.api<RolloutView>('POST', `/v1/clusters/${cluster}/rollouts`, {
    action: 'restart',
  });
  if (started.status !== 201)
    throw new Error(`rollout start: HTTP ${started.status} ${JSON.stringify(started.body)}`);
  const t0 = Date.now();
  const done = await waitFor(
    `rollout of ${cluster}`,
    async () => {
      const r = (await lab.api<RolloutView>('GET', `/v1/rollouts/${started.body.id}`)).body;
      if (r.state === 'paused' || r.state === 'aborted') throw new Error(`rollout ${r.state}: ${r.reason}`);
      return r.state === 'completed' ? r : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 50 },
  );
  const totalMs = Date.now() - t0;
  // The last agent's own account (with its timing) can land just after the step completed on the new pid.
  await waitFor(
    'every step to carry its restart time',
    async () => {
      const r = (await lab.api<RolloutView>('GET', `/v1/rollouts/${started.body.id}`)).body;
      if (r.steps.every((s) => /ready in \d+ ms/.test(s.note))) {
        done.steps = r.steps;
        return true;
      }
      return undefined;
    },
    { timeoutMs: 30_000, intervalMs: 50 },
  );
  const own = done.steps.map((s) => Number(/ready in (\d+) ms/.exec(s.note)?.[1] ?? NaN));
  if (own.some((n) => Number.isNaN(n)))
    throw new Error(`a step has no restart time: ${JSON.stringify(done.steps)}`);
  return { totalMs, sumMs: own.reduce((a, b) => a + b, 0), steps: done.steps.length };
}

async function main(): Promise<void> {
  const lab = await Lab.create('bench');
  const rows: string[][] = [];
  try {
    // After the lab's own flags: the last --report-interval-ms is the one that counts.
    await lab.startControlPlane(['--report-interval-ms', String(reportIntervalMs)]);
    const zkHosts = ['bz1', 'bz2', 'bz3'];
    const kHosts = ['bk1', 'bk2', 'bk3'];
    for (const [i, h] of zkHosts.entries()) await lab.startAgent(h, `127.0.10.${i + 1}`);
    for (const [i, h] of kHosts.entries()) await lab.startAgent(h, `127.0.10.${i + 11}`);
    await lab.waitForHosts([...zkHosts, ...kHosts]);
    await lab.api('PUT', '/v1/clusters/zk-bench', zk(zkHosts));
    await lab.waitForHealth('zk-bench', 'healthy');
    await lab.api('PUT', '/v1/clusters/kafka-bench', kafka(kHosts));
    await lab.waitForHealth('kafka-bench', 'healthy', { timeoutMs: 120_000 });
    for (const cluster of ['zk-bench', 'kafka-bench']) {
      for (let r = 1; r <= rounds; r++) {
        await lab.waitForHealth(cluster, 'healthy', { timeoutMs: 120_000 });
        const m = await rollout(lab, cluster);
        rows.push([
          cluster,
          String(r),
          String(m.steps),
          String(m.totalMs),
          String(m.sumMs),
          String(m.totalMs - m.sumMs),
          (m.totalMs / m.sumMs).toFixed(2),
        ]);
      }
    }
  } finally {
    await lab.destroy();
  }
  const header = [
    'cluster',
    'round',
    'members',
    'rollout ms',
    'sum of member restarts ms',
    'between restarts ms',
    'overhead ratio',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
