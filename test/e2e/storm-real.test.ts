import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import zookeeper from 'node-zookeeper-client';
import { Lab, REPO_ROOT, alive, type ClusterStatusBody, type RolloutView } from '../src/lab/fleet.js';
import { labZookeeperSpec } from '../src/lab/zookeeper.js';
import { LabNetwork, type LabHost } from '../src/lab/netns.js';
import { LAB_JVM_FLAGS, distHome } from '../src/lab/dist.js';
import { waitFor } from '../src/lab/wait.js';
import {
  argv,
  counted as countedOn,
  listOutput,
  memberDir,
  stormCli,
  workerProcs,
  writeStormClientConf,
  zkChildren as children,
  zkData as data,
  zkExists as exists,
  zkRead as zkReadAt,
  STORM_LAB_HOSTS,
  STORM_LAB_ZK_HOSTS,
} from '../src/lab/storm.js';

// Real Apache Storm 2.8.3 (.dist/storm, assembled from Maven Central) on the lab network slice 5,
// 10.77.5.0/24: ZooKeeper zk1..3 on .11-.13 as bridge addresses in the root namespace, Storm hosts
// storm1..4 on .21-.24, each in a network namespace of its own, because nimbus, the supervisors and
// the workers bind every interface on fixed ports (test/src/lab/netns.ts). No `ui`: the assembled
// Storm has none (org.apache.storm:storm-webapp is not published on Maven Central; the UI member is
// tested on the emulator in storm.test.ts). Namespaces need root; CI runs as root.
const SLICE = 5;
const ZK_HOSTS = STORM_LAB_ZK_HOSTS;
const STORM_HOSTS = STORM_LAB_HOSTS;
const addr = (n: number) => `10.77.${SLICE}.${n}`;
const NIMBUS = addr(21);
const SUPERVISORS = ['storm3', 'storm4'] as const;
const ROOT = '/storm-main';
const ZK_CONNECT = ZK_HOSTS.map(([, n]) => `${addr(n)}:2181`).join(',');

const STORM_HOME = LabNetwork.supported() ? distHome('storm') : '';
const TOPOLOGY_JAR = LabNetwork.supported() ? distHome('stormTopologyJar') : '';
const TOPOLOGY = 'counting';
const WORKERS = 2;
/** Tuples per second of the spout: the bolt logs every 1000th, so a count line every 5 s. */
const RATE = 200;

const zkSpec = labZookeeperSpec(
  'zk-main',
  ZK_HOSTS.map(([host]) => host),
);

const stormSpec = {
  name: 'storm-main',
  kind: 'storm',
  distribution: { home: STORM_HOME },
  zookeeper: 'zk-main',
  nimbus: { hosts: ['storm1', 'storm2'], failover: 'manual' },
  supervisors: { hosts: [...SUPERVISORS], slots: [6700, 6701, 6702] },
  settings: {
    // A dead daemon's ephemeral registration goes within seconds (20 s by default, service-facts §3.5).
    'storm.zookeeper.session.timeout': 6000,
    // Daemon heaps are split like a shell by bin/storm; worker options are a list, one JVM argument per
    // item, because the supervisor splits a string on whitespace (shared/src/services/storm/spec.ts).
    'nimbus.childopts': ['-Xmx256m', ...LAB_JVM_FLAGS].join(' '),
    'supervisor.childopts': ['-Xmx256m', ...LAB_JVM_FLAGS].join(' '),
    'worker.childopts': ['-Xmx192m', ...LAB_JVM_FLAGS, '-Dhactl.e2e=a: b'],
  },
};

/**
 * `HACTL_RECORD_STORM_TESTDATA=1` re-records the Storm testdata from this real cluster (the `records
 * testdata` test; see agent/src/services/storm/testdata/README.md). Build first: the recorder loads
 * the agent's probe from agent/dist.
 */
const RECORD = process.env.HACTL_RECORD_STORM_TESTDATA === '1';
const V = 'storm2.8.3';
const AGENT_TESTDATA = path.join(REPO_ROOT, 'agent/src/services/storm/testdata');
const SHARED_TESTDATA = path.join(REPO_ROOT, 'shared/src/services/storm/testdata');
const EMULATOR_RECORDED = path.join(REPO_ROOT, 'test/emulators/storm/test/recorded');

