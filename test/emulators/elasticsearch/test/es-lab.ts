import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@elastic/elasticsearch';
import { stringify } from 'yaml';
import { waitFor } from '../../../src/lab/wait.js';

/**
 * Test lab for Elasticsearch nodes, each on its own loopback address with the standard ports, started
 * through `bin/elasticsearch` exactly as hactl's agent starts one (`ES_PATH_CONF` + elasticsearch.yml +
 * jvm.options). `ES_HOME` pointing at a real distribution runs the same tests against it.
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
export const EMULATOR_HOME = path.resolve(HERE, '..');
export const ES_HOME = process.env.ES_HOME ?? EMULATOR_HOME;
const BIN = path.join(ES_HOME, 'bin', 'elasticsearch');

const running = new Set<ChildProcess>();
/** Daemonized nodes (`-d`) are not our children; they are tracked by pid. */
const daemons = new Set<number>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
  for (const pid of daemons) killQuietly(pid, 'SIGKILL');
});

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export interface NodeSpec {
  name: string;
  ip: string;
  settings: Record<string, unknown>;
  jvmOptions?: string[];
  /** Extra files under the config directory, e.g. `jvm.options.d/heap.options`. */
  files?: Record<string, string>;
}

export interface EsProc {
  spec: NodeSpec;
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function ensureBuilt(): void {
  if (ES_HOME !== EMULATOR_HOME) return;
  const main = path.resolve(EMULATOR_HOME, '../../dist/emulators/elasticsearch/src/main.js');
  if (!fs.existsSync(main)) throw new Error(`emulator not built (${main} missing): run \`pnpm -s build\` first`);
}

/**
 * Fails fast when a lab address already has something on 9200/9300 (another run of the same suite):
 * ES would silently take the next port of its range and the two runs would mix clusters.
 */
export async function assertPortsFree(ips: readonly string[]): Promise<void> {
  const busy: string[] = [];
  await Promise.all(
    ips.flatMap((ip) =>
      [9200, 9300].map(
        (port) =>
          new Promise<void>((resolve) => {
            const s = net.connect({ host: ip, port });
            s.once('connect', () => {
              busy.push(`${ip}:${port}`);
              s.destroy();
              resolve();
            });
            s.once('error', () => resolve());
          }),
      ),
    ),
  );
  if (busy.length > 0) throw new Error(`lab addresses already in use: ${busy.join(', ')} (another run of this suite?)`);
}

/**
 * Serialises concurrent runs of the same test file across processes (two `vitest run` at once on the
 * same box would otherwise start two clusters on the same addresses): an exclusive lock file per
 * slice, held by pid, waited for up to `timeoutMs`; then the ports must be free.
 */
export async function claimSlice(name: string, ips: readonly string[], timeoutMs = 100_000): Promise<() => void> {
  const lock = path.join(os.tmpdir(), `hactl-es-lab-${name}.lock`);
  await waitFor(
    `lab slice ${name} (lock ${lock})`,
    () => {
      try {
        fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
        return true;
      } catch {
        const holder = Number(fs.readFileSync(lock, 'utf8').trim() || '0');
        let alive = false;
        try {
          if (holder > 0) process.kill(holder, 0);
          alive = holder > 0;
        } catch {
          alive = false;
        }
        if (!alive) fs.rmSync(lock, { force: true });
        return undefined;
      }
    },
    { timeoutMs, intervalMs: 250 },
  );
  const release = (): void => {
    try {
      if (fs.readFileSync(lock, 'utf8').trim() === String(process.pid)) fs.rmSync(lock, { force: true });
    } catch {
      // gone
    }
  };
  process.once('exit', release);
  try {
    await assertPortsFree(ips);
  } catch (err) {
    release();
    throw err;
  }
  return release;
}

export class EsLab {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-es-'));
  readonly procs = new Map<string, EsProc>();

  constructor() {
    ensureBuilt();
  }

