import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordingLogger } from '@hactl/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePidRecord, renderPidRecord } from './pid-file.js';
import { testRestartPolicy } from './policy.js';
import {
  ProcessSupervisor,
  type ProcessSpec,
  type SupervisorOptions,
  type SupervisorStatus,
} from './process-supervisor.js';
import { probeProcessAlive, readProcStat } from './proc.js';
import type { SpawnFn } from './spawn.js';

// A stand-in service: logs "ready" once its handlers are installed (so tests never race a signal
// against handler setup), writes "usr1" on SIGUSR1, optionally ignores SIGTERM, optionally writes a
// burst of output at start.
const SERVICE_JS = `
const ignoreTerm = process.argv.includes('--ignore-term');
const burst = process.argv.find((a) => a.startsWith('--burst='));
if (ignoreTerm) process.on('SIGTERM', () => process.stdout.write('term ignored\\n'));
process.on('SIGUSR1', () => process.stdout.write('usr1\\n'));
if (burst) process.stdout.write('x'.repeat(Number(burst.slice(8))) + '\\n');
process.stdout.write('ready\\n');
setInterval(() => {}, 1 << 30);
`;

let dir: string;
let script: string;
const pids = new Set<number>();
const supervisors: ProcessSupervisor[] = [];
let spawnCount = 0;

const trackingSpawn: SpawnFn = (command, args, options) => {
  spawnCount++;
  const child = nodeSpawn(command, args, options);
  if (child.pid !== undefined) pids.add(child.pid);
  return child;
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hactl-sup-'));
  script = join(dir, 'service.js');
  await writeFile(script, SERVICE_JS);
  spawnCount = 0;
});

afterEach(async () => {
  for (const s of supervisors.splice(0)) s.dispose();
  for (const pid of pids) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  pids.clear();
  await rm(dir, { recursive: true, force: true });
});

function specFor(extraArgs: string[] = [], over: Partial<ProcessSpec> = {}): ProcessSpec {
  return {
    instanceId: 'test/1',
    command: process.execPath,
    args: [script, ...extraArgs],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    cwd: dir,
    pidFile: join(dir, 'run', 'test-1.pid'),
    logFile: join(dir, 'log', 'test-1.log'),
    logMaxBytes: 1024 * 1024,
    stopGraceMs: 5_000,
    ...over,
  };
}

function supervise(spec: ProcessSpec, opts: SupervisorOptions = {}): ProcessSupervisor {
  const s = new ProcessSupervisor(spec, {
    policy: testRestartPolicy(),
    spawn: trackingSpawn,
    pollIntervalMs: 20,
    stopPollIntervalMs: 10,
    ...opts,
  });
  supervisors.push(s);
  return s;
}

async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const readText = async (p: string) => (existsSync(p) ? readFile(p, 'utf8') : '');
const count = (text: string, word: string) => text.split('\n').filter((l) => l === word).length;
const alive = async (pid: number) => {
  const st = await readProcStat(pid);
  return st !== undefined && st.state !== 'Z';
};

/** Waits until the service has logged "ready" `n` times (once per start). */
const waitReady = (spec: ProcessSpec, n = 1) =>
  waitFor(`ready ×${n}`, async () => count(await readText(spec.logFile), 'ready') >= n);

