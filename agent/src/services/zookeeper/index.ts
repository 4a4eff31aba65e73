import type { zookeeper } from '@hactl/shared';
import type { AgentServiceKind } from '../types.js';
import { planZookeeperProcess } from './process.js';
import { probeZookeeper } from './probe.js';

export const zookeeperAgentKind: AgentServiceKind<zookeeper.ZookeeperInputs> = {
  kind: 'zookeeper',
  serviceUser: 'zookeeper',
  planProcess: planZookeeperProcess,
  probe: probeZookeeper,
};