  nodeDir(name: string): string {
    return path.join(this.dir, name);
  }

  /** Writes the node's config directory and returns ES_PATH_CONF. */
  writeConfig(spec: NodeSpec): string {
    const conf = path.join(this.nodeDir(spec.name), 'config');
    fs.mkdirSync(conf, { recursive: true });
    const settings = {
      'node.name': spec.name,
      'network.host': spec.ip,
      'path.data': path.join(this.nodeDir(spec.name), 'data'),
      'path.logs': path.join(this.nodeDir(spec.name), 'logs'),
      'xpack.security.enabled': false,
      // Fixed ports: a clash fails the node instead of silently moving to 9201/9301.
      'http.port': 9200,
      'transport.port': 9300,
      ...spec.settings,
    };
    fs.writeFileSync(path.join(conf, 'elasticsearch.yml'), stringify(settings));
    fs.writeFileSync(path.join(conf, 'jvm.options'), (spec.jvmOptions ?? ['-Xms128m', '-Xmx128m']).join('\n') + '\n');
    for (const [rel, text] of Object.entries(spec.files ?? {})) {
      fs.mkdirSync(path.dirname(path.join(conf, rel)), { recursive: true });
      fs.writeFileSync(path.join(conf, rel), text);
    }
    return conf;
  }

  /** Starts a node; `args` are extra command-line arguments (e.g. `-E k=v`). */
  start(spec: NodeSpec, args: string[] = []): EsProc {
    const conf = this.writeConfig(spec);
    let out = '';
    const child = spawn(BIN, args, {
      env: { ...process.env, ES_PATH_CONF: conf, ES_EMULATOR_RECOVERY_DELAY_MS: '200' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => {
        running.delete(child);
        resolve({ code, signal });
      }),
    );
    const proc: EsProc = { spec, child, output: () => out, exited };
    this.procs.set(spec.name, proc);
    return proc;
  }

  /** SIGTERM (or another signal) and wait for exit; SIGKILL after 10 s. */
  async stop(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
    const p = this.procs.get(name);
    if (!p) throw new Error(`no node ${name}`);
    const t0 = Date.now();
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
    const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
    const r = await p.exited;
    clearTimeout(timer);
    return { ...r, ms: Date.now() - t0 };
  }

  trackDaemon(pid: number): void {
    daemons.add(pid);
  }

  async stopAll(): Promise<void> {
    for (const pid of daemons) killQuietly(pid, 'SIGKILL');
    daemons.clear();
    await Promise.all([...this.procs.keys()].map((n) => this.stop(n).catch(() => undefined)));
  }

  /** Removes the lab directory; ES_LAB_KEEP=1 keeps it (node logs under <dir>/<node>/logs) for debugging. */
  cleanup(): void {
    if (process.env.ES_LAB_KEEP === '1') {
      process.stderr.write(`es lab kept at ${this.dir}\n`);
      return;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** The real 8.x client against one node; no retries so failures are seen as they are. */
  client(ip: string, opts: { requestTimeout?: number } = {}): Client {
    return new Client({ node: `http://${ip}:9200`, maxRetries: 0, requestTimeout: opts.requestTimeout ?? 30_000 });
  }

  async waitForOutput(name: string, pattern: RegExp | string, timeoutMs = 40_000): Promise<string> {
    return waitFor(
      `${name} to log ${String(pattern)}`,
      () => {
        const out = this.procs.get(name)?.output() ?? '';
        const hit = typeof pattern === 'string' ? out.includes(pattern) : pattern.test(out);
        return hit ? out : undefined;
      },
      { timeoutMs },
    );
  }
}

export type CatNode = Record<string, string | null>;

export async function catNodes(c: Client): Promise<CatNode[]> {
  return (await c.cat.nodes({ format: 'json', h: 'ip,id,node.role,master,name,heap.percent,ram.percent,cpu,load_1m' })) as unknown as CatNode[];
}
