import type { MemberStatus } from '@hactl/shared';

/** A ZooKeeper member status in `mode` (leader, follower, unknown), for the rollout tests. */
export function zkMember(mode: string): MemberStatus {
  return {
    host: 'zk2',
    id: 2,
    address: '127.0.0.12',
    port: 2181,
    role: 'member',
    mode,
    process: 'running',
    lastProbe: null,
    detail: '',
  };
}
