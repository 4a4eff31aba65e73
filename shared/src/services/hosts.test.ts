import { describe, it, expect } from 'vitest';
import { findHost, lookupHost, requireHost } from './hosts.js';
import { PlanError, type ErrorDetail } from '../errors.js';

const hosts = [
  { id: 'a', name: 'b', address: '127.0.0.11', dataRoot: '/d', labels: {} },
  { id: 'b', name: 'c', address: '127.0.0.12', dataRoot: '/d', labels: {} },
];

describe('host references', () => {
  it('an id wins over a name that spells it', () => {
    expect(findHost(hosts, 'b')?.address).toBe('127.0.0.12');
    expect(findHost(hosts, 'c')?.id).toBe('b');
  });

  it('validation: an unknown host is a problem at the field', () => {
    const problems: ErrorDetail[] = [];
    expect(lookupHost(hosts, 'nope', 'members[2].host', problems)).toBeUndefined();
    expect(problems).toEqual([
      { path: 'members[2].host', message: 'unknown host "nope" (no agent registered with that name or id)' },
    ]);
  });

  it('planning: an unknown host is a PlanError naming the cluster and the field', () => {
    expect(() => requireHost(hosts, 'nope', 'zk-main', 'members[0].host')).toThrow(
      'cluster "zk-main", members[0].host: unknown host "nope" (not registered)',
    );
    try {
      requireHost(hosts, 'nope', 'zk-main', 'members[0].host');
    } catch (err) {
      expect(err).toBeInstanceOf(PlanError);
      expect(err).toMatchObject({ code: 'plan_failed', retriable: false, cluster: 'zk-main' });
    }
  });
});
