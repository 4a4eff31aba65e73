import { nullLogger, type Logger } from '@hactl/shared';
import { removeFileIfExists } from '../files/atomic.js';
import { checkAdoption, planAdoptMatch } from './adoption.js';
import { StopFailedError, SupervisorDisposedError } from './errors.js';
import { applyLogCap } from './log-cap.js';
import { parsePidRecord, readPidFile, writePidFile } from './pid-file.js';
import {
  defaultRestartPolicy,
  planRestart,
  trimExitHistory,
  type ExitRecord,
  type RestartPolicy,
} from './policy.js';
import { probeProcessAlive, readCmdline, readProcessAgeMs, readProcStat } from './proc.js';
import { defaultSpawn, signalProcess, startDetachedProcess, type SpawnFn } from './spawn.js';
import { watchAdoptedProcess } from './watch.js';

/** How to run one service instance. */
export interface ProcessSpec {
  instanceId: string;
  /** Absolute path, e.g. /usr/share/zookeeper/bin/zkServer.sh. */
  command: string;
  args: string[];
  /** The complete environment of the process (the agent's own is not inherited). */
  env: Record<string, string>;
  cwd: string;
  pidFile: string;
  logFile: string;
  logMaxBytes: number;
  stopGraceMs: number;
  /** Strings the argv of a running process must contain to be adopted; default: the absolute-path args. */
  adoptMatch?: string[];
  /** The account the service runs under; absent: the agent's own. */
  user?: { uid: number; gid: number } | undefined;
  /**
   * A restart (asked for, or after a crash) signals only the process itself and leaves the rest of
   * its group running: the children carry the service's data plane and the next process takes them
   * back (Storm's supervisor recovers running workers, "Recovered Worker"). A plain stop still
   * ends the whole group.
   */
  restartKeepsChildren?: boolean | undefined;
  /**
   * Asked before every spawn (first start, restart, restart after a crash): undefined to go ahead,
   * or why not; a refusal is handled as a failed start (retried under the restart policy).
   */
  beforeSpawn?: (() => Promise<string | undefined>) | undefined;
}

/**
 * 'starting': being spawned; 'running': the process exists (liveness, not readiness: probes say
 * whether it serves); 'crashed': exited unexpectedly and waiting for its backoff, or given up.
 */
export type SupervisorState = 'stopped' | 'starting' | 'running' | 'crashed';

export interface ExitInfo {
  /** null when killed by a signal, or for an adopted process (not our child: its status is unknowable). */
  code: number | null;
  signal: string | null;
  at: number;
}

export interface SupervisorStatus {
  instanceId: string;
  state: SupervisorState;
  pid?: number;
  startedAt?: number;
  /** Automatic restarts after unexpected exits (not operator restarts). */
  restarts: number;
  lastExit?: ExitInfo;
  /** The process was found running (pid file) rather than started by this supervisor. */
  adopted: boolean;
  /** Why the state is what it is, for humans (e.g. the restart decision's reason). */
  reason?: string;
  /** The restart policy sees a crash loop; the control plane should know. */
  crashLoop: boolean;
  /**
   * The last exit was unexpected and no run since has lasted the policy's `resetAfterMs`: the member
   * is down or only just back, and that exit (with its cause) still explains it. Cleared by a run
   * that lasts, and by a stop or an adoption.
   */
  recovering: boolean;
  /** When the pending automatic restart fires. */
  nextRestartAt?: number;
}

export interface SupervisorOptions {
  logger?: Logger;
  /** Clock (ms since epoch). */
  now?: () => number;
  policy?: RestartPolicy;
  spawn?: SpawnFn;
  /** How often an adopted process (not our child, so no exit event) is checked for life. Default 500 ms. */
  pollIntervalMs?: number;
  /** The same check while stopping, so stop() notices the exit promptly. Default 50 ms. */
  stopPollIntervalMs?: number;
  /** How often the log file size is checked against logMaxBytes. Default 10 s. */
  logCapIntervalMs?: number;
  /** How long to wait for the group to vanish after SIGKILL before stop() fails. Default 10 s. */
  killWaitMs?: number;
  procRoot?: string;
}

