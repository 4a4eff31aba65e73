/**
 * First contact and renewal with a replicated control plane (issue 15): the agent asks its
 * addresses in the order given until one answers. Only a failure to reach an address moves on; an
 * answer is final, a refusal included (a wrong or used token is refused by every replica alike, as
 * they share one store, and asking them all would only bury the reason).
 */

/** Thrown when an address did not answer (connection refused or reset, no handshake, timeout). */
export class UnreachableError extends Error {
  constructor(
    readonly server: string,
    message: string,
  ) {
    super(message);
    this.name = 'UnreachableError';
  }
}

/**
 * `ask(server)` for each of `servers` in order until one resolves or rejects with anything but an
 * UnreachableError.
 * @throws the first error that is not an UnreachableError, or an Error naming why every address failed.
 */
export async function askInOrder<T>(servers: string[], ask: (server: string) => Promise<T>): Promise<T> {
  const unreachable: string[] = [];
  for (const server of servers) {
    try {
      return await ask(server);
    } catch (err) {
      if (!(err instanceof UnreachableError)) throw err;
      unreachable.push(`${server}: ${err.message}`);
    }
  }
  throw new Error(`no control plane address answered (${unreachable.join('; ')})`);
}
