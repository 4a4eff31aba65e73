import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { nullLogger, type ProcessPlan } from '@hactl/shared';
import {
  InstanceManager,
  needsRestartFor,
  type InstanceManagerOptions,
  type RunningRecord,
} from './instances.js';
import { agentServiceKind } from '../services/registry.js';
import type { InstanceChecks } from '../services/types.js';
import type { DesiredInstance } from './diff.js';

const plan = (home: string): ProcessPlan => ({
  command: `${home}/bin/zkServer.sh`,
  args: [],
  env: {},
  cwd: '/d',
  adoptMatch: [],
  stopGraceMs: 1,
  dirs: [],
  logFile: '/d/out',
});
const spec = (tick: string, kind = 'zookeeper'): DesiredInstance => ({
  id: 'zk/zk-1',
  cluster: 'zk',
  kind,
  role: 'member',
  runState: 'running',
  inputs: { tick },
});
const running = (tick: string, home = '/zk'): RunningRecord => ({ inputs: { tick }, plan: plan(home) });

/** A manager whose state lives in `dir`, its processes started with this test's PATH. */
const managerIn = (dir: string, o: Partial<InstanceManagerOptions> = {}) =>
  new InstanceManager({
    stateDir: path.join(dir, 'state'),
    logger: nullLogger,
    logMaxBytes: 1 << 20,
    supervisor: {},
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    onChange: () => undefined,
    ...o,
  });

/** ZooKeeper member zk/zk-1 with its files under `dir`/m, run from `home` (installed from `package`). */
const zkMember = (
  dir: string,
  o: { home: string; config?: Record<string, string>; package?: Record<string, string> },
) =>
  InstanceManager.checkInputs({
    id: 'zk/zk-1',
    cluster: 'zk',
    kind: 'zookeeper',
    role: 'member',
    runState: 'running',
    inputs: {
      cluster: 'zk',
      myid: 1,
      address: '127.0.0.1',
      clientPort: 2181,
      peerPort: 2888,
      electionPort: 3888,
      adminPort: 0,
      confDir: `${dir}/m/conf`,
      dataDir: `${dir}/m/data`,
      logDir: `${dir}/m/logs`,
      servers: [],
      config: o.config ?? {},
      jvmFlags: [],
      home: o.home,
      ...(o.package ? { package: o.package } : {}),
    },
  });

describe('restart pending: judged against what the process was started with', () => {
  it.each<[string, RunningRecord | undefined, DesiredInstance, ProcessPlan, boolean]>([
    ['new config → pending', running('2000'), spec('500'), plan('/zk'), true],
    [
      'rolled back to the config the process runs (its files were rewritten twice) → not pending',
      running('2000'),
      spec('2000'),
      plan('/zk'),
      false,
    ],
    [
      'same inputs, launched differently (a new agent or distribution) → pending',
      running('2000', '/zk'),
      spec('2000'),
      plan('/zk-3.9'),
      true,
    ],
    ['nothing known about the process → not pending', undefined, spec('500'), plan('/zk'), false],
    [
      'a new agent that also names the service log, checks more before a restart and waits longer → not pending',
      running('2000', '/zk'),
      spec('2000'),
      {
        ...plan('/zk'),
        serviceLogFiles: ['/d/zk.log'],
        requiredPaths: ['/zk/lib'],
        stopGraceMs: 30_000,
        adoptMatch: ['zk'],
        restartKeepsChildren: true,
      },
      false,
    ],
    // Elasticsearch reads cluster.initial_master_nodes only at the first election: the kind says no restart.
    [
      'the kind says the change needs no restart → not pending',
      { inputs: { initialMasterNodes: ['a'] }, plan: plan('/es') },
      { ...spec('x', 'elasticsearch'), inputs: {} },
      plan('/es'),
      false,
    ],
  ])('%s', (_scenario, run, desired, p, pending) => {
    expect(needsRestartFor(run, desired, p)).toBe(pending);
  });
});

