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
  /** I/O the service's own procedure asks for before a planned stop (e.g. ES: allocation → primaries, flush). */
  beforeRestart?(inputs: I, timeoutMs: number): Promise<void>;
  /** I/O after the restarted instance is ready (e.g. ES: restore allocation, wait for green). */
  afterRestart?(inputs: I, timeoutMs: number): Promise<void>;
  /**
   * I/O before a member removed from its cluster is stopped, run under its lease (sync/lease-remove.ts):
   * resolves with what it did, or rejects to refuse the removal with what still depends on the
   * member (a Kafka broker's topics). `force` stops it anyway where the kind allows.
   */
  beforeRemove?(inputs: I, o: { force: boolean; timeoutMs: number }): Promise<string>;
}
