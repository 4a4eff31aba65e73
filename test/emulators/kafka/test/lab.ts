import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zookeeper from 'node-zookeeper-client';

/**
 * Test lab for Kafka conformance: runs `bin/kafka-server-start.sh` of the emulator — or of a real
 * distribution when KAFKA_HOME is set — as separate processes and reads their output. Every process
 * started here is killed in `stopAll()` and on process exit.
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
// test/emulators/kafka/test → test/emulators/kafka (the emulator's distribution directory).
export const KAFKA_HOME = process.env.KAFKA_HOME ?? path.resolve(HERE, '..');

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export interface Proc {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function run(script: string, args: readonly string[], cwd = os.tmpdir()): Proc {
  const child = spawn(path.join(KAFKA_HOME, 'bin', script), [...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, output: () => out, exited };
}

/** Runs a tool to completion: exit code and combined output. */
export async function runToEnd(script: string, args: readonly string[]): Promise<{ code: number | null; out: string }> {
  const p = run(script, args);
  const { code } = await p.exited;
  return { code, out: p.output() };
}

export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(async (c) => {
      const done = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await done;
    }),
  );
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function writeProps(dir: string, name: string, props: Record<string, string | number>): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return file;
}

/** A node-zookeeper-client session with promise helpers, for reading what the brokers wrote. */
export class ZkReader {
  private constructor(private readonly client: zookeeper.Client) {}

  static connect(connect: string): Promise<ZkReader> {
    const client = zookeeper.createClient(connect, { sessionTimeout: 10000 });
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('zk connect timeout')), 15000);
      client.once('connected', () => {
        clearTimeout(t);
        resolve(new ZkReader(client));
      });
      client.connect();
    });
  }

  children(p: string): Promise<string[] | undefined> {
    return new Promise((resolve, reject) =>
      this.client.getChildren(p, (err, c) => {
        if (err && (err as zookeeper.Exception).getCode?.() === zookeeper.Exception.NO_NODE) resolve(undefined);
        else if (err) reject(err);
        else resolve(c);
      }),
    );
  }

  data(p: string): Promise<{ text: string; ephemeral: boolean } | undefined> {
    return new Promise((resolve, reject) =>
      this.client.getData(p, (err, data, stat) => {
        if (err && (err as zookeeper.Exception).getCode?.() === zookeeper.Exception.NO_NODE) resolve(undefined);
        else if (err) reject(err);
        else resolve({ text: data ? data.toString() : '', ephemeral: !stat.ephemeralOwner.equals(Buffer.alloc(8)) });
      }),
    );
  }

  async json<T>(p: string): Promise<T | undefined> {
    const d = await this.data(p);
    return d ? (JSON.parse(d.text) as T) : undefined;
  }

  close(): void {
    this.client.close();
  }
}
