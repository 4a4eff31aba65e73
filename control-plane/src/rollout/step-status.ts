import { isLeading, type GateResult, type MemberStatus } from '@hactl/shared';
import {
  describeStranded,
  describeUnservedRestart,
  restartObserved,
  servesAfter,
  type StepClock,
  type StepInput,
} from './step.js';
import type { StepOp } from '../store/store.js';

/**
 * Where a requested rollout step is:
 * - `waiting-agent`: the member's agent is not connected; the command goes out when it is;
 * - `waiting-lease`: the agent asks for its restart lease and the gates say not yet (or it has not asked yet);
 * - `restarting`: the agent holds the lease and is stopping, starting or waiting for the member to serve;
 * - `crash-looping`: the member crashed after its restart and the supervisor keeps retrying;
 * - `starting`: the member was down before its turn, or is a new member of a membership procedure's
 *   `start` step; its agent starts it from its desired state (no lease needed: nothing is taken down);
 * - `finishing`: the member runs a new process and holds no lease; a restart ends once that
 *   process serves or with the agent's result, and fails at the gate timeout (step.ts), a stop
 *   with the agent's result, a handover once another member leads.
 */
export type StepPhase =
  'waiting-agent' | 'waiting-lease' | 'restarting' | 'crash-looping' | 'starting' | 'finishing';

export interface StepStatusInput {
  /** What the step does (`restart` when absent; a `start` asks no lease). */
  op?: StepOp;
  host: string;
  connected: boolean;
  /** The member holds the cluster's restart lease now. */
  leaseHeld: boolean;
  pidBefore: number;
  requestedAt: number;
  /** The agent's last report on the member. */
  obs:
    | {
        process: string;
        pid: number;
        detail: string;
        reportedAt: number;
        /** When it was last probed (ms; 0 or absent: never) and whether that probe was answered. */
        probeAt?: number;
        answered?: boolean;
        /** Whether that probe found the member serving (probeServes). */
        serves?: boolean;
      }
    | undefined;
  /**
   * The rollout's clock while it runs (now, and its gate timeout): a restarted member that does
   * not serve is told how long until the step fails. Absent while paused: nothing times out then.
   */
  clock?: StepClock;
  member: MemberStatus | undefined;
  /** The member led its cluster (leader, controller, elected master) when its step was requested. */
  ledAtRequest: boolean;
  /**
   * The rollout carries a config change (step.ts carriesConfigChange): a resume finds the member
   * done only on its new process and that config; an operator's restart has only the process.
   */
  configChange: boolean;
  clusterHealth: string;
  gates: readonly GateResult[];
  /**
   * For a membership procedure's restart: the done handover whose member leads again (handover.ts
   * handoverFirst), which a member restarted onto the phase's member list cannot follow.
   */
  strandedBy?: Pick<StepInput, 'idx' | 'instance'>;
}

/** Gate reasons say "waiting: …" for the lease refusal; inside a sentence that is said once. */
function bare(reason: string): string {
  return reason.replace(/^waiting:\s*/, '');
}

/**
 * What a requested step is doing now, in one sentence, from the lease, the member's last report
 * and the gates. Pure. The step's planned disruption is named as such: while the leader restarts
 * last the cluster is briefly without a leader, which is the step working, not a failure.
 */
export function describeStep(i: StepStatusInput): { phase: StepPhase; text: string } {
  const obs = i.obs;
  const restarted = obs && restartObserved(obs, i.pidBefore, i.requestedAt) ? obs : undefined;
  if (!i.connected)
    return {
      phase: 'waiting-agent',
      text:
        i.op === 'start'
          ? `waiting for the agent on ${i.host} to connect; it starts the new member when it does`
          : `waiting for the agent on ${i.host} to connect; the restart is sent when it does`,
    };
  if (i.op === 'start') return describeStart(i);
  if (i.leaseHeld) {
    const planned = plannedDisruption(i);
    if (obs?.process === 'crashed')
      return {
        phase: 'crash-looping',
        text: `restarted under its lease but crashing${obs.detail ? `: ${obs.detail}` : ''}`,
      };
    if (restarted)
      return {
        phase: 'restarting',
        text: `restarted (pid ${i.pidBefore} → ${restarted.pid}); waiting for it to serve again${planned}`,
      };
    if (obs && obs.process !== 'running')
      return { phase: 'restarting', text: `restarting under its lease (process ${obs.process})${planned}` };
    return { phase: 'restarting', text: `holds the restart lease; stopping the old process${planned}` };
  }
  if (restarted) return { phase: 'finishing', text: describeRestarted(i, restarted) };
  if (obs && (obs.process === 'crashed' || obs.process === 'stopped')) {
    return {
      phase: 'starting',
      text: `member is down (${obs.process}${obs.detail ? `: ${obs.detail}` : ''}); the agent starts it on the current config, no lease needed`,
    };
  }
  const failing = i.gates.filter((g) => !g.ok);
  if (failing.length)
    return {
      phase: 'waiting-lease',
      text: `waiting for the restart lease: ${failing.map((g) => `${g.gate}: ${bare(g.reason)}`).join('; ')}`,
    };
  return { phase: 'waiting-lease', text: 'waiting for the agent to take the restart lease (all gates hold)' };
}

