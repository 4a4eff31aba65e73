import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { PROBE_QUERY, type Logger } from '@hactl/shared';
import type {
  AgentMessage,
  Command__Output,
  ControlMessage__Output,
  DesiredState__Output,
} from '@hactl/proto';
import { CommandJournal, type CommandResultMsg } from './sync/commands.js';
import { CONTROL_PLANE_ID_RE, type AgentConfig } from './config.js';
import type { HostFactsView } from './facts.js';
import { ControlPlaneConnection } from './sync/connection.js';
import { drawOfName } from './sync/failover.js';
import { diffInstances, type DesiredInstance } from './sync/diff.js';
import { InstanceManager } from './sync/instances.js';
import { parseWireDesired, type DesiredState } from './sync/desired.js';
import { readAppliedState, writeAppliedState } from './sync/state-file.js';
import { checkTrust, readRememberedControlPlane, writeRememberedControlPlane } from './sync/trust.js';
import { agentServiceKind } from './services/registry.js';
import { AGENT_CAPABILITIES, LEASE_ACTIONS, logFileOf, QUERY_ACTIONS, runQuery } from './sync/queries.js';
import { ExecService } from './exec/service.js';
import type { SupervisorOptions } from './supervisor/index.js';
import { ApplyRetry, isRetriable, type ApplyFailure } from './sync/apply-retry.js';
import { RunningChecks } from './sync/running-checks.js';
import { describeError as describe } from './sync/describe.js';
import { LeaseRestarter } from './sync/lease-restart.js';
import { LeaseRemover } from './sync/lease-remove.js';
import { InstanceProbes } from './sync/probes.js';
import { Reporter } from './sync/reporter.js';

import type { ServiceUser } from './supervisor/users.js';

export const AGENT_VERSION = '0.1.0';

/** One insecure credentials object for every --insecure connection (compared by identity). */
const INSECURE = grpc.credentials.createInsecure();

export interface AgentDeps {
  config: AgentConfig;
  logger: Logger;
  facts: HostFactsView;
  baseEnv: Record<string, string>;
  now: () => number;
  supervisor?: SupervisorOptions;
  /** Resolves (and creates) a service's system account; absent: services run as the agent's user. */
  serviceUser?: ((name: string) => Promise<ServiceUser>) | undefined;
  /** Credentials for the control plane channel (enroll/identity.ts); plain text when absent (--insecure). */
  credentials?: () => grpc.ChannelCredentials;
}

/**
 * The agent: applies the last known desired state at start (adopting running services), keeps one
 * stream to the control plane, applies each new desired state, probes its instances and reports.
 * It keeps running on the last applied state while the control plane is away.
 */
export class Agent {
  private readonly cfg: AgentConfig;
  private readonly log: Logger;
  private readonly manager: InstanceManager;
  private readonly conn: ControlPlaneConnection;
  private readonly stateFile: string;
  private readonly controlPlaneFile: string;
  /** The control plane this agent follows (control-plane.json); undefined until it applied one's state. */
  private rememberedControlPlane: string | undefined;
  /** `--accept-control-plane`, until it has been used once in this process. */
  private acceptControlPlane: string | undefined;
  /** The id in the current stream's welcome. */
  private controlPlaneId = '';
  /** Set while the current stream's control plane is refused for its identity: it has applied nothing of theirs. */
  private refusedControlPlane: string | undefined;
  private generation = 0;
  private applyError = '';
  private applyChain: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Re-applies the current desired state after an apply with errors (sync/apply-retry.ts). */
  private readonly applyRetry: ApplyRetry;
  private readonly probes: InstanceProbes;
  /** The Storm nimbus fence's loop, with or without a control plane (running-checks.ts). */
  private readonly runningChecks: RunningChecks;
  private readonly reporter: Reporter;
  private readonly restarter: LeaseRestarter;
  private readonly remover: LeaseRemover;
  private readonly journal: CommandJournal;
  private readonly unsentResults: CommandResultMsg[] = [];
  /** Streaming commands (`hactl exec`, `hactl logs -f`). */
  private readonly exec: ExecService;
  /** Why an instance is waiting in a rollout step (shown in its status detail). */
  private readonly waiting = new Map<string, string>();

