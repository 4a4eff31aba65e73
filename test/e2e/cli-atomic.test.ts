import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lab, REPO_ROOT, alive, type ClusterStatusBody, type RolloutView } from '../src/lab/fleet.js';
import { waitFor } from '../src/lab/wait.js';
import { LAB_JVM_FLAGS } from '../src/lab/dist.js';

// Lab slice: 127.0.12.0/24. The real `bin/hactl` against the real control plane, agents and
// Debian's ZooKeeper (issue 17): an upgrade onto a distribution that is not there, refused calls
// that change nothing, ZooKeeper's own log.
const HOSTS = [
  ['ca1', '127.0.12.1'],
  ['ca2', '127.0.12.2'],
  ['ca3', '127.0.12.3'],
] as const;
const ZK_HOME = process.env.ZK_HOME ?? '/usr/share/zookeeper';
const MISSING_HOME = '/opt/hactl-e2e-no-such-zookeeper';

const specYaml = (home: string) =>
  [
    'name: zk-cli',
    'kind: zookeeper',
    `distribution: { home: ${home} }`,
    // Short ticks keep elections fast in the lab; small heaps and the serial GC keep 3 JVMs light on 2 cores.
    'settings: { tickTime: 500, initLimit: 20, syncLimit: 10 }',
    `jvm: { heap: 128m, flags: ${JSON.stringify(LAB_JVM_FLAGS)} }`,
    'logging: { maxFileSize: 1MB, maxFiles: 3 }',
    'members:',
    ...HOSTS.map(([host], i) => `  - { host: ${host}, id: ${i + 1}, adminPort: 0 }`),
    '',
  ].join('\n');

