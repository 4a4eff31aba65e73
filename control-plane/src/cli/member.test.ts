/**
 * hactl restart|stop|start|files MEMBER and status HOST against the real control plane in-process
 * (real-cp.ts): what the CLI says and exits with, against what the control plane stored.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serviceKind } from '@hactl/shared';
import { applyZkMain, startRealControlPlane, zkMember, type RealControlPlane } from './real-cp.js';
import { parseMemberArg } from './commands/member.js';
import { formatUptime } from './commands/status.js';

let cp: RealControlPlane;

/** The members of zk-main (real-cp.ts applyZkMain) report; those in `down` do not answer. */
function report(down: string[] = []): void {
  for (const [host, id, mode] of [
    ['zk1', 'zk-main/zk-1', 'follower'],
    ['zk2', 'zk-main/zk-2', 'leader'],
    ['zk3', 'zk-main/zk-3', 'follower'],
  ] as const)
    cp.report(host, [
      zkMember(id, 100 + Number(id.at(-1)), mode, cp.clock.now, {
        ...(down.includes(id)
          ? { probe: { ok: false, serving: false, mode: 'unknown', error: 'refused' } }
          : {}),
      }),
    ]);
}

beforeEach(async () => {
  cp = startRealControlPlane();
  await applyZkMain(cp);
  report();
});
afterEach(() => cp.close());

describe('hactl member actions', () => {
  it('MEMBER must be CLUSTER/MEMBER: usage errors (exit 2) name what is wrong', async () => {
    expect(parseMemberArg('kafka-main/kafka-2')).toEqual({ cluster: 'kafka-main', member: 'kafka-2' });
    expect(() => parseMemberArg('zk-main')).toThrow(/CLUSTER\/MEMBER/);
    expect(() => parseMemberArg('ZK/zk-1')).toThrow(/not a cluster name/);
    expect(() => parseMemberArg('zk/a b')).toThrow(/not a member name/);
    expect((await cp.hactl('restart', 'zk-main')).code).toBe(2);
    expect((await cp.hactl('stop', 'zk-main/zk-1', '--force')).code).toBe(2);
  });

  it('restart explains the gates it waits for and where to follow it; an unknown member → exit 1, not found', async () => {
    const r = await cp.hactl('restart', 'zk-main/zk-1');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/restart of zk-main\/zk-1: rollout\/\w+/);
    expect(r.out).toMatch(/ok {3}cluster-healthy/);
    expect(r.out).toContain('hactl rollout status');
    expect(cp.agents.get('zk1')!.commands.map((c) => c.action)).toEqual(['restart']);
    const missing = await cp.hactl('restart', 'zk-main/zk-9');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/not found/);
  });

  it('stop refused while a member is down (exit 1, the gate and how to force); forced with a reason; start', async () => {
    report(['zk-main/zk-3']);
    const refused = await cp.hactl('stop', 'zk-main/zk-1');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('stop of zk-main/zk-1 refused: cluster-healthy');
    // The gate and its reason once: the message says them, so the details are not repeated under it.
    expect(refused.err.match(/cluster-healthy/g)).toHaveLength(1);
    const forced = await cp.hactl('stop', 'zk-main/zk-1', '--force', '--reason', 'disk swap');
    expect(forced.code, forced.err).toBe(0);
    expect(forced.out).toContain('zk-main/zk-1: stopped');
    const d = await cp.hactl('describe', 'cluster', 'zk-main');
    expect(d.out).toContain('stopped by admin (forced): disk swap');
    const start = await cp.hactl('start', 'zk-main/zk-1');
    expect(start.code).toBe(0);
    expect(start.out).toContain('zk-main/zk-1: running');
  });

  it('files: no drift → exit 0; a hand edit → exit 1 with the diff', async () => {
    const plan = cp.core.fleet.planCluster('zk-main').find((p) => p.id === 'zk-main/zk-1')!;
    const files = serviceKind('zookeeper')!.render(plan.inputs);
    let edit = (c: string) => c;
    cp.agents.get('zk1')!.onCommand = (cmd) =>
      cmd.action === 'files'
        ? {
            ok: true,
            error: '',
            output: JSON.stringify({
              instance: cmd.instanceId,
              files: files.map((f) => {
                const content = edit(f.content);
                const sha256 = createHash('sha256').update(content).digest('hex');
                return { path: f.path, exists: true, size: content.length, sha256, content };
              }),
            }),
          }
        : undefined;
    const clean = await cp.hactl('files', 'zk-main/zk-1');
    expect(clean.code, clean.err).toBe(0);
    expect(clean.out).toContain('no drift');
    edit = (c) => (c.includes('tickTime') ? `${c}maxClientCnxns=7\n` : c);
    const drift = await cp.hactl('files', 'zk-main/zk-1');
    expect(drift.code).toBe(1);
    expect(drift.out).toContain('DRIFTED');
    expect(drift.out).toContain('+maxClientCnxns=7');
  });

  it('status HOST: the agent answers its processes; the table shows pid and uptime', async () => {
    cp.agents.get('zk1')!.onCommand = (cmd) =>
      cmd.action === 'status'
        ? {
            ok: true,
            error: '',
            output: JSON.stringify({
              processes: [
                {
                  instance: 'zk-main/zk-1',
                  kind: 'zookeeper',
                  runState: 'running',
                  state: 'running',
                  pid: 101,
                  startedAt: cp.clock.now - 125_000,
                  restarts: 0,
                  adopted: false,
                  reason: '',
                },
              ],
            }),
          }
        : undefined;
    const r = await cp.hactl('status', 'zk1');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/zk-main\/zk-1\s+running\s+running\s+101\s+2m5s/);
    expect(formatUptime(3 * 86400 + 4 * 3600)).toBe('3d4h');
    expect(formatUptime(12)).toBe('12s');
  });
});