  constructor(private readonly deps: AgentDeps) {
    this.cfg = deps.config;
    this.log = deps.logger;
    this.stateFile = path.join(this.cfg.stateDir, 'applied-state.json');
    this.controlPlaneFile = path.join(this.cfg.stateDir, 'control-plane.json');
    this.acceptControlPlane = this.cfg.acceptControlPlane;
    this.journal = new CommandJournal(path.join(this.cfg.stateDir, 'commands.json'), deps.logger);
    this.manager = new InstanceManager({
      stateDir: this.cfg.stateDir,
      logger: deps.logger,
      logMaxBytes: this.cfg.logMaxBytes,
      supervisor: deps.supervisor ?? {},
      baseEnv: deps.baseEnv,
      serviceUser: deps.serviceUser,
      download: { allowedHosts: this.cfg.packageHosts },
      onChange: () => this.reportSoon(),
    });
    this.conn = new ControlPlaneConnection({
      servers: this.cfg.servers,
      firstDraw: drawOfName(this.cfg.name),
      credentials: deps.credentials ?? (() => INSECURE),
      logger: deps.logger,
      hello: () => this.hello(),
      onMessage: (msg) => this.onMessage(msg),
      onConnected: (server) => {
        this.log.info({ server, servers: this.cfg.servers.join(',') }, 'connected to control plane');
        while (this.unsentResults.length && this.conn.send({ commandResult: this.unsentResults[0]! }))
          this.unsentResults.shift();
      },
      onDisconnected: (reason) => {
        this.log.warn({ reason }, 'disconnected from control plane; keeping the last applied state');
        void this.exec.cancelAll('control plane stream lost');
      },
      backoff: this.cfg.backoff,
    });
    this.exec = new ExecService({
      allowExec: this.cfg.allowExec,
      send: (msg) => this.conn.send(msg),
      logFile: (id, which) => logFileOf(this.manager, id, which).file,
      env: deps.baseEnv,
      logger: deps.logger,
      now: deps.now,
    });
    this.probes = new InstanceProbes({
      instances: this.manager,
      kindOf: agentServiceKind,
      timeoutMs: this.cfg.probeTimeoutMs,
      now: deps.now,
    });
    this.reporter = new Reporter({
      instances: this.manager,
      probe: (id) => this.probes.probe(id),
      // A control plane refused for its identity has had nothing of its own applied here.
      applied: () => ({
        generation:
          this.refusedControlPlane !== undefined && this.refusedControlPlane === this.controlPlaneId
            ? 0
            : this.generation,
        error: this.applyError,
      }),
      waiting: this.waiting,
      send: (status) => this.conn.send({ status }),
      now: deps.now,
      intervalMs: deps.config.reportIntervalMs,
    });
    // Restarts and removals take members down under the same leases, with the same dependencies.
    const underLease = {
      host: this.cfg.name,
      leases: this.conn,
      instances: this.manager,
      kindOf: agentServiceKind,
      now: deps.now,
      sleep,
      every,
      stopping: () => this.stopped,
      waiting: this.waiting,
      reportSoon: () => this.reportSoon(),
      logger: deps.logger,
    };
    this.restarter = new LeaseRestarter({ ...underLease, probe: (id) => this.probes.probe(id) });
    this.remover = new LeaseRemover(underLease);
    this.runningChecks = new RunningChecks({
      enforce: () => this.manager.enforceRunningChecks(),
      intervalMs: this.cfg.reportIntervalMs,
      logger: deps.logger,
    });
    this.applyRetry = new ApplyRetry({
      generation: () => this.generation,
      stopped: () => this.stopped,
      reapply: (generation, desired) => void this.enqueueApply(generation, desired, false),
      logger: deps.logger,
    });
  }

  async start(): Promise<void> {
    await this.journal.load();
    const remembered = await readRememberedControlPlane(this.controlPlaneFile, CONTROL_PLANE_ID_RE);
    if (remembered.problem)
      this.log.error(
        { err: remembered.problem },
        'cannot read which control plane this agent follows; treating the next one as a first contact',
      );
    this.rememberedControlPlane = remembered.id;
    // Saved state is checked exactly like wire input. When it does not pass, the agent starts empty
    // (generation 0): running services keep running unwatched until the control plane's state
    // arrives, which is applied whatever its generation and re-adopts them by their pid files.
    const saved = await readAppliedState(this.stateFile).catch((err: unknown) => {
      this.log.error(
        { file: this.stateFile, err: err instanceof Error ? err.message : String(err) },
        "saved applied state refused; starting empty, the control plane's state is applied on connect",
      );
      return undefined;
    });
    if (saved) {
      this.log.info(
        { generation: saved.generation, instances: saved.instances.length },
        'resuming the last applied desired state',
      );
      await this.enqueueApply(saved.generation, saved.instances, false);
    }
    this.conn.start();
    this.reporter.start();
    this.runningChecks.start();
  }

