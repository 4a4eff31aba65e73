import { describe, expect, it } from 'vitest';
import type { ClusterSpecBase } from '../domain.js';
import { findClusterSpec } from './zookeeper-endpoints.js';

const spec = (name: string, kind: string): ClusterSpecBase => ({ name, kind }) as ClusterSpecBase;

describe('findClusterSpec', () => {
  it('finds a spec by name; the first of two with one name, as a search in list order would', () => {
    const first = spec('zk-a', 'zookeeper');
    const list = [spec('storm-a', 'storm'), first, spec('zk-a', 'kafka')];
    expect(findClusterSpec(list, 'zk-a')).toBe(first);
    expect(findClusterSpec(list, 'storm-a')?.kind).toBe('storm');
  });

  it('answers undefined for a name no spec has', () => {
    expect(findClusterSpec([spec('zk-a', 'zookeeper')], 'zk-b')).toBeUndefined();
    expect(findClusterSpec([], 'zk-a')).toBeUndefined();
  });

  it('answers each list from its own specs (an index is kept per list)', () => {
    const a = [spec('zk', 'zookeeper')];
    const b = [spec('zk', 'kafka')];
    expect(findClusterSpec(a, 'zk')?.kind).toBe('zookeeper');
    expect(findClusterSpec(b, 'zk')?.kind).toBe('kafka');
    expect(findClusterSpec(a, 'zk')?.kind).toBe('zookeeper');
  });
});
