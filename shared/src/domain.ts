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
  logFile: string;
}

export type ProcessState = 'running' | 'stopped' | 'crashed' | 'starting';

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
}

export type ClusterHealth = 'pending' | 'healthy' | 'degraded' | 'down';

export interface MemberStatus {
  host: string;
  id: number | string;
  address: string;
  port: number;
  role: string;
  mode: string;
  process: ProcessState | 'unknown';
  lastProbe: string | null;
  detail: string;
  [extra: string]: unknown;
}

export interface ClusterStatus {
  health: ClusterHealth;
  reason: string;
  members: MemberStatus[];
}
