import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lab, REPO_ROOT, type ClusterStatusBody } from '../src/lab/fleet.js';
import { waitFor } from '../src/lab/wait.js';
import { LAB_JVM_FLAGS } from '../src/lab/dist.js';

// Lab slice: 127.0.30.0/24 (member actions, issue 13). The real `bin/hactl` against the real
// control plane, agents and Debian's ZooKeeper.
const HOSTS = [
  ['ma1', '127.0.30.1'],
  ['ma2', '127.0.30.2'],
  ['ma3', '127.0.30.3'],
] as const;
const CLUSTER = 'zk-act';
const ZK_HOME = process.env.ZK_HOME ?? '/usr/share/zookeeper';

const spec = {
  name: CLUSTER,
  kind: 'zookeeper',
  distribution: { home: ZK_HOME },
  // Short ticks keep elections fast in the lab; small heaps and the serial GC keep 3 JVMs light on 2 cores.
  settings: { tickTime: 500, initLimit: 20, syncLimit: 10 },
  jvm: { heap: '96m', flags: [...LAB_JVM_FLAGS] },
  members: HOSTS.map(([host], i) => ({ host, id: i + 1, adminPort: 0 })),
};

type Member = ClusterStatusBody['status']['members'][number];

interface FilesBody {
  drift: boolean;
  files: { path: string; state: string }[];
}

interface HostStatusBody {
  processes: { instance: string; runState: string; state: string; pid: number; uptimeSec: number | null }[];
}

