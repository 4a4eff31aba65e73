/**
 * Request/reply over a child process's IPC channel: the fleet benchmark's three processes (the
 * orchestrator, the server under test, the simulated agents) talk only through this.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export interface Request {
  id: number;
  op: string;
  [k: string]: unknown;
}

/**
 * Resolves true once `count()` has not moved for `quietMs`, false if it still moves at `timeoutMs`
 * (polled every 20 ms): how a server waits out the burst of reports that follows each push, so
 * the next push is not measured against it.
 */
export async function untilQuiet(count: () => number, quietMs: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  let last = count();
  let quietSince = performance.now();
  while (performance.now() - quietSince < quietMs) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
    if (count() !== last) [last, quietSince] = [count(), performance.now()];
  }
  return true;
}

/**
 * Monotonic time in ms with sub-ms precision, comparable across processes on this machine:
 * process.hrtime reads CLOCK_MONOTONIC, one clock for the whole system since boot, which a step of
 * the system clock (NTP, a resumed VM) does not move. Each process's
 * `performance.timeOrigin + performance.now()`, used before, is fixed to the wall clock at that
 * process's start, so a clock step between two starts shifted one process's times against the
 * other's (by 415 ms once, on 2026-12-04).
 */
export function monoNow(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** The soft and hard open-file limits of this process (Linux /proc; Infinity where unlimited). */
export function fileLimits(): { soft: number; hard: number } {
  const line = fs
    .readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const [soft, hard] = (line?.match(/\S+/g) ?? [])
    .slice(3, 5)
    .map((v) => (v === 'unlimited' ? Infinity : Number(v)));
  return { soft: soft ?? 1024, hard: hard ?? 1024 };
}

export class Child {
  private next = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }
  >();
  readonly proc: ChildProcess;
  exited = false;

  /**
   * Starts `script` in its own Node process with `fds` open files allowed: through `sh -c ulimit`,
   * since Node cannot raise its own limit, and each simulated agent or agent stream holds a socket.
   * With BENCH_CPU_PROF=DIR each child writes a V8 CPU profile into DIR when it exits (Node refuses
   * --cpu-prof in NODE_OPTIONS), for finding where a figure's time goes. With `cpus` (a
   * `taskset -c` list such as `0` or `2-3`) the process and all its threads run on those CPUs only.
   */
  constructor(script: string, fds: number, cpus?: string) {
    const prof = process.env.BENCH_CPU_PROF;
    const flags = prof ? `--cpu-prof --cpu-prof-dir=${JSON.stringify(prof)} ` : '';
    const pin = cpus === undefined ? '' : `taskset -c ${cpus} `;
    const command = `ulimit -n ${fds} && exec ${pin}"$0" ${flags}"$1"`;
    this.proc = spawn('/bin/sh', ['-c', command, process.execPath, script], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (m: { id?: number; error?: string }) => {
      const w = m.id === undefined ? undefined : this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id!);
      if (m.error) w.reject(new Error(m.error));
      else w.resolve(m as Record<string, unknown>);
    });
    this.proc.on('exit', (code, signal) => {
      this.exited = true;
      for (const w of this.waiting.values()) w.reject(new Error(`${script} exited (${code ?? signal})`));
      this.waiting.clear();
    });
  }

  call<T = Record<string, unknown>>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: Record<string, unknown>) => void, reject });
      this.proc.send({ id, op, ...args });
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    await this.call('exit').catch(() => {});
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
}

/** The child side: answers each request with the handler's result (or its error). */
export function serve(handle: (req: Request) => Promise<Record<string, unknown>>): void {
  process.on('message', (req: Request) => {
    handle(req).then(
      (res) => process.send?.({ ...res, id: req.id }),
      (err: unknown) => process.send?.({ id: req.id, error: err instanceof Error ? err.stack : String(err) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
