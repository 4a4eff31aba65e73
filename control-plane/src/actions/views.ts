import type { GateResult } from '@hactl/shared';
import type { RolloutView } from '../api/contract.js';

/**
 * The REST bodies of the member actions (api/member-routes.ts), one definition for the server and
 * the CLI (cli/commands/member.ts, files.ts, status.ts).
 */

/** `POST /v1/clusters/{name}/members/{member}/restart` (201): the one-step restart rollout. */
export interface MemberRestartView {
  instance: string;
  /** The rollout that restarts the member through the restart-lease gates. */
  rollout: RolloutView;
  /** The restart-lease gates for the member now, with their values: what the restart waits for. */
  gates: GateResult[];
}

/** `POST …/stop` and `POST …/start`: the member's desired run state after the call. */
export interface MemberRunStateView {
  instance: string;
  /**
   * `stopping`: a one-step stop rollout takes it down under a lease (see `rollout`); `stopped`: its
   * desired run state is stopped; `running`: its desired run state is running.
   */
  state: 'stopping' | 'stopped' | 'running';
  /** What happened, for people: `already stopped`, `stopped without a lease (forced: …)`, … */
  message: string;
  /** The stop gates with their values (stop only; empty for start). */
  gates: GateResult[];
  /** The stop rollout (state `stopping` only). */
  rollout?: RolloutView;
}

/** One rendered file of a member: on disk against what the control plane desires. */
export interface MemberFileView {
  path: string;
  /**
   * `same`: the bytes on disk are the desired ones; `drifted`: they differ; `missing`: desired but
   * not on disk; `unexpected`: on disk (rendered by the agent's spec) but not desired, e.g. an agent
   * that has not applied the latest desired state.
   */
  state: 'same' | 'drifted' | 'missing' | 'unexpected';
  /** Bytes on disk (0 when missing). */
  size: number;
  /** Hex SHA-256 on disk ('' when missing). */
  sha256: string;
  /** Hex SHA-256 of the desired content ('' when not desired). */
  desiredSha256: string;
  /**
   * Unified diff lines from the desired content (`---`) to the file on disk (`+++`), for a drifted
   * file whose content came back; empty otherwise.
   */
  diff: string[];
  /** Why no diff is shown for a drifted file (its content was over the answer's cap); '' otherwise. */
  note: string;
}

/** `GET /v1/clusters/{name}/members/{member}/files`. */
export interface MemberFilesView {
  instance: string;
  host: string;
  /** True when any file is not `same`. */
  drift: boolean;
  files: MemberFileView[];
}

/** One instance on a host, `hactl status HOST`. */
export interface HostProcessView {
  instance: string;
  kind: string;
  /** Desired run state (`running`/`stopped`). */
  runState: string;
  /** The supervisor's process state (`running`, `stopped`, `crashed`, …) or `unknown` when the agent did not answer. */
  state: string;
  pid: number;
  /** ISO time the process started (or was adopted by the agent); null when none runs or unknown. */
  startedAt: string | null;
  /** Seconds since `startedAt`; null when none runs or unknown. */
  uptimeSec: number | null;
  restarts: number;
  /** ISO time of the last probe the agent reported; null when never. */
  lastProbe: string | null;
  /** The last probe's summary ('' when none). */
  probe: string;
  /** Why the process state is what it is, or the operator stop; '' when nothing to say. */
  reason: string;
}

/** `GET /v1/hosts/{host}/status`. */
export interface HostStatusView {
  host: string;
  id: string;
  address: string;
  connected: boolean;
  lastSeen: string | null;
  /** Why the live process list is missing (agent not connected or no answer); '' when it answered. */
  note: string;
  processes: HostProcessView[];
}
