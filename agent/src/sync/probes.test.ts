import { describe, expect, it } from 'vitest';
import { InstanceProbes, type ProbedInstance } from './probes.js';

describe('one prober per instance, closed when the instance goes', () => {
  function setup() {
    const made: string[] = [];
    const closed: string[] = [];
    const pids = new Map([
      ['zk/zk-1', 101],
      ['zk/zk-2', 102],
    ]);
    const running = (id: string) => ({ status: () => ({ pid: pids.get(id) }) });
    const instances = new Map<string, ProbedInstance>([
      ['zk/zk-1', { spec: { kind: 'zookeeper', inputs: { n: 1 } }, supervisor: running('zk/zk-1') }],
      ['zk/zk-2', { spec: { kind: 'zookeeper', inputs: { n: 2 } }, supervisor: running('zk/zk-2') }],
    ]);
    // A probe's answer comes when the test says (`answer()`), so a restart can happen while it runs.
    let hold: Promise<void> | undefined;
    let answer = (): void => {};
    let count = 0;
    let clock = 77;
    const probes = new InstanceProbes({
      instances: { instances },
      kindOf: (kind) =>
        kind === 'zookeeper'
          ? {
              createProber: () => {
                const me = `p${++count}`;
                made.push(me);
                return {
                  probe: async (inputs) => {
                    await hold;
                    return { ok: true, by: me, inputs };
                  },
                  close: () => {
                    closed.push(me);
                    return Promise.resolve();
                  },
                };
              },
            }
          : undefined,
      timeoutMs: 1000,
      now: () => clock,
    });
    const holdNext = () => {
      hold = new Promise((resolve) => (answer = resolve));
    };
    return {
      probes,
      instances,
      made,
      closed,
      pids,
      holdNext,
      /** Later probes answer at once again (those already held still wait for `answer`). */
      unhold: () => (hold = undefined),
      answer: () => answer(),
      setNow: (ms: number) => (clock = ms),
    };
  }

  it('probing twice → the same prober; the result is recorded as the last probe', async () => {
    const s = setup();
    await s.probes.probe('zk/zk-1');
    expect(await s.probes.probe('zk/zk-1')).toEqual({ ok: true, by: 'p1', inputs: { n: 1 } });
    expect(s.made).toEqual(['p1']);
    expect(s.instances.get('zk/zk-1')?.lastProbe).toEqual({
      at: 77,
      result: { ok: true, by: 'p1', inputs: { n: 1 } },
      pid: 101,
    });
  });

  it('the process restarted while a probe ran → the result is tagged with the pid it began on', async () => {
    const s = setup();
    s.holdNext();
    const running = s.probes.probe('zk/zk-1');
    s.pids.set('zk/zk-1', 201);
    s.answer();
    await running;
    // The reporter sends a probe only while its pid runs (reporter.test.ts), so this one is not sent.
    expect(s.instances.get('zk/zk-1')?.lastProbe?.pid).toBe(101);
  });

  it('each probe is stamped with when it began; one that began before the recorded one does not replace it', async () => {
    const s = setup();
    s.holdNext();
    s.setNow(10);
    const slow = s.probes.probe('zk/zk-1');
    s.unhold();
    s.setNow(20);
    await s.probes.probe('zk/zk-1');
    expect(s.instances.get('zk/zk-1')?.lastProbe?.at).toBe(20);
    s.setNow(30);
    s.answer();
    await slow;
    expect(s.instances.get('zk/zk-1')?.lastProbe?.at).toBe(20);
    // The order is the order they began in: a clock stepped back does not freeze the record.
    s.setNow(5);
    await s.probes.probe('zk/zk-1');
    expect(s.instances.get('zk/zk-1')?.lastProbe?.at).toBe(5);
  });

  it('an instance removed → its prober (and its connections) closed on prune, the others kept', async () => {
    const s = setup();
    await s.probes.probe('zk/zk-1');
    await s.probes.probe('zk/zk-2');
    s.instances.delete('zk/zk-1');
    await s.probes.prune();
    expect(s.closed).toEqual(['p1']);
    await s.probes.probe('zk/zk-2');
    expect(s.made).toEqual(['p1', 'p2']);
  });

  it('the agent stopping → every prober closed', async () => {
    const s = setup();
    await s.probes.probe('zk/zk-1');
    await s.probes.probe('zk/zk-2');
    await s.probes.closeAll();
    expect(s.closed.sort()).toEqual(['p1', 'p2']);
  });

  it('an instance of a kind this agent does not have → no probe, nothing recorded', async () => {
    const s = setup();
    s.instances.set('x/y', { spec: { kind: 'cassandra', inputs: {} }, supervisor: { status: () => ({}) } });
    expect(await s.probes.probe('x/y')).toBeUndefined();
    expect(s.instances.get('x/y')?.lastProbe).toBeUndefined();
  });
});
