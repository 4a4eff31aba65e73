import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  HactlError,
  parseJsonInput,
  classifyChange,
  serviceKind,
  type Logger,
  type PackageInputs,
  type ProcessPlan,
} from '@hactl/shared';
import { writeFileIfChanged } from '../files/atomic.js';
import { ensureOwnedBy } from '../files/ownership.js';
import type { ServiceUser } from '../supervisor/users.js';
import { checkPackageHost, ensureDistribution, type DownloadPolicy } from '../files/distribution.js';
import {
  ProcessSupervisor,
  type ExitInfo,
  type SupervisorOptions,
  type SupervisorStatus,
} from '../supervisor/index.js';
import { agentServiceKind } from '../services/registry.js';
import type { AgentServiceKind, InstanceChecks } from '../services/types.js';
import { findCrashCause, readFailureLog, tailLines, type CrashCause } from './crash-cause.js';
import type { DesiredInstance } from './diff.js';
import { checkLaunch, type LaunchCheck } from './launch-check.js';
import type { LastProbe } from './probes.js';

export interface ManagedInstance {
  spec: DesiredInstance;
  supervisor: ProcessSupervisor;
  plan: ProcessPlan;
  /**
   * The running process needs a restart to pick up the current spec (restarts wait for a lease).
   * Judged against what the process was started with (`running`), not against file writes: a
   * rollback to the spec a process runs needs no restart even though its files were rewritten.
   */
  restartPending: boolean;
  /** The inputs and plan the current process was started (or adopted) with; persisted beside its pid file. */
  running?: RunningRecord | undefined;
  /**
   * What the supervisor starts next time (after a crash, or a restart): the current spec, except
   * while the current spec cannot start here (its distribution is missing) — then the last one that
   * could, so a crash of the old process does not turn into a crash loop on the missing one.
   */
  launch: RunningRecord;
  /** A desired spec not applied yet because its package could not be fetched; a restart retries it. */
  target?: DesiredInstance | undefined;
  /** Why a restart onto the current spec would fail (e.g. the distribution is not on this host). */
  blocked?: string | undefined;
  /** Why the process last crashed, from its log files. */
  crashCause?: CrashCause | undefined;
  /** The end of the log its last crash left (crash-cause.ts readFailureLog), reported while it is down. */
  failureLog?: { file: string; lines: string[] } | undefined;
  /**
   * Why the last start failed before the service's process ran: a pre-start command (e.g. KRaft's
   * storage format refusing a log dir formatted for another node id) exited non-zero. Cleared by
   * the next start that gets past it, or when the instance is to stop.
   */
  startFailure?: StartFailure | undefined;
  lastProbe?: LastProbe;
  /**
   * Its kind's checks (the nimbus fence), with what they keep open between calls (a ZooKeeper
   * session) until the instance is removed or the agent stops.
   */
  checks?: InstanceChecks | undefined;
  /**
   * The instance's file writes, one after another (`serially`): a write back before a spawn and an
   * update's write of a newer spec never interleave, so the files on disk end as the last one's.
   */
  writing: Promise<void>;
}

/** A start that failed before the service's process ran: what failed, how it exited, its output's end. */
export interface StartFailure {
  what: string;
  exit: ExitInfo;
  log: { file: string; lines: string[] };
}

/**
 * How a pre-start command failed, from execFile's error: its exit code, or the signal that ended
 * it (a timeout kills it); a command that could not be spawned at all (ENOENT, EACCES) is reported
 * as exit code 127, the shell's "command not found". Pure.
 */
export function preStartExit(err: { code?: unknown; signal?: unknown }, at: number): ExitInfo {
  const signal = typeof err.signal === 'string' ? err.signal : null;
  const code = typeof err.code === 'number' ? err.code : signal === null ? 127 : null;
  return { code, signal, at };
}

/** What a process was started with, to tell whether the current spec needs a restart. */
export interface RunningRecord {
  inputs: unknown;
  plan: ProcessPlan;
}

