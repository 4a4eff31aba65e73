import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { serviceKind } from '@hactl/shared';
import { zkMember } from '../cli/real-cp.js';
import type { Core } from '../core.js';
import type { AgentSession } from '../reconcile/fleet.js';
import type { AppliedCluster } from './changes.js';
import { tempSqliteStore } from '../rollout/testing.js';
import type { SqliteStore } from '../store/sqlite-store.js';
import { createTestCore, TEST_NOW } from '../test-core.js';

let store: SqliteStore;
let dispose: () => void;
let ids = 0;
/** What each host's agent was sent, in order: `desired <generation>` or `command <action> <instance>`. */
const sent = new Map<string, string[]>();
/** Every send to any host, in order: `<host> <what sent recorded>`. */
const timeline: string[] = [];

/** The core on SQLite with three connected agents h1..h3 whose sends are recorded. */
function world(pushSliceHosts?: number): Core {
  const core = createTestCore(store, {
    newId: () => `r${++ids}`,
    ...(pushSliceHosts === undefined ? {} : { pushSliceHosts }),
  });
  for (const i of [1, 2, 3]) {
    const host = `h${i}`;
    sent.set(host, []);
    const session: AgentSession = {
      sendDesired: (generation) => {
        sent.get(host)!.push(`desired ${generation}`);
        timeline.push(`${host} desired ${generation}`);
      },
      sendCommand: (cmd) => {
        sent.get(host)!.push(`command ${cmd.action} ${cmd.instanceId}`);
        timeline.push(`${host} command ${cmd.action} ${cmd.instanceId}`);
      },
      close() {},
    };
    core.fleet.connectAgent(
      { name: host, address: `127.0.0.1${i}`, agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      session,
    );
  }
  return core;
}

const spec = (tickTime: number) => ({
  kind: 'zookeeper',
  distribution: { home: '/zk' },
  settings: { tickTime },
  members: [1, 2, 3].map((i) => ({ host: `h${i}`, id: i })),
});
const meta = { author: 't', message: '' };

/** Every member reports running and serving (zk-1 leads), so a config change restarts them all. */
function reportHealthy(core: Core): void {
  for (const i of [1, 2, 3]) {
    const gen = core.fleet.snapshot().desired.get(`h${i}`)?.generation ?? 0;
    const member = zkMember(`zk/zk-${i}`, 100 + i, i === 1 ? 'leader' : 'follower', TEST_NOW);
    core.fleet.recordStatus(`h${i}`, { appliedGeneration: gen, applyError: '', instances: [member] });
  }
}

/**
 * With one host per event-loop turn: zk applied at tickTime 2000 and reported healthy, its push
 * gone out and the timeline cleared, then changed to 3000 with a rollout (`id`) of every member.
 */
async function changeEveryMember(): Promise<{ core: Core; id: string; answer: Promise<AppliedCluster[]> }> {
  const core = world(1);
  await core.changes.apply([{ name: 'zk', spec: spec(2000) }], meta, { rollout: true });
  reportHealthy(core);
  await new Promise<void>((resolve) => core.fleet.afterPush(resolve));
  timeline.length = 0;
  // The answer waits for the push; what the call did before it returned is looked at meanwhile.
  const answer = core.changes.apply([{ name: 'zk', spec: spec(3000) }], meta, { rollout: true });
  const id = store.listRollouts({ cluster: 'zk', states: ['running'] })[0]!.id;
  return { core, id, answer };
}

beforeEach(() => {
  ({ store, dispose } = tempSqliteStore('hactl-changes-'));
  sent.clear();
  timeline.length = 0;
});
afterEach(() => dispose());

describe('an apply stores its revision and its rollout together', () => {
  it('a failure while storing the rollout stores no revision and sends nothing', async () => {
    const core = world();
    const { changes } = core;
    await changes.apply([{ name: 'zk', spec: spec(2000) }], meta, { rollout: true });
    reportHealthy(core);
    const before = [...sent].map(([h, s]) => [h, s.length]);
    const insertRollout = store.insertRollout.bind(store);
    store.insertRollout = () => {
      throw new Error('disk I/O error');
    };
    await expect(changes.apply([{ name: 'zk', spec: spec(3000) }], meta, { rollout: true })).rejects.toThrow(
      'disk I/O error',
    );
    expect(store.getCluster('zk')!.current_revision).toBe(1);
    expect(store.listRollouts({ cluster: 'zk' })).toEqual([]);
    expect([...sent].map(([h, s]) => [h, s.length])).toEqual(before);

    // The same apply once the store takes it: revision, rollout, and on each agent's stream its
    // new desired state before the request to restart onto it.
    store.insertRollout = insertRollout;
    const [applied] = await changes.apply([{ name: 'zk', spec: spec(3000) }], meta, { rollout: true });
    expect(applied).toMatchObject({ revision: 2, rollout: expect.any(String) });
    expect(applied!.restartOrder).toHaveLength(3);
    expect(store.listRollouts({ cluster: 'zk' })).toHaveLength(1);
    const first = applied!.restartOrder![0]!.match(/^(h\d) /)![1]!;
    expect(sent.get(first)!.slice(-2)).toEqual([
      expect.stringMatching(/^desired \d+$/),
      expect.stringMatching(/^command restart zk\/zk-\d$/),
    ]);
  });
});

describe("an apply's answer after the commit", () => {
  it('a failure to read the restart order answers the stored change without it (the change is not refused after the fact)', async () => {
    const core = world();
    await core.changes.apply([{ name: 'zk', spec: spec(2000) }], meta, { rollout: true });
    reportHealthy(core);
    const runOrder = vi.spyOn(core.rollouts, 'runOrder').mockImplementation(() => {
      throw new Error('disk I/O error');
    });
    try {
      const [applied] = await core.changes.apply([{ name: 'zk', spec: spec(3000) }], meta, { rollout: true });
      expect(applied).toMatchObject({ name: 'zk', revision: 2, rollout: expect.any(String) });
      expect(applied!.restartOrder).toBeUndefined();
      expect(store.getCluster('zk')!.current_revision).toBe(2);
      expect(runOrder).toHaveBeenCalledTimes(1);
    } finally {
      runOrder.mockRestore();
    }
  });
});

describe("an apply's first rollout step waits for the push", () => {
  it('with one host per event-loop turn, the step goes out after the last host has its new state', async () => {
    const { core, id, answer } = await changeEveryMember();
    // The first slice went out before the call returned; the step waits for the other two hosts.
    expect(timeline).toEqual([expect.stringMatching(/^h\d desired \d+$/)]);
    expect(core.rollouts.view(id).steps.map((s) => s.state)).toEqual(['pending', 'pending', 'pending']);

    // The answer comes once the step is taken, with the order the engine takes the members in:
    // the requested follower first, the leader (zk-1, planned first) last.
    const [applied] = await answer;
    expect(
      core.rollouts
        .view(id)
        .steps.map((s) => s.state)
        .sort(),
    ).toEqual(['pending', 'pending', 'requested']);
    expect(applied!.restartOrder).toEqual([
      expect.stringMatching(/^h[23] \(zk\/zk-[23]\)$/),
      expect.stringMatching(/^h[23] \(zk\/zk-[23]\)$/),
      'h1 (zk/zk-1)',
    ]);
    // Every host's new state, then the one restart request: a follower first (zk-1 leads).
    expect(timeline).toEqual([
      expect.stringMatching(/^h1 desired \d+$/),
      expect.stringMatching(/^h2 desired \d+$/),
      expect.stringMatching(/^h3 desired \d+$/),
      expect.stringMatching(/^h[23] command restart zk\/zk-[23]$/),
    ]);
  });
});

describe('a term that ends during the push', () => {
  it("every stream closed after the first slice (a replica lost its lease): the other hosts' states and the first step stay unsent, the steps pending for the next leader", async () => {
    const { core, id, answer } = await changeEveryMember();
    // What replica/term.ts stop() does when the term ends.
    core.fleet.closeAllSessions('term ended');
    // The operator still gets an answer: every member, read from the store (no step was taken).
    const [applied] = await answer;
    expect(applied).toMatchObject({ rollout: id });
    expect([...applied!.restartOrder!].sort()).toEqual(['h1 (zk/zk-1)', 'h2 (zk/zk-2)', 'h3 (zk/zk-3)']);
    // The outbox writes one slice per turn (setImmediate) and what waited for the push a turn
    // after the last one: five turns cover the two other slices and the step, had they been kept.
    for (let turn = 0; turn < 5; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(timeline).toEqual([expect.stringMatching(/^h\d desired \d+$/)]);
    expect(core.rollouts.view(id).steps.map((s) => s.state)).toEqual(['pending', 'pending', 'pending']);
  });
});

describe('an apply that starts a rollout rolls its cluster up once', () => {
  it("the apply stores its rollout without a roll-up; its first step rolls up and its answer's order reuses it; a rollout's new state only plans the hint again", async () => {
    const core = world();
    const { changes } = core;
    await changes.apply([{ name: 'zk', spec: spec(2000) }], meta, { rollout: true });
    reportHealthy(core);
    const kind = serviceKind('zookeeper')!;
    const health = vi.spyOn(kind, 'checkHealth');
    try {
      const answer = changes.apply([{ name: 'zk', spec: spec(3000) }], meta, { rollout: true });
      // Stored with the revision, nothing rolled up yet: the order is the engine's, at each pass.
      expect(health).toHaveBeenCalledTimes(0);
      const [applied] = await answer;
      const id = applied!.rollout!;
      expect(applied!.restartOrder).toHaveLength(3);
      expect(core.rollouts.view(id).steps.map((s) => s.state)).toContain('requested');
      expect(health).toHaveBeenCalledTimes(1);
      expect(core.fleet.clusterStatus('zk').status.hint).toBeUndefined();
      core.rollouts.pause(id);
      expect(core.fleet.clusterStatus('zk').status.hint).toMatch(
        new RegExp(`^rollout ${id} is paused \\(paused by operator\\)`),
      );
      expect(health).toHaveBeenCalledTimes(1);
      // A report is a new observation: judged again.
      reportHealthy(core);
      core.fleet.clusterStatus('zk');
      expect(health).toHaveBeenCalledTimes(2);
    } finally {
      health.mockRestore();
    }
  });
});

describe('hactl logs of a cluster that does not exist', () => {
  it('says the cluster is not found (it said the member was, in a cluster "with no members")', async () => {
    const { changes } = world();
    await expect(changes.logs('nope-main', 'x', 'service', 10)).rejects.toThrow(
      'cluster "nope-main" not found',
    );
  });
});

describe("an apply's rollout options", () => {
  const optionsOf = (id: string) => JSON.parse(store.getRollout(id)!.options_json) as Record<string, unknown>;

  it("the operator's choices are stored over the defaults; an apply without them keeps the defaults", async () => {
    const core = world();
    await core.changes.apply([{ name: 'zk', spec: spec(2000) }], meta, { rollout: true });
    reportHealthy(core);
    const [chosen] = await core.changes.apply([{ name: 'zk', spec: spec(3000) }], meta, {
      rollout: true,
      choices: { gateTimeoutSec: 30, onGateTimeout: 'rollback', pauseBetweenSec: 7 },
    });
    expect(optionsOf(chosen!.rollout!)).toEqual({
      action: 'apply',
      batchSize: 1,
      gateTimeoutSec: 30,
      onGateTimeout: 'rollback',
      pauseBetweenSec: 7,
    });
    core.rollouts.abort(chosen!.rollout!);
    const [plain] = await core.changes.apply([{ name: 'zk', spec: spec(4000) }], meta, { rollout: true });
    expect(optionsOf(plain!.rollout!)).toEqual({
      action: 'apply',
      batchSize: 1,
      gateTimeoutSec: 600,
      onGateTimeout: 'pause',
      pauseBetweenSec: 0,
    });
  });

  it('choices with rollout: false are refused, naming each, and nothing is stored', async () => {
    const core = world();
    await core.changes.apply([{ name: 'zk', spec: spec(2000) }], meta, { rollout: true });
    await expect(
      core.changes.apply([{ name: 'zk', spec: spec(3000) }], meta, {
        rollout: false,
        choices: { onGateTimeout: 'abort', gateTimeoutSec: 9 },
      }),
    ).rejects.toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        details: [
          expect.objectContaining({ path: 'onGateTimeout' }),
          expect.objectContaining({ path: 'gateTimeoutSec' }),
        ],
      }),
    );
    expect(store.getCluster('zk')!.current_revision).toBe(1);
  });

  it('a membership change takes the timings, and refuses a policy other than pause before storing anything', async () => {
    const core = world();
    for (const i of [4, 5])
      core.fleet.connectAgent(
        { name: `h${i}`, address: `127.0.0.1${i}`, agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
        { sendDesired() {}, sendCommand() {}, close() {} },
      );
    await core.changes.apply([{ name: 'zk', spec: spec(2000) }], meta, { rollout: true });
    reportHealthy(core);
    const five = { ...spec(2000), members: [1, 2, 3, 4, 5].map((i) => ({ host: `h${i}`, id: i })) };
    await expect(
      core.changes.apply([{ name: 'zk', spec: five }], meta, {
        rollout: true,
        choices: { onGateTimeout: 'rollback' },
        ownPaths: true,
      }),
    ).rejects.toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        details: [
          expect.objectContaining({
            path: 'onGateTimeout',
            message: expect.stringMatching(/^is rollback, but a half-done membership change/),
          }),
        ],
      }),
    );
    expect(store.getCluster('zk')!.current_revision).toBe(1);
    expect(store.listRollouts({ cluster: 'zk' })).toEqual([]);

    const [applied] = await core.changes.apply([{ name: 'zk', spec: five }], meta, {
      rollout: true,
      choices: { gateTimeoutSec: 40, pauseBetweenSec: 3, onGateTimeout: 'pause' },
    });
    expect(applied!.membershipSteps?.length).toBeGreaterThan(0);
    expect(optionsOf(applied!.rollout!)).toEqual({
      action: 'membership',
      batchSize: 1,
      gateTimeoutSec: 40,
      onGateTimeout: 'pause',
      pauseBetweenSec: 3,
    });
  });
});

