import type { ProcessPlan } from '@hactl/shared';

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
  /** Probes the running service; resolves with the kind's probe JSON, never rejects. */
  probe(inputs: I, timeoutMs: number): Promise<unknown>;
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
}
