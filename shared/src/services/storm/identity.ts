import type { ErrorDetail } from '../../errors.js';
import type { IdentityView } from '../types.js';
import { stormZookeeperRoot, type StormSpec } from './spec.js';

/**
 * Changes a formed Storm cluster cannot take by a rolling restart: Storm keeps all of its state in
 * ZooKeeper under `storm.zookeeper.root` (service-facts §3.2: topologies in `/storms`, their
 * assignments, the supervisors, the nimbus leader latch and the blobstore's replica markers). A
 * new ensemble or root holds none of it, so nimbus would forget every running topology while
 * their workers keep running, unmanaged. Pure.
 */
export function checkStormIdentityChange(
  before: IdentityView<StormSpec>,
  after: IdentityView<StormSpec>,
): ErrorDetail[] {
  const [a, b] = [before.spec, after.spec];
  const problems: ErrorDetail[] = [];
  const why =
    `the running topologies, their assignments and the nimbus leader latch live in ${a.zookeeper} under ${stormZookeeperRoot(a)}; ` +
    `nimbus would forget every running topology while its workers keep running. ` +
    `Kill the topologies first and create a new cluster, or keep the old value`;
  if (a.zookeeper !== b.zookeeper)
    problems.push({
      path: 'zookeeper',
      message: `cannot move from ${a.zookeeper} to ${b.zookeeper}: ${why}`,
    });
  else if (stormZookeeperRoot(a) !== stormZookeeperRoot(b))
    problems.push({
      path: 'settings.storm.zookeeper.root',
      message: `cannot change from ${stormZookeeperRoot(a)} to ${stormZookeeperRoot(b)}: ${why}`,
    });
  return problems;
}
