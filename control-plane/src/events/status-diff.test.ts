import { describe, expect, it } from 'vitest';
import type { ClusterSummary, HostView } from '../api/contract.js';
import { diffStatusDigest, planStatusDigest } from './status-diff.js';

const host = (name: string, connected: boolean): HostView => ({
  id: name,
  name,
  address: '127.0.0.1',
  connected,
  lastSeen: null,
  generation: 2,
  appliedGeneration: 2,
  applyError: '',
  instances: 1,
  agentVersion: '0.1.0',
  labels: {},
  facts: {},
});
const cluster = (name: string, health: string, ready: number): ClusterSummary => ({
  name,
  kind: 'zookeeper',
  revision: 1,
  health,
  reason: health === 'healthy' ? '' : 'zk2 not answering',
  members: 3,
  ready,
  updatedAt: '2026-01-01T00:00:00.000Z',
});

describe('status digest', () => {
  it('a member lost → the cluster turns degraded, hosts unchanged', () => {
    const a = planStatusDigest([host('zk1', true)], [cluster('zk', 'healthy', 3)]);
    const b = planStatusDigest([host('zk1', true)], [cluster('zk', 'degraded', 2)]);
    expect(diffStatusDigest(a, b)).toEqual([
      {
        kind: 'cluster',
        name: 'zk',
        from: 'healthy',
        to: 'degraded',
        detail: '2/3 ready: zk2 not answering',
      },
    ]);
  });

  it('nothing changed → no changes', () => {
    const a = planStatusDigest([host('zk1', true)], [cluster('zk', 'healthy', 3)]);
    expect(diffStatusDigest(a, planStatusDigest([host('zk1', true)], [cluster('zk', 'healthy', 3)]))).toEqual(
      [],
    );
  });

  it('a host disconnects and a cluster is deleted → both reported, in key order', () => {
    const a = planStatusDigest([host('zk1', true)], [cluster('zk', 'healthy', 3)]);
    const b = planStatusDigest([host('zk1', false)], []);
    expect(diffStatusDigest(a, b).map((c) => [c.kind, c.name, c.from, c.to])).toEqual([
      ['cluster', 'zk', 'healthy', null],
      ['host', 'zk1', 'connected', 'disconnected'],
    ]);
  });
});
