import { describe, expect, it } from 'vitest';
import type { ClusterStatus } from '@hactl/shared';
import { healthWithoutIdleMember, type IdleMemberQuestion } from './idle-member.js';

const degraded: ClusterStatus = {
  health: 'degraded',
  reason: 'storm-main/ui answers 500: no nimbus leader on its seeds',
  members: [],
};
const othersHealthy: ClusterStatus = { health: 'healthy', reason: 'nimbus leader s2', members: [] };
const notAsked = (): never => {
  throw new Error('must not be asked');
};

const base: IdleMemberQuestion = {
  instanceId: 'storm-main/ui',
  status: degraded,
  planned: true,
  serves: false,
  others: () => othersHealthy,
};

describe('a member that serves nobody may restart on the other members health', () => {
  it('storm: the UI finds no leader on its old seeds, the others are healthy → judged healthy, saying why', () => {
    expect(healthWithoutIdleMember(base)).toEqual({
      health: 'healthy',
      reason: 'storm-main/ui serves nobody; the other members are healthy: nimbus leader s2',
      members: [],
    });
  });

  it.each<[string, Partial<IdleMemberQuestion>]>([
    [
      'the cluster is healthy → its own health stands',
      { status: { ...degraded, health: 'healthy' }, others: notAsked },
    ],
    ['the member serves → its own health stands', { serves: true, others: notAsked }],
    ['the member is not in the plans → its own health stands', { planned: false, others: notAsked }],
    [
      'zookeeper: without the idle member the others have no quorum → its own health stands',
      { others: () => ({ health: 'degraded', reason: 'no leader', members: [] }) },
    ],
    [
      'the others are down → its own health stands',
      { others: () => ({ health: 'down', reason: 'no member answers', members: [] }) },
    ],
  ])('%s', (_name, q) => {
    expect(healthWithoutIdleMember({ ...base, ...q })).toBeUndefined();
  });
});
