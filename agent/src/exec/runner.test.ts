import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startExec, type ExecEnd, type ExecRequest } from './runner.js';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** Runs `req` and collects its output; `onChunk` may credit or cancel. */
function run(
  over: Partial<ExecRequest>,
  onChunk?: (bytes: number, total: number, h: { credit(n: number): void; cancel(r: string): void }) => void,
): Promise<{ end: ExecEnd; out: string; err: string; seqs: number[] }> {
  const req: ExecRequest = {
    id: 'c1',
    argv: [],
    shell: false,
    timeoutMs: 0,
    maxOutputBytes: 0,
    windowBytes: 0,
    ...over,
  };
  let out = '';
  let err = '';
  const seqs: number[] = [];
  let total = 0;
  return new Promise((resolve) => {
    const h = startExec(
      req,
      {
        output(c) {
          seqs.push(c.seq);
          total += c.data.length;
          if (c.stream === 'stdout') out += c.data.toString();
          else err += c.data.toString();
          // Credit on the next turn, as the control plane does after passing a chunk on.
          setImmediate(() => onChunk?.(c.data.length, total, h));
        },
        end: (end) => resolve({ end, out, err, seqs }),
      },
      { env, killGraceMs: 500, now: Date.now },
    );
  });
}

/** Pids of processes whose command line contains `marker` (from /proc). */
function pidsWith(marker: string): number[] {
  const pids: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(d)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes(marker)) pids.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('startExec (real processes)', () => {
  it('runs argv without a shell: shell syntax stays literal; exit code reported', async () => {
    const r = await run({ argv: ['echo', 'a;', '$HOME', '&&', 'b'] });
    expect(r.out).toBe('a; $HOME && b\n');
    expect(r.end).toMatchObject({ hasExitCode: true, exitCode: 0, error: '', timedOut: false });
    expect(r.seqs).toEqual([1]);
  });

  it('shell: true runs /bin/sh -c; stderr and a non-zero exit code come back', async () => {
    const r = await run({ argv: ['echo out; echo err >&2; exit 3'], shell: true });
    expect(r.out).toBe('out\n');
    expect(r.err).toBe('err\n');
    expect(r.end).toMatchObject({ hasExitCode: true, exitCode: 3 });
  });

  it('a program that does not exist ends with an error, not a throw', async () => {
    const r = await run({ argv: ['/nonexistent/hactl-no-such-program'] });
    expect(r.end.error).toMatch(/cannot start \/nonexistent\/hactl-no-such-program: .*ENOENT/);
  });

  it('50 MB of output is capped at 10 MiB with the marker, and the process is killed', async () => {
    const r = await run({ argv: ['head', '-c', String(50 * 1000 * 1000), '/dev/zero'] }, (n, _t, h) =>
      h.credit(n),
    );
    expect(r.end.capped).toBe(true);
    expect(r.end.outputBytes).toBe(10 * 1024 * 1024);
    expect(r.out.length).toBe(10 * 1024 * 1024);
    expect(r.err).toContain('[hactl: output capped at 10485760 bytes; the command was killed]');
    expect(r.end.hasExitCode).toBe(false);
    expect(r.end.signal).toBe('SIGTERM');
    // Sequence numbers are 1, 2, 3… without gaps.
    expect(r.seqs).toEqual(r.seqs.map((_, i) => i + 1));
  }, 30_000);

  it('without credit, output stops at about the window: the child blocks, the agent holds nothing more', async () => {
    let seen = 0;
    let cancelAt = 0;
    const r = await run(
      { argv: ['head', '-c', String(5 * 1024 * 1024), '/dev/zero'], windowBytes: 64 * 1024 },
      (_n, total, h) => {
        seen = total;
        // Never credit; after the first chunks, give the child time to write more, then cancel.
        if (!cancelAt) {
          cancelAt = 1;
          setTimeout(() => h.cancel('test'), 300);
        }
      },
    );
    // One pipe read (up to 64 KiB) may overshoot the window; 5 MiB would come without flow control.
    expect(seen).toBeLessThanOrEqual(2 * 64 * 1024);
    expect(r.end.cancelled).toBe(true);
  }, 10_000);

  it('past its timeout the whole process group is killed: no child survives', async () => {
    const marker = `hactl-exec-test-${process.pid}-${Date.now()}`;
    // Each background shell carries the marker as its $0 (and `; :` keeps it from exec'ing sleep).
    // The timeout leaves the shells time to start and say "up" on a machine busy with JVMs: with
    // 600 ms, a suite run once timed the command out before "up", and no child was ever counted.
    let running = 0;
    const r = await run(
      {
        argv: [
          `sh -c 'sleep 100; :' ${marker}-a & sh -c 'sleep 100; :' ${marker}-b & sleep 0.1; echo up; wait`,
        ],
        shell: true,
        timeoutMs: 3000,
      },
      () => (running = pidsWith(marker).length),
    );
    expect(r.out).toBe('up\n');
    expect(running).toBeGreaterThanOrEqual(2);
    expect(r.end).toMatchObject({ timedOut: true, hasExitCode: false });
    // SIGKILL follows SIGTERM after the grace; wait for the group to be gone (condition, not sleep).
    const deadline = Date.now() + 5000;
    while (pidsWith(marker).length && Date.now() < deadline) await new Promise((x) => setTimeout(x, 50));
    expect(pidsWith(marker)).toEqual([]);
  }, 15_000);

  it('cancel kills the process group', async () => {
    const marker = `hactl-exec-cancel-${process.pid}-${Date.now()}`;
    let running = 0;
    const r = await run(
      { argv: [`echo started; sh -c 'sleep 100; :' ${marker}; echo never`], shell: true },
      (_n, _t, h) => {
        running = pidsWith(marker).length;
        h.cancel('operator');
      },
    );
    expect(running).toBeGreaterThanOrEqual(1);
    expect(r.out).toBe('started\n');
    expect(r.end).toMatchObject({ cancelled: true, hasExitCode: false, signal: 'SIGTERM' });
    const deadline = Date.now() + 5000;
    while (pidsWith(marker).length && Date.now() < deadline) await new Promise((x) => setTimeout(x, 50));
    expect(pidsWith(marker)).toEqual([]);
  }, 10_000);
});
