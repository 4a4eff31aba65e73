import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { labDirPrefix, pidsMentioning } from './procs.js';

/**
 * The suite's global setup (vitest.config.ts `globalSetup`): a safety net under every lab's own
 * teardown. Each lab kills its processes in `Lab.destroy`, and in an `exit` hook of the worker;
 * neither runs when an `afterAll` throws before its `destroy`, or when the worker is killed, and a
 * lab's control plane, agents and services then outlive the run (once: three ZooKeepers holding
 * 127.0.22.11-13:2181, which made the next run's members fail with "Address already in use").
 *
 * `setup` gives the run an id that its labs put in their directory names (procs.ts labDirPrefix);
 * `teardown`, after every file, kills any process whose command line still names one of this
 * run's lab directories, and says which, so the leak is seen and fixed rather than hidden. Labs of
 * another suite run on the same machine carry another id and are left alone.
 */
export function setup(): void {
  process.env.HACTL_LAB_RUN ??= randomBytes(4).toString('hex');
}

export function teardown(): void {
  if (!process.env.HACTL_LAB_RUN) return;
  const marker = path.join(os.tmpdir(), labDirPrefix());
  const left = pidsMentioning(marker);
  if (!left.length) return;
  console.error(`lab processes left running after the suite, now killed: ${left.join(', ')}`);
  for (const pid of left) {
    try {
      // A SIGSTOPped process (the freeze tests) takes SIGKILL too; SIGCONT first costs nothing.
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}
