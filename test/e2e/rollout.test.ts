import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import zookeeper from 'node-zookeeper-client';
import { Lab, type ClusterStatusBody, type RolloutView } from '../src/lab/fleet.js';
import { waitFor } from '../src/lab/wait.js';
import { zkMode } from '../src/lab/four-letter.js';
import { checkLeaderLastAtStops } from '../src/lab/leader-last.js';
import { LAB_JVM_FLAGS } from '../src/lab/dist.js';

// Lab slice: 127.0.7.0/24.
const HOSTS = [
  ['rz1', '127.0.7.1'],
  ['rz2', '127.0.7.2'],
  ['rz3', '127.0.7.3'],
] as const;

const spec = (settings: Record<string, number>) => ({
  name: 'zk-roll',
  kind: 'zookeeper',
  distribution: { home: process.env.ZK_HOME ?? '/usr/share/zookeeper' },
  settings: { tickTime: 500, initLimit: 20, syncLimit: 10, ...settings },
  jvm: { heap: '128m', flags: [...LAB_JVM_FLAGS] },
  members: HOSTS.map(([host], i) => ({ host, id: i + 1, adminPort: 0 })),
});

/** false only when the port refuses connections (nothing listening); a slow answer is not "down". */
function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.setTimeout(2000, () => {
      s.destroy();
      resolve(true);
    });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code !== 'ECONNREFUSED'));
  });
}