describe('deleting a cluster another one depends on', () => {
  it('is refused naming the dependents (the snapshot `dependents` index), and allowed once they are gone', async () => {
    const { changes } = world();
    const storm = (name: string) => ({
      kind: 'storm',
      distribution: { home: '/opt/storm' },
      zookeeper: 'zk',
      nimbus: { hosts: ['h1'] },
      supervisors: { hosts: ['h2'] },
      settings: { 'storm.zookeeper.root': `/${name}` },
    });
    await changes.apply(
      [
        { name: 'zk', spec: spec(2000) },
        { name: 'storm-a', spec: storm('storm-a') },
        {
          name: 'storm-b',
          spec: { ...storm('storm-b'), nimbus: { hosts: ['h3'] }, supervisors: { hosts: ['h3'] } },
        },
      ],
      meta,
      { rollout: true },
    );
    expect(() => changes.delete('zk', meta)).toThrow(
      /^cluster zk is used by storm-a, storm-b; delete those first$/,
    );
    changes.delete('storm-a', meta);
    expect(() => changes.previewDelete('zk')).toThrow(/^cluster zk is used by storm-b; delete those first$/);
    changes.delete('storm-b', meta);
    expect(changes.delete('zk', meta).instances.map((i) => i.instance)).toEqual([
      'zk/zk-1',
      'zk/zk-2',
      'zk/zk-3',
    ]);
  });
});

