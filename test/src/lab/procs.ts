import fs from 'node:fs';

/** Pids of live processes whose /proc/<pid>/cmdline contains `text` (this process excluded). */
export function pidsMentioning(text: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(text)) out.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/**
 * The start of every lab directory's name under the temp dir: `hactl-lab-<run>-` inside a suite
 * run (HACTL_LAB_RUN, set by the suite's global setup, run-sweep.ts, and inherited by its workers),
 * so the run's teardown finds exactly its own labs' processes; `hactl-lab-` outside one.
 */
export function labDirPrefix(env: NodeJS.ProcessEnv = process.env): string {
  const run = env.HACTL_LAB_RUN;
  return run ? `hactl-lab-${run}-` : 'hactl-lab-';
}