describe(
  'e2e: named member actions on a real ZooKeeper ensemble: restart through the gates, refused and forced stops, start, files drift, host status',
  { timeout: 420_000 },
  () => {
    let lab: Lab;
    /** Pids stopped with SIGSTOP from outside, continued in afterAll whatever happens. */
    const frozen = new Set<number>();
    const hactl = (...argv: string[]): Promise<{ code: number; out: string; err: string }> =>
      new Promise((resolve) => {
        execFile(
          path.join(REPO_ROOT, 'bin/hactl'),
          argv,
          { env: { ...process.env, ...lab.cliEnv(), NO_COLOR: '1' }, timeout: 240_000 },
          (err, out, errOut) => {
            const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
            resolve({ code, out, err: errOut });
          },
        );
      });
    const member = async (id: number): Promise<Member> => {
      const c = await lab.cluster(CLUSTER);
      return c.status.members.find((m) => m.instance === `${CLUSTER}/zk-${id}`)!;
    };
    const events = async (type: string): Promise<{ type: string; message: string }[]> =>
      (
        await lab.api<{ events: { type: string; message: string }[] }>(
          'GET',
          `/v1/events?cluster=${CLUSTER}&limit=500`,
        )
      ).body.events.filter((e) => e.type === type);

    beforeAll(async () => {
      lab = await Lab.create('member-actions');
      await lab.startControlPlane();
      for (const [name, address] of HOSTS) await lab.startAgent(name, address);
      await lab.waitForHosts(HOSTS.map(([n]) => n));
      const put = await lab.api('PUT', `/v1/clusters/${CLUSTER}`, spec);
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      await lab.waitForHealth(CLUSTER, 'healthy', { timeoutMs: 120_000 });
    });

    afterAll(async () => {
      try {
        for (const pid of frozen) {
          try {
            process.kill(pid, 'SIGCONT');
          } catch {
            // already gone
          }
        }
      } finally {
        await lab?.destroy();
      }
    });

    it('hactl restart of the leader says what it waits for, follows it to the end, and leaves a healthy ensemble with a new leader pid', async () => {
      const before = await lab.waitForHealth(CLUSTER, 'healthy');
      const leader = before.status.members.find((m) => m.mode === 'leader')!;
      expect(leader).toBeTruthy();
      const r = await hactl('restart', leader.instance as string, '--reason', 'e2e leader restart', '--wait');
      expect(r.code, r.out + r.err).toBe(0);
      expect(r.out).toContain('cluster-healthy');
      expect(r.out).toContain('one-at-a-time');
      expect(r.out).toMatch(/State:\s+completed/);
      const after = await lab.waitForHealth(CLUSTER, 'healthy', {
        where: (c) => c.status.members.every((m) => m.process === 'running'),
      });
      const again = after.status.members.find((m) => m.instance === leader.instance)!;
      expect(again.pid).toBeGreaterThan(0);
      expect(again.pid).not.toBe(leader.pid);
      expect(after.status.members.filter((m) => m.mode === 'leader')).toHaveLength(1);
      expect(
        (await events('member.restart')).some((e) => e.message.includes(leader.instance as string)),
      ).toBe(true);
    });

    it('hactl status HOST shows the process, pid, uptime and last probe', async () => {
      const r = await hactl('status', 'ma1');
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain(`${CLUSTER}/zk-1`);
      expect(r.out).toMatch(/PID\s+UPTIME/);
      const json = await hactl('status', 'ma1', '-o', 'json');
      const body = JSON.parse(json.out) as HostStatusBody;
      const p = body.processes.find((x) => x.instance === `${CLUSTER}/zk-1`)!;
      expect(p.state).toBe('running');
      expect(p.pid).toBe((await member(1)).pid);
      expect(p.uptimeSec).not.toBeNull();
      expect((await hactl('status', 'no-such-host')).code).toBe(1);
    });

    it('hactl files shows no drift, then the diff after zoo.cfg is edited by hand, and none after a restart', async () => {
      const clean = await hactl('files', `${CLUSTER}/zk-2`);
      expect(clean.code, clean.out + clean.err).toBe(0);
      expect(clean.out).toContain('no drift');
      const body = JSON.parse((await hactl('files', `${CLUSTER}/zk-2`, '-o', 'json')).out) as FilesBody;
      const cfg = body.files.find((f) => f.path.endsWith('zoo.cfg'))!;
      expect(cfg.state).toBe('same');
      const original = fs.readFileSync(cfg.path, 'utf8');
      try {
        fs.writeFileSync(cfg.path, `${original}# edited by hand\nmaxClientCnxns=7\n`);
        const drift = await hactl('files', `${CLUSTER}/zk-2`);
        expect(drift.code).toBe(1);
        expect(drift.out).toContain('DRIFT');
        expect(drift.out).toContain(`--- ${cfg.path} (desired)`);
        expect(drift.out).toContain('+maxClientCnxns=7');
        // A restart writes the rendered file back before the process starts again: the member does
        // not come back on a setting hactl does not manage.
        const pidBefore = (await member(2)).pid;
        const r = await hactl('restart', `${CLUSTER}/zk-2`, '--reason', 'e2e drift', '--wait');
        expect(r.code, r.out + r.err).toBe(0);
        expect((await member(2)).pid).not.toBe(pidBefore);
        expect(fs.readFileSync(cfg.path, 'utf8')).toBe(original);
      } finally {
        fs.writeFileSync(cfg.path, original);
      }
      expect((await hactl('files', `${CLUSTER}/zk-2`)).code).toBe(0);
      expect((await hactl('files', 'zk-act')).code).toBe(2);
      expect((await hactl('files', `${CLUSTER}/zk-9`)).err).toMatch(/not found/);
    });

    it('hactl stop under the lease gates stops a member and keeps it stopped; the cluster says who stopped it; hactl start brings it back', async () => {
      await lab.waitForHealth(CLUSTER, 'healthy');
      const r = await hactl('stop', `${CLUSTER}/zk-1`, '--reason', 'e2e planned stop', '--wait');
      expect(r.code, r.out + r.err).toBe(0);
      const c = await waitFor('zk-1 to be stopped', async () => {
        const s = await lab.cluster(CLUSTER);
        const m = s.status.members.find((x) => x.instance === `${CLUSTER}/zk-1`)!;
        return m.process === 'stopped' ? s : undefined;
      });
      const m = c.status.members.find((x) => x.instance === `${CLUSTER}/zk-1`)!;
      expect(m.stoppedByOperator).toMatchObject({ reason: 'e2e planned stop', forced: false });
      expect(c.status.reason).toContain(`${CLUSTER}/zk-1 stopped by`);
      expect((await events('lease.granted')).some((e) => e.message.includes(`${CLUSTER}/zk-1`))).toBe(true);
      const start = await hactl('start', `${CLUSTER}/zk-1`);
      expect(start.code, start.err).toBe(0);
      await lab.waitForHealth(CLUSTER, 'healthy', {
        where: (s) => s.status.members.every((x) => x.process === 'running' && !x.stoppedByOperator),
        timeoutMs: 120_000,
      });
    });

    it('with one member down from outside a stop of a second is refused with the reason; --force --reason stops it; it stays stopped across an agent restart; start brings it back', async () => {
      await lab.waitForHealth(CLUSTER, 'healthy');
      // "Down from outside": zk-3's JVM frozen with SIGSTOP (a kill would be restarted by its agent at once).
      const victim = await member(3);
      frozen.add(victim.pid);
      process.kill(victim.pid, 'SIGSTOP');
      await waitFor(
        'the ensemble to see zk-3 gone',
        async () => ((await lab.cluster(CLUSTER)).status.health !== 'healthy' ? true : undefined),
        { timeoutMs: 60_000 },
      );
      const refused = await hactl('stop', `${CLUSTER}/zk-2`);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain(`stop of ${CLUSTER}/zk-2 refused`);
      expect(refused.err).toContain('cluster-healthy');
      expect(refused.err).toContain('--force --reason');
      expect((await member(2)).process).toBe('running');
      expect((await hactl('stop', `${CLUSTER}/zk-2`, '--force')).code).toBe(2);

      const forced = await hactl('stop', `${CLUSTER}/zk-2`, '--force', '--reason', 'e2e: disk swap');
      expect(forced.code, forced.out + forced.err).toBe(0);
      await waitFor('zk-2 to be stopped', async () =>
        (await member(2)).process === 'stopped' ? true : undefined,
      );
      const ev = await events('member.stop.forced');
      expect(ev.some((e) => e.message.includes('e2e: disk swap'))).toBe(true);
      process.kill(victim.pid, 'SIGCONT');
      frozen.delete(victim.pid);

      // The agent restarts: its member stays stopped (its desired run state is stopped).
      await lab.stopAgent('ma2');
      await lab.startAgent('ma2', '127.0.30.2');
      await lab.waitForHosts(['ma2']);
      const status = await waitFor('ma2 to answer its status', async () => {
        const r = await hactl('status', 'ma2', '-o', 'json');
        if (r.code !== 0) return undefined;
        const p = (JSON.parse(r.out) as HostStatusBody).processes.find(
          (x) => x.instance === `${CLUSTER}/zk-2`,
        );
        return p?.state === 'stopped' ? p : undefined;
      });
      expect(status).toMatchObject({ runState: 'stopped', pid: 0 });
      const c = await waitFor(
        'zk-1 and zk-3 to serve',
        async () => {
          const s = await lab.cluster(CLUSTER);
          const serving = s.status.members.filter((m) => m.mode === 'leader' || m.mode === 'follower');
          return serving.length === 2 ? s : undefined;
        },
        { timeoutMs: 90_000 },
      );
      expect(c.status.members.find((m) => m.instance === `${CLUSTER}/zk-2`)!.process).toBe('stopped');

      const start = await hactl('start', `${CLUSTER}/zk-2`, '--reason', 'disk swapped');
      expect(start.code, start.err).toBe(0);
      await lab.waitForHealth(CLUSTER, 'healthy', {
        where: (s) => s.status.members.every((m) => m.process === 'running'),
        timeoutMs: 120_000,
      });
      expect((await events('member.start')).length).toBeGreaterThanOrEqual(2);
    });
  },
);
