/**
 * The agent's answer to the `status` query (`hactl status HOST`): `{"processes": [...]}`, one entry
 * per supervised instance, sorted by instance id. The agent writes it (agent sync/queries.ts), the
 * control plane reads it (control-plane actions/host-status.ts).
 */
export interface StatusAnswer {
  processes: ProcessAnswer[];
}

/** One supervised instance as `status` reports it (`hactl status HOST`). */
export interface ProcessAnswer {
  instance: string;
  kind: string;
  /** Desired run state (`running` or `stopped`). */
  runState: string;
  /** The supervisor's state: starting, running, stopping, stopped, crashed, … */
  state: string;
  /** 0 when no process runs. */
  pid: number;
  /** ms since the epoch the process was started or adopted by this agent; 0 when none runs. */
  startedAt: number;
  /** Automatic restarts after unexpected exits. */
  restarts: number;
  /** The process was found running (pid file) rather than started by this agent run. */
  adopted: boolean;
  /** Why the state is what it is ('' when nothing to say). */
  reason: string;
}

/**
 * The `status` answer's text → its processes, or undefined when it is not JSON of that shape (every
 * field present with its type). Pure.
 */
export function parseStatusAnswer(output: string): ProcessAnswer[] | undefined {
  try {
    const v = JSON.parse(output) as { processes?: unknown };
    if (!Array.isArray(v.processes)) return undefined;
    const ok = v.processes.every((p: unknown) => {
      const x = p as Partial<ProcessAnswer> | null;
      return (
        !!x &&
        typeof x.instance === 'string' &&
        typeof x.kind === 'string' &&
        typeof x.runState === 'string' &&
        typeof x.state === 'string' &&
        typeof x.pid === 'number' &&
        typeof x.startedAt === 'number' &&
        typeof x.restarts === 'number' &&
        typeof x.adopted === 'boolean' &&
        typeof x.reason === 'string'
      );
    });
    return ok ? (v.processes as ProcessAnswer[]) : undefined;
  } catch {
    return undefined;
  }
}
