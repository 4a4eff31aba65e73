import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lab, type RolloutView } from '../src/lab/fleet.js';
import { waitFor } from '../src/lab/wait.js';
import { connectZk, ensureZnode, listZnodes, watchZk } from '../src/lab/zk-watch.js';
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

  it('5 → 3: removed members keep running until their stop step, stopped under a lease', async () => {
    const done = await change('shrink-5-3', [1, 2, 3], 15_000);
    const stops = done.steps.filter((s) => s.note.includes('stopped'));
    expect(stops.map((s) => s.instance).sort()).toEqual(['zk-ms/zk-4', 'zk-ms/zk-5']);
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
