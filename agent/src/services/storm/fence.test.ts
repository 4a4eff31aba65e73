import { describe, expect, it } from 'vitest';
import type { storm } from '@hactl/shared';
import { SelfFence, checkNimbusFence, type FenceStore } from './fence.js';
import { FenceSession, createNimbusChecks } from './fence-session.js';
import type { StormAgentInputs } from './inputs.js';

const inputs = (fence: storm.FenceRecord | undefined, role: StormAgentInputs['role'] = 'nimbus') =>
  ({
    cluster: 'storm-main',
    role,
    host: 'storm2',
    address: '10.0.0.2',
    home: '/opt/storm',
    confDir: '/d/conf',
    localDir: '/d/data',
    logDir: '/d/logs',
    zookeeper: { servers: ['10.0.0.9'], port: 2181, root: '/storm-main' },
    nimbusSeeds: ['10.0.0.2'],
    nimbusPort: 6627,
    settings: {},
    ...(fence ? { fence } : {}),
  }) as StormAgentInputs;

/** An in-memory znode with a version, like ZooKeeper's; `race` bumps it once before the first write. */
function memoryStore(initial?: storm.FenceRecord, race?: storm.FenceRecord) {
  const node = { record: initial, version: initial ? 0 : -1 };
  let raced = false;
  const store: FenceStore = {
    read: () => Promise.resolve(node.record ? { record: node.record, version: node.version } : undefined),
    create: (r) => {
      if (race && !raced) {
        raced = true;
        Object.assign(node, { record: race, version: 0 });
      }
      if (node.record) return Promise.resolve(false);
      Object.assign(node, { record: r, version: 0 });
      return Promise.resolve(true);
    },
    replace: (r, version) => {
      if (race && !raced) {
        raced = true;
        Object.assign(node, { record: race, version: node.version + 1 });
      }
      if (version !== node.version) return Promise.resolve(false);
      Object.assign(node, { record: r, version: version + 1 });
      return Promise.resolve(true);
    },
    close: () => {},
  };
  return { node, open: () => Promise.resolve(store) };
}
const closedAtOnce = () => Promise.resolve(true);

describe('checkNimbusFence', () => {
  it('no fence (native mode, supervisors) → ok without touching ZooKeeper', async () => {
    const open = () => Promise.reject(new Error('must not connect'));
    expect(await checkNimbusFence(inputs(undefined), { claim: true, timeoutMs: 100, open })).toMatchObject({
      ok: true,
    });
    expect(
      await checkNimbusFence(inputs({ epoch: 1, active: '10.0.0.2' }, 'supervisor'), {
        claim: true,
        timeoutMs: 100,
        open,
      }),
    ).toMatchObject({ ok: true });
  });

  it('promoted standby claims the newer epoch, after the replaced nimbus stopped answering', async () => {
    const m = memoryStore({ epoch: 1, active: '10.0.0.1' });
    const waited: string[] = [];
    const a = await checkNimbusFence(inputs({ epoch: 2, active: '10.0.0.2' }), {
      claim: true,
      timeoutMs: 100,
      open: m.open,
      waitClosed: (addr) => (waited.push(addr), Promise.resolve(true)),
    });
    expect(a.ok).toBe(true);
    expect(m.node.record).toEqual({ epoch: 2, active: '10.0.0.2' });
    expect(waited).toEqual(['10.0.0.1']);
  });

  it('the replaced nimbus still answers → not started (not certain: retried)', async () => {
    const m = memoryStore({ epoch: 1, active: '10.0.0.1' });
    const a = await checkNimbusFence(inputs({ epoch: 2, active: '10.0.0.2' }), {
      claim: true,
      timeoutMs: 100,
      open: m.open,
      waitClosed: () => Promise.resolve(false),
    });
    expect(a).toMatchObject({ ok: false, certain: false });
  });

  it('an agent back with an older epoch is refused, certainly, and its check stops a running nimbus', async () => {
    const m = memoryStore({ epoch: 3, active: '10.0.0.1' });
    for (const claim of [true, false]) {
      const a = await checkNimbusFence(inputs({ epoch: 2, active: '10.0.0.2' }), {
        claim,
        timeoutMs: 100,
        open: m.open,
      });
      expect(a).toMatchObject({ ok: false, certain: true });
    }
    expect(m.node.record).toEqual({ epoch: 3, active: '10.0.0.1' });
  });

  it('a concurrent writer with a newer epoch wins the compare-and-set → refused', async () => {
    const m = memoryStore({ epoch: 1, active: '10.0.0.1' }, { epoch: 5, active: '10.0.0.3' });
    const a = await checkNimbusFence(inputs({ epoch: 2, active: '10.0.0.2' }), {
      claim: true,
      timeoutMs: 100,
      open: m.open,
      waitClosed: closedAtOnce,
    });
    expect(a).toMatchObject({ ok: false, certain: true });
    expect(m.node.record).toEqual({ epoch: 5, active: '10.0.0.3' });
  });

  it('first start with nothing recorded creates the fence', async () => {
    const m = memoryStore();
    const a = await checkNimbusFence(inputs({ epoch: 1, active: '10.0.0.2' }), {
      claim: true,
      timeoutMs: 100,
      open: m.open,
    });
    expect(a.ok).toBe(true);
    expect(m.node.record).toEqual({ epoch: 1, active: '10.0.0.2' });
  });

  it('ZooKeeper unreachable → a start is refused, a running nimbus left alone (not certain)', async () => {
    const open = () =>
      Promise.reject(new Error('ZooKeeper 10.0.0.9:2181/storm-main did not connect within 100 ms'));
    const a = await checkNimbusFence(inputs({ epoch: 1, active: '10.0.0.2' }), {
      claim: false,
      timeoutMs: 100,
      open,
    });
    expect(a).toEqual({
      ok: false,
      certain: false,
      reason:
        'cannot check the fence in ZooKeeper: ZooKeeper 10.0.0.9:2181/storm-main did not connect within 100 ms',
    });
  });
});

