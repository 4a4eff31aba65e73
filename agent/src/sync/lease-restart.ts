import { isAbandon, type Logger } from '@hactl/shared';
import type { SupervisorStatus } from '../supervisor/index.js';
import type { CommandResultMsg } from './commands.js';
import { describeError } from './describe.js';
import type { DesiredInstance } from './diff.js';
import { holdLease, type HeldLease, type LeaseHoldDeps } from './lease-hold.js';

/**
 * Restart under a lease (architecture §4): a running member goes down only while the control plane
 * holds a restart lease for it, so a rollout never takes down more members than its gates allow. The
 * decisions (what a member's state asks for, what a lease answer means) are pure functions below;
 * `LeaseRestarter` is the shell that asks, sleeps, restarts, waits for readiness and releases.
 */

/** How long a restart keeps asking for a lease the gates refuse before it gives up. */
export const LEASE_WAIT_MS = 24 * 3600_000;
/**
 * How long a restarted (or started) member has to become ready again. Longer than the control
 * plane's lease TTL (180 s) on purpose: the lease is renewed meanwhile (lease-hold.ts).
 */
export const READY_TIMEOUT_MS = 300_000;

/** What the control plane answered to a lease request (the proto's AcquireLeaseResponse). */
export interface LeaseAnswer {
  granted: boolean;
  leaseId: string;
  reason: string;
  retryAfterMs: number;
  /** How long a granted lease lives unless renewed (ms; 0 or absent: not said, lease-hold.ts). */
  ttlMs?: number;
}

/** The control plane's lease calls; both reject when it cannot be reached. */
export interface LeaseClient {
  acquireLease(host: string, instanceId: string, reason: string): Promise<LeaseAnswer>;
  releaseLease(leaseId: string): Promise<void>;
}

/** What a restart reads of a managed instance (InstanceManager's ManagedInstance fits). */
export interface RestartView {
  spec: Pick<DesiredInstance, 'kind' | 'runState' | 'inputs'>;
  supervisor: { status(): Pick<SupervisorStatus, 'state' | 'pid' | 'reason'> };
  restartPending: boolean;
  target?: unknown;
}

/** The instance manager as the restart drives it (InstanceManager fits). */
export interface RestartHost {
  readonly instances: ReadonlyMap<string, RestartView>;
  /** Throws, changing nothing, when a restart onto the current spec would fail here. */
  checkRestartable(id: string): Promise<void>;
  /** Stops and starts the instance on its current spec. */
  restart(id: string): Promise<unknown>;
}

/** A kind's restart procedure (AgentServiceKind fits). */
export interface RestartHooks {
  isReady?(probe: unknown): boolean;
  /** Each may resolve with a line saying why it let the restart go on (logged with the time it waited). */
  beforeRestart?(inputs: unknown, timeoutMs: number): Promise<unknown>;
  afterRestart?(inputs: unknown, timeoutMs: number): Promise<unknown>;
}

/** What taking a member down under a lease needs, for a restart and a removal (lease-remove.ts) alike. */
export interface LeaseWorkDeps extends LeaseHoldDeps {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  stopping: () => boolean;
  /** Why an instance waits in a rollout step, shown in its status detail. */
  waiting: Map<string, string>;
  reportSoon: () => void;
  logger: Logger;
}

export interface LeaseRestartDeps extends LeaseWorkDeps {
  instances: RestartHost;
  kindOf: (kind: string) => RestartHooks | undefined;
  /** Probes the instance now (recording the result as its last probe). */
  probe: (instanceId: string) => Promise<unknown>;
}

/** What the member's state asks of a restart, before any lease. */
export type RestartStep =
  | { do: 'fail'; error: string }
  | { do: 'done'; output: string }
  /** Down already (crashed, or waiting for its next try): start it, no lease needed. */
  | { do: 'start-down'; was: string }
  | { do: 'ask-lease'; pid: number | undefined };

