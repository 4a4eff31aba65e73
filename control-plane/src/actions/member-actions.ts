import {
  ConflictError,
  notFoundAmong,
  UnavailableError,
  ValidationError,
  serviceKind,
  type InstancePlan,
  type Logger,
} from '@hactl/shared';
import type { Fleet } from '../reconcile/fleet.js';
import type { LeaseManager } from '../leases/leases.js';
import { defaultRolloutOptions, type RolloutEngine, type RolloutOptions } from '../rollout/engine.js';
import type { RolloutRow, RolloutStepRow, Store } from '../store/store.js';
import { pickPlannedMember } from '../commands/targets.js';
import { diffMemberFiles, type ReportedFile } from './files.js';
import { readHostStatus } from './host-status.js';
import {
  describeOperatorStop,
  encodeOperatorStop,
  readOperatorStop,
  stoppedFactKey,
  type OperatorStop,
} from './run-state.js';
import { checkStopGates, describeRefusal, refusedGates } from './stop-gates.js';
import type { HostStatusView, MemberFilesView, MemberRestartView, MemberRunStateView } from './views.js';

export interface MemberActionsOptions {
  store: Store;
  fleet: Fleet;
  rollouts: RolloutEngine;
  leases: () => LeaseManager;
  logger: Logger;
  now: () => number;
}

/** Who asks for an action and why (the authenticated caller's name; the operator's reason). */
export interface ActionMeta {
  by: string;
  reason: string;
}

/** How long the control plane waits for an agent's answer to a read-only query (`files`), ms. */
const QUERY_TIMEOUT_MS = 5000;

/**
 * The operator's named actions on one member (`hactl restart|stop|start|files MEMBER`), each an
 * event (who, what, why). Restarts and stops go through the rollout engine as one-step rollouts, so
 * the restart-lease gates, the gate timeout, pause/resume/abort and the rollout's own events apply
 * unchanged; this class adds no second gate path.
 *
 * How a stop is carried out: a non-forced stop is a one-step `stop` rollout whose step sends the
 * member's agent a `remove` command with `stop-only` (agent sync/lease-remove.ts): the agent takes
 * the member's restart lease (the same gates, asked again at the moment of the stop), stops the
 * process and releases the lease, without the kind's removal procedures (the member stays in the
 * cluster). Only when the step is done does the member's desired run state become `stopped`
 * (`onStepDone`): were it set first, the agent would stop the process at once, without a lease,
 * on its next desired state. A forced stop (`--force --reason`) overrides the gates, so it has no
 * lease to wait for: it sets the desired run state at once (the desired-state path) and the agent
 * stops the process when it applies it. A start needs no lease (starting takes nobody down): the
 * desired run state becomes `running` and the agent starts the member.
 */
export class MemberActions {
  constructor(private readonly o: MemberActionsOptions) {}

  /**
   * The plan of `cluster/member`, named by its instance name, host or member id (`pickMember`).
   * Throws NotFoundError for an unknown cluster or member (listing the members), ValidationError
   * when the name fits several.
   */
  plan(cluster: string, member: string): InstancePlan {
    const { clusters } = this.o.fleet.snapshot();
    if (!clusters.has(cluster)) throw notFoundAmong('cluster', cluster, clusters.keys());
    const { members, plans } = this.o.fleet.memberMap(cluster);
    return pickPlannedMember(cluster, member, { members, plans });
  }

  /**
   * Restarts one member through the restart-lease gates: a one-step `restart` rollout (201 view).
   * Throws NotFoundError (cluster, member), ConflictError when the member is stopped by the
   * operator or the cluster has a rollout running or paused.
   */
  restart(cluster: string, member: string, meta: ActionMeta): MemberRestartView {
    const plan = this.plan(cluster, member);
    const stop = this.operatorStop(plan);
    if (stop)
      throw new ConflictError(
        `${plan.id} is stopped by the operator (${stop.by}); start it with: hactl start ${plan.id}`,
      );
    this.mustBePlannedToRun(plan);
    const rollout = this.o.rollouts.start(cluster, defaultRolloutOptions('restart'), [plan.id]);
    this.event(
      plan,
      'member.restart',
      `restart of ${plan.id} requested by ${meta.by}${why(meta)} (rollout ${rollout.id})`,
      {
        ...meta,
        rollout: rollout.id,
      },
    );
    return { instance: plan.id, rollout, gates: this.o.leases().gates(plan.id) };
  }