const running = {
  ...inputs({ epoch: 2, active: '10.0.0.2' }),
  fence: { epoch: 2, active: '10.0.0.2', selfFenceAfterMs: 2000 },
};

describe('SelfFence', () => {
  const down = () => Promise.reject(new Error('ZooKeeper down'));

  it('cut off from ZooKeeper: leaves nimbus running until the fence went unconfirmed for selfFenceAfterMs', async () => {
    const clock = { now: 0 };
    const sf = new SelfFence(() => clock.now, down);
    expect(await sf.check(running, 100)).toBeUndefined();
    clock.now = 1500;
    expect(await sf.check(running, 100)).toBeUndefined();
    clock.now = 2100;
    expect(await sf.check(running, 100)).toMatch(/^self-fenced: the fence could not be confirmed for 2 s/);
  });

  it('a confirmed fence in between starts the count again', async () => {
    const clock = { now: 0 };
    let up = false;
    const m = memoryStore({ epoch: 2, active: '10.0.0.2' });
    const sf = new SelfFence(
      () => clock.now,
      () => (up ? m.open() : down()),
    );
    expect(await sf.check(running, 100)).toBeUndefined();
    clock.now = 1500;
    up = true;
    expect(await sf.check(running, 100)).toBeUndefined();
    up = false;
    clock.now = 3000;
    expect(await sf.check(running, 100)).toBeUndefined();
  });

  it('a newer epoch in ZooKeeper stops it at once', async () => {
    const m = memoryStore({ epoch: 3, active: '10.0.0.1' });
    expect(await new SelfFence(() => 0, m.open).check(running, 100)).toMatch(
      /^fenced: ZooKeeper holds epoch 3/,
    );
  });
});

/**
 * A fake ZooKeeper client factory: every open is one session, recorded with its connect string;
 * each holds the fence `record` (epoch 2 on this nimbus unless changed), can be expired, and
 * counts its close.
 */
