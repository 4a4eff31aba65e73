import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Lab, REPO_ROOT, pidsMentioning } from '../src/lab/fleet.js';
import { labZookeeperSpec } from '../src/lab/zookeeper.js';
import { waitFor } from '../src/lab/wait.js';

// Lab slice: 127.0.32.0/24 for the ZooKeeper hosts (agents with --allow-exec), 127.0.33.1 for a
// host whose agent was started without it. The commands and the log follow need members that run
// and log, not any one kind: a ZooKeeper ensemble is up in seconds (a Kafka one took about 80 s of
// this file's 95 s in the suite).
const MEMBERS = [
  ['ex1', '127.0.32.1'],
  ['ex2', '127.0.32.2'],
  ['ex3', '127.0.32.3'],
] as const;
const PLAIN = ['ex-noexec', '127.0.33.1'] as const;
const CLUSTER = 'zk-exec';
const HACTL = path.join(REPO_ROOT, 'bin/hactl');

interface CommandView {
  id: string;
  state: string;
  durationMs: number | null;
  hosts: { host: string; state: string; exitCode: number | null; durationMs: number | null }[];
}

/** A `hactl` run as an operator runs it, output collected. */
interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  done: Promise<number>;
}

describe('e2e: hactl exec and hactl logs -f on a real ZooKeeper ensemble', { timeout: 600_000 }, () => {
  let lab: Lab;
  const running = new Set<ChildProcess>();

  const start = (argv: string[], env: Record<string, string> = {}): Run => {
    const child = spawn(HACTL, argv, {
      env: { ...process.env, ...lab.cliEnv(), NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const done = new Promise<number>((resolve) =>
      child.on('close', (code, signal) => {
        running.delete(child);
        resolve(code ?? (signal ? 128 : 1));
      }),
    );
    return { child, out: () => out, err: () => err, done };
  };
  const hactl = async (argv: string[], env: Record<string, string> = {}) => {
    const r = start(argv, env);
    const code = await r.done;
    return { code, out: r.out(), err: r.err() };
  };
  /** The command a `hactl exec` run started (its first stderr line names it). */
  const commandOf = async (err: string): Promise<CommandView> => {
    const id = /^command ([a-f0-9]+) on /m.exec(err)?.[1];
    if (!id) throw new Error(`no command id in: ${err.slice(0, 200)}`);
    return (await lab.api<CommandView>('GET', `/v1/commands/${id}`)).body;
  };

  beforeAll(async () => {
    lab = await Lab.create('exec');
    await lab.startControlPlane();
    for (const [name, address] of MEMBERS) await lab.startAgent(name, address, undefined, ['--allow-exec']);
    await lab.startAgent(PLAIN[0], PLAIN[1]);
    await lab.waitForHosts([...MEMBERS.map(([n]) => n), PLAIN[0]]);
    const put = await lab.api(
      'PUT',
      `/v1/clusters/${CLUSTER}`,
      labZookeeperSpec(
        CLUSTER,
        MEMBERS.map(([n]) => n),
      ),
    );
    expect(put.status).toBe(200);
    await lab.waitForHealth(CLUSTER, 'healthy', { timeoutMs: 120_000 });
  }, 300_000);

  afterAll(async () => {
    try {
      for (const c of running) c.kill('SIGKILL');
    } finally {
      await lab?.destroy();
    }
  });

  it('--cluster: df -h / on every member in parallel, each line prefixed with its host, a summary of exit codes', async () => {
    // `sleep 2` first: run one after the other the three would take 6 s or more.
    const r = await hactl(['exec', '--cluster', CLUSTER, '--shell', '--', 'sleep 2; df -h /']);
    expect(r.code, r.err).toBe(0);
    for (const [host] of MEMBERS) {
      expect(r.out).toMatch(new RegExp(`^${host} \\| Filesystem +Size +Used`, 'm'));
      expect(r.out).toMatch(new RegExp(`^${host} \\| \\S+ .* /$`, 'm'));
      expect(r.err).toMatch(new RegExp(`^${host} +exited +0 +[0-9.]+s`, 'm'));
    }
    expect(r.err).toMatch(/^HOST +STATE +EXIT +DURATION +ERROR$/m);
    const view = await commandOf(r.err);
    const sum = view.hosts.reduce((s, h) => s + (h.durationMs ?? 0), 0);
    expect(view.hosts.map((h) => h.state)).toEqual(['exited', 'exited', 'exited']);
    expect(sum).toBeGreaterThanOrEqual(6000);
    expect(view.durationMs!).toBeLessThan(sum - 2000);
  });

  it('a command printing 50 MB is capped at 10 MiB with the marker; the agent stays healthy and keeps reporting', async () => {
    const seen = async () =>
      (
        await lab.api<{ hosts: { name: string; connected: boolean; lastSeen: string }[] }>('GET', '/v1/hosts')
      ).body.hosts.find((h) => h.name === 'ex1')!;
    const r = await hactl(['exec', 'ex1', '--shell', '--', 'yes hactl-e2e-output-line | head -c 50000000']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('[hactl: output capped at 10485760 bytes; the command was killed]');
    expect(r.err).toMatch(/^ex1 +capped +SIGTERM/m);
    // Exactly the whole lines of the first 10 MiB, each shown once with its prefix.
    const line = 'hactl-e2e-output-line\n';
    const lines = r.out.split('\n').filter((l) => `${l}\n` === `ex1 | ${line}`).length;
    expect(lines).toBe(Math.floor((10 * 1024 * 1024) / line.length));
    const before = Date.parse((await seen()).lastSeen);
    await waitFor('ex1 to report again after the capped command', async () => {
      const h = await seen();
      return h.connected && Date.parse(h.lastSeen) > before + 1000 ? true : undefined;
    });
    await lab.waitForHealth(CLUSTER, 'healthy');
  });

  it('past its timeout the command is killed with its children', async () => {
    const marker = `hactl-e2e-timeout-${process.pid}`;
    const run = start([
      'exec',
      'ex2',
      '--timeout',
      '3s',
      '--shell',
      '--',
      `sh -c 'sleep 100; :' ${marker}-a & sh -c 'sleep 100; :' ${marker}-b & echo up; wait`,
    ]);
    await waitFor('the command to start', () => (run.out().includes('ex2 | up') ? true : undefined));
    expect(pidsMentioning(marker).length).toBeGreaterThanOrEqual(2);
    expect(await run.done).toBe(1);
    expect(run.err()).toMatch(/^ex2 +timed_out +SIGTERM/m);
    await waitFor(
      'every process of the command gone',
      () => (pidsMentioning(marker).length === 0 ? true : undefined),
      {
        timeoutMs: 10_000,
      },
    );
  });

  it('Ctrl-C on the CLI stops the remote process and exits 130', async () => {
    const marker = `hactl-e2e-sigint-${process.pid}`;
    const run = start(['exec', 'ex3', '--shell', '--', `echo up; sh -c 'sleep 100; :' ${marker}`]);
    await waitFor('the command to start', () => (run.out().includes('ex3 | up') ? true : undefined));
    await waitFor('the remote sleep running', () => (pidsMentioning(marker).length > 0 ? true : undefined));
    run.child.kill('SIGINT');
    expect(await run.done).toBe(130);
    expect(run.err()).toMatch(/cancelling command/);
    expect(run.err()).toMatch(/^ex3 +cancelled/m);
    await waitFor('the remote process gone', () => (pidsMentioning(marker).length === 0 ? true : undefined), {
      timeoutMs: 10_000,
    });
  });

  it('hactl logs -f follows a member’s zookeeper.log across a rotation', async () => {
    const { body } = await lab.api<{ file: string }>(
      'GET',
      `/v1/clusters/${CLUSTER}/members/zk-1/logs?lines=1`,
    );
    const file = body.file;
    expect(path.basename(file)).toBe('zookeeper.log');
    const run = start(['logs', `${CLUSTER}/zk-1`, '-f', '--tail', '3']);
    await waitFor('the first lines', () =>
      run.err().includes('following') && run.out().length > 0 ? true : undefined,
    );
    fs.appendFileSync(file, 'hactl-e2e before the rotation\n');
    await waitFor('the appended line', () =>
      run.out().includes('hactl-e2e before the rotation\n') ? true : undefined,
    );
    // What a rolling appender does (log4j's hourly server.log → server.log.YYYY-MM-DD-HH in Kafka,
    // logback's size-based zookeeper.log → zookeeper.log.1 here): the file is renamed and a new
    // one created at the path. Done here by hand: the member rolls only at 64 MB.
    fs.appendFileSync(file, 'hactl-e2e last line of the old file\n');
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, 'hactl-e2e first line of the new file\n');
    await waitFor('the new file’s line', () =>
      run.out().includes('hactl-e2e first line of the new file\n') ? true : undefined,
    );
    expect(run.out()).toContain('hactl-e2e last line of the old file\n');
    fs.appendFileSync(file, 'hactl-e2e appended to the new file\n');
    await waitFor('a line appended to the new file', () =>
      run.out().includes('hactl-e2e appended to the new file\n') ? true : undefined,
    );
    run.child.kill('SIGINT');
    expect(await run.done).toBe(130);
    // The CLI going away ends the follow on the agent too (the control plane sends ExecCancel).
    await waitFor('the agent to end the follow', () =>
      /"command":"f[a-f0-9]+"[^\n]*"exec ended"|"exec ended"[^\n]*"command":"f[a-f0-9]+"/.test(
        fs.readFileSync(path.join(lab.dir, 'agent-ex1.log'), 'utf8'),
      )
        ? true
        : undefined,
    );
  });

  it('an agent started without --allow-exec refuses, naming the flag', async () => {
    const r = await hactl(['exec', PLAIN[0], '--', 'id']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^${PLAIN[0]} +failed .*--allow-exec`, 'm'));
  });

  it('a token without the exec scope is refused (403); every command is in the audit trail', async () => {
    const made = await hactl(['token', 'create', '--api', 'e2e-writer', '--scopes', 'write']);
    expect(made.code, made.err).toBe(0);
    const token = made.out.trim().split('\n').at(-1)!.trim();
    const r = await hactl(['exec', 'ex1', '--', 'id'], { HACTL_TOKEN: token });
    expect(r.err).not.toMatch(/^command /m);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/e2e-writer.*needs exec/);
    const { body } = await lab.api<{
      events: { type: string; message: string; data: Record<string, unknown> }[];
    }>('GET', '/v1/events?limit=200');
    const audit = body.events.filter((e) => e.type === 'audit').map((e) => e.message);
    expect(audit).toContainEqual('e2e-writer: POST /v1/commands → 403');
    expect(audit).toContainEqual(`admin: exec ["sleep 2; df -h /"] on ex1, ex2, ex3`);
    expect(audit).toContainEqual(
      expect.stringMatching(/^admin: exec \["sleep 2; df -h \/"\] done: ex1=0 ex2=0 ex3=0 \(\d+ ms\)$/),
    );
    expect(audit).toContainEqual(expect.stringMatching(/^admin: exec .* done: ex2=timed_out \(\d+ ms\)$/));
    expect(audit).toContainEqual(
      expect.stringMatching(/^admin: exec .* cancelled: ex3=cancelled \(\d+ ms\)$/),
    );
    expect(audit).toContainEqual(expect.stringMatching(/^admin: exec \["id"\] done: ex-noexec=failed/));
  });
});
