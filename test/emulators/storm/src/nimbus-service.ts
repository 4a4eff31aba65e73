import { planClusterSummary, readClusterState } from './cluster-state.js';
import { parseNimbusId } from './latch-plan.js';
import { readLatchLeaderId } from './leader-latch.js';
import { CLUSTER_SUMMARY, NIMBUS_SUMMARY, TOPOLOGY_SUMMARY, type NimbusSummary } from './thrift.js';
import type { RpcHandler } from './thrift-rpc.js';
import type { Zk } from './zk.js';
import type { StormConf } from './config.js';

/**
 * The read-only part of the Nimbus Thrift service (storm.thrift `service Nimbus`): getLeader,
 * getClusterInfo, getTopologySummaries and getNimbusConf. Every other method answers
 * TApplicationException UNKNOWN_METHOD, so leader-only actions (submit, kill, rebalance...) are not
 * emulated.
 */
export interface NimbusServiceDeps {
  zk(): Zk;
  self: { host: string; port: number };
  isLeader(): boolean;
  conf: StormConf;
  nowSecs(): number;
}

async function latchLeader(zk: Zk): Promise<{ host: string; port: number }> {
  const leader = parseNimbusId(await readLatchLeaderId(zk));
  // Zookeeper.toNimbusInfo on a blank participant id.
  if (!leader)
    throw new Error('No nimbus leader participant host found, have you started your nimbus hosts?');
  return leader;
}

export function createNimbusHandler(deps: NimbusServiceDeps): RpcHandler {
  const clusterInfo = async () => {
    const zk = deps.zk();
    const state = await readClusterState(zk);
    const leader = await latchLeader(zk);
    return planClusterSummary(
      state,
      leader,
      { host: deps.self.host, isLeader: deps.isLeader() },
      deps.nowSecs(),
    );
  };

  return async (method) => {
    switch (method) {
      case 'getLeader': {
        // Nimbus.getLeader: the /nimbuses entry matching the latch leader, uptime as a delta.
        const zk = deps.zk();
        const leader = await latchLeader(zk);
        const { nimbuses } = await readClusterState(zk);
        const match = nimbuses.find((n) => n.host === leader.host && n.port === leader.port);
        const value: NimbusSummary | null = match
          ? { ...match, uptime_secs: Math.max(0, deps.nowSecs() - match.uptime_secs), isLeader: true }
          : null;
        return { spec: { struct: NIMBUS_SUMMARY }, value };
      }
      case 'getClusterInfo':
        return { spec: { struct: CLUSTER_SUMMARY }, value: await clusterInfo() };
      case 'getTopologySummaries':
        return { spec: { list: { struct: TOPOLOGY_SUMMARY } }, value: (await clusterInfo()).topologies };
      case 'getNimbusConf':
        return { spec: 'string', value: JSON.stringify(deps.conf) };
      default:
        return undefined;
    }
  };
}
