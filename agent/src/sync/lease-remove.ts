import type { CommandResultMsg } from './commands.js';
import { describeError } from './describe.js';
import {
  LEASE_WAIT_MS,
  planLeaseAnswer,
  releaseLeaseQuietly,
  type LeaseAnswer,
  type LeaseWorkDeps,
  type RestartCommand,
} from './lease-restart.js';
import type { DesiredInstance } from './diff.js';
import type { SupervisorStatus } from '../supervisor/index.js';

/**
 * Stopping a removed member under a lease (issue 10): a membership procedure's `stop` step sends a
 * `remove` command; the agent asks a restart lease for the member (the same gates as a restart),
 * runs its kind's pre-stop procedure for a removal (`beforeRemove`: Kafka refuses while the broker
 * holds partition replicas, Elasticsearch drains the node or excludes it from the voting
 * configuration), stops the process and releases the lease. The control plane then drops the member
 * from the host's desired state. A member that is not running serves nobody and is stopped without a
 * lease, as a restart starts such a member without one.
 */

/** A kind's procedure before a removed member is stopped (AgentServiceKind fits). */
export interface RemoveHooks {
  /**
   * I/O before the stop; resolves with what it did (for the step's note) or rejects to refuse the
   * removal, the reason naming what still depends on the member. `force` asks to stop anyway.
   */
  beforeRemove?(inputs: unknown, o: { force: boolean; timeoutMs: number }): Promise<string>;
}

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

/** How long a kind's pre-stop procedure may take (an Elasticsearch drain moves the node's shards). */
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

  /** Runs a `remove` command (args: `force`), once `applied` resolves; failures become a failed result. */
  async runCommand(cmd: RestartCommand, applied: () => Promise<void>): Promise<CommandResultMsg> {
    try {
      await applied();
      const output = await this.remove(cmd.instanceId, `command ${cmd.id}`, cmd.args.includes('force'));
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

  /** Stops the member under a lease after its kind's pre-stop procedure; resolves with what was done. */
  async remove(instanceId: string, reason: string, force: boolean): Promise<string> {
    const d = this.deps;
    const deadline = d.now() + LEASE_WAIT_MS;
    for (;;) {
      if (d.stopping()) throw new Error('agent stopping');
      const m = d.instances.instances.get(instanceId);
      const step = planRemoveStep(m?.supervisor.status().state);
      if (step.do === 'gone') return `${instanceId} does not run here (already removed)`;
      if (step.do === 'stop-down') {
        await m!.supervisor.stop();
        d.reportSoon();
        return `stopped (it was not running)`;
      }
      let answer: LeaseAnswer;
      try {
        answer = await d.leases.acquireLease(d.host, instanceId, `${reason}: removal`);
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
      return this.removeHolding(instanceId, m!, force, next.leaseId);
    }
  }

  private async removeHolding(
    instanceId: string,
    m: NonNullable<ReturnType<RemoveHost['instances']['get']>>,
    force: boolean,
    leaseId: string,
  ): Promise<string> {
    const d = this.deps;
    d.waiting.set(instanceId, 'removal: running the pre-stop procedure under lease');
    d.reportSoon();
    try {
      const hook = d.kindOf(m.spec.kind)?.beforeRemove;
      const note = hook ? await hook(m.spec.inputs, { force, timeoutMs: REMOVE_PROCEDURE_TIMEOUT_MS }) : '';
      const pid = m.supervisor.status().pid;
      await m.supervisor.stop();
      d.logger.info({ instance: instanceId, lease: leaseId, note }, 'removed member stopped under lease');
      d.reportSoon();
      return `stopped under lease (pid ${pid ?? '-'})${note ? `; ${note}` : ''}`;
    } finally {
      await releaseLeaseQuietly(d.leases, leaseId, d.logger);
    }
  }
}