  /**
   * Stops one member and keeps it stopped (desired run state) until `start`. Refused with a
   * ConflictError naming every failing stop gate (stop-gates.ts) unless `force`, which needs a
   * reason (ValidationError without one). Idempotent for a member already stopped by the operator.
   * Throws NotFoundError (cluster, member), ConflictError while the cluster has a rollout.
   */
  stop(cluster: string, member: string, meta: ActionMeta & { force: boolean }): MemberRunStateView {
    if (meta.force && !meta.reason.trim())
      throw new ValidationError('a forced stop needs a reason', [
        { path: 'reason', message: 'required with force: say why the stop gates are overridden' },
      ]);
    const plan = this.plan(cluster, member);
    if (this.operatorStop(plan))
      return { instance: plan.id, state: 'stopped', message: `${plan.id} is already stopped`, gates: [] };
    this.mustBePlannedToRun(plan);
    const running = this.o.rollouts.active(cluster);
    if (running)
      throw new ConflictError(
        `cluster ${cluster} has rollout ${running.id} (${running.state}); let it finish or abort it first`,
      );
    const { plans } = this.o.fleet.memberMap(cluster);
    const gates = checkStopGates({
      instanceId: plan.id,
      restartGates: this.o.leases().gates(plan.id),
      plans,
    });
    const refused = refusedGates(gates);
    const refusal = describeRefusal(refused);
    if (refusal && !meta.force) {
      this.event(
        plan,
        'member.stop.refused',
        `stop of ${plan.id} by ${meta.by}${why(meta)} refused: ${refusal}`,
        {
          ...meta,
          gates,
        },
      );
      throw new ConflictError(
        `stop of ${plan.id} refused: ${refusal}; to stop it anyway: hactl stop ${plan.id} --force --reason TEXT`,
        refused,
      );
    }
    if (refusal) {
      this.event(
        plan,
        'member.stop.forced',
        `stop of ${plan.id} forced by ${meta.by} over: ${refusal}; reason: ${meta.reason}`,
        { ...meta, gates },
      );
      this.setStopped(plan, { by: meta.by, reason: meta.reason, forced: true });
      return {
        instance: plan.id,
        state: 'stopped',
        message: `desired run state is stopped; its agent stops it without a lease (forced over: ${refusal})`,
        gates,
      };
    }
    const rollout = this.o.rollouts.start(
      cluster,
      { ...defaultRolloutOptions('stop'), operator: { by: meta.by, reason: meta.reason } },
      [plan.id],
      'stop',
    );
    this.event(
      plan,
      'member.stop',
      `stop of ${plan.id} requested by ${meta.by}${why(meta)} (rollout ${rollout.id})`,
      {
        ...meta,
        rollout: rollout.id,
      },
    );
    return {
      instance: plan.id,
      state: 'stopping',
      message: `stopping under a restart lease (rollout ${rollout.id})`,
      gates,
      rollout,
    };
  }

  /**
   * Starts a member the operator stopped: its desired run state becomes running again. Idempotent
   * for a member not stopped by the operator. Throws NotFoundError (cluster, member).
   */
  start(cluster: string, member: string, meta: ActionMeta): MemberRunStateView {
    const plan = this.plan(cluster, member);
    if (!this.operatorStop(plan))
      return {
        instance: plan.id,
        state: 'running',
        message: `${plan.id} is not stopped by the operator`,
        gates: [],
      };
    this.o.fleet.setClusterFacts(cluster, { [stoppedFactKey(plan.id)]: '' });
    this.event(plan, 'member.start', `${plan.id} started by ${meta.by}${why(meta)}`, { ...meta });
    return { instance: plan.id, state: 'running', message: 'desired run state is running', gates: [] };
  }

  /**
   * A finished rollout step: the step of a `stop` rollout makes its member's desired run state
   * stopped (see the class comment for why only now). Wired as RolloutEngineOptions.onStepDone.
   */
  onStepDone(r: RolloutRow, step: RolloutStepRow): void {
    if (r.action !== 'stop' || step.op !== 'stop') return;
    const op = (JSON.parse(r.options_json) as RolloutOptions).operator;
    const plan = this.o.fleet.snapshot().planById.get(step.instance_id);
    if (!plan) return;
    this.setStopped(plan, { by: op?.by ?? 'unknown', reason: op?.reason ?? '', forced: false });
    this.event(plan, 'member.stopped', `${plan.id} stopped under a lease (rollout ${r.id})`, {
      rollout: r.id,
    });
  }

