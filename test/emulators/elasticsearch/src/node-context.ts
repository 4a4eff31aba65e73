import type { NodeInfo } from './cluster-state.js';
import type { Coordinator } from './coordinator.js';
import type { Logger } from './log.js';
import type { NodeConfig } from './node-config.js';

/** Live resource figures for `_cat/nodes` (ES gets them from nodes stats on every node). */
export interface NodeStats {
  heapUsedBytes: number;
  heapMaxBytes: number;
  ramUsedBytes: number;
  ramTotalBytes: number;
  cpuPercent: number;
  load: [number, number, number] | null;
  uptimeMs: number;
  fdCurrent: number | null;
  fdMax: number | null;
  diskTotalBytes: number | null;
  diskAvailBytes: number | null;
}

/** What REST handlers may use; built in node.ts, faked in tests. */
export interface NodeContext {
  config: NodeConfig;
  local: NodeInfo;
  coordinator: Coordinator;
  logger: Logger;
  now(): number;
  newUuid(): string;
  statsOf(node: NodeInfo): Promise<NodeStats | undefined>;
}
