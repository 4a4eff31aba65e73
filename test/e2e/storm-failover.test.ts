import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Lab, REPO_ROOT, alive, type ClusterStatusBody } from '../src/lab/fleet.js';
import { labZookeeperSpec } from '../src/lab/zookeeper.js';
import { LabNetwork, type LabHost } from '../src/lab/netns.js';
import { LAB_JVM_FLAGS, distHome } from '../src/lab/dist.js';
import { waitFor } from '../src/lab/wait.js';
import {
  counted,
  latchLeader,
  listOutput,
  memberDir,
  stormCli,
  submitCountingTopology,
  workerProcs,
  tcpAnswers,
  writeStormClientConf,
  STORM_LAB_HOSTS,
  STORM_LAB_ZK_HOSTS,
} from '../src/lab/storm.js';

// Storm nimbus failover (architecture §5) on real Apache Storm 2.8.3, lab network slice 17
// (10.77.17.0/24): ZooKeeper zk1..3 on .11-.13 in the root namespace, nimbus hosts storm1/storm2 on
// .21/.22 and supervisors storm3/storm4 on .23/.24, each Storm host in a namespace of its own (see
// storm-real.test.ts). One lab set-up for every scenario. The assembled Storm has no UI
// (storm-webapp is not on Maven Central), so "serving" is measured on Thrift and the leader latch.
//
// Detection settings: the lab's agents report every 500 ms (test/src/lab/fleet.ts), an agent is
// silent after 2.5 reports (1.5 s, control-plane/src/core.ts) and `detectAfterSec: 2`.
const SLICE = 17;
const ZK_HOSTS = STORM_LAB_ZK_HOSTS;
const STORM_HOSTS = STORM_LAB_HOSTS;
const addr = (n: number) => `10.77.${SLICE}.${n}`;
const NIMBUS = { storm1: addr(21), storm2: addr(22) } as const;
type NimbusHost = keyof typeof NIMBUS;
const SUPERVISORS = ['storm3', 'storm4'] as const;
const ZK_CONNECT = `${ZK_HOSTS.map(([, n]) => `${addr(n)}:2181`).join(',')}/storm-main`;
/** The sampler connects from a ZooKeeper host's address, so a blackhole for the bridge address (.1) does not hide a nimbus from it. */
const SAMPLE_FROM = addr(11);
const DETECT_AFTER_SEC = 2;
/** Waits sized for a loaded 2-core machine (a Storm daemon JVM took up to 85 s to boot at load average 27). */
const HEALTHY_MS = 300_000;
const TOPOLOGY = 'counting';
const WORKERS = 2;
const RATE = 200;

const zkSpec = labZookeeperSpec(
  'zk-main',
  ZK_HOSTS.map(([host]) => host),
);

interface FailoverBody {
  id: string;
  trigger: string;
  from: string | null;
  to: string;
  epoch: number;
  state: string;
  step: string;
  elapsedMs: number;
  steps: { step: string; at: string; reason: string }[];
}
type ClusterBody = ClusterStatusBody & {
  status: ClusterStatusBody['status'] & { activeNimbus?: string; lastFailover?: FailoverBody };
};

/** Whether a nimbus answers on Thrift, seen from SAMPLE_FROM. */
const thriftOpen = (address: string) => tcpAnswers(address, SAMPLE_FROM);
/** The leader latch holder's address, or '' when none. */
const latchLeaderNow = () => latchLeader(ZK_CONNECT);

interface Sample {
  at: number;
  open: NimbusHost[];
  leader: string;
}

/**
 * Samples from outside, once a second, which nimbus answers on Thrift and who holds the leader
 * latch, until stopped: the "never two nimbus serve" record.
 */
class Sampler {
  readonly samples: Sample[] = [];
  private running = true;
  private readonly done: Promise<void>;
  constructor() {
    this.done = (async () => {
      while (this.running) {
        const started = Date.now();
        const [o1, o2, leader] = await Promise.all([
          thriftOpen(NIMBUS.storm1),
          thriftOpen(NIMBUS.storm2),
          latchLeaderNow(),
        ]);
        const open = [...(o1 ? ['storm1' as const] : []), ...(o2 ? ['storm2' as const] : [])];
        this.samples.push({ at: started, open, leader });
        await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - started))));
      }
    })();
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
  twoServing(): Sample[] {
    return this.samples.filter((s) => s.open.length > 1);
  }
}

