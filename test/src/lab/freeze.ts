/**
 * Runs `during` with the processes `pids` stopped by SIGSTOP (a frozen JVM keeps its sockets open
 * and answers nothing), and sends each of them SIGCONT once `during` settles, whether it resolved
 * or threw: a process left stopped would outlive the test's own failure, holding its ports, and its
 * agent would wait out a stop's grace period on it. A pid already gone is skipped.
 */
export async function whileFrozen<T>(pids: readonly number[], during: () => Promise<T>): Promise<T> {
  const stopped: number[] = [];
  try {
    for (const pid of pids) if (signal(pid, 'SIGSTOP')) stopped.push(pid);
    return await during();
  } finally {
    for (const pid of stopped) signal(pid, 'SIGCONT');
  }
}

/** Sends `sig` to `pid`; false when there is no such process. */
function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