/**
 * Whether a process started with `running` must restart to run `spec` with `plan`. Pure. A change
 * of what the plan launches does (a new agent may launch the same inputs differently: command,
 * arguments, environment, working directory, directories, stdout file); a change of how the agent
 * only handles the process does not (`launchOf`); otherwise the kind decides, from the inputs the
 * process runs to the new ones.
 */
export function needsRestartFor(
  running: RunningRecord | undefined,
  spec: DesiredInstance,
  plan: ProcessPlan,
): boolean {
  if (!running) return false;
  if (JSON.stringify(launchOf(running.plan)) !== JSON.stringify(launchOf(plan))) return true;
  return classifyChange(spec.kind, running.inputs, spec.inputs) === 'restart';
}

/**
 * The parts of a plan that decide what runs. Left out: where the agent reads the service's own
 * logs, what it checks before a restart, how it recognises the process for adoption, how long it
 * waits when stopping it, and whether a restart keeps its children. A new agent that learns one of
 * these (an Elasticsearch node's server log) must not take every running member for restart
 * pending.
 */
function launchOf(plan: ProcessPlan): Partial<ProcessPlan> {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { serviceLogFiles, requiredPaths, adoptMatch, stopGraceMs, restartKeepsChildren, ...launch } = plan;
  return launch;
}

export interface InstanceManagerOptions {
  stateDir: string;
  logger: Logger;
  logMaxBytes: number;
  supervisor: SupervisorOptions;
  /** Environment every service process starts with (PATH, LANG, JAVA_HOME...). */
  baseEnv: Record<string, string>;
  /**
   * The account each kind's service runs under (created when missing), or undefined to run every
   * service as the agent's own user. The agent passes one only when it runs as root.
   */
  serviceUser?: ((name: string) => Promise<ServiceUser>) | undefined;
  /** Where packages may be downloaded from (the agent's --package-host list); absent: nowhere. */
  download?: DownloadPolicy | undefined;
  /** The agent half of each service kind; default the registry's (tests pass their own). */
  kindOf?: ((kind: string) => AgentServiceKind | undefined) | undefined;
  /** Timeout of a kind's start and running checks (the Storm fence read), ms. Default 3000. */
  checkTimeoutMs?: number | undefined;
  onChange: () => void;
}

/**
 * The grace a process stopped by its kind's running check gets before SIGKILL, ms: a fenced nimbus
 * must stop answering before the promoted one can start (architecture §5).
 */
export const FENCED_STOP_GRACE_MS = 1000;

/** Safe file name for an instance id such as `zk-main/zk-1`. */
export function instanceFileName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Applies desired instances on this host: renders files with the same pure renderer the control
 * plane uses, writes them atomically (only when changed), and drives one supervisor per instance.
 */
export class InstanceManager {
  readonly instances = new Map<string, ManagedInstance>();
  /** State writes under way (see `track`). */
  private readonly writes = new Set<Promise<void>>();
  /** Instances a running check stopped (see enforceRunningChecks), retried by their start check. */
  private readonly checkStopped = new Set<string>();
  private readonly kindOf: (kind: string) => AgentServiceKind | undefined;
  constructor(private readonly opts: InstanceManagerOptions) {
    this.kindOf = opts.kindOf ?? agentServiceKind;
  }

  current(): Map<string, DesiredInstance> {
    return new Map([...this.instances].map(([id, m]) => [id, m.spec]));
  }

  /** The account the instance's service runs under, or undefined for the agent's own. */
  private async userFor(spec: DesiredInstance): Promise<ServiceUser | undefined> {
    const name = this.kindOf(spec.kind)?.serviceUser;
    return name && this.opts.serviceUser ? this.opts.serviceUser(name) : undefined;
  }

