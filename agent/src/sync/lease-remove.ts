import type { CommandResultMsg } from './commands.js';
import { describeError } from './describe.js';
import {
  LEASE_WAIT_MS,
  planLeaseAnswer,
  type LeaseAnswer,
  type LeaseWorkDeps,
  type RestartCommand,
} from './lease-restart.js';
import type { DesiredInstance } from './diff.js';
import { holdLease, type HeldLease } from './lease-hold.js';
import type { SupervisorStatus } from '../supervisor/index.js';
import type { AgentServiceKind, RemovalOptions } from '../services/types.js';
import { parseRemoveArgs } from '@hactl/shared';

/**
 * Stopping a removed member under a lease (issue 10): a membership procedure's `stop` step sends a
 * `remove` command; the agent asks a restart lease for the member (the same gates as a restart),
 * runs its kind's `beforeRemoval` (Kafka refuses while the broker holds partition replicas,
 * Elasticsearch drains the node or excludes it from the voting configuration), stops the process,
 * runs the kind's `afterRemoval` through the other members (`peer=` arguments: Elasticsearch
 * clears the exclusions, KRaft unregisters the broker) and releases the lease. The control plane
 * then drops the member from the host's desired state. A member that is not running serves nobody
 * and is stopped without a lease, as a restart starts such a member without one; its
 * `afterRemoval` still runs, so a step retried after a failed clean-up finishes it.
 */

/** A kind's removal procedure and its check before an operator's stop (AgentServiceKind fits). */
export type RemoveHooks = Pick<AgentServiceKind, 'beforeRemoval' | 'afterRemoval' | 'beforeStop'>;

/** What a removal reads of and does to a managed instance (InstanceManager fits). */
export interface RemoveHost {
  readonly instances: ReadonlyMap<
    string,
    {
      spec: Pick<DesiredInstance, 'kind' | 'inputs'>;
      supervisor: { status(): Pick<SupervisorStatus, 'state' | 'pid'>; stop(): Promise<unknown> };
    }
  >;
}

export interface LeaseRemoveDeps extends LeaseWorkDeps {
  instances: RemoveHost;
  kindOf: (kind: string) => RemoveHooks | undefined;
}

/** How long each of a kind's removal procedures may take (an Elasticsearch drain moves the node's shards). */
export const REMOVE_PROCEDURE_TIMEOUT_MS = 600_000;

/** What the member's state asks of a removal, before any lease. Pure. */
export function planRemoveStep(
  state: string | undefined,
): { do: 'gone' } | { do: 'stop-down' } | { do: 'ask-lease' } {
  if (state === undefined) return { do: 'gone' };
  return state === 'running' || state === 'starting' ? { do: 'ask-lease' } : { do: 'stop-down' };
}

export class LeaseRemover {
  constructor(private readonly deps: LeaseRemoveDeps) {}

  /**
   * Runs a `remove` command (args: shared `parseRemoveArgs`), once `applied` resolves; failures,
   * a refusal and bad arguments included, become a failed result.
   */
  async runCommand(cmd: RestartCommand, applied: () => Promise<void>): Promise<CommandResultMsg> {
    try {
      const args = parseRemoveArgs(cmd.args);
      await applied();
      const output = await this.remove(
        cmd.instanceId,
        `command ${cmd.id}`,
        { force: args.force, peers: args.peers, timeoutMs: REMOVE_PROCEDURE_TIMEOUT_MS },
        args.stopOnly === true,
      );
      return { id: cmd.id, ok: true, output, error: '' };
    } catch (err) {
      const error = describeError(err);
      this.deps.logger.warn(
        { instance: cmd.instanceId, command: cmd.id, err: error },
        'removal refused or failed',
      );
      return { id: cmd.id, ok: false, output: '', error };
    }
  }

