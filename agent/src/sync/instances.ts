import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { serviceKind, type Logger, type PackageInputs, type ProcessPlan } from '@hactl/shared';
import { writeFileIfChanged } from '../files/atomic.js';
import { ensureOwnedBy } from '../files/ownership.js';
import type { ServiceUser } from '../supervisor/users.js';
import { ensureDistribution } from '../files/distribution.js';
import { ProcessSupervisor, type SupervisorOptions, type SupervisorStatus } from '../supervisor/index.js';
import { agentServiceKind } from '../services/registry.js';
import type { DesiredInstanceSpec } from './diff.js';

export interface ManagedInstance {
  spec: DesiredInstanceSpec;
  supervisor: ProcessSupervisor;
  plan: ProcessPlan;
  /** New config is on disk but the old process still runs (restarts wait for a lease). */
  restartPending: boolean;
  lastProbe?: { at: number; result: unknown };
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
  onChange: () => void;
}

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
  constructor(private readonly opts: InstanceManagerOptions) {}

  current(): Map<string, DesiredInstanceSpec> {
    return new Map([...this.instances].map(([id, m]) => [id, m.spec]));
  }

  /** The account the instance's service runs under, or undefined for the agent's own. */
  private async userFor(spec: DesiredInstanceSpec): Promise<ServiceUser | undefined> {
    const name = agentServiceKind(spec.kind)?.serviceUser;
    return name && this.opts.serviceUser ? this.opts.serviceUser(name) : undefined;
  }

  /** Renders and writes the instance's files; returns true when any file changed. */
  private async writeFiles(spec: DesiredInstanceSpec, plan: ProcessPlan, user: ServiceUser | undefined): Promise<boolean> {
    const kind = serviceKind(spec.kind);
    if (!kind) throw new Error(`unknown kind ${spec.kind}`);
    for (const dir of plan.dirs) {
      // Parents stay the agent's (0755 so the service account can reach its own directories);
      // the directories the service writes are its own, 0750.
      await fs.mkdir(dir, { recursive: true, mode: 0o755 });
      if (user) {
        await ensureOwnedBy(dir, user);
        await fs.chmod(dir, 0o750);
      }
    }
    let changed = false;
    for (const f of kind.render(spec.inputs)) {
      const outcome = await writeFileIfChanged(f.path, f.content, { mode: f.mode });
      if (outcome !== 'unchanged') {
        changed = true;
        this.opts.logger.info({ instance: spec.id, file: f.path, outcome }, 'config file written');
      }
    }
    return changed;
  }

  private processSpec(spec: DesiredInstanceSpec, plan: ProcessPlan, user: ServiceUser | undefined) {
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
    };
  }

  /** Parses wire inputs with the kind's schema; throws a ValidationError on garbage. */
  static checkInputs(spec: DesiredInstanceSpec): DesiredInstanceSpec {
    const kind = serviceKind(spec.kind);
    if (!kind || !agentServiceKind(spec.kind)) throw new Error(`this agent cannot run instances of kind ${JSON.stringify(spec.kind)}`);
    return { ...spec, inputs: kind.parseInputs(spec.inputs) };
  }

  /**
   * Runs the kind's pre-start commands (e.g. KRaft storage format with --ignore-formatted); each
   * must exit 0 or the start is abandoned with its output in the error.
   */
  private async runPreStart(spec: DesiredInstanceSpec): Promise<void> {
    await this.ensurePackage(spec);
    const cmds = agentServiceKind(spec.kind)?.planPreStart?.(spec.inputs) ?? [];
    // Pre-start commands write into the service's directories (KRaft's meta.properties), so they
    // run as the service's account too.
    const user = cmds.length ? await this.userFor(spec) : undefined;
    const ids = user ? { uid: user.uid, gid: user.gid } : {};
    for (const c of cmds) {
      this.opts.logger.info({ instance: spec.id, command: c.command, args: c.args }, 'running pre-start command');
      await new Promise<void>((resolve, reject) => {
        execFile(c.command, c.args, { cwd: c.cwd, env: { ...this.opts.baseEnv, ...c.env }, timeout: 120_000, maxBuffer: 1024 * 1024, ...ids }, (err, stdout, stderr) => {
          if (!err) return resolve();
          const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-5).join(' | ');
          reject(new Error(`pre-start ${c.command} ${c.args.join(' ')} failed: ${err.message.split('\n')[0]}; output: ${tail}`));
        });
      });
    }
  }

  /** Downloads and verifies a package distribution if the instance uses one (a no-op when present). */
  private async ensurePackage(spec: DesiredInstanceSpec): Promise<void> {
    const pkg = (spec.inputs as { package?: PackageInputs }).package;
    if (pkg) await ensureDistribution(pkg, this.opts.logger);
  }

  async add(spec: DesiredInstanceSpec): Promise<void> {
    const agentKind = agentServiceKind(spec.kind)!;
    const plan = agentKind.planProcess(spec.inputs);
    const user = await this.userFor(spec);
    await this.writeFiles(spec, plan, user);
    await fs.mkdir(path.join(this.opts.stateDir, 'run'), { recursive: true });
    const supervisor = new ProcessSupervisor(this.processSpec(spec, plan, user), { ...this.opts.supervisor, logger: this.opts.logger });
    supervisor.onChange(() => this.opts.onChange());
    const managed: ManagedInstance = { spec, supervisor, plan, restartPending: false };
    this.instances.set(spec.id, managed);
    // start() adopts a process this agent started before (pid file + cmdline check) instead of
    // starting a second one.
    if (spec.runState === 'running') {
      // An adopted, still-running process needs no pre-start; only a real start does.
      if (!(await supervisor.adopt()).pid) {
        await this.runPreStart(spec);
        await supervisor.start();
      }
    }
  }

  async update(spec: DesiredInstanceSpec): Promise<void> {
    const m = this.instances.get(spec.id);
    if (!m) return this.add(spec);
    const agentKind = agentServiceKind(spec.kind)!;
    const plan = agentKind.planProcess(spec.inputs);
    // An upgrade fetches the new version now, while the old one still runs, so the restart is short.
    await this.ensurePackage(spec);
    const user = await this.userFor(spec);
    const changed = await this.writeFiles(spec, plan, user);
    const planChanged = JSON.stringify(plan) !== JSON.stringify(m.plan);
    const needsRestart = serviceKind(spec.kind)?.needsRestart?.(m.spec.inputs, spec.inputs) ?? true;
    m.spec = spec;
    m.plan = plan;
    m.supervisor.update(this.processSpec(spec, plan, user));
    const st = m.supervisor.status().state;
    if (spec.runState === 'stopped') {
      if (st !== 'stopped') await m.supervisor.stop();
      m.restartPending = false;
    } else if (st === 'stopped') {
      await this.runPreStart(spec);
      await m.supervisor.start();
      m.restartPending = false;
    } else if ((changed || planChanged) && needsRestart) {
      // Never take a running service down on our own: the restart waits for a lease from the
      // control plane (architecture §4), so a config change cannot restart a whole ensemble at once.
      m.restartPending = true;
      this.opts.logger.info({ instance: spec.id }, 'config changed; restart pending');
    }
  }

  async remove(id: string): Promise<void> {
    const m = this.instances.get(id);
    if (!m) return;
    await m.supervisor.stop();
    m.supervisor.dispose();
    this.instances.delete(id);
    this.opts.logger.info({ instance: id }, 'instance removed');
  }

  /** Restarts an instance (lease held by the caller) and clears its pending flag. */
  async restart(id: string): Promise<SupervisorStatus | undefined> {
    const m = this.instances.get(id);
    if (!m) return undefined;
    await m.supervisor.stop();
    await this.runPreStart(m.spec);
    const st = await m.supervisor.restart();
    m.restartPending = false;
    return st;
  }

  /** Stops watching every process without stopping any: services outlive the agent. */
  dispose(): void {
    for (const m of this.instances.values()) m.supervisor.dispose();
  }
}