  /**
   * Renders and writes the instance's files; returns true when any file changed. `beforeStart`:
   * written again just before a spawn, where a changed file is one edited on the host since hactl
   * wrote it (logged as a warning).
   */
  private async writeFiles(
    spec: DesiredInstance,
    plan: ProcessPlan,
    user: ServiceUser | undefined,
    beforeStart = false,
  ): Promise<boolean> {
    const kind = serviceKind(spec.kind);
    if (!kind) throw new Error(`unknown kind ${spec.kind}`);
    for (const dir of plan.dirs) {
      // Parents stay the agent's (0755 so the service account can reach its own directories);
      // the directories the service writes are its own, 0750.
      await fs.mkdir(dir, { recursive: true, mode: 0o755 });
      // Handed over once (a new dir, or one left by an agent that ran services as root); a dir
      // already the service's was set up then, so a config update costs one lstat per dir.
      if (user && (await ensureOwnedBy(dir, user)) === 'updated') await fs.chmod(dir, 0o750);
    }
    let changed = false;
    for (const f of kind.render(spec.inputs)) {
      const outcome = await writeFileIfChanged(f.path, f.content, { mode: f.mode });
      if (outcome !== 'unchanged') {
        changed = true;
        if (beforeStart)
          this.opts.logger.warn(
            { instance: spec.id, file: f.path, outcome },
            'config file differed from what hactl rendered (edited on the host?); written back before start',
          );
        else this.opts.logger.info({ instance: spec.id, file: f.path, outcome }, 'config file written');
      }
    }
    return changed;
  }

  private processSpec(
    spec: DesiredInstance,
    plan: ProcessPlan,
    user: ServiceUser | undefined,
    checks: InstanceChecks | undefined,
  ) {
    const name = instanceFileName(spec.id);
    return {
      instanceId: spec.id,
      command: plan.command,
      args: plan.args,
      env: { ...this.opts.baseEnv, ...plan.env },
      cwd: plan.cwd,
      pidFile: path.join(this.opts.stateDir, 'run', `${name}.pid`),
      logFile: plan.logFile,
      logMaxBytes: this.opts.logMaxBytes,
      stopGraceMs: plan.stopGraceMs,
      adoptMatch: plan.adoptMatch,
      user: user ? { uid: user.uid, gid: user.gid } : undefined,
      restartKeepsChildren: plan.restartKeepsChildren,
      beforeSpawn: this.beforeSpawn(spec, user, checks),
    };
  }

  /**
   * What runs before each spawn of `spec`'s process (first start, restart, restart after a crash):
   * the instance's files are written back where they differ from its current spec's rendering
   * (`restoreFiles`), so a process never starts on a file edited on the host (the files' header
   * says local edits are overwritten; `hactl files` shows such drift until then), then the kind's
   * start check (the Storm nimbus fence), if it has one. The current spec's files, as an update
   * wrote them, also when a crash restart keeps an older launch (a newer spec that cannot start
   * here): only host edits are undone.
   */
  private beforeSpawn(
    spec: DesiredInstance,
    user: ServiceUser | undefined,
    checks: InstanceChecks | undefined,
  ): () => Promise<string | undefined> {
    const check = checks?.checkStart;
    return async () => {
      const m = this.instances.get(spec.id);
      if (m) await this.restoreFiles(m);
      return check ? check(spec.inputs, this.opts.checkTimeoutMs ?? 3000) : undefined;
    };
  }

  /**
   * Writes back the current spec's files where they differ (a host edit), after the writes before,
   * as the current spec's service user.
   */
  private restoreFiles(m: ManagedInstance): Promise<void> {
    return this.serially(
      m,
      async () => void (await this.writeFiles(m.spec, m.plan, await this.userFor(m.spec), true)),
    );
  }