/** A process this supervisor is watching, spawned or adopted. */
interface Run {
  spec: ProcessSpec;
  pid: number;
  startTime: number;
  /** Process group to signal; undefined if an adopted process is not a group leader (then only the pid). */
  pgid: number | undefined;
  adopted: boolean;
  startedAt: number;
  exited: Promise<ExitInfo>;
  stopRequested: boolean;
  /** Stops watching without touching the process (dispose). */
  unwatch(): void;
  /** Switches an adopted process's poll to the fast interval (stop). */
  pollFast(): void;
}

type Listener = (status: SupervisorStatus) => void;

/**
 * Runs, watches and restarts one service instance. The process lives in its own process group and
 * outlives the agent; a later supervisor for the same instance adopts it through the pid file.
 * Public operations are serialised: each waits for the previous one to finish.
 */
export class ProcessSupervisor {
  private spec: ProcessSpec;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly policy: RestartPolicy;
  private readonly spawnFn: SpawnFn;
  private readonly pollIntervalMs: number;
  private readonly stopPollIntervalMs: number;
  private readonly logCapIntervalMs: number;
  private readonly killWaitMs: number;
  private readonly procRoot: string;

  private st: SupervisorStatus;
  private run: Run | undefined;
  private history: ExitRecord[] = [];
  private wantRunning = false;
  private givenUp = false;
  private disposed = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private logCapTimer: NodeJS.Timeout | undefined;
  private logCapBusy = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<Listener>();

  constructor(spec: ProcessSpec, opts: SupervisorOptions = {}) {
    this.spec = spec;
    this.log = (opts.logger ?? nullLogger).child({ instance: spec.instanceId });
    this.now = opts.now ?? Date.now;
    this.policy = opts.policy ?? defaultRestartPolicy();
    this.spawnFn = opts.spawn ?? defaultSpawn;
    this.pollIntervalMs = opts.pollIntervalMs ?? 500;
    this.stopPollIntervalMs = opts.stopPollIntervalMs ?? 50;
    this.logCapIntervalMs = opts.logCapIntervalMs ?? 10_000;
    this.killWaitMs = opts.killWaitMs ?? 10_000;
    this.procRoot = opts.procRoot ?? '/proc';
    this.st = {
      instanceId: spec.instanceId,
      state: 'stopped',
      restarts: 0,
      adopted: false,
      crashLoop: false,
      recovering: false,
    };
  }

  status(): SupervisorStatus {
    const st = { ...this.st, ...(this.st.lastExit ? { lastExit: { ...this.st.lastExit } } : {}) };
    // A run that outlived resetAfterMs ends the crash loop and the recovery (the policy's own notion
    // of healthy).
    if (
      st.state === 'running' &&
      st.startedAt !== undefined &&
      this.now() - st.startedAt >= this.policy.resetAfterMs
    ) {
      st.crashLoop = false;
      st.recovering = false;
    }
    return st;
  }

  /** Calls `listener` after every status change; returns the unsubscribe function. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Changes the spec used from the next start on; a running process keeps running as it is (stop()
   * and log capping keep using the spec it was started with). `instanceId` must stay the same.
   */
  update(spec: ProcessSpec): void {
    this.spec = spec;
  }

  /**
   * Makes the instance run: adopts the process in the pid file if it is still ours, else spawns one.
   * A no-op while running, while an automatic restart is pending (so a reconcile loop calling start()
   * cannot defeat the backoff), and after the policy gave up (until restart() or stop()).
   */
  start(): Promise<SupervisorStatus> {
    return this.enqueue(async () => {
      this.wantRunning = true;
      this.ensureLogCapTimer();
      if (this.run || this.restartTimer || this.givenUp) return this.status();
      if (!(await this.tryAdopt())) await this.spawnRun();
      return this.status();
    });
  }