function save(dir: string, name: string, data: unknown): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  if (Buffer.isBuffer(data)) fs.writeFileSync(file, data);
  else fs.writeFileSync(file, typeof data === 'string' ? data : `${JSON.stringify(data, null, 2)}\n`);
  console.log(`recorded ${path.relative(REPO_ROOT, file)}`);
}

const member = (c: ClusterStatusBody, id: string) => c.status.members.find((m) => m.id === id)!;
const storm = stormCli;
const counted = (lab: Lab, topologyId: string) => countedOn(lab, topologyId, SUPERVISORS);
const zkRead = <T>(fn: (client: zookeeper.Client) => Promise<T>) => zkReadAt(`${ZK_CONNECT}${ROOT}`, fn);
function rssMb(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
}
/** Wall-clock ms at which process `pid` started (USER_HZ 100). */
function startedAtMs(pid: number): number {
  const uptime = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  const ticks = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]);
  return Date.now() - Math.round((uptime - ticks / 100) * 1000);
}

/** JVM start → the daemon's "started" log line, and its VmRSS. */
function daemonStats(lab: Lab, host: string, role: 'nimbus' | 'supervisor', pid: number): string {
  const ready =
    role === 'nimbus'
      ? "Starting nimbus server for storm version '"
      : "Starting supervisor for storm version '";
  const log = fs.readFileSync(path.join(memberDir(lab, host, role), 'logs', `${role}.log`), 'utf8');
  const line = log
    .split('\n')
    .filter((l) => l.includes(ready))
    .at(-1);
  const m = line ? /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3}) /.exec(line) : null;
  const startMs = m ? new Date(`${m[1]}T${m[2]}`).getTime() - startedAtMs(pid) : NaN;
  return `${role} on ${host} (pid ${pid}): JVM start → "${ready.trim()}…" ${startMs} ms, VmRSS ${rssMb(pid)} MB`;
}

