import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { labDirPrefix } from './procs.js';
import { teardown } from './run-sweep.js';
import { alive } from './fleet.js';
import { waitFor } from './wait.js';

const saved = process.env.HACTL_LAB_RUN;
afterEach(() => {
  if (saved === undefined) delete process.env.HACTL_LAB_RUN;
  else process.env.HACTL_LAB_RUN = saved;
  vi.restoreAllMocks();
});

/** A process whose command line names `dir`, as a lab's agents and services name their lab's directory. */
function straggler(dir: string) {
  return spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', dir], { stdio: 'ignore' });
}

describe('suite sweep of leftover lab processes', () => {
  it("kills a process naming this run's lab directory and says so; another run's is left alone", async () => {
    process.env.HACTL_LAB_RUN = `t${process.pid}a`;
    const mine = straggler(path.join(os.tmpdir(), `${labDirPrefix()}zk-x`));
    const theirs = straggler(path.join(os.tmpdir(), `hactl-lab-t${process.pid}b-zk-x`));
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    await waitFor('both started', () => (mine.pid && theirs.pid ? true : undefined));
    teardown();
    await waitFor('the straggler killed', () => (alive(mine.pid!) ? undefined : true), { timeoutMs: 5_000 });
    expect(err).toHaveBeenCalledWith(expect.stringContaining(String(mine.pid)));
    expect(alive(theirs.pid!)).toBe(true);
    theirs.kill('SIGKILL');
  });

  it('outside a suite run (no run id) it kills nothing', () => {
    delete process.env.HACTL_LAB_RUN;
    expect(labDirPrefix()).toBe('hactl-lab-');
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    teardown();
    expect(err).not.toHaveBeenCalled();
  });
});
