// The sandbox's PostgreSQL (`scripts/demo.sh replicas`): Debian's server, started by the same code
// as the tests' (control-plane/src/store/pg-testing.ts), but left running after demo.js exits,
// until `scripts/demo.sh down` stops it with pg-testing's stopPostgresIn.
import { startPostgres } from '@hactl/control-plane/dist/store/pg-testing.js';

/**
 * A server in `dir` on `host:port` alone with a database `hactl`; returns that database's URL.
 * Trust authentication for loopback clients: the replicas connect as `postgres` over TCP from this
 * machine, and nothing else should reach the server (see the caller for why it listens on loopback).
 */
export async function startSandboxPostgres(o: { dir: string; host: string; port: number }): Promise<string> {
  const pg = await startPostgres({ ...o, outlive: true });
  return pg.createDatabase('hactl');
}