  /**
   * Only adopts: if the pid file names a live process that is still ours, supervise it (restarting it
   * if it dies); otherwise change nothing and start nothing. For an agent that comes up before it
   * knows its desired state.
   */
  adopt(): Promise<SupervisorStatus> {
    return this.enqueue(async () => {
      if (this.run || this.restartTimer || this.givenUp) return this.status();
      if (await this.tryAdopt()) {
        this.wantRunning = true;
        this.ensureLogCapTimer();
      }
      return this.status();
    });
  }

  /**
   * Stops the process (SIGTERM to its group, SIGKILL after stopGraceMs) and removes the pid file.
   * `forRestart`: the caller starts it again right after, so a spec with restartKeepsChildren
   * signals only the process and leaves its children running.
   */
  /**
   * Stops the process. `graceMs` overrides the spec's stopGraceMs for this stop (a fenced Storm
   * nimbus gets a short one: it must stop serving before another nimbus can start, and its state
   * lives in ZooKeeper and the blob store, not in memory).
   */
  stop(opts: { forRestart?: boolean; graceMs?: number } = {}): Promise<SupervisorStatus> {
    return this.enqueue(async () => {
      await this.stopRun(opts.forRestart ? 'restarting' : 'stopped', opts.forRestart === true, opts.graceMs);
      return this.status();
    });
  }

  /** Stop, then start a fresh process; clears the backoff history (an intended restart is not a crash). */
  restart(): Promise<SupervisorStatus> {
    return this.enqueue(async () => {
      await this.stopRun('restarting', true);
      this.history = [];
      this.wantRunning = true;
      this.ensureLogCapTimer();
      await this.spawnRun();
      return this.status();
    });
  }

  /**
   * Stops timers and watchers but leaves the process running: the agent is shutting down and the
   * services must not go down with it. The next agent adopts them.
   */
  dispose(): void {
    this.disposed = true;
    this.clearRestartTimer();
    if (this.logCapTimer) clearInterval(this.logCapTimer);
    this.logCapTimer = undefined;
    this.run?.unwatch();
    this.listeners.clear();
  }