describe(
  'e2e: a config change rolls through a real ZooKeeper ensemble one member at a time, leader last',
  { timeout: 240_000 },
  () => {
    let lab: Lab;

    beforeAll(async () => {
      lab = await Lab.create('rollout');
      // One host per event-loop turn: every desired-state push to these three hosts goes out in
      // slices (reconcile/outbox.ts), as a fleet-wide change does at 500 hosts per turn, and each
      // step's restart must still reach its agent after the new config, or the member would be
      // restarted twice (asserted below: exactly two pids per member).
      await lab.startControlPlane(['--push-slice-hosts', '1']);
      for (const [name, address] of HOSTS) await lab.startAgent(name, address);
      await lab.waitForHosts(HOSTS.map(([n]) => n));
      const put = await lab.api('PUT', '/v1/clusters/zk-roll', spec({}));
      expect(put.status).toBe(200);
      await lab.waitForHealth('zk-roll', 'healthy');
    });

    afterAll(async () => {
      await lab?.destroy();
    });

    it('keeps quorum and client traffic through the rollout, survives a control-plane SIGKILL mid-way, restarts each member exactly once', async () => {
      const before = await lab.waitForHealth('zk-roll', 'healthy');
      const pidsSeen = new Map<string, Set<number>>(
        before.status.members.map((m) => [m.host, new Set([m.pid])]),
      );

      // An independent client keeps writing and reading a znode through the rollout.
      const client = zookeeper.createClient(HOSTS.map(([, a]) => `${a}:2181`).join(','), {
        sessionTimeout: 10_000,
        retries: 0,
      });
      client.connect();
      await new Promise<void>((r) => client.once('connected', () => r()));
      await new Promise<void>((resolve, reject) =>
        client.create('/rollout-probe', Buffer.from('0'), (e) =>
          e && (e as zookeeper.Exception).getCode?.() !== zookeeper.Exception.NODE_EXISTS
            ? reject(e)
            : resolve(),
        ),
      );
      const failures: string[] = [];
      let writes = 0;
      let stop = false;
      const traffic = (async () => {
        while (!stop) {
          await new Promise<void>((resolve) => {
            client.setData('/rollout-probe', Buffer.from(String(writes + 1)), -1, (e) => {
              if (e) failures.push(e.name ?? String(e));
              else writes++;
              resolve();
            });
          });
          await new Promise((r) => setTimeout(r, 50));
        }
      })();

      // Watch every member's client port and the agents' reports: never two members down at once.
      let maxPortsDown = 0;
      let maxReportedDown = 0;
      const timeline: string[] = [];
      // Who leads as ZooKeeper itself says (`srvr` on every member), sampled all along: leader-last
      // is checked against the leadership at each stop, not against one read before the rollout (an
      // election on a loaded machine can move it, and the engine re-decides the order at each step).
      const leaderSamples: { at: number; leader: string | undefined }[] = [];
      const watcher = (async () => {
        while (!stop) {
          const at = Date.now();
          const modes = await Promise.all(HOSTS.map(([, a]) => zkMode(a)));
          leaderSamples.push({ at, leader: HOSTS[modes.indexOf('leader')]?.[0] });
          const open = await Promise.all(HOSTS.map(([, a]) => portOpen(a, 2181)));
          maxPortsDown = Math.max(maxPortsDown, open.filter((o) => !o).length);
          if (open.some((o) => !o))
            timeline.push(
              `${new Date().toISOString()} ports ${open.map((o) => (o ? 'up' : 'DOWN')).join(',')}`,
            );
          try {
            const c = await lab.cluster('zk-roll');
            // 'unknown' right after a control-plane restart means "no report yet", not down.
            maxReportedDown = Math.max(
              maxReportedDown,
              c.status.members.filter((m) => ['stopped', 'crashed', 'starting'].includes(m.process)).length,
            );
            for (const m of c.status.members) if (m.pid > 0) pidsSeen.get(m.host)!.add(m.pid);
          } catch {
            // the control plane is being restarted
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      })();

      const putAt = Date.now();
      try {
        // The leader in hactl's view just before and just after the PUT: the order it answers is
        // the engine's at that moment, the leader last.
        const leadingNow = async () =>
          (await lab.cluster('zk-roll')).status.members.find((m) => m.mode === 'leader')?.host;
        const ledBefore = await leadingNow();
        const put = await lab.api<{ revision: number; rollout: string; restartOrder: string[] }>(
          'PUT',
          '/v1/clusters/zk-roll',
          spec({ maxClientCnxns: 200 }),
        );
        expect(put.status).toBe(200);
        expect(put.body.revision).toBe(2);
        expect(put.body.restartOrder).toHaveLength(3);
        const ledAfter = await leadingNow();
        expect([ledBefore, ledAfter]).toContain(put.body.restartOrder[2]!.split(' ')[0]);

        // Kill the control plane as soon as the first member is done, then bring it back.
        await waitFor(
          'the first rollout step to finish',
          async () => {
            const r = await lab.api<RolloutView>('GET', `/v1/rollouts/${put.body.rollout}`);
            return r.body.steps[0]?.state === 'done' ? true : undefined;
          },
          { timeoutMs: 90_000, intervalMs: 100 },
        );
        await lab.stopControlPlane('SIGKILL');
        await lab.startControlPlane();

        const done = await waitFor(
          'the rollout to complete',
          async () => {
            const r = await lab.api<RolloutView>('GET', `/v1/rollouts/${put.body.rollout}`);
            if (r.body.state === 'paused' || r.body.state === 'aborted')
              throw new Error(`rollout ${r.body.state}: ${r.body.reason}`);
            return r.body.state === 'completed' ? r.body : undefined;
          },
          { timeoutMs: 150_000, intervalMs: 200 },
        );
        expect(done.steps.map((s) => s.state)).toEqual(['done', 'done', 'done']);
        // Leader last: every member stopped before the last one did not lead when it was stopped
        // (the last srvr sample before its agent's process_stopping).
        const leaderLast = checkLeaderLastAtStops(
          lab.agentEvents(
            HOSTS.map(([h]) => h),
            'zk-roll',
            putAt,
          ),
          done.steps.map((x) => x.host),
          (at) => leaderSamples.filter((x) => x.at < at && x.leader !== undefined).at(-1)?.leader,
          'leader',
        );
        console.log(`rollout: stops ${leaderLast.said}`);
        expect(leaderLast.problems, leaderLast.said).toEqual([]);
        const finished = done.steps.map((s) => Date.parse(s.finishedAt!));
        expect(finished[2]).toBeGreaterThan(Math.max(finished[0]!, finished[1]!));
        const after: ClusterStatusBody = await lab.waitForHealth('zk-roll', 'healthy');
        for (const m of after.status.members) pidsSeen.get(m.host)!.add(m.pid);
      } finally {
        stop = true;
        await Promise.all([traffic, watcher]);
        client.close();
      }

      // Every member was restarted exactly once: two pids each (before, after).
      for (const [host, pids] of pidsSeen) expect([host, pids.size]).toEqual([host, 2]);
      expect(maxPortsDown, timeline.join('\n')).toBeLessThanOrEqual(1);
      expect(maxReportedDown).toBeLessThanOrEqual(1);
      // The client only ever saw connection loss (the leader election), never a lost or refused write.
      expect(failures.filter((f) => f !== 'CONNECTION_LOSS')).toEqual([]);
      expect(writes).toBeGreaterThan(0);
      console.log(
        `rollout: ${writes} writes, ${failures.length} connection-loss errors, max members down at once: ports ${maxPortsDown}, reports ${maxReportedDown}`,
      );
    });
  },
);
