import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkElasticsearchProbe, parseCatNodes, parseClusterHealth, parseErrorType, parseRootInfo } from './parse.js';
import { parseElasticsearchProbe } from './health.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const rec = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
const ok = (name: string) => ({ ok: true as const, body: rec(name) });

describe('elasticsearch parsers over recorded answers', () => {
  it('GET / of a formed cluster → uuid and version', () => {
    expect(parseRootInfo(rec('root-formed.json'))).toEqual({ nodeName: 'node-1', clusterName: 'es-main', clusterUuid: '0WFrGAFfTseKPzO08mj29g', version: '8.17.3' });
  });
  it('GET / before the first formation: "_na_" means no uuid', () => {
    expect(parseRootInfo(rec('root-never-formed.json')).clusterUuid).toBeUndefined();
  });
  it('_cluster/health green, yellow, red', () => {
    expect(parseClusterHealth(rec('health-green.json'))).toEqual({ status: 'green', nodes: 5, dataNodes: 2, unassignedShards: 0 });
    expect(parseClusterHealth(rec('health-yellow-node-left.json'))).toMatchObject({ status: 'yellow', unassignedShards: 1 });
    expect(parseClusterHealth(rec('health-red.json')).status).toBe('red');
  });
  it('_cluster/health without master → master_not_discovered_exception', () => {
    expect(parseErrorType(rec('health-no-master-503.json'))).toBe('master_not_discovered_exception');
  });
  it('_cat/nodes: exactly one "*" master, role abbreviations as strings', () => {
    const nodes = parseCatNodes(rec('cat-nodes-5.json'));
    expect(nodes.filter((n) => n.master).map((n) => n.name)).toEqual(['node-1']);
    expect(nodes.map((n) => n.roles)).toEqual(['m', 'm', 'm', 'hi', 'w']);
    expect(parseCatNodes(rec('cat-nodes-default-columns.json'))).toHaveLength(5);
  });
  it('a garbage body throws', () => {
    expect(() => parseClusterHealth({ status: 'purple' })).toThrow();
    expect(() => parseCatNodes({ name: 'x' })).toThrow();
  });
});

describe('elasticsearch probe result', () => {
  it('formed cluster → master, nodes, status, uuid; passes the strict schema', () => {
    const p = checkElasticsearchProbe(ok('root-formed.json'), ok('health-green.json'), ok('cat-nodes-5.json'));
    expect(p).toMatchObject({ ok: true, nodeName: 'node-1', clusterUuid: '0WFrGAFfTseKPzO08mj29g', clusterStatus: 'green', master: 'node-1', numberOfNodes: 5 });
    expect(p.nodes).toHaveLength(5);
    expect(parseElasticsearchProbe(JSON.parse(JSON.stringify(p)))).toEqual(p);
  });
  it('no master → noMaster with the exception named, HTTP still up', () => {
    const fail = { ok: false as const, status: 503, body: rec('health-no-master-503.json'), message: 'ResponseError: master_not_discovered_exception' };
    const p = checkElasticsearchProbe(ok('root-no-master.json'), fail, fail);
    expect(p).toMatchObject({ ok: true, noMaster: true, clusterUuid: '0WFrGAFfTseKPzO08mj29g' });
    expect(p.master).toBeUndefined();
    expect(p.error).toMatch(/master_not_discovered_exception/);
  });
  it('connection refused → ok false', () => {
    expect(checkElasticsearchProbe({ ok: false, message: 'connect ECONNREFUSED 127.0.6.11:9200' }, undefined, undefined)).toEqual({ ok: false, error: 'connect ECONNREFUSED 127.0.6.11:9200' });
  });
  it('the strict schema refuses unknown keys', () => {
    expect(() => parseElasticsearchProbe({ ok: true, surprise: 1 })).toThrow();
  });
});