describe('a dry run', () => {
  it("lists validation's warnings as warnings (counted by the CLI), not among the kind's notes", async () => {
    const core = world();
    const kafka = (settings: Record<string, number>) => ({
      kind: 'kafka',
      distribution: { home: '/opt/kafka' },
      zookeeper: 'zk',
      brokers: [1, 2, 3].map((i) => ({ host: `h${i}`, id: i })),
      settings,
    });
    await core.changes.apply([{ name: 'zk', spec: spec(2000) }], meta, { rollout: false });
    await core.changes.apply([{ name: 'kafka', spec: kafka({}) }], meta, { rollout: false });
    // A settings change: no distribution moves, so no host is asked and nothing waits on agents.
    const [preview] = await core.changes.preview(
      [{ name: 'kafka', spec: kafka({ 'default.replication.factor': 2, 'min.insync.replicas': 2 }) }],
      meta,
    );
    expect(preview!.warnings).toEqual([
      'settings.min.insync.replicas: min.insync.replicas equals default.replication.factor (2): one broker down blocks acks=all writes, and no broker ' +
        'holding such a partition can be restarted: hactl stops a broker only while each of its partitions keeps min.insync.replicas ' +
        'in-sync replicas without it, so rollouts of this cluster pause at their first broker. Use min.insync.replicas 1 or default.replication.factor 3',
    ]);
    expect(preview!.notes).toEqual([]);
  });
});