  // --- internals -------------------------------------------------------------------------------

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(() => {
      if (this.disposed) throw new SupervisorDisposedError(this.spec.instanceId);
      return op();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private setStatus(patch: Partial<SupervisorStatus>, clear: (keyof SupervisorStatus)[] = []): void {
    const next: SupervisorStatus = { ...this.st, ...patch };
    for (const k of clear) delete next[k];
    this.st = next;
    const snapshot = this.status();
    for (const l of this.listeners) {
      try {
        l(snapshot);
      } catch (err) {
        this.log.error({ err }, 'status_listener_failed');
      }
    }
  }

  /** Adopts the process named in the pid file if it is still the one we started for this instance. */
  private async tryAdopt(): Promise<boolean> {
    const spec = this.spec;
    let text: string | undefined;
    try {
      text = await readPidFile(spec.pidFile);
    } catch (err) {
      this.log.warn({ err, pid_file: spec.pidFile }, 'pid_file_unreadable');
      return false;
    }
    if (text === undefined) return false;
    const parsed = parsePidRecord(text);
    if ('reason' in parsed) {
      this.log.warn({ pid_file: spec.pidFile, reason: parsed.reason }, 'pid_file_invalid');
      await this.removePidFile(spec.pidFile);
      return false;
    }
    const { record } = parsed;
    const [stat, cmdline] = await Promise.all([
      readProcStat(record.pid, this.procRoot),
      readCmdline(record.pid, this.procRoot),
    ]);
    const check = checkAdoption(
      record,
      { instanceId: spec.instanceId, match: planAdoptMatch(spec) },
      stat,
      cmdline,
    );
    if (!check.adopt || stat === undefined) {
      // A stale pid file is normal after a reboot or a crash of the whole host.
      this.log.info({ pid: record.pid, reason: check.adopt ? 'gone' : check.reason }, 'pid_file_stale');
      await this.removePidFile(spec.pidFile);
      return false;
    }
    const ageMs = await readProcessAgeMs(record.startTime, this.procRoot);
    const startedAt = this.now() - (ageMs ?? 0);
    // We start every process as a group leader (setsid); if this one is not, signal only the pid.
    const pgid = stat.pgrp === record.pid ? record.pid : undefined;
    const run = this.watchAdopted(spec, record.pid, record.startTime, pgid, startedAt);
    this.run = run;
    this.log.info({ pid: run.pid }, 'process_adopted');
    this.setStatus(
      {
        state: 'running',
        pid: run.pid,
        startedAt,
        adopted: true,
        reason: 'adopted running process',
        crashLoop: false,
        recovering: false,
      },
      ['nextRestartAt'],
    );
    this.followExit(run);
    return true;
  }

  private async spawnRun(): Promise<void> {
    const spec = this.spec;
    this.setStatus({ state: 'starting', adopted: false, reason: 'starting' }, [
      'pid',
      'startedAt',
      'nextRestartAt',
    ]);
    const startedAt = this.now();
    const refused = spec.beforeSpawn ? await spec.beforeSpawn().catch((e: unknown) => String(e)) : undefined;
    if (refused !== undefined) {
      this.log.warn({ reason: refused }, 'process_start_refused');
      this.onFailure({ code: null, signal: null, at: this.now() }, startedAt, `not started: ${refused}`);
      return;
    }
    let launched;
    try {
      launched = await startDetachedProcess(spec, this.spawnFn);
    } catch (err) {
      this.log.error({ err, command: spec.command }, 'process_spawn_failed');
      this.onFailure(
        { code: null, signal: null, at: this.now() },
        startedAt,
        `spawn failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      return;
    }
    const { pid, exited } = launched;
    const stat = await readProcStat(pid, this.procRoot);
    const run: Run = {
      spec,
      pid,
      startTime: stat?.startTime ?? -1,
      pgid: pid,
      adopted: false,
      startedAt,
      exited: exited.then((e) => ({ ...e, at: this.now() })),
      stopRequested: false,
      unwatch: () => launched.child.removeAllListeners('exit'),
      pollFast: () => {},
    };
    this.run = run;
    this.followExit(run);
    // If the process already died (no stat) there is nothing to record; followExit handles the exit.
    if (stat) {
      try {
        await writePidFile(spec.pidFile, {
          pid,
          startTime: stat.startTime,
          command: spec.command,
          args: spec.args,
          instanceId: spec.instanceId,
        });
      } catch (err) {
        // Running without a pid file only costs adoption after an agent restart; keep the service up.
        this.log.error({ err, pid, pid_file: spec.pidFile }, 'pid_file_write_failed');
      }
    }
    this.log.info({ pid }, 'process_started');
    if (this.run === run)
      this.setStatus({ state: 'running', pid, startedAt, reason: 'started', crashLoop: this.st.crashLoop });
  }

  private watchAdopted(
    spec: ProcessSpec,
    pid: number,
    startTime: number,
    pgid: number | undefined,
    startedAt: number,
  ): Run {
    const w = watchAdoptedProcess({
      pid,
      startTime,
      pollIntervalMs: this.pollIntervalMs,
      fastPollIntervalMs: this.stopPollIntervalMs,
      now: this.now,
      procRoot: this.procRoot,
    });
    // Not our child: the exit status is unknowable.
    const exited = w.exited.then(({ at }): ExitInfo => ({ code: null, signal: null, at }));
    return {
      spec,
      pid,
      startTime,
      pgid,
      adopted: true,
      startedAt,
      exited,
      stopRequested: false,
      unwatch: w.unwatch,
      pollFast: w.pollFast,
    };
  }

  private followExit(run: Run): void {
    void run.exited
      .then((info) => this.enqueue(async () => this.onExit(run, info)))
      .catch((err: unknown) => {
        if (!(err instanceof SupervisorDisposedError))
          this.log.error({ err, pid: run.pid }, 'exit_handling_failed');
      });
  }

  private async onExit(run: Run, info: ExitInfo): Promise<void> {
    // A superseded run is old news; an intended stop normally handles its own exit.
    if (run !== this.run) return;
    this.run = undefined;
    run.unwatch();
    if (run.stopRequested) {
      // The stop gave up (StopFailedError) but the process has gone since.
      await this.removePidFile(run.spec.pidFile);
      this.setStatus(
        {
          state: 'stopped',
          lastExit: info,
          adopted: false,
          reason: 'stopped',
          crashLoop: false,
          recovering: false,
        },
        ['pid', 'startedAt', 'nextRestartAt'],
      );
      return;
    }
    // The leader is gone; stray members of its group (a wrapper's children) must not hold ports,
    // unless they are what the restarted process takes back (restartKeepsChildren).
    if (run.pgid !== undefined && !run.spec.restartKeepsChildren) this.killRemnants(run);
    await this.removePidFile(run.spec.pidFile);
    this.log.warn(
      { pid: run.pid, code: info.code, signal: info.signal, ran_for_ms: info.at - run.startedAt },
      'process_exited_unexpectedly',
    );
    this.onFailure(info, run.startedAt, undefined);
  }

  /** Records an unexpected exit (or failed spawn) and schedules the restart the policy asks for. */
  private onFailure(info: ExitInfo, startedAt: number, what: string | undefined): void {
    const now = this.now();
    this.history = trimExitHistory(
      [
        ...this.history,
        { at: info.at, ranForMs: Math.max(0, info.at - startedAt), code: info.code, signal: info.signal },
      ],
      this.policy,
      now,
    );
    const decision = planRestart(this.history, this.policy, now);
    const reason = what ? `${what}; ${decision.reason}` : decision.reason;
    if (decision.action === 'give-up') {
      this.givenUp = true;
      this.log.error({ reason }, 'restart_given_up');
      this.setStatus({ state: 'crashed', lastExit: info, reason, crashLoop: true, recovering: true }, [
        'pid',
        'startedAt',
        'nextRestartAt',
      ]);
      return;
    }
    if (decision.crashLoop) this.log.error({ reason, delay_ms: decision.delayMs }, 'process_crash_loop');
    this.scheduleRestart(decision.delayMs);
    this.setStatus(
      {
        state: 'crashed',
        lastExit: info,
        reason,
        crashLoop: decision.crashLoop,
        recovering: true,
        nextRestartAt: now + decision.delayMs,
      },
      ['pid', 'startedAt'],
    );
  }

  private scheduleRestart(delayMs: number): void {
    this.clearRestartTimer();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.enqueue(async () => {
        if (!this.wantRunning || this.run) return;
        this.setStatus({ restarts: this.st.restarts + 1 });
        this.log.info({ restarts: this.st.restarts }, 'process_restarting');
        await this.spawnRun();
      }).catch((err: unknown) => {
        if (!(err instanceof SupervisorDisposedError)) this.log.error({ err }, 'restart_failed');
      });
    }, delayMs);
  }

  private clearRestartTimer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }

  private async stopRun(reason: string, forRestart = false, graceMs?: number): Promise<void> {
    this.wantRunning = false;
    this.givenUp = false;
    this.clearRestartTimer();
    const run = this.run;
    if (run) {
      let info: ExitInfo;
      try {
        info = await this.terminate(run, forRestart && run.spec.restartKeepsChildren === true, graceMs);
      } catch (err) {
        this.log.error({ err, pid: run.pid }, 'process_stop_failed');
        this.setStatus({ reason: `stop failed: ${err instanceof Error ? err.message : String(err)}` });
        throw err;
      }
      this.run = undefined;
      run.unwatch();
      this.log.info({ pid: run.pid, code: info.code, signal: info.signal }, 'process_stopped');
      this.setStatus({ lastExit: info });
    }
    await this.removePidFile(run?.spec.pidFile ?? this.spec.pidFile);
    this.setStatus({ state: 'stopped', adopted: false, reason, crashLoop: false, recovering: false }, [
      'pid',
      'startedAt',
      'nextRestartAt',
    ]);
  }

  /**
   * SIGTERM to the group, then SIGCONT, up to stopGraceMs for the leader to exit, then SIGKILL;
   * finally SIGKILL whatever is left of the group (systemd's KillMode=control-group does the same).
   * The SIGCONT is systemd's too ("right after sending the signal specified in this setting,
   * systemd will always send SIGCONT, to ensure that even suspended tasks can be terminated
   * cleanly", systemd.kill(5) KillSignal=): a stopped process (SIGSTOP, a frozen JVM) holds a
   * SIGTERM pending until it runs again, so without it every stop of a frozen member waited out the
   * whole grace period and ended in SIGKILL, skipping the service's own shutdown.
   */
  private async terminate(run: Run, keepChildren = false, graceMs = run.spec.stopGraceMs): Promise<ExitInfo> {
    run.stopRequested = true;
    // Keeping the children: signal the process alone, never its group.
    const target = keepChildren ? { pid: run.pid, pgid: undefined } : run;
    run.pollFast();
    // An adopted process is checked before every signal: its pid could have been reused since the last poll.
    if (run.adopted && !(await probeProcessAlive(run.pid, run.startTime, this.procRoot))) {
      return { code: null, signal: null, at: this.now() };
    }
    this.log.info({ pid: run.pid, grace_ms: graceMs }, 'process_stopping');
    if (signalProcess(target, 'SIGTERM') === 'gone')
      return run.adopted ? { code: null, signal: null, at: this.now() } : await run.exited;
    // A process that exits between the two signals is simply gone: SIGCONT then finds nothing.
    signalProcess(target, 'SIGCONT');
    let info = await within(run.exited, graceMs);
    if (!info) {
      this.log.warn({ pid: run.pid, grace_ms: graceMs }, 'stop_grace_expired_killing');
      if (run.adopted && !(await probeProcessAlive(run.pid, run.startTime, this.procRoot)))
        return { code: null, signal: null, at: this.now() };
      signalProcess(target, 'SIGKILL');
      info = await within(run.exited, this.killWaitMs);
      if (!info) throw new StopFailedError(run.spec.instanceId, run.pid);
    }
    if (run.pgid !== undefined && !keepChildren) this.killRemnants(run);
    return info;
  }

  private killRemnants(run: Run): void {
    try {
      signalProcess(run, 'SIGKILL');
    } catch (err) {
      this.log.warn({ err, pid: run.pid }, 'process_group_kill_failed');
    }
  }

  /** A pid file left behind is harmless (adoption checks pid + start time), so failing to remove it is only logged. */
  private async removePidFile(path: string): Promise<void> {
    try {
      await removeFileIfExists(path);
    } catch (err) {
      this.log.warn({ err, pid_file: path }, 'pid_file_remove_failed');
    }
  }

  private ensureLogCapTimer(): void {
    if (this.logCapTimer || this.disposed) return;
    this.logCapTimer = setInterval(() => void this.capLog(), this.logCapIntervalMs);
    // Log capping alone must not keep the agent alive.
    this.logCapTimer.unref();
  }

  private async capLog(): Promise<void> {
    const run = this.run;
    if (!run || this.logCapBusy) return;
    this.logCapBusy = true;
    try {
      const r = await applyLogCap(run.spec.logFile, run.spec.logMaxBytes);
      if (r.rotated) this.log.info({ pid: run.pid, log_file: run.spec.logFile, size: r.size }, 'log_rotated');
    } catch (err) {
      this.log.warn({ err, log_file: run.spec.logFile }, 'log_cap_failed');
    } finally {
      this.logCapBusy = false;
    }
  }
}

/** The promise's value, or undefined if it has not settled within `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
