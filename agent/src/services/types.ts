import type { ProcessPlan } from '@hactl/shared';

/**
 * Probes one instance, keeping its client connections (a Kafka admin, a ZooKeeper session) between
 * probes: it connects on the first probe, reconnects after a failure or when the inputs point
 * elsewhere, and closes everything on close(). One per instance; closed when the instance is removed
 * and when the agent stops.
 */
export interface Prober<I = unknown> {
  /** Resolves with the kind's probe JSON, never rejects. */
  probe(inputs: I, timeoutMs: number): Promise<unknown>;
  close(): Promise<void>;
}

/** A prober for a kind whose probe keeps nothing open between calls (four-letter words, plain HTTP). */
export function statelessProber<I>(probe: (inputs: I, timeoutMs: number) => Promise<unknown>): Prober<I> {
  return { probe, close: () => Promise.resolve() };
}

/**
 * One instance's checks before a start and while it runs, keeping what they hold open between
 * calls (the nimbus fence's ZooKeeper session) as a Prober does. One per instance; closed when the
 * instance is removed and when the agent stops.
 */
export interface InstanceChecks<I = unknown> {
  /**
   * I/O before every start of the process (first start, restart, restart after a crash): undefined
   * to go ahead, or why it must not start now (Storm: the nimbus fence, architecture §5). A refusal
   * counts as a failed start, retried under the restart policy.
   */
  checkStart?: (inputs: I, timeoutMs: number) => Promise<string | undefined>;
  /**
   * I/O on a running process, when the agent starts and every report interval: a reason to stop it
   * now, without a lease (Storm: a nimbus fenced by a newer epoch), or undefined.
   */
  checkRunning?: (inputs: I, timeoutMs: number) => Promise<string | undefined>;
  /** Closes what the checks hold open; never rejects. */
  close(): Promise<void>;
}

/** How a removal procedure runs (see `AgentServiceKind.beforeRemoval`). */
export interface RemovalOptions {
  /** How long the procedure may wait in all (a drain waits for shards to move). */
  timeoutMs: number;
  /** Go ahead although the member still holds data (Kafka: partition replicas); default false. */
  force?: boolean;
  /**
   * Other members' client endpoints (Kafka PLAINTEXT listeners, Elasticsearch HTTP), tried in order
   * when the member itself does not answer — always so after it has stopped (`afterRemoval`).
   */
  peers?: readonly { address: string; port: number }[];
}

/** What a removal step did, one line per action, for the operator's events. */
export interface RemovalReport {
  actions: string[];
}

/**
 * The effectful half of a service kind on the agent: how to run it and how to probe it. The pure
 * half (inputs schema, renderer, health) lives in @hactl/shared.
 */
export interface AgentServiceKind<I = unknown> {
  readonly kind: string;
  /**
   * The system account the service runs under when the agent runs as root, named as the upstream
   * packages name it (Debian's `zookeeper`, Elastic's `elasticsearch`; `kafka` and `storm` by the
   * same convention). Elasticsearch refuses to start as root at all (Elasticsearch.initPhase2).
   */
  readonly serviceUser: string;
  /** Pure: inputs → how to launch the process. */
  planProcess(inputs: I): ProcessPlan;
  /** A prober for one instance; it opens nothing until its first probe. */
  createProber(): Prober<I>;
  /**
   * Commands that must succeed before each start by the agent (e.g. `kafka-storage.sh format
   * --ignore-formatted` for KRaft). Pure: returns what to run.
   */
  planPreStart?(inputs: I): { command: string; args: string[]; env: Record<string, string>; cwd: string }[];
  /** Pure: whether a probe result means the instance serves again after a restart (default: ok and serving). */
  isReady?(probe: unknown): boolean;
  /** The checks of one instance (Storm: the nimbus fence); they open nothing until first used. */
  createChecks?(): InstanceChecks<I>;
  /** I/O the service's own procedure asks for before a planned stop (e.g. ES: allocation → primaries, flush). */
  beforeRestart?(inputs: I, timeoutMs: number): Promise<unknown>;
  /** I/O after the restarted instance is ready (e.g. ES: restore allocation, wait for green). */
  afterRestart?(inputs: I, timeoutMs: number): Promise<unknown>;
  /**
   * I/O before a member that leaves the cluster for good is stopped (after its restart lease is
   * granted): makes the cluster stop relying on it, or refuses with the reason (Kafka: refuses while
   * the broker holds replicas unless `force`; Elasticsearch: drains a data node, excludes a
   * master-eligible node from the voting configuration). Idempotent: safe to run again on resume.
   */
  beforeRemoval?(inputs: I, opts: RemovalOptions): Promise<RemovalReport>;
  /**
   * I/O with the lease held, before an operator's stop of a member that stays in the cluster
   * (`hactl stop`): waits until the stop is safe and resolves with why, or throws why it must not
   * stop (Kafka: the same partition check as before a restart, `checkKafkaStop`: every partition on
   * the broker keeps min.insync.replicas without it). Nothing is changed on the cluster.
   */
  beforeStop?(inputs: I, timeoutMs: number): Promise<string>;
  /**
   * I/O once the removed member has stopped: cleans what `beforeRemoval` left (Elasticsearch: the
   * allocation exclusion, the voting exclusions; KRaft: the broker registration). Talks to `peers`.
   */
  afterRemoval?(inputs: I, opts: RemovalOptions): Promise<RemovalReport>;
}