  /** Stops the agent but leaves every service running (they outlive the agent). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.runningChecks.stop();
    this.applyRetry.cancel();
    this.reporter.stop();
    await this.exec.cancelAll('agent stopping');
    await this.applyChain;
    await this.probes.closeAll();
    this.conn.close();
    await this.manager.dispose();
  }

  get appliedGeneration(): number {
    return this.generation;
  }

  private onMessage(msg: ControlMessage__Output): void {
    if (msg.body === 'welcome' && msg.welcome) {
      this.controlPlaneId = msg.welcome.controlPlaneId;
      this.refusedControlPlane = undefined;
      const ms = msg.welcome.reportIntervalMs;
      if (ms >= 100 && ms <= 600_000) this.reporter.setInterval(ms);
    } else if (msg.body === 'command' && msg.command) {
      void this.handleCommand(msg.command);
    } else if (msg.body === 'execStart' && msg.execStart) {
      this.exec.start(msg.execStart);
    } else if (msg.body === 'execCredit' && msg.execCredit) {
      this.exec.credit(msg.execCredit.id, msg.execCredit.bytes);
    } else if (msg.body === 'execCancel' && msg.execCancel) {
      this.exec.cancel(msg.execCancel.id, msg.execCancel.reason);
    } else if (msg.body === 'desired' && msg.desired) {
      const parsed = this.parseDesired(msg.desired);
      if (!parsed) return;
      void this.enqueue(() => this.acceptDesired(parsed, this.controlPlaneId));
    }
  }

  /**
   * Applies a desired state from the control plane `controlPlaneId` if this agent follows it (see
   * sync/trust.ts): a refused one changes nothing and is reported as the apply error. Runs in the
   * apply chain, so the decision sees the generation and instances the earlier applies left.
   */
  private async acceptDesired(d: DesiredState, controlPlaneId: string): Promise<void> {
    if (this.stopped) return;
    const decision = checkTrust({
      remembered: this.rememberedControlPlane,
      controlPlaneId,
      accept: this.acceptControlPlane,
      appliedGeneration: this.generation,
      runningInstances: this.manager.instances.size,
      incomingGeneration: d.generation,
      incomingInstances: d.instances.length,
    });
    if (!decision.ok) {
      if (this.applyError !== decision.reason)
        this.log.error(
          { generation: d.generation, control_plane: controlPlaneId, err: decision.reason },
          'desired state refused',
        );
      this.applyError = decision.reason;
      if (this.rememberedControlPlane !== undefined && controlPlaneId !== this.rememberedControlPlane)
        this.refusedControlPlane = controlPlaneId;
      this.reportSoon();
      return;
    }
    this.refusedControlPlane = undefined;
    if (decision.acceptUsed) {
      this.log.warn(
        { control_plane: controlPlaneId, previous: this.rememberedControlPlane, generation: d.generation },
        'following this control plane as --accept-control-plane asks',
      );
      this.acceptControlPlane = undefined;
    }
    if (decision.remember !== undefined) {
      await writeRememberedControlPlane(this.controlPlaneFile, decision.remember);
      this.rememberedControlPlane = decision.remember;
      this.log.info({ control_plane: decision.remember }, 'following control plane');
    }
    if (d.generation === this.generation && this.applyError === '') {
      this.reportSoon();
      return;
    }
    await this.apply(d.generation, d.instances, true);
  }

  /** Checks a desired state from the wire exactly like the saved one; a bad one is refused whole and reported. */
  private parseDesired(d: DesiredState__Output): DesiredState | undefined {
    try {
      return parseWireDesired(d);
    } catch (err) {
      this.applyError = `refused generation ${d.generation}: ${describe(err)}`;
      this.log.error({ generation: d.generation, err: this.applyError }, 'invalid desired state');
      this.reportSoon();
      return undefined;
    }
  }

  private enqueueApply(generation: number, desired: DesiredInstance[], persist: boolean): Promise<void> {
    return this.enqueue(() => this.apply(generation, desired, persist), generation);
  }

  /** Runs `step` after every earlier apply; a failure becomes the apply error. */
  private enqueue(step: () => Promise<void>, generation?: number): Promise<void> {
    this.applyChain = this.applyChain.then(step).catch((err: unknown) => {
      this.applyError = `apply${generation === undefined ? '' : ` of generation ${generation}`} failed: ${describe(err)}`;
      this.log.error({ generation, err: this.applyError }, 'apply failed');
    });
    return this.applyChain;
  }