describe.skipIf(!LabNetwork.supported())(
  'e2e: real Storm 2.8.3 on a hactl ZooKeeper ensemble, hosts in network namespaces',
  { timeout: 600_000 },
  () => {
    let lab: Lab;
    const hosts = new Map<string, LabHost>();
    let topologyId = '';

    beforeAll(async () => {
      lab = await Lab.create('storm-real', { network: SLICE });
      await lab.startControlPlane();
      for (const [name, n] of ZK_HOSTS) hosts.set(name, lab.addHost(name, n, { ownNamespace: false }));
      for (const [name, n] of STORM_HOSTS) hosts.set(name, lab.addHost(name, n, { ownNamespace: true }));
      for (const h of hosts.values()) await lab.startAgentOn(h);
      await lab.waitForHosts([...hosts.keys()], 60_000);
      expect((await lab.api('PUT', '/v1/clusters/zk-main', zkSpec)).status).toBe(200);
      await lab.waitForHealth('zk-main', 'healthy', { timeoutMs: 120_000 });
      // The client conf `storm jar/list/kill` use from the root namespace: the bridge reaches the nimbus.
      writeStormClientConf(lab, [NIMBUS]);
    }, 240_000);

    afterAll(async () => {
      await lab?.destroy();
    });

    it('apply → healthy: nimbus leader storm1, the standby held stopped, 2 supervisors, 6 slots', async () => {
      const started = Date.now();
      const put = await lab.api<{ revision: number }>('PUT', '/v1/clusters/storm-main', stormSpec);
      expect(put).toMatchObject({ status: 200, body: { revision: 1 } });
      const c = await lab.waitForHealth('storm-main', 'healthy', { timeoutMs: 240_000 });
      console.log(`storm 2.8.3 apply → healthy: ${Date.now() - started} ms`);
      expect(c.status.reason).toBe('nimbus leader storm1, 2/2 supervisors, 6 slots');
      expect(c.status.members.map((m) => [m.id, m.role, m.mode, m.process])).toEqual([
        ['nimbus-storm1', 'nimbus', 'leader', 'running'],
        ['nimbus-storm2', 'nimbus', 'standby', 'stopped'],
        ['supervisor-storm3', 'supervisor', 'registered', 'running'],
        ['supervisor-storm4', 'supervisor', 'registered', 'running'],
      ]);
      expect(member(c, 'nimbus-storm2').pid).toBe(0);
      for (const m of c.status.members.filter((x) => x.pid > 0)) {
        // bin/storm execs the JVM: the pid the agent spawned is java, as the storm account.
        expect(fs.readlinkSync(`/proc/${m.pid}/exe`)).toMatch(/\/java$/);
        expect(fs.statSync(`/proc/${m.pid}`).uid).not.toBe(0);
        console.log(`  ${daemonStats(lab, m.host, m.role as 'nimbus' | 'supervisor', m.pid)}`);
      }
      for (const m of (await lab.cluster('zk-main')).status.members)
        console.log(`  zookeeper ${m.host} (pid ${m.pid}): VmRSS ${rssMb(m.pid)} MB`);
      // Upstream's argument order (fact a), and the daemon name adoption matches on (fact b).
      const nimbusArgv = argv(member(c, 'nimbus-storm1').pid)!;
      expect(nimbusArgv).toContain('-Ddaemon.name=nimbus');
      expect(nimbusArgv).toContain(`-Dstorm.conf.file=${memberDir(lab, 'storm1', 'nimbus')}/conf/storm.yaml`);
      // Nimbus's RocksDB metrics store lives in its own data dir, not under storm.home (fact c).
      expect(fs.existsSync(path.join(memberDir(lab, 'storm1', 'nimbus'), 'data', 'storm_rocks'))).toBe(true);
      expect(fs.existsSync(path.join(STORM_HOME, 'storm_rocks'))).toBe(false);
      // Its native library too (ROCKSDB_SHAREDLIB_DIR from the agent), not a new file in /tmp per start.
      expect(fs.readdirSync(path.join(memberDir(lab, 'storm1', 'nimbus'), 'data', 'rocksdb-lib'))).toEqual([
        expect.stringMatching(/^librocksdbjni.*\.so$/),
      ]);
      // ZooKeeper agrees: the leader latch names storm1, each supervisor registered once.
      const zk = await zkRead(async (client) => {
        const latch = (await children(client, '/leader-lock')).sort(
          (a, b) => Number(a.split('-latch-')[1]) - Number(b.split('-latch-')[1]),
        );
        const supervisors = await children(client, '/supervisors');
        const infos = await Promise.all(
          supervisors.map(async (id) => zlib.gunzipSync(await data(client, `/supervisors/${id}`))),
        );
        return {
          leader: (await data(client, `/leader-lock/${latch[0]}`)).toString(),
          nimbuses: await children(client, '/nimbuses'),
          supervisors,
          infos,
        };
      });
      // 2.8.3 writes host:port:tlsPort (STORM-4070); the probe accepts both forms.
      expect(zk.leader).toBe(`${NIMBUS}:6627:0`);
      expect(zk.nimbuses).toEqual([NIMBUS]);
      // The supervisor id is `<uuid>-<IP of InetAddress.getLocalHost()>`: the machine's name resolves to
      // 127.0.0.1 here, not to storm.local.hostname; the probe matches SupervisorInfo.hostname instead.
      expect(zk.supervisors).toHaveLength(2);
      for (const id of zk.supervisors)
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-[0-9.]+$/);
      for (const a of [addr(23), addr(24)])
        expect(zk.infos.filter((b) => b.includes(Buffer.from(a)))).toHaveLength(1);
      const list = listOutput(await storm(lab, 'list', []));
      expect(list).toBe('No topologies running.\n');
      if (RECORD) save(EMULATOR_RECORDED, `storm-list-empty-${V}.txt`, list);
    });

    it('the project topology (storm jar) runs on both supervisors and its worker logs count', async () => {
      const submitted = Date.now();
      const out = await storm(lab, 'jar', [
        TOPOLOGY_JAR,
        'hactl.topology.CountingTopology',
        TOPOLOGY,
        String(WORKERS),
        String(RATE),
      ]);
      expect(out).toContain(`submitted topology ${TOPOLOGY} with ${WORKERS} worker(s) at ${RATE} tuples/s`);
      console.log(`storm jar returned after ${Date.now() - submitted} ms`);
      // Until nimbus has scheduled it, the row says 0 tasks and 0 workers.
      const row = await waitFor(
        'storm list to show the topology scheduled',
        async () => {
          const lines = listOutput(await storm(lab, 'list', [])).split('\n');
          return lines.find((l) =>
            new RegExp(`^${TOPOLOGY} +ACTIVE +[1-9]\\d* +${WORKERS} +\\d+ +${TOPOLOGY}-\\d+-\\d+ `).test(l),
          );
        },
        { timeoutMs: 120_000, intervalMs: 1000 },
      );
      topologyId = row.split(/ +/)[5]!;
      const first = await waitFor(
        'the first count line in a worker log',
        () => (counted(lab, topologyId).lines > 0 ? counted(lab, topologyId) : undefined),
        { timeoutMs: 240_000, intervalMs: 500 },
      );
      console.log(`first count ${Date.now() - submitted} ms after storm jar: ${first.last}`);
      const grown = await waitFor(
        'the count to grow',
        () => (counted(lab, topologyId).lines > first.lines ? counted(lab, topologyId) : undefined),
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      console.log(`count lines ${first.lines} → ${grown.lines} (${grown.last})`);

      const c = await lab.cluster('storm-main');
      let workers = 0;
      for (const host of SUPERVISORS) {
        const p = workerProcs(lab, host);
        workers += p.workers.length;
        for (const w of p.workers) {
          // worker.childopts as a list: each item one JVM argument, the space kept (fact d).
          expect(argv(w)).toContain('-Dhactl.e2e=a: b');
          // Workers carry the supervisor's conf path but no daemon name (fact b).
          expect(argv(w)).toContain(
            `-Dstorm.conf.file=${memberDir(lab, host, 'supervisor')}/conf/storm.yaml`,
          );
          expect(argv(w)!.some((a) => a.startsWith('-Ddaemon.name='))).toBe(false);
          console.log(`  worker on ${host} (pid ${w}): VmRSS ${rssMb(w)} MB`);
        }
        for (const w of p.logWriters) console.log(`  LogWriter on ${host} (pid ${w}): VmRSS ${rssMb(w)} MB`);
      }
      expect(workers).toBe(WORKERS);
      for (const m of c.status.members.filter((x) => x.pid > 0))
        console.log(`  ${m.id} (pid ${m.pid}): VmRSS ${rssMb(m.pid)} MB`);
    });

    it('SIGKILL of a supervisor JVM → the agent restarts it → healthy, and the topology counts on', async () => {
      const before = await lab.waitForHealth('storm-main', 'healthy');
      const old = member(before, 'supervisor-storm3');
      const oldWorkers = workerProcs(lab, 'storm3').workers;
      const supervisorLog = path.join(memberDir(lab, 'storm3', 'supervisor'), 'logs', 'supervisor.log');
      const starts = () =>
        (fs.readFileSync(supervisorLog, 'utf8').match(/Starting supervisor for storm version/g) ?? []).length;
      const startsBefore = starts();
      const countBefore = counted(lab, topologyId);
      const killedAt = Date.now();
      process.kill(old.pid, 'SIGKILL');
      const after = await lab.waitForHealth('storm-main', 'healthy', {
        timeoutMs: 180_000,
        where: (c) =>
          member(c, 'supervisor-storm3').pid > 0 && member(c, 'supervisor-storm3').pid !== old.pid,
      });
      // Health is back as soon as the new JVM runs: the dead supervisor's ephemeral /supervisors znode
      // (same id, with its slots) outlives it by up to the session timeout, and the new one takes it over.
      console.log(`supervisor storm3 SIGKILL → healthy again: ${Date.now() - killedAt} ms`);
      expect(alive(old.pid)).toBe(false);
      expect(member(after, 'supervisor-storm3').restarts).toBeGreaterThanOrEqual(1);
      expect(after.status.reason).toBe('nimbus leader storm1, 2/2 supervisors, 6 slots');
      await waitFor('the new supervisor JVM to start', () => (starts() > startsBefore ? true : undefined), {
        timeoutMs: 120_000,
        intervalMs: 500,
      });
      console.log(
        `  the new supervisor logged "Starting supervisor for storm version" ${Date.now() - killedAt} ms after the kill`,
      );
      // The workers outlive their supervisor: the agent restarts the supervisor without touching the
      // rest of its process group, and the new supervisor takes the running workers back.
      expect(oldWorkers.length).toBeGreaterThan(0);
      for (const w of oldWorkers) expect(alive(w)).toBe(true);
      const grown = await waitFor(
        'the count to grow after the supervisor restart',
        () => {
          const n = counted(lab, topologyId);
          return n.lines > countBefore.lines + 1 ? n : undefined;
        },
        { timeoutMs: 240_000, intervalMs: 1000 },
      );
      console.log(
        `count lines ${countBefore.lines} before the kill → ${grown.lines} ${Date.now() - killedAt} ms after (${grown.last})`,
      );
    });

    it('a settings change rolls out (supervisors one at a time, the nimbus leader last) and the topology counts on', async () => {
      const before = await lab.waitForHealth('storm-main', 'healthy');
      const oldPids = new Map(
        before.status.members.filter((m) => m.pid > 0).map((m) => [String(m.id), m.pid]),
      );
      const countBefore = counted(lab, topologyId);
      const workersBefore = SUPERVISORS.flatMap((h) => workerProcs(lab, h).workers);
      expect(workersBefore).toHaveLength(WORKERS);
      const started = Date.now();
      // A change every daemon's storm.yaml carries (the default for topologies submitted later;
      // the running one keeps its own), applied as an operator applies one: the PUT stores it and
      // answers with the rollout and its restart order.
      const put = await lab.api<{ revision: number; rollout: string; restartOrder: string[] }>(
        'PUT',
        '/v1/clusters/storm-main?gateTimeoutSec=300',
        { ...stormSpec, settings: { ...stormSpec.settings, 'topology.message.timeout.secs': 45 } },
      );
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      expect(put.body.revision).toBe(2);
      // Supervisors one at a time, the nimbus leader last; the standby nimbus is held stopped.
      expect(put.body.restartOrder).toEqual([
        'storm3 (storm-main/supervisor-storm3)',
        'storm4 (storm-main/supervisor-storm4)',
        'storm1 (storm-main/nimbus-storm1)',
      ]);
      // Once a second: health, count lines, and the live worker JVMs under each supervisor.
      const samples: { ms: number; health: string; lines: number; workers: number }[] = [];
      const sample = async () => {
        const c = await lab.cluster('storm-main');
        const workers = SUPERVISORS.reduce(
          (n, h) => n + workerProcs(lab, h).workers.filter((w) => workersBefore.includes(w)).length,
          0,
        );
        samples.push({
          ms: Date.now() - started,
          health: c.status.health,
          lines: counted(lab, topologyId).lines,
          workers,
        });
      };
      const r = await lab.waitForRollout<RolloutView>(put.body.rollout, {
        timeoutMs: 480_000,
        intervalMs: 1000,
        onPoll: sample,
      });
      const rolloutMs = Date.now() - started;
      console.log(
        `rolling restart: ${rolloutMs} ms; steps ${r.steps.map((s) => `${s.instance} ${s.elapsedMs} ms`).join(', ')}`,
      );
      expect(r.steps.map((s) => s.instance.replace('storm-main/', ''))).toEqual([
        'supervisor-storm3',
        'supervisor-storm4',
        'nimbus-storm1',
      ]);
      // The last step's new pid reaches the status with the next report.
      const after = await lab.waitForHealth('storm-main', 'healthy', {
        timeoutMs: 120_000,
        where: (c) => [...oldPids].every(([id, pid]) => member(c, id).pid > 0 && member(c, id).pid !== pid),
      });
      expect(after.status.reason).toBe('nimbus leader storm1, 2/2 supervisors, 6 slots');
      const grown = await waitFor(
        'the count to grow after the rollout',
        async () => {
          await sample();
          const n = counted(lab, topologyId);
          return n.lines > countBefore.lines + 1 ? n : undefined;
        },
        { timeoutMs: 240_000, intervalMs: 1000 },
      );
      console.log(
        `count lines ${countBefore.lines} before the rollout → ${grown.lines} after (${grown.last})`,
      );
      // The same worker JVMs ran through every sample of the supervisors' steps: a supervisor restart
      // signals the supervisor alone (restartKeepsChildren), and Storm's new supervisor takes its
      // running workers back. Around the nimbus restart (the last step) Storm itself sometimes
      // replaces a worker (the slot finds its process gone); that is not a supervisor restart's doing,
      // so only the samples until the last supervisor step finished are held to this.
      const changes = samples.filter(
        (x, i) => i === 0 || x.workers !== samples[i - 1]!.workers || x.health !== samples[i - 1]!.health,
      );
      console.log(
        `  timeline (ms: health, worker JVMs, count lines): ${changes.map((x) => `${x.ms}: ${x.health}, ${x.workers}, ${x.lines}`).join('; ')}`,
      );
      const supervisorsDone = Math.max(
        ...r.steps
          .filter((x) => x.instance.includes('/supervisor-'))
          .map((x) => Date.parse(x.finishedAt ?? '') - started),
      );
      expect(Number.isFinite(supervisorsDone)).toBe(true);
      expect(Math.min(...samples.filter((x) => x.ms <= supervisorsDone).map((x) => x.workers))).toBe(WORKERS);
      const row = listOutput(await storm(lab, 'list', []))
        .split('\n')
        .find((l) => l.startsWith(`${TOPOLOGY} `));
      expect(row).toMatch(new RegExp(`^${TOPOLOGY} +ACTIVE +\\d+ +${WORKERS} `));
    });

    it('an agent restart re-adopts its nimbus and its supervisor (same pids), not their workers', async () => {
      const before = await lab.waitForHealth('storm-main', 'healthy');
      const nimbus = member(before, 'nimbus-storm1').pid;
      const supervisor = member(before, 'supervisor-storm3').pid;
      const logOf = (h: string) => fs.readFileSync(path.join(lab.dir, `agent-${h}.log`), 'utf8');
      const logSize = new Map(['storm1', 'storm3'].map((h) => [h, logOf(h).length]));
      for (const h of ['storm1', 'storm3']) await lab.stopAgent(h);
      // Services outlive their agent.
      expect([alive(nimbus), alive(supervisor)]).toEqual([true, true]);
      const restarted = Date.now();
      for (const h of ['storm1', 'storm3']) await lab.startAgentOn(hosts.get(h)!);
      await lab.waitForHosts(['storm1', 'storm3']);
      const after = await lab.waitForHealth('storm-main', 'healthy', {
        where: (c) =>
          ['nimbus-storm1', 'supervisor-storm3'].every(
            (id) =>
              member(c, id).process === 'running' &&
              member(c, id).lastProbe !== null &&
              Date.parse(member(c, id).lastProbe!) > restarted,
          ),
      });
      expect(member(after, 'nimbus-storm1').pid).toBe(nimbus);
      expect(member(after, 'supervisor-storm3').pid).toBe(supervisor);
      for (const h of ['storm1', 'storm3'])
        expect(logOf(h).slice(logSize.get(h))).toContain('process_adopted');
    });

    it('bad specs are rejected with every problem listed, the quoted worker.childopts among them', async () => {
      const res = await lab.api<{ error: { details: { path: string; message: string }[] } }>(
        'PUT',
        '/v1/clusters/storm-main',
        {
          ...stormSpec,
          zookeeper: 'zk-nope',
          settings: {
            'nimbus.seeds': [addr(99)],
            'worker.childopts': '-Xmx192m -Dfoo="bar: baz"',
            'storm.metricstore.rocksdb.location': 'storm_rocks',
          },
        },
      );
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d) => d.path).sort()).toEqual([
        'settings.nimbus.seeds',
        'settings.storm.metricstore.rocksdb.location',
        'settings.worker.childopts',
        'zookeeper',
      ]);
      // Still the settings change's revision (the rolling-restart case above).
      expect((await lab.cluster('storm-main')).revision).toBe(2);
    });

    it.runIf(RECORD)('records testdata from the real cluster', async () => {
      const c = await lab.waitForHealth('storm-main', 'healthy');
      const { probeStorm } = (await import(path.join(REPO_ROOT, 'agent/dist/services/storm/probe.js'))) as {
        probeStorm(inputs: unknown, timeoutMs: number): Promise<unknown>;
      };
      const inputs = (host: string) => lab.appliedInputs(host, 'storm');
      save(
        SHARED_TESTDATA,
        `probe-healthy-${V}.json`,
        Object.fromEntries(
          await Promise.all(
            ['storm1', 'storm3', 'storm4'].map(async (h) => [h, await probeStorm(inputs(h), 3000)]),
          ),
        ),
      );
      const zk = await zkRead(async (client) => {
        const root = (await children(client, '/')).sort();
        const latch = await children(client, '/leader-lock');
        const latchData = await Promise.all(
          latch.map(async (n) => [n, (await data(client, `/leader-lock/${n}`)).toString()]),
        );
        const nimbuses = await children(client, '/nimbuses');
        const sups = await children(client, '/supervisors');
        const sup = await Promise.all(
          sups.map(async (id) => ({
            id,
            raw: await data(client, `/supervisors/${id}`),
            stat: await exists(client, `/supervisors/${id}`),
          })),
        );
        const nimbusRaw = await data(client, `/nimbuses/${nimbuses[0]}`);
        const nimbusStat = await exists(client, `/nimbuses/${nimbuses[0]}`);
        return { root, latchData, nimbuses, sup, nimbusRaw, nimbusStat };
      });
      const storm3 = zk.sup.find((s) => zlib.gunzipSync(s.raw).includes(Buffer.from(addr(23))))!;
      save(AGENT_TESTDATA, `supervisor-info-${V}.bin.gz`, storm3.raw);
      save(AGENT_TESTDATA, `nimbus-summary-${V}.bin.gz`, zk.nimbusRaw);
      save(AGENT_TESTDATA, `leader-lock-${V}.json`, Object.fromEntries(zk.latchData));
      save(AGENT_TESTDATA, `znodes-${V}.json`, {
        root: zk.root,
        nimbuses: zk.nimbuses,
        nimbusEphemeral: zk.nimbusStat!.ephemeralOwner.toString('hex') !== '0000000000000000',
        supervisors: zk.sup.map((s) => s.id).sort(),
        supervisorsEphemeral: zk.sup.every(
          (s) => s.stat!.ephemeralOwner.toString('hex') !== '0000000000000000',
        ),
      });
      // The emulator's conformance tests compare with these (test/emulators/storm/test/recorded).
      save(EMULATOR_RECORDED, `znodes-${V}.json`, {
        root: zk.root,
        latch: Object.fromEntries(zk.latchData),
        nimbuses: zk.nimbuses,
        supervisors: zk.sup.map((s) => s.id).sort(),
      });
      save(EMULATOR_RECORDED, `supervisor-info-${V}.bin.gz`, storm3.raw);
      save(EMULATOR_RECORDED, `nimbus-summary-${V}.bin.gz`, zk.nimbusRaw);
      save(EMULATOR_RECORDED, `storm-list-${V}.txt`, listOutput(await storm(lab, 'list', [])));
      const sup = member(c, 'supervisor-storm3').pid;
      const procs = await waitFor(
        'a worker and a LogWriter under supervisor storm3',
        () => {
          const p = workerProcs(lab, 'storm3');
          return p.workers.length > 0 && p.logWriters.length > 0 ? p : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 1000 },
      );
      const lines = (pid: number) => `${argv(pid)!.join('\n')}\n`;
      save(AGENT_TESTDATA, `cmdline-supervisor-${V}.txt`, lines(sup));
      save(AGENT_TESTDATA, `cmdline-nimbus-${V}.txt`, lines(member(c, 'nimbus-storm1').pid));
      save(AGENT_TESTDATA, `cmdline-worker-${V}.txt`, lines(procs.workers[0]!));
      save(AGENT_TESTDATA, `cmdline-logwriter-${V}.txt`, lines(procs.logWriters[0]!));
      expect(zlib.gunzipSync(storm3.raw).length).toBeGreaterThan(0);
    });
  },
);
