import type { MemberStatus } from '@hactl/shared';
import { zkMemberStatus } from '@hactl/shared/testing/members';

/** ZooKeeper member 2 (zk/zk-2) in `mode`, for the rollout tests: the leader leads and ranks last. */
export const zkMember = (mode: string): MemberStatus => zkMemberStatus(2, mode);
