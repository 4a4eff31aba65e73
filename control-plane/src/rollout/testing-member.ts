import type { MemberStatus } from '@hactl/shared';

/**
 * A ZooKeeper member status in `mode` (leader, follower, unknown), for the rollout tests; the
 * leader leads and ranks last, as the ZooKeeper kind's health rollup says.
 */
export function zkMember(mode: string): MemberStatus {
  return {
    instance: 'zk/zk-2',
    host: 'zk2',
    id: 2,
    address: '127.0.0.12',
    port: 2181,
    role: 'member',
    mode,
    process: 'running',
    lastProbe: null,
    detail: '',
    pid: 0,
    restarts: 0,
    leading: mode === 'leader',
    restartRank: mode === 'leader' ? 2 : 0,
  };
}