describe('ProcessSupervisor', () => {
  it('start → running, detached in its own group, output in the log file, pid file with /proc start time', async () => {
    const spec = specFor();
    const sup = supervise(spec);
    const st = await sup.start();
    expect(st).toMatchObject({ state: 'running', adopted: false, restarts: 0 });
    const pid = st.pid ?? -1;
    await waitReady(spec);

    const proc = await readProcStat(pid);
    expect(proc?.pgrp).toBe(pid);
    const parsed = parsePidRecord(await readFile(spec.pidFile, 'utf8'));
    expect(parsed).toEqual({
      record: {
        pid,
        startTime: proc?.startTime,
        command: spec.command,
        args: spec.args,
        instanceId: 'test/1',
      },
    });
  });

  it('start twice → one process', async () => {
    const sup = supervise(specFor());
    const a = await sup.start();
    const b = await sup.start();
    expect(b.pid).toBe(a.pid);
    expect(spawnCount).toBe(1);
  });

  it('killed with SIGKILL → crashed → restarted with a new pid, restarts = 1', async () => {
    const spec = specFor();
    const sup = supervise(spec);
    const states: SupervisorStatus[] = [];
    sup.onChange((s) => states.push(s));
    const first = (await sup.start()).pid ?? -1;
    await waitReady(spec);

    process.kill(first, 'SIGKILL');
    await waitFor('restart', () => sup.status().state === 'running' && sup.status().restarts === 1);

    const st = sup.status();
    expect(st.pid).not.toBe(first);
    expect(st.lastExit).toMatchObject({ code: null, signal: 'SIGKILL' });
    const crashed = states.find((s) => s.state === 'crashed');
    expect(crashed?.reason).toMatch(/killed by SIGKILL/);
    expect(crashed?.nextRestartAt).toBeTypeOf('number');
    expect(states.map((s) => s.state)).toEqual([
      'starting',
      'running',
      'crashed',
      'crashed',
      'starting',
      'running',
    ]);
    await waitReady(spec, 2);
    expect(parsePidRecord(await readFile(spec.pidFile, 'utf8'))).toMatchObject({ record: { pid: st.pid } });
  });

  it('recovering: from an unexpected exit until a run lasts resetAfterMs (1 s in the test policy); a stop ends it', async () => {
    const spec = specFor();
    let t = 1_000_000;
    const sup = supervise(spec, { now: () => t });
    const first = (await sup.start()).pid ?? -1;
    await waitReady(spec);
    expect(sup.status().recovering).toBe(false);
    process.kill(first, 'SIGKILL');
    await waitFor('restart', () => sup.status().state === 'running' && sup.status().restarts === 1);
    expect(sup.status()).toMatchObject({ recovering: true, crashLoop: false });
    t += 999;
    expect(sup.status().recovering).toBe(true);
    t += 1;
    expect(sup.status().recovering).toBe(false);
    // A crash again, then an intended stop: nothing is recovering any more.
    process.kill(sup.status().pid!, 'SIGKILL');
    await waitFor('restart', () => sup.status().state === 'running' && sup.status().restarts === 2);
    expect(sup.status().recovering).toBe(true);
    expect(await sup.stop()).toMatchObject({ state: 'stopped', recovering: false });
  });

  it('stop → SIGTERM, pid file removed, stopped, not restarted', async () => {
    const spec = specFor();
    const sup = supervise(spec);
    const pid = (await sup.start()).pid ?? -1;
    await waitReady(spec);

    const st = await sup.stop();
    expect(st).toMatchObject({ state: 'stopped', restarts: 0, lastExit: { signal: 'SIGTERM' } });
    expect(st.pid).toBeUndefined();
    expect(await alive(pid)).toBe(false);
    expect(existsSync(spec.pidFile)).toBe(false);
    expect(spawnCount).toBe(1);
  });

  it('stop with a process that ignores SIGTERM → SIGKILL after the grace period', async () => {
    const spec = specFor(['--ignore-term'], { stopGraceMs: 200 });
    const records: { level: string; msg: string; obj: object }[] = [];
    const sup = supervise(spec, { logger: recordingLogger(records) });
    const pid = (await sup.start()).pid ?? -1;
    await waitReady(spec);

    const st = await sup.stop();
    expect(st).toMatchObject({ state: 'stopped', lastExit: { signal: 'SIGKILL' } });
    expect(await alive(pid)).toBe(false);
    expect(await readText(spec.logFile)).toContain('term ignored');
    expect(records.find((r) => r.msg === 'stop_grace_expired_killing')?.obj).toMatchObject({
      instance: 'test/1',
      pid,
    });
  });

  it('stop of a suspended process (SIGSTOP) → SIGTERM then SIGCONT: it shuts down on SIGTERM, no SIGKILL', async () => {
    // A grace far longer than the test's own timeout: if the SIGTERM stayed pending in the stopped
    // process, only the SIGKILL after the grace could end it, and the test would time out.
    const spec = specFor([], { stopGraceMs: 600_000 });
    const records: { level: string; msg: string; obj: object }[] = [];
    const sup = supervise(spec, { logger: recordingLogger(records) });
    const pid = (await sup.start()).pid ?? -1;
    await waitReady(spec);
    process.kill(pid, 'SIGSTOP');
    await waitFor('the process to be stopped', async () => (await readProcStat(pid))?.state === 'T');

    const st = await sup.stop();
    expect(st).toMatchObject({ state: 'stopped', lastExit: { signal: 'SIGTERM' } });
    expect(await alive(pid)).toBe(false);
    expect(records.map((r) => r.msg)).not.toContain('stop_grace_expired_killing');
  });

  it('stop kills the whole process group (wrapper script and its children)', async () => {
    const childPidFile = join(dir, 'child.pid');
    const spec = specFor([], {
      command: '/bin/sh',
      args: ['-c', `sleep 1000 & echo $! > ${childPidFile}; wait`],
    });
    const sup = supervise(spec);
    await sup.start();
    await waitFor('grandchild pid', async () => (await readText(childPidFile)).trim() !== '');
    const grandchild = Number((await readText(childPidFile)).trim());
    pids.add(grandchild);
    expect(await alive(grandchild)).toBe(true);

    await sup.stop();
    await waitFor('grandchild gone', async () => !(await alive(grandchild)));
  });

  it('restartKeepsChildren: a restart (asked for, or after a crash) leaves the children running; a stop still ends them', async () => {
    const childPidFile = join(dir, 'child.pid');
    // Like Storm's supervisor and its workers: the child is started once and outlives restarts.
    const script = `[ -s ${childPidFile} ] || { sleep 1000 & echo $! > ${childPidFile}; }; exec sleep 1000`;
    const spec = specFor([], { command: '/bin/sh', args: ['-c', script], restartKeepsChildren: true });
    const sup = supervise(spec);
    const first = (await sup.start()).pid;
    await waitFor('child pid', async () => (await readText(childPidFile)).trim() !== '');
    const child = Number((await readText(childPidFile)).trim());
    pids.add(child);

    await sup.stop({ forRestart: true });
    const second = (await sup.restart()).pid;
    expect(second).not.toBe(first);
    expect(await alive(child)).toBe(true);

    process.kill(second!, 'SIGKILL');
    await waitFor(
      'the automatic restart',
      () => sup.status().restarts >= 1 && sup.status().state === 'running',
    );
    expect(await alive(child)).toBe(true);

    // The child stays in the first process's group, which a stop of a later process cannot reach
    // by group: the lab and the sandbox end such leftovers by their command line.
    expect((await sup.stop()).state).toBe('stopped');
  });

  it('restart() → new pid, not counted as an automatic restart', async () => {
    const spec = specFor();
    const sup = supervise(spec);
    const first = (await sup.start()).pid;
    const st = await sup.restart();
    expect(st).toMatchObject({ state: 'running', restarts: 0 });
    expect(st.pid).not.toBe(first);
  });

  it('a new supervisor adopts the running process (no spawn), then sees its death by polling and restarts it', async () => {
    const spec = specFor();
    const first = supervise(spec);
    const pid = (await first.start()).pid ?? -1;
    await waitReady(spec);
    first.dispose();
    spawnCount = 0;

    const second = supervise(spec);
    const st = await second.start();
    expect(st).toMatchObject({ state: 'running', pid, adopted: true, restarts: 0 });
    expect(st.startedAt).toBeLessThanOrEqual(Date.now());
    expect(spawnCount).toBe(0);

    process.kill(pid, 'SIGKILL');
    await waitFor(
      'restart after adopted death',
      () => second.status().state === 'running' && second.status().restarts === 1,
    );
    const after = second.status();
    expect(after.pid).not.toBe(pid);
    expect(after.adopted).toBe(false);
    // Not our child: the exit status of an adopted process is unknowable.
    expect(after.lastExit).toMatchObject({ code: null, signal: null });
    expect(spawnCount).toBe(1);
  });

  it('stop() of an adopted process → terminated and not restarted', async () => {
    const spec = specFor();
    const first = supervise(spec);
    const pid = (await first.start()).pid ?? -1;
    await waitReady(spec);
    first.dispose();

    const second = supervise(spec, { pollIntervalMs: 60_000 });
    expect(await second.adopt()).toMatchObject({ state: 'running', adopted: true, pid });
    expect(await second.stop()).toMatchObject({ state: 'stopped' });
    expect(await alive(pid)).toBe(false);
    expect(existsSync(spec.pidFile)).toBe(false);
  });

  it('adopt() with no pid file → stays stopped, spawns nothing', async () => {
    const st = await supervise(specFor()).adopt();
    expect(st).toMatchObject({ state: 'stopped', adopted: false });
    expect(spawnCount).toBe(0);
  });

  it('service that keeps exiting with code 3 → crash loop reported, still retried', async () => {
    const spec = specFor([], { command: '/bin/sh', args: ['-c', 'exit 3'] });
    const sup = supervise(spec, { policy: { ...testRestartPolicy(), maxRestartsInWindow: 2 } });
    await sup.start();
    await waitFor('crash loop', () => sup.status().crashLoop);
    expect(sup.status()).toMatchObject({ state: 'crashed', lastExit: { code: 3, signal: null } });
    expect(sup.status().reason).toMatch(/crash loop: 3 exits/);
    await waitFor('retry in the loop', () => sup.status().restarts >= 4);
    expect(await sup.stop()).toMatchObject({ state: 'stopped', crashLoop: false });
  });

  it('stale pid file: the recorded process is dead → fresh start', async () => {
    const spec = specFor();
    const dead = nodeSpawn('/bin/true');
    const deadPid = dead.pid ?? -1;
    await new Promise((r) => dead.once('exit', r));
    await stalePidFile(spec, { pid: deadPid, startTime: 1 });

    const st = await supervise(spec).start();
    expect(st).toMatchObject({ state: 'running', adopted: false });
    expect(st.pid).not.toBe(deadPid);
    expect(spawnCount).toBe(1);
  });

  it('stale pid file: pid reused by another process (start time differs) → fresh start, the other process untouched', async () => {
    const spec = specFor();
    const other = await startUnrelated();
    const otherStat = await readProcStat(other.pid ?? -1);
    await stalePidFile(spec, { pid: other.pid ?? -1, startTime: (otherStat?.startTime ?? 0) - 1 });

    const st = await supervise(spec).start();
    expect(st).toMatchObject({ state: 'running', adopted: false });
    expect(st.pid).not.toBe(other.pid);
    expect(await alive(other.pid ?? -1)).toBe(true);
  });

  it('pid file pointing at a live process whose argv lacks the spec args → fresh start, the other process untouched', async () => {
    const spec = specFor();
    const other = await startUnrelated();
    const otherStat = await readProcStat(other.pid ?? -1);
    await stalePidFile(spec, { pid: other.pid ?? -1, startTime: otherStat?.startTime ?? -1 });

    const st = await supervise(spec).start();
    expect(st).toMatchObject({ state: 'running', adopted: false });
    expect(await alive(other.pid ?? -1)).toBe(true);
  });

  it('log above logMaxBytes → copied to .1 and truncated; the service keeps appending from offset 0', async () => {
    const spec = specFor(['--burst=5000'], { logMaxBytes: 1000 });
    const sup = supervise(spec, { logCapIntervalMs: 20 });
    const pid = (await sup.start()).pid ?? -1;
    await waitFor('rotation', async () => (await readText(`${spec.logFile}.1`)).length > 1000);
    expect((await stat(spec.logFile)).size).toBeLessThanOrEqual(1000);

    process.kill(pid, 'SIGUSR1');
    await waitFor('write after rotation', async () => (await readText(spec.logFile)).includes('usr1'));
    const text = await readText(spec.logFile);
    // O_APPEND: the write landed at the new end, not at the old offset behind a hole of NULs.
    expect(text).not.toContain('\0');
    expect(text.length).toBeLessThan(1000);
  });

  it('the service survives dispose(): still running and serving, pid file kept for the next agent', async () => {
    const spec = specFor();
    const sup = supervise(spec);
    const pid = (await sup.start()).pid ?? -1;
    await waitReady(spec);
    sup.dispose();

    process.kill(pid, 'SIGUSR1');
    await waitFor('service answers after dispose', async () =>
      (await readText(spec.logFile)).includes('usr1'),
    );
    const st = await readProcStat(pid);
    expect(st && (await probeProcessAlive(pid, st.startTime))).toBe(true);
    expect(parsePidRecord(await readFile(spec.pidFile, 'utf8'))).toMatchObject({ record: { pid } });
    await expect(sup.start()).rejects.toThrow(/disposed/);
  });

  it('command that cannot be spawned → crashed with the reason, retried with backoff; stop() ends it', async () => {
    const spec = specFor([], { command: join(dir, 'no-such-binary') });
    const sup = supervise(spec);
    const st = await sup.start();
    expect(st.state).toBe('crashed');
    expect(st.reason).toMatch(/spawn failed: .*ENOENT/);
    await waitFor('retries', () => sup.status().restarts >= 2);
    expect(await sup.stop()).toMatchObject({ state: 'stopped' });
  });
});

async function stalePidFile(spec: ProcessSpec, r: { pid: number; startTime: number }): Promise<void> {
  await mkdir(join(dir, 'run'), { recursive: true });
  await writeFile(
    spec.pidFile,
    renderPidRecord({ ...r, command: spec.command, args: spec.args, instanceId: spec.instanceId }),
  );
}

/** A live process that is not ours: the pid a stale pid file might point at after pid reuse. */
async function startUnrelated(): Promise<ChildProcess> {
  const child = nodeSpawn('/bin/sleep', ['1000'], { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  if (child.pid !== undefined) pids.add(child.pid);
  return child;
}
