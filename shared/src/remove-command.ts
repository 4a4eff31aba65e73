import { hostPort } from './address.js';
import { parseHostPort } from './listen.js';

/**
 * The arguments of a `remove` command (a membership procedure's stop step), as the control plane
 * sends them and the agent reads them: `force` (stop although the kind's check refuses, e.g. a
 * Kafka broker that still holds replicas) and one `peer=HOST:PORT` per remaining member's client
 * endpoint (ServiceKind.clientEndpoint), through which the agent's `afterRemoval` talks to the
 * cluster once the member has stopped. IPv6 hosts are bracketed.
 */
export interface RemoveArgs {
  force: boolean;
  peers: { address: string; port: number }[];
  /**
   * An operator's stop of a member that stays in the cluster (`hactl stop`, arg `stop-only`): the
   * member is stopped under its lease but its kind's removal procedures (a Kafka broker's replica
   * check, an Elasticsearch drain or voting exclusion, a KRaft unregistration) do not run, since the
   * member comes back with `hactl start`. Absent: false.
   */
  stopOnly?: boolean;
}

/** RemoveArgs → the command's `args` strings. Pure. */
export function encodeRemoveArgs(a: RemoveArgs): string[] {
  return [
    ...(a.force ? ['force'] : []),
    ...(a.stopOnly ? ['stop-only'] : []),
    ...a.peers.map((p) => `peer=${hostPort(p.address, p.port)}`),
  ];
}

/**
 * The command's `args` strings → RemoveArgs. Pure. Throws an Error naming the argument on one it
 * does not know or a peer that is not HOST:PORT: the agent refuses such a command rather than
 * guess.
 */
export function parseRemoveArgs(args: readonly string[]): RemoveArgs {
  const out: RemoveArgs = { force: false, peers: [] };
  for (const a of args) {
    if (a === 'force') {
      out.force = true;
      continue;
    }
    if (a === 'stop-only') {
      out.stopOnly = true;
      continue;
    }
    if (a.startsWith('peer=')) {
      const p = parseHostPort(a.slice('peer='.length));
      if (typeof p === 'string') throw new Error(`remove command argument ${JSON.stringify(a)}: ${p}`);
      out.peers.push({ address: p.host, port: p.port });
      continue;
    }
    throw new Error(`remove command argument ${JSON.stringify(a)} is not force, stop-only or peer=HOST:PORT`);
  }
  return out;
}