/** Pure: what to do for `instanceId` given its managed state. */
export function planRestartStep(
  instanceId: string,
  m: RestartView | undefined,
  onlyIfPending: boolean,
): RestartStep {
  if (!m) return { do: 'fail', error: `this host does not run ${instanceId}` };
  const st = m.supervisor.status();
  if (st.state !== 'running') {
    if (m.spec.runState !== 'running')
      return { do: 'done', output: `not started: the desired state of ${instanceId} is ${m.spec.runState}` };
    // It serves nobody, so taking it "down" needs no lease: start it on the current config now.
    return { do: 'start-down', was: st.reason ? `${st.state}: ${st.reason}` : st.state };
  }
  if (onlyIfPending && !m.restartPending && !m.target)
    return { do: 'done', output: 'not restarted: already runs the current config' };
  return { do: 'ask-lease', pid: st.pid };
}

/** What a lease answer means for the restart waiting on it. */
export type LeaseStep =
  | { do: 'restart'; leaseId: string }
  /** The control plane ended the rollout step ("abandon: ..."): stop waiting, restart nothing. */
  | { do: 'abandon'; error: string }
  | { do: 'wait'; waiting: string; delayMs: number }
  | { do: 'give-up'; waiting: string; error: string };

/** Pure: the next step after a lease answer at `now`, for a restart that waits until `deadline`. */
export function planLeaseAnswer(answer: LeaseAnswer, now: number, deadline: number): LeaseStep {
  if (answer.granted) return { do: 'restart', leaseId: answer.leaseId };
  if (isAbandon(answer.reason)) return { do: 'abandon', error: answer.reason };
  const waiting = `restart waiting for lease: ${answer.reason}`;
  if (now > deadline)
    return { do: 'give-up', waiting, error: `gave up waiting for a lease: ${answer.reason}` };
  // A floor under the control plane's hint, so a zero retryAfterMs cannot spin.
  return { do: 'wait', waiting, delayMs: Math.max(200, answer.retryAfterMs) };
}

/** Without a kind-specific rule: the probe says ok and, when it reports it, serving. */
export function defaultReady(probe: unknown): boolean {
  const p = probe as { ok?: unknown; serving?: unknown } | undefined;
  return p?.ok === true && p.serving !== false;
}

/** A `restart` command as the control plane sends it. */
export interface RestartCommand {
  id: string;
  action: string;
  instanceId: string;
  args: string[];
}

export class LeaseRestarter {
  constructor(private readonly deps: LeaseRestartDeps) {}

  /**
   * Runs a `restart` command: once `applied` resolves (the desired state sent before the command is
   * applied, so the restart is onto it), restarts under a lease. Every failure, an abandon included,
   * becomes a failed result carrying the reason.
   */
  async runCommand(cmd: RestartCommand, applied: () => Promise<void>): Promise<CommandResultMsg> {
    try {
      if (cmd.action !== 'restart') throw new Error(`unsupported action ${JSON.stringify(cmd.action)}`);
      await applied();
      const onlyIfPending = cmd.args.includes('if-pending');
      const output = await this.restart(cmd.instanceId, `command ${cmd.id}`, onlyIfPending);
      return { id: cmd.id, ok: true, output, error: '' };
    } catch (err) {
      const error = describeError(err);
      this.deps.logger.warn({ instance: cmd.instanceId, command: cmd.id, err: error }, 'command failed');
      return { id: cmd.id, ok: false, output: '', error };
    }
  }