  /**
   * The member's rendered files on its host against the control plane's render of its desired
   * inputs, with a unified diff per drifted file. Throws NotFoundError (cluster, member),
   * UnavailableError when the agent is not connected or does not answer.
   */
  async files(cluster: string, member: string): Promise<MemberFilesView> {
    const plan = this.plan(cluster, member);
    const host = this.o.fleet.snapshot().hostNames.get(plan.hostId) ?? plan.hostId;
    const kind = serviceKind(plan.kind);
    if (!kind) throw new UnavailableError(`kind ${plan.kind} is not known to this control plane`);
    const r = await this.o.fleet.queryAgent(
      plan.hostId,
      { instanceId: plan.id, action: 'files', args: [] },
      QUERY_TIMEOUT_MS,
    );
    if (!r.ok) throw new UnavailableError(`cannot read the files of ${plan.id} on ${host}: ${r.error}`);
    const onDisk = parseFilesAnswer(r.output, host);
    const files = diffMemberFiles(kind.render(plan.inputs), onDisk);
    return { instance: plan.id, host, drift: files.some((f) => f.state !== 'same'), files };
  }

  /**
   * `hactl status HOST` (host name or id): processes, pids, uptimes and last probes of the host's
   * instances (host-status.ts). Throws NotFoundError for an unknown host.
   */
  hostStatus(host: string): Promise<HostStatusView> {
    return readHostStatus(this.o.fleet, host, {
      now: this.o.now(),
      timeoutMs: QUERY_TIMEOUT_MS,
      operatorStops: (p) => {
        const stop = this.operatorStop(p);
        return stop && describeOperatorStop(p.id, stop);
      },
    });
  }

  /**
   * Throws ConflictError for a member its cluster's plan keeps stopped for another reason (a Storm
   * standby nimbus in `failover: manual` mode): there is no process to restart or stop, and an
   * operator stop recorded over it would outlive that reason (a failover could not promote the
   * standby).
   */
  private mustBePlannedToRun(plan: InstancePlan): void {
    if (plan.runState !== 'running')
      throw new ConflictError(
        `${plan.id} is not planned to run (e.g. a standby nimbus): nothing to restart or stop`,
      );
  }

  private operatorStop(plan: InstancePlan): OperatorStop | undefined {
    return readOperatorStop(this.o.fleet.clusterFacts(plan.cluster), plan.id);
  }

  private setStopped(plan: InstancePlan, s: Omit<OperatorStop, 'at'>): void {
    const stop: OperatorStop = { ...s, at: new Date(this.o.now()).toISOString() };
    this.o.fleet.setClusterFacts(plan.cluster, { [stoppedFactKey(plan.id)]: encodeOperatorStop(stop) });
  }

  private event(plan: InstancePlan, type: string, message: string, data: Record<string, unknown>): void {
    this.o.store.appendEvent({
      at: this.o.now(),
      type,
      cluster: plan.cluster,
      host: plan.hostId,
      message,
      data_json: JSON.stringify({ instance: plan.id, ...data }),
    });
    this.o.logger.info({ cluster: plan.cluster, instance: plan.id, action: type }, 'member action');
  }
}

/** `: <reason>` when the operator gave one, for event messages. */
const why = (meta: ActionMeta): string => (meta.reason ? `: ${meta.reason}` : '');

/** The agent's `files` answer, checked (the agent is not trusted to answer well-formed JSON). */
function parseFilesAnswer(output: string, host: string): ReportedFile[] {
  const bad = () =>
    new UnavailableError(
      `the agent on ${host} answered the files request with something that is not a file list`,
    );
  let v: unknown;
  try {
    v = JSON.parse(output);
  } catch {
    throw bad();
  }
  const files = (v as { files?: unknown } | null)?.files;
  if (!Array.isArray(files)) throw bad();
  return files.map((f: unknown): ReportedFile => {
    const x = f as Partial<ReportedFile> | null;
    if (
      !x ||
      typeof x.path !== 'string' ||
      typeof x.exists !== 'boolean' ||
      typeof x.size !== 'number' ||
      typeof x.sha256 !== 'string' ||
      (x.content !== null && typeof x.content !== 'string')
    )
      throw bad();
    return { path: x.path, exists: x.exists, size: x.size, sha256: x.sha256, content: x.content ?? null };
  });
}
