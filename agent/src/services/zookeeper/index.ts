import type { zookeeper } from '@hactl/shared';
import { statelessProber, type AgentServiceKind } from '../types.js';
import { planZookeeperProcess } from './process.js';
import { probeZookeeper } from './probe.js';

export const zookeeperAgentKind: AgentServiceKind<zookeeper.ZookeeperInputs> = {
  kind: 'zookeeper',
  serviceUser: 'zookeeper',
  planProcess: planZookeeperProcess,
  // Four-letter words need a fresh connection each: the server answers one word and closes.
  createProber: () => statelessProber(probeZookeeper),
};
