import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { EventView } from '@hactl/control-plane/dist/api/contract.js';
import { Lab, type RolloutView } from '../src/lab/fleet.js';
import { waitFor } from '../src/lab/wait.js';
import { connectZk, ensureZnode, listZnodes, sampleModes, watchZk } from '../src/lab/zk-watch.js';
import { zkMode } from '../src/lab/four-letter.js';
import { whileFrozen } from '../src/lab/freeze.js';
import { LAB_JVM_FLAGS } from '../src/lab/dist.js';

// Lab slice: 127.0.19.0/24 (reserved for membership e2e tests).
const HOSTS = [1, 2, 3, 4, 5, 6].map((n) => [`mz${n}`, `127.0.19.${n}`] as const);
const CONNECT = HOSTS.map(([, a]) => `${a}:2181`).join(',');
const ADDRESSES = HOSTS.map(([, a]) => a);
const CLUSTER = 'zk-ms';

/** The ensemble on the given myids; member N runs on host mzN. */
const spec = (ids: readonly number[]) => ({
  name: CLUSTER,
  kind: 'zookeeper',
  distribution: { home: process.env.ZK_HOME ?? '/usr/share/zookeeper' },
  settings: { tickTime: 500, initLimit: 20, syncLimit: 10 },
  jvm: { heap: '96m', flags: [...LAB_JVM_FLAGS] },
  // Intermediate phases have even sizes (one server per phase); the final specs are odd.
  members: ids.map((id) => ({ host: `mz${id}`, id, adminPort: 0 })),
});

/**
 * Issue 10 acceptance, ZooKeeper: grow 1→3 and 3→5, shrink 5→3, replace one member, on the real
 * service, with an independent client creating znodes during each change and a sampler asking every
 * member `srvr`. Every acknowledged znode (written before and during) is there afterwards; no sample
 * ever shows two leaders; the longest stretch without a serving leader is printed and bounded.
 *
 * On a control plane without membership procedures the 1→3 step fails: members 2 and 3 start at
 * once with the three-server list, elect their own leader over an empty tree while member 1 still
 * serves standalone (two leaders in the samples), and once member 1 restarts into their quorum the
 * znodes written before are gone.
 *
 * The 5 → 3 case also takes the handover's "leads again" path (rollout/handover.ts) on the real
 * service: zk-5, the leader it removes first, is made to win the election after its handover
 * restart, and hactl must restart it again and have the handover done only once another member
 * leads. A control plane that judged the handover done on the restart alone fails it.
 */