describe.skipIf(!LabNetwork.supported())(
  'e2e: Storm 2.8.3 nimbus failover (manual): detect, fence, promote, re-point; never two nimbus',
  { timeout: 1_200_000 },
  () => {
    let lab: Lab;
    let sampler: Sampler | undefined;
    let topologyId = '';
    const hosts = new Map<string, LabHost>();
    const blobs = () => path.join(lab.dir, 'shared-blobs');

    const cluster = async () => (await lab.api<ClusterBody>('GET', '/v1/clusters/storm-main')).body;
    const hactl = (...args: string[]): Promise<{ code: number; out: string; err: string }> =>
      new Promise((resolve) => {
        execFile(
          path.join(REPO_ROOT, 'bin/hactl'),
          args,
          { env: { ...process.env, ...lab.cliEnv(), NO_COLOR: '1' }, timeout: 300_000 },
          (err, out, errOut) =>
            resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out, err: errOut }),
        );
      });
    const agentPid = (h: string) => lab.agents.get(h)!.child.pid!;
    const seedsOf = (host: string) =>
      /^nimbus\.seeds: (.*)$/m.exec(
        fs.readFileSync(path.join(memberDir(lab, host, 'supervisor'), 'conf', 'storm.yaml'), 'utf8'),
      )?.[1];
    const nimbusPid = async (h: NimbusHost) =>
      (await cluster()).status.members.find((m) => m.id === `nimbus-${h}`)!.pid;
    const lastFailoverId = async () => (await cluster()).status.lastFailover?.id;

    /** Waits for a failover to complete and for every supervisor to run with seeds = the new nimbus. */
    async function waitCompleted(id: string): Promise<FailoverBody> {
      const f = await waitFor(
        `failover ${id} to complete`,
        async () => {
          const b = (await lab.api<FailoverBody>('GET', `/v1/failovers/${id}`)).body;
          if (b.state === 'failed') throw new Error(`failover ${id} failed: ${JSON.stringify(b.steps)}`);
          return b.state === 'completed' ? b : undefined;
        },
        { timeoutMs: 600_000, intervalMs: 500 },
      );
      for (const s of SUPERVISORS) expect(seedsOf(s)).toBe(`["${NIMBUS[f.to as NimbusHost]}"]`);
      return f;
    }

    /** The topology is listed, active, and its count grows. */
    async function topologyProcesses(): Promise<void> {
      const row = await waitFor(
        'storm list to answer with the topology',
        async () =>
          listOutput(await stormCli(lab, 'list', []).catch(() => ''))
            .split('\n')
            .find((l) => l.startsWith(`${TOPOLOGY} `)),
        { timeoutMs: 120_000, intervalMs: 1000 },
      );
      expect(row).toMatch(new RegExp(`^${TOPOLOGY} +ACTIVE +\\d+ +${WORKERS} `));
      const before = counted(lab, topologyId, SUPERVISORS).lines;
      await waitFor(
        'the count to grow',
        () => (counted(lab, topologyId, SUPERVISORS).lines > before ? true : undefined),
        { timeoutMs: 120_000, intervalMs: 500 },
      );
    }

    /** Failure → the new nimbus holds the latch and answers on Thrift from outside, in ms. */
    async function timeToServe(to: NimbusHost, since: number): Promise<number> {
      return waitFor(
        `nimbus ${to} to lead and answer on Thrift`,
        async () =>
          (await latchLeaderNow()) === NIMBUS[to] && (await thriftOpen(NIMBUS[to]))
            ? Date.now() - since
            : undefined,
        { timeoutMs: 300_000, intervalMs: 200 },
      );
    }

    beforeAll(async () => {
      lab = await Lab.create('storm-failover', { network: SLICE });
      await lab.startControlPlane();
      for (const [name, n] of ZK_HOSTS) hosts.set(name, lab.addHost(name, n, { ownNamespace: false }));
      for (const [name, n] of STORM_HOSTS) hosts.set(name, lab.addHost(name, n, { ownNamespace: true }));
      for (const h of hosts.values()) await lab.startAgentOn(h);
      await lab.waitForHosts([...hosts.keys()], 60_000);
      expect((await lab.api('PUT', '/v1/clusters/zk-main', zkSpec)).status).toBe(200);
      await lab.waitForHealth('zk-main', 'healthy', { timeoutMs: 120_000 });
      // The nimbus hosts' shared blob store (see storm/warnings.ts checkStormWarnings): the storm account writes it.
      fs.mkdirSync(blobs(), { mode: 0o777 });
      fs.chmodSync(blobs(), 0o777);
      // The client asks both nimbus hosts for the leader.
      writeStormClientConf(lab, [NIMBUS.storm1, NIMBUS.storm2]);
      const put = await lab.api('PUT', '/v1/clusters/storm-main', {
        name: 'storm-main',
        kind: 'storm',
        distribution: { home: distHome('storm') },
        zookeeper: 'zk-main',
        nimbus: { hosts: ['storm1', 'storm2'], failover: 'manual', detectAfterSec: DETECT_AFTER_SEC },
        supervisors: { hosts: [...SUPERVISORS], slots: [6700, 6701, 6702] },
        settings: {
          'storm.zookeeper.session.timeout': 6000,
          'blobstore.dir': blobs(),
          'nimbus.childopts': ['-Xmx256m', ...LAB_JVM_FLAGS].join(' '),
          'supervisor.childopts': ['-Xmx256m', ...LAB_JVM_FLAGS].join(' '),
          'worker.childopts': ['-Xmx192m', ...LAB_JVM_FLAGS],
        },
      });
      expect(put.status).toBe(200);
      await lab.waitForHealth('storm-main', 'healthy', { timeoutMs: 240_000 });
      topologyId = await submitCountingTopology(lab, TOPOLOGY, WORKERS, RATE);
      await waitFor(
        'the first count line',
        () => (counted(lab, topologyId, SUPERVISORS).lines > 0 ? true : undefined),
        { timeoutMs: 240_000, intervalMs: 500 },
      );
      sampler = new Sampler();
    }, 600_000);

    afterAll(async () => {
      await sampler?.stop();
      if (sampler) {
        const changes = sampler.samples.filter(
          (s, i) =>
            i === 0 ||
            s.open.join() !== sampler!.samples[i - 1]!.open.join() ||
            s.leader !== sampler!.samples[i - 1]!.leader,
        );
        const t0 = sampler.samples[0]?.at ?? 0;
        console.log(
          `sampler: ${sampler.samples.length} samples; changes (s: answering, latch leader): ${changes.map((s) => `${((s.at - t0) / 1000).toFixed(0)}: [${s.open.join(',')}] ${s.leader}`).join('; ')}`,
        );
      }
      await lab?.destroy();
    });

    // One operator failover (storm1 → storm2); the automatic ones below go back to storm1 (a host
    // killed) and then to storm2 again (a partition), so each nimbus host is promoted after having
    // been fenced, and "there and back" on demand would add a failover (about 50 s) without a case.
    it('on demand: hactl failover --to storm2; workers keep running; the topology processes', async () => {
      const c = await cluster();
      expect(c.status.health).toBe('healthy');
      expect(c.status.activeNimbus).toBe('storm1');
      const workersBefore = SUPERVISORS.flatMap((h) => workerProcs(lab, h).workers);
      expect(workersBefore).toHaveLength(WORKERS);
      {
        const [to, from] = ['storm2', 'storm1'] as const;
        const started = Date.now();
        const r = await hactl('failover', 'storm-main', '--to', to, '--reason', 'e2e on demand');
        expect(r.code, r.out + r.err).toBe(0);
        const id = /failover\/([0-9a-f]+) started/.exec(r.out)![1]!;
        const f = await waitCompleted(id);
        const shown = await hactl('failover', 'status', id);
        expect(shown.out).toMatch(new RegExp(`Nimbus: +${from} → ${to}, fencing epoch ${f.epoch}`));
        console.log(
          `on-demand ${from} → ${to}: completed in ${Date.now() - started} ms; steps ${f.steps.map((s) => `${s.step}@${Date.parse(s.at) - started}ms`).join(', ')}`,
        );
        expect(f).toMatchObject({ trigger: 'operator', from, to, state: 'completed' });
        expect(f.steps.map((s) => s.step)).toEqual(['requested', 'fence', 'promote', 'repoint', 'completed']);
        const after = await lab.waitForHealth('storm-main', 'healthy', { timeoutMs: HEALTHY_MS });
        expect(after.status.reason).toBe(`nimbus leader ${to}, 2/2 supervisors, 6 slots`);
        expect((after as ClusterBody).status.activeNimbus).toBe(to);
      }
      await topologyProcesses();
      // Supervisors restarted one at a time onto the new seeds took their workers back.
      for (const w of workersBefore) expect(alive(w)).toBe(true);
      expect(sampler!.twoServing()).toEqual([]);
    });

    it(`frozen agent (SIGSTOP) of the active nimbus for ${3 * DETECT_AFTER_SEC + 4} s while nimbus serves: 0 failovers`, async () => {
      const before = await lastFailoverId();
      process.kill(agentPid('storm2'), 'SIGSTOP');
      try {
        await new Promise((r) => setTimeout(r, (3 * DETECT_AFTER_SEC + 4) * 1000));
        expect(await lastFailoverId()).toBe(before);
        expect(await thriftOpen(NIMBUS.storm2)).toBe(true);
      } finally {
        process.kill(agentPid('storm2'), 'SIGCONT');
      }
      await lab.waitForHealth('storm-main', 'healthy', { timeoutMs: HEALTHY_MS });
      expect(await lastFailoverId()).toBe(before);
    });

    it('partition: the active nimbus host cut off from the control plane only → no failover', async () => {
      const before = await lastFailoverId();
      lab.network!.isolate('storm2', 'control-plane');
      try {
        await new Promise((r) => setTimeout(r, (3 * DETECT_AFTER_SEC + 4) * 1000));
        expect(await lastFailoverId()).toBe(before);
        expect(await thriftOpen(NIMBUS.storm2)).toBe(true);
      } finally {
        lab.network!.heal('storm2');
      }
      await lab.waitForHosts(['storm2'], 120_000);
      await lab.waitForHealth('storm-main', 'healthy', { timeoutMs: HEALTHY_MS });
      expect(await lastFailoverId()).toBe(before);
    });

    it('kill the active host (agent SIGSTOP, nimbus SIGKILL) → storm1 serves; the topology stays listed and processing', async () => {
      const before = await lastFailoverId();
      const pid = await nimbusPid('storm2');
      process.kill(agentPid('storm2'), 'SIGSTOP');
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      const serveMs = await timeToServe('storm1', killedAt);
      console.log(
        `kill-host storm2 → nimbus storm1 leads and answers on Thrift: ${serveMs} ms (detectAfterSec ${DETECT_AFTER_SEC}, agent silent after 1.5 s, reports every 500 ms)`,
      );
      const id = await waitFor(
        'the automatic failover',
        async () => {
          const last = await lastFailoverId();
          return last !== before ? last : undefined;
        },
        { timeoutMs: 10_000 },
      );
      const f = await waitCompleted(id!);
      expect(f).toMatchObject({ trigger: 'auto', from: 'storm2', to: 'storm1' });
      expect(f.steps.map((s) => s.step)).toEqual(['detect', 'fence', 'promote', 'repoint', 'completed']);
      console.log(
        `  steps: ${f.steps.map((s) => `${s.step}@${Date.parse(s.at) - killedAt}ms: ${s.reason}`).join(' | ')}`,
      );
      // Architecture §9 targets < 15 s; the figure is logged above and reported by bench/failover.ts.
      // Here it is held to a bound that a loaded 2-core CI machine still meets (the promoted nimbus's
      // JVM boot dominates: 18-31 s measured under load average 14).
      expect(serveMs).toBeLessThan(90_000);
      await topologyProcesses();
    });

    it('the old host comes back (SIGCONT): its nimbus never serves again; the cluster stays on storm1', async () => {
      const from = sampler!.samples.length;
      process.kill(agentPid('storm2'), 'SIGCONT');
      await lab.waitForHosts(['storm2'], 120_000);
      const c = await lab.waitForHealth('storm-main', 'healthy', {
        timeoutMs: HEALTHY_MS,
        where: (x) => {
          const m = x.status.members.find((y) => y.id === 'nimbus-storm2')!;
          return m.lastProbe === null && m.process !== 'running';
        },
      });
      expect((c as ClusterBody).status.activeNimbus).toBe('storm1');
      // Ten more seconds of samples with the agent back.
      await waitFor(
        '10 samples with storm2 back',
        () => (sampler!.samples.length >= from + 10 ? true : undefined),
        {
          timeoutMs: 30_000,
        },
      );
      const since = sampler!.samples.slice(from);
      expect(since.filter((s) => s.open.includes('storm2'))).toEqual([]);
      expect(since.every((s) => s.leader === NIMBUS.storm1)).toBe(true);
    });

    it('partition: the active host cut off from everything → failover to storm2; after healing never two nimbus', async () => {
      const before = await lastFailoverId();
      const cutAt = Date.now();
      lab.network!.isolate('storm1', 'all');
      let id: string | undefined;
      try {
        const serveMs = await timeToServe('storm2', cutAt);
        console.log(
          `partition storm1 from everything → nimbus storm2 leads and answers on Thrift: ${serveMs} ms`,
        );
        id = await waitFor(
          'the automatic failover',
          async () => {
            const last = await lastFailoverId();
            return last !== before ? last : undefined;
          },
          { timeoutMs: 10_000 },
        );
      } finally {
        lab.network!.heal('storm1');
      }
      const f = await waitCompleted(id!);
      expect(f).toMatchObject({ trigger: 'auto', from: 'storm1', to: 'storm2' });
      await lab.waitForHosts(['storm1'], 120_000);
      await lab.waitForHealth('storm-main', 'healthy', { timeoutMs: HEALTHY_MS });
      await topologyProcesses();
      // The isolated nimbus stopped itself (self-fence) before anyone could see it again.
      const log = fs.readFileSync(path.join(lab.dir, 'agent-storm1.log'), 'utf8');
      expect(log).toMatch(/self-fenced|fenced: ZooKeeper holds epoch/);
      expect(sampler!.twoServing()).toEqual([]);
    });
  },
);
