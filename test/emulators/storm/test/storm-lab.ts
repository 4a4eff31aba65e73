import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zookeeper from 'node-zookeeper-client';
import YAML from 'yaml';

/**
 * Test harness: runs the emulator's `bin/storm` daemons each with its own conf dir and
 * storm.local.hostname, as on separate servers, and reads ZooKeeper from outside with a plain
 * client. (Real Storm is tested by test/e2e/storm-real.test.ts: its daemons bind every interface,
 * so they need a network namespace per host.)
 */
const here = path.dirname(fileURLToPath(import.meta.url));
export const STORM_HOME = path.resolve(here, '..');
export const STORM_BIN = path.join(STORM_HOME, 'bin', 'storm');

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface Daemon {
  readonly kind: string;
  readonly host: string;
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export class StormLab {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-storm-'));
  readonly daemons: Daemon[] = [];

  constructor(readonly baseConf: Record<string, unknown>) {}

  /** Writes `<dir>/<name>/conf/storm.yaml` and returns the conf dir. */
  confDir(name: string, host: string, extra: Record<string, unknown> = {}): string {
    const confDir = path.join(this.dir, name, 'conf');
    fs.mkdirSync(confDir, { recursive: true });
    const conf = {
      ...this.baseConf,
      'storm.local.hostname': host,
      'storm.local.dir': path.join(this.dir, name, 'storm-local'),
      ...extra,
    };
    fs.writeFileSync(path.join(confDir, 'storm.yaml'), YAML.stringify(conf));
    return confDir;
  }

  start(
    kind: 'nimbus' | 'supervisor' | 'ui',
    name: string,
    host: string,
    extra: Record<string, unknown> = {},
  ): Daemon {
    const child = spawn(STORM_BIN, [kind], {
      env: { ...process.env, STORM_CONF_DIR: this.confDir(name, host, extra) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    const lines: string[] = [];
    const collect = (chunk: Buffer): void => {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => {
        running.delete(child);
        resolve(code);
      }),
    );
    const daemon: Daemon = {
      kind,
      host,
      child,
      lines,
      exited,
      async kill(signal) {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      },
    };
    this.daemons.push(daemon);
    return daemon;
  }

  /** `storm <args>` as a one-shot CLI with the given host's conf. */
  cli(
    args: string[],
    name = 'cli',
    host = '127.0.2.11',
  ): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(STORM_BIN, args, {
      env: { ...process.env, STORM_CONF_DIR: this.confDir(name, host) },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  async stop(): Promise<void> {
    await Promise.all(this.daemons.map((d) => d.kill('SIGKILL')));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Plain ZooKeeper reader (no emulator code), connected under the Storm root as a chroot. */
export interface ZkReader {
  children(p: string): Promise<string[]>;
  data(p: string): Promise<{ data: Buffer; ephemeralOwner: bigint } | undefined>;
  create(p: string, data: Buffer): Promise<void>;
  remove(p: string): Promise<void>;
  close(): void;
}

export function zkReader(connectString: string): Promise<ZkReader> {
  const client = zookeeper.createClient(connectString, { sessionTimeout: 10_000, spinDelay: 200 });
  const reader: ZkReader = {
    children: (p) =>
      new Promise((resolve, reject) =>
        client.getChildren(p, (err, children) => {
          if (err && 'getCode' in err && err.getCode() === zookeeper.Exception.NO_NODE) resolve([]);
          else if (err) reject(err);
          else resolve(children.sort());
        }),
      ),
    data: (p) =>
      new Promise((resolve, reject) =>
        client.getData(p, (err, data, stat) => {
          if (err && 'getCode' in err && err.getCode() === zookeeper.Exception.NO_NODE) resolve(undefined);
          else if (err) reject(err);
          else
            resolve({
              data: data ?? Buffer.alloc(0),
              ephemeralOwner: stat.ephemeralOwner.readBigUInt64BE(0),
            });
        }),
      ),
    create: (p, data) =>
      new Promise((resolve, reject) =>
        client.mkdirp(p, data, zookeeper.CreateMode.PERSISTENT, (err) => (err ? reject(err) : resolve())),
      ),
    remove: (p) =>
      new Promise((resolve, reject) => client.remove(p, (err) => (err ? reject(err) : resolve()))),
    close: () => client.close(),
  };
  return new Promise((resolve) => {
    client.once('connected', () => resolve(reader));
    client.connect();
  });
}

export async function getJson(
  url: string,
): Promise<{ status: number; body: Record<string, unknown>; contentType: string }> {
  const res = await fetch(url);
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    contentType: res.headers.get('content-type') ?? '',
  };
}

export type NimbusEntry = Record<string, unknown> & { host: string; status: string };

export async function nimbusSummary(uiUrl: string): Promise<NimbusEntry[] | undefined> {
  try {
    const r = await getJson(`${uiUrl}/api/v1/nimbus/summary`);
    return r.status === 200 ? (r.body.nimbuses as NimbusEntry[]) : undefined;
  } catch {
    return undefined;
  }
}
