import type { ServiceKind } from '../types.js';
import { zookeeperSpecSchema, validateZookeeperSpec, type ZookeeperSpec } from './spec.js';
import { planZookeeper } from './plan.js';
import { parseZookeeperInputs, type ZookeeperInputs } from './inputs.js';
import { renderZookeeperFiles } from './render.js';
import { normalisePath } from '../../paths.js';
import { checkZookeeperHealth, parseZookeeperProbe } from './health.js';
import { indexPath } from '../member.js';
import { planZookeeperMembership } from './membership.js';

export * from './spec.js';
export * from './plan.js';
export * from './inputs.js';
export * from './render.js';
export * from './parse.js';
export * from './health.js';
export * from './membership.js';

export const zookeeperKind: ServiceKind<ZookeeperSpec, ZookeeperInputs> = {
  kind: 'zookeeper',
  specSchema: zookeeperSpecSchema,
  validate: validateZookeeperSpec,
  plan: planZookeeper,
  parseInputs: parseZookeeperInputs,
  render: renderZookeeperFiles,
  parseProbe: parseZookeeperProbe,
  checkHealth: checkZookeeperHealth,
  planMembership: planZookeeperMembership,
  // FastLeaderElection ignores notifications from non-members and a learner finds its leader in its
  // own view (QuorumPeer.getView), so a member on a list without the leader cannot follow it.
  handoverBeforeRemoval: true,
  claims: (i) => ({
    ports: [
      { port: i.clientPort, what: 'zookeeper clientPort' },
      { port: i.peerPort, what: 'zookeeper peerPort' },
      { port: i.electionPort, what: 'zookeeper electionPort' },
      ...(i.adminPort ? [{ port: i.adminPort, what: 'zookeeper adminPort (AdminServer)' }] : []),
    ],
    dirs: zookeeperDirs(i),
  }),
  memberPath: (spec, plan) => indexPath('members', spec.members, (m) => m.id === plan.inputs.myid),
};

/** The member's data dir, and its transaction log dir when `settings.dataLogDir` puts it elsewhere. */
export function zookeeperDirs(i: Pick<ZookeeperInputs, 'dataDir' | 'config'>): string[] {
  const log = i.config.dataLogDir;
  return log !== undefined && normalisePath(log) !== normalisePath(i.dataDir)
    ? [i.dataDir, log]
    : [i.dataDir];
}