describe('e2e: ZooKeeper membership changes through the procedure (issue 10)', { timeout: 600_000 }, () => {
  let lab: Lab;
  let before: string[] = [];

  beforeAll(async () => {
    lab = await Lab.create('membership-zk');
    await lab.startControlPlane();
    for (const [name, address] of HOSTS) await lab.startAgent(name, address);
    await lab.waitForHosts(HOSTS.map(([n]) => n));
    expect((await lab.api('PUT', `/v1/clusters/${CLUSTER}`, spec([1]))).status).toBe(200);
    await lab.waitForHealth(CLUSTER, 'healthy');
    const client = await connectZk(CONNECT);
    await ensureZnode(client, '/ms');
    for (let n = 0; n < 30; n++) await ensureZnode(client, `/ms/before-${n}`);
    before = (await listZnodes(client, '/ms')).map((c) => `/ms/${c}`);
    client.close();
    expect(before).toHaveLength(30);
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  /**
   * Applies `ids` under traffic, waits for the procedure to complete and checks the data and the
   * samples. Returns the procedure's steps as `<op> <member>` lines (from their notes).
   */
  async function change(
    label: string,
    ids: readonly number[],
    maxOutageMs: number,
    midway?: (rollout: string) => Promise<void>,
  ): Promise<RolloutView> {
    const watch = watchZk({ connect: CONNECT, parent: '/ms', prefix: label, addresses: ADDRESSES });
    let done: RolloutView;
    try {
      await waitFor('the writer to get going', () => (watch.acked.length >= 5 ? true : undefined), {
        timeoutMs: 30_000,
      });
      const put = await lab.api<{ rollout?: string; membershipSteps?: string[]; error?: unknown }>(
        'PUT',
        `/v1/clusters/${CLUSTER}`,
        spec(ids),
      );
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      expect(put.body.rollout).toBeTruthy();
      if (midway) await midway(put.body.rollout!);
      done = await lab.waitForRollout<RolloutView>(put.body.rollout!);
      await lab.waitForHealth(CLUSTER, 'healthy', {
        where: (c) => c.status.members.length === ids.length,
      });
      // A few more writes on the final ensemble.
      const n = watch.acked.length;
      await waitFor('writes on the final ensemble', () => (watch.acked.length >= n + 5 ? true : undefined), {
        timeoutMs: 60_000,
      });
    } finally {
      await watch.stop();
    }
    const client = await connectZk(CONNECT);
    const present = new Set((await listZnodes(client, '/ms')).map((c) => `/ms/${c}`));
    client.close();
    const lost = [...before, ...watch.acked].filter((p) => !present.has(p));
    console.log(
      `zookeeper ${label}: ${watch.acked.length} znodes acknowledged during the change, ${present.size} present after, ` +
        `${watch.samples} samples, ${watch.twoLeaders.length} with two leaders, longest without a serving leader ${watch.longestNoLeaderMs()} ms, ` +
        `client errors ${JSON.stringify(countBy(watch.errors))}; steps: ${done!.steps.map((s) => `${s.instance} ${s.note}`).join(' | ')}`,
    );
    expect(lost).toEqual([]);
    expect(watch.twoLeaders).toEqual([]);
    expect(watch.longestNoLeaderMs()).toBeLessThanOrEqual(maxOutageMs);
    before = [...present];
    return done!;
  }

  const instance = (id: number): string => `${CLUSTER}/zk-${id}`;

  /** zk-`id`'s pid as its agent last reported it (0 while none runs). */
  const pidOf = async (id: number): Promise<number> =>
    (await lab.cluster(CLUSTER)).status.members.find((m) => m.instance === instance(id))?.pid ?? 0;

  /** The myid whose `srvr` says `Mode: leader`, once one does. */
  const leaderNow = (): Promise<number> =>
    waitFor(
      'a ZooKeeper leader',
      async () => {
        const i = (await sampleModes(ADDRESSES)).indexOf('leader');
        return i < 0 ? undefined : i + 1;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );

  /**
   * Restarts the leader (hactl's one-member restart, through the gates) until zk-`id` leads. With
   * nothing being written the others hold the same zxid, so the highest myid among them wins the
   * election that follows (FastLeaderElection.totalOrderPredicate): zk-5 after one restart at most.
   */
  async function makeLeader(id: number): Promise<void> {
    for (let restarts = 0; ; restarts++) {
      const leader = await leaderNow();
      if (leader === id) return;
      if (restarts === 3)
        throw new Error(`zk-${leader} still leads after ${restarts} restarts, not zk-${id}`);
      const r = await lab.api<{ rollout: RolloutView }>(
        'POST',
        `/v1/clusters/${CLUSTER}/members/zk-${leader}/restart`,
        { reason: `e2e: let zk-${id} lead` },
      );
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      await lab.waitForRollout(r.body.rollout.id);
      await lab.waitForHealth(CLUSTER, 'healthy');
    }
  }

  /** What `leadAgainAfterHandover` saw of zk-5's handover. */
  interface LeadsAgain {
    /** zk-5's process before the handover, and the one its first handover restart started. */
    oldPid: number;
    newPid: number;
    /** What that new process's `srvr` said once it served (zk-1 and zk-2 still frozen). */
    modeAfterRestart: string;
    /** Each member's `srvr` Mode just after hactl had the handover step done (`-`: no answer). */
    modesWhenDone: string[];
    /** ms since epoch: the handover's first request, and zk-1 and zk-2 frozen (its lease held). */
    requestedAt: number;
    frozenAt: number;
  }

  /**
   * Makes zk-5, the leader the procedure removes first, win the election that follows its handover
   * restart: the case handover.ts puts the step back for ("leads again"), seen in CI when the others
   * had not elected a leader by the time it was back. zk-1 and zk-2 are frozen (SIGSTOP) from the
   * moment zk-5's agent holds its restart lease until zk-5's new process serves: zk-3 and zk-4 are
   * two votes of five and cannot elect alone, so the election waits for zk-5's new process, whose
   * vote wins it (the same epoch, a zxid at least theirs since a follower logs only what its leader
   * sent, and the highest myid: FastLeaderElection.totalOrderPredicate); it leads with zk-3 and zk-4.
   *
   * Frozen once the lease is held, before the agent stops the old process: in a run here the
   * others noticed the old process gone 0.46 s after the agent's `process_stopping` and had
   * elected zk-4 0.4 s later, so freezing at that line was too late. Not before the lease: its
   * cluster-healthy gate would then be right to refuse (restarting the leader with two of five
   * members frozen leaves no quorum), and it finds out, for a refusal on views older than the
   * request probes the members again (leases/peer-views.ts). The test logs both delays.
   *
   * Then waits for hactl to have the handover done and reads every member's `srvr` at that moment.
   */
  async function leadAgainAfterHandover(rollout: string): Promise<LeadsAgain> {
    const handover = async () =>
      (await lab.api<RolloutView>('GET', `/v1/rollouts/${rollout}`)).body.steps.find(
        (s) => s.op === 'handover' && s.instance === instance(5),
      );
    const oldPid = await pidOf(5);
    const frozen = [await pidOf(1), await pidOf(2)];
    const requested = await waitFor(
      'the handover of zk-5 to be requested',
      async () => {
        const s = await handover();
        return s?.state === 'pending' ? undefined : s;
      },
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    expect(requested?.state, 'zk-5 leads, so its handover step restarts it').toBe('requested');
    await waitFor(
      "zk-5's agent to hold its restart lease",
      async () => {
        const { current } = (await lab.api<RolloutView>('GET', `/v1/rollouts/${rollout}`)).body;
        return current?.instance === instance(5) && current.phase === 'restarting' ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    const frozenAt = Date.now();
    const { newPid, modeAfterRestart } = await whileFrozen(frozen, async () => {
      const newPid = await waitFor(
        'zk-5 to restart (zk-1 and zk-2 frozen)',
        async () => {
          const pid = await pidOf(5);
          return pid > 0 && pid !== oldPid ? pid : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      // The old process is gone (its agent stops it before it starts the new one): this is the new one.
      const modeAfterRestart = await waitFor("zk-5's new process to serve", () => zkMode(ADDRESSES[4]!), {
        timeoutMs: 60_000,
        intervalMs: 100,
      });
      return { newPid, modeAfterRestart };
    });
    await waitFor(
      'hactl to have the handover of zk-5 done',
      async () => ((await handover())?.state === 'done' ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    return {
      oldPid,
      newPid,
      modeAfterRestart,
      modesWhenDone: await sampleModes(ADDRESSES),
      requestedAt: Date.parse(requested!.requestedAt!),
      frozenAt,
    };
  }

  it('1 → 3: the dry run lists the steps; the new members start one at a time, never electing a leader of their own', async () => {
    const dry = await lab.api<{ membershipSteps?: string[] }>(
      'PUT',
      `/v1/clusters/${CLUSTER}?dryRun=true`,
      spec([1, 2, 3]),
    );
    expect(dry.status).toBe(200);
    // Phase 1 grows to {1,2}: start 2, restart 1 onto the two-server list. Phase 2: start 3, roll 1 and 2.
    expect(dry.body.membershipSteps?.map((l) => l.replace(/ on mz\d$/, ''))).toEqual([
      'phase 1 (members zk-1, zk-2): start new member zk-ms/zk-2',
      'phase 1 (members zk-1, zk-2): restart onto the new member list zk-ms/zk-1',
      'phase 2 (members zk-1, zk-2, zk-3): start new member zk-ms/zk-3',
      'phase 2 (members zk-1, zk-2, zk-3): restart onto the new member list zk-ms/zk-1',
      'phase 2 (members zk-1, zk-2, zk-3): restart onto the new member list zk-ms/zk-2',
    ]);
    // Leaving standalone mode needs the one server to restart into a quorum: that outage is its
    // restart plus an election, bounded here by 30 s on a shared 2-core machine.
    const done = await change('grow-1-3', [1, 2, 3], 30_000);
    expect(done.steps.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done', 'done']);
  });

  it('3 → 5: one server per phase, leader last in each; the procedure resumes after the control plane is killed mid-way', async () => {
    // SIGKILL the control plane once the first phase's new member started and one member was
    // rolled: the procedure, its phases and its steps are in the store, and it carries on.
    const kill = async (rollout: string) => {
      await waitFor(
        'two steps of the procedure to be done',
        async () => {
          const r = await lab.api<RolloutView>('GET', `/v1/rollouts/${rollout}`);
          return r.body.steps.filter((s) => s.state === 'done').length >= 2 ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 100 },
      );
      await lab.stopControlPlane('SIGKILL');
      await lab.startControlPlane();
    };
    const done = await change('grow-3-5', [1, 2, 3, 4, 5], 15_000, kill);
    expect(done.steps.filter((s) => s.note.startsWith('started'))).toHaveLength(2);
  });

  it('5 → 3, zk-5 leading and winning again after its handover restart: restarted again, done once another leads; removed members stopped under a lease', async () => {
    await makeLeader(5);
    const since = Date.now();
    let seen: LeadsAgain | undefined;
    const done = await change('shrink-5-3', [1, 2, 3], 15_000, async (rollout) => {
      seen = await leadAgainAfterHandover(rollout);
      const { oldPid, newPid, modeAfterRestart, modesWhenDone, requestedAt, frozenAt } = seen;
      const leased = lab.agentEvents(['mz5'], CLUSTER, since).find((e) => e.msg === 'restarting under lease');
      console.log(
        `zookeeper shrink-5-3: zk-5 ${modeAfterRestart === 'leader' ? 'led again' : `was ${modeAfterRestart}`} ` +
          `after handover restart 1 (pid ${oldPid} → ${newPid}); zk-1 and zk-2 frozen ${frozenAt - requestedAt} ms ` +
          `after the request, the lease taken ${(leased?.at ?? NaN) - requestedAt} ms after it; when hactl had the ` +
          `handover done, srvr said ${modesWhenDone.map((m, i) => `zk-${i + 1}=${m}`).join(' ')}`,
      );
      // ZooKeeper's own word: the restarted member won the election again, and it followed another
      // member when hactl had its handover done.
      expect(modeAfterRestart).toBe('leader');
      expect(modesWhenDone[4], 'zk-5 follows once hactl has its handover done').toBe('follower');
    });
    const stops = done.steps.filter((s) => s.note.includes('stopped'));
    expect(stops.map((s) => s.instance).sort()).toEqual(['zk-ms/zk-4', 'zk-ms/zk-5']);

    // hactl's record of the handover step, oldest first: each put-back and its finish.
    const step = done.steps.find((s) => s.op === 'handover' && s.instance === instance(5))!;
    const prefix = `rollout ${done.id} step ${step.index}: `;
    const { body } = await lab.api<{ events: EventView[] }>(
      'GET',
      `/v1/events?cluster=${CLUSTER}&limit=1000`,
    );
    const said = body.events
      .filter((e) => e.type === 'rollout.step' && e.message.startsWith(prefix))
      .map((e) => e.message.slice(prefix.length))
      .reverse();
    console.log(
      `zookeeper shrink-5-3: handed over on restart ${said.length}; the step said: ${said.join(' | ')}`,
    );
    // hactl put the step back, restarted that very process under a new command, and had the step
    // done only when a probe named another member leading: the one srvr named. Should zk-5 win
    // again after a later restart on its own (as in CI), each put-back restarts the process the one
    // before started.
    const { oldPid, newPid, modesWhenDone } = seen!;
    const again = ', and it leads again: handing over again';
    expect(said[0]).toBe(`restarted (pid ${oldPid} → ${newPid})${again}`);
    expect(said.slice(1, -1).filter((m) => !m.endsWith(again))).toEqual([]);
    expect(said.at(-1)).toMatch(
      new RegExp(
        `^${instance(5)} restarted \\(pid \\d+ → \\d+\\)(, ready in \\d+ ms)?; ${CLUSTER}/zk-[1-4] leads now$`,
      ),
    );
    expect(said.at(-1)).toContain(`; ${instance(modesWhenDone.indexOf('leader') + 1)} leads now`);
    const pids = said.map((m) => /\(pid (\d+) → (\d+)\)/.exec(m)?.slice(1));
    expect(pids.slice(1).map((p) => p?.[0])).toEqual(pids.slice(0, -1).map((p) => p?.[1]));
    // zk-5 went down once per handover restart, and once more for its stop.
    const downs = lab.agentEvents(['mz5'], CLUSTER, since).filter((e) => e.msg === 'process_stopping');
    expect(downs).toHaveLength(said.length + 1);
  });

  it('replace one member: {1,2,3} → {1,2,6} grows to four, then shrinks', async () => {
    const done = await change('replace-3-6', [1, 2, 6], 15_000);
    expect(done.steps.find((s) => s.note.startsWith('started'))?.instance).toBe('zk-ms/zk-6');
    expect(done.steps.at(-1)?.instance).toBe('zk-ms/zk-3');
  });
});

function countBy(xs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