  /**
   * Takes the instance down only under a restart lease: asks until the gates hold (or the control
   * plane says to abandon), restarts, waits until the service is ready again, renewing the lease
   * meanwhile, then releases it whatever happened (lease-hold.ts). Resolves with what was done;
   * rejects with why not.
   */
  async restart(instanceId: string, reason: string, onlyIfPending = false): Promise<string> {
    const d = this.deps;
    const deadline = d.now() + LEASE_WAIT_MS;
    for (;;) {
      if (d.stopping()) throw new Error('agent stopping');
      const m = d.instances.instances.get(instanceId);
      const step = planRestartStep(instanceId, m, onlyIfPending);
      if (step.do === 'fail') throw new Error(step.error);
      if (step.do === 'done') return step.output;
      if (step.do === 'start-down') {
        d.waiting.set(instanceId, 'starting a member that was down, on the current config');
        await d.instances.restart(instanceId);
        d.reportSoon();
        await this.waitReady(instanceId, READY_TIMEOUT_MS);
        return `started on the current config (was ${step.was})`;
      }
      // Before any lease: a restart onto a distribution that is not here would only crash-loop.
      await d.instances.checkRestartable(instanceId);
      let answer: LeaseAnswer;
      try {
        answer = await d.leases.acquireLease(d.host, instanceId, reason);
      } catch (err) {
        d.waiting.set(
          instanceId,
          `waiting for the control plane to grant a restart lease: ${describeError(err)}`,
        );
        await d.sleep(1000);
        continue;
      }
      const next = planLeaseAnswer(answer, d.now(), deadline);
      if (next.do === 'abandon') throw new Error(next.error);
      if (next.do === 'wait' || next.do === 'give-up') {
        d.waiting.set(instanceId, next.waiting);
        d.reportSoon();
        if (next.do === 'give-up') throw new Error(next.error);
        await d.sleep(next.delayMs);
        continue;
      }
      const held = { instanceId, reason, leaseId: next.leaseId, ttlMs: answer.ttlMs };
      return this.restartHolding(m!, step.pid, held);
    }
  }

  /**
   * The restart itself, with the lease held and renewed until the member is ready again (or the
   * restart fails); the lease is released in every case.
   */
  private async restartHolding(
    m: RestartView,
    pidBefore: number | undefined,
    held: HeldLease,
  ): Promise<string> {
    const d = this.deps;
    const { instanceId, leaseId } = held;
    const restartStarted = d.now();
    d.waiting.set(instanceId, 'restarting under lease');
    d.logger.info({ instance: instanceId, lease: leaseId }, 'restarting under lease');
    const kind = d.kindOf(m.spec.kind);
    await holdLease(d, held, async () => {
      const gateFrom = d.now();
      const gate = await kind?.beforeRestart?.(m.spec.inputs, 60_000);
      if (typeof gate === 'string')
        d.logger.info(
          { instance: instanceId, reason: gate, waited_ms: d.now() - gateFrom },
          'stop gate passed',
        );
      await d.instances.restart(instanceId);
      d.reportSoon();
      await this.waitReady(instanceId, READY_TIMEOUT_MS);
      const afterFrom = d.now();
      const after = await kind?.afterRestart?.(m.spec.inputs, 600_000);
      if (typeof after === 'string')
        d.logger.info(
          { instance: instanceId, reason: after, waited_ms: d.now() - afterFrom },
          'after-restart gate passed',
        );
    });
    const pidAfter = d.instances.instances.get(instanceId)?.supervisor.status().pid;
    // "ready in" is the member's own restart time (stop, start, serving again), for overhead numbers.
    return `restarted (pid ${pidBefore ?? '-'} → ${pidAfter ?? '-'}), ready in ${d.now() - restartStarted} ms`;
  }

  /** Probes until the kind says the instance serves again. */
  async waitReady(instanceId: string, timeoutMs: number): Promise<void> {
    const d = this.deps;
    const end = d.now() + timeoutMs;
    for (;;) {
      const m = d.instances.instances.get(instanceId);
      if (!m) throw new Error(`${instanceId} disappeared during its restart`);
      const kind = d.kindOf(m.spec.kind);
      if (kind && m.supervisor.status().state === 'running') {
        const probe = await d.probe(instanceId);
        if ((kind.isReady ?? defaultReady)(probe)) return;
      }
      if (d.now() > end) throw new Error(`${instanceId} not ready ${timeoutMs} ms after its restart`);
      await d.sleep(250);
    }
  }
}
