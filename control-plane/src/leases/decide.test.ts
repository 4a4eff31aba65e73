import { describe, expect, it } from 'vitest';
import type { GateResult } from '@hactl/shared';
import { decideLease, type LeaseQuestion, type LeaseVerdict } from './decide.js';

const NOW = 1_800_000_000_000;
const holds: GateResult = { gate: 'one-at-a-time', ok: true, reason: 'no other member is down' };
const degraded: GateResult = {
  gate: 'cluster-healthy',
  ok: false,
  reason: 'waiting: cluster is degraded: leader 2, 1/2 followers synced',
};
const leaderLast: GateResult = { gate: 'leader-last', ok: false, reason: 'waiting: leader restarts later' };
const notAsked = (): never => {
  throw new Error('must not be asked');
};

const base: LeaseQuestion = {
  runsInstance: true,
  hostId: 'h1',
  instanceId: 'zk/zk-1',
  held: undefined,
  denied: () => undefined,
  gates: () => [holds],
  now: NOW,
  ttlMs: 60_000,
};

describe('restart lease decision', () => {
  it.each<[string, Partial<LeaseQuestion>, LeaseVerdict]>([
    [
      'every gate holds → granted for the ttl',
      {},
      { type: 'grant', expiresAt: NOW + 60_000, reason: 'all gates hold', gates: [holds] },
    ],
    [
      'zookeeper: follower asks while 1/2 followers synced → refused with the gate values',
      { gates: () => [holds, degraded] },
      {
        type: 'refuse',
        reason: 'cluster-healthy: waiting: cluster is degraded: leader 2, 1/2 followers synced',
        gates: [holds, degraded],
      },
    ],
    [
      'two gates fail → both named, in gate order',
      { gates: () => [degraded, leaderLast] },
      {
        type: 'refuse',
        reason:
          'cluster-healthy: waiting: cluster is degraded: leader 2, 1/2 followers synced; leader-last: waiting: leader restarts later',
        gates: [degraded, leaderLast],
      },
    ],
    [
      'the holder asks again while the cluster is degraded by its restart → renewed, gates not asked',
      {
        held: { id: 'lease-1', sameRequester: true, reason: 'command r1.0' },
        denied: notAsked,
        gates: notAsked,
      },
      { type: 'renew', leaseId: 'lease-1', expiresAt: NOW + 60_000, reason: 'lease renewed' },
    ],
    [
      'another attempt at the instance asks while the lease is held (a resumed step) → waits, not shared',
      {
        held: { id: 'lease-1', sameRequester: false, reason: 'command r1.0' },
        denied: () => undefined,
        gates: notAsked,
      },
      {
        type: 'refuse',
        reason: "another restart attempt (command r1.0) holds zk/zk-1's lease: waiting for it to finish",
        gates: [],
      },
    ],
    [
      'no rollout asks for the instance → refused before the gates, with the abandon reason',
      { denied: () => 'abandon: no running rollout asks to restart zk/zk-1', gates: notAsked },
      { type: 'refuse', reason: 'abandon: no running rollout asks to restart zk/zk-1', gates: [] },
    ],
    [
      'a host asks for an instance it does not run → refused, nothing else asked',
      {
        runsInstance: false,
        held: { id: 'lease-1', sameRequester: true, reason: '' },
        denied: notAsked,
        gates: notAsked,
      },
      { type: 'refuse', reason: 'host h1 does not run zk/zk-1', gates: [] },
    ],
  ])('%s', (_scenario, patch, verdict) => {
    expect(decideLease({ ...base, ...patch })).toEqual(verdict);
  });
});