  /** Runs `job` after the instance's earlier file writes (whether they failed or not); its result. */
  private serially<T>(m: ManagedInstance, job: () => Promise<T>): Promise<T> {
    const run = m.writing.then(job);
    m.writing = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * Stops every running process whose kind says it must not run (a nimbus fenced by a newer epoch
   * in ZooKeeper), without a lease: a fenced process is the one that must not serve. Called when
   * the agent starts (right after adoption, before anything else) and every report interval, so an
   * agent cut off from the control plane still obeys ZooKeeper. Returns the ids it stopped.
   */
  async enforceRunningChecks(): Promise<string[]> {
    const stopped: string[] = [];
    for (const m of [...this.instances.values()]) {
      if (await this.enforceRunningCheck(m)) stopped.push(m.spec.id);
      else await this.retryChecked(m);
    }
    return stopped;
  }

  /**
   * Starts again an instance a running check stopped, once its kind's start check passes (a nimbus
   * that fenced itself while ZooKeeper was out of reach, whose fence is confirmed again). One that
   * ZooKeeper fenced for good (a newer epoch) stays stopped: its start check refuses.
   */
  private async retryChecked(m: ManagedInstance): Promise<void> {
    if (!this.checkStopped.has(m.spec.id)) return;
    if (m.spec.runState !== 'running' || m.supervisor.status().state !== 'stopped') {
      this.checkStopped.delete(m.spec.id);
      return;
    }
    const check = m.checks?.checkStart;
    if (!check || (await check(m.spec.inputs, this.opts.checkTimeoutMs ?? 3000)) !== undefined) return;
    if (this.instances.get(m.spec.id) !== m || m.supervisor.status().state !== 'stopped') return;
    this.checkStopped.delete(m.spec.id);
    this.opts.logger.info({ instance: m.spec.id }, 'starting again: its start check passes');
    m.blocked = undefined;
    await m.supervisor.start();
  }

  /** One instance's running check (see enforceRunningChecks); true when it was stopped. */
  private async enforceRunningCheck(m: ManagedInstance): Promise<boolean> {
    const check = m.checks?.checkRunning;
    const st = m.supervisor.status().state;
    if (!check || (st !== 'running' && st !== 'starting' && st !== 'crashed')) return false;
    const reason = await check(m.spec.inputs, this.opts.checkTimeoutMs ?? 3000);
    if (reason === undefined || this.instances.get(m.spec.id) !== m) return false;
    this.opts.logger.warn({ instance: m.spec.id, reason }, 'stopping a process its kind refuses to run');
    m.blocked = reason;
    this.checkStopped.add(m.spec.id);
    // A process its kind refuses to run must stop serving now, not after the usual grace.
    await m.supervisor.stop({ graceMs: FENCED_STOP_GRACE_MS });
    this.opts.onChange();
    return true;
  }

  private runningFile(id: string): string {
    return path.join(this.opts.stateDir, 'run', `${instanceFileName(id)}.running.json`);
  }

  /** Records what the process now running was started with, `launched` (memory and disk). */
  private async recordRunning(m: ManagedInstance, launched: RunningRecord): Promise<void> {
    m.running = launched;
    this.refreshPending(m);
    await writeFileIfChanged(this.runningFile(m.spec.id), JSON.stringify(m.running) + '\n', {
      mode: 0o600,
    }).catch((err: unknown) =>
      this.opts.logger.warn(
        { instance: m.spec.id, err: String(err) },
        'cannot record the running spec; a restart pending may be missed after an agent restart',
      ),
    );
  }

  /**
   * What the process of `id` was started with, from its record beside the pid file. Saved state is
   * checked like wire input (issue 16 #7): a record that does not parse with the kind's schema is
   * not used (the caller then assumes the process runs the current spec), and the log names it.
   */
  private async readRunning(id: string, kind: string): Promise<RunningRecord | undefined> {
    const file = this.runningFile(id);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const r = parseJsonInput(text, file) as { inputs?: unknown; plan?: unknown } | null;
      if (
        typeof r !== 'object' ||
        r === null ||
        typeof r.plan !== 'object' ||
        r.plan === null ||
        Array.isArray(r.plan)
      )
        throw new Error('plan: must be an object');
      return { inputs: serviceKind(kind)!.parseInputs(r.inputs), plan: r.plan as ProcessPlan };
    } catch (err) {
      const details =
        err instanceof HactlError && err.details.length
          ? `: ${err.details.map((d) => `${d.path}: ${d.message}`).join('; ')}`
          : '';
      this.opts.logger.warn(
        { instance: id, file, err: `${err instanceof Error ? err.message : String(err)}${details}` },
        'record of the running process refused; assuming it runs the current spec',
      );
      return undefined;
    }
  }

