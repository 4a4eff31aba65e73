// The sandbox's PostgreSQL (`scripts/demo.sh replicas`): Debian's server, started with its own
// initdb and pg_ctl, that keeps running after demo.js exits, until `scripts/demo.sh down`.
//
// Not startPostgres from control-plane/src/store/pg-testing.ts: that one is for tests, and its
// watchdog stops the server when the process that started it ends (the pipe it reads closes on
// exit), which would stop the sandbox's store as soon as demo.js prints its table.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The newest Debian PostgreSQL's bin directory (/usr/lib/postgresql/<major>/bin). */
function postgresBin(): string {
  const base = '/usr/lib/postgresql';
  const [newest] = (fs.existsSync(base) ? fs.readdirSync(base) : [])
    .filter((v) => fs.existsSync(path.join(base, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  if (!newest) throw new Error(`no PostgreSQL under ${base} (scripts/setup.sh installs Debian's postgresql)`);
  return path.join(base, newest, 'bin');
}

/** Runs a PostgreSQL program as Debian's `postgres` user: the server refuses to run as root. */
function asPostgres(program: string, args: string[]): void {
  execFileSync('runuser', ['-u', 'postgres', '--', path.join(postgresBin(), program), ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/**
 * initdb into `dir`/data, then a server on `host:port` alone (its unix socket in `dir`, its log
 * `dir`/postgres.log) with a database `hactl`; returns that database's URL. Trust authentication
 * for loopback clients: the replicas connect as `postgres` over TCP from this machine, and nothing
 * else should reach the server (see the caller for why it listens on loopback). Root only.
 */
export function startSandboxPostgres(o: { dir: string; host: string; port: number }): string {
  const data = path.join(o.dir, 'data');
  fs.mkdirSync(o.dir, { recursive: true, mode: 0o755 });
  execFileSync('chown', ['postgres:postgres', o.dir]);
  asPostgres('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--locale=C',
    '--auth=trust',
    '--no-instructions',
  ]);
  fs.writeFileSync(path.join(data, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.0/8 trust\n');
  fs.appendFileSync(
    path.join(data, 'postgresql.conf'),
    `\n# scripts/demo.sh replicas\nlisten_addresses='${o.host}'\nport=${o.port}\n` +
      `unix_socket_directories='${o.dir}'\nshared_buffers=32MB\nmax_connections=50\n`,
  );
  // -w: pg_ctl returns once the server accepts connections. pg_ctl starts the postmaster in a
  // session of its own, so it outlives this process.
  asPostgres('pg_ctl', ['-D', data, '-l', path.join(o.dir, 'postgres.log'), '-w', '-t', '60', 'start']);
  asPostgres('createdb', ['-h', o.dir, '-p', String(o.port), '-U', 'postgres', 'hactl']);
  return `postgresql://postgres@${o.host}:${o.port}/hactl`;
}

/** `pg_ctl stop -m fast` on the server in `dir`, when one runs there (`down`). */
export function stopSandboxPostgres(dir: string): void {
  const data = path.join(dir, 'data');
  if (!fs.existsSync(path.join(data, 'postmaster.pid'))) return;
  asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
}
