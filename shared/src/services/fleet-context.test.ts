import { describe, expect, it } from 'vitest';
import type { ClusterSpecBase } from '../domain.js';
import { clusterSpecMap } from './fleet-context.js';

const spec = (name: string, kind: string): ClusterSpecBase => ({ name, kind }) as ClusterSpecBase;

describe('clusterSpecMap', () => {
  it('holds each spec by its name; the first of two with one name, as a search in list order finds it', () => {
    const first = spec('zk-a', 'zookeeper');
    const byName = clusterSpecMap([spec('storm-a', 'storm'), first, spec('zk-a', 'kafka')]);
    expect(byName.get('zk-a')).toBe(first);
    expect(byName.get('storm-a')?.kind).toBe('storm');
    expect(byName.size).toBe(2);
  });

  it('answers undefined for a name no spec has', () => {
    expect(clusterSpecMap([spec('zk-a', 'zookeeper')]).get('zk-b')).toBeUndefined();
    expect(clusterSpecMap([]).get('zk-a')).toBeUndefined();
  });
});