  /** Recomputes restartPending from what runs and what is desired. */
  private refreshPending(m: ManagedInstance): void {
    const st = m.supervisor.status().state;
    const up = st === 'running' || st === 'starting';
    m.restartPending = up && m.spec.runState === 'running' && needsRestartFor(m.running, m.spec, m.plan);
  }

  /** Log files of an instance: the service's own first, then the captured stdout/stderr. */
  static logFiles(plan: ProcessPlan): string[] {
    return [...(plan.serviceLogFiles ?? []), plan.logFile];
  }

  /**
   * Whether the instance's current spec could be started here now (package verified, launch files
   * present), without changing anything.
   */
  async checkStartable(spec: DesiredInstance): Promise<LaunchCheck> {
    const agentKind = this.kindOf(spec.kind);
    if (!agentKind)
      return { ok: false, problems: [`this agent cannot run kind ${spec.kind}`], packageMissing: false };
    const pkg = (spec.inputs as { package?: PackageInputs }).package;
    const check = await checkLaunch({
      plan: agentKind.planProcess(spec.inputs),
      preStart: agentKind.planPreStart?.(spec.inputs) ?? [],
      package: pkg,
    });
    // A package this agent will not download is not "missing for now": the dry run says so up front.
    const refused =
      pkg && check.packageMissing
        ? checkPackageHost(pkg.url, this.opts.download?.allowedHosts ?? [])
        : undefined;
    return refused
      ? {
          ok: false,
          problems: [`package ${pkg!.url} cannot be downloaded here: ${refused}`],
          packageMissing: false,
        }
      : check;
  }

  /**
   * Throws, changing nothing, when restarting `id` now would fail: its new package could not be
   * fetched, or its launch command or files are missing. Called before a process is stopped.
   */
  async checkRestartable(id: string): Promise<void> {
    const m = this.instances.get(id);
    if (!m) throw new Error(`this host does not run ${id}`);
    if (m.target) {
      // The last apply could not fetch the package: try again now.
      await this.update(m.target);
    }
    const check = await this.checkStartable(m.spec);
    m.blocked = check.ok ? undefined : check.problems.join('; ');
    if (!check.ok) {
      this.opts.onChange();
      throw new Error(`not restarted, the running process was left alone: ${m.blocked}`);
    }
  }

  /** Parses wire inputs with the kind's schema; throws a ValidationError on garbage. */
  static checkInputs(spec: DesiredInstance): DesiredInstance {
    const kind = serviceKind(spec.kind);
    if (!kind || !agentServiceKind(spec.kind))
      throw new Error(`this agent cannot run instances of kind ${JSON.stringify(spec.kind)}`);
    return { ...spec, inputs: kind.parseInputs(spec.inputs) };
  }

