import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkElasticsearchProbe,
  parseCatNodes,
  parseClusterHealth,
  parseErrorType,
  parseRootInfo,
} from './parse.js';
import { parseElasticsearchProbe } from './health.js';

// Answers recorded from a real Elasticsearch 8.19.21 cluster (testdata/README.md). The cluster
// uuid and the elected master (node-3) are those of that recording.
const V = 'es8.19.21';
const UUID = '4a817oQLTfS2Ig7IzpRCuA';
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const rec = (name: string): unknown =>
  JSON.parse(fs.readFileSync(path.join(dir, `${name}-${V}.json`), 'utf8'));
const ok = (name: string) => ({ ok: true as const, body: rec(name) });
const fail503 = (name: string) => ({
  ok: false as const,
  status: 503,
  body: rec(name),
  message: 'ResponseError: master_not_discovered_exception',
});

describe('elasticsearch parsers over answers recorded from Elasticsearch 8.19.21', () => {
  it('GET / of a formed cluster (the elected master) → uuid and version', () => {
    expect(parseRootInfo(rec('root-formed'))).toEqual({
      nodeName: 'node-3',
      clusterName: 'es-main',
      clusterUuid: UUID,
      version: '8.19.21',
    });
  });
  it('GET / of a node that never joined a formed cluster: "_na_" means no uuid', () => {
    expect(parseRootInfo(rec('root-never-formed'))).toEqual({
      nodeName: 'lone-1',
      clusterName: 'es-lone',
      version: '8.19.21',
    });
  });
  it('GET / after losing the master keeps the uuid of the cluster the node was in', () => {
    expect(parseRootInfo(rec('root-no-master'))).toMatchObject({ nodeName: 'node-1', clusterUuid: UUID });
  });
  it('_cluster/health green, yellow after a node left, red', () => {
    expect(parseClusterHealth(rec('health-green'))).toEqual({
      status: 'green',
      nodes: 5,
      dataNodes: 2,
      unassignedShards: 0,
    });
    expect(parseClusterHealth(rec('health-yellow-node-left'))).toEqual({
      status: 'yellow',
      nodes: 4,
      dataNodes: 1,
      unassignedShards: 1,
    });
    expect(parseClusterHealth(rec('health-red'))).toEqual({
      status: 'red',
      nodes: 5,
      dataNodes: 2,
      unassignedShards: 1,
    });
  });
  it('503 without a master: master_not_discovered_exception, also when _cat/nodes adds suppressed causes', () => {
    expect(parseErrorType(rec('health-no-master-503'))).toBe('master_not_discovered_exception');
    expect(parseErrorType(rec('health-never-formed-503'))).toBe('master_not_discovered_exception');
    expect(parseErrorType(rec('cat-nodes-no-master-503'))).toBe('master_not_discovered_exception');
  });
  it('_cat/nodes: exactly one "*" master, role abbreviations as strings, rows not sorted by name', () => {
    const nodes = parseCatNodes(rec('cat-nodes-5'));
    expect(nodes.filter((n) => n.master).map((n) => n.name)).toEqual(['node-3']);
    expect(Object.fromEntries(nodes.map((n) => [n.name, n.roles]))).toEqual({
      'node-1': 'm',
      'node-2': 'm',
      'node-3': 'm',
      'node-4': 'his',
      'node-5': 'w',
    });
    expect(nodes.map((n) => n.name)).not.toEqual(nodes.map((n) => n.name).sort());
    expect(
      parseCatNodes(rec('cat-nodes-default-columns'))
        .map((n) => n.name)
        .sort(),
    ).toEqual(['node-1', 'node-2', 'node-3', 'node-4', 'node-5']);
    expect(
      parseCatNodes(rec('cat-nodes-node-left'))
        .map((n) => n.name)
        .sort(),
    ).toEqual(['node-1', 'node-2', 'node-3', 'node-4']);
  });
  it('a garbage body throws', () => {
    expect(() => parseClusterHealth({ status: 'purple' })).toThrow();
    expect(() => parseCatNodes({ name: 'x' })).toThrow();
  });
});

describe('elasticsearch probe result', () => {
  it('formed cluster → master, nodes, status, uuid; passes the strict schema', () => {
    const p = checkElasticsearchProbe(ok('root-formed'), ok('health-green'), ok('cat-nodes-5'));
    expect(p).toMatchObject({
      ok: true,
      nodeName: 'node-3',
      clusterUuid: UUID,
      version: '8.19.21',
      clusterStatus: 'green',
      master: 'node-3',
      numberOfNodes: 5,
      unassignedShards: 0,
    });
    expect(p.nodes).toHaveLength(5);
    expect(p.noMaster).toBeUndefined();
    expect(parseElasticsearchProbe(JSON.parse(JSON.stringify(p)))).toEqual(p);
  });
  it('a node left → yellow, 4 nodes listed, the master unchanged', () => {
    const p = checkElasticsearchProbe(
      ok('root-formed'),
      ok('health-yellow-node-left'),
      ok('cat-nodes-node-left'),
    );
    expect(p).toMatchObject({
      ok: true,
      clusterStatus: 'yellow',
      numberOfNodes: 4,
      unassignedShards: 1,
      master: 'node-3',
    });
    expect(p.nodes?.map((n) => n.name)).not.toContain('node-5');
  });
  it('no master → noMaster with the exception named, HTTP still up, uuid kept', () => {
    const p = checkElasticsearchProbe(
      ok('root-no-master'),
      fail503('health-no-master-503'),
      fail503('cat-nodes-no-master-503'),
    );
    expect(p).toMatchObject({ ok: true, noMaster: true, nodeName: 'node-1', clusterUuid: UUID });
    expect(p.master).toBeUndefined();
    expect(p.error).toBe(
      '_cluster/health: master_not_discovered_exception; _cat/nodes: master_not_discovered_exception',
    );
  });
  it('never formed → noMaster and no uuid', () => {
    const p = checkElasticsearchProbe(
      ok('root-never-formed'),
      fail503('health-never-formed-503'),
      fail503('health-never-formed-503'),
    );
    expect(p).toMatchObject({ ok: true, noMaster: true, nodeName: 'lone-1' });
    expect(p.clusterUuid).toBeUndefined();
  });
  it('connection refused → ok false', () => {
    expect(
      checkElasticsearchProbe(
        { ok: false, message: 'connect ECONNREFUSED 127.0.6.11:9200' },
        undefined,
        undefined,
      ),
    ).toEqual({ ok: false, error: 'connect ECONNREFUSED 127.0.6.11:9200' });
  });
  it('the strict schema refuses unknown keys', () => {
    expect(() => parseElasticsearchProbe({ ok: true, surprise: 1 })).toThrow();
  });
});