  /**
   * Stops the member under a lease between its kind's removal procedures; resolves with what was
   * done. `stopOnly` (an operator's `hactl stop`: the member stays in the cluster) runs the kind's
   * `beforeStop` check instead of those procedures, and nothing after the stop.
   */
  async remove(instanceId: string, reason: string, opts: RemovalOptions, stopOnly = false): Promise<string> {
    const d = this.deps;
    const hooks = stopOnly ? this.stopHooks(d.instances.instances.get(instanceId)?.spec.kind) : undefined;
    const deadline = d.now() + LEASE_WAIT_MS;
    for (;;) {
      if (d.stopping()) throw new Error('agent stopping');
      const m = d.instances.instances.get(instanceId);
      const step = planRemoveStep(m?.supervisor.status().state);
      if (step.do === 'gone') return `${instanceId} does not run here (already removed)`;
      if (step.do === 'stop-down') {
        await m!.supervisor.stop();
        d.reportSoon();
        return joinNotes('stopped (it was not running)', await this.after(m!, opts, hooks));
      }
      let answer: LeaseAnswer;
      const leaseReason = `${reason}: removal`;
      try {
        answer = await d.leases.acquireLease(d.host, instanceId, leaseReason);
      } catch (err) {
        d.waiting.set(instanceId, `waiting for the control plane to grant a lease: ${describeError(err)}`);
        await d.sleep(1000);
        continue;
      }
      const next = planLeaseAnswer(answer, d.now(), deadline);
      if (next.do === 'abandon') throw new Error(next.error);
      if (next.do === 'wait' || next.do === 'give-up') {
        d.waiting.set(instanceId, next.waiting.replace('restart waiting', 'removal waiting'));
        d.reportSoon();
        if (next.do === 'give-up') throw new Error(next.error);
        await d.sleep(next.delayMs);
        continue;
      }
      const held = { instanceId, reason: leaseReason, leaseId: next.leaseId, ttlMs: answer.ttlMs };
      return this.removeHolding(m!, opts, held, hooks);
    }
  }

  /** The removal with the lease held and renewed (a drain can outlast its TTL); released in every case. */
  private async removeHolding(
    m: Member,
    opts: RemovalOptions,
    held: HeldLease,
    hooks = this.deps.kindOf(m.spec.kind),
  ): Promise<string> {
    const d = this.deps;
    const { instanceId, leaseId } = held;
    d.waiting.set(instanceId, 'removal: running the pre-stop procedure under lease');
    d.reportSoon();
    return holdLease(d, held, async () => {
      const hook = hooks?.beforeRemoval;
      const before = hook ? (await hook(m.spec.inputs, opts)).actions.join('; ') : '';
      const pid = m.supervisor.status().pid;
      await m.supervisor.stop();
      d.logger.info({ instance: instanceId, lease: leaseId, before }, 'removed member stopped under lease');
      d.reportSoon();
      d.waiting.set(instanceId, 'removal: cleaning up after the stop');
      return joinNotes(`stopped under lease (pid ${pid ?? '-'})`, before, await this.after(m, opts, hooks));
    });
  }

  /** The kind's `afterRemoval` once the member has stopped; its failure fails the command (a resume retries it). */
  private async after(
    m: Member,
    opts: RemovalOptions,
    hooks = this.deps.kindOf(m.spec.kind),
  ): Promise<string> {
    const hook = hooks?.afterRemoval;
    if (!hook) return '';
    try {
      return (await hook(m.spec.inputs, opts)).actions.join('; ');
    } catch (err) {
      throw new Error(`stopped, but cleaning up after the removal failed: ${describeError(err)}`);
    }
  }

  /** An operator stop's hooks: the kind's `beforeStop` check before the stop, nothing after it. */
  private stopHooks(kind: string | undefined): RemoveHooks {
    const check = kind === undefined ? undefined : this.deps.kindOf(kind)?.beforeStop;
    if (!check) return {};
    return {
      beforeRemoval: async (inputs, opts) => ({ actions: [await check(inputs, opts.timeoutMs)] }),
    };
  }
}

type Member = NonNullable<ReturnType<RemoveHost['instances']['get']>>;

const joinNotes = (...notes: string[]): string => notes.filter(Boolean).join('; ');