  private async apply(generation: number, desired: DesiredInstance[], persist: boolean): Promise<void> {
    if (this.stopped) return;
    const diff = diffInstances(this.manager.current(), desired);
    this.log.info(
      {
        generation,
        add: diff.add.length,
        update: diff.update.length,
        remove: diff.remove.length,
        keep: diff.keep.length,
      },
      'applying desired state',
    );
    const errors: ApplyFailure[] = [];
    const failed = (what: string) => (e: unknown) =>
      errors.push({ message: `${what}: ${describe(e)}`, retriable: isRetriable(e) });
    for (const id of diff.remove) await this.manager.remove(id).catch(failed(`remove ${id}`));
    // A removed instance's probe connections go with it.
    await this.probes.prune();
    for (const s of diff.add) await this.manager.add(s).catch(failed(`add ${s.id}`));
    for (const s of diff.update) await this.manager.update(s).catch(failed(`update ${s.id}`));
    if (persist) await writeAppliedState(this.stateFile, { generation, instances: desired });
    this.generation = generation;
    this.applyError = errors.map((e) => e.message).join('; ');
    if (errors.length)
      this.log.error({ generation, err: this.applyError }, 'desired state applied with errors');
    this.applyRetry.afterApply(generation, desired, errors);
    this.reportSoon();
  }

  private sendResult(r: CommandResultMsg): void {
    if (!this.conn.send({ commandResult: r })) this.unsentResults.push(r);
  }

  /**
   * Runs a command from the control plane once per id. `restart` takes the instance down only
   * under a restart lease: it asks until the gates hold (or the control plane says to abandon),
   * restarts, waits until the service is ready again, then releases the lease.
   */
  private async handleCommand(cmd: Command__Output): Promise<void> {
    if (cmd.action === PROBE_QUERY) {
      const r = await this.reporter.probeNow(cmd.instanceId).then(
        (at) => ({ id: cmd.id, ok: true, output: JSON.stringify({ probedAtMs: at }), error: '' }),
        (err: unknown) => ({ id: cmd.id, ok: false, output: '', error: describe(err) }),
      );
      return this.sendResult(r);
    }
    if (QUERY_ACTIONS.has(cmd.action)) {
      // Read-only questions (dry-run checks, log tails): answered every time, never journaled.
      const r = await runQuery(this.manager, cmd).then(
        (output) => ({ id: cmd.id, ok: true, output, error: '' }),
        (err: unknown) => ({ id: cmd.id, ok: false, output: '', error: describe(err) }),
      );
      return this.sendResult(r);
    }
    if (!LEASE_ACTIONS.has(cmd.action))
      // A command a newer control plane knows and this agent does not: answered, not journaled
      // (an unknown action must not push a restart's result out of the journal).
      return this.sendResult({
        id: cmd.id,
        ok: false,
        output: '',
        error: `this agent (${AGENT_VERSION}) does not know the command ${JSON.stringify(cmd.action)}`,
      });
    const done = this.journal.result(cmd.id);
    if (done) return this.sendResult(done);
    if (!this.journal.begin(cmd.id)) return;
    // The control plane sends a rollout's command after the desired state it is for, on the same
    // stream: wait until that state is applied, so the restart is onto it.
    // `remove`: a membership procedure's stop step (lease-remove.ts); `restart`: lease-restart.ts.
    const result =
      cmd.action === 'remove'
        ? await this.remover.runCommand(cmd, () => this.applyChain)
        : await this.restarter.runCommand(cmd, () => this.applyChain);
    this.waiting.delete(cmd.instanceId);
    await this.journal
      .finish(result)
      .catch((err: unknown) => this.log.error({ err: String(err) }, 'cannot persist the command journal'));
    // The report first, on the same stream: it carries the probe the restart's readiness check just
    // took of the new process (serving), so when the result finishes the step and the next member
    // asks for its lease, the control plane already counts this one serving. Reported 100 ms after
    // the result instead, the next lease was refused ("2/3 members serving") and asked again.
    if (!this.stopped) this.reporter.sendStatus();
    this.sendResult(result);
  }

  private hello(): AgentMessage {
    return {
      hello: {
        name: this.cfg.name,
        address: this.cfg.address,
        agentVersion: AGENT_VERSION,
        capabilities: [...AGENT_CAPABILITIES],
        facts: { ...this.deps.facts, dataRoot: this.cfg.dataRoot, labels: this.cfg.labels },
        status: this.reporter.statusReport(),
      },
    };
  }

  private reportSoon(): void {
    if (!this.stopped) this.reporter.reportSoon();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Calls `fn` every `ms` until cancelled; unref'd, so a lease renewal never holds the process. */
function every(ms: number, fn: () => void): () => void {
  const t = setInterval(fn, ms);
  t.unref();
  return () => clearInterval(t);
}
