import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { zkMember } from '../cli/real-cp.js';
import type { AgentCommand, AgentSession, Fleet } from '../reconcile/fleet.js';
import type { Core } from '../core.js';
import { createTestCore } from '../test-core.js';
import type { SqliteStore } from '../store/sqlite-store.js';
import { tempSqliteStore } from '../rollout/testing.js';
import { desiredJson } from '../reconcile/snapshot.js';

let store: SqliteStore;
let now = 1_800_000_000_000;
const sent: { host: string; cmd: AgentCommand }[] = [];
let ids = 0;

/** A control plane on SQLite with four connected agents h1..h4 (commands recorded per host). */
function world(): Core {
  const core = createTestCore(store, { now: () => now, leaseTtlMs: 60_000, newId: () => `m${++ids}` });
  for (const i of [1, 2, 3, 4]) {
    const session: AgentSession = {
      sendDesired() {},
      sendCommand: (cmd) => sent.push({ host: `h${i}`, cmd }),
      close() {},
    };
    core.fleet.connectAgent(
      { name: `h${i}`, address: `127.0.0.1${i}`, agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      session,
    );
  }
  return core;
}

const spec = (ids: number[]) => ({
  kind: 'zookeeper',
  distribution: { home: '/zk' },
  settings: {},
  allowEvenEnsemble: true,
  members: ids.map((i) => ({ host: `h${i}`, id: i })),
});

/** What a host's stored desired state lists: `zk/zk-N:<server ids>:<runState>`. */
function desired(fleet: Fleet, host: string): string[] {
  const stored = fleet.snapshot().desired.get(host);
  const json = stored ? desiredJson(stored) : '{"instances":[]}';
  return (
    JSON.parse(json) as {
      instances: { id: string; runState: string; inputs: { servers: { id: number }[] } }[];
    }
  ).instances.map((i) => `${i.id}:${i.inputs.servers.map((s) => s.id).join('')}:${i.runState}`);
}

/** The agent on `host` reports member `id` (a pid, a probe), now. */
function report(fleet: Fleet, host: string, id: string, pid: number, probe: Record<string, unknown>): void {
  const gen = fleet.snapshot().desired.get(host)?.generation ?? 0;
  const inst = zkMember(id, pid, 'follower', now, { probe });
  fleet.recordStatus(host, { appliedGeneration: gen, applyError: '', instances: [inst] });
}

let dispose: () => void;
beforeEach(() => {
  ({ store, dispose } = tempSqliteStore('hactl-membership-'));
  sent.length = 0;
});
afterEach(() => dispose());

describe('membership procedure in the control plane (SQLite, fake agents)', () => {
  it('zookeeper 1 → 3: the new members are held until their start step, one at a time (the issue-10 fault: both started at once)', async () => {
    const { fleet, changes, rollouts } = world();
    await changes.apply([{ name: 'zk', spec: spec([1]) }], { author: 't', message: '' }, { rollout: true });
    report(fleet, 'h1', 'zk/zk-1', 101, { ok: true, serving: true, mode: 'standalone' });
    const [applied] = await changes.apply(
      [{ name: 'zk', spec: spec([1, 2, 3]) }],
      { author: 't', message: '' },
      { rollout: true },
    );
    expect(applied!.rollout).toBe('m1');
    // Member 3 is not planned at all yet; member 1 has phase 1's list {1,2} (restart pending).
    expect(desired(fleet, 'h3')).toEqual([]);
    expect(desired(fleet, 'h1')).toEqual(['zk/zk-1:12:running']);
    expect(desired(fleet, 'h2')).toEqual([]);
    // Once member 1's agent applied its new files, the engine's pass finds the standalone member
    // healthy and starts member 2 (phase 1).
    report(fleet, 'h1', 'zk/zk-1', 101, { ok: true, serving: true, mode: 'standalone' });
    rollouts.tick();
    expect(desired(fleet, 'h2')).toEqual(['zk/zk-2:12:running']);
    expect(rollouts.view('m1').steps.map((s) => `${s.op} ${s.instance} ${s.state}`)).toEqual([
      'start zk/zk-2 requested',
      'restart zk/zk-1 pending',
      'start zk/zk-3 pending',
      'restart zk/zk-1 pending',
      'restart zk/zk-2 pending',
    ]);

    // Member 2 runs and answers (not serving: member 1 is still standalone): its start is done and
    // member 1 is asked to restart onto {1,2}; member 3 is still held.
    now += 1000;
    report(fleet, 'h2', 'zk/zk-2', 201, { ok: true, serving: false, mode: 'unknown' });
    rollouts.tick();
    expect(sent.map((s) => `${s.host} ${s.cmd.action} ${s.cmd.instanceId}`)).toEqual(['h1 restart zk/zk-1']);
    expect(desired(fleet, 'h3')).toEqual([]);
  });

  it('a start whose gates never hold pauses the procedure after the gate timeout, naming the gate; a resume waits again', async () => {
    const { fleet, changes, rollouts } = world();
    await changes.apply([{ name: 'zk', spec: spec([1]) }], { author: 't', message: '' }, { rollout: true });
    const [applied] = await changes.apply(
      [{ name: 'zk', spec: spec([1, 2, 3]) }],
      { author: 't', message: '' },
      { rollout: true },
    );
    const id = applied!.rollout!;
    // Member 1 never answers a probe: member 2's start gate (the cluster is healthy) cannot hold.
    rollouts.tick();
    expect(rollouts.view(id)).toMatchObject({ state: 'running' });
    now += 600_000;
    rollouts.tick();
    expect(rollouts.view(id)).toMatchObject({ state: 'running' });
    now += 1000;
    rollouts.tick();
    const paused = rollouts.view(id);
    expect(paused.state).toBe('paused');
    expect(paused.reason).toMatch(/^gate timeout after 600s on step 0 \(start zk\/zk-2\): /);
    expect(desired(fleet, 'h2')).toEqual([]);

    // Resumed: the timeout counts again from the resume, and the start goes out once the gate holds.
    rollouts.resume(id);
    now += 5000;
    rollouts.tick();
    expect(rollouts.view(id).state).toBe('running');
    report(fleet, 'h1', 'zk/zk-1', 101, { ok: true, serving: true, mode: 'standalone' });
    rollouts.tick();
    expect(desired(fleet, 'h2')).toEqual(['zk/zk-2:12:running']);
  });

  it('a removed member keeps running until its stop step, which its agent runs as a `remove` command (with force when asked)', async () => {
    const { fleet, changes, rollouts } = world();
    await changes.apply(
      [{ name: 'zk', spec: spec([1, 2, 3]) }],
      { author: 't', message: '' },
      { rollout: true },
    );
    const [applied] = await changes.apply(
      [{ name: 'zk', spec: spec([1, 2]) }],
      { author: 't', message: '' },
      { rollout: true, forceRemoval: true },
    );
    // Still planned on its old list {1,2,3}; the others already have {1,2}.
    expect(desired(fleet, 'h3')).toEqual(['zk/zk-3:123:running']);
    expect(desired(fleet, 'h1')).toEqual(['zk/zk-1:12:running']);
    // Handover first, then the restarts, then the stop.
    expect(rollouts.view(applied!.rollout!).steps.map((s) => `${s.op} ${s.instance}`)).toEqual([
      'handover zk/zk-3',
      'restart zk/zk-1',
      'restart zk/zk-2',
      'stop zk/zk-3',
    ]);
    // Mark everything before the stop done, as the agents would.
    for (const s of store.listRolloutSteps(applied!.rollout!).slice(0, 3))
      store.updateRolloutStep({ ...s, state: 'done', finished_at: now });
    rollouts.tick();
    expect(sent.at(-1)).toMatchObject({
      host: 'h3',
      cmd: { action: 'remove', instanceId: 'zk/zk-3', args: ['force'] },
    });
    // The agent's result finishes the step; the member leaves its host's desired state.
    fleet.recordCommandResult('h3', {
      id: sent.at(-1)!.cmd.id,
      ok: true,
      output: 'stopped under lease',
      error: '',
    });
    expect(desired(fleet, 'h3')).toEqual([]);
    expect(rollouts.view(applied!.rollout!).state).toBe('completed');
  });

  /**
   * zk of four members, zk-4 leading, changed to three: the procedure's handover of zk-4 is done
   * (zk-2 leads) and zk-1's restart onto {1,2,3} requested (`request`, the command sent). `lead`
   * makes every member report, `leader` leading, zk-1 on `zk1Pid` and serving unless `stranded`.
   */
  async function handedOverThenKeptRequested() {
    const w = world();
    const { fleet, changes, rollouts } = w;
    const meta = { author: 't', message: '' };
    const lead = (leader: number, zk1Pid = 101, stranded = false) => {
      for (const i of [1, 2, 3, 4]) {
        const id = `zk/zk-${i}`;
        const probe =
          i === 1 && stranded
            ? { ok: true, serving: false, mode: 'looking' }
            : i === leader
              ? { ok: true, serving: true, mode: 'leader', syncedFollowers: 3 }
              : { ok: true, serving: true, mode: 'follower' };
        const mode = i === leader ? 'leader' : 'follower';
        fleet.recordStatus(`h${i}`, {
          appliedGeneration: fleet.snapshot().desired.get(`h${i}`)?.generation ?? 0,
          applyError: '',
          instances: [zkMember(id, i === 1 ? zk1Pid : 100 + i, mode, now, { probe })],
        });
      }
    };
    await changes.apply([{ name: 'zk', spec: spec([1, 2, 3, 4]) }], meta, { rollout: true });
    lead(4);
    const [applied] = await changes.apply([{ name: 'zk', spec: spec([1, 2, 3]) }], meta, {
      rollout: true,
      forceRemoval: true,
    });
    const id = applied!.rollout!;
    const steps = () => rollouts.view(id).steps.map((s) => `${s.op} ${s.instance} ${s.state}`);
    // The handover is done (as its pass finds it once another member leads): zk-2 leads.
    const [handover] = store.listRolloutSteps(id);
    store.updateRolloutStep({ ...handover!, state: 'done', finished_at: now });
    now += 1000;
    lead(2);
    rollouts.tick();
    expect(steps().slice(0, 2)).toEqual(['handover zk/zk-4 done', 'restart zk/zk-1 requested']);
    const request = sent.at(-1)!;
    expect(request).toMatchObject({ host: 'h1', cmd: { instanceId: 'zk/zk-1' } });
    return { ...w, id, steps, lead, request };
  }

  it("a removed member that leads again after its handover: the kept member's restart is refused its lease, put back, and the handover done again first", async () => {
    const { rollouts, leases, steps, lead, request } = await handedOverThenKeptRequested();

    // zk-4 wins an election before zk-1's agent took its lease: restarted onto {1,2,3}, zk-1
    // could not follow it. Its lease is refused (not abandoned: the agent asks again)...
    now += 1000;
    lead(4);
    const refused = leases.acquire('h1', 'zk/zk-1', `command ${request.cmd.id}`);
    expect(refused.granted).toBe(false);
    expect(refused.reason).toBe(
      'waiting: zk/zk-4 leads again after its handover (step 0); zk/zk-1 restarts onto a member list without it only once another member leads',
    );
    // ...and the next pass puts it back and hands over again first.
    rollouts.tick();
    expect(steps().slice(0, 2)).toEqual(['handover zk/zk-4 requested', 'restart zk/zk-1 pending']);
    expect(sent.at(-1)).toMatchObject({ host: 'h4', cmd: { instanceId: 'zk/zk-4' } });
    expect(leases.acquire('h1', 'zk/zk-1', `command ${request.cmd.id}`).reason).toMatch(/^abandon: /);
  });

  it('a kept member restarted onto the new list just as the removed member leads again: its status line says why it cannot serve, and it is done once another member leads', async () => {
    const { rollouts, leases, id, steps, lead, request } = await handedOverThenKeptRequested();
    // zk-1's agent takes its lease and restarts it onto {1,2,3}; meanwhile zk-4 wins an election.
    const lease = leases.acquire('h1', 'zk/zk-1', `command ${request.cmd.id}`);
    expect(lease.granted).toBe(true);
    now += 1000;
    lead(4, 201, true);
    leases.release(lease.leaseId);
    rollouts.tick();
    // Half done: not put back; the status line says what it waits for and why it cannot serve.
    expect(steps().slice(0, 2)).toEqual(['handover zk/zk-4 done', 'restart zk/zk-1 requested']);
    expect(rollouts.view(id).current?.waitingFor).toContain(
      "zk/zk-4 leads again after its handover (step 0), and a member on this phase's member list " +
        'cannot follow it: it rejoins once another member leads; the step fails in ',
    );
    // Another member leads (here: zk-4 handed over after all): zk-1 follows and serves, done.
    now += 1000;
    lead(2, 201);
    rollouts.tick();
    expect(steps()[1]).toBe('restart zk/zk-1 done');
  });

  it('a procedure cannot be aborted, and a second change waits for it', async () => {
    const { changes, rollouts } = world();
    await changes.apply(
      [{ name: 'zk', spec: spec([1, 2, 3]) }],
      { author: 't', message: '' },
      { rollout: true },
    );
    const [applied] = await changes.apply(
      [{ name: 'zk', spec: spec([1, 2, 3, 4]) }],
      { author: 't', message: '' },
      { rollout: true },
    );
    expect(() => rollouts.abort(applied!.rollout!)).toThrow(/cannot be aborted half-way/);
    await expect(
      changes.apply([{ name: 'zk', spec: spec([1, 2, 3]) }], { author: 't', message: '' }, { rollout: true }),
    ).rejects.toThrow(new RegExp(`has rollout ${applied!.rollout!}`));
  });
});
