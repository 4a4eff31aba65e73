import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PgConnection } from './pg-client.js';

const run = promisify(execFile);

/** A PostgreSQL server started for tests (startPostgres). */
export interface TestPostgres {
  /** The `postgres` database, as the `postgres` superuser. */
  url: string;
  /** Creates database `name` (letters, digits, underscores) and returns its URL. */
  createDatabase(name: string): string;
  /** `pg_ctl stop -m fast`, waiting until the server is gone. */
  stop(): Promise<void>;
}

/**
 * Debian's PostgreSQL for tests: `initdb` into `o.dir`/data (trust auth for loopback clients only), then a
 * server listening on `o.host:o.port` alone, its unix socket inside `o.dir`, small settings
 * (shared_buffers 32MB, max_connections 50; fsync stays on). PostgreSQL refuses to run as root, so
 * as root (CI) initdb and pg_ctl run as Debian's `postgres` user, owner of `o.dir`.
 *
 * A server whose stop() was never called does not outlive this process: a watchdog holding the read
 * end of a pipe from this process stops it when the pipe closes, which the kernel does however this
 * process ends (a vitest worker may be killed rather than exit).
 */
export async function startPostgres(o: {
  dir: string;
  host: string;
  port: number;
  /**
   * Keep the server running after this process ends (no watchdog): the sandbox's store, which
   * `scripts/demo.sh down` stops with stopPostgresIn. Tests never set it.
   */
  outlive?: boolean;
}): Promise<TestPostgres> {
  const data = path.join(o.dir, 'data');
  const root = process.getuid?.() === 0;
  fs.mkdirSync(o.dir, { recursive: true, mode: 0o755 });
  if (root) {
    checkTraversable(o.dir);
    fs.chmodSync(o.dir, 0o755);
    const { uid, gid } = postgresUser();
    fs.chownSync(o.dir, uid, gid);
  }
  const as = asServerUser;
  await as('initdb', [
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
  // The server listens on o.host alone; a client on this machine connects from 127.0.0.1 whatever
  // loopback address it dials (Linux picks the source), so trust is for loopback sources only.
  fs.writeFileSync(path.join(data, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.0/8 trust\n');
  const settings = [
    `listen_addresses='${o.host}'`,
    `port=${o.port}`,
    `unix_socket_directories='${o.dir}'`,
    'shared_buffers=32MB',
    'max_connections=50',
  ];
  fs.appendFileSync(
    path.join(data, 'postgresql.conf'),
    `\n# startPostgres (hactl's tests and sandbox)\n${settings.join('\n')}\n`,
  );
  // -w waits until the server accepts connections (pg_ctl polls postmaster.pid): no fixed sleep.
  await as('pg_ctl', ['-D', data, '-l', path.join(o.dir, 'postgres.log'), '-w', '-t', '60', 'start']).catch(
    (err: unknown) => {
      throw new Error(
        `PostgreSQL did not start on ${o.host}:${o.port}; see ${path.join(o.dir, 'postgres.log')}`,
        {
          cause: err,
        },
      );
    },
  );
  const watchdog = o.outlive ? { end: () => undefined } : startWatchdog(data);

  const url = `postgresql://postgres@${o.host}:${o.port}/postgres`;
  let stopped: Promise<void> | undefined;
  return {
    url,
    createDatabase(name: string): string {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      const admin = new PgConnection(url);
      try {
        admin.exec(`CREATE DATABASE ${name}`);
      } finally {
        admin.close();
      }
      return `postgresql://postgres@${o.host}:${o.port}/${name}`;
    },
    stop(): Promise<void> {
      stopped ??= stopPostgresIn(o.dir).then(() => watchdog.end());
      return stopped;
    },
  };
}

/**
 * startPostgres in a new directory under os.tmpdir() (mode 0755: as root, the postgres user must
 * reach it), on `host:port`; stop() also removes the directory.
 */
export async function startTempPostgres(host: string, port = 5432): Promise<TestPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-pg-'));
  fs.chmodSync(dir, 0o755);
  const pg = await startPostgres({ dir, host, port });
  return {
    ...pg,
    stop: () => pg.stop().then(() => fs.rmSync(dir, { recursive: true, force: true })),
  };
}

/**
 * Runs a PostgreSQL program of Debian's newest server: as its `postgres` user when this process is
 * root (the server refuses to run as root), else as this user.
 */
function asServerUser(cmd: string, args: string[]): Promise<unknown> {
  const bin = postgresBinDir();
  return process.getuid?.() === 0
    ? run('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args])
    : run(path.join(bin, cmd), args);
}

/** `pg_ctl stop -m fast` on the server startPostgres started in `dir`, when one runs there. */
export async function stopPostgresIn(dir: string): Promise<void> {
  const data = path.join(dir, 'data');
  if (!fs.existsSync(path.join(data, 'postmaster.pid'))) return;
  await asServerUser('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
}

/** The newest Debian PostgreSQL's bin directory (/usr/lib/postgresql/<major>/bin). */
function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  const majors = fs.existsSync(base)
    ? fs
        .readdirSync(base)
        .filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!majors[0])
    throw new Error(
      `no PostgreSQL server under ${base}/*/bin (scripts/setup.sh installs Debian's postgresql)`,
    );
  return path.join(base, majors[0], 'bin');
}

function postgresUser(): { uid: number; gid: number } {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('no postgres user (Debian postgresql package)');
  return { uid: Number(uid), gid: Number(gid) };
}

/** The postgres user must reach o.dir: every parent needs the others' execute bit. */
function checkTraversable(dir: string): void {
  for (let d = path.dirname(path.resolve(dir)); ; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o001) === 0)
      throw new Error(`${d} is not traversable by the postgres user (mode o+x needed) for ${dir}`);
    if (d === path.dirname(d)) return;
  }
}

/**
 * A detached shell that waits for EOF on its stdin, then stops the server immediately (SIGQUIT to
 * the postmaster in postmaster.pid, which exists only while it runs). Its stdin's write end is this
 * process's, unreferenced so it does not keep the event loop alive.
 */
function startWatchdog(data: string): { end(): void } {
  const pidFile = path.join(data, 'postmaster.pid');
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      'cat >/dev/null; pid=$(head -n 1 "$1" 2>/dev/null) && kill -QUIT "$pid" 2>/dev/null; exit 0',
      'sh',
      pidFile,
    ],
    { detached: true, stdio: ['pipe', 'ignore', 'ignore'] },
  );
  child.unref();
  (child.stdin as unknown as { unref(): void }).unref();
  return { end: () => child.stdin.end() };
}