/**
 * A requested step whose member runs a new process and holds no lease: what ends it, in the
 * decision's words (step.ts describeUnservedRestart) for a restart not serving yet while the
 * rollout runs (`i.clock`); while it is paused, only the agent's result or a resume.
 */
function describeRestarted(i: StepStatusInput, obs: NonNullable<StepStatusInput['obs']>): string {
  const pids = `restarted (pid ${i.pidBefore} → ${obs.pid})`;
  if (i.op === 'handover') return `${pids}; done once another member leads`;
  if (i.op === 'stop') return `${pids}; waiting for the agent's result`;
  const serves = servesAfter(obs, i.requestedAt);
  // No pass runs while the rollout is paused, so serving does not finish the step then; a resume
  // does, or asks for it again under a new command (step.ts planResume).
  if (!i.clock)
    return (
      `${pids}${serves ? ' and serves' : ''}; the rollout is paused: its agent's result finishes the step, ` +
      `and so does a resume if by then it serves on its new process${i.configChange ? ' and config' : ''} (else the resume asks for it again)` +
      (!serves && i.strandedBy ? `; ${describeStranded(i.strandedBy)}` : '')
    );
  if (serves) return `${pids} and serves; the step is done at the next pass`;
  return describeUnservedRestart(i, obs, i.clock, i.strandedBy);
}

/**
 * A membership procedure's `start` step: no command and no lease (starting takes no member down,
 * step.ts); its agent starts the member from its desired state, and the step is done once the
 * member runs and answered a probe taken after the request (step.ts finishedBy). So it awaits the
 * agent's start, then that probe; the restart lease's gates were checked before the request.
 */
function describeStart(i: StepStatusInput): { phase: StepPhase; text: string } {
  const obs = i.obs && i.obs.reportedAt > i.requestedAt ? i.obs : undefined;
  const detail = obs?.detail ? `: ${obs.detail}` : '';
  if (obs?.process === 'crashed')
    return {
      phase: 'crash-looping',
      text: `the new member crashed on its start${detail}; its agent retries`,
    };
  if (obs?.process === 'running' && obs.pid > 0)
    return {
      phase: 'starting',
      text:
        obs.answered === true && (obs.probeAt ?? 0) > i.requestedAt
          ? `the new member runs (pid ${obs.pid}) and answered a probe; finishing the step`
          : `the new member runs (pid ${obs.pid}); waiting for it to answer a probe`,
    };
  return {
    phase: 'starting',
    text: `waiting for the agent on ${i.host} to start the new member and report it running${obs ? ` (process ${obs.process}${detail})` : ''}; no lease needed`,
  };
}

/**
 * "; the cluster is … while …" while the cluster is not healthy because this member is down on
 * purpose. Only the member that leads (or led when its step was requested) is called the leader:
 * a master-eligible Elasticsearch node also restarts after the data nodes (its restart rank), but
 * it is not the elected master, and whether another member takes over depends on the kind (a
 * Storm nimbus in `failover: manual` has no running standby), so neither is said.
 */
function plannedDisruption(i: StepStatusInput): string {
  if (i.clusterHealth === 'healthy') return '';
  if (i.ledAtRequest || isLeading(i.member))
    return `; the cluster is ${i.clusterHealth} while its leader restarts: the planned step of leader last`;
  return `; the cluster is ${i.clusterHealth} while this member restarts: expected during this step`;
}
