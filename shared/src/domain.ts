/** The fleet's domain model, shared by the control plane, the agent and the CLI. */

export type ServiceKindName = 'zookeeper' | 'kafka' | 'storm' | 'elasticsearch';

/** A server with an enrolled agent, as the planner sees it. */
export interface HostRecord {
  id: string;
  name: string;
  address: string;
  /** Where service data lives on that host unless a spec overrides it. */
  dataRoot: string;
  labels: Record<string, string>;
}

/** Every accepted cluster spec carries at least these. */
export interface ClusterSpecBase {
  name: string;
  kind: ServiceKindName;
}

export type RunState = 'running' | 'stopped';

/** One service on one host, derived by the planner, with everything needed to render and run it. */
export interface InstancePlan<Inputs = unknown> {
  /** `<cluster>/<member>`, stable for the instance's life. */
  id: string;
  cluster: string;
  kind: ServiceKindName;
  hostId: string;
  role: string;
  runState: RunState;
  inputs: Inputs;
}

/**
 * One instance of a host's desired state: what the control plane stores and sends and what the
 * agent applies, the same type on both sides. On the wire (proto DesiredInstance) `inputs` travels
 * as JSON text; the converters in @hactl/proto (desired.ts) are the only place that encodes it.
 */
export interface DesiredInstance<Inputs = unknown> {
  /** `<cluster>/<member>` (instance-id.ts). */
  id: string;
  cluster: string;
  kind: string;
  role: string;
  runState: RunState;
  /** The kind's render inputs, fully resolved by the planner. */
  inputs: Inputs;
}

/** A host's desired state as stored (`host_desired.state_json`), instances sorted by id. */
export interface HostDesiredState {
  instances: DesiredInstance[];
}

/** A file the agent should hold with exactly this content. */
export interface RenderedFile {
  path: string;
  content: string;
  mode: number;
}

/** How to run a service process. */
export interface ProcessPlan {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Strings that must appear in /proc/<pid>/cmdline for an old process to be adopted. */
  adoptMatch: string[];
  stopGraceMs: number;
  /** Directories to create before the first start. */
  dirs: string[];
  /** Where the agent sends the process's stdout/stderr (size-capped, copy-truncated). */
  logFile: string;
  /**
   * The service's own log files (written and rolled by the service, e.g. ZooKeeper's zookeeper.log),
   * reported to the control plane so `describe` and `hactl logs` can point at them.
   */
  serviceLogFiles?: string[];
  /**
   * Files the launch needs besides `command` (e.g. the jars of an explicit class path). The agent
   * checks them, with the command, before it stops a running process for a restart.
   */
  requiredPaths?: string[];
  /**
   * A restart signals only the process and leaves its children running, for the next process to
   * take back (Storm's supervisor recovers its running workers). A stop ends the whole group.
   */
  restartKeepsChildren?: boolean;
}

export type ProcessState = 'running' | 'stopped' | 'crashed' | 'starting';

/** The most lines of a member's log a failure carries (`MemberFailure.logTail`). */
export const FAILURE_TAIL_LINES = 20;
/** The most bytes (UTF-8) those lines take together. */
export const FAILURE_TAIL_BYTES = 4096;

/**
 * How an instance last exited on its own, and the end of the log that says why: reported by its
 * agent while the instance is down after that exit (crashed, or in a crash loop), checked by the
 * control plane at its edge, shown in the REST member status and `hactl describe`.
 */
export interface MemberFailure {
  /** The exit code (0-255); null when the process was killed by a signal. */
  exitCode: number | null;
  /** The signal that killed it (e.g. `SIGKILL`); null when it exited with a code. */
  signal: string | null;
  /** ISO time of the exit, by the agent's clock. */
  exitedAt: string;
  /** The log the lines come from: the service's own log, else its captured stdout/stderr. */
  logFile: string;
  /** The log's last lines, oldest first: at most FAILURE_TAIL_LINES and FAILURE_TAIL_BYTES together. */
  logTail: string[];
}

/** What an agent last said about one instance. */
export interface InstanceObservation {
  id: string;
  hostId: string;
  process: ProcessState;
  pid: number;
  restarts: number;
  detail: string;
  restartPending: boolean;
  /** ms since epoch; 0 when never probed. */
  probeAt: number;
  /** The kind's probe result, already parsed by the kind. */
  probe: unknown;
  /** ms since epoch the report was received. */
  reportedAt: number;
  /** The instance's log files on its host: the service's own first, then the captured stdout/stderr. */
  logFiles?: string[];
  /**
   * Set while the instance is down after an unexpected exit, and while it is only just back (until a
   * run has lasted its restart policy's resetAfterMs).
   */
  failure?: MemberFailure;
}

export type ClusterHealth = 'pending' | 'healthy' | 'degraded' | 'down';

/**
 * One member of a cluster as its kind's health rollup sees it. `instance`, `leading` and
 * `restartRank` are the contract the rollout order and the restart gates read, so no kind has to
 * name its leader `leader` for leader-last to work, and members are never paired with plans by
 * array position.
 */
export interface MemberStatus {
  /** The instance this member is: `<cluster>/<member>` (instance-id.ts). */
  instance: string;
  /** Host name (the host id when the host is not registered). */
  host: string;
  /** The kind's member id: ZooKeeper myid, Kafka node id, Elasticsearch node name, Storm `<role>-<host>`. */
  id: number | string;
  address: string;
  port: number;
  role: string;
  /** The kind's word for what the member does now (`leader`, `follower`, `controller`, `master`, …); `unknown` without a fresh probe. */
  mode: string;
  /**
   * The member leads its cluster now: the ZooKeeper leader, Kafka's active controller, the
   * elected Elasticsearch master, the Storm leader nimbus. Restarting it forces an election, so it
   * goes last.
   */
  leading: boolean;
  /**
   * Rolling-restart order, lower first (0 = ordinary member). Leading members rank 2; a kind may
   * rank more finely (Elasticsearch: data nodes 0, master-eligible 1, elected master 2).
   */
  restartRank: number;
  process: ProcessState | 'unknown';
  /** ISO time of the last probe; null when never probed. */
  lastProbe: string | null;
  detail: string;
  pid: number;
  restarts: number;
  /** The member's log files on its host, as its agent reported them. */
  logs?: string[];
  /** How it last exited and why, while it is down after an unexpected exit (crashed or crash-looping) or only just back from one. */
  failure?: MemberFailure;
  /**
   * Set when the operator stopped it (`hactl stop`): it stays stopped, and its cluster below healthy,
   * until `hactl start` (control-plane/src/actions/run-state.ts). Who, when (ISO), why, and whether
   * the stop overrode its gates.
   */
  stoppedByOperator?: { by: string; at: string; reason: string; forced: boolean };
  /** Kind-specific probe values shown to operators (e.g. `syncedFollowers`, `underReplicated`, `slots`). */
  [extra: string]: unknown;
}

export interface ClusterStatus {
  health: ClusterHealth;
  reason: string;
  /** What the operator can do about the state, as a command to run (e.g. members left restart pending). */
  hint?: string;
  members: MemberStatus[];
}
