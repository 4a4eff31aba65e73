/**
 * The REST contract: the shapes of the control plane's JSON answers, used by the server that
 * builds them and by the CLI that reads them (cli/api-types.ts checks a body's top-level shape
 * before trusting it). Types only: importing this pulls no server code into the CLI.
 */
import type { ClusterSpecBase, ClusterStatus } from '@hactl/shared';
import type { RolloutOptions } from '../rollout/options.js';
import type { StepPhase } from '../rollout/step-status.js';

export type { MemberStatus, MemberFailure, ClusterStatus, ClusterHealth } from '@hactl/shared';

/** What an agent says about its host in its hello (agent/src/facts.ts); more keys may follow. */
export interface HostFacts {
  hostname?: string;
  os?: string;
  cpus?: number;
  memoryBytes?: number;
  agentVersion?: string;
  java?: string;
  [key: string]: unknown;
}

/** One row of `GET /v1/hosts` (`{hosts: HostView[]}`). */
export interface HostView {
  id: string;
  name: string;
  address: string;
  connected: boolean;
  /** ISO time the agent was last heard from; null when never. */
  lastSeen: string | null;
  /** The host's newest desired-state generation. */
  generation: number;
  /** The generation its agent last applied. */
  appliedGeneration: number;
  /** Why the agent did not apply its desired state (e.g. it refused a control plane it does not follow); '' when it did. */
  applyError: string;
  /** Instances in the host's desired state. */
  instances: number;
  agentVersion: string;
  labels: Record<string, string>;
  facts: HostFacts;
}

/** One row of `GET /v1/clusters` (`{clusters: ClusterSummary[]}`). */
export interface ClusterSummary {
  name: string;
  kind: string;
  revision: number;
  health: string;
  reason: string;
  hint?: string;
  members: number;
  /** Members running with a known mode (probed and answering). */
  ready: number;
  /** ISO time of the current revision. */
  updatedAt: string;
  /** The cluster's running or paused rollout (GET /v1/rollouts/{id}); absent when it has none. */
  rollout?: { id: string; state: 'running' | 'paused' };
}

/** `GET /v1/clusters/{name}`: the cluster with its health rollup. */
export interface ClusterView {
  name: string;
  kind: string;
  revision: number;
  spec: ClusterSpecBase;
  /** ISO time of the current revision. */
  updatedAt: string;
  status: ClusterStatus & {
    /** Storm `failover: manual`: the host name of the nimbus planned to serve. */
    activeNimbus?: string;
    /** Storm `failover: manual`: the newest failover of the cluster. */
    lastFailover?: FailoverView;
  };
}

/** One recorded step of a failover, with why it happened. */
export interface FailoverStepView {
  /** detect | requested | fence | promote | repoint | completed | failed */
  step: string;
  /** ISO time. */
  at: string;
  reason: string;
}

/** `GET /v1/failovers/{id}` and the answer of `POST /v1/clusters/{name}/failover` (202). */
export interface FailoverView {
  id: string;
  cluster: string;
  /** `auto`: the control plane detected the loss of the active nimbus; `operator`: hactl failover. */
  trigger: 'auto' | 'operator';
  author: string;
  reason: string;
  /** Host names; `from` is null when no nimbus was active. */
  from: string | null;
  to: string;
  /** The fencing epoch this failover introduced. */
  epoch: number;
  state: 'running' | 'completed' | 'failed';
  /** The step it is on: fence | promote | repoint | done. */
  step: string;
  /** The rollout restarting supervisors and UI onto the new nimbus.seeds, once started. */
  rollout: string | null;
  /** What a running failover waits for now. */
  waiting: string | null;
  createdAt: string;
  updatedAt: string;
  /** From the first step (the detection, or the request) to now or to the end, ms. */
  elapsedMs: number;
  steps: FailoverStepView[];
}