function fakeZookeeper(record: storm.FenceRecord = { epoch: 2, active: '10.0.0.2' }) {
  const sessions: { connect: string; alive: boolean; closed: number; hang: boolean }[] = [];
  const open = (connect: string): Promise<FenceStore> => {
    const s = { connect, alive: true, closed: 0, hang: false };
    sessions.push(s);
    return Promise.resolve({
      get alive() {
        return s.alive;
      },
      read: () => (s.hang ? new Promise(() => {}) : Promise.resolve({ record, version: 0 })),
      create: () => Promise.resolve(false),
      replace: () => Promise.resolve(true),
      close: () => {
        s.alive = false;
        s.closed++;
      },
    });
  };
  return { sessions, open };
}

describe('nimbus fence checks: one kept ZooKeeper session', () => {
  it('two running checks and a start check → one session opened, none closed', async () => {
    const zk = fakeZookeeper();
    const checks = createNimbusChecks(() => 0, zk.open);
    expect(await checks.checkRunning!(running, 100)).toBeUndefined();
    expect(await checks.checkRunning!(running, 100)).toBeUndefined();
    expect(await checks.checkStart!(running, 100)).toBeUndefined();
    expect(zk.sessions).toEqual([{ connect: '10.0.0.9:2181', alive: true, closed: 0, hang: false }]);
  });

  it('the session expired between checks → a new one, and the dead one closed', async () => {
    const zk = fakeZookeeper();
    const checks = createNimbusChecks(() => 0, zk.open);
    await checks.checkRunning!(running, 100);
    zk.sessions[0]!.alive = false;
    expect(await checks.checkRunning!(running, 100)).toBeUndefined();
    expect(zk.sessions.map((s) => [s.alive, s.closed])).toEqual([
      [false, 1],
      [true, 0],
    ]);
  });

  it('the ensemble changed → a session to the new connect string, the old one closed', async () => {
    const zk = fakeZookeeper();
    const checks = createNimbusChecks(() => 0, zk.open);
    await checks.checkRunning!(running, 100);
    await checks.checkRunning!(
      { ...running, zookeeper: { ...running.zookeeper, servers: ['10.0.0.9', '10.0.0.10'] } },
      100,
    );
    await Promise.resolve();
    expect(zk.sessions.map((s) => [s.connect, s.closed])).toEqual([
      ['10.0.0.9:2181', 1],
      ['10.0.0.9:2181,10.0.0.10:2181', 0],
    ]);
  });

  it('close() (instance removed, agent stopping) closes the session; the next check opens another', async () => {
    const zk = fakeZookeeper();
    const checks = createNimbusChecks(() => 0, zk.open);
    await checks.checkRunning!(running, 100);
    await checks.close();
    expect(zk.sessions[0]!.closed).toBe(1);
    await checks.checkRunning!(running, 100);
    expect(zk.sessions).toHaveLength(2);
  });

  it('a newer epoch in ZooKeeper still stops the nimbus at once on the kept session', async () => {
    const zk = fakeZookeeper({ epoch: 3, active: '10.0.0.1' });
    const checks = createNimbusChecks(() => 0, zk.open);
    expect(await checks.checkRunning!(running, 100)).toMatch(/^fenced: ZooKeeper holds epoch 3/);
    expect(await checks.checkStart!(running, 100)).toMatch(/^fenced: ZooKeeper holds epoch 3/);
    expect(zk.sessions).toHaveLength(1);
  });
});

describe('FenceSession', () => {
  it('a call that does not answer within the timeout fails the check and drops the session', async () => {
    const zk = fakeZookeeper();
    const session = new FenceSession(zk.open);
    const fs = await session.open('10.0.0.9:2181', '/storm-main', 20);
    await fs.read();
    zk.sessions[0]!.hang = true;
    await expect(fs.read()).rejects.toThrow('ZooKeeper 10.0.0.9:2181 did not answer within 20 ms');
    await Promise.resolve();
    expect(zk.sessions[0]!.closed).toBe(1);
    await expect(fs.read()).resolves.toMatchObject({ version: 0 });
    expect(zk.sessions).toHaveLength(2);
  });

  it('a session that cannot be opened fails the first call with the opening error', async () => {
    const session = new FenceSession(() => Promise.reject(new Error('did not connect within 20 ms')));
    const fs = await session.open('10.0.0.9:2181', '/storm-main', 20);
    await expect(fs.read()).rejects.toThrow('did not connect within 20 ms');
  });
});