  /**
   * Runs the kind's pre-start commands (e.g. KRaft storage format with --ignore-formatted); each
   * must exit 0 or the start is abandoned with its output in the error.
   */
  private async runPreStart(spec: DesiredInstance): Promise<void> {
    await this.ensurePackage(spec);
    const cmds = this.kindOf(spec.kind)?.planPreStart?.(spec.inputs) ?? [];
    // Pre-start commands write into the service's directories (KRaft's meta.properties), so they
    // run as the service's account too.
    const user = cmds.length ? await this.userFor(spec) : undefined;
    const ids = user ? { uid: user.uid, gid: user.gid } : {};
    for (const c of cmds) {
      this.opts.logger.info(
        { instance: spec.id, command: c.command, args: c.args },
        'running pre-start command',
      );
      await new Promise<void>((resolve, reject) => {
        execFile(
          c.command,
          c.args,
          {
            cwd: c.cwd,
            env: { ...this.opts.baseEnv, ...c.env },
            timeout: 120_000,
            maxBuffer: 1024 * 1024,
            ...ids,
          },
          (err, stdout, stderr) => {
            if (!err) return resolve();
            const m = this.instances.get(spec.id);
            if (m)
              m.startFailure = {
                what: `pre-start ${path.basename(c.command)} ${c.args[0] ?? ''}`.trim(),
                exit: preStartExit(err, Date.now()),
                log: { file: '', lines: tailLines(`${stdout}\n${stderr}`) },
              };
            const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-5).join(' | ');
            reject(
              new Error(
                `pre-start ${c.command} ${c.args.join(' ')} failed: ${err.message.split('\n')[0]}; output: ${tail}`,
              ),
            );
          },
        );
      });
    }
    const m = this.instances.get(spec.id);
    if (m?.startFailure) {
      m.startFailure = undefined;
      this.opts.onChange();
    }
  }

  /** Downloads and verifies a package distribution if the instance uses one (a no-op when present). */
  private async ensurePackage(spec: DesiredInstance): Promise<void> {
    const pkg = (spec.inputs as { package?: PackageInputs }).package;
    if (pkg) await ensureDistribution(pkg, this.opts.logger, this.opts.download ?? { allowedHosts: [] });
  }

  async add(spec: DesiredInstance): Promise<void> {
    const agentKind = this.kindOf(spec.kind)!;
    const plan = agentKind.planProcess(spec.inputs);
    const user = await this.userFor(spec);
    await this.writeFiles(spec, plan, user);
    await fs.mkdir(path.join(this.opts.stateDir, 'run'), { recursive: true });
    const checks = agentKind.createChecks?.();
    const supervisor = new ProcessSupervisor(this.processSpec(spec, plan, user, checks), {
      ...this.opts.supervisor,
      logger: this.opts.logger,
    });
    const managed: ManagedInstance = {
      spec,
      supervisor,
      plan,
      restartPending: false,
      launch: { inputs: spec.inputs, plan },
      checks,
      writing: Promise.resolve(),
    };
    let lastPid: number | undefined;
    let spawning: RunningRecord | undefined;
    supervisor.onChange((st) => {
      // A process the supervisor spawned (a start, a restart, a restart after a crash) runs what the
      // supervisor held when it began spawning it: `managed.launch` at the `starting` event
      // (setLaunch changes both together, synchronously). A config change that lands while the
      // spawn is under way changes `launch`, not what this process runs, so it stays restart pending.
      if (st.state === 'starting') spawning = managed.launch;
      if (st.state === 'running' && st.pid !== undefined && st.pid !== lastPid && !st.adopted)
        this.track(this.recordRunning(managed, spawning ?? managed.launch));
      if (st.pid !== undefined) lastPid = st.pid;
      // The cause stays until the next crash replaces it; the report shows it only while the
      // supervisor says the member is down or recovering from that crash.
      if (st.state === 'crashed') void this.noteCrash(managed, st.lastExit?.at ?? 0);
      this.refreshPending(managed);
      this.opts.onChange();
    });
    this.instances.set(spec.id, managed);
    // start() adopts a process this agent started before (pid file + cmdline check) instead of
    // starting a second one.
    if (spec.runState === 'running') {
      // An adopted, still-running process needs no pre-start; only a real start does.
      const adopted = await supervisor.adopt();
      if (adopted.pid) {
        managed.running = (await this.readRunning(spec.id, spec.kind)) ?? { inputs: spec.inputs, plan };
        this.refreshPending(managed);
        // Before anything else: an adopted nimbus fenced while this agent was away stops now.
        await this.enforceRunningCheck(managed);
      } else {
        await this.runPreStart(spec);
        await supervisor.start();
      }
    }
  }

  /** Finds why the process crashed in its logs (written since it started). */
  private async noteCrash(m: ManagedInstance, exitAt: number): Promise<void> {
    const since = (m.supervisor.status().lastExit?.at ?? exitAt) - 10 * 60_000;
    const files = InstanceManager.logFiles(m.plan);
    const cause = await findCrashCause(files, since).catch(() => undefined);
    m.crashCause = cause;
    m.failureLog = await readFailureLog(files, since, cause?.file).catch(() => undefined);
    this.opts.onChange();
  }

  async update(spec: DesiredInstance): Promise<void> {
    const m = this.instances.get(spec.id);
    if (!m) return this.add(spec);
    const agentKind = this.kindOf(spec.kind)!;
    const plan = agentKind.planProcess(spec.inputs);
    // An upgrade fetches the new version now, while the old one still runs, so the restart is short.
    // If it cannot be fetched, nothing of the new spec is used yet: the running process (and a
    // restart after a crash) stays on the old version, and a rollout step onto it fails.
    try {
      await this.ensurePackage(spec);
    } catch (err) {
      m.target = spec;
      m.blocked = `the new distribution is not ready: ${err instanceof Error ? err.message : String(err)}`;
      this.opts.onChange();
      throw err;
    }
    m.target = undefined;
    const user = await this.userFor(spec);
    // The spec changes with its files, after any write back before a spawn: the files end as its.
    await this.serially(m, async () => {
      await this.writeFiles(spec, plan, user);
      m.spec = spec;
      m.plan = plan;
    });
    const st = m.supervisor.status().state;
    if (spec.runState === 'stopped') {
      m.startFailure = undefined;
      this.setLaunch(m, user);
      if (st !== 'stopped') await m.supervisor.stop();
    } else if (st === 'stopped') {
      this.setLaunch(m, user);
      await this.runPreStart(spec);
      await m.supervisor.start();
    } else {
      // Running (or crashed and waiting for its next try). Never take a running service down on our
      // own: a restart waits for a lease from the control plane (architecture §4), so a config change
      // cannot restart a whole ensemble at once. Say now whether that restart could work; while it
      // could not, crash restarts keep using the launch that works.
      const check = await this.checkStartable(spec);
      m.blocked = check.ok ? undefined : check.problems.join('; ');
      if (check.ok) this.setLaunch(m, user);
    }
    this.refreshPending(m);
    if (m.restartPending)
      this.opts.logger.info({ instance: spec.id, blocked: m.blocked }, 'config changed; restart pending');
    else if (m.spec.runState === 'stopped' || st === 'stopped') m.blocked = undefined;
  }

  /** Makes the supervisor start the current spec from now on. */
  private setLaunch(m: ManagedInstance, user: ServiceUser | undefined): void {
    m.supervisor.update(this.processSpec(m.spec, m.plan, user, m.checks));
    m.launch = { inputs: m.spec.inputs, plan: m.plan };
  }

  async remove(id: string): Promise<void> {
    const m = this.instances.get(id);
    if (!m) return;
    await m.supervisor.stop();
    m.supervisor.dispose();
    this.instances.delete(id);
    await m.checks?.close();
    await this.settled();
    this.opts.logger.info({ instance: id }, 'instance removed');
  }

  /**
   * Restarts an instance (lease held by the caller, or the instance is down anyway). Checks first
   * that the current spec can start here and throws, leaving the process running, when it cannot.
   */
  async restart(id: string): Promise<SupervisorStatus | undefined> {
    const m = this.instances.get(id);
    if (!m) return undefined;
    await this.checkRestartable(id);
    const user = await this.userFor(m.spec);
    this.setLaunch(m, user);
    await m.supervisor.stop({ forRestart: true });
    // Before the pre-start too: it reads them (KRaft's storage format reads server.properties).
    await this.restoreFiles(m);
    await this.runPreStart(m.spec);
    const st = await m.supervisor.restart();
    this.refreshPending(m);
    return st;
  }

  /**
   * Lets go of every instance (their processes keep running) and resolves once the state writes
   * already started have landed, so an agent that exits next leaves no half-written record.
   */
  async dispose(): Promise<void> {
    for (const m of this.instances.values()) {
      m.supervisor.dispose();
      // The agent is stopping: what the checks keep open (a ZooKeeper session) closes with it.
      void m.checks?.close();
    }
    await this.settled();
  }

  /**
   * A state write made from a supervisor event (which cannot wait for it), kept until it lands so
   * `remove` and `dispose` can wait for it. recordRunning logs its own failures.
   */
  private track(write: Promise<void>): void {
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }

  /** Resolves when every tracked state write started so far has landed. */
  private async settled(): Promise<void> {
    await Promise.all([...this.writes]);
  }
}