describe(
  'e2e: hactl against a real ZooKeeper ensemble: refused changes change nothing; a missing distribution takes no member down; members log',
  { timeout: 240_000 },
  () => {
    let lab: Lab;
    /** Runs `file` with the lab's CLI environment; never rejects. */
    const run = (
      file: string,
      args: string[],
    ): Promise<{ code: number; out: string; err: string; ms: number }> =>
      new Promise((resolve) => {
        const started = Date.now();
        execFile(
          file,
          args,
          { env: { ...process.env, ...lab.cliEnv(), NO_COLOR: '1' }, timeout: 60_000 },
          (err, out, errOut) => {
            const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
            resolve({ code, out, err: errOut, ms: Date.now() - started });
          },
        );
      });
    const HACTL = path.join(REPO_ROOT, 'bin/hactl');
    const hactl = (...argv: string[]) => run(HACTL, argv);
    const specFile = (name: string, home: string) => {
      const p = path.join(lab.dir, name);
      fs.writeFileSync(p, specYaml(home));
      return p;
    };
    const pidsOf = (c: ClusterStatusBody) => Object.fromEntries(c.status.members.map((m) => [m.host, m.pid]));
    const logDir = (host: string, id: number) =>
      path.join(lab.dir, host, 'data', 'zookeeper', 'zk-cli', String(id), 'logs');

    beforeAll(async () => {
      lab = await Lab.create('cli-atomic');
      await lab.startControlPlane();
      for (const [name, address] of HOSTS) await lab.startAgent(name, address);
      await lab.waitForHosts(HOSTS.map(([n]) => n));
      const r = await hactl('apply', '-f', specFile('zk.yaml', ZK_HOME), '-m', 'e2e ensemble');
      expect(r, r.err).toMatchObject({ code: 0, out: 'cluster/zk-cli configured (revision 1)\n' });
      await lab.waitForHealth('zk-cli', 'healthy', { timeoutMs: 90_000 });
    });

    afterAll(async () => {
      await lab?.destroy();
    });

    it('each member writes its own zookeeper.log (elections included), bounded by the rendered logback.xml; describe and hactl logs point at it', async () => {
      for (const [host] of HOSTS) {
        const id = HOSTS.findIndex(([h]) => h === host) + 1;
        const log = path.join(logDir(host, id), 'zookeeper.log');
        // Written only with an SLF4J binding on the class path (Debian: liblogback-java).
        const text = await waitFor(
          `${log} to record the election`,
          () => {
            const t = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
            return /- INFO .*(LEADING|FOLLOWING)/.test(t) ? t : undefined;
          },
          { timeoutMs: 30_000 },
        );
        expect(text).toMatch(new RegExp(`\\[myid:${id}\\] - INFO `));
        const xml = fs.readFileSync(
          path.join(lab.dir, host, 'data', 'zookeeper', 'zk-cli', String(id), 'conf', 'logback.xml'),
          'utf8',
        );
        expect(xml).toContain('<maxFileSize>1MB</maxFileSize>');
        expect(xml).toContain('<maxIndex>3</maxIndex>');
      }
      const d = await hactl('describe', 'cluster', 'zk-cli');
      expect(d.out).toContain(
        `  ca1: ${path.join(logDir('ca1', 1), 'zookeeper.log')}, ${path.join(logDir('ca1', 1), 'zookeeper.out')}`,
      );
      const logs = await hactl('logs', 'zk-cli', 'ca2', '-n', '400');
      expect(logs.code, logs.err).toBe(0);
      expect(logs.err).toBe(`==> ca2:${path.join(logDir('ca2', 2), 'zookeeper.log')} (zk-cli/zk-2) <==\n`);
      expect(logs.out).toMatch(/(LEADING|FOLLOWING)/);
    });

    it('an upgrade onto a missing distribution: the dry run warns per host; the rollout pauses at its first step with the reason; no member goes down', async () => {
      const before = await lab.waitForHealth('zk-cli', 'healthy');
      const up = specFile('up.yaml', MISSING_HOME);

      const dry = await hactl('apply', '-f', up, '--dry-run');
      expect(dry.code, dry.err).toBe(0);
      for (const [host] of HOSTS) {
        expect(dry.out).toContain(
          `distribution: ${ZK_HOME} → ${MISSING_HOME} (${host}: ${MISSING_HOME}/bin/zkServer.sh does not exist)`,
        );
        expect(dry.out).toContain(
          `warning: ${host} cannot start zk-cli/zk-${HOSTS.findIndex(([h]) => h === host) + 1} on ${MISSING_HOME}`,
        );
      }
      expect((await lab.cluster('zk-cli')).revision).toBe(1);

      const started = Date.now();
      const apply = await hactl('apply', '-f', up);
      expect(apply.code, apply.err).toBe(0);
      const id = /rollout\/(\w+):/.exec(apply.out)![1]!;
      const watch = await hactl('rollout', 'status', id, '-w');
      expect(watch.code).toBe(1);
      expect(watch.err).toContain(`rollout/${id} is paused: step 0 (`);
      expect(watch.err).toContain(
        `failed: not restarted, the running process was left alone: ${MISSING_HOME}/bin/zkServer.sh does not exist`,
      );
      // Paused at once by the agent's refusal, not after the 600 s gate timeout.
      expect(Date.now() - started).toBeLessThan(60_000);

      const after = await lab.waitForHealth('zk-cli', 'healthy', { where: (c) => c.revision === 2 });
      expect(pidsOf(after)).toEqual(pidsOf(before));
      for (const m of after.status.members) expect([m.host, m.restarts]).toEqual([m.host, 0]);
      const d = await hactl('describe', 'cluster', 'zk-cli');
      expect(d.out).toContain(`restart blocked: ${MISSING_HOME}/bin/zkServer.sh does not exist`);
      expect(d.out).toContain(`Hint:      rollout ${id} is paused`);

      // A refused call changes nothing: no rollback while that rollout is paused.
      const refused = await hactl('rollback', 'zk-cli', '--to', '1');
      expect(refused.code).toBe(1);
      expect(refused.err).toContain(`has rollout ${id} (paused); nothing was stored`);
      expect(refused.err).toContain(`resume it (hactl rollout resume ${id})`);
      expect((await lab.cluster('zk-cli')).revision).toBe(2);

      // Abort: the members are left restart pending, and say what to run.
      expect((await hactl('rollout', 'abort', id)).code).toBe(0);
      const pending = await waitFor('the restart-pending hint', async () => {
        const c = await lab.cluster('zk-cli');
        return (c.status as { hint?: string }).hint?.includes('hactl rollout start zk-cli --action apply')
          ? c
          : undefined;
      });
      expect(pending.status.members.every((m) => String(m.detail).includes('restart pending'))).toBe(true);

      // Rolling back to what the members run restarts none of them and clears restart pending.
      const back = await hactl('rollback', 'zk-cli', '--to', '1', '-m', 'distribution not installed');
      expect(back.code, back.err).toBe(0);
      const backId = /rollout\/(\w+):/.exec(back.out)![1]!;
      const done = await waitFor(
        'the rollback rollout to complete',
        async () => {
          const r = await lab.api<RolloutView>('GET', `/v1/rollouts/${backId}`);
          if (r.body.state === 'paused' || r.body.state === 'aborted')
            throw new Error(`rollback rollout ${r.body.state}: ${r.body.reason}`);
          return r.body.state === 'completed' ? r.body : undefined;
        },
        { timeoutMs: 60_000 },
      );
      for (const s of done.steps)
        expect([s.instance, s.note]).toEqual([s.instance, 'not restarted: already runs the current config']);
      const final = await lab.waitForHealth('zk-cli', 'healthy', {
        where: (c) =>
          c.revision === 3 && c.status.members.every((m) => !String(m.detail).includes('restart pending')),
      });
      expect(pidsOf(final)).toEqual(pidsOf(before));
      const history = await hactl('history', 'zk-cli');
      expect(history.out).toMatch(/3\s+\S+\s+.*rollback to revision 1: distribution not installed/);
    });

    it('a member that crash-loops says why, from its own log, and where that log is', async () => {
      // A transaction log without a snapshot: ZooKeeper 3.8 refuses to start ("No snapshot found, but
      // there are log entries. Something is broken!", ZOOKEEPER-3056) and exits, again and again.
      const member = path.join(lab.dir, 'ca1', 'data', 'zookeeper', 'zk-crash', '1');
      fs.mkdirSync(path.join(member, 'data', 'version-2'), { recursive: true });
      fs.writeFileSync(path.join(member, 'data', 'version-2', 'log.100'), Buffer.alloc(600, 7));
      const spec = [
        'name: zk-crash',
        'kind: zookeeper',
        `distribution: { home: ${ZK_HOME} }`,
        `jvm: { heap: 64m, flags: ${JSON.stringify(LAB_JVM_FLAGS)} }`,
        'members:',
        '  - { host: ca1, id: 1, clientPort: 2191, peerPort: 2891, electionPort: 3891, adminPort: 0 }',
        '',
      ].join('\n');
      fs.writeFileSync(path.join(lab.dir, 'crash.yaml'), spec);
      try {
        expect((await hactl('apply', '-f', path.join(lab.dir, 'crash.yaml'))).code).toBe(0);
        const log = path.join(member, 'logs', 'zookeeper.log');
        const c = await waitFor(
          'the crash and its cause to be reported',
          async () => {
            const x = await lab.cluster('zk-crash');
            const m = x.status.members[0]!;
            return m.process === 'crashed' && String(m.detail).includes('cause (') ? x : undefined;
          },
          { timeoutMs: 60_000 },
        );
        expect(String(c.status.members[0]!.detail)).toContain(
          `cause (${log}): java.io.IOException: No snapshot found, but there are log entries. Something is broken!`,
        );
        // The agent restarts the member about a second after each exit. Between two attempts (starting,
        // running for a moment) it still reports the last exit and its cause, so describe shows them
        // at any moment of the loop, not only while the member is crashed.
        const d = await hactl('describe', 'cluster', 'zk-crash');
        expect(d.out).toContain('No snapshot found, but there are log entries');
        expect(d.out).toContain(`  ca1: ${log}, ${path.join(member, 'logs', 'zookeeper.out')}`);
        expect(d.out).toContain('Hint:      ca1 crashed: its cause is in its log, `hactl logs zk-crash ca1`');
      } finally {
        await hactl('delete', 'cluster', 'zk-crash', '--yes');
      }
    });

    it('delete asks for --yes, then stops the members and leaves their data on disk', async () => {
      const no = await hactl('delete', 'cluster', 'zk-cli');
      expect(no.code).toBe(2);
      expect((await lab.cluster('zk-cli')).revision).toBe(3);
      const pids = Object.values(pidsOf(await lab.cluster('zk-cli')));
      const yes = await hactl('delete', 'cluster', 'zk-cli', '--yes');
      expect(yes.code, yes.err).toBe(0);
      expect(yes.out).toContain('Their data stays on disk');
      await waitFor('the members to stop', () => (pids.every((p) => !alive(p)) ? true : undefined), {
        timeoutMs: 30_000,
      });
      expect(fs.existsSync(path.join(logDir('ca1', 1), 'zookeeper.log'))).toBe(true);
      expect(
        fs.existsSync(path.join(lab.dir, 'ca1', 'data', 'zookeeper', 'zk-cli', '1', 'data', 'myid')),
      ).toBe(true);
    });

    it('CLI calls are fast: median of 7 `hactl get clusters` against the live control plane', async () => {
      // CPU time (user + sys of the CLI process, from bash's `times`) rather than wall time, which on
      // 2 shared cores full of JVMs measures the machine's load more than the CLI.
      const cpuMs: number[] = [];
      const wallMs: number[] = [];
      for (let i = 0; i < 7; i++) {
        const r = await run('bash', [
          '-c',
          '"$0" "$@" >/dev/null; code=$?; times >&2; exit $code',
          HACTL,
          'get',
          'clusters',
          '-o',
          'wide',
        ]);
        expect(r.code, r.err).toBe(0);
        // `times` prints the shell's own user/sys, then its children's: "0m0.512s 0m0.101s".
        const children = r.err.trim().split('\n').at(-1)!;
        const secs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
        expect(secs, children).toHaveLength(2);
        cpuMs.push(Math.round((secs[0]! + secs[1]!) * 1000));
        wallMs.push(r.ms);
      }
      cpuMs.sort((a, b) => a - b);
      wallMs.sort((a, b) => a - b);
      console.log(
        `hactl get clusters -o wide: CPU median ${cpuMs[3]} ms (min ${cpuMs[0]}, max ${cpuMs[6]}); wall median ${wallMs[3]} ms (min ${wallMs[0]}, max ${wallMs[6]})`,
      );
      // A loose bound: the point is no second-long calls.
      expect(cpuMs[3]).toBeLessThan(1500);
    });
  },
);
