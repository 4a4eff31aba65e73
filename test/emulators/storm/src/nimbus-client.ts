import { callThrift } from './thrift-rpc.js';
import {
  CLUSTER_SUMMARY,
  NIMBUS_SUMMARY,
  TOPOLOGY_SUMMARY,
  type ClusterSummary,
  type NimbusSummary,
  type TopologySummary,
} from './thrift.js';
import { confList, confNum, type StormConf } from './config.js';
import type { Logger } from './log.js';

/** org.apache.storm.utils.NimbusLeaderNotFoundException */
export class NimbusLeaderNotFoundException extends Error {
  readonly code = 'NIMBUS_LEADER_NOT_FOUND';
  readonly retriable = true;
  readonly javaClass = 'org.apache.storm.utils.NimbusLeaderNotFoundException';
}

export interface LeaderClient {
  host: string;
  port: number;
  getClusterInfo(): Promise<ClusterSummary>;
  getTopologySummaries(): Promise<TopologySummary[]>;
  getNimbusConf(): Promise<string>;
}

/** Java's `List.toString()`: `[a, b]`. */
const javaList = (items: readonly string[]): string => `[${items.join(', ')}]`;

/**
 * NimbusClient.getConfiguredClientAs (2.x): ask each seed in `nimbus.seeds` for getLeader() and
 * connect to the answer. A seed that cannot be reached or fails is skipped with a warning; when no
 * seed answers, the NimbusLeaderNotFoundException below is what `storm list` and the UI report.
 */
export async function getConfiguredClient(
  conf: StormConf,
  log: Logger,
  timeoutMs = 5000,
): Promise<LeaderClient> {
  const seeds = confList(conf, 'nimbus.seeds');
  const port = confNum(conf, 'nimbus.thrift.port');
  for (const seed of seeds) {
    let leader: NimbusSummary;
    try {
      leader = (await callThrift(
        seed,
        port,
        'getLeader',
        { struct: NIMBUS_SUMMARY },
        timeoutMs,
      )) as NimbusSummary;
    } catch (err) {
      log.warn(
        `Ignoring exception while trying to get leader nimbus info from ${seed}. will retry with a different seed host. ${(err as Error).message}`,
      );
      continue;
    }
    log.info(`Found leader nimbus : ${leader.host}:${leader.port}`);
    const call = (method: string, spec: Parameters<typeof callThrift>[3]) =>
      callThrift(leader.host, leader.port, method, spec, timeoutMs);
    return {
      host: leader.host,
      port: leader.port,
      getClusterInfo: async () =>
        (await call('getClusterInfo', { struct: CLUSTER_SUMMARY })) as ClusterSummary,
      getTopologySummaries: async () =>
        (await call('getTopologySummaries', { list: { struct: TOPOLOGY_SUMMARY } })) as TopologySummary[],
      getNimbusConf: async () => (await call('getNimbusConf', 'string')) as string,
    };
  }
  throw new NimbusLeaderNotFoundException(
    `Could not find leader nimbus from seed hosts ${javaList(seeds)}. Did you specify a valid list of nimbus hosts for config nimbus.seeds?`,
  );
}

/** `e.printStackTrace()` shape used in UI error bodies and CLI failures. */
export function javaStackTrace(err: Error): string {
  const cls = (err as { javaClass?: string }).javaClass ?? 'java.lang.RuntimeException';
  return `${cls}: ${err.message}\n\tat org.apache.storm.utils.NimbusClient.getConfiguredClientAs(NimbusClient.java)\n`;
}