/** `PUT /v1/clusters/{name}` and each entry of `POST /v1/apply`: what applying one spec did. */
export interface AppliedCluster {
  name: string;
  revision: number;
  changed: boolean;
  /** The rollout started for the members whose config changed. */
  rollout?: string;
  /**
   * The rollout's members as `host (instance)` in the order they restart, as ordered once the push
   * was written and the first step taken (leader last on the ranks then; a leader that moves later
   * reorders the rest: GET /v1/rollouts/{id}).
   */
  restartOrder?: string[];
  /** Members left with the new config on disk and the old process running (`rollout: false`). */
  restartPending?: string[];
  /**
   * When the change added or removed members: the membership procedure's steps in order (its
   * rollout is `rollout`). New members are held and removed ones keep running until their step.
   */
  membershipSteps?: string[];
  /**
   * Validation's warnings about the spec applied (a new revision, or the unchanged one), `path: message` (e.g. Kafka: min.insync.replicas
   * equal to the replication factor, so one broker down stops writes).
   */
  warnings?: string[];
  /**
   * The kind's notes on the change (e.g. Kafka: keep inter.broker.protocol.version at the old
   * release until every broker runs the new binaries).
   */
  notes?: string[];
}

/** One row of `GET /v1/clusters/{name}/revisions` (`{revisions: RevisionSummary[]}`), oldest first. */
export interface RevisionSummary {
  revision: number;
  author: string;
  message: string;
  /** ISO time the revision was stored. */
  createdAt: string;
}

/** `GET /v1/clusters/{name}/diff`: the spec diff and each instance's rendered-file diffs. */
export type { RevisionDiff } from '../reconcile/revisions.js';
/** `PUT /v1/clusters/{name}?dryRun=true` and each entry of `POST /v1/apply?dryRun=true`. */
export type { ClusterPreviewView, PreviewInstanceView, HostCheck } from '../changes/host-checks.js';
/** `DELETE /v1/clusters/{name}` (and its dry run): what deleting stops and leaves on disk. */
export type { DeletePreview } from '../changes/changes.js';

/** One step of a rollout, as `GET /v1/rollouts/{id}` shows it. */
export interface RolloutStepView {
  index: number;
  /** What the step does: restart, or in a membership procedure also start, stop or handover. */
  op: string;
  /** The membership procedure phase (0 in a restart rollout). */
  phase: number;
  instance: string;
  host: string;
  state: string;
  requestedAt: string | null;
  finishedAt: string | null;
  elapsedMs: number | null;
  note: string;
}

/** `GET /v1/rollouts/{id}` and the answers of start, pause, resume and abort. */
export interface RolloutView {
  id: string;
  cluster: string;
  action: string;
  revision: number;
  state: string;
  reason: string;
  options: RolloutOptions;
  createdAt: string;
  updatedAt: string;
  /**
   * When its work began: its first step taken up (requested, or done without a request), kept
   * across a resume that asks a step again; null while none has been (rollout/view.ts).
   */
  startedAt: string | null;
  /** The members in the order planned at the start (`steps[].index` is the place in it). */
  plan: string[];
  /**
   * The steps in the order they ran and will run: those taken up by when they were, then the
   * pending ones in the order the engine would request them now (leader last, re-decided each step).
   */
  steps: RolloutStepView[];
  /**
   * The step being worked on: its phase and what it waits for, in words. `gates` (with their current
   * values) only while it waits for its restart lease; once the lease is held they no longer apply.
   */
  current: {
    instance: string;
    phase: StepPhase;
    waitingFor: string;
    gates: { gate: string; ok: boolean; reason: string }[];
  } | null;
  /**
   * What a running rollout waits for while no step is in flight, in words (the pause between
   * steps, with the seconds left), as of the engine's last pass; null otherwise.
   */
  waiting: string | null;
}

/** The error body of every 4xx/5xx answer. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details: { path: string; message: string }[];
    /** Whether the same request may succeed later unchanged (e.g. 503 while the store is busy). */
    retriable: boolean;
  };
}

/** One row of `GET /v1/replicas` (`{replicas: ReplicaView[]}`): a control-plane replica on the shared store. */
export interface ReplicaView {
  holder: string;
  /** HOST:PORT of its agent gRPC endpoint. */
  grpc: string;
  /** HOST:PORT of its REST API. */
  http: string;
  /** ms since it last renewed or checked the leader lease. */
  seenAgoMs: number;
  leading: boolean;
}

/** `GET /v1/whoami`: the calling token. */
export interface WhoAmIView {
  name: string;
  scopes: ('read' | 'write' | 'exec' | 'admin')[];
}

/** One row of `GET /v1/events` (`{events: EventView[]}`, newest first) and an `event` message of the event stream. */
export interface EventView {
  id: number;
  /** ISO time. */
  at: string;
  type: string;
  cluster: string | null;
  host: string | null;
  message: string;
}

/** A `status` message of `GET /v1/events/stream`. */
export type { StatusChange } from '../events/status-diff.js';