describe('a restart onto a distribution that is not there (issue 17 #1)', () => {
  it('is refused before the running process is stopped; the member keeps running and reports why', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-inst-'));
    // A stand-in for zkServer.sh: stays up like a server would.
    fs.mkdirSync(path.join(dir, 'zk/bin'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'zk/bin/zkServer.sh'), '#!/bin/sh\nexec sleep 300\n', { mode: 0o755 });
    let changes = 0;
    const manager = managerIn(dir, { onChange: () => changes++ });
    const member = (home: string) => zkMember(dir, { home });
    try {
      await manager.add(member(`${dir}/zk`));
      const m = manager.instances.get('zk/zk-1')!;
      const pid = m.supervisor.status().pid;
      expect(m.supervisor.status().state).toBe('running');

      await manager.update(member(`${dir}/zk-3.9`));
      expect(m.restartPending).toBe(true);
      expect(m.blocked).toBe(`${dir}/zk-3.9/bin/zkServer.sh does not exist`);

      await expect(manager.restart('zk/zk-1')).rejects.toThrow(
        `not restarted, the running process was left alone: ${dir}/zk-3.9/bin/zkServer.sh does not exist`,
      );
      expect(m.supervisor.status()).toMatchObject({ state: 'running', pid });
      expect(m.restartPending).toBe(true);

      // Should the old process die on its own, the supervisor brings it back on the launch that works.
      process.kill(pid!, 'SIGKILL');
      const deadline = Date.now() + 15_000;
      while (!(m.supervisor.status().state === 'running' && m.supervisor.status().pid !== pid)) {
        if (Date.now() > deadline)
          throw new Error(`not restarted after a crash: ${JSON.stringify(m.supervisor.status())}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // The stand-in is /bin/sh until it reaches its `exec sleep`; under load that takes a while.
      const restarted = m.supervisor.status().pid;
      await vi.waitFor(
        () => expect(fs.readFileSync(`/proc/${restarted}/cmdline`, 'utf8')).toContain('sleep'),
        {
          timeout: 10_000,
        },
      );
      expect(m.launch.plan.command).toBe(`${dir}/zk/bin/zkServer.sh`);
      expect(m.restartPending).toBe(true);

      // Rolled back to what runs: nothing pending, nothing blocked, no restart.
      await manager.update(member(`${dir}/zk`));
      expect(m.restartPending).toBe(false);
      expect(m.blocked).toBeUndefined();
      expect(m.supervisor.status().state).toBe('running');
      expect(changes).toBeGreaterThan(0);
    } finally {
      await manager.remove('zk/zk-1');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('restart pending after a change is reverted (issue 16 #8)', () => {
  it('a config change marks the running member restart pending; reverting it clears that without a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-revert-'));
    fs.mkdirSync(path.join(dir, 'zk/bin'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'zk/bin/zkServer.sh'), '#!/bin/sh\nexec sleep 300\n', { mode: 0o755 });
    const manager = managerIn(dir);
    const member = (config: Record<string, string>) => zkMember(dir, { home: `${dir}/zk`, config });
    try {
      await manager.add(member({ tickTime: '2000' }));
      const m = manager.instances.get('zk/zk-1')!;
      const pid = m.supervisor.status().pid;
      expect(m.restartPending).toBe(false);
      await manager.update(member({ tickTime: '500' }));
      expect(fs.readFileSync(`${dir}/m/conf/zoo.cfg`, 'utf8')).toContain('tickTime=500');
      expect(m.restartPending).toBe(true);
      await manager.update(member({ tickTime: '2000' }));
      expect(fs.readFileSync(`${dir}/m/conf/zoo.cfg`, 'utf8')).toContain('tickTime=2000');
      expect(m.restartPending).toBe(false);
      expect(m.supervisor.status()).toMatchObject({ state: 'running', pid });

      // Changed again, then the process dies on its own: the supervisor's crash restart starts it on
      // the new files, so it no longer needs a restart (issue 10).
      await manager.update(member({ tickTime: '700' }));
      expect(m.restartPending).toBe(true);
      process.kill(pid!, 'SIGKILL');
      const deadline = Date.now() + 15_000;
      while (!(m.supervisor.status().state === 'running' && m.supervisor.status().pid !== pid)) {
        if (Date.now() > deadline) throw new Error(`not restarted: ${JSON.stringify(m.supervisor.status())}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(m.running?.inputs).toMatchObject({ config: { tickTime: '700' } });
      expect(m.restartPending).toBe(false);
    } finally {
      await manager.remove('zk/zk-1');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a config file edited on the host is written back before the process starts again', () => {
  it.each(['a restart under lease', 'a restart after a crash'] as const)('%s', async (how) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-edited-'));
    fs.mkdirSync(path.join(dir, 'zk/bin'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'zk/bin/zkServer.sh'), '#!/bin/sh\nexec sleep 300\n', { mode: 0o755 });
    const warnings: string[] = [];
    const logger = { ...nullLogger, warn: (_o: unknown, msg?: string) => void warnings.push(msg ?? '') };
    const manager = managerIn(dir, { logger: logger as typeof nullLogger });
    const cfg = `${dir}/m/conf/zoo.cfg`;
    try {
      await manager.add(zkMember(dir, { home: `${dir}/zk`, config: { tickTime: '2000' } }));
      const m = manager.instances.get('zk/zk-1')!;
      const pid = m.supervisor.status().pid!;
      const rendered = fs.readFileSync(cfg, 'utf8');
      fs.writeFileSync(cfg, `${rendered}maxClientCnxns=7\n`);
      if (how === 'a restart under lease') await manager.restart('zk/zk-1');
      else process.kill(pid, 'SIGKILL');
      const deadline = Date.now() + 15_000;
      while (!(m.supervisor.status().state === 'running' && m.supervisor.status().pid !== pid)) {
        if (Date.now() > deadline) throw new Error(`not restarted: ${JSON.stringify(m.supervisor.status())}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(fs.readFileSync(cfg, 'utf8')).toBe(rendered);
      expect(warnings).toEqual([
        'config file differed from what hactl rendered (edited on the host?); written back before start',
      ]);
      expect(m.restartPending).toBe(false);
    } finally {
      await manager.remove('zk/zk-1');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("an instance's kind checks (the Storm nimbus fence keeps its ZooKeeper session in them)", () => {
  it('made once per instance, used before its start and while it runs, closed when it is removed or the agent stops', async () => {
    const calls: string[] = [];
    let made = 0;
    // The real ZooKeeper kind, with checks that record their calls.
    const kindOf = (kind: string) => {
      const real = agentServiceKind(kind);
      return (
        real && {
          ...real,
          createChecks: (): InstanceChecks => {
            const n = ++made;
            const record = (what: string) => (calls.push(`${what} ${n}`), Promise.resolve(undefined));
            return {
              checkStart: () => record('start'),
              checkRunning: () => record('running'),
              close: () => record('close'),
            };
          },
        }
      );
    };
    for (const end of ['removed', 'agent stopped'] as const) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-checks-'));
      fs.mkdirSync(path.join(dir, 'zk/bin'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'zk/bin/zkServer.sh'), '#!/bin/sh\nexec sleep 300\n', { mode: 0o755 });
      const manager = managerIn(dir, { kindOf });
      await manager.add(zkMember(dir, { home: `${dir}/zk` }));
      const pid = manager.instances.get('zk/zk-1')!.supervisor.status().pid;
      expect(await manager.enforceRunningChecks()).toEqual([]);
      expect(await manager.enforceRunningChecks()).toEqual([]);
      if (end === 'removed') await manager.remove('zk/zk-1');
      else {
        await manager.dispose();
        // The service outlives the agent; this test ends it.
        process.kill(pid!, 'SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(calls).toEqual([
      'start 1',
      'running 1',
      'running 1',
      'close 1',
      'start 2',
      'running 2',
      'running 2',
      'close 2',
    ]);
  });
});

describe('a package from a host this agent does not allow (issue 16 #5)', () => {
  it.each<[string, string[], { ok: boolean; packageMissing: boolean; problems: RegExp | string[] }]>([
    [
      'not on the --package-host list → the dry run hears it cannot start here',
      ['mirror.example.net'],
      {
        ok: false,
        packageMissing: false,
        problems:
          /^package https:\/\/downloads\.apache\.org\/zk\.tgz cannot be downloaded here: downloads\.apache\.org is not one of this agent's package hosts/,
      },
    ],
    [
      'on the list → just not downloaded yet',
      ['downloads.apache.org'],
      {
        ok: false,
        packageMissing: true,
        problems: [
          'package https://downloads.apache.org/zk.tgz is not downloaded and verified in /d/distributions/zookeeper/aaaaaaaaaaaaaaaa',
        ],
      },
    ],
  ])('%s', async (_s, allowedHosts, expected) => {
    const manager = new InstanceManager({
      stateDir: '/nonexistent',
      logger: nullLogger,
      logMaxBytes: 1,
      supervisor: {},
      baseEnv: {},
      download: { allowedHosts },
      onChange: () => undefined,
    });
    const dir = '/d/distributions/zookeeper/aaaaaaaaaaaaaaaa';
    const spec = zkMember('/d', {
      home: dir,
      package: { url: 'https://downloads.apache.org/zk.tgz', sha512: 'a'.repeat(128), dir },
    });
    const check = await manager.checkStartable(spec);
    expect(check.ok).toBe(expected.ok);
    expect(check.packageMissing).toBe(expected.packageMissing);
    if (Array.isArray(expected.problems)) expect(check.problems).toEqual(expected.problems);
    else expect(check.problems.join('; ')).toMatch(expected.problems);
  });
});
